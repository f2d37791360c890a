package store

import (
	"errors"
	"fmt"
	"time"

	"github.com/cloudgate/cloudgate/internal/apierr"
)

// ErrFull: the database could not write because its storage is full
// (SQLite SQLITE_FULL, PostgreSQL 53100 disk_full). It wraps
// ErrUnavailable: nothing was committed and the same request may succeed
// once an operator frees space, so every caller that retries or refrains
// from counting an unavailable store keeps doing so.
var ErrFull = fmt.Errorf("store: storage full: %w", ErrUnavailable)

// FullError is the API error for ErrFull, or nil when err is not one. It
// keeps the kind Unavailable (503 with Retry-After in every dialect, which
// clients already retry) and says plainly that storage is full, with
// minor code STORAGE_FULL where a dialect shows one, so that neither the
// client nor the operator reads it as a database that is down.
func FullError(err error) error {
	if !errors.Is(err, ErrFull) {
		return nil
	}
	return &apierr.Error{Kind: apierr.Unavailable, Code: CodeStorageFull, RetryAfter: time.Minute, Err: err,
		Message: "The server's storage is full: nothing was saved. Retry after the operator has freed space."}
}

// CodeStorageFull is the minor error code of FullError.
const CodeStorageFull = "STORAGE_FULL"
