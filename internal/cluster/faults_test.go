package cluster

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/cloudgate/cloudgate/internal/store/postgres/pgtest"
)

// PostgreSQL crashes (immediate stop: no shutdown checkpoint) and comes back
// while two instances are under load. While it is down, requests that need
// it fail fast with 503 and Retry-After, sessions in memory keep working
// and /healthz says so; within 5 s of its return at least 99 % of requests
// succeed; and every acknowledged login and logout is still in force.
// The server is private to the test (initdb in a temporary directory), so
// stopping it disturbs nobody.
func TestPostgresRestartUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("long: -short")
	}
	pg := pgtest.StartPrivate(t)
	dsn := pg.NewDatabase(t)
	ins := startInstances(t, dsn, 2)
	a, b := ins[0], ins[1]

	cached := []session{mustLogin(t, a, "alice", "acme"), mustLogin(t, b, "bob", "acme")}
	for _, s := range cached {
		wantStatus(t, s.token, http.StatusOK, a, b)
	}
	rec := newRecorder()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	// Served from memory: validation of sessions both instances cached.
	for w := range 2 {
		loop(&wg, stop, func(i int) {
			in := ins[(i+w)%2]
			tok := cached[i%2].token
			rec.timed("memory", in, func() (int, bool) {
				return statusOf(do(in, http.MethodGet, "/cloudapi/1.0.0/sessions/current", tok, nil))
			})
			time.Sleep(2 * time.Millisecond)
		})
	}
	// Needing the database: logins, first use elsewhere, logouts.
	for w, user := range []string{"carol", "erin"} {
		loop(&wg, stop, func(i int) {
			rec.sessionCycle(ins[(i+w)%2], ins[(i+w+1)%2], user, i%2 == 0)
		})
	}
	loop(&wg, stop, func(int) {
		rec.timed("healthz", a, func() (int, bool) { return statusOf(do(a, http.MethodGet, "/healthz", "", nil)) })
		time.Sleep(50 * time.Millisecond)
	})

	time.Sleep(1500 * time.Millisecond)
	down := time.Now()
	pg.Crash()
	crashed := time.Now()
	time.Sleep(3 * time.Second)
	restarting := time.Now() // it may accept connections before Start returns
	pg.Start()
	up := time.Now()
	time.Sleep(7 * time.Second)
	close(stop)
	wg.Wait()
	t.Logf("crash took %v; down for %v; load ran %v after the return", crashed.Sub(down).Round(time.Millisecond),
		up.Sub(down).Round(time.Millisecond), 7*time.Second)

	// While down (after the crash completed, before the server was back).
	during := func(o outcome) bool {
		return o.start.After(crashed.Add(200*time.Millisecond)) && o.start.Add(o.took).Before(restarting)
	}
	mem := rec.filter(func(o outcome) bool { return o.kind == "memory" && during(o) })
	for _, o := range mem {
		if !ok(o) {
			t.Errorf("a session served from memory failed during the outage: %+v", o)
			break
		}
	}
	db := rec.filter(func(o outcome) bool {
		return (o.kind == "login" || o.kind == "first-use" || o.kind == "logout") && during(o)
	})
	var slowest time.Duration
	for _, o := range db {
		slowest = max(slowest, o.took)
		if o.status != http.StatusServiceUnavailable || !o.retry {
			t.Errorf("a request needing the database got %d (Retry-After %v) during the outage: %+v", o.status, o.retry, o)
			break
		}
	}
	if len(db) == 0 || len(mem) == 0 {
		t.Fatalf("no requests during the outage (memory %d, database %d)", len(mem), len(db))
	}
	if slowest > 3*time.Second {
		t.Errorf("a request needing the database took %v to fail: not fast", slowest)
	}
	health := rec.filter(func(o outcome) bool { return o.kind == "healthz" && during(o) })
	for _, o := range health {
		if o.status != http.StatusServiceUnavailable {
			t.Errorf("healthz said %d while the database was down", o.status)
			break
		}
	}
	t.Logf("during the outage: %d memory requests all 200; %d database requests all 503 with Retry-After, slowest %v; %d health checks 503",
		len(mem), len(db), slowest.Round(time.Millisecond), len(health))

	// After the return.
	var firstOK time.Duration = -1
	for _, o := range rec.filter(func(o outcome) bool { return o.kind == "login" && o.start.After(up) && ok(o) }) {
		if d := o.start.Add(o.took).Sub(up); firstOK < 0 || d < firstOK {
			firstOK = d
		}
	}
	after := rec.filter(func(o outcome) bool { return o.kind != "healthz" && o.start.After(up.Add(5*time.Second)) })
	good := 0
	for _, o := range after {
		if ok(o) {
			good++
		}
	}
	if len(after) == 0 || float64(good) < 0.99*float64(len(after)) {
		t.Errorf("from 5 s after the database returned: %d of %d requests succeeded (want >= 99 %%)", good, len(after))
	}
	healthAfter := rec.filter(func(o outcome) bool { return o.kind == "healthz" && o.start.After(up.Add(5*time.Second)) })
	for _, o := range healthAfter {
		if o.status != http.StatusOK {
			t.Errorf("healthz said %d 5 s after the database returned", o.status)
			break
		}
	}
	t.Logf("after the return: first login succeeded after %v; from 5 s on %d of %d requests succeeded", firstOK.Round(time.Millisecond), good, len(after))

	checkAcknowledged(t, rec, a, b)
}

