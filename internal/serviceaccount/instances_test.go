package serviceaccount_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/cloudgate/cloudgate/internal/store/postgres/pgtest"
	"github.com/cloudgate/cloudgate/internal/testserver"
)

// waitFor polls cond until it holds (the test fails after 10 s).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not reached in 10 s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Two servers on one PostgreSQL database: a token rotated on A and
// replayed on B ends the grant everywhere (A refuses the sessions it has
// cached within its feed interval); the account, authorized again through
// B, works on A at once and keeps working after A has read every change,
// the late-arriving revocation included.
func TestReplayAcrossInstances(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	clk := &clock{}
	ha := newHarness(t, testserver.WithDSN(dsn), testserver.WithClock(clk.now))
	srvB := testserver.Start(t, testserver.WithDSN(dsn), testserver.WithClock(clk.now))
	a, b := ha.c, newClient(t, srvB)
	id := a.newAccount(acme, ha.admin, "vApp Author")
	_, r1, s1 := a.activate(acme, id, ha.alice)
	r := a.refresh(acme, r1)
	s2 := r.str(t, "access_token")
	for _, s := range []string{s1, s2} {
		if a.current(s) != http.StatusOK || b.current(s) != http.StatusOK {
			t.Fatal("sessions of the grant refused before the replay")
		}
	}
	clk.pastRaceWindow()
	if r := b.refresh(acme, r1); r.code() != "invalid_grant" {
		t.Fatalf("replay on B: %d %s", r.status, r.body)
	}
	if b.current(s2) != http.StatusUnauthorized {
		t.Fatal("B honours a session of the revoked grant after answering")
	}
	waitFor(t, "A refuses the revoked grant's sessions", func() bool {
		return a.current(s1) == http.StatusUnauthorized && a.current(s2) == http.StatusUnauthorized
	})

	// Authorized again through B, used on A.
	bAdmin := b.login("administrator", "System", testserver.AdminPassword)
	_, fresh, s3 := b.activate(acme, id, bAdmin)
	if a.current(s3) != http.StatusOK {
		t.Fatal("A refuses the new grant's session")
	}
	r = a.refresh(acme, fresh)
	s4 := r.str(t, "access_token")
	// Both instances read every committed change, the revocation too.
	for _, srv := range []*testserver.Server{a.srv, srvB} {
		if err := srv.Server.Feed().Poll(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range []string{s3, s4} {
		if a.current(s) != http.StatusOK || b.current(s) != http.StatusOK {
			t.Fatal("a session of the new grant was refused after the feed caught up")
		}
	}
}
