package oauth_test

import (
	"fmt"
	"net/http"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/cloudgate/cloudgate/internal/secret"
	"github.com/cloudgate/cloudgate/internal/server"
	"github.com/cloudgate/cloudgate/internal/testserver"
)

// productionHashing makes password logins cost what they cost in
// production (argon2id at its default parameters), so the two benchmarks
// below compare like with like.
func productionHashing(o *server.Options) { o.Hasher = secret.HasherConfig{} }

// BenchmarkRefreshExchange measures refresh_token grants per second over
// HTTPS, from parallel clients (each makes a durable session).
func BenchmarkRefreshExchange(b *testing.B) {
	srv := testserver.Start(b, testserver.WithOptions(productionHashing))
	c := pooled(b, srv)
	_, sec := c.newToken(bob, c.login(bob), "bench")
	body := refreshForm(sec).Encode()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if r := c.do(http.MethodPost, "/oauth/tenant/acme/token", body, "Content-Type", formType); r.status != http.StatusOK {
				b.Errorf("exchange: %d %s", r.status, r.body)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "exchanges/s")
}

// BenchmarkServiceAccountRefresh measures service-account refresh_token
// grants per second over HTTPS, from parallel clients as
// BenchmarkRefreshExchange, each rotating the token chain of an account
// of its own (a chain is sequential by nature: every grant needs the
// token the previous one returned). Each grant is one transaction that
// locks the account, makes a durable session, retires the token and
// stores its successor. Run it with BenchmarkRefreshExchange to compare.
func BenchmarkServiceAccountRefresh(b *testing.B) {
	srv := testserver.Start(b, testserver.WithOptions(productionHashing))
	c := pooled(b, srv)
	session := c.login(admin)
	chains := make(chan string, 4*runtime.GOMAXPROCS(0))
	for i := range cap(chains) {
		chains <- c.newAccountToken(session, fmt.Sprintf("bench-%d", i))
	}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		tok := <-chains
		for pb.Next() {
			r := c.do(http.MethodPost, "/oauth/tenant/acme/token", refreshForm(tok).Encode(), "Content-Type", formType)
			if r.status != http.StatusOK {
				b.Errorf("refresh: %d %s", r.status, r.body)
				return
			}
			tok = field(r.body, "refresh_token")
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "grants/s")
}

// BenchmarkPasswordLogin measures Cloud Director password logins per
// second over HTTPS, for comparison with BenchmarkRefreshExchange.
func BenchmarkPasswordLogin(b *testing.B) {
	srv := testserver.Start(b, testserver.WithOptions(productionHashing))
	c := pooled(b, srv)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/cloudapi/1.0.0/sessions", nil)
			req.SetBasicAuth("bob@acme", testserver.Password)
			req.Header.Set("Accept", accept)
			resp, err := c.hc.Do(req)
			if err != nil || resp.StatusCode != http.StatusOK {
				b.Errorf("login: %v %v", err, resp)
				return
			}
			resp.Body.Close()
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "logins/s")
}

// BenchmarkRevokeToRefusal measures, per token, the time from sending
// DELETE /tokens/{id} to receiving the 401 that refuses the next request
// of a session made from it.
func BenchmarkRevokeToRefusal(b *testing.B) {
	srv := testserver.Start(b)
	c := pooled(b, srv)
	owner := c.login(bob)
	var n atomic.Int64
	for b.Loop() {
		b.StopTimer()
		id, sec := c.newToken(bob, owner, fmt.Sprintf("r%d", n.Add(1)))
		access := c.exchange(bob, sec)
		if r := c.api(http.MethodGet, "/sessions/current", access); r.status != http.StatusOK {
			b.Fatalf("token session: %d", r.status)
		}
		b.StartTimer()
		if r := c.api(http.MethodDelete, "/tokens/urn:vcloud:token:"+id, owner); r.status != http.StatusNoContent {
			b.Fatalf("DELETE: %d", r.status)
		}
		if r := c.api(http.MethodGet, "/sessions/current", access); r.status != http.StatusUnauthorized {
			b.Fatalf("after DELETE: %d", r.status)
		}
	}
}
