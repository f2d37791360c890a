package oauth_test

import (
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/testserver"
	"github.com/cloudgate/cloudgate/internal/urn"
)

// pooled returns a client whose transport keeps enough connections for
// many goroutines (the default keeps two per host).
func pooled(t testing.TB, srv *testserver.Server) *client {
	c := newTestClient(t, srv)
	tr := srv.Client().Transport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	c.hc = &http.Client{Transport: tr, Timeout: 30 * time.Second}
	t.Cleanup(tr.CloseIdleConnections)
	return c
}

// waitFor polls cond until it holds (the test fails after 60 s).
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 60 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Revocation is immediate: while many goroutines use a session made from a
// token, the token is deleted; no request that starts after the DELETE
// returned 204 succeeds, on either Cloud Director API.
func TestRevocationIsImmediate(t *testing.T) {
	srv := testserver.Start(t)
	c := pooled(t, srv)
	owner := c.login(bob)
	id, sec := c.newToken(bob, owner, "busy")
	access := c.exchange(bob, sec)

	type result struct {
		start  time.Time
		status int
	}
	var (
		mu      sync.Mutex
		results []result
		stop    atomic.Bool
		wg      sync.WaitGroup
	)
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; !stop.Load(); i++ {
				path, hdr := "/cloudapi/1.0.0/sessions/current", accept
				if (g+i)%2 == 1 {
					path, hdr = "/api/org", "application/*+xml;version=37.0"
				}
				start := time.Now()
				r := c.do(http.MethodGet, path, "", "Authorization", "Bearer "+access, "Accept", hdr)
				mu.Lock()
				results = append(results, result{start, r.status})
				mu.Unlock()
			}
		}()
	}
	count := func(since time.Time) int {
		mu.Lock()
		defer mu.Unlock()
		n := 0
		for _, res := range results {
			if res.start.After(since) {
				n++
			}
		}
		return n
	}
	waitFor(t, func() bool { return count(time.Time{}) >= 64 })
	r := c.api(http.MethodDelete, "/tokens/urn:vcloud:token:"+id, owner)
	revoked := time.Now()
	if r.status != http.StatusNoContent {
		t.Fatalf("DELETE: %d %s", r.status, r.body)
	}
	waitFor(t, func() bool { return count(revoked) >= 64 })
	stop.Store(true)
	wg.Wait()

	var before, after, refused int
	for _, res := range results {
		if res.start.After(revoked) {
			after++
			if res.status == http.StatusOK {
				t.Errorf("a request started %v after the revocation answered %d", res.start.Sub(revoked), res.status)
			}
			if res.status == http.StatusUnauthorized {
				refused++
			}
		} else if res.status == http.StatusOK {
			before++
		}
	}
	if before == 0 || after == 0 || refused != after {
		t.Fatalf("%d successes before the revocation, %d requests after it, %d of them 401", before, after, refused)
	}
	t.Logf("%d requests succeeded before DELETE returned, %d after were all refused", before, after)
}

// Exchanges racing a revocation: whatever the interleaving, once the
// revocation has returned no session made from the token is alive, in
// memory or in the store.
func TestExchangeRacesRevoke(t *testing.T) {
	srv := testserver.Start(t)
	c := pooled(t, srv)
	owner := c.login(bob)
	for round := range 4 {
		id, sec := c.newToken(bob, owner, "racing-"+string(rune('a'+round)))
		var (
			mu     sync.Mutex
			issued []string
			wg     sync.WaitGroup
		)
		startGate := make(chan struct{})
		for range 12 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-startGate
				for {
					r := c.grant("tenant/acme", refreshForm(sec))
					if r.status != http.StatusOK {
						if r.status != http.StatusBadRequest || field(r.body, "error") != "invalid_grant" {
							t.Errorf("exchange after revocation: %d %s", r.status, r.body)
						}
						return
					}
					mu.Lock()
					issued = append(issued, field(r.body, "access_token"))
					mu.Unlock()
				}
			}()
		}
		close(startGate)
		// Revoke while exchanges are in full flow, later in each round.
		waitFor(t, func() bool {
			mu.Lock()
			defer mu.Unlock()
			return len(issued) >= 4*(round+1)
		})
		if r := c.api(http.MethodDelete, "/tokens/urn:vcloud:token:"+id, owner); r.status != http.StatusNoContent {
			t.Fatalf("DELETE: %d %s", r.status, r.body)
		}
		wg.Wait()
		if len(issued) == 0 {
			t.Fatal("no exchange succeeded before the revocation")
		}
		for _, access := range issued {
			if r := c.api(http.MethodGet, "/sessions/current", access); r.status != http.StatusUnauthorized {
				t.Fatalf("a session of the revoked token answers %d", r.status)
			}
		}
		tokenID, _ := urn.Parse(id)
		rows, _, err := srv.Store().Sessions(t.Context(), store.SessionQuery{Now: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		for _, row := range rows {
			if row.TokenID == tokenID {
				t.Fatalf("session %s of the revoked token is live in the store", row.ID)
			}
		}
		t.Logf("round %d: %d sessions made before the revocation, all dead", round, len(issued))
	}
}
