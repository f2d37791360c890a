package sqlstore

import (
	"context"
	"database/sql/driver"
	"sync"
	"time"

	"github.com/cloudgate/cloudgate/internal/store"
)

// committer implements group commit: Updates queue up while a batch is being
// committed, and the next batch runs all of them in one transaction, each
// inside its own savepoint, then commits once. With SQLite in WAL mode and
// synchronous=FULL each commit costs an fsync, so one fsync now acknowledges
// a whole batch. Under light load a batch holds a single update and nothing
// waits for a timer.
type committer struct {
	db      *DB
	max     int
	units   chan *unit
	stop    chan struct{}
	stopped sync.WaitGroup
	mu      sync.RWMutex // held for reading while submitting, for writing by close
	closed  bool
	// raw and args are the committer goroutine's own (groupraw.go).
	raw  rawStmts
	args []driver.NamedValue
	// inserts recycles the units of session inserts: a unit with its
	// channel and its copy of the session was three allocations, a
	// quarter of the garbage a CreateSession made in the store.
	inserts sync.Pool
}

type unit struct {
	ctx  context.Context
	fn   func(store.Tx) error
	done chan error
	// ins, set instead of fn, is a guarded session insert: the batch runs
	// all of them together (groupinsert.go).
	ins *sessionInsert
}

func newCommitter(db *DB, max int) *committer {
	c := &committer{db: db, max: max, units: make(chan *unit, 4*max), stop: make(chan struct{})}
	c.stopped.Add(1)
	go c.loop()
	return c
}

func (c *committer) submit(ctx context.Context, fn func(store.Tx) error) error {
	return c.submitUnit(&unit{ctx: ctx, fn: fn, done: make(chan error, 1)})
}

// insert queues a guarded session insert and reports whether it was
// inserted.
func (c *committer) insert(ctx context.Context, s store.Session, g store.SessionGuard) (bool, error) {
	u, _ := c.inserts.Get().(*unit)
	if u == nil {
		u = &unit{ins: &sessionInsert{}, done: make(chan error, 1)}
	}
	u.ctx = ctx
	*u.ins = sessionInsert{s: s, g: g}
	err := c.submitUnit(u)
	inserted := u.ins.inserted && err == nil
	// submitUnit returns once the unit's outcome was received, or before it
	// was queued: the committer holds it no longer, and its channel is empty.
	u.ctx = nil
	*u.ins = sessionInsert{}
	c.inserts.Put(u)
	return inserted, err
}

func (c *committer) submitUnit(u *unit) error {
	ctx := u.ctx
	c.mu.RLock()
	if c.closed {
		c.mu.RUnlock()
		return store.ErrUnavailable
	}
	select {
	case c.units <- u:
	case <-ctx.Done():
		c.mu.RUnlock()
		return c.db.wrap(ctx.Err())
	}
	c.mu.RUnlock()
	// Once queued, the unit runs; wait for its outcome even if ctx ends, so
	// the caller never reports failure for a write that then commits.
	return <-u.done
}

func (c *committer) loop() {
	defer c.stopped.Done()
	batch := make([]*unit, 0, c.max)
	var gather gathering
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		var first *unit
		select {
		case first = <-c.units:
		case <-c.stop:
			// Drain what was queued before close.
			for {
				select {
				case u := <-c.units:
					c.run([]*unit{u})
				default:
					return
				}
			}
		}
		batch = append(batch[:0], first)
	fill:
		for len(batch) < c.max {
			select {
			case u := <-c.units:
				batch = append(batch, u)
			default:
				break fill
			}
		}
		if want, wait := gather.more(len(batch)); want > len(batch) {
			// Wait briefly for the writers of the last batches, which
			// are on their way back, instead of committing a few now and
			// the rest a moment later: a commit costs its WAL pages and
			// its fsync whatever it holds.
			timer.Reset(wait)
		more:
			for len(batch) < min(want, c.max) {
				select {
				case u := <-c.units:
					batch = append(batch, u)
				case <-timer.C:
					break more
				}
			}
			timer.Stop()
		}
		start := time.Now()
		c.run(batch)
		gather.done(len(batch), time.Since(start))
	}
}

