package gate_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/cloudgate/cloudgate/internal/gate"
)

// BenchmarkForwardAuth is the forward-auth handler in process (middleware
// included), without the network: its allocations and CPU per request.
func BenchmarkForwardAuth(b *testing.B) {
	up := newUpstream(b)
	g := startGated(b, up, nil)
	tok := login(b, g.Server, "bob", "acme")
	h := g.Server.Server.Handler()
	req := httptest.NewRequest("GET", gate.ForwardAuthPath, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("X-Forwarded-Method", "GET")
	req.Header.Set("X-Forwarded-Uri", "/cloudapi/1.0.0/vdcs/x")
	serveRepeatedly(b, h, req)
}

// BenchmarkSessionsCurrent is cloudgate's own bearer validation, for scale.
func BenchmarkSessionsCurrent(b *testing.B) {
	up := newUpstream(b)
	g := startGated(b, up, nil)
	tok := login(b, g.Server, "bob", "acme")
	h := g.Server.Server.Handler()
	req := httptest.NewRequest("GET", "/cloudapi/1.0.0/sessions/current", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Accept", "application/json;version=37.0")
	serveRepeatedly(b, h, req)
}

// serveRepeatedly serves req b.N times in process; each answer must be 200.
func serveRepeatedly(b *testing.B, h http.Handler, req *http.Request) {
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatal(w.Code)
		}
	}
}
