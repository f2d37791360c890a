package bench

import (
	"context"
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/cloudgate/cloudgate/internal/secret"
	"github.com/cloudgate/cloudgate/internal/seed"
	"github.com/cloudgate/cloudgate/internal/server"
	"github.com/cloudgate/cloudgate/internal/store/sqlite"
)

const password = "Bench-password-1"

// cloudgate starts a real server on plain HTTP (TLS costs the same for the
// reference, so it would only dilute the ratio) with one org and user.
func cloudgate(tb testing.TB, params secret.Params, workers int) (*httptest.Server, *server.Server) {
	tb.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(tb.TempDir(), "bench.db"))
	if err != nil {
		tb.Fatal(err)
	}
	srv, err := server.New(ctx, server.Options{Store: st, Log: slog.New(slog.DiscardHandler),
		Hasher: secret.HasherConfig{Params: params, Workers: workers}})
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := seed.Apply(ctx, srv.Directory(), seed.File{Orgs: []seed.Org{{Name: "acme", Users: []seed.User{
		{Name: "bob", Password: password, Role: "vApp Author"}}}}}); err != nil {
		tb.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	tb.Cleanup(func() { hs.Close(); srv.Close() })
	return hs, srv
}

func client() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns, t.MaxIdleConnsPerHost = 256, 256
	return &http.Client{Transport: t, Timeout: 30 * time.Second}
}

func loginRequest(base string) *http.Request {
	req, _ := http.NewRequest("POST", base+"/cloudapi/1.0.0/sessions", nil)
	req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("bob@acme:"+password)))
	req.Header.Set("Accept", "application/*;version=37.0")
	return req
}

// login returns a bearer token and the body of sessions/current for it.
func login(tb testing.TB, c *http.Client, base string) (string, []byte) {
	tb.Helper()
	resp, err := c.Do(loginRequest(base))
	if err != nil || resp.StatusCode != 200 {
		tb.Fatalf("login: %v %v", resp, err)
	}
	resp.Body.Close()
	tok := resp.Header.Get("X-Vmware-Vcloud-Access-Token")
	resp, err = c.Do(currentRequest(base, tok))
	if err != nil || resp.StatusCode != 200 {
		tb.Fatalf("current: %v %v", resp, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return tok, body
}

func currentRequest(base, tok string) *http.Request {
	req, _ := http.NewRequest("GET", base+"/cloudapi/1.0.0/sessions/current", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Accept", "application/json;version=37.0")
	return req
}

// hammer sends req from parallel goroutines until b.N requests are done.
func hammer(b *testing.B, c *http.Client, mk func() *http.Request) {
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := c.Do(mk())
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}
