// Package backend opens a store from a DSN, choosing the backend by its
// scheme. It is the one place that knows every backend.
package backend

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/store/postgres"
	"github.com/cloudgate/cloudgate/internal/store/sqlite"
)

// Option adjusts how a store is opened.
type Option func(*options)

type options struct{ log *slog.Logger }

// WithLog sends the backend's own log lines (PostgreSQL: notification
// listener lost and restored) to l.
func WithLog(l *slog.Logger) Option { return func(o *options) { o.log = l } }

// Open opens the store a DSN names: "sqlite://PATH" (relative or absolute
// path; "sqlite:///abs/path" also works) or "postgres://..." /
// "postgresql://..." (see docs/postgres.md for its parameters).
func Open(ctx context.Context, dsn string, opts ...Option) (store.Store, error) {
	var o options
	for _, fn := range opts {
		fn(&o)
	}
	switch {
	case strings.HasPrefix(dsn, "sqlite://"):
		path := strings.TrimPrefix(dsn, "sqlite://")
		if path == "" {
			return nil, fmt.Errorf("--db %q: no database path", dsn)
		}
		s, err := sqlite.Open(ctx, path)
		if err != nil {
			return nil, err // not a typed nil in a non-nil interface
		}
		return s, nil
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		s, err := postgres.Open(ctx, postgres.Config{DSN: dsn, Log: o.log})
		if err != nil {
			return nil, err
		}
		return s, nil
	}
	return nil, fmt.Errorf("--db %q: unknown scheme; use sqlite://PATH or postgres://USER@HOST/DB", redact(dsn))
}

// redact hides a password in a DSN for error messages.
func redact(dsn string) string { return postgres.Redact(dsn) }