// checkAcknowledged: every acknowledged login still works and every
// acknowledged logout is still refused, on every instance given.
func checkAcknowledged(t *testing.T, rec *recorder, ins ...*instance) {
	t.Helper()
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.live) == 0 || len(rec.ended) == 0 {
		t.Fatalf("nothing acknowledged to check (%d live, %d ended)", len(rec.live), len(rec.ended))
	}
	for tok, by := range rec.live {
		for _, in := range ins {
			if code := current(in, tok); code != http.StatusOK {
				t.Errorf("a login acknowledged by %s answers %d on %s: lost", by, code, in.name)
			}
		}
	}
	for tok, by := range rec.ended {
		for _, in := range ins {
			if code := current(in, tok); code != http.StatusUnauthorized {
				t.Errorf("a logout acknowledged by %s answers %d on %s: the revoked session got through", by, code, in.name)
			}
		}
	}
	t.Logf("acknowledged writes checked on %d instances: %d logins live, %d logouts refused", len(ins), len(rec.live), len(rec.ended))
}

// kill -9 of one of three instances under load: the two others keep
// serving without a single failure, and everything the killed one
// acknowledged (logins, logouts) holds on the others.
func TestKillInstanceUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("long: -short")
	}
	dsn := pgtest.NewDatabase(t)
	ins := startInstances(t, dsn, 3)
	a, b, c := ins[0], ins[1], ins[2]
	cached := mustLogin(t, a, "alice", "acme")
	wantStatus(t, cached.token, http.StatusOK, a, b, c)

	rec := newRecorder()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	loop(&wg, stop, func(i int) {
		in := ins[i%3]
		rec.timed("memory", in, func() (int, bool) {
			return statusOf(do(in, http.MethodGet, "/cloudapi/1.0.0/sessions/current", cached.token, nil))
		})
		time.Sleep(time.Millisecond)
	})
	// Logins on B used and logged out on A and C, and the reverse.
	for w, user := range []string{"carol", "erin"} {
		loop(&wg, stop, func(i int) {
			pairs := [][2]*instance{{b, a}, {b, c}, {a, b}, {c, b}}
			p := pairs[(i+w)%len(pairs)]
			rec.sessionCycle(p[0], p[1], user, i%3 != 0)
		})
	}
	time.Sleep(2 * time.Second)
	killed := time.Now()
	b.kill9()
	time.Sleep(2 * time.Second)
	close(stop)
	wg.Wait()

	var failures, total int
	for _, o := range rec.filter(func(o outcome) bool { return o.instance != b.name }) {
		total++
		if !ok(o) {
			failures++
			t.Errorf("request to surviving instance %s failed: %+v (B killed at %v)", o.instance, o, killed.Format("15:04:05.000"))
		}
	}
	ackedByB := 0
	rec.mu.Lock()
	for _, by := range rec.live {
		if by == b.name {
			ackedByB++
		}
	}
	for _, by := range rec.ended {
		if by == b.name {
			ackedByB++
		}
	}
	rec.mu.Unlock()
	if ackedByB == 0 {
		t.Fatal("B acknowledged nothing before it was killed")
	}
	t.Logf("surviving instances: %d requests, %d failures; B had acknowledged %d logins/logouts", total, failures, ackedByB)
	checkAcknowledged(t, rec, a, c)
}
