// Package sqlstore implements store.Store on database/sql for every SQL
// backend. The backends (store/sqlite, store/postgres) open the connections,
// run their embedded migrations and supply a Dialect; the queries here are
// written once with "?" placeholders and rebound for the backend.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/cloudgate/cloudgate/internal/store"
)

// Dialect is what differs between SQL backends.
type Dialect interface {
	// Name is the backend name reported by Store.Backend.
	Name() string
	// Numbered reports whether placeholders are $1, $2, ... (PostgreSQL)
	// rather than "?" (SQLite).
	Numbered() bool
	// ForUpdate and ForShare are appended to SELECTs that lock rows
	// exclusively or shared (" FOR UPDATE", " FOR SHARE"), or are "" where
	// the backend serializes writers anyway (SQLite).
	ForUpdate() string
	ForShare() string
	// Gate returns a condition to AND into the WHERE of a statement that
	// pins a row shared (exclusive false) or writes a row others pin
	// (exclusive true); key is the SQL expression of the row's id and
	// class names the table. Where shared row locks can starve a writer
	// (PostgreSQL: a new FOR SHARE joins the current lockers without
	// queueing behind a waiting UPDATE), the condition takes a lock that
	// queues fairly, so a writer waits for the pins held when it arrived
	// and pins that arrive after it wait for it. "" where writers are
	// serialized anyway (SQLite).
	Gate(class int32, key string, exclusive bool) string
	// Classify maps a driver error to store.ErrConflict or
	// store.ErrUnavailable, or returns nil when it is neither.
	Classify(err error) error
	// Retryable reports serialization failures and deadlocks that a fresh
	// attempt of the whole transaction may clear. err may be wrapped (look
	// with errors.As).
	Retryable(err error) bool
}

// Config is what a backend hands to New.
type Config struct {
	Dialect Dialect
	// Read serves reads outside transactions; Write serves transactions.
	// They may be the same pool.
	Read, Write *sql.DB
	// GroupCommit batches concurrent Updates into one transaction with one
	// savepoint each (one fsync for many commits). Use it where writers are
	// serialized anyway (SQLite).
	GroupCommit bool
	// MaxBatch bounds a group commit (default 256).
	MaxBatch int
	// PrepareStatements caches prepared statements (see stmts.go). SQLite
	// needs it (its driver parses every statement anew); pgx caches
	// statements per connection itself, so PostgreSQL leaves it off.
	PrepareStatements bool
	// Wake is returned by Store.Wake (nil: polling only).
	Wake <-chan struct{}
	// OnClose runs after the pools are closed (listener shutdown, file locks).
	OnClose func() error
	// Timeout bounds every statement and every transaction whose context
	// has no earlier deadline (0: no bound). A networked database that
	// stops answering must turn into store.ErrUnavailable, not a request
	// that hangs.
	Timeout time.Duration
}

// DB is a store.Store over SQL.
type DB struct {
	queries
	cfg     Config
	group   *committer
	rebinds sync.Map // query text -> rebound text
	// readStmts and writeStmts cache prepared statements per pool.
	readStmts, writeStmts *stmtCache
	closeOnce             sync.Once
	closeErr              error
}

// New returns a Store over already-migrated pools.
func New(cfg Config) *DB {
	db := &DB{cfg: cfg, readStmts: newStmtCache(cfg.Read), writeStmts: newStmtCache(cfg.Write)}
	db.queries = queries{db: db, q: cfg.Read}
	db.warm(context.Background())
	if cfg.GroupCommit {
		max := cfg.MaxBatch
		if max <= 0 {
			max = 256
		}
		db.group = newCommitter(db, max)
	}
	return db
}

// Backend implements store.Store.
func (db *DB) Backend() string { return db.cfg.Dialect.Name() }

// Wake implements store.Store.
func (db *DB) Wake() <-chan struct{} { return db.cfg.Wake }

// Ping implements store.Store. It runs a real query on the read pool, so a
// wedged database (not just a dead socket) makes it fail.
func (db *DB) Ping(ctx context.Context) error {
	ctx, cancel := db.bound(ctx)
	defer cancel()
	var one int
	if err := db.cfg.Read.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return db.wrap(err)
	}
	if db.cfg.Write != db.cfg.Read {
		if err := db.cfg.Write.PingContext(ctx); err != nil {
			return db.wrap(err)
		}
	}
	return nil
}

// Update implements store.Store.
func (db *DB) Update(ctx context.Context, fn func(store.Tx) error) error {
	if db.group != nil {
		return db.group.submit(ctx, fn)
	}
	ctx, cancel := db.bound(ctx)
	defer cancel()
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		err = db.updateOnce(ctx, fn)
		if err == nil || !db.cfg.Dialect.Retryable(err) {
			return err
		}
		// Back off a little before retrying a serialization failure.
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Duration(attempt+1) * 5 * time.Millisecond):
		}
	}
	return err
}

func (db *DB) updateOnce(ctx context.Context, fn func(store.Tx) error) error {
	sqlTx, err := db.cfg.Write.BeginTx(ctx, nil)
	if err != nil {
		return db.wrap(err)
	}
	tx := newTx(db, sqlTx, false)
	if err := fn(tx); err != nil {
		_ = sqlTx.Rollback()
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return db.wrap(err)
	}
	return nil
}

// Close implements store.Store: it waits for pending group commits, then
// closes the pools.
func (db *DB) Close() error {
	db.closeOnce.Do(func() {
		if db.group != nil {
			db.group.close()
		}
		db.readStmts.close()
		db.writeStmts.close()
		errs := []error{db.cfg.Write.Close()}
		if db.cfg.Read != db.cfg.Write {
			errs = append(errs, db.cfg.Read.Close())
		}
		if db.cfg.OnClose != nil {
			errs = append(errs, db.cfg.OnClose())
		}
		db.closeErr = errors.Join(errs...)
	})
	return db.closeErr
}

// bound returns ctx limited to the configured timeout unless it already
// has an earlier deadline.
func (db *DB) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	if db.cfg.Timeout <= 0 {
		return ctx, func() {}
	}
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) <= db.cfg.Timeout {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, db.cfg.Timeout)
}

// rebind converts "?" placeholders to "$n" for numbered dialects, caching
// the result per query text.
func (db *DB) rebind(q string) string {
	if !db.cfg.Dialect.Numbered() {
		return q
	}
	if v, ok := db.rebinds.Load(q); ok {
		return v.(string)
	}
	var b strings.Builder
	n := 0
	inQuote := false
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'':
			inQuote = !inQuote
			b.WriteByte(c)
		case c == '?' && !inQuote:
			n++
			fmt.Fprintf(&b, "$%d", n)
		default:
			b.WriteByte(c)
		}
	}
	s := b.String()
	db.rebinds.Store(q, s)
	return s
}

// wrap maps a driver error to the store's sentinel errors, keeping the
// driver error as detail.
func (db *DB) wrap(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return store.ErrNotFound
	}
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrUnavailable) {
		return err
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) || errors.Is(err, sql.ErrConnDone) {
		return fmt.Errorf("%w: %w", store.ErrUnavailable, err)
	}
	if kind := db.cfg.Dialect.Classify(err); kind != nil {
		return fmt.Errorf("%w: %w", kind, err)
	}
	return fmt.Errorf("store: %w", err)
}
