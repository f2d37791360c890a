package session

import (
	"context"
	"sync"
	"time"

	"github.com/cloudgate/cloudgate/internal/audit"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
)

// touchQueue collects sessions whose activity must be written behind.
type touchQueue struct {
	mu      sync.Mutex
	entries []*entry
}

func (q *touchQueue) add(e *entry) {
	q.mu.Lock()
	q.entries = append(q.entries, e)
	q.mu.Unlock()
}

func (q *touchQueue) take() []*entry {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := q.entries
	q.entries = nil
	return out
}

// Start runs the write-behind flusher and the sweeper until Close.
func (m *Manager) Start() {
	m.stopped.Add(2)
	go m.every(m.flushEv, func(ctx context.Context) { _ = m.flush(ctx) }) // flush logs and requeues on failure
	go m.every(m.sweepEv, m.sweep)
}

func (m *Manager) every(d time.Duration, fn func(context.Context)) {
	defer m.stopped.Done()
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-m.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			fn(ctx)
			cancel()
		}
	}
}

// flush writes queued activity. The store keeps the maximum of what every
// instance writes, so order and duplicates do not matter. On failure the
// entries are queued again.
func (m *Manager) flush(ctx context.Context) error {
	entries := m.touches.take()
	if len(entries) == 0 {
		return nil
	}
	touches := make([]store.Touch, 0, len(entries))
	seen := make(map[*entry]bool, len(entries))
	for _, e := range entries {
		if seen[e] || e.ended.Load() {
			continue
		}
		seen[e] = true
		touches = append(touches, store.Touch{ID: e.id, At: store.FromMicros(e.last.Load())})
	}
	for len(touches) > 0 {
		n := min(len(touches), 500)
		chunk := touches[:n]
		if err := m.store.Update(ctx, func(tx store.Tx) error { return tx.TouchSessions(ctx, chunk) }); err != nil {
			m.log.Warn("writing session activity failed; will retry", "sessions", len(touches), "err", err)
			for _, e := range entries {
				m.touches.add(e)
			}
			return err
		}
		touches = touches[n:]
	}
	return nil
}

// sweep drops expired and revoked sessions from memory, unused principal
// states from the registry, and ends idle sessions and purges old rows in
// the store.
func (m *Manager) sweep(ctx context.Context) {
	now := m.now()
	us := now.UnixMicro()
	idle := m.settings.Get().IdleTimeout.Microseconds()
	users, orgs, tokens := map[*userRef]bool{}, map[*orgRef]bool{}, map[*tokenRef]bool{}
	m.cache.each(func(e *entry) {
		u, o := e.user.state.Load(), e.org.state.Load()
		dead := e.ended.Load() || us >= e.expires || (e.token != nil && e.token.revoked.Load()) ||
			(u != nil && (!u.enabled || e.created <= u.validAfter)) || (o != nil && !o.enabled)
		// A session idle here may be active on another instance: dropping
		// it from memory is safe (the next request re-reads the store).
		// Dropping applies no change, so concurrent fills need not retry:
		// a fill of a dead session is refused by its own store read or by
		// the shared states it binds to.
		if dead || (e.idle && us-e.last.Load() > idle) {
			m.cache.remove(e)
			return
		}
		users[e.user], orgs[e.org] = true, true
		if e.token != nil {
			tokens[e.token] = true
		}
	})
	m.reg.keepOnly(users, orgs, tokens)

	// Store housekeeping. Every instance may run it; it is idempotent.
	// Idle sessions end with a grace for write-behind lag: until then a
	// request re-checks against the store anyway. Each step runs in
	// batches sized to a time budget, one transaction each, with a pause
	// between them (SweepBatches), so that a store with a million expired
	// rows is swept without holding the writer for long: logins and
	// exchanges commit between the batches.
	set := m.settings.Get()
	idleCutoff, purgeCutoff := now.Add(-set.IdleTimeout-time.Minute), now.Add(-24*time.Hour)
	steps := []func(tx store.Tx, limit int) (int, error){
		func(tx store.Tx, limit int) (int, error) {
			ids, err := tx.EndIdleSessionsUpTo(ctx, idleCutoff, now, limit)
			if err != nil {
				return 0, err
			}
			for _, id := range ids {
				if err := tx.Emit(ctx, store.Change{Topic: store.TopicSessionEnded, Subject: id, At: now}); err != nil {
					return 0, err
				}
				ev := audit.Event(audit.Actor{Name: "system"}, now, "session.end", audit.Success, id.URN(urn.Session), "idle timeout")
				if err := tx.InsertAudit(ctx, ev); err != nil {
					return 0, err
				}
			}
			return len(ids), nil
		},
		func(tx store.Tx, limit int) (int, error) { return tx.PurgeSessionsUpTo(ctx, purgeCutoff, limit) },
		func(tx store.Tx, limit int) (int, error) { return tx.PurgeChangesUpTo(ctx, purgeCutoff, limit) },
	}
	for _, step := range steps {
		if _, err := SweepBatches(ctx, m.store, step); err != nil {
			if ctx.Err() == nil {
				m.log.Warn("session sweep failed", "err", err)
			}
			return
		}
	}
	if set.AuditRetention > 0 { // zero: Values built without a retention (tests): keep everything
		m.pruneAudit(ctx, now.Add(-set.AuditRetention))
	}
}

