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
	ctx = q.ctx(ctx)
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
// transaction when q is one), or nil to run the query unprepared.
func (q queries) stmt(ctx context.Context, query string) *sql.Stmt {
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

func (q queries) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	ctx = q.ctx(ctx)
	query = q.db.rebind(query)
	if st := q.stmt(ctx, query); st != nil {
		rows, err := st.QueryContext(ctx, args...)
		return rows, q.db.wrap(err)
	}
	rows, err := q.q.QueryContext(ctx, query, args...)
	return rows, q.db.wrap(err)
}

func (q queries) row(ctx context.Context, query string, args ...any) *sql.Row {
	ctx = q.ctx(ctx)
	query = q.db.rebind(query)
	if st := q.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return q.q.QueryRowContext(ctx, query, args...)
}

// lock and share return the dialect's row-locking suffixes.
func (q queries) lock() string  { return q.db.cfg.Dialect.ForUpdate() }
func (q queries) share() string { return q.db.cfg.Dialect.ForShare() }

// scanAll collects rows with scan, mapping errors.
func scanAll[T any](q queries, rows *sql.Rows, err error, scan func(*sql.Rows) (T, error)) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, q.db.wrap(err)
		}
		out = append(out, v)
	}
	return out, q.db.wrap(rows.Err())
}
