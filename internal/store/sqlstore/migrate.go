package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Migrate applies the numbered migrations in dir of fsys ("0001_init.sql",
// ...) that the database has not seen, each in its own transaction, and
// records them in schema_migrations. lock, if set, runs first inside each
// migration transaction (PostgreSQL takes an advisory lock there so that
// instances starting together apply each migration exactly once); the
// applied set is re-read under that lock.
//
// A database whose schema is newer than this binary (an unknown version is
// recorded) is refused, so an old binary never writes to a new schema.
func Migrate(ctx context.Context, db *sql.DB, d Dialect, fsys fs.FS, dir string, lock func(context.Context, *sql.Tx) error) error {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	type mig struct {
		version int
		name    string
	}
	var migs []mig
	known := map[int]bool{}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return fmt.Errorf("migrations: bad file name %q", e.Name())
		}
		if known[v] {
			return fmt.Errorf("migrations: version %d appears twice", v)
		}
		known[v] = true
		migs = append(migs, mig{v, e.Name()})
	}
	sort.Slice(migs, func(i, j int) bool { return migs[i].version < migs[j].version })

	// Created under the lock too: PostgreSQL's CREATE TABLE IF NOT EXISTS
	// is not safe against itself (two sessions may both try to create the
	// table's row type and one fails with a unique violation).
	if err := ensureTable(ctx, db, lock); err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	for _, m := range migs {
		body, err := fs.ReadFile(fsys, path.Join(dir, m.name))
		if err != nil {
			return fmt.Errorf("migrations: %w", err)
		}
		if err := applyOne(ctx, db, d, m.version, string(body), lock); err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
	}
	// Refuse a schema that is newer than this binary.
	rows, err := db.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return err
		}
		if !known[v] {
			return fmt.Errorf("migrations: the database has schema version %d, which this cloudgate does not know; upgrade cloudgate", v)
		}
	}
	return rows.Err()
}

func ensureTable(ctx context.Context, db *sql.DB, lock func(context.Context, *sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if lock != nil {
		if err := lock(ctx, tx); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)`); err != nil {
		return err
	}
	return tx.Commit()
}

func applyOne(ctx context.Context, db *sql.DB, d Dialect, version int, body string, lock func(context.Context, *sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if lock != nil {
		if err := lock(ctx, tx); err != nil {
			return err
		}
	}
	ph := "?"
	if d.Numbered() {
		ph = "$1"
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = `+ph, version).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	for _, stmt := range splitStatements(body) {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("%w\n%s", err, stmt)
		}
	}
	ins := `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`
	if d.Numbered() {
		ins = `INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)`
	}
	if _, err := tx.ExecContext(ctx, ins, version, time.Now().UnixMicro()); err != nil {
		return err
	}
	return tx.Commit()
}

// splitStatements splits a migration on ";" at line ends. Migrations keep
// one statement per ";"-terminated block and no ";" at a line end inside
// literals, except in $$-quoted bodies (PostgreSQL functions), whose lines
// never end a statement.
func splitStatements(body string) []string {
	var out []string
	var cur strings.Builder
	inBody := false
	for _, line := range strings.Split(body, "\n") {
		trimmed := strings.TrimSpace(line)
		if !inBody && (strings.HasPrefix(trimmed, "--") || trimmed == "") {
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
		if strings.Count(line, "$$")%2 == 1 {
			inBody = !inBody
		}
		if !inBody && strings.HasSuffix(trimmed, ";") {
			out = append(out, strings.TrimSpace(cur.String()))
			cur.Reset()
		}
	}
	if s := strings.TrimSpace(cur.String()); s != "" {
		out = append(out, s)
	}
	return out
}
