package server_test

import (
	"math/rand/v2"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/cloudgate/cloudgate/internal/testserver"
)

// scrape reads the server's metrics from its own handler (the public
// listener does not serve them).
func scrape(t *testing.T, srv *testserver.Server) string {
	t.Helper()
	return srv.Metrics()
}

func TestMetricsNotOnPublicListener(t *testing.T) {
	srv := testserver.Start(t)
	code, _, body := call(t, srv, "GET", "/metrics", nil)
	if code != 404 || strings.Contains(body, "cloudgate_") {
		t.Fatalf("public /metrics: %d %.100q", code, body)
	}
}

// A client chooses the method and path of its requests; neither may mint
// a metric series. Methods outside the known set count as OTHER, paths no
// route knows under one label.
func TestMetricsLabelsStayBounded(t *testing.T) {
	srv := testserver.Start(t)
	rng := rand.New(rand.NewPCG(1, 2))
	const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+-.^_`|~"
	token := func() string {
		b := make([]byte, 1+rng.IntN(12))
		for i := range b {
			b[i] = letters[rng.IntN(len(letters))]
		}
		return string(b)
	}
	paths := []string{"/cloudapi/1.0.0/sessions/current", "/api/session", "/healthz", "/oauth/tenant/acme/token"}
	for i := 0; i < 300; i++ {
		// Random methods on real routes, and random paths.
		call(t, srv, token(), paths[i%len(paths)], nil)
		call(t, srv, "GET", "/"+url.PathEscape(token())+"/"+url.PathEscape(token()), nil)
		call(t, srv, "GET", "/cloudapi/1.0.0/"+url.PathEscape(token()), nil)
	}
	body := scrape(t, srv)
	series := regexp.MustCompile(`(?m)^cloudgate_http_requests_total\{(.*)\} `).FindAllStringSubmatch(body, -1)
	methods := map[string]bool{}
	known := map[string]bool{"GET": true, "HEAD": true, "POST": true, "PUT": true, "PATCH": true, "DELETE": true,
		"OPTIONS": true, "CONNECT": true, "TRACE": true, "OTHER": true}
	for _, s := range series {
		m := regexp.MustCompile(`method="([^"]*)"`).FindStringSubmatch(s[1])
		if m == nil || !known[m[1]] {
			t.Errorf("series with a method outside the closed set: %s", s[1])
		}
		methods[m[1]] = true
		r := regexp.MustCompile(`route="([^"]*)"`).FindStringSubmatch(s[1])
		if r == nil || strings.Contains(r[1], "/cloudapi/1.0.0/"+"x") {
			t.Errorf("series with a client's path: %s", s[1])
		}
	}
	// 900 requests with ~300 distinct methods and ~600 distinct paths: the
	// series are bounded by routes × known methods × status codes.
	if len(series) > 60 {
		t.Errorf("%d request series after random methods and paths (want a bounded handful)", len(series))
	}
	if !methods["OTHER"] {
		t.Errorf("no OTHER method series; methods seen: %v", methods)
	}
	hist := regexp.MustCompile(`(?m)^cloudgate_http_request_duration_seconds_count\{`).FindAllString(body, -1)
	if len(hist) > 40 {
		t.Errorf("%d latency series after random methods and paths", len(hist))
	}
}
