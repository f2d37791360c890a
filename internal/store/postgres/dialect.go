package postgres

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/cloudgate/cloudgate/internal/store"
)

// dialect is what PostgreSQL needs from the shared SQL layer.
type dialect struct{}

func (dialect) Name() string      { return "postgres" }
func (dialect) Numbered() bool    { return true }
func (dialect) ForUpdate() string { return " FOR UPDATE" }
func (dialect) ForShare() string  { return " FOR SHARE" }

// Gate takes a transaction-scoped advisory lock on (class, hash of the
// id): the lock manager queues requests in order, so once a writer waits
// for the exclusive lock, later shared requests wait behind it (row locks
// would let them through and starve the writer). The filter runs below
// the row lock, so the gate is taken before the row is locked; hash
// collisions only make unrelated rows share a gate.
func (dialect) Gate(class int32, key string, exclusive bool) string {
	fn := "pg_advisory_xact_lock_shared"
	if exclusive {
		fn = "pg_advisory_xact_lock"
	}
	return fmt.Sprintf(" AND %s(%d, hashtext(%s)) IS NOT NULL", fn, class, key)
}

// Classify maps errors to the store's sentinels: a unique violation is a
// conflict; anything that says the server or the path to it is gone, busy
// or too slow is "unavailable" (the caller answers 503 and may retry).
func (dialect) Classify(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case pe.Code == "23505": // unique_violation
			return store.ErrConflict
		case pe.Code == "53100": // disk_full
			return store.ErrFull
		case strings.HasPrefix(pe.Code, "08"), // connection exception
			strings.HasPrefix(pe.Code, "53"), // insufficient resources (too many connections, disk full)
			pe.Code == "57P01",               // admin_shutdown
			pe.Code == "57P02",               // crash_shutdown
			pe.Code == "57P03",               // cannot_connect_now (starting up, recovering)
			pe.Code == "57014",               // query_canceled (statement_timeout)
			pe.Code == "55P03",               // lock_not_available (lock_timeout)
			pe.Code == "25P03",               // idle_in_transaction_session_timeout
			pe.Code == "40001",               // serialization_failure, once retries ran out
			pe.Code == "40P01":               // deadlock_detected, likewise
			return store.ErrUnavailable
		}
		return nil
	}
	if connectionLost(err) {
		return store.ErrUnavailable
	}
	return nil
}

// connectionLost reports errors of the connection rather than the query.
func connectionLost(err error) bool {
	var ce *pgconn.ConnectError
	var ne net.Error
	switch {
	case errors.As(err, &ce), errors.As(err, &ne), pgconn.Timeout(err), pgconn.SafeToRetry(err),
		errors.Is(err, driver.ErrBadConn), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.Is(err, context.DeadlineExceeded):
		return true
	}
	// pgx reports a connection it closed after a fatal error this way.
	return strings.Contains(err.Error(), "conn closed")
}

// Retryable: a serialization failure or a deadlock aborts the whole
// transaction, and running it again may succeed.
func (dialect) Retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}

// unavailableIfConn marks an error of an unreachable database as
// store.ErrUnavailable, for errors that did not pass through the store.
func unavailableIfConn(err error) error {
	if errors.Is(dialect{}.Classify(err), store.ErrUnavailable) {
		return fmt.Errorf("%w: %w", store.ErrUnavailable, err)
	}
	return err
}
