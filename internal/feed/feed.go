// Package feed delivers the store's change feed to what each process keeps
// in memory (the session cache, the settings). Changes are written by the
// transaction that makes them; this process's own changes are delivered at
// once by Publish, and every change, this process's or another's (a second
// instance, an admin command on the same store), is read back by polling
// and on a wake-up from the store (PostgreSQL NOTIFY). Handlers are
// idempotent, so a change delivered twice is harmless.
package feed

import (
	"context"
	"log/slog"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cloudgate/cloudgate/internal/store"
)

// Handler applies one change. An error means "not applied": the change is
// delivered again on the next poll.
type Handler func(ctx context.Context, c store.Change) error

// Store is the part of the store a Feed reads: the changes and the
// wake-ups that say when to look again.
type Store interface {
	store.ChangeReader
	store.Waker
}

// Config configures a Feed.
type Config struct {
	Store Store
	// Interval between polls (default 500ms). A lost notification delays a
	// change by at most this much.
	Interval time.Duration
	Log      *slog.Logger
}

// Feed reads the change feed and dispatches it.
type Feed struct {
	store    Store
	interval time.Duration
	log      *slog.Logger

	mu       sync.Mutex // serializes dispatch; guards the fields below
	handlers []Handler
	cursor   int64
	gaps     map[int64]time.Time // skipped sequence numbers, first seen at
	started  bool

	// synced is when the last poll that read to the end of the feed began
	// (process-local monotonic time): everything committed before it has
	// been applied. Read lock-free on the validation hot path.
	synced atomic.Pointer[time.Time]
}

// gapTTL is how long a skipped sequence number is waited for. A PostgreSQL
// transaction holds its number only until it commits or rolls back, and
// ours are short.
const gapTTL = 2 * time.Minute

// startWindow is how far below the newest change Start looks for numbers
// that may still commit.
const startWindow = 256

// New returns a Feed; call Start to begin polling.
func New(cfg Config) *Feed {
	if cfg.Interval <= 0 {
		cfg.Interval = 500 * time.Millisecond
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	return &Feed{store: cfg.Store, interval: cfg.Interval, log: cfg.Log, gaps: map[int64]time.Time{}}
}

// Subscribe adds a handler. Call before Start.
func (f *Feed) Subscribe(h Handler) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.handlers = append(f.handlers, h)
}

// Publish delivers changes this process just committed, synchronously, so
// the caller's response goes out after memory reflects them. Failures are
// logged; polling delivers the change again.
func (f *Feed) Publish(ctx context.Context, changes ...store.Change) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range changes {
		f.dispatch(ctx, c)
	}
}

func (f *Feed) dispatch(ctx context.Context, c store.Change) bool {
	ok := true
	for _, h := range f.handlers {
		if err := h(ctx, c); err != nil {
			f.log.Warn("change not applied yet", "topic", c.Topic, "subject", c.Subject.String(), "err", err)
			ok = false
		}
	}
	return ok
}

// Start positions the feed at the store's newest change (this process has
// just loaded its state, so older changes are already reflected) and polls
// until ctx ends.
func (f *Feed) Start(ctx context.Context) error {
	_, last, err := f.store.ChangeBounds(ctx)
	if err != nil {
		return err
	}
	// A transaction may hold a number below last and commit after this
	// read (PostgreSQL hands sequence numbers out before commit): numbers
	// missing just below last are gaps to wait for, as in Poll. The lowest
	// committed number is no bound: the late one may be lower than every
	// committed one (numbers that were purged instead are simply waited for
	// in vain until the gap expires).
	from := max(1, last-startWindow+1)
	recent, err := f.store.Changes(ctx, from-1, nil, startWindow)
	if err != nil {
		return err
	}
	present := make(map[int64]bool, len(recent))
	for _, c := range recent {
		present[c.Seq] = true
	}
	now := time.Now()
	f.mu.Lock()
	f.cursor, f.started = last, true
	for s := from; s > 0 && s <= last; s++ {
		if !present[s] {
			f.gaps[s] = now
		}
	}
	f.mu.Unlock()
	f.markSynced(time.Now())
	go f.loop(ctx)
	return nil
}

