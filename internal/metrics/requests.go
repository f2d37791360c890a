package metrics

import (
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// latencyBounds are the upper bounds of the request latency buckets
// (cloudgate_http_request_duration_seconds), in seconds.
var latencyBounds = [...]float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5}

// requests collects cloudgate_http_requests_total and
// cloudgate_http_request_duration_seconds from one set of counters.
//
// Why not a CounterVec and a HistogramVec: every request would pay two
// label-hash lookups (or a cache of children) and five atomic writes to
// five cache lines (the counter, the histogram's count, hot index, bucket
// and float sum, the last a compare-and-swap loop), and on two cores each
// of those lines moves between them on nearly every request. Here a
// request adds to one bucket and one integer sum of its series, which
// share a cache line for the usual latencies; the request count is the
// sum of the buckets and is computed when scraped.
type requests struct {
	total, latency *prometheus.Desc
	bounds         [len(latencyBounds)]int64 // nanoseconds

	// series is copied on write (new keys are rare once every route has
	// been seen), so the request path reads it without a lock.
	mu     sync.Mutex
	series atomic.Pointer[map[routeKey]*series]
}

type routeKey struct {
	route  string
	method string
	code   int
}

// series counts the requests of one route, method and status code.
type series struct {
	// sum comes first so that it shares a cache line with the first
	// buckets, where nearly every latency falls.
	sum     atomic.Int64 // nanoseconds
	buckets [len(latencyBounds) + 1]atomic.Uint64
	key     routeKey
}

func newRequests() *requests {
	c := &requests{
		total: prometheus.NewDesc("cloudgate_http_requests_total",
			"HTTP requests by route pattern, method and status code.", []string{"route", "method", "code"}, nil),
		latency: prometheus.NewDesc("cloudgate_http_request_duration_seconds",
			"HTTP request latency by route pattern and method.", []string{"route", "method"}, nil),
	}
	for i, b := range latencyBounds {
		c.bounds[i] = int64(b * float64(time.Second))
	}
	c.series.Store(&map[routeKey]*series{})
	return c
}

// observe records one request.
func (c *requests) observe(k routeKey, d time.Duration) {
	s := (*c.series.Load())[k]
	if s == nil {
		s = c.add(k)
	}
	i := 0
	for i < len(c.bounds) && int64(d) > c.bounds[i] {
		i++
	}
	s.buckets[i].Add(1)
	s.sum.Add(int64(d))
}

// add creates (once) the series of k; past maxSeries, requests count under
// OtherRoute.
func (c *requests) add(k routeKey) *series {
	c.mu.Lock()
	defer c.mu.Unlock()
	old := *c.series.Load()
	if s := old[k]; s != nil {
		return s
	}
	if len(old) >= maxSeries {
		k.route = OtherRoute
		if s := old[k]; s != nil {
			return s
		}
	}
	s := &series{key: k}
	next := make(map[routeKey]*series, len(old)+1)
	for kk, v := range old {
		next[kk] = v
	}
	next[k] = s
	c.series.Store(&next)
	return s
}

// count returns the requests recorded so far, over every series.
func (c *requests) count() uint64 {
	var n uint64
	for _, s := range *c.series.Load() {
		for i := range s.buckets {
			n += s.buckets[i].Load()
		}
	}
	return n
}

func (c *requests) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.total
	ch <- c.latency
}

// Collect reports a counter per route, method and code, and a histogram
// per route and method (its series summed over the codes).
func (c *requests) Collect(ch chan<- prometheus.Metric) {
	type histKey struct{ route, method string }
	type hist struct {
		count uint64
		sum   int64
		le    [len(latencyBounds)]uint64
	}
	hists := map[histKey]*hist{}
	for k, s := range *c.series.Load() {
		var n uint64
		hk := histKey{k.route, k.method}
		h := hists[hk]
		if h == nil {
			h = &hist{}
			hists[hk] = h
		}
		for i := range s.buckets {
			v := s.buckets[i].Load()
			n += v
			// Cumulative: a request in bucket i counts for every bound
			// from i on.
			for j := i; j < len(h.le); j++ {
				h.le[j] += v
			}
		}
		h.count += n
		h.sum += s.sum.Load()
		code := "other"
		if k.code != 0 {
			code = strconv.Itoa(k.code)
		}
		ch <- prometheus.MustNewConstMetric(c.total, prometheus.CounterValue, float64(n), k.route, k.method, code)
	}
	for k, h := range hists {
		buckets := make(map[float64]uint64, len(latencyBounds))
		for i, b := range latencyBounds {
			buckets[b] = h.le[i]
		}
		ch <- prometheus.MustNewConstHistogram(c.latency, h.count, time.Duration(h.sum).Seconds(), buckets, k.route, k.method)
	}
}
