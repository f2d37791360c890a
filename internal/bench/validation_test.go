package bench

import (
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"

	"github.com/cloudgate/cloudgate/internal/secret"
)

// BenchmarkValidation compares GET /cloudapi/1.0.0/sessions/current with
// the bare reference returning the same bytes. Target: cloudgate's req/s
// at least 0.8 of bare's.
func BenchmarkValidation(b *testing.B) {
	hs, _ := cloudgate(b, secret.DefaultParams(), 0)
	c := client()
	tok, body := login(b, c, hs.URL)
	bare := httptest.NewServer(BareValidation(tok, body))
	defer bare.Close()
	b.Run("bare", func(b *testing.B) { hammer(b, c, func() *http.Request { return currentRequest(bare.URL, tok) }) })
	b.Run("cloudgate", func(b *testing.B) { hammer(b, c, func() *http.Request { return currentRequest(hs.URL, tok) }) })
}

// BenchmarkValidationHandler measures the server side alone (no network, no
// client): the handler chain for sessions/current against the bare
// handler, in CPU time and allocations per request.
func BenchmarkValidationHandler(b *testing.B) {
	hs, srv := cloudgate(b, secret.DefaultParams(), 0)
	tok, body := login(b, client(), hs.URL)
	for _, tc := range []struct {
		name string
		h    http.Handler
	}{{"bare", BareValidation(tok, body)}, {"cloudgate", srv.Handler()}} {
		b.Run(tc.name, func(b *testing.B) {
			req := currentRequest("http://127.0.0.1", tok)
			req.RemoteAddr = "192.0.2.1:1234"
			b.ReportAllocs()
			cpu := processCPUTime()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					w := httptest.NewRecorder()
					tc.h.ServeHTTP(w, req)
					if w.Code != 200 {
						b.Errorf("status %d", w.Code)
						return
					}
				}
			})
			// CPU time (user+system of the whole process, GC included) per
			// request holds on a busy machine where ns/op does not.
			b.ReportMetric(float64(processCPUTime()-cpu)/float64(b.N), "cpu-ns/op")
		})
	}
}

// processCPUTime is the process's user+system CPU time so far.
func processCPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
