package bench

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"testing"

	"github.com/cloudgate/cloudgate/internal/secret"
)

// BenchmarkExchangeHandler measures the server side of an API-token
// exchange alone (no network, no client): POST /oauth/tenant/acme/token
// with a refresh_token grant through cloudgate's handler chain, each
// session durable in SQLite, against the bare in-memory exchange, from 32
// goroutines (TestFigures' wrk -c32) so that group commit batches as it
// does under load. cpu-ns/op is the process's CPU per exchange, GC
// included; it holds on a busy machine where ns/op does not.
func BenchmarkExchangeHandler(b *testing.B) {
	hs, srv := cloudgate(b, secret.DefaultParams(), 0)
	tok, _ := login(b, client(), hs.URL)
	apiToken := issueAPIToken(b, hs.URL, tok)
	body := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {apiToken}}.Encode()
	for _, tc := range []struct {
		name string
		h    http.Handler
	}{{"bare", BareExchange(apiToken)}, {"cloudgate", srv.Handler()}} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetParallelism((32 + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
			cpu := processCPUTime()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req := httptest.NewRequest(http.MethodPost, "http://127.0.0.1/oauth/tenant/acme/token", strings.NewReader(body))
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
					req.RemoteAddr = "192.0.2.1:1234"
					w := httptest.NewRecorder()
					tc.h.ServeHTTP(w, req)
					if w.Code != http.StatusOK {
						b.Errorf("status %d: %s", w.Code, w.Body)
						return
					}
				}
			})
			b.ReportMetric(float64(processCPUTime()-cpu)/float64(b.N), "cpu-ns/op")
		})
	}
}
