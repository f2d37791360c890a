package cluster

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cloudgate/cloudgate/internal/audit"
	"github.com/cloudgate/cloudgate/internal/identity"
	"github.com/cloudgate/cloudgate/internal/secret"
	sessionpkg "github.com/cloudgate/cloudgate/internal/session"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/store/postgres/pgtest"
	"github.com/cloudgate/cloudgate/internal/store/sqlite"
	"github.com/cloudgate/cloudgate/internal/testserver"
	"github.com/cloudgate/cloudgate/internal/urn"
)

func newDatabase(tb testing.TB) string { return pgtest.NewDatabase(tb) }

// benchDatabase is a fresh database with CLOUDGATE_BENCH_PG_PARAMS (for
// example "pool_max_conns=32") appended to its DSN.
func benchDatabase(tb testing.TB) string {
	dsn := pgtest.NewDatabase(tb)
	if p := os.Getenv("CLOUDGATE_BENCH_PG_PARAMS"); p != "" {
		dsn += "&" + p
	}
	return dsn
}

// driverDSN is dsn without cloudgate's own parameters, for connecting to
// the benchmark's database directly.
func driverDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return dsn
	}
	q := u.Query()
	q.Del("pool_max_conns")
	q.Del("query_timeout")
	u.RawQuery = q.Encode()
	return u.String()
}

// backends names the stores compared, with a DSN maker ("" = testserver's
// fresh SQLite file).
var backends = []struct {
	name string
	dsn  func(testing.TB) string
}{
	{"sqlite", func(testing.TB) string { return "" }},
	{"postgres", benchDatabase},
}

func startBench(b *testing.B, dsn string) *testserver.Server {
	var opts []testserver.Option
	if dsn != "" {
		opts = append(opts, testserver.WithDSN(dsn))
	}
	return testserver.Start(b, opts...)
}

// BenchmarkValidate is token validation (GET sessions/current over TLS on
// loopback) on one instance with each store. The hot path never touches
// the store, so the two should be within noise of each other.
//
//	go test -run '^$' -bench Validate -benchtime 5s ./internal/cluster
func BenchmarkValidate(b *testing.B) {
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			srv := startBench(b, be.dsn(b))
			tok, _ := inLogin(b, srv)
			client := srv.Client()
			client.Transport.(*http.Transport).MaxIdleConnsPerHost = 256
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				req, _ := http.NewRequest(http.MethodGet, srv.URL+"/cloudapi/1.0.0/sessions/current", nil)
				req.Header.Set("Accept", accept)
				req.Header.Set("Authorization", "Bearer "+tok)
				for pb.Next() {
					resp, err := client.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					// Read to the end so the connection is reused.
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						b.Errorf("status %d", resp.StatusCode)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
		})
	}
}

// BenchmarkCreateSession creates sessions through session.Manager.Create
// (the transaction an API-token exchange runs, less the token pin: pin the
// user, insert the session, cache it) with 32 concurrent callers. It is
// the store-bound part of a login; password logins add argon2id on top.
//
//	go test -run '^$' -bench CreateSession -benchtime 5s ./internal/cluster
func BenchmarkCreateSession(b *testing.B) {
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			srv := startBench(b, be.dsn(b))
			ctx := context.Background()
			dir := srv.Server.Directory()
			// Many callers log in as a few dozen users, as a busy
			// installation would.
			var specs []sessionpkg.Spec
			for i := range 32 {
				name := fmt.Sprintf("bench%02d", i)
				if _, err := dir.CreateUser(ctx, audit.CLI(), identity.UserSpec{Org: "acme", Name: name,
					Password: testserver.Password, Role: "vApp Author"}); err != nil {
					b.Fatal(err)
				}
				u, org, err := dir.User(ctx, "acme", name)
				if err != nil {
					b.Fatal(err)
				}
				role, err := dir.RoleOf(ctx, u)
				if err != nil {
					b.Fatal(err)
				}
				specs = append(specs, sessionpkg.Spec{User: u, Org: org, Role: role, Origin: store.OriginPassword,
					Dialect: "cloudapi", ClientIP: "127.0.0.1"})
			}
			var failed atomic.Int64
			var next atomic.Int64
			b.SetParallelism(16) // 16 x GOMAXPROCS callers
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				spec := specs[int(next.Add(1))%len(specs)]
				for pb.Next() {
					if _, err := srv.Server.Sessions().Create(ctx, spec); err != nil {
						failed.Add(1)
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sessions/s")
			if n := failed.Load(); n > 0 {
				b.Fatalf("%d creations failed", n)
			}
		})
	}
}

