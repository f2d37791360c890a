package sqlstore

import (
	"context"
	"database/sql"
)

type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// queries implements store.Reader on a pool or a transaction.
type queries struct {
	db *DB
	q  querier
	// detached: statements ignore the caller's cancellation. Inside a group
	// commit, cancelling one statement would make SQLite roll back the whole
	// shared transaction, so a unit's context is only checked between units.
	detached bool
	// stmts caches a transaction's prepared statements (nil outside one).
	stmts *txStmts
}

// txQueries adds the write methods (store.Tx).
type txQueries struct {
	queries
}

// newTx returns the queries of one transaction.
func newTx(db *DB, tx *sql.Tx, detached bool) *txQueries {
	return &txQueries{queries{db: db, q: tx, detached: detached, stmts: &txStmts{}}}
}

func (q queries) ctx(ctx context.Context) context.Context {
	if q.detached {
		return context.WithoutCancel(ctx)
	}
	return ctx
}

func (q queries) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	ctx, cancel := q.db.bound(q.ctx(ctx))
	defer cancel()
	query = q.db.rebind(query)
	var r sql.Result
	var err error
	if st := q.stmt(ctx, query); st != nil {
		r, err = st.ExecContext(ctx, args...)
	} else {
		r, err = q.q.ExecContext(ctx, query, args...)
	}
	return r, q.db.wrap(err)
}

// stmt returns a prepared statement for query usable on q (bound to the
// transaction when q is one), or nil to run the query unprepared (always,
// for backends whose driver caches statements itself).
func (q queries) stmt(ctx context.Context, query string) *sql.Stmt {
	if !q.db.cfg.PrepareStatements {
		return nil
	}
	switch x := q.q.(type) {
	case *sql.Tx:
		if q.stmts != nil {
			return q.stmts.get(ctx, q.db, x, query)
		}
	case *sql.DB:
		return q.db.readStmts.get(ctx, query)
	}
	return nil
}

// execN runs a statement and returns the number of rows it affected.
func (q queries) execN(ctx context.Context, query string, args ...any) (int64, error) {
	r, err := q.exec(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	n, err := r.RowsAffected()
	return n, q.db.wrap(err)
}

// rows is a result set whose deadline ends when it is closed.
type rows struct {
	*sql.Rows
	cancel context.CancelFunc
}

func (r *rows) Close() error {
	err := r.Rows.Close()
	r.cancel()
	return err
}

func (q queries) query(ctx context.Context, query string, args ...any) (*rows, error) {
	ctx, cancel := q.db.bound(q.ctx(ctx))
	query = q.db.rebind(query)
	var rs *sql.Rows
	var err error
	if st := q.stmt(ctx, query); st != nil {
		rs, err = st.QueryContext(ctx, args...)
	} else {
		rs, err = q.q.QueryContext(ctx, query, args...)
	}
	if err != nil {
		cancel()
		return nil, q.db.wrap(err)
	}
	return &rows{Rows: rs, cancel: cancel}, nil
}

// row is a single-row result whose deadline ends once it is scanned.
type row struct {
	*sql.Row
	cancel context.CancelFunc
}

func (r row) Scan(dest ...any) error {
	defer r.cancel()
	return r.Row.Scan(dest...)
}

func (q queries) row(ctx context.Context, query string, args ...any) row {
	ctx, cancel := q.db.bound(q.ctx(ctx))
	query = q.db.rebind(query)
	if st := q.stmt(ctx, query); st != nil {
		return row{Row: st.QueryRowContext(ctx, args...), cancel: cancel}
	}
	return row{Row: q.q.QueryRowContext(ctx, query, args...), cancel: cancel}
}

// lock and share return the dialect's row-locking suffixes.
func (q queries) lock() string  { return q.db.cfg.Dialect.ForUpdate() }
func (q queries) share() string { return q.db.cfg.Dialect.ForShare() }

// scanAll collects rows with scan, mapping errors.
func scanAll[T any](q queries, rs *rows, err error, scan func(*sql.Rows) (T, error)) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	var out []T
	for rs.Next() {
		v, err := scan(rs.Rows)
		if err != nil {
			return nil, q.db.wrap(err)
		}
		out = append(out, v)
	}
	return out, q.db.wrap(rs.Err())
}
