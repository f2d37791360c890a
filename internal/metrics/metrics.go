// Package metrics defines cloudgate's Prometheus metrics on a registry of
// its own (no global registry: tests run several servers in one process).
package metrics

import (
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds every collector.
type Metrics struct {
	Registry *prometheus.Registry

	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	logins   *prometheus.CounterVec
	grants   *prometheus.CounterVec

	// observers caches the per-route children so the hot path does not
	// hash label values on every request. It is copied on write (new keys
	// are rare once every route has been seen), so readers take no lock and
	// write no shared cache line.
	mu        sync.Mutex
	observers atomic.Pointer[map[routeKey]routeObs]
}

type routeKey struct {
	route  string
	method string
	code   int
}

// maxObservers bounds the cache (and so the series) even if a caller
// passed an unbounded route set: past it, requests are still counted
// under OtherRoute.
const maxObservers = 4096

type routeObs struct {
	count   prometheus.Counter
	latency prometheus.Observer
}

// New registers the collectors. activeSessions is read at scrape time.
func New(activeSessions func() float64) *Metrics {
	m := &Metrics{Registry: prometheus.NewRegistry()}
	m.observers.Store(&map[routeKey]routeObs{})
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "cloudgate_http_requests_total", Help: "HTTP requests by route pattern, method and status code.",
	}, []string{"route", "method", "code"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "cloudgate_http_request_duration_seconds", Help: "HTTP request latency by route pattern and method.",
		Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
	}, []string{"route", "method"})
	m.logins = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "cloudgate_logins_total", Help: "Password logins by dialect and outcome.",
	}, []string{"dialect", "outcome"})
	m.grants = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "cloudgate_oauth_grants_total", Help: "OAuth token endpoint grants by grant type and outcome.",
	}, []string{"grant", "outcome"})
	m.Registry.MustRegister(m.requests, m.latency, m.logins, m.grants,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if activeSessions != nil {
		m.Registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "cloudgate_active_sessions", Help: "Sessions held in memory by this instance.",
		}, activeSessions))
	}
	return m
}

// Request records one served request. route must be a pattern of the
// route table (or UnmatchedRoute), never a path a client sent: every label
// value comes from a closed set, so a client cannot mint series. The
// method is the request's as the client sent it; Method maps it into the
// known set.
func (m *Metrics) Request(route, method string, code int, seconds float64) {
	if code < 100 || code > 599 {
		code = 0 // never written by our handlers; one bucket if it ever is
	}
	k := routeKey{route, Method(method), code}
	o, ok := (*m.observers.Load())[k]
	if !ok {
		o = m.observer(k)
	}
	o.count.Inc()
	o.latency.Observe(seconds)
}

// observer creates (once) the children for k.
func (m *Metrics) observer(k routeKey) routeObs {
	m.mu.Lock()
	defer m.mu.Unlock()
	old := *m.observers.Load()
	if o, ok := old[k]; ok {
		return o
	}
	if len(old) >= maxObservers {
		k.route = OtherRoute
		if o, ok := old[k]; ok {
			return o
		}
	}
	code := "other"
	if k.code != 0 {
		code = strconv.Itoa(k.code)
	}
	o := routeObs{count: m.requests.WithLabelValues(k.route, k.method, code), latency: m.latency.WithLabelValues(k.route, k.method)}
	next := make(map[routeKey]routeObs, len(old)+1)
	for kk, v := range old {
		next[kk] = v
	}
	next[k] = o
	m.observers.Store(&next)
	return o
}

// UnmatchedRoute labels requests no route matched; OtherRoute those past
// the cache bound.
const (
	UnmatchedRoute = "unmatched"
	OtherRoute     = "other"
)

// Method maps a request method into the closed set of label values: the
// methods of RFC 9110 and PATCH as they are, anything else "OTHER" (a
// client may send any token as a method).
func Method(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "OTHER"
}

// Login records a password login attempt.
func (m *Metrics) Login(dialect, outcome string) { m.logins.WithLabelValues(dialect, outcome).Inc() }

// Grant records an OAuth grant attempt.
func (m *Metrics) Grant(grant, outcome string) { m.grants.WithLabelValues(grant, outcome).Inc() }

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
}
