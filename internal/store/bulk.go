package store

import "context"

// BulkWriter loads many rows in few statements: imports, and benchmarks
// that fill a store with a million sessions through the same code path
// production writes use. Constraints are as for InsertSession and
// InsertToken; one conflicting row fails the whole call.
type BulkWriter interface {
	InsertSessions(ctx context.Context, ss []Session) error
	InsertTokens(ctx context.Context, ts []APIToken) error
}
