package session_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cloudgate/cloudgate/internal/identity"
	"github.com/cloudgate/cloudgate/internal/secret"
	"github.com/cloudgate/cloudgate/internal/session"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
)

// expiredSessions inserts n sessions of alice that expired two days
// before now, through the store's bulk path.
func expiredSessions(t *testing.T, e *env, n int) {
	t.Helper()
	ctx := context.Background()
	acct, _, err := e.a.dir.Authenticate(ctx, identity.Credentials{Org: "acme", User: "alice", Password: pw})
	if err != nil {
		t.Fatal(err)
	}
	created := e.clock.Now().Add(-72 * time.Hour)
	ss := make([]store.Session, n)
	for i := range ss {
		id := urn.NewTimeOrdered(created)
		_, d := secret.NewSessionToken(id)
		ss[i] = store.Session{ID: id, Digest: d, UserID: acct.User.ID, OrgID: acct.User.OrgID, Origin: store.OriginPassword,
			Dialect: "test", ClientIP: "192.0.2.1", CreatedAt: created, LastActive: created, ExpiresAt: created.Add(24 * time.Hour)}
	}
	if err := e.store.Update(ctx, func(tx store.Tx) error { return tx.InsertSessions(ctx, ss) }); err != nil {
		t.Fatal(err)
	}
}

func TestSweepBatchesPurgesEverythingInBoundedBatches(t *testing.T) {
	e := newEnv(t)
	const n = 2500
	expiredSessions(t, e, n)
	ctx := context.Background()
	cutoff := e.clock.Now().Add(-24 * time.Hour)
	var limits []int
	stats, err := session.SweepBatches(ctx, e.store, func(tx store.Tx, limit int) (int, error) {
		limits = append(limits, limit)
		return tx.PurgeSessionsUpTo(ctx, cutoff, limit)
	})
	if err != nil {
		t.Fatal(err)
	}
	if stats.Rows != n || stats.Batches != len(limits) || stats.Batches < 2 {
		t.Fatalf("stats %+v after %d calls, want %d rows in several batches", stats, len(limits), n)
	}
	for _, l := range limits {
		if l < 8 || l > 1000 {
			t.Fatalf("batch limits %v: %d is outside [8, 1000]", limits, l)
		}
	}
	if stats.Longest <= 0 || stats.Longest > stats.Total {
		t.Fatalf("stats %+v: longest batch not within the total", stats)
	}
	_, total, err := e.store.Sessions(ctx, store.SessionQuery{Now: cutoff.Add(-72 * time.Hour)})
	if err != nil || total != 0 {
		t.Fatalf("after the sweep %d sessions remain (%v)", total, err)
	}
}

func TestSweepBatchesStopsWhenItsContextEnds(t *testing.T) {
	e := newEnv(t)
	expiredSessions(t, e, 600)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cutoff := e.clock.Now().Add(-24 * time.Hour)
	stats, err := session.SweepBatches(ctx, e.store, func(tx store.Tx, limit int) (int, error) {
		cancel() // the sweep's deadline passes during its first batch
		return tx.PurgeSessionsUpTo(context.Background(), cutoff, limit)
	})
	if !errors.Is(err, context.Canceled) || stats.Batches != 1 || stats.Rows == 0 || stats.Rows >= 600 {
		t.Fatalf("got %+v, %v; want one committed batch, then context.Canceled", stats, err)
	}
}
