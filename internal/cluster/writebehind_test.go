package cluster

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/cloudgate/cloudgate/internal/store/postgres/pgtest"
)

// TestWriteBehindUnderLoad runs, on three instances at once, what takes
// row locks on tokens and sessions: exchanges (pin token, user and org,
// insert a session), use of the sessions on other instances (session
// activity written behind, TouchSessions), token last-use written behind
// (TouchTokens), token revocations (token row, then its sessions in id
// order) and logouts. Afterwards PostgreSQL's own count of deadlocks on
// the database must be zero, every answer must be one the operation
// allows, and both write-behinds must have reached the store.
// CLOUDGATE_WRITEBEHIND_SECONDS sets the length of the run (default 7: the
// activity of a session is queued again only after 5 s).
func TestWriteBehindUnderLoad(t *testing.T) {
	run := 7 * time.Second
	if v := os.Getenv("CLOUDGATE_WRITEBEHIND_SECONDS"); v != "" {
		d, err := time.ParseDuration(v + "s")
		if err != nil || d <= 0 {
			t.Fatalf("CLOUDGATE_WRITEBEHIND_SECONDS=%q", v)
		}
		run = d
	}
	dsn := pgtest.NewDatabase(t)
	ins := startInstances(t, dsn, 3)
	owners := []string{"alice", "bob", "carol", "erin"}
	l := &loadTokens{}
	for i, u := range owners {
		s := mustLogin(t, ins[i%3], u, "acme")
		for j := range 2 {
			l.add(newAPIToken(t, ins[i%3], "acme", s, fmt.Sprintf("load-%d", j)), s, ins[i%3])
		}
	}
	// Long-lived password sessions used on every instance all along, so
	// that their activity is written behind while the rest goes on.
	var longLived []string
	for i := range 6 {
		longLived = append(longLived, mustLogin(t, ins[i%3], owners[i%len(owners)], "acme").token)
	}

	var bad badAnswers
	var lat latencies
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 9 {
		in, other := ins[w%3], ins[(w+1)%3]
		loop(&wg, stop, func(i int) {
			lt := l.pick(w*31 + i)
			start := time.Now()
			code, access, e := exchange(in, "acme", lt.tok.secret)
			lat.add("exchange", time.Since(start))
			switch {
			case code == http.StatusOK:
				l.used(lt.tok)
			case code == http.StatusBadRequest && e == "invalid_grant" && l.revokedBefore(lt.tok, time.Now()):
				return
			default:
				bad.add("exchange on %s: %d %s", in.name, code, e)
				return
			}
			// A session of a token whose revocation is under way may be
			// refused (401); anything else must work.
			want := func(got, ok int, what string, on *instance) {
				if got != ok && (got != http.StatusUnauthorized || !l.revokedBefore(lt.tok, time.Now())) {
					bad.add("%s on %s: %d", what, on.name, got)
				}
			}
			want(current(other, access), http.StatusOK, "GET sessions/current of a token session", other)
			if got := current(other, longLived[(w+i)%len(longLived)]); got != http.StatusOK {
				bad.add("GET sessions/current of a password session on %s: %d", other.name, got)
			}
			if i%5 == 4 {
				third := ins[(w+2)%3]
				want(del(third, "/cloudapi/1.0.0/sessions/current", access), http.StatusNoContent, "logout", third)
			}
		})
	}
	// One revoker replaces a token now and then: DELETE on one instance
	// while the others keep exchanging it, then a new token in its place.
	loop(&wg, stop, func(i int) {
		time.Sleep(500 * time.Millisecond)
		slot := i % l.size()
		old := l.slot(slot)
		at := ins[(i+1)%3]
		l.markRevoked(old.tok)
		start := time.Now()
		if got := del(at, "/cloudapi/1.0.0/tokens/"+old.tok.urn(), old.owner.token); got != http.StatusNoContent {
			bad.add("DELETE token on %s: %d", at.name, got)
		}
		lat.add("revocation", time.Since(start))
		l.replace(slot, newAPIToken(t, old.on, "acme", old.owner, fmt.Sprintf("load-r%d", i)))
	})
	time.Sleep(run)
	close(stop)
	wg.Wait()
	for _, msg := range bad.list() {
		t.Error(msg)
	}
	lat.log(t)

	// Stopping the instances writes what is pending and closes their
	// connections, whose statistics PostgreSQL then publishes.
	for _, in := range ins {
		in.stop()
	}
	for _, in := range ins {
		b, _ := os.ReadFile(in.log)
		for _, line := range strings.Split(string(b), "\n") {
			if strings.Contains(line, "level=WARN") || strings.Contains(line, "level=ERROR") {
				t.Errorf("instance %s: %s", in.name, line)
			}
		}
	}
	if n := deadlocks(t, dsn); n != 0 {
		t.Errorf("PostgreSQL detected %d deadlocks", n)
	}
	if n := countRows(t, dsn, `SELECT count(*) FROM api_tokens WHERE id = ANY($1) AND last_used_at = 0`, l.usedIDs()); n != 0 {
		t.Errorf("%d exchanged tokens have no last use recorded", n)
	}
	if n := countRows(t, dsn, `SELECT count(*) FROM sessions WHERE last_active > created_at`); n == 0 {
		t.Error("no session activity was written behind")
	}
}

