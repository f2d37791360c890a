package grant

import (
	"sync"
	"time"
)

// Limiter counts failures per key (a client address, an account, an org)
// in fixed windows. The token endpoint's failure budget is one: API tokens
// and service-account tokens carry 256 random bits, so guessing one is
// hopeless; the budget exists so that a flood of bad tokens from one
// address costs us a map lookup instead of a database read each
// (security.md §1.11 item 5). Service accounts also bound guesses of
// their short user codes with it. It is per instance, like the
// password-login budget. An empty key is never limited.
type Limiter struct {
	max    int
	window time.Duration
	mu     sync.Mutex
	seen   map[string]failWindow
}

type failWindow struct {
	start time.Time
	n     int
}

// maxAddresses bounds memory when failures come from very many addresses.
const maxAddresses = 50_000

// NewLimiter allows max failures per key per window; a negative max
// disables it.
func NewLimiter(max int, window time.Duration) *Limiter {
	return &Limiter{max: max, window: window, seen: map[string]failWindow{}}
}

// Blocked reports whether ip has used its budget in the current window.
func (l *Limiter) Blocked(ip string, now time.Time) bool {
	if l.max < 0 || ip == "" {
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	w, ok := l.seen[ip]
	return ok && now.Sub(w.start) < l.window && w.n >= l.max
}

// Fail counts one failure of ip.
func (l *Limiter) Fail(ip string, now time.Time) {
	if l.max < 0 || ip == "" {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	w, ok := l.seen[ip]
	if !ok || now.Sub(w.start) >= l.window {
		if !ok && len(l.seen) >= maxAddresses {
			l.prune(now)
		}
		l.seen[ip] = failWindow{start: now, n: 1}
		return
	}
	w.n++
	l.seen[ip] = w
}

// prune drops finished windows, and if that frees too little, a tenth of
// the rest: an attacker spread over many addresses loses some counts
// rather than us growing without bound.
func (l *Limiter) prune(now time.Time) {
	for ip, w := range l.seen {
		if now.Sub(w.start) >= l.window {
			delete(l.seen, ip)
		}
	}
	drop := len(l.seen) - maxAddresses*9/10
	for ip := range l.seen {
		if drop <= 0 {
			break
		}
		delete(l.seen, ip)
		drop--
	}
}
