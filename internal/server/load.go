package server

import (
	"sync"
	"time"
)

// busyRate is the request rate above which the server counts as busy: then
// password hashing keeps to one core (secret.HasherConfig.Busy). Logins
// alone come at a few dozen per second per core and never reach it.
const busyRate = 2000

// loadMeter measures the request rate over short windows. It reads the
// request count the metrics keep (metrics.Metrics.Requests) instead of
// counting each request itself: a counter of its own was one more atomic
// write per request to a cache line both cores share.
type loadMeter struct {
	requests  func() uint64
	threshold float64

	mu       sync.Mutex
	lastN    uint64
	lastTime time.Time
	isBusy   bool
}

func newLoadMeter(perSecond float64, requests func() uint64) *loadMeter {
	return &loadMeter{requests: requests, threshold: perSecond, lastTime: time.Now(), lastN: requests()}
}

// busy reports whether the rate over the last window (at least 10 ms)
// exceeded the threshold.
func (l *loadMeter) busy() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	if d := now.Sub(l.lastTime); d >= 10*time.Millisecond {
		n := l.requests()
		l.isBusy = float64(n-l.lastN)/d.Seconds() > l.threshold
		l.lastN, l.lastTime = n, now
	}
	return l.isBusy
}
