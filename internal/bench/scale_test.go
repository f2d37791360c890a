package bench

import (
	"context"
	"database/sql"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx", for relation sizes

	"github.com/cloudgate/cloudgate/internal/identity"
	"github.com/cloudgate/cloudgate/internal/secret"
	"github.com/cloudgate/cloudgate/internal/seed"
	"github.com/cloudgate/cloudgate/internal/server"
	"github.com/cloudgate/cloudgate/internal/session"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/store/backend"
	"github.com/cloudgate/cloudgate/internal/store/postgres/pgtest"
	"github.com/cloudgate/cloudgate/internal/urn"
)

// TestScale measures what must stay flat as the store grows: with
// CLOUDGATE_SCALE sessions (a tenth as many API tokens) generated through
// the store's bulk path (store.BulkWriter), on SQLite and, when it is
// reachable, PostgreSQL (CLOUDGATE_SCALE_BACKENDS, default both):
//
//	CLOUDGATE_SCALE=1000000 go test -run=TestScale -v -timeout=60m ./internal/bench
//
// It reports the time from opening the store to the first answered
// request, the p50/p99 of validating sessions this instance has not cached
// (one store read each), of the first and a filtered page of /sessions and
// /tokens, the database bytes per session and per token, and the longest
// writer hold of the sweeper's bounded purge (half the sessions are
// expired and purge-eligible) measured through session.SweepBatches while
// single-session inserts run beside it. Run it at two sizes to see the
// slope.
func TestScale(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("CLOUDGATE_SCALE"))
	if n <= 0 {
		t.Skip("set CLOUDGATE_SCALE=<sessions> to measure")
	}
	backends := os.Getenv("CLOUDGATE_SCALE_BACKENDS")
	if backends == "" {
		backends = "sqlite,postgres"
	}
	for _, b := range strings.Split(backends, ",") {
		t.Run(b, func(t *testing.T) {
			var dsn string
			switch b {
			case "sqlite":
				dsn = "sqlite://" + filepath.Join(t.TempDir(), "scale.db")
			case "postgres":
				dsn = pgtest.NewDatabase(t) // skips loudly when unavailable
			default:
				t.Fatalf("unknown backend %q", b)
			}
			scale(t, dsn, n)
		})
	}
}

const adminPassword = "Admin-password-1"

