// Package metrics defines cloudgate's Prometheus metrics on a registry of
// its own (no global registry: tests run several servers in one process).
package metrics

import (
	"net/http"
	"strconv"
	"sync"

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
	// hash label values on every request.
	mu        sync.RWMutex
	observers map[routeKey]routeObs
}

type routeKey struct {
	route  string
	method string
	code   int
}

type routeObs struct {
	count   prometheus.Counter
	latency prometheus.Observer
}

// New registers the collectors. activeSessions is read at scrape time.
func New(activeSessions func() float64) *Metrics {
	m := &Metrics{Registry: prometheus.NewRegistry(), observers: map[routeKey]routeObs{}}
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

// Request records one served request.
func (m *Metrics) Request(route, method string, code int, seconds float64) {
	k := routeKey{route, method, code}
	m.mu.RLock()
	o, ok := m.observers[k]
	m.mu.RUnlock()
	if !ok {
		o = routeObs{count: m.requests.WithLabelValues(route, method, strconv.Itoa(code)), latency: m.latency.WithLabelValues(route, method)}
		m.mu.Lock()
		if len(m.observers) < 10000 { // routes are patterns, so this stays small
			m.observers[k] = o
		}
		m.mu.Unlock()
	}
	o.count.Inc()
	o.latency.Observe(seconds)
}

// Login records a password login attempt.
func (m *Metrics) Login(dialect, outcome string) { m.logins.WithLabelValues(dialect, outcome).Inc() }

// Grant records an OAuth grant attempt.
func (m *Metrics) Grant(grant, outcome string) { m.grants.WithLabelValues(grant, outcome).Inc() }

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
}
