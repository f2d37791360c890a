package server

import (
	"sync"
	"sync/atomic"
	"time"
)

// busyRate is the request rate above which the server counts as busy: then
// password hashing keeps to one core (secret.HasherConfig.Busy). Logins
// alone come at a few dozen per second per core and never reach it.
const busyRate = 2000

// loadMeter measures the request rate over short windows.
type loadMeter struct {
	requests  atomic.Int64
	threshold float64

	mu       sync.Mutex
	lastN    int64
	lastTime time.Time
	isBusy   bool
}

func newLoadMeter(perSecond float64) *loadMeter {
	return &loadMeter{threshold: perSecond, lastTime: time.Now()}
}

// hit counts one request (one atomic add on the request path).
func (l *loadMeter) hit() { l.requests.Add(1) }

// busy reports whether the rate over the last window (at least 10 ms)
// exceeded the threshold.
func (l *loadMeter) busy() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	if d := now.Sub(l.lastTime); d >= 10*time.Millisecond {
		n := l.requests.Load()
		l.isBusy = float64(n-l.lastN)/d.Seconds() > l.threshold
		l.lastN, l.lastTime = n, now
	}
	return l.isBusy
}