// SyncedAt returns when the feed was last known to be complete: every
// change committed before that instant has been applied in memory. A
// process cut off from its database sees it fall behind, and can refuse
// what it can no longer vouch for (see session.Config.MaxStale).
func (f *Feed) SyncedAt() time.Time {
	if t := f.synced.Load(); t != nil {
		return *t
	}
	return time.Time{}
}

func (f *Feed) markSynced(t time.Time) { f.synced.Store(&t) }

func (f *Feed) loop(ctx context.Context) {
	t := time.NewTicker(f.interval)
	defer t.Stop()
	wake := f.store.Wake()
	failing := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-wake:
		}
		if err := f.Poll(ctx); err != nil {
			if ctx.Err() != nil {
				return // closing: a poll cut short is not an outage
			}
			if !failing {
				f.log.Warn("change feed unavailable", "err", err)
			}
			failing = true
			continue
		}
		if failing {
			f.log.Info("change feed reading again")
			failing = false
		}
	}
}

// Poll reads and dispatches what was written since the last poll. It is
// exported so tests and shutdown paths can force a read.
func (f *Feed) Poll(ctx context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	began := time.Now()
	first, _, err := f.store.ChangeBounds(ctx)
	if err != nil {
		return err
	}
	if first > f.cursor+1 && f.cursor > 0 {
		// Entries we never read were purged: we cannot know what they said.
		f.log.Warn("fell behind the change feed; resynchronising", "cursor", f.cursor, "first", first)
		if !f.dispatch(ctx, store.Change{Topic: store.TopicResync, At: time.Now()}) {
			return nil // try again next poll
		}
		f.cursor = first - 1
		clear(f.gaps)
	}
	now := time.Now()
	for {
		also := f.pendingGaps(now)
		batch, err := f.store.Changes(ctx, f.cursor, also, 512)
		if err != nil {
			return err
		}
		if len(batch) == 0 {
			f.markSynced(began)
			return nil
		}
		for _, c := range batch {
			if !f.dispatch(ctx, c) {
				return nil // retry from here on the next poll
			}
			if _, wasGap := f.gaps[c.Seq]; wasGap {
				delete(f.gaps, c.Seq)
				continue
			}
			if c.Seq <= f.cursor {
				continue
			}
			for s := f.cursor + 1; s < c.Seq; s++ {
				f.gaps[s] = now
			}
			f.cursor = c.Seq
		}
		if len(batch) < 512 {
			f.markSynced(began)
			return nil
		}
	}
}

func (f *Feed) pendingGaps(now time.Time) []int64 {
	var out []int64
	for s, seen := range f.gaps {
		if now.Sub(seen) > gapTTL {
			delete(f.gaps, s)
			continue
		}
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	if len(out) > 256 {
		out = out[len(out)-256:]
	}
	return out
}

// Publisher receives the changes this process committed, to apply them to
// its own caches before it answers (*Feed is the one real implementation).
// Every domain package that writes asks for this interface alone.
type Publisher interface {
	Publish(ctx context.Context, changes ...store.Change)
}

// Discard is the Publisher of a process that serves nothing (the admin
// commands): there is no cache to update, and servers read the changes
// from the store's feed. Constructors use it when given none, so no
// caller checks for nil.
type Discard struct{}

// Publish implements Publisher by doing nothing.
func (Discard) Publish(context.Context, ...store.Change) {}

// PublisherFunc adapts a function to Publisher: a process without a feed
// (an admin command holding a session manager) applies its own changes to
// what it caches.
type PublisherFunc func(ctx context.Context, changes ...store.Change)

// Publish implements Publisher.
func (f PublisherFunc) Publish(ctx context.Context, changes ...store.Change) { f(ctx, changes...) }
