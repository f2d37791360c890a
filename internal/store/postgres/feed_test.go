package postgres

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/cloudgate/cloudgate/internal/feed"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/store/postgres/pgtest"
	"github.com/cloudgate/cloudgate/internal/urn"
)

// PostgreSQL hands out change numbers when rows are inserted, not when
// transactions commit, so a change can become visible after a higher
// numbered one. The feed must still deliver it, whether the late commit
// straddles the feed's start or a later poll.
func TestFeedDeliversOutOfOrderCommits(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := open(t, pgtest.NewDatabase(t))
	emit := func(tx store.Tx, subject urn.UUID) error {
		return tx.Emit(ctx, store.Change{Topic: store.TopicSessionEnded, Subject: subject, At: time.Now()})
	}
	// holdOpen emits a change in a transaction that stays open until
	// release is closed, and reports when the change has its number.
	holdOpen := func(subject urn.UUID) (numbered, release, done chan struct{}) {
		numbered, release, done = make(chan struct{}), make(chan struct{}), make(chan struct{})
		go func() {
			defer close(done)
			err := s.Update(ctx, func(tx store.Tx) error {
				if err := emit(tx, subject); err != nil {
					return err
				}
				close(numbered)
				<-release
				return nil
			})
			if err != nil {
				t.Error(err)
			}
		}()
		return numbered, release, done
	}
	commit := func(subject urn.UUID) {
		if err := s.Update(ctx, func(tx store.Tx) error { return emit(tx, subject) }); err != nil {
			t.Fatal(err)
		}
	}

	late1, late2, early1, early2 := urn.New(), urn.New(), urn.New(), urn.New()
	numbered, release, done := holdOpen(late1) // takes number n, commits last
	<-numbered
	commit(early1) // n+1, committed: the newest change when the feed starts

	f := feed.New(feed.Config{Store: s, Interval: time.Hour})
	var got []urn.UUID
	f.Subscribe(func(_ context.Context, c store.Change) error { got = append(got, c.Subject); return nil })
	if err := f.Start(ctx); err != nil {
		t.Fatal(err)
	}
	close(release)
	<-done
	numbered, release, done = holdOpen(late2) // after the start, overtaken again
	<-numbered
	commit(early2)
	if err := f.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	close(release)
	<-done
	if err := f.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	for _, want := range []urn.UUID{late1, early2, late2} {
		if !slices.Contains(got, want) {
			t.Fatalf("delivered %v; missing %v (late1 %v, early1 %v, late2 %v, early2 %v)", got, want, late1, early1, late2, early2)
		}
	}
	if slices.Contains(got, early1) {
		t.Fatalf("delivered %v, including a change committed before the feed started", got)
	}
}
