package feed

import (
	"context"
	"path/filepath"
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
