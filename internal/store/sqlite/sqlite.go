// Package sqlite is the embedded default store: one database file in WAL
// mode with synchronous=FULL (a commit survives power loss, not just a
// process crash), a single writer connection fed by group commit, and a
// pool of readers. It needs no cgo (modernc.org/sqlite).
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"

	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/store/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Open opens (creating if needed) the database file at path, applies
// migrations and returns the store.
func Open(ctx context.Context, path string) (*sqlstore.DB, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("sqlite: %w", err)
		}
	}
	q := url.Values{}
	q.Set("_busy_timeout", "10000")
	q.Set("_journal_mode", "WAL")
	q.Set("_synchronous", "FULL")
	q.Set("_foreign_keys", "1")
	// Writers start with BEGIN IMMEDIATE: a deferred transaction that reads
	// and then writes can fail with SQLITE_BUSY when another process (an
	// admin command) wrote in between, and no busy timeout retries that.
	wq := url.Values{}
	for k, v := range q {
		wq[k] = v
	}
	wq.Set("_txlock", "immediate")
	// Group commit gives every write its own savepoint; SQLite saves the
	// original of each page a savepoint changes in a sub-journal, which
	// would otherwise be a temporary file written with a system call per
	// page. Memory is enough: a batch is bounded (sqlstore.MaxBatch).
	wq.Add("_pragma", "temp_store(MEMORY)")
	base := "file:" + (&url.URL{Path: path}).EscapedPath()

	write, err := sql.Open("sqlite", base+"?"+wq.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	// One writer connection: SQLite serializes writers anyway, and group
	// commit needs them to share one transaction.
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	if err := sqlstore.Migrate(ctx, write, dialect{}, migrations, "migrations", nil); err != nil {
		_ = write.Close() // the error returned below is the one that matters
		return nil, fmt.Errorf("sqlite %s: %w", path, err)
	}
	if err := os.Chmod(path, 0o600); err != nil && !errors.Is(err, os.ErrNotExist) {
		_ = write.Close() // the error returned below is the one that matters
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	rq := url.Values{}
	for k, v := range q {
		rq[k] = v
	}
	rq.Set("_query_only", "1")
	read, err := sql.Open("sqlite", base+"?"+rq.Encode())
	if err != nil {
		_ = write.Close() // the error returned below is the one that matters
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	n := 2 * runtime.GOMAXPROCS(0)
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)
	return sqlstore.New(sqlstore.Config{Dialect: dialect{}, Read: read, Write: write, GroupCommit: true, PrepareStatements: true}), nil
}

type dialect struct{}

func (dialect) Name() string      { return "sqlite" }
func (dialect) Numbered() bool    { return false }
func (dialect) ForUpdate() string { return "" }
func (dialect) ForShare() string  { return "" }

// Gate: writers are serialized, nothing can starve.
func (dialect) Gate(int32, string, bool) string { return "" }

func (dialect) Classify(err error) error {
	var e *msqlite.Error
	if !errors.As(err, &e) {
		return nil
	}
	switch e.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return store.ErrConflict
	}
	// Extended codes carry the primary code in the low byte.
	switch e.Code() & 0xff {
	case sqlite3.SQLITE_FULL:
		return store.ErrFull
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN:
		return store.ErrUnavailable
	}
	return nil
}

func (dialect) Retryable(error) bool { return false }
