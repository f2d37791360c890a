package cluster

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/cloudgate/cloudgate/internal/store/postgres/pgtest"
	"github.com/cloudgate/cloudgate/internal/testserver"
)

// Every connection of the server's PostgreSQL pool held by a transaction
// that cannot finish: another client holds an exclusive lock on every
// table, so the pool's transactions wait on it and further requests wait
// for a connection. Each request that needs the database answers 503 with
// Retry-After within its deadline (query_timeout), none hangs; sessions
// already in memory keep working; /healthz says 503; when the lock goes,
// service comes back without a restart.
func TestPostgresConnectionsHeld(t *testing.T) {
	if testing.Short() {
		t.Skip("long: -short")
	}
	const queryTimeout = 2 * time.Second
	dsn := pgtest.NewDatabase(t)
	srv := testserver.Start(t, testserver.WithDSN(withParams(dsn, "pool_max_conns=4&query_timeout="+queryTimeout.String())))
	alice := loginCloudAPI(t, srv, "alice")

	ctx := context.Background()
	holder, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close(ctx)
	tx, err := holder.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var tables string
	if err := tx.QueryRow(ctx, `SELECT string_agg(quote_ident(tablename), ', ') FROM pg_tables WHERE schemaname = current_schema()`).Scan(&tables); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "LOCK TABLE "+tables+" IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	held := time.Now()
	// If requests hung, release the lock after releaseAfter so the test
	// fails on their times instead of hanging.
	const releaseAfter = 30 * time.Second
	release := time.AfterFunc(releaseAfter, func() { _ = tx.Rollback(context.Background()) })
	defer release.Stop()

	// Four times the pool: logins (writes) and session lists (reads).
	type result struct {
		what   string
		status int
		retry  bool
		took   time.Duration
		body   string
	}
	results := make(chan result, 16)
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			what, method, path, auth := "login", http.MethodPost, "/cloudapi/1.0.0/sessions", basic("bob")
			if i%2 == 1 {
				what, method, path, auth = "list", http.MethodGet, "/cloudapi/1.0.0/sessions", "Bearer "+alice
			}
			start := time.Now()
			st, hdr, body := sendNoFatal(srv, method, path, "Authorization", auth, "Accept", accept)
			results <- result{what, st, hdr.Get("Retry-After") != "", time.Since(start), string(body)}
		}()
	}
	// While they wait: a session in memory is served, /healthz is 503.
	time.Sleep(500 * time.Millisecond)
	if st, _, body := send(t, srv, http.MethodGet, "/cloudapi/1.0.0/sessions/current", "Authorization", "Bearer "+alice, "Accept", accept); st != http.StatusOK {
		t.Errorf("a session in memory answers %d while the pool is held: %s", st, body)
	}
	if st, _, _ := send(t, srv, http.MethodGet, "/healthz"); st != http.StatusServiceUnavailable {
		t.Errorf("/healthz answers %d while every connection is held", st)
	}
	wg.Wait()
	close(results)
	var slowest time.Duration
	n := 0
	for r := range results {
		n++
		slowest = max(slowest, r.took)
		if r.status != http.StatusServiceUnavailable || !r.retry {
			t.Errorf("%s while the pool is held: %d (Retry-After %v) after %v: %s", r.what, r.status, r.retry, r.took, r.body)
		}
		// The deadline (a read and a write at most, query_timeout each),
		// plus time to answer on a busy machine: the lock is held far
		// longer (releaseAfter), so a request that waited on it would show.
		if r.took > 2*queryTimeout+2*time.Second {
			t.Errorf("%s took %v to fail (query_timeout %v)", r.what, r.took, queryTimeout)
		}
	}
	t.Logf("%d requests while every connection was held: all 503 with Retry-After, slowest %v (query_timeout %v)", n, slowest.Round(time.Millisecond), queryTimeout)

	if !release.Stop() {
		t.Fatalf("requests were still waiting after %v: the lock was released by the timer", releaseAfter)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("lock held for %v", time.Since(held).Round(time.Millisecond))
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, _, body := send(t, srv, http.MethodPost, "/cloudapi/1.0.0/sessions", "Authorization", basic("bob"), "Accept", accept)
		if st == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("10 s after the lock was released a login answers %d: %s", st, body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if st, _, _ := send(t, srv, http.MethodGet, "/healthz"); st != http.StatusOK {
		t.Errorf("/healthz answers %d after the lock was released", st)
	}
}

// PostgreSQL's disk_full (53100) from the real server, raised by a trigger
// on every table a login or a token registration writes: each dialect
// answers 503 saying storage is full, not 500 and not "unavailable"; when
// the fault goes, writes succeed again.
func TestPostgresDiskFull(t *testing.T) {
	if testing.Short() {
		t.Skip("long: -short")
	}
	dsn := pgtest.NewDatabase(t)
	srv := testserver.Start(t, testserver.WithDSN(dsn))
	alice := loginCloudAPI(t, srv, "alice")

	execSQL(t, dsn, `CREATE FUNCTION disk_full() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN RAISE EXCEPTION 'could not extend file: No space left on device' USING ERRCODE = 'disk_full'; END $$`)
	for _, table := range []string{"sessions", "api_tokens", "audit"} {
		execSQL(t, dsn, "CREATE TRIGGER disk_full BEFORE INSERT OR UPDATE ON "+table+" FOR EACH ROW EXECUTE FUNCTION disk_full()")
	}
	for _, w := range []struct {
		name, method, path, body string
		header                   []string
	}{
		{"cloudapi login", http.MethodPost, "/cloudapi/1.0.0/sessions", "", []string{"Authorization", basic("carol"), "Accept", accept}},
		{"api (XML) login", http.MethodPost, "/api/sessions", "", []string{"Authorization", basic("carol"), "Accept", "application/*+xml;version=37.0"}},
		{"vss request-token", http.MethodPost, "/auth/request-token", "", []string{"Authorization", basic("bob")}},
		{"vchs login", http.MethodPost, "/api/vchs/sessions", "", []string{"Authorization", basic("carol"), "Accept", "application/xml;version=5.6"}},
		{"oauth register", http.MethodPost, "/oauth/tenant/acme/register", `{"client_name":"while-full"}`, []string{"Authorization", "Bearer " + alice, "Content-Type", "application/json"}},
	} {
		st, hdr, body := sendBody(t, srv, w.method, w.path, w.body, w.header...)
		wantFull(t, w.name, st, body)
		if hdr.Get("Retry-After") == "" {
			t.Errorf("%s: 503 without Retry-After", w.name)
		}
	}
	for _, table := range []string{"sessions", "api_tokens", "audit"} {
		execSQL(t, dsn, "DROP TRIGGER disk_full ON "+table)
	}
	if st, _, body := send(t, srv, http.MethodPost, "/cloudapi/1.0.0/sessions", "Authorization", basic("carol"), "Accept", accept); st != http.StatusOK {
		t.Fatalf("with space again a login answers %d: %s", st, body)
	}
}

func withParams(dsn, params string) string {
	if strings.Contains(dsn, "?") {
		return dsn + "&" + params
	}
	return dsn + "?" + params
}

// sendNoFatal is send for goroutines: a transport error is status 0.
func sendNoFatal(srv *testserver.Server, method, path string, header ...string) (int, http.Header, []byte) {
	req, err := http.NewRequest(method, srv.URL+path, nil)
	if err != nil {
		return 0, http.Header{}, []byte(err.Error())
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Add(header[i], header[i+1])
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		return 0, http.Header{}, []byte(err.Error())
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return resp.StatusCode, resp.Header, []byte(b.String())
}
