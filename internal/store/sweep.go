package store

import (
	"context"
	"time"

	"github.com/cloudgate/cloudgate/internal/urn"
)

// SweepWriter is housekeeping in bounded batches: each call touches at
// most limit rows, so a sweep over a million expired sessions is many
// short transactions instead of one that holds the (SQLite: only) writer
// for seconds while logins and exchanges wait.
type SweepWriter interface {
	// EndIdleSessionsUpTo is EndIdleSessions for at most limit sessions,
	// oldest ids first.
	EndIdleSessionsUpTo(ctx context.Context, cutoff, at time.Time, limit int) ([]urn.UUID, error)
	// PurgeSessionsUpTo is PurgeSessions for at most limit sessions.
	PurgeSessionsUpTo(ctx context.Context, cutoff time.Time, limit int) (int, error)
	// PurgeChangesUpTo is PurgeChanges for at most limit entries.
	PurgeChangesUpTo(ctx context.Context, cutoff time.Time, limit int) (int, error)
}
