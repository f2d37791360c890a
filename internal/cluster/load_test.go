package cluster

import (
	"net/http"
	"sync"
	"time"
)

// outcome is one request of a load run.
type outcome struct {
	kind     string // "memory", "login", "first-use", "logout", "healthz"
	instance string
	start    time.Time
	took     time.Duration
	status   int  // 0: no answer (connection refused, reset, timeout)
	retry    bool // a Retry-After header came with it
}

// recorder collects outcomes and what the servers acknowledged.
type recorder struct {
	mu       sync.Mutex
	outcomes []outcome
	// live: logins acknowledged and not logged out (by an acknowledged
	// logout or one whose outcome is unknown); ended: acknowledged logouts.
	live  map[string]string // token -> instance that acknowledged it
	ended map[string]string
}

func newRecorder() *recorder {
	return &recorder{live: map[string]string{}, ended: map[string]string{}}
}

func (r *recorder) add(o outcome) {
	r.mu.Lock()
	r.outcomes = append(r.outcomes, o)
	r.mu.Unlock()
}

// timed runs a request and records it.
func (r *recorder) timed(kind string, in *instance, fn func() (int, bool)) int {
	start := time.Now()
	code, retry := fn()
	r.add(outcome{kind: kind, instance: in.name, start: start, took: time.Since(start), status: code, retry: retry})
	return code
}

// sessionCycle is one unit of database work: log in on first, use the new
// session on second (a store read there), and on every other cycle log it
// out on second (a write that every instance must honour).
func (r *recorder) sessionCycle(first, second *instance, user string, logout bool) {
	var s session
	code := r.timed("login", first, func() (int, bool) {
		var code int
		var h http.Header
		s, code, h, _ = loginHeader(first, user, "acme", userPassword)
		return code, h.Get("Retry-After") != ""
	})
	if code != http.StatusOK {
		return
	}
	r.mu.Lock()
	r.live[s.token] = first.name
	r.mu.Unlock()
	r.timed("first-use", second, func() (int, bool) {
		return statusOf(do(second, http.MethodGet, "/cloudapi/1.0.0/sessions/current", s.token, nil))
	})
	if !logout {
		return
	}
	code = r.timed("logout", second, func() (int, bool) {
		return statusOf(do(second, http.MethodDelete, "/cloudapi/1.0.0/sessions/current", s.token, nil))
	})
	r.mu.Lock()
	switch code {
	case http.StatusNoContent:
		delete(r.live, s.token)
		r.ended[s.token] = second.name
	case 0, http.StatusInternalServerError:
		delete(r.live, s.token) // outcome unknown: assert nothing about it
	}
	r.mu.Unlock()
}

func statusOf(resp *http.Response, _ []byte, err error) (int, bool) {
	if err != nil {
		return 0, false
	}
	return resp.StatusCode, resp.Header.Get("Retry-After") != ""
}

// loop runs fn until stop is closed.
func loop(wg *sync.WaitGroup, stop <-chan struct{}, fn func(i int)) {
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			fn(i)
		}
	}()
}

// filter returns the outcomes matching keep.
func (r *recorder) filter(keep func(o outcome) bool) []outcome {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []outcome
	for _, o := range r.outcomes {
		if keep(o) {
			out = append(out, o)
		}
	}
	return out
}

func ok(o outcome) bool { return o.status >= 200 && o.status < 300 }
