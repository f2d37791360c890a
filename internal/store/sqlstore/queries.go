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
}

// txQueries adds the write methods (store.Tx).
type txQueries struct {
	queries
}

func (q queries) ctx(ctx context.Context) context.Context {
	if q.detached {
		return context.WithoutCancel(ctx)
	}
	return ctx
}

func (q queries) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	r, err := q.q.ExecContext(q.ctx(ctx), q.db.rebind(query), args...)
	return r, q.db.wrap(err)
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
	rows, err := q.q.QueryContext(q.ctx(ctx), q.db.rebind(query), args...)
	return rows, q.db.wrap(err)
}

func (q queries) row(ctx context.Context, query string, args ...any) *sql.Row {
	return q.q.QueryRowContext(q.ctx(ctx), q.db.rebind(query), args...)
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
