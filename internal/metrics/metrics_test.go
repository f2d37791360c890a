package metrics

import (
	"fmt"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
)

type observed struct {
	route, method string
	code          int
	d             time.Duration
}

// gather returns the request counters by "route method code" and the
// latency histograms by "route method".
func gather(t *testing.T, m *Metrics) (map[string]float64, map[string]*dto.Histogram) {
	t.Helper()
	fams, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	counts, hists := map[string]float64{}, map[string]*dto.Histogram{}
	label := func(mt *dto.Metric, name string) string {
		for _, l := range mt.GetLabel() {
			if l.GetName() == name {
				return l.GetValue()
			}
		}
		return "?"
	}
	for _, f := range fams {
		for _, mt := range f.GetMetric() {
			switch f.GetName() {
			case "cloudgate_http_requests_total":
				counts[label(mt, "route")+" "+label(mt, "method")+" "+label(mt, "code")] = mt.GetCounter().GetValue()
			case "cloudgate_http_request_duration_seconds":
				hists[label(mt, "route")+" "+label(mt, "method")] = mt.GetHistogram()
			}
		}
	}
	return counts, hists
}

func TestRequestSeries(t *testing.T) {
	for _, tc := range []struct {
		name   string
		in     []observed
		counts map[string]float64
		// hist: route method → count, sum in seconds, and the cumulative
		// count at the 1 ms and 5 s bounds.
		hist map[string][4]float64
	}{
		{
			name: "codes split the counter, not the histogram",
			in: []observed{
				{"/a", "GET", 200, 50 * time.Microsecond},
				{"/a", "GET", 200, 2 * time.Millisecond},
				{"/a", "GET", 401, 100 * time.Microsecond}, // on the bound: le is inclusive
				{"/a", "POST", 201, 10 * time.Second},      // above every bound: +Inf only
			},
			counts: map[string]float64{"/a GET 200": 2, "/a GET 401": 1, "/a POST 201": 1},
			hist: map[string][4]float64{
				"/a GET":  {3, 0.00215, 2, 3},
				"/a POST": {1, 10, 0, 0},
			},
		},
		{
			name: "methods outside the known set and impossible codes fold into one series each",
			in: []observed{
				{UnmatchedRoute, "BREW", 404, time.Millisecond},
				{UnmatchedRoute, "PROPFIND", 404, time.Millisecond},
				{UnmatchedRoute, "GET", 999, time.Millisecond},
				{UnmatchedRoute, "GET", 42, time.Millisecond},
			},
			counts: map[string]float64{"unmatched OTHER 404": 2, "unmatched GET other": 2},
			hist: map[string][4]float64{
				"unmatched OTHER": {2, 0.002, 2, 2},
				"unmatched GET":   {2, 0.002, 2, 2},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := New(nil)
			for _, o := range tc.in {
				m.Request(o.route, o.method, o.code, o.d)
			}
			counts, hists := gather(t, m)
			if fmt.Sprint(counts) != fmt.Sprint(tc.counts) {
				t.Errorf("counters %v, want %v", counts, tc.counts)
			}
			if len(hists) != len(tc.hist) {
				t.Errorf("%d histograms, want %d", len(hists), len(tc.hist))
			}
			for k, want := range tc.hist {
				h := hists[k]
				if h == nil {
					t.Errorf("no histogram %q", k)
					continue
				}
				at := func(bound float64) float64 {
					for _, b := range h.GetBucket() {
						if b.GetUpperBound() == bound {
							return float64(b.GetCumulativeCount())
						}
					}
					return -1
				}
				got := [4]float64{float64(h.GetSampleCount()), h.GetSampleSum(), at(0.001), at(5)}
				if d := got[1] - want[1]; d > 1e-9 || d < -1e-9 || got[0] != want[0] || got[2] != want[2] || got[3] != want[3] {
					t.Errorf("%s: count, sum, ≤1ms, ≤5s = %v, want %v", k, got, want)
				}
				if n := len(h.GetBucket()); n != len(latencyBounds) {
					t.Errorf("%s: %d buckets, want %d", k, n, len(latencyBounds))
				}
			}
			var total float64
			for _, n := range tc.counts {
				total += n
			}
			if got := m.Requests(); float64(got) != total {
				t.Errorf("Requests() = %d, want %v", got, total)
			}
		})
	}
}

// Past maxSeries distinct series, requests still count, under OtherRoute.
func TestRequestSeriesBounded(t *testing.T) {
	m := New(nil)
	for i := 0; i < maxSeries+10; i++ {
		m.Request(fmt.Sprintf("/r%d", i), "GET", 200, time.Millisecond)
	}
	m.Request("/r1", "GET", 200, time.Millisecond)
	counts, _ := gather(t, m)
	if len(counts) != maxSeries+1 {
		t.Errorf("%d series, want %d", len(counts), maxSeries+1)
	}
	if counts[OtherRoute+" GET 200"] != 10 || counts["/r1 GET 200"] != 2 {
		t.Errorf("other %v, /r1 %v", counts[OtherRoute+" GET 200"], counts["/r1 GET 200"])
	}
	if m.Requests() != maxSeries+11 {
		t.Errorf("Requests() = %d", m.Requests())
	}
}

// Concurrent requests and scrapes lose no count (run with -race).
func TestRequestsConcurrent(t *testing.T) {
	m := New(nil)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 1000; i++ {
				m.Request(fmt.Sprintf("/r%d", i%5), "GET", 200+g%2, time.Duration(i)*time.Microsecond)
			}
		}()
	}
	for i := 0; i < 20; i++ {
		if _, err := m.Registry.Gather(); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	counts, hists := gather(t, m)
	var n, h float64
	for _, c := range counts {
		n += c
	}
	for _, x := range hists {
		h += float64(x.GetSampleCount())
	}
	if n != 8000 || h != 8000 || m.Requests() != 8000 {
		t.Errorf("counted %v, histograms %v, Requests %d; want 8000", n, h, m.Requests())
	}
}
