// Package postgres is the store for several cloudgate instances sharing one
// PostgreSQL database. It runs the shared SQL of store/sqlstore over
// database/sql with the pgx driver: a bounded pool, statements prepared and
// cached per connection, a deadline on every call and a server-side
// statement timeout, migrations applied under an advisory lock, and a
// dedicated LISTEN connection that wakes the change feed when any instance
// commits a change (see listener.go and docs/postgres.md).
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/cloudgate/cloudgate/internal/store/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Channel is the NOTIFY channel the changes table's trigger signals.
const Channel = "cloudgate_changes"

// Defaults for what the DSN does not say.
const (
	DefaultMaxConns         = 16
	DefaultQueryTimeout     = 10 * time.Second
	DefaultStatementTimeout = "5s"
	DefaultConnectTimeout   = "3" // seconds, libpq's unit
)

// Config opens a store.
type Config struct {
	// DSN is a postgres:// or postgresql:// URL. Besides libpq's
	// parameters it accepts pool_max_conns (pool size, default 16) and
	// query_timeout (a Go duration bounding each call and transaction on
	// the client, default 10s).
	DSN string
	Log *slog.Logger
	// ListenBackoff caps the wait between listener reconnects (default 5s).
	ListenBackoff time.Duration
}

// Open connects, applies migrations and starts the listener. It fails if
// the database cannot be reached within ctx (or the connect timeout).
func Open(ctx context.Context, cfg Config) (*sqlstore.DB, error) {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	pc, err := parse(cfg.DSN)
	if err != nil {
		return nil, err
	}
	db := stdlib.OpenDB(*pc.conn)
	db.SetMaxOpenConns(pc.maxConns)
	db.SetMaxIdleConns(pc.maxConns)
	// Recycle connections now and then so that a failover or a changed
	// server setting is picked up without a restart.
	db.SetConnMaxLifetime(30 * time.Minute)
	db.SetConnMaxIdleTime(5 * time.Minute)

	mctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if err := sqlstore.Migrate(mctx, db, dialect{}, migrations, "migrations", advisoryLock); err != nil {
		_ = db.Close() // the migration error returned below is the one that matters
		return nil, fmt.Errorf("postgres %s: %w", Redact(cfg.DSN), unavailableIfConn(err))
	}
	l := newListener(pc.conn.Copy(), Channel, cfg.ListenBackoff, cfg.Log)
	return sqlstore.New(sqlstore.Config{Dialect: dialect{}, Read: db, Write: db, Wake: l.wake,
		Timeout: pc.timeout, OnClose: l.close}), nil
}

// migrationLockKey identifies cloudgate's migrations among advisory locks
// (an arbitrary constant: "cgmigr" in ASCII).
const migrationLockKey = 0x63676d696772

// advisoryLock serializes migrations across instances starting together;
// the lock is released when the migration's transaction ends.
func advisoryLock(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(migrationLockKey))
	return err
}

type parsed struct {
	conn     *pgx.ConnConfig
	maxConns int
	timeout  time.Duration
}

// parse reads cloudgate's own parameters out of the DSN, applies defaults
// for the server settings cloudgate relies on, and lets pgx parse the rest.
func parse(dsn string) (parsed, error) {
	p := parsed{maxConns: DefaultMaxConns, timeout: DefaultQueryTimeout}
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return p, fmt.Errorf("--db %s: want postgres://user[:password]@host[:port]/database[?param=value...]", Redact(dsn))
	}
	q := u.Query()
	if v := q.Get("pool_max_conns"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 2 || n > 1000 {
			return p, fmt.Errorf("--db %s: pool_max_conns must be a whole number from 2 to 1000", Redact(dsn))
		}
		p.maxConns = n
	}
	if v := q.Get("query_timeout"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 100*time.Millisecond {
			return p, fmt.Errorf("--db %s: query_timeout must be a duration of at least 100ms", Redact(dsn))
		}
		p.timeout = d
	}
	q.Del("pool_max_conns")
	q.Del("query_timeout")
	setDefault(q, "connect_timeout", DefaultConnectTimeout)
	setDefault(q, "application_name", "cloudgate")
	// Server-side bounds: a statement cannot run forever, and a
	// transaction left open by a wedged client cannot hold locks forever.
	setDefault(q, "statement_timeout", DefaultStatementTimeout)
	setDefault(q, "idle_in_transaction_session_timeout", "30s")
	// Store.Update promises durability when it returns; a database whose
	// default was relaxed must not silently break that.
	setDefault(q, "synchronous_commit", "on")
	u.RawQuery = q.Encode()
	cc, err := pgx.ParseConfig(u.String())
	if err != nil {
		// pgx masks the password in its errors; make sure of it.
		msg := err.Error()
		if pw, ok := u.User.Password(); ok && pw != "" {
			msg = strings.ReplaceAll(msg, pw, "xxxxx")
		}
		return p, fmt.Errorf("--db %s: %s", Redact(dsn), msg)
	}
	p.conn = cc
	return p, nil
}

func setDefault(q url.Values, key, value string) {
	if q.Get(key) == "" {
		q.Set(key, value)
	}
}

// Redact hides the password of a DSN, for errors and logs.
func Redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		// Not a URL: show the scheme only, never the rest (it may hold a
		// password in an unusual place).
		if i := strings.Index(dsn, "://"); i >= 0 {
			return dsn[:i+3] + "..."
		}
		return "(unparsable DSN)"
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.String()
}
