package cluster

import (
	"net/http"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"cloudgate/internal/store/postgres/pgtest"
)

// TestRevocationPropagation measures the delay from the DELETE response on
// one instance to refusal on the two others: for each revocation a session
// is made on C and cached on A and B, C logs it out, and A and B are polled
// in a tight loop until they answer 401. CLOUDGATE_PROPAGATION_N sets the
// number of revocations (CI runs the default 50; the figure in the docs is
// from 1000). The goal is a p99 under 50 ms; the test fails only if a
// revocation takes longer than the poll-interval safety net allows.
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

	var delays []time.Duration // one per instance per revocation
	for i := range n {
		s := mustLogin(t, c, users[i%len(users)], "acme")
		wantStatus(t, s.token, http.StatusOK, a, b)
		if got := del(c, "/cloudapi/1.0.0/sessions/current", s.token); got != http.StatusNoContent {
			t.Fatalf("logout on C = %d", got)
		}
		returned := time.Now()
		var wg sync.WaitGroup
		got := make([]time.Duration, 2)
		for j, in := range []*instance{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					code := current(in, s.token)
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
