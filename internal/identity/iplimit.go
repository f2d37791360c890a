package identity

import (
	"hash/maphash"
	"sync"
	"time"
)

// ipLimiter counts failed logins per client address in fixed windows and
// refuses an address that exceeded its budget (credential stuffing across
// many accounts, which per-account lockout does not see). It is per
// instance: N instances allow N times the budget, which still bounds a
// source to a few hundred guesses per window.
//
// Each failure is also attributed to the account it named, so that a
// success forgets that account's failures from the address and nothing
// else (NIST SP 800-63B §5.2.2): a good login with an account the attacker
// owns must not refill the budget for guessing at everyone else's.
type ipLimiter struct {
	max    int
	window time.Duration
	seed   maphash.Seed
	mu     sync.Mutex
	counts map[string]*ipWindow
}

type ipWindow struct {
	start time.Time
	n     int
	// per holds the failures of each account named from this address in
	// this window. It never has more than max entries: once n reaches max
	// the address is refused before anything is counted.
	per []acctFailures
}

type acctFailures struct {
	key uint64 // accountKey of the name tried
	n   int
}

// accountKey identifies the account a login named (canonical org and user
// names), hashed so that a window holds no client-supplied text and its
// size does not depend on the length of the names.
func (l *ipLimiter) accountKey(org, user string) uint64 {
	var h maphash.Hash
	h.SetSeed(l.seed)
	_, _ = h.WriteString(org) // maphash writes never fail
	_ = h.WriteByte(0)
	_, _ = h.WriteString(user)
	return h.Sum64()
}

// maxTrackedIPs bounds memory under an attack from many addresses; when
// full, windows that ended are dropped first.
const maxTrackedIPs = 100_000

func newIPLimiter(max int, window time.Duration) *ipLimiter {
	return &ipLimiter{max: max, window: window, seed: maphash.MakeSeed(), counts: map[string]*ipWindow{}}
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

// fail records a failure from ip against the account acct (accountKey).
func (l *ipLimiter) fail(ip string, acct uint64, now time.Time) {
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
		l.counts[ip] = &ipWindow{start: now, n: 1, per: []acctFailures{{key: acct, n: 1}}}
		return
	}
	w.n++
	for i := range w.per {
		if w.per[i].key == acct {
			w.per[i].n++
			return
		}
	}
	w.per = append(w.per, acctFailures{key: acct, n: 1})
}

// succeed forgets the failures from ip against the account acct only; the
// address's failures against other accounts stay counted.
func (l *ipLimiter) succeed(ip string, acct uint64) {
	if ip == "" || l.max <= 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	w, ok := l.counts[ip]
	if !ok {
		return
	}
	for i := range w.per {
		if w.per[i].key == acct {
			w.n -= w.per[i].n
			w.per[i] = w.per[len(w.per)-1]
			w.per = w.per[:len(w.per)-1]
			break
		}
	}
	if w.n <= 0 {
		delete(l.counts, ip)
	}
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
