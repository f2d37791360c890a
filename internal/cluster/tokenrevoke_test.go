package cluster

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// tokenCase is a revocation case of TestThreeInstancesRevocation for API
// tokens: bob registers and mints a token on A and trades it for sessions
// on A and on B; revoke (run on C) must end both on every instance, and
// afterwards the refresh_token grant with the token is refused everywhere
// while bob's password session, which the token did not make, lives on.
func tokenCase(name string, revoke func(t *testing.T, c *trio)) revocation {
	return revocation{
		name: name,
		setup: func(t *testing.T, c *trio) []string {
			c.victim = mustLogin(t, c.a, "bob", "acme")
			c.token = newAPIToken(t, c.a, "acme", c.victim, name)
			return []string{mustExchange(t, c.a, "acme", c.token), mustExchange(t, c.b, "acme", c.token)}
		},
		revoke: revoke,
		after: func(t *testing.T, c *trio) {
			wantGrantRefused(t, "acme", c.token.secret, c.a, c.b, c.c)
			wantStatus(t, c.victim.token, http.StatusOK, c.a, c.b, c.c)
			for _, in := range []*instance{c.a, c.b, c.c} {
				if code, _ := get(in, "/cloudapi/1.0.0/tokens/"+c.token.urn(), c.victim.token); code != http.StatusForbidden {
					t.Fatalf("GET tokens/{urn} of the revoked token on %s = %d, want 403", in.name, code)
				}
			}
		},
	}
}

// grantTry is one refresh_token grant of a concurrent run.
type grantTry struct {
	on          *instance
	start, end  time.Time
	code        int
	access, err string
}

// tokenRevokedUnderExchanges revokes a token on C while clients trade it
// for sessions on A, B and C at once. An exchange's transaction pins the
// token row and a revocation updates it, so across instances every
// exchange either commits before the revocation (which then ends its
// session) or sees it: no grant that starts after the DELETE answered may
// succeed, no session of the token may be live in the store afterwards,
// and every acknowledged one is refused on every instance.
func tokenRevokedUnderExchanges(t *testing.T, c *trio) {
	owner := mustLogin(t, c.a, "bob", "acme")
	tok := newAPIToken(t, c.a, "acme", owner, "race")
	ins := []*instance{c.a, c.b, c.c}

	stop := make(chan struct{})
	var mu sync.Mutex
	var tries []grantTry
	var wg sync.WaitGroup
	for i := range 6 {
		in := ins[i%3]
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Each client stops at its first refusal, as a script would:
			// refused grants count against the address's failure budget.
			for refused := false; !refused; {
				select {
				case <-stop:
					return
				default:
				}
				g := grantTry{on: in, start: time.Now()}
				g.code, g.access, g.err = exchange(in, "acme", tok.secret)
				g.end = time.Now()
				refused = g.code != http.StatusOK
				mu.Lock()
				tries = append(tries, g)
				mu.Unlock()
			}
		}()
	}
	time.Sleep(300 * time.Millisecond)
	sent := time.Now()
	revokeByID(t, c.c, tok, owner.token)
	revoked := time.Now()
	time.Sleep(300 * time.Millisecond)
	close(stop)
	wg.Wait()

	var before, after int
	var live []string
	for _, g := range tries {
		switch {
		case g.code == http.StatusOK:
			live = append(live, g.access)
			if g.start.After(revoked) {
				t.Errorf("a grant that started %v after the revocation answered succeeded on %s", g.start.Sub(revoked), g.on.name)
			}
			before++
		case g.code == http.StatusBadRequest && g.err == "invalid_grant":
			if g.end.Before(sent) {
				t.Errorf("a grant on %s was refused before the DELETE was sent", g.on.name)
			}
			after++
		default:
			t.Errorf("grant on %s answered %d %q", g.on.name, g.code, g.err)
		}
	}
	if before == 0 || after == 0 {
		t.Fatalf("%d grants succeeded and %d were refused: the revocation did not land among exchanges", before, after)
	}
	t.Logf("%d sessions made before the revocation, %d grants refused after it; the DELETE took %v under load",
		before, after, revoked.Sub(sent).Round(time.Microsecond))
	for _, access := range live {
		refusedWithin(t, access, 5*time.Second, ins...)
	}
	if n := countRows(t, c.dsn, `SELECT count(*) FROM sessions WHERE token_id = $1 AND ended_at = 0`, tok.id); n != 0 {
		t.Fatalf("%d sessions of the revoked token are live in the store", n)
	}
	if n := countRows(t, c.dsn, `SELECT count(*) FROM sessions WHERE token_id = $1`, tok.id); n < int64(before) {
		t.Fatalf("the store holds %d sessions of the token, but %d were acknowledged", n, before)
	}
}

// countRows runs a count query on the test's database.
func countRows(t testing.TB, dsn, query string, args ...any) int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var n int64
	if err := conn.QueryRow(ctx, query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}
