// Package backend opens a store from a DSN, choosing the backend by its
// scheme. It is the one place that knows every backend.
package backend

import (
	"context"
	"fmt"
	"strings"

	"cloudgate/internal/store"
	"cloudgate/internal/store/sqlite"
)

// Open opens the store a DSN names: "sqlite://PATH" (relative or absolute
// path; "sqlite:///abs/path" also works) or "postgres://...".
func Open(ctx context.Context, dsn string) (store.Store, error) {
	switch {
	case strings.HasPrefix(dsn, "sqlite://"):
		path := strings.TrimPrefix(dsn, "sqlite://")
		if path == "" {
			return nil, fmt.Errorf("--db %q: no database path", dsn)
		}
		return sqlite.Open(ctx, path)
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return nil, fmt.Errorf("--db: the PostgreSQL store is not available in this build")
	}
	return nil, fmt.Errorf("--db %q: unknown scheme; use sqlite://PATH or postgres://...", redact(dsn))
}

// redact hides a password in a DSN for error messages.
func redact(dsn string) string {
	if i := strings.Index(dsn, "://"); i >= 0 {
		rest := dsn[i+3:]
		if at := strings.LastIndex(rest, "@"); at >= 0 {
			if colon := strings.Index(rest[:at], ":"); colon >= 0 {
				return dsn[:i+3] + rest[:colon] + ":***" + rest[at:]
			}
		}
	}
	return dsn
}
