// Package metrics defines cloudgate's Prometheus metrics on a registry of
// its own (no global registry: tests run several servers in one process).
package metrics

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds every collector.
type Metrics struct {
	Registry *prometheus.Registry

	requests *requests
	logins   *prometheus.CounterVec
	grants   *prometheus.CounterVec
}

// maxSeries bounds the request series even if a caller passed an
// unbounded route set: past it, requests are still counted under
// OtherRoute.
const maxSeries = 4096

// New registers the collectors. activeSessions is read at scrape time.
func New(activeSessions func() float64) *Metrics {
	m := &Metrics{Registry: prometheus.NewRegistry(), requests: newRequests()}
	m.logins = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "cloudgate_logins_total", Help: "Password logins by dialect and outcome.",
	}, []string{"dialect", "outcome"})
	m.grants = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "cloudgate_oauth_grants_total", Help: "OAuth token endpoint grants by grant type and outcome.",
	}, []string{"grant", "outcome"})
	m.Registry.MustRegister(m.requests, m.logins, m.grants,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if activeSessions != nil {
		m.Registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "cloudgate_active_sessions", Help: "Sessions held in memory by this instance.",
		}, activeSessions))
	}
	return m
}

// Request records one served request and how long it took. route must be
// a pattern of the route table (or UnmatchedRoute), never a path a client
// sent: every label value comes from a closed set, so a client cannot mint
// series. The method is the request's as the client sent it; Method maps
// it into the known set.
func (m *Metrics) Request(route, method string, code int, d time.Duration) {
	if code < 100 || code > 599 {
		code = 0 // never written by our handlers; one series if it ever is
	}
	m.requests.observe(routeKey{route, Method(method), code}, d)
}

// Requests returns how many requests Request has recorded (the server's
// load meter reads it rather than counting every request a second time).
func (m *Metrics) Requests() uint64 { return m.requests.count() }

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