// BenchmarkInsertSession is the raw store rate: one Update inserting one
// session, from 16 x GOMAXPROCS concurrent callers.
//
//	go test -run '^$' -bench InsertSession -benchtime 5s ./internal/cluster
func BenchmarkInsertSession(b *testing.B) {
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			ctx := context.Background()
			var st store.Store
			var err error
			if dsn := be.dsn(b); dsn != "" {
				srv := startBench(b, dsn)
				st = srv.Store()
			} else {
				st, err = sqlite.Open(ctx, b.TempDir()+"/bench.db")
				if err != nil {
					b.Fatal(err)
				}
				defer st.Close()
			}
			userID, orgID := urn.New(), urn.New()
			now := time.Now()
			b.SetParallelism(16)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					_, d := secret.NewToken(secret.PrefixSession)
					s := store.Session{ID: urn.New(), Digest: d, UserID: userID, OrgID: orgID, Origin: store.OriginPassword,
						Dialect: "cloudapi", ClientIP: "127.0.0.1", CreatedAt: now, LastActive: now, ExpiresAt: now.Add(time.Hour), Idle: true}
					if err := st.Update(ctx, func(tx store.Tx) error { return tx.InsertSession(ctx, s) }); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "inserts/s")
		})
	}
}

// BenchmarkPasswordLogin is POST /cloudapi/1.0.0/sessions against one
// `cloudgate serve` process with production argon2id parameters, with
// enough concurrent callers to keep its hash workers busy. It is bound by
// hashing, not by the store; the store-bound part is BenchmarkCreateSession.
//
//	go test -run '^$' -bench PasswordLogin -benchtime 10s ./internal/cluster
func BenchmarkPasswordLogin(b *testing.B) {
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			dsn := be.dsn(b)
			if dsn == "" {
				dsn = "sqlite://" + b.TempDir() + "/cloudgate.db"
			}
			in := startOne(b, dsn, "A")
			b.SetParallelism(2) // keeps the hash workers (one per CPU) busy
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, code, err := login(in, "alice", "acme", userPassword); err != nil {
						b.Errorf("login: %d %v", code, err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "logins/s")
		})
	}
}

// BenchmarkExchange is the refresh_token grant (an API token traded for a
// durable session) over HTTP against one `cloudgate serve` process, with
// 32 x GOMAXPROCS concurrent clients, on SQLite and on PostgreSQL. tokens=1
// is one script hammering one token (every exchange pins the same token,
// user and org rows); tokens=16 spreads the load over 16 tokens of four
// users. On PostgreSQL it then checks that the database holds a session
// for every exchange that was answered 200.
//
//	go test -run '^$' -bench Exchange -benchtime 5s ./internal/cluster
func BenchmarkExchange(b *testing.B) {
	owners := []string{"alice", "bob", "carol", "erin"}
	for _, be := range backends {
		for _, ntok := range []int{1, 16} {
			b.Run(fmt.Sprintf("%s/tokens=%d", be.name, ntok), func(b *testing.B) {
				dsn := be.dsn(b)
				pg := dsn != ""
				if !pg {
					dsn = "sqlite://" + b.TempDir() + "/cloudgate.db"
				}
				in := startOne(b, dsn, "A", "--log-level", "warn")
				var bodies []string
				for i := range ntok {
					owner := mustLogin(b, in, owners[i%len(owners)], "acme")
					tok := newAPIToken(b, in, "acme", owner, fmt.Sprintf("bench-%d", i))
					bodies = append(bodies, refreshBody(tok.secret))
				}
				var next atomic.Int64
				var ok atomic.Int64
				b.SetParallelism(32)
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					body := bodies[int(next.Add(1))%len(bodies)]
					for pb.Next() {
						code, resp := post(in, "/oauth/tenant/acme/token", formType, body, "")
						if code != http.StatusOK {
							b.Errorf("exchange: %d %s", code, resp)
							return
						}
						ok.Add(1)
					}
				})
				b.StopTimer()
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "exchanges/s")
				if pg {
					if n := countRows(b, driverDSN(dsn), `SELECT count(*) FROM sessions WHERE origin = 'apiToken'`); n < ok.Load() {
						b.Fatalf("%d exchanges acknowledged, %d sessions in the database", ok.Load(), n)
					}
				}
			})
		}
	}
}