// deadlocks waits until no other connection is open on dsn's database
// and returns PostgreSQL's count of deadlocks detected in it.
func deadlocks(t *testing.T, dsn string) int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	for {
		var others int64
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND pid <> pg_backend_pid()`).Scan(&others); err != nil {
			t.Fatal(err)
		}
		if others == 0 {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%d connections still open on the database", others)
		case <-time.After(50 * time.Millisecond):
		}
	}
	var n int64
	if _, err := conn.Exec(ctx, `SELECT pg_stat_clear_snapshot()`); err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRow(ctx, `SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// loadToken is a token of a load run with who owns it and where it was
// made.
type loadToken struct {
	tok   apiToken
	owner session
	on    *instance
}

// loadTokens are the tokens a load run exchanges; revoked ones are
// replaced in their slot.
type loadTokens struct {
	mu      sync.Mutex
	slots   []loadToken
	revoked map[string]time.Time // token id -> when its revocation was sent
	usedSet map[string]bool      // ids of tokens exchanged at least once
}

func (l *loadTokens) used(tok apiToken) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.usedSet == nil {
		l.usedSet = map[string]bool{}
	}
	l.usedSet[tok.id] = true
}

func (l *loadTokens) usedIDs() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var ids []string
	for id := range l.usedSet {
		ids = append(ids, id)
	}
	return ids
}

func (l *loadTokens) add(tok apiToken, owner session, on *instance) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.slots = append(l.slots, loadToken{tok, owner, on})
}

func (l *loadTokens) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.slots)
}

func (l *loadTokens) pick(i int) loadToken { return l.slot(i % l.size()) }

func (l *loadTokens) slot(i int) loadToken {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.slots[i]
}

func (l *loadTokens) replace(i int, tok apiToken) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.slots[i].tok = tok
}

func (l *loadTokens) markRevoked(tok apiToken) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.revoked == nil {
		l.revoked = map[string]time.Time{}
	}
	l.revoked[tok.id] = time.Now()
}

// revokedBefore reports whether tok's revocation was sent before at.
func (l *loadTokens) revokedBefore(tok apiToken, at time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	sent, ok := l.revoked[tok.id]
	return ok && sent.Before(at)
}

// badAnswers collects unexpected answers from many goroutines.
type badAnswers struct {
	mu   sync.Mutex
	msgs []string
}

func (b *badAnswers) add(format string, args ...any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.msgs) < 20 {
		b.msgs = append(b.msgs, fmt.Sprintf(format, args...))
	}
}

func (b *badAnswers) list() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.msgs
}

// latencies keeps how long each kind of request took.
type latencies struct {
	mu sync.Mutex
	m  map[string][]time.Duration
}

func (l *latencies) add(kind string, d time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.m == nil {
		l.m = map[string][]time.Duration{}
	}
	l.m[kind] = append(l.m[kind], d)
}

func (l *latencies) log(t *testing.T) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for kind, ds := range l.m {
		slices.Sort(ds)
		t.Logf("%d %ss: median %v, p99 %v, max %v", len(ds), kind, ds[len(ds)/2].Round(10*time.Microsecond),
			ds[min(len(ds)-1, len(ds)*99/100)].Round(10*time.Microsecond), ds[len(ds)-1].Round(10*time.Microsecond))
	}
}
