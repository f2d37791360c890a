package cluster

import (
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/cloudgate/cloudgate/internal/store/postgres/pgtest"
)

// TestRevocationPropagation measures the delay from the DELETE response on
// one instance to refusal on the two others, for logouts and for API-token
// revocations. For each revocation a session is made on C and cached on A
// and B, C revokes it, and A and B are polled in a tight loop until they
// answer 401. CLOUDGATE_PROPAGATION_N sets the number of revocations of
// each kind (CI runs the default 50; the figures in the docs are from 1000
// logouts and 500 tokens). The goal is a p99 under 50 ms; the test fails
// only if a revocation takes longer than the poll-interval safety net
// allows.
func TestRevocationPropagation(t *testing.T) {
	n := 50
	if v := os.Getenv("CLOUDGATE_PROPAGATION_N"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			t.Fatalf("CLOUDGATE_PROPAGATION_N=%q", v)
		}
	}
	dsn := pgtest.NewDatabase(t)
	ins := startInstances(t, dsn, 3)
	a, b, c := ins[0], ins[1], ins[2]
	users := []string{"alice", "bob", "carol", "erin"}

	t.Run("logout", func(t *testing.T) {
		measurePropagation(t, n, a, b, func(i int) (string, func()) {
			s := mustLogin(t, c, users[i%len(users)], "acme")
			return s.token, func() {
				if got := del(c, "/cloudapi/1.0.0/sessions/current", s.token); got != http.StatusNoContent {
					t.Fatalf("logout on C = %d", got)
				}
			}
		})
	})

	// The token's owner registers and mints it on C, trades it for a
	// session on C, and revokes it there with DELETE /tokens/{urn}.
	t.Run("API token", func(t *testing.T) {
		owners := make([]session, len(users))
		for i, u := range users {
			owners[i] = mustLogin(t, c, u, "acme")
		}
		measurePropagation(t, n, a, b, func(i int) (string, func()) {
			owner := owners[i%len(owners)]
			tok := newAPIToken(t, c, "acme", owner, fmt.Sprintf("propagation-%d", i))
			access := mustExchange(t, c, "acme", tok)
			return access, func() { revokeByID(t, c, tok, owner.token) }
		})
	})
}

// measurePropagation runs n revocations: prepare(i) returns a session
// token and the function that revokes it on a third instance; the session
// is used on a and b first, so both have it in memory, and both are then
// polled until they refuse it. It logs the delays' distribution.
func measurePropagation(t *testing.T, n int, a, b *instance, prepare func(i int) (token string, revoke func())) {
	var delays []time.Duration // one per instance per revocation
	for i := range n {
		token, revoke := prepare(i)
		wantStatus(t, token, http.StatusOK, a, b)
		revoke()
		returned := time.Now()
		var wg sync.WaitGroup
		got := make([]time.Duration, 2)
		for j, in := range []*instance{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					code := current(in, token)
					if code == http.StatusUnauthorized {
						got[j] = time.Since(returned)
						return
					}
					if code != http.StatusOK || time.Since(returned) > 5*time.Second {
						t.Errorf("revocation %d on %s: status %d after %v", i, in.name, code, time.Since(returned))
						return
					}
					// Poll often, but leave the two cores to the servers.
					time.Sleep(200 * time.Microsecond)
				}
			}()
		}
		wg.Wait()
		if t.Failed() {
			t.FailNow()
		}
		delays = append(delays, got...)
	}
	slices.Sort(delays)
	q := func(p float64) time.Duration { return delays[min(len(delays)-1, int(p*float64(len(delays))))] }
	t.Logf("revocation propagation over %d revocations x 2 instances: median %v, p90 %v, p99 %v, max %v",
		n, q(0.5).Round(10*time.Microsecond), q(0.9).Round(10*time.Microsecond), q(0.99).Round(10*time.Microsecond), delays[len(delays)-1].Round(10*time.Microsecond))
	if q(0.99) >= 50*time.Millisecond {
		t.Logf("NOTE: p99 is above the 50 ms goal (a busy machine delays the listener); the 500 ms poll still bounds it")
	}
}
