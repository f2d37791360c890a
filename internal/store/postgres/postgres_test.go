package postgres

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/store/postgres/pgtest"
	"github.com/cloudgate/cloudgate/internal/store/sqlstore"
	"github.com/cloudgate/cloudgate/internal/store/storetest"
	"github.com/cloudgate/cloudgate/internal/urn"
)

func open(t testing.TB, dsn string) *sqlstore.DB {
	t.Helper()
	s, err := Open(context.Background(), Config{DSN: dsn, ListenBackoff: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return open(t, pgtest.NewDatabase(t)) })
}

// Instances starting together on a fresh database: each migration is
// applied exactly once and every instance ends up with the same schema.
func TestConcurrentMigrations(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	const n = 6
	var wg sync.WaitGroup
	errs := make([]error, n)
	stores := make([]*sqlstore.DB, n)
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			stores[i], errs[i] = Open(context.Background(), Config{DSN: dsn})
		}(i)
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("instance %d: %v", i, err)
			continue
		}
		defer stores[i].Close()
	}
	if t.Failed() {
		return
	}
	conn := connect(t, dsn)
	var versions, triggers int
	if err := conn.QueryRow(context.Background(), `SELECT COUNT(*) FROM schema_migrations`).Scan(&versions); err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRow(context.Background(), `SELECT COUNT(*) FROM pg_trigger WHERE tgname = 'changes_notify'`).Scan(&triggers); err != nil {
		t.Fatal(err)
	}
	entries, _ := migrations.ReadDir("migrations")
	if versions != len(entries) || triggers != 1 {
		t.Fatalf("schema_migrations has %d rows for %d migrations, %d notify triggers", versions, len(entries), triggers)
	}
}

func connect(t testing.TB, dsn string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// A change committed by one instance wakes the others, and a listener whose
// connection is killed reconnects and wakes its reader again, so what was
// committed meanwhile is read.
func TestNotifyAndReconnect(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	a, b := open(t, dsn), open(t, dsn)
	waitWake := func(what string) {
		t.Helper()
		select {
		case <-b.Wake():
		case <-time.After(10 * time.Second):
			t.Fatalf("no wake-up %s", what)
		}
	}
	emit := func() {
		t.Helper()
		err := a.Update(context.Background(), func(tx store.Tx) error {
			return tx.Emit(context.Background(), store.Change{Topic: store.TopicSessionEnded, Subject: urn.New(), At: time.Now()})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	waitWake("after connecting") // the first LISTEN wakes the reader
	emit()
	waitWake("after a commit")

	// Drain a wake-up that may be pending from before.
	select {
	case <-b.Wake():
	default:
	}
	// Kill the listening backends (ours, in our own database).
	admin := connect(t, dsn)
	var killed int
	err := admin.QueryRow(context.Background(), `SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND query LIKE 'LISTEN%' AND pid <> pg_backend_pid()`).Scan(&killed)
	if err != nil || killed != 2 {
		t.Fatalf("terminating the listeners: killed %d, %v", killed, err)
	}
	waitWake("after the listener reconnected")
	emit()
	waitWake("after a commit on the new connection")
}

func TestParseDSN(t *testing.T) {
	for _, tc := range []struct {
		dsn     string
		wantErr string
		max     int
		timeout time.Duration
	}{
		{dsn: "postgres://u@h/db", max: DefaultMaxConns, timeout: DefaultQueryTimeout},
		{dsn: "postgresql://u:pw@h:5433/db?pool_max_conns=40&query_timeout=3s", max: 40, timeout: 3 * time.Second},
		{dsn: "postgres://u:s3cret@h/db?pool_max_conns=1", wantErr: "pool_max_conns"},
		{dsn: "postgres://u:s3cret@h/db?query_timeout=soon", wantErr: "query_timeout"},
		{dsn: "mysql://u:s3cret@h/db", wantErr: "want postgres://"},
	} {
		p, err := parse(tc.dsn)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || strings.Contains(err.Error(), "s3cret") {
				t.Errorf("parse(%q) error = %v, want one about %s without the password", tc.dsn, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("parse(%q): %v", tc.dsn, err)
			continue
		}
		if p.maxConns != tc.max || p.timeout != tc.timeout {
			t.Errorf("parse(%q) = %d conns, %v; want %d, %v", tc.dsn, p.maxConns, p.timeout, tc.max, tc.timeout)
		}
		rp := p.conn.RuntimeParams
		if rp["statement_timeout"] == "" || rp["synchronous_commit"] != "on" || rp["application_name"] != "cloudgate" {
			t.Errorf("parse(%q) runtime params = %v", tc.dsn, rp)
		}
		if _, ok := rp["pool_max_conns"]; ok {
			t.Errorf("cloudgate's own parameter was passed to the server: %v", rp)
		}
	}
	for in, want := range map[string]string{
		"postgres://u:s3cret@h/db":              "postgres://u:xxxxx@h/db",
		"postgres://u@h/db?password=s3cret":     "postgres://u@h/db?password=xxxxx",
		"postgres://u@h/db":                     "postgres://u@h/db",
		"postgres://u:s3cret@h/db\x7f%zz?bad=1": "postgres://...",
	} {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestClassify(t *testing.T) {
	d := dialect{}
	for _, tc := range []struct {
		err  error
		want error
	}{
		{&pgconn.PgError{Code: "23505"}, store.ErrConflict},
		{&pgconn.PgError{Code: "57P01"}, store.ErrUnavailable},
		{&pgconn.PgError{Code: "08006"}, store.ErrUnavailable},
		{&pgconn.PgError{Code: "57014"}, store.ErrUnavailable},
		{&pgconn.PgError{Code: "23503"}, nil},
		{errors.New("conn closed"), store.ErrUnavailable},
		{errors.New("sql: Scan error"), nil},
	} {
		if got := d.Classify(tc.err); got != tc.want {
			t.Errorf("Classify(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
	if !d.Retryable(&pgconn.PgError{Code: "40001"}) || d.Retryable(&pgconn.PgError{Code: "23505"}) {
		t.Error("Retryable")
	}
}
