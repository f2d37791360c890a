package identity

import (
	"sync"
	"time"
)

// ipLimiter counts failed logins per client address in fixed windows and
// refuses an address that exceeded its budget (credential stuffing across
// many accounts, which per-account lockout does not see). It is per
// instance: N instances allow N times the budget, which still bounds a
// source to a few hundred guesses per window.
type ipLimiter struct {
	max    int
	window time.Duration
	mu     sync.Mutex
	counts map[string]*ipWindow
}

type ipWindow struct {
	start time.Time
	n     int
}

// maxTrackedIPs bounds memory under an attack from many addresses; when
// full, windows that ended are dropped first.
const maxTrackedIPs = 100_000

func newIPLimiter(max int, window time.Duration) *ipLimiter {
	return &ipLimiter{max: max, window: window, counts: map[string]*ipWindow{}}
}

// blocked reports whether ip has used up its failures for the window.
func (l *ipLimiter) blocked(ip string, now time.Time) bool {
	if ip == "" || l.max <= 0 {
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	w, ok := l.counts[ip]
	return ok && w.live(now, l.window) && w.n >= l.max
}

// fail records a failure from ip.
func (l *ipLimiter) fail(ip string, now time.Time) {
	if ip == "" || l.max <= 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	w, ok := l.counts[ip]
	if !ok || !w.live(now, l.window) {
		if !ok && len(l.counts) >= maxTrackedIPs {
			l.evict(now)
		}
		l.counts[ip] = &ipWindow{start: now, n: 1}
		return
	}
	w.n++
}

// succeed forgets failures from ip (NIST SP 800-63B §5.2.2).
func (l *ipLimiter) succeed(ip string) {
	l.mu.Lock()
	delete(l.counts, ip)
	l.mu.Unlock()
}

func (l *ipLimiter) evict(now time.Time) {
	for ip, w := range l.counts {
		if now.Sub(w.start) >= l.window {
			delete(l.counts, ip)
		}
	}
	if len(l.counts) >= maxTrackedIPs {
		// Still full of live windows: drop arbitrary entries (map order) so
		// memory stays bounded; the attacker loses at most some counts.
		n := 0
		for ip := range l.counts {
			delete(l.counts, ip)
			if n++; n >= maxTrackedIPs/10 {
				break
			}
		}
	}
}
