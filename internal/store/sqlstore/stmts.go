package sqlstore

import (
	"context"
	"database/sql"
	"sync"
)

// Prepared statements. Without them every call parses its SQL again: a
// third of the time of a session insert on SQLite went to the parser.
//
// Three rules keep this free of deadlocks (a pool with one writer
// connection cannot prepare through the pool while a transaction holds
// that connection):
//   - reads outside transactions use statements prepared through the read
//     pool (readStmts), whose connections no transaction holds;
//   - the hottest write statements are prepared on the write pool when the
//     store opens, before any transaction runs (warm);
//   - everything else a transaction runs is prepared on the transaction's
//     own connection and reused until it ends (txStmts), so a group-
//     committed batch parses each statement once.

// stmtCache keeps statements prepared through a pool, by query text.
// Query texts that vary (filtered lists) would grow it without bound, so
// past maxStmts new texts run unprepared.
type stmtCache struct {
	pool *sql.DB
	mu   sync.RWMutex
	m    map[string]*sql.Stmt
}

const maxStmts = 256

func newStmtCache(pool *sql.DB) *stmtCache {
	return &stmtCache{pool: pool, m: map[string]*sql.Stmt{}}
}

// lookup returns the cached statement, or nil.
func (c *stmtCache) lookup(query string) *sql.Stmt {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.m[query]
}

// get returns the statement for query, preparing it through the pool; nil
// when the cache is full or preparing failed (the caller then runs the
// query directly and gets the error from there). Never call it for the
// write pool while a transaction may hold its connection.
func (c *stmtCache) get(ctx context.Context, query string) *sql.Stmt {
	if st := c.lookup(query); st != nil {
		return st
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if st := c.m[query]; st != nil {
		return st
	}
	if len(c.m) >= maxStmts {
		return nil
	}
	st, err := c.pool.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	c.m[query] = st
	return st
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.m {
		_ = st.Close() // closing: a statement that fails to close is gone anyway
	}
	c.m = map[string]*sql.Stmt{}
}

// txStmts are the statements of one transaction; database/sql closes them
// when the transaction ends. A transaction runs on one goroutine (the
// committer's, or the caller's), but the map is guarded all the same.
type txStmts struct {
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

func (t *txStmts) get(ctx context.Context, db *DB, tx *sql.Tx, query string) *sql.Stmt {
	t.mu.Lock()
	defer t.mu.Unlock()
	if st := t.m[query]; st != nil {
		return st
	}
	var st *sql.Stmt
	if warm := db.writeStmts.lookup(query); warm != nil {
		st = tx.StmtContext(ctx, warm) // already prepared on this connection
	} else {
		var err error
		if st, err = tx.PrepareContext(ctx, query); err != nil {
			return nil
		}
	}
	if t.m == nil {
		t.m = map[string]*sql.Stmt{}
	}
	t.m[query] = st
	return st
}

// warm prepares the statements every session creation, token exchange,
// service-account rotation and write-behind runs, on the write pool,
// while no transaction can hold it.
func (db *DB) warm(ctx context.Context) {
	if !db.cfg.PrepareStatements {
		return
	}
	share, lock := db.cfg.Dialect.ForShare(), db.cfg.Dialect.ForUpdate()
	for _, q := range []string{sqlInsertSession, sqlPinUser + share, sqlPinOwner + share,
		sqlPinToken + db.queries.tokenGate("t.id", false) + share, sqlTouchSession, sqlEndSession, sqlEmit, sqlInsertAudit,
		sqlLockAccount + lock, sqlUpdateAccount, sqlRotateRefresh, sqlRetireRefresh,
		db.queries.guardedInsertSQL(false), db.queries.guardedInsertSQL(true),
		"SAVEPOINT unit", "RELEASE unit", "ROLLBACK TO unit"} {
		db.writeStmts.get(ctx, db.rebind(q))
	}
	if db.cfg.GroupCommit {
		for _, q := range insertStatements() {
			db.writeStmts.get(ctx, db.rebind(q))
		}
	}
}