// Audit retention works in batches of pruneBatch events, each its own
// transaction, at most pruneBatches per sweep: a backlog (retention just
// shortened, a long outage) is worked off over several sweeps without a
// transaction that holds the write lock for long.
const (
	pruneBatch   = 1000
	pruneBatches = 10
)

func (m *Manager) pruneAudit(ctx context.Context, cutoff time.Time) {
	for i := 0; i < pruneBatches; i++ {
		var n int
		err := m.store.Update(ctx, func(tx store.Tx) error {
			var err error
			n, err = tx.PruneAudit(ctx, cutoff, pruneBatch)
			return err
		})
		if err != nil {
			m.log.Warn("audit retention failed", "err", err)
			return
		}
		if n < pruneBatch {
			return
		}
	}
}

// Housekeeping batches are sized by the time they hold the writer, not by
// a fixed row count: what a row costs varies a hundredfold with the
// machine's load, the table's size and how much of it is cached (deleting
// a session is six to eight B-tree deletions; TestScale in internal/bench
// saw 250-row batches hold SQLite's writer for 128 ms on average and 753 ms at
// worst at 200,000 sessions on a busy machine). The size doubles while a
// batch takes under half the budget and shrinks in proportion when one
// takes longer, within [sweepMinBatch, sweepMaxBatch].
//
// The budget is the typical hold; the longest is two to four times it,
// because most of a batch's time is its commit (on SQLite ~2 WAL pages
// and ~90 µs of commit per purged session against ~50 µs of statements,
// TestScale at 200,000 sessions), whose fsync varies with what else uses
// the disk. With 40 ms the longest of ~130 batches was 113-129 ms; with
// 20 ms, 92-120 ms, purging as many rows per second (the pause between
// batches, as long as the batch, halves the writer's share either way).
const (
	sweepBudget   = 20 * time.Millisecond
	sweepMinBatch = 8
	sweepMaxBatch = 1000
)

// Updater runs a write transaction (store.Store's Update).
type Updater interface {
	Update(ctx context.Context, fn func(tx store.Tx) error) error
}

// SweepStats describes one run of SweepBatches.
type SweepStats struct {
	Batches, Rows int
	// Longest is the longest a batch's transaction took, from submitting
	// it to its commit: the writer hold that other writes may wait for.
	Longest, Total time.Duration
}

// SweepBatches runs step, each time in a transaction of its own with a
// row limit, until step changes fewer rows than its limit, ctx ends or a
// transaction fails (that error is returned). Between batches it pauses
// as long as the last batch took, so housekeeping has at most half of the
// writer's time however large the backlog; a backlog left when ctx ends
// is taken up by the next sweep.
func SweepBatches(ctx context.Context, st Updater, step func(tx store.Tx, limit int) (int, error)) (SweepStats, error) {
	var stats SweepStats
	limit := sweepMinBatch * 8
	for {
		var n int
		t0 := time.Now()
		err := st.Update(ctx, func(tx store.Tx) error {
			var err error
			n, err = step(tx, limit)
			return err
		})
		took := time.Since(t0)
		if err != nil {
			return stats, err
		}
		stats.Batches++
		stats.Rows += n
		stats.Total += took
		stats.Longest = max(stats.Longest, took)
		if n < limit {
			return stats, nil
		}
		switch {
		case took > sweepBudget:
			limit = max(sweepMinBatch, int(int64(limit)*int64(sweepBudget)/int64(took)))
		case took < sweepBudget/2:
			limit = min(sweepMaxBatch, 2*limit)
		}
		pause := time.NewTimer(took)
		select {
		case <-ctx.Done():
			pause.Stop()
			return stats, ctx.Err()
		case <-pause.C:
		}
	}
}

// Close stops background work and writes pending activity.
func (m *Manager) Close() {
	m.closeOnce.Do(func() {
		close(m.stop)
		m.stopped.Wait()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = m.flush(ctx)
	})
}
