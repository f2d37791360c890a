// Package store defines cloudgate's persistence contract: the records, the
// Store interface every backend implements, and the errors it returns. It
// imports no domain or dialect package; backends live in sub-packages
// (sqlite, postgres) and all of them pass the suite in storetest.
//
// Times are kept with microsecond precision (backends store int64 Unix
// microseconds); callers should not rely on finer resolution.
package store

import (
	"context"
	"errors"
	"time"
)

// Errors every backend returns. Callers compare with errors.Is.
var (
	// ErrNotFound: no such record.
	ErrNotFound = errors.New("store: not found")
	// ErrConflict: a unique constraint was violated (duplicate name, digest).
	ErrConflict = errors.New("store: conflict")
	// ErrUnavailable: the database could not be reached or timed out. It is
	// safe to retry; nothing was committed.
	ErrUnavailable = errors.New("store: unavailable")
	// ErrInvalid: a query argument (filter, sort field) is not valid.
	ErrInvalid = errors.New("store: invalid query")
)

// Store is a database. Reads outside Update see committed data only.
type Store interface {
	Reader
	SigningKeys
	Updater
	SessionCreator
	Waker

	// Ping checks that the database answers within ctx's deadline.
	Ping(ctx context.Context) error

	// Backend names the implementation ("sqlite", "postgres").
	Backend() string

	// Close flushes pending commits and releases the database.
	Close() error
}

// Updater runs transactions. With the readers a service uses it makes that
// service's narrow view of the Store (each domain package declares its own).
type Updater interface {
	// Update runs fn in one transaction and commits it. When Update returns
	// nil, everything fn wrote is durable (it survives kill -9 and power
	// loss); when it returns an error nothing fn wrote is visible. An error
	// returned by fn is returned unchanged.
	//
	// Backends may commit several concurrent Updates in one physical
	// transaction (group commit); each fn is still all-or-nothing. fn must
	// not call the Store (only tx), must not block on anything but tx, and
	// may be called again if the backend retries a serialization failure,
	// so it must not have side effects outside tx.
	Update(ctx context.Context, fn func(tx Tx) error) error
}

// SessionCreator makes a session in one statement (the session service's
// fast path for logins and exchanges).
type SessionCreator interface {
	// CreateSession inserts s, in a transaction of its own, only if g
	// holds when it runs: the rows g names are locked shared (as PinOwner
	// and PinToken do) in the same transaction as the insert, so a
	// concurrent disable, password change or token revocation either
	// waits for the new session (and then ends it) or is seen and the
	// session is not made. It reports whether s was inserted; false means
	// nothing was written and a fresh read tells why. When it returns
	// true, s is durable. ErrConflict: s's id or legacy digest is taken.
	//
	// It is what Update with PinOwner, PinToken and InsertSession does, as
	// one statement: a backend reached over a network runs it without
	// the BEGIN and COMMIT round trips (see docs/postgres.md).
	CreateSession(ctx context.Context, s Session, g SessionGuard) (bool, error)
}

// Waker tells the change feed's reader when to look again.
type Waker interface {
	// Wake returns a channel that receives when another process may have
	// appended to the change feed (PostgreSQL NOTIFY). Backends without
	// notifications return nil; readers then rely on polling alone.
	Wake() <-chan struct{}
}

// Reader is the read side, available on the Store and inside transactions.
type Reader interface {
	OrgReader
	UserReader
	SessionReader
	TokenReader
	ServiceAccountReader
	ServiceReader
	SettingsReader
	ChangeReader
	AuditReader
	IdentityAdminReader
	AuditTrailReader
}

// Tx is a transaction. Inside Update, reads see the transaction's own writes.
type Tx interface {
	Reader
	OrgWriter
	UserWriter
	SessionWriter
	TokenWriter
	ServiceAccountWriter
	ServiceWriter
	SettingsWriter
	ChangeWriter
	AuditWriter
	SweepWriter
	IdentityAdminWriter
	BulkWriter
	AuditTrailWriter
}

// Page selects a window of a sorted result; Limit 0 means no limit.
type Page struct {
	Offset int
	Limit  int
}

// Sort orders a list by one of its filterable fields.
type Sort struct {
	Field string
	Desc  bool
}

// Micros converts t to the int64 Unix microseconds backends store; the zero
// time maps to 0.
func Micros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

// FromMicros is the inverse of Micros (0 maps to the zero time).
func FromMicros(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return time.UnixMicro(us).UTC()
}