// gathering decides whether a batch waits for more writes. Under a steady
// load of concurrent writers (exchanges from many clients) the committer
// otherwise commits whatever has arrived the moment the previous commit
// ends, often a part of the writers while the rest are a few hundred
// microseconds away; the WAL pages of a commit, its fsync and its
// BEGIN/COMMIT are paid per batch. So a batch smaller than the recent ones
// waits until it is as large as they were, for at most maxGather and at
// most half as long as the last commit took (the wait adds at most half a
// commit's latency, on a fast disk correspondingly less). A lone writer
// (recent batches of one) and a batch as large as the recent ones never
// wait. On the 2-core test machine: 28 % less CPU and 30 % more sessions
// per second in BenchmarkCreateSessionGuarded, 7-12 % less CPU per
// exchange under wrk (docs/performance.md, "Exchange, third pass").
type gathering struct {
	recent int           // the largest recent batch, decaying
	commit time.Duration // how long the last batch took to run
}

// maxGather bounds the wait for more writes.
const maxGather = 300 * time.Microsecond

// more returns how many writes a batch of n should gather, and for how
// long at most.
func (g *gathering) more(n int) (int, time.Duration) {
	if n >= g.recent {
		return n, 0
	}
	return g.recent, min(maxGather, g.commit/2)
}

// done records a batch of n writes that took d.
func (g *gathering) done(n int, d time.Duration) {
	// The size of recent batches decays by an eighth per batch, so a load
	// that falls away stops making batches wait within a few dozen.
	g.recent = max(n, g.recent-(g.recent+7)/8)
	g.commit = d
}

// run executes one batch. A unit whose function fails is rolled back to its
// savepoint and gets its own error; the others still commit. If the commit
// itself fails, every unit that had succeeded gets that error.
func (c *committer) run(batch []*unit) {
	ctx := context.Background()
	// The batch holds the writer connection itself, so that its session
	// inserts can run on the driver connection (groupraw.go) inside the
	// transaction begun here.
	conn, err := c.db.cfg.Write.Conn(ctx)
	if err != nil {
		err = c.db.wrap(err)
		for _, u := range batch {
			u.done <- err
		}
		return
	}
	defer conn.Close()
	sqlTx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		err = c.db.wrap(err)
		for _, u := range batch {
			u.done <- err
		}
		return
	}
	results := make([]error, len(batch))
	tx := newTx(c.db, sqlTx, true)
	var inserts []int
	for i, u := range batch {
		if u.ins != nil {
			inserts = append(inserts, i)
			continue
		}
		if err := u.ctx.Err(); err != nil {
			results[i] = c.db.wrap(err)
			continue
		}
		if _, err := tx.exec(ctx, "SAVEPOINT unit"); err != nil {
			results[i] = c.db.wrap(err)
			continue
		}
		if err := u.fn(tx); err != nil {
			results[i] = err
			if _, rbErr := tx.exec(ctx, "ROLLBACK TO unit"); rbErr != nil {
				// The transaction is in an unknown state: fail the batch.
				_ = sqlTx.Rollback()
				fail := c.db.wrap(rbErr)
				for j, v := range batch {
					if results[j] == nil || j >= i {
						v.done <- fail
					} else {
						v.done <- results[j]
					}
				}
				return
			}
		}
		if _, err := tx.exec(ctx, "RELEASE unit"); err != nil && results[i] == nil {
			results[i] = c.db.wrap(err)
		}
	}
	if len(inserts) > 0 {
		err := conn.Raw(func(dc any) error { return c.insertSessions(ctx, dc, batch, inserts, results) })
		if err != nil {
			// The transaction is in an unknown state: fail the batch.
			_ = sqlTx.Rollback()
			for _, u := range batch {
				u.done <- err
			}
			return
		}
	}
	if err := sqlTx.Commit(); err != nil {
		err = c.db.wrap(err)
		for i := range results {
			if results[i] == nil {
				results[i] = err
			}
		}
	}
	for i, u := range batch {
		u.done <- results[i]
	}
}

func (c *committer) close() {
	c.mu.Lock()
	if !c.closed {
		c.closed = true
		close(c.stop)
	}
	c.mu.Unlock()
	c.stopped.Wait()
	c.closeRaw()
}
