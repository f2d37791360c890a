package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
)

// Housekeeping in bounded batches: each call changes at most limit rows,
// oldest first where it matters, and repeated calls finish the job
// without touching what must stay.
func testSweepBatches(t *testing.T, s store.Store) {
	c := ctx(t)
	_, _, u := fixture(t, s, "acme", "alice")
	var live, idle, ended, expired []store.Session
	for i := 0; i < 7; i++ {
		l, _ := newSession(u)
		l.LastActive = t0.Add(time.Hour)
		live = append(live, l)
		d, _ := newSession(u)
		idle = append(idle, d)
		e, _ := newSession(u)
		e.EndedAt, e.EndReason = t0.Add(time.Minute), "logout"
		ended = append(ended, e)
		x, _ := newSession(u)
		x.ExpiresAt = t0.Add(2 * time.Minute)
		expired = append(expired, x)
	}
	update(t, s, func(tx store.Tx) error {
		for _, set := range [][]store.Session{live, idle, ended, expired} {
			for _, ss := range set {
				if err := tx.InsertSession(c, ss); err != nil {
					return err
				}
			}
		}
		return nil
	})

	// Idle sessions end three at a time, lowest ids first.
	var all []urn.UUID
	for round := 0; ; round++ {
		var ids []urn.UUID
		update(t, s, func(tx store.Tx) error {
			var err error
			ids, err = tx.EndIdleSessionsUpTo(c, t0.Add(30*time.Minute), t0.Add(40*time.Minute), 3)
			return err
		})
		if len(ids) > 3 {
			t.Fatalf("round %d ended %d sessions, limit 3", round, len(ids))
		}
		if round == 0 && (len(ids) != 3 || !slices.IsSortedFunc(ids, cmpID)) {
			t.Fatalf("first round ended %v", ids)
		}
		all = append(all, ids...)
		if len(ids) < 3 {
			break
		}
	}
	wantIDs := ids(append(append([]store.Session{}, idle...), expired...)) // expired ones are idle too
	slices.SortFunc(all, cmpID)
	if !slices.Equal(all, wantIDs) {
		t.Fatalf("idle rounds ended %v, want %v", all, wantIDs)
	}

	// Purging: ended and expired before the cutoff go, four at a time;
	// live sessions stay (the idle ones just ended, at t0+40m, too).
	total := 0
	for round := 0; round < 10; round++ {
		var n int
		update(t, s, func(tx store.Tx) error {
			var err error
			n, err = tx.PurgeSessionsUpTo(c, t0.Add(10*time.Minute), 4)
			return err
		})
		if n > 4 {
			t.Fatalf("purge round %d deleted %d, limit 4", round, n)
		}
		total += n
		if n < 4 {
			break
		}
	}
	if total != len(ended)+len(expired) {
		t.Fatalf("purged %d sessions, want %d", total, len(ended)+len(expired))
	}
	for _, ss := range append(append([]store.Session{}, live...), idle...) {
		if _, err := s.SessionByID(c, ss.ID); err != nil {
			t.Fatalf("session %s gone: %v", ss.ID, err)
		}
	}
	for _, ss := range append(append([]store.Session{}, ended...), expired...) {
		if _, err := s.SessionByID(c, ss.ID); err == nil {
			t.Fatalf("session %s not purged", ss.ID)
		}
	}

	// Changes: old entries go in batches, the newest always stays.
	update(t, s, func(tx store.Tx) error {
		for i := 0; i < 9; i++ {
			if err := tx.Emit(c, store.Change{Topic: store.TopicSessionEnded, Subject: urn.New(), At: t0}); err != nil {
				return err
			}
		}
		return nil
	})
	_, last, err := s.ChangeBounds(c)
	must(t, err)
	for round := 0; round < 20; round++ {
		var n int
		update(t, s, func(tx store.Tx) error {
			var err error
			n, err = tx.PurgeChangesUpTo(c, t0.Add(time.Hour), 2)
			return err
		})
		if n > 2 {
			t.Fatalf("changes round %d deleted %d, limit 2", round, n)
		}
		if n < 2 {
			break
		}
	}
	first, last2, err := s.ChangeBounds(c)
	must(t, err)
	if first != last || last2 != last {
		t.Fatalf("after purging, changes span %d-%d, want only the newest %d", first, last2, last)
	}
}

func ids(ss []store.Session) []urn.UUID {
	out := make([]urn.UUID, len(ss))
	for i, s := range ss {
		out[i] = s.ID
	}
	slices.SortFunc(out, cmpID)
	return out
}

func cmpID(a, b urn.UUID) int {
	for i := range a {
		if a[i] != b[i] {
			return int(a[i]) - int(b[i])
		}
	}
	return 0
}
