package feed

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"cloudgate/internal/store"
	"cloudgate/internal/store/sqlite"
	"cloudgate/internal/urn"
)

// SyncedAt moves forward only with polls that read to the end of the feed:
// a process that cannot read its store sees it fall behind.
func TestSyncedAt(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "feed.db"))
	if err != nil {
		t.Fatal(err)
	}
	f := New(Config{Store: st, Interval: time.Hour})
	var got []store.Change
	f.Subscribe(func(_ context.Context, c store.Change) error { got = append(got, c); return nil })
	if !f.SyncedAt().IsZero() {
		t.Fatal("synced before Start")
	}
	if err := f.Start(ctx); err != nil {
		t.Fatal(err)
	}
	started := f.SyncedAt()
	if started.IsZero() {
		t.Fatal("not synced after Start")
	}
	id := urn.New()
	if err := st.Update(ctx, func(tx store.Tx) error {
		return tx.Emit(ctx, store.Change{Topic: store.TopicSessionEnded, Subject: id, At: time.Now()})
	}); err != nil {
		t.Fatal(err)
	}
	if err := f.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	polled := f.SyncedAt()
	if len(got) != 1 || got[0].Subject != id || !polled.After(started) {
		t.Fatalf("after a poll: changes %v, synced %v -> %v", got, started, polled)
	}
	st.Close()
	if err := f.Poll(ctx); err == nil {
		t.Fatal("poll of a closed store succeeded")
	}
	if !f.SyncedAt().Equal(polled) {
		t.Fatal("a failed poll moved SyncedAt")
	}
}

// seqStore is a change feed whose entries commit in any order, as
// PostgreSQL sequence numbers do.
type seqStore struct {
	store.Store // only the methods below are used
	changes     map[int64]store.Change
}

func (s *seqStore) ChangeBounds(context.Context) (int64, int64, error) {
	var first, last int64
	for seq := range s.changes {
		if first == 0 || seq < first {
			first = seq
		}
		last = max(last, seq)
	}
	return first, last, nil
}

func (s *seqStore) Changes(_ context.Context, after int64, also []int64, limit int) ([]store.Change, error) {
	var out []store.Change
	for seq := int64(1); seq <= 1000 && len(out) < limit; seq++ {
		c, ok := s.changes[seq]
		if ok && (seq > after || slices.Contains(also, seq)) {
			out = append(out, c)
		}
	}
	return out, nil
}

func (s *seqStore) Wake() <-chan struct{} { return nil }

// A change whose number is below the newest one when the feed starts, but
// which commits later, is still delivered.
func TestStartWaitsForGapsBelowNewest(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	mk := func(seq int64) store.Change {
		return store.Change{Seq: seq, Topic: store.TopicSessionEnded, Subject: urn.New(), At: time.Now()}
	}
	st := &seqStore{changes: map[int64]store.Change{1: mk(1), 3: mk(3)}} // 2 not committed yet
	f := New(Config{Store: st, Interval: time.Hour})
	var got []int64
	f.Subscribe(func(_ context.Context, c store.Change) error { got = append(got, c.Seq); return nil })
	if err := f.Start(ctx); err != nil {
		t.Fatal(err)
	}
	st.changes[2] = mk(2) // commits after the start
	st.changes[4] = mk(4)
	if err := f.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, []int64{2, 4}) {
		t.Fatalf("delivered %v, want [2 4]", got)
	}
}