func scale(t *testing.T, dsn string, n int) {
	ctx := context.Background()
	open := func() (store.Store, *server.Server, *httptest.Server) {
		st, err := backend.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		// The sweeper waits an hour: the test runs the purge itself, timed.
		srv, err := server.New(ctx, server.Options{Store: st, Log: slog.New(slog.DiscardHandler), SweepInterval: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		return st, srv, httptest.NewServer(srv.Handler())
	}

	// Generate: 100 users in one org, n sessions (half expired over a day
	// ago, so the sweeper may purge them), n/10 API tokens.
	st, srv, hs := open()
	if _, err := srv.Directory().EnsureAdmin(ctx, adminPassword); err != nil {
		t.Fatal(err)
	}
	if _, err := seed.Apply(ctx, srv.Directory(), seed.File{Orgs: []seed.Org{{Name: "acme", Users: []seed.User{
		{Name: "bob", Password: password, Role: "vApp Author"}}}}}); err != nil {
		t.Fatal(err)
	}
	acct, _, err := srv.Directory().Authenticate(ctx, identity.Credentials{Org: "acme", User: "bob", Password: password, ClientIP: "192.0.2.7"})
	if err != nil {
		t.Fatal(err)
	}
	bob := acct.User
	now := time.Now()
	users := make([]store.User, 100)
	must(t, st.Update(ctx, func(tx store.Tx) error {
		for i := range users {
			users[i] = store.User{ID: urn.New(), OrgID: bob.OrgID, Name: fmt.Sprintf("user%03d", i), Kind: store.KindUser,
				RoleID: bob.RoleID, PasswordHash: bob.PasswordHash, Enabled: true, CreatedAt: now, UpdatedAt: now}
			if err := tx.InsertUser(ctx, users[i]); err != nil {
				return err
			}
		}
		return nil
	}))
	sizeBefore := dbBytes(t, dsn)
	var sample []string // tokens of live sessions, to validate uncached
	genStart := time.Now()
	const chunk = 4096
	for done := 0; done < n; {
		m := min(chunk, n-done)
		ss := make([]store.Session, m)
		for i := range ss {
			k := done + i
			u := users[k%len(users)]
			created := now.Add(-time.Duration(k%3600) * time.Second)
			expires := created.Add(24 * time.Hour)
			if k%2 == 1 {
				created, expires = now.Add(-72*time.Hour), now.Add(-48*time.Hour)
			}
			id := urn.NewTimeOrdered(created)
			tok, d := secret.NewSessionToken(id)
			if k%2 == 0 && len(sample) < 2000 && k%(max(n/4000, 2)) == 0 {
				sample = append(sample, tok)
			}
			ss[i] = store.Session{ID: id, Digest: d, UserID: u.ID, OrgID: u.OrgID, Origin: store.OriginPassword,
				Dialect: "cloudapi", ClientIP: "192.0.2.7", UserAgent: "scale/1.0", CreatedAt: created,
				LastActive: created, ExpiresAt: expires, Idle: false}
		}
		must(t, st.Update(ctx, func(tx store.Tx) error { return tx.InsertSessions(ctx, ss) }))
		done += m
	}
	genSessions := time.Since(genStart)
	sizeSessions := dbBytes(t, dsn)
	genStart = time.Now()
	for done := 0; done < n/10; {
		m := min(chunk, n/10-done)
		ts := make([]store.APIToken, m)
		for i := range ts {
			u := users[(done+i)%len(users)]
			_, d := secret.NewToken(secret.PrefixAPIToken)
			ts[i] = store.APIToken{ID: urn.New(), Name: fmt.Sprintf("token-%d", done+i), OwnerID: u.ID, OrgID: u.OrgID,
				Type: "apiToken", Digest: d, CreatedAt: now, MintedAt: now}
		}
		must(t, st.Update(ctx, func(tx store.Tx) error { return tx.InsertTokens(ctx, ts) }))
		done += m
	}
	genTokens := time.Since(genStart)
	sizeTokens := dbBytes(t, dsn)
	hs.Close()
	srv.Close()
	t.Logf("generated %d sessions in %v (%.0f/s), %d tokens in %v", n, genSessions.Round(time.Millisecond),
		float64(n)/genSessions.Seconds(), n/10, genTokens.Round(time.Millisecond))
	t.Logf("database bytes per session %.0f, per API token %.0f", float64(sizeSessions-sizeBefore)/float64(n),
		float64(sizeTokens-sizeSessions)/float64(n/10))

	// Start to ready: open the store, build the server, answer /healthz.
	start := time.Now()
	st, srv, hs = open()
	defer func() { hs.Close(); srv.Close() }()
	if code, _ := get(t, hs.URL+"/healthz", ""); code != 200 {
		t.Fatalf("healthz %d", code)
	}
	t.Logf("start to ready: %v", time.Since(start).Round(time.Millisecond))

	// Uncached validation: each sampled session is read from the store once.
	var lat []time.Duration
	for _, tok := range sample {
		t0 := time.Now()
		if code, body := get(t, hs.URL+"/cloudapi/1.0.0/sessions/current", "Bearer "+tok); code != 200 {
			t.Fatalf("current: %d %s", code, body)
		}
		lat = append(lat, time.Since(t0))
	}
	t.Logf("uncached validation (%d sessions): %s", len(lat), percentiles(lat))

	// Pages, as the System administrator (sees every session and token).
	// On PostgreSQL twice: as the bulk load leaves the tables, and after
	// VACUUM has marked their pages all-visible (what autovacuum does in
	// time), which lets a count read an index without visiting rows.
	admin := adminBearer(t, hs.URL)
	pages(t, hs.URL, admin, "")
	if !strings.HasPrefix(dsn, "sqlite://") {
		db, err := sql.Open("pgx", dsn)
		must(t, err)
		t0 := time.Now()
		_, err = db.ExecContext(ctx, `VACUUM (ANALYZE) sessions, api_tokens`)
		must(t, err)
		db.Close()
		t.Logf("VACUUM (ANALYZE) took %v", time.Since(t0).Round(time.Millisecond))
		pages(t, hs.URL, admin, "after VACUUM: ")
	}

	// The sweeper's purge, while one writer inserts a session at a time as
	// logins do (the inserts' latency is what a login waits for the
	// sweeper). First as the sweeper did before 0008, fixed 250-row
	// batches back to back; then through the sweeper's own batching
	// (session.SweepBatches, sized to a time budget, pausing between
	// batches). Each runs for at most CLOUDGATE_SCALE_SWEEP (default 60s;
	// a full purge of n/2 rows takes many minutes).
	sweepFor := time.Minute
	if d, err := time.ParseDuration(os.Getenv("CLOUDGATE_SCALE_SWEEP")); err == nil && d > 0 {
		sweepFor = d
	}
	cutoff := now.Add(-24 * time.Hour)
	purgeAll := 0
	sweepPhase(t, st, users[0], "fixed 250-row batches", sweepFor, func(ctx context.Context, st session.Updater) (session.SweepStats, error) {
		var stats session.SweepStats
		for ctx.Err() == nil {
			var k int
			t0 := time.Now()
			err := st.Update(ctx, func(tx store.Tx) error {
				var err error
				k, err = tx.PurgeSessionsUpTo(ctx, cutoff, 250)
				return err
			})
			if err != nil {
				purgeAll += stats.Rows
				return stats, err
			}
			d := time.Since(t0)
			stats.Batches, stats.Rows, stats.Total, stats.Longest = stats.Batches+1, stats.Rows+k, stats.Total+d, max(stats.Longest, d)
			if k < 250 {
				break
			}
		}
		purgeAll += stats.Rows
		return stats, nil
	})
	sweepPhase(t, st, users[0], "session.SweepBatches", sweepFor, func(ctx context.Context, st session.Updater) (session.SweepStats, error) {
		stats, err := session.SweepBatches(ctx, st, func(tx store.Tx, limit int) (int, error) {
			return tx.PurgeSessionsUpTo(ctx, cutoff, limit)
		})
		purgeAll += stats.Rows
		return stats, err
	})
	t.Logf("purged %d of %d expired sessions", purgeAll, n/2)
}

// sweepPhase runs sweep for at most d while inserting one session of u at
// a time, and logs the sweep's writer holds and the inserts' latency.
func sweepPhase(t *testing.T, st store.Store, u store.User, name string, d time.Duration,
	sweep func(context.Context, session.Updater) (session.SweepStats, error)) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	inserts := make(chan []time.Duration)
	go func() {
		var lat []time.Duration
		defer func() { inserts <- lat }()
		for ctx.Err() == nil {
			at := time.Now()
			id := urn.NewTimeOrdered(at)
			_, dg := secret.NewSessionToken(id)
			s := store.Session{ID: id, Digest: dg, UserID: u.ID, OrgID: u.OrgID, Origin: store.OriginPassword, Dialect: "cloudapi",
				ClientIP: "192.0.2.7", UserAgent: "scale/1.0", CreatedAt: at, LastActive: at, ExpiresAt: at.Add(time.Hour)}
			t0 := time.Now()
			bg := context.Background() // an insert begun before the deadline completes
			if err := st.Update(bg, func(tx store.Tx) error { return tx.InsertSessions(bg, []store.Session{s}) }); err != nil {
				t.Error(err)
				return
			}
			lat = append(lat, time.Since(t0))
			time.Sleep(5 * time.Millisecond)
		}
	}()
	t0 := time.Now()
	split := &splitUpdater{st: st}
	stats, err := sweep(ctx, split)
	if err != nil && ctx.Err() == nil {
		t.Fatal(err)
	}
	took := time.Since(t0)
	cancel()
	lat := <-inserts
	t.Logf("sweep, %s: %d sessions in %d transactions over %v: longest writer hold %v, average %v",
		name, stats.Rows, stats.Batches, took.Round(time.Millisecond), stats.Longest.Round(time.Microsecond),
		(stats.Total / time.Duration(max(stats.Batches, 1))).Round(time.Microsecond))
	t.Logf("  transactions split into waiting to start / the purge's statements / the rest (other writes of the batch, commit): %s", split)
	if len(lat) > 0 {
		t.Logf("single-session inserts beside it (%d): %s", len(lat), percentiles(lat))
	}
}

// splitUpdater runs each transaction on st and splits its time into the
// wait before the function started (a group committer's queue, a pool),
// the function itself (the purge's statements) and the rest (what ran
// after it in the same batch, and the commit): which of them a long hold
// was decides what to change.
type splitUpdater struct {
	st  session.Updater
	all []txSplit
}

type txSplit struct{ total, wait, fn, rest time.Duration }

func (s *splitUpdater) Update(ctx context.Context, fn func(tx store.Tx) error) error {
	var start, end time.Time
	t0 := time.Now()
	err := s.st.Update(ctx, func(tx store.Tx) error {
		start = time.Now()
		defer func() { end = time.Now() }()
		return fn(tx)
	})
	t1 := time.Now()
	if !start.IsZero() && !end.IsZero() {
		sp := txSplit{total: t1.Sub(t0), wait: start.Sub(t0), fn: end.Sub(start), rest: t1.Sub(end)}
		s.all = append(s.all, sp)
	}
	return err
}

// String is the sums and percentiles of each part, then the five longest
// transactions as total = wait / function / rest.
func (s *splitUpdater) String() string {
	var b strings.Builder
	if len(s.all) > 0 {
		var tot, fn, rest []time.Duration
		var fnSum, restSum time.Duration
		for _, sp := range s.all {
			tot, fn, rest = append(tot, sp.total), append(fn, sp.fn), append(rest, sp.rest)
			fnSum, restSum = fnSum+sp.fn, restSum+sp.rest
		}
		fmt.Fprintf(&b, "[sums: purge %v, rest %v] ", fnSum.Round(time.Millisecond), restSum.Round(time.Millisecond))
		q := func(d []time.Duration) string {
			slices.Sort(d)
			p := func(x float64) time.Duration {
				return d[min(len(d)-1, int(x*float64(len(d))))].Round(100 * time.Microsecond)
			}
			return fmt.Sprintf("p50 %v p90 %v p99 %v", p(0.5), p(0.9), p(0.99))
		}
		fmt.Fprintf(&b, "[all %d: total %s; purge %s; rest %s] ", len(s.all), q(tot), q(fn), q(rest))
	}
	longest := slices.Clone(s.all)
	slices.SortFunc(longest, func(a, b txSplit) int { return int(b.total - a.total) })
	for i, sp := range longest[:min(len(longest), 5)] {
		if i > 0 {
			b.WriteString("; ")
		}
		r := func(d time.Duration) time.Duration { return d.Round(100 * time.Microsecond) }
		fmt.Fprintf(&b, "%v = %v / %v / %v", r(sp.total), r(sp.wait), r(sp.fn), r(sp.rest))
	}
	return b.String()
}

// pages logs the latency of the first and a filtered page of /sessions
// and /tokens, 20 requests each; a failed request is an error, and its
// time still counts.
func pages(t *testing.T, base, admin, label string) {
	var lat []time.Duration
	for _, pg := range []string{
		"/cloudapi/1.0.0/sessions?page=1&pageSize=25",
		"/cloudapi/1.0.0/sessions?page=1&pageSize=25&filter=user.name==user042",
		"/cloudapi/1.0.0/tokens?page=1&pageSize=25",
		"/cloudapi/1.0.0/tokens?page=1&pageSize=25&filter=owner.name==user042",
	} {
		lat = lat[:0]
		for i := 0; i < 20; i++ {
			t0 := time.Now()
			if code, body := get(t, base+pg, admin); code != 200 {
				t.Errorf("%s: %d %s after %v", pg, code, body, time.Since(t0))
			}
			lat = append(lat, time.Since(t0))
		}
		t.Logf("%sGET %s: %s", label, pg, percentiles(lat))
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func get(t *testing.T, url, auth string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Accept", "application/json;version=37.0")
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func adminBearer(t *testing.T, base string) string {
	req, _ := http.NewRequest("POST", base+"/cloudapi/1.0.0/sessions/provider", nil)
	req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("administrator@System:"+adminPassword)))
	req.Header.Set("Accept", "application/json;version=37.0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("admin login: %v %v", resp, err)
	}
	resp.Body.Close()
	return "Bearer " + resp.Header.Get("X-Vmware-Vcloud-Access-Token")
}

func percentiles(d []time.Duration) string {
	s := slices.Clone(d)
	slices.Sort(s)
	p := func(q float64) time.Duration { return s[min(len(s)-1, int(q*float64(len(s))))] }
	return fmt.Sprintf("p50 %v, p99 %v, max %v", p(0.5).Round(time.Microsecond), p(0.99).Round(time.Microsecond), s[len(s)-1].Round(time.Microsecond))
}

// dbBytes is the database's size on disk: the SQLite file and its WAL, or
// PostgreSQL's sessions and api_tokens relations with their indexes.
func dbBytes(t *testing.T, dsn string) int64 {
	if path, ok := strings.CutPrefix(dsn, "sqlite://"); ok {
		var n int64
		for _, f := range []string{path, path + "-wal"} {
			if fi, err := os.Stat(f); err == nil {
				n += fi.Size()
			}
		}
		return n
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int64
	if err := db.QueryRow(`SELECT pg_total_relation_size('sessions') + pg_total_relation_size('api_tokens')`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
