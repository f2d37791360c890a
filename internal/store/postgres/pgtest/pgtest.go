// Package pgtest gives tests a PostgreSQL database of their own: a fresh,
// randomly named database on the shared server (CLOUDGATE_TEST_POSTGRES),
// dropped when the test ends, or a private PostgreSQL server in a temporary
// directory that a fault test may stop and start at will.
//
// When no server can be reached, tests fail if CLOUDGATE_REQUIRE_POSTGRES=1
// (CI) and are skipped with a loud message otherwise.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// DefaultDSN is used when CLOUDGATE_TEST_POSTGRES is not set.
const DefaultDSN = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// ServerDSN returns the DSN of the shared test server.
func ServerDSN() string {
	if v := os.Getenv("CLOUDGATE_TEST_POSTGRES"); v != "" {
		return v
	}
	return DefaultDSN
}

// Required reports whether PostgreSQL tests must run (CI).
func Required() bool { return os.Getenv("CLOUDGATE_REQUIRE_POSTGRES") == "1" }

// Unavailable fails or skips the test because PostgreSQL cannot be used.
func Unavailable(tb testing.TB, format string, args ...any) {
	tb.Helper()
	if Required() {
		tb.Fatalf("PostgreSQL is required (CLOUDGATE_REQUIRE_POSTGRES=1) but: "+format, args...)
	}
	tb.Skipf("*** SKIPPED: PostgreSQL not available (set CLOUDGATE_TEST_POSTGRES; CI sets CLOUDGATE_REQUIRE_POSTGRES=1 to fail instead): "+format, args...)
}

// NewDatabase creates a database with a random name on the shared server,
// drops it (and only it) when the test ends, and returns its DSN.
func NewDatabase(tb testing.TB) string {
	tb.Helper()
	return newDatabaseOn(tb, ServerDSN())
}

func newDatabaseOn(tb testing.TB, serverDSN string) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, serverDSN)
	if err != nil {
		Unavailable(tb, "%v", err)
	}
	defer conn.Close(context.Background())
	name := "cgtest_" + randomHex(8)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		tb.Fatalf("pgtest: creating database %s: %v", name, err)
	}
	tb.Cleanup(func() { dropDatabase(tb, serverDSN, name) })
	u, err := url.Parse(serverDSN)
	if err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}

func dropDatabase(tb testing.TB, serverDSN, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, serverDSN)
	if err != nil {
		tb.Logf("pgtest: could not drop database %s: %v", name, err)
		return
	}
	defer conn.Close(context.Background())
	// FORCE ends connections a killed test process may have left behind;
	// they can only be connections to this test's own database.
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
		tb.Logf("pgtest: could not drop database %s: %v", name, err)
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
