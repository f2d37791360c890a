package feed_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/cloudgate/cloudgate/internal/feed"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/store/sqlite"
	"github.com/cloudgate/cloudgate/internal/urn"
)

type recorder struct {
	mu   sync.Mutex
	got  []store.Change
	fail int // fail this many deliveries first
}

func (r *recorder) handle(_ context.Context, c store.Change) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail > 0 {
		r.fail--
		return errors.New("not now")
	}
	r.got = append(r.got, c)
	return nil
}

func emit(t *testing.T, st store.Store, n int) []urn.UUID {
	t.Helper()
	var ids []urn.UUID
	ctx := context.Background()
	err := st.Update(ctx, func(tx store.Tx) error {
		for i := 0; i < n; i++ {
			id := urn.New()
			ids = append(ids, id)
			if err := tx.Emit(ctx, store.Change{Topic: store.TopicSessionEnded, Subject: id, At: time.Now()}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func TestPollDeliversOnlyNewChangesAndRetriesFailures(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	emit(t, st, 3) // before Start: already reflected in memory, not delivered
	f := feed.New(feed.Config{Store: st, Interval: time.Hour})
	r := &recorder{fail: 1}
	f.Subscribe(r.handle)
	if err := f.Start(ctx); err != nil {
		t.Fatal(err)
	}
	ids := emit(t, st, 2)
	if err := f.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if len(r.got) != 0 {
		t.Fatalf("delivered %d changes past a failing one", len(r.got))
	}
	if err := f.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if len(r.got) != 2 || r.got[0].Subject != ids[0] || r.got[1].Subject != ids[1] {
		t.Fatalf("after the retry: %+v", r.got)
	}
	if err := f.Poll(ctx); err != nil || len(r.got) != 2 {
		t.Fatalf("redelivered: %d, %v", len(r.got), err)
	}
	// Publish delivers at once, without the store.
	f.Publish(ctx, store.Change{Topic: store.TopicSettings})
	if len(r.got) != 3 || r.got[2].Topic != store.TopicSettings {
		t.Fatalf("Publish: %+v", r.got)
	}
}

func TestFallingBehindRetentionResyncs(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	emit(t, st, 1)
	f := feed.New(feed.Config{Store: st, Interval: time.Hour})
	r := &recorder{}
	f.Subscribe(r.handle)
	if err := f.Start(ctx); err != nil {
		t.Fatal(err)
	}
	emit(t, st, 3)
	// Retention removes what this reader never saw.
	if err := st.Update(ctx, func(tx store.Tx) error {
		_, err := tx.PurgeChangesUpTo(ctx, time.Now().Add(time.Hour), 1000)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := f.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if len(r.got) == 0 || r.got[0].Topic != store.TopicResync {
		t.Fatalf("want a resync first, got %+v", r.got)
	}
}

// SyncedAt moves forward only with polls that read to the end of the feed:
// a process that cannot read its store sees it fall behind.
func TestSyncedAt(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "feed.db"))
	if err != nil {
		t.Fatal(err)
	}
	f := feed.New(feed.Config{Store: st, Interval: time.Hour})
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
