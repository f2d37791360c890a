package serviceaccount_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/store/postgres/pgtest"
	"github.com/cloudgate/cloudgate/internal/testserver"
)

// auditCount counts audit events of typ about the account id.
func auditCount(t *testing.T, srv *testserver.Server, typ, id string) int {
	t.Helper()
	events, _, err := srv.Store().AuditEvents(t.Context(), store.AuditQuery{Type: typ})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range events {
		if e.Subject == urnOf(id) {
			n++
		}
	}
	return n
}

// A refresh token rotated away and presented again is a replay: the
// answer is invalid_grant and the whole grant ends (the current refresh
// token and every session of the account), audited; the account is
// CREATED and can be authorized again, and tokens of the ended grant
// cannot touch the new one.
func TestReplayRevokesTheGrant(t *testing.T) {
	clk := &clock{}
	h := newHarness(t, testserver.WithClock(clk.now))
	c := h.c
	id := c.newAccount(acme, h.admin, "vApp Author")
	_, r1, a1 := c.activate(acme, id, h.alice)
	tokens, sessions := []string{r1}, []string{a1}
	for range 2 {
		r := c.refresh(acme, tokens[len(tokens)-1])
		if r.status != http.StatusOK {
			t.Fatalf("refresh: %d %s", r.status, r.body)
		}
		tokens, sessions = append(tokens, r.str(t, "refresh_token")), append(sessions, r.str(t, "access_token"))
	}
	for i, s := range sessions {
		if c.current(s) != http.StatusOK {
			t.Fatalf("session %d before the replay is refused", i)
		}
	}

	// Misdirected uses are refused without retiring or revoking anything.
	current := tokens[2]
	if r := c.refresh("tenant/globex", current); r.code() != "invalid_grant" {
		t.Fatalf("at another org: %d %s", r.status, r.body)
	}
	if r := c.do(http.MethodPost, "/oauth/tenant/acme/token", form("grant_type", "refresh_token", "refresh_token", current,
		"client_id", "00000000-0000-4000-8000-000000000000"), "Content-Type", formType); r.code() != "invalid_grant" {
		t.Fatalf("with another client_id: %d %s", r.status, r.body)
	}
	if c.status(h.admin, id) != "ACTIVE" {
		t.Fatal("a misdirected refresh changed the account")
	}

	// Within the race window a retired token is refused as a concurrent
	// use, and nothing is revoked; after it, its use is a replay.
	r := c.refresh(acme, tokens[0])
	if r.code() != "invalid_grant" || !strings.Contains(r.str(t, "error_description"), "concurrent") || c.current(sessions[2]) != http.StatusOK {
		t.Fatalf("retired token within the race window: %d %s", r.status, r.body)
	}
	clk.pastRaceWindow()
	r = c.refresh(acme, tokens[0])
	if r.status != http.StatusBadRequest || r.code() != "invalid_grant" || !strings.Contains(r.str(t, "error_description"), "already used") {
		t.Fatalf("replay: %d %s", r.status, r.body)
	}
	for i, s := range sessions {
		if c.current(s) != http.StatusUnauthorized {
			t.Fatalf("session %d survived the replay", i)
		}
	}
	if r := c.refresh(acme, current); r.code() != "invalid_grant" {
		t.Fatalf("the current token after the replay: %d %s", r.status, r.body)
	}
	if got := c.status(h.admin, id); got != "CREATED" {
		t.Fatalf("status after the replay %q", got)
	}
	if auditCount(t, c.srv, "serviceAccount.replay", id) != 1 || auditCount(t, c.srv, "serviceAccount.revoke", id) != 1 {
		t.Fatal("the replay and the revocation are not audited once each")
	}

	// Authorized again: a new grant; tokens of the old one are unknown now
	// and presenting them does not end the new grant.
	_, fresh, access := c.activate(acme, id, h.alice)
	clk.pastRaceWindow()
	for _, old := range tokens {
		if r := c.refresh(acme, old); r.code() != "invalid_grant" {
			t.Fatalf("old token against the new grant: %d %s", r.status, r.body)
		}
	}
	if c.current(access) != http.StatusOK {
		t.Fatal("old tokens ended the new grant")
	}
	if r := c.refresh(acme, fresh); r.status != http.StatusOK {
		t.Fatalf("the new grant's token: %d %s", r.status, r.body)
	}
	if auditCount(t, c.srv, "serviceAccount.replay", id) != 1 {
		t.Fatal("tokens of an ended grant were taken for a replay")
	}
}

// Many concurrent refreshes of one token: exactly one gets a successor,
// every other gets invalid_grant saying so (never a 5xx, never a second
// successor), and nothing is revoked; the losers' token is retired, so
// presenting it once the race window passed is a replay. On SQLite and
// PostgreSQL.
func TestConcurrentRefresh(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			clk := &clock{}
			opts := []testserver.Option{testserver.WithClock(clk.now)}
			if backend == "postgres" {
				opts = append(opts, testserver.WithDSN(pgtest.NewDatabase(t)))
			}
			h := newHarness(t, opts...)
			c := h.c
			id := c.newAccount(acme, h.admin, "vApp Author")
			_, token, first := c.activate(acme, id, h.alice)
			const n = 24
			for round := range 4 {
				var wg sync.WaitGroup
				replies := make([]reply, n)
				start := make(chan struct{})
				for i := range n {
					wg.Add(1)
					go func() {
						defer wg.Done()
						<-start
						replies[i] = c.refresh(acme, token)
					}()
				}
				close(start)
				wg.Wait()
				var winners []reply
				for _, r := range replies {
					switch {
					case r.status == http.StatusOK:
						winners = append(winners, r)
					case r.status != http.StatusBadRequest || field(r.body, "error") != "invalid_grant":
						t.Fatalf("round %d: a loser got %d %s", round, r.status, r.body)
					case !strings.Contains(field(r.body, "error_description"), "concurrent"):
						t.Fatalf("round %d: a loser was not told why: %s", round, r.body)
					}
				}
				if len(winners) != 1 {
					t.Fatalf("round %d: %d successors, want exactly 1", round, len(winners))
				}
				if c.current(field(winners[0].body, "access_token")) != http.StatusOK || c.current(first) != http.StatusOK {
					t.Fatalf("round %d: sessions refused after a race", round)
				}
				token = field(winners[0].body, "refresh_token")
			}
			if c.status(h.admin, id) != "ACTIVE" {
				t.Fatal("a race revoked the grant")
			}
			// Many chains at once, one per account, each rotated in a loop.
			var wg sync.WaitGroup
			for range 6 {
				acct := c.newAccount(acme, h.admin, "vApp User")
				_, tok, _ := c.activate(acme, acct, h.alice)
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range 10 {
						r := c.refresh(acme, tok)
						if r.status != http.StatusOK {
							t.Errorf("chain step %d: %d %s", i, r.status, r.body)
							return
						}
						tok = field(r.body, "refresh_token")
					}
				}()
			}
			wg.Wait()
			// A token that lost a race is retired: its later use is a replay.
			r := c.refresh(acme, token)
			if r.status != http.StatusOK {
				t.Fatalf("refresh: %d %s", r.status, r.body)
			}
			clk.pastRaceWindow()
			if r := c.refresh(acme, token); !strings.Contains(field(r.body, "error_description"), "already used") {
				t.Fatalf("reuse after the race: %d %s", r.status, r.body)
			}
			if c.status(h.admin, id) != "CREATED" || c.current(first) != http.StatusUnauthorized {
				t.Fatal("the replay did not end the grant")
			}
		})
	}
}

// clock is a time source shared by a server and the test: a fixed
// instant, or (zero base) the real time, plus what the test advanced.
type clock struct {
	mu   sync.Mutex
	base time.Time
	off  time.Duration
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.base.IsZero() {
		return time.Now().Add(c.off)
	}
	return c.base.Add(c.off)
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.off += d
	c.mu.Unlock()
}

// pastRaceWindow moves the clock beyond the time within which a retired
// token still counts as a concurrent use (5 s), so its use is a replay.
func (c *clock) pastRaceWindow() { c.advance(6 * time.Second) }

// Polling before the approval: authorization_pending at the interval,
// slow_down (with a longer interval each time) when faster; after a deny
// access_denied; after 600 s expired_token, for pending, granted and
// denied codes alike. An expired user code cannot be approved.
func TestPollingAndExpiry(t *testing.T) {
	clk := &clock{base: time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)}
	h := newHarness(t, testserver.WithClock(clk.now))
	c := h.c
	id := c.newAccount(acme, h.admin, "vApp Author")
	a := c.authorize(acme, id)
	device, user := a.str(t, "device_code"), a.str(t, "user_code")
	steps := []struct {
		wait time.Duration
		code string
		msg  string
	}{
		{0, "authorization_pending", ""},
		{time.Second, "slow_down", "10 seconds"},
		{6 * time.Second, "slow_down", "15 seconds"},
		{16 * time.Second, "authorization_pending", ""},
		{15 * time.Second, "authorization_pending", ""},
	}
	for i, s := range steps {
		clk.advance(s.wait)
		r := c.poll(acme, id, device)
		if r.status != http.StatusBadRequest || r.code() != s.code || !strings.Contains(r.str(t, "error_description"), s.msg) {
			t.Fatalf("poll %d: %d %s; want %s", i, r.status, r.body, s.code)
		}
	}
	clk.advance(10 * time.Minute)
	if r := c.poll(acme, id, device); r.code() != "expired_token" {
		t.Fatalf("pending code after 600 s: %d %s", r.status, r.body)
	}
	for _, what := range []string{"", "grant", "deny"} {
		if r := c.decide(what, h.alice, user); r.status != http.StatusBadRequest {
			t.Fatalf("%s with an expired user code: %d %s", what, r.status, r.body)
		}
	}
	if c.status(h.admin, id) != "REQUESTED" {
		t.Fatal("an expired code changed the account")
	}

	// Granted but not redeemed in time.
	a = c.authorize(acme, id)
	if r := c.decide("grant", h.alice, a.str(t, "user_code")); r.status != http.StatusNoContent {
		t.Fatalf("grant: %d %s", r.status, r.body)
	}
	clk.advance(10*time.Minute + time.Second)
	if r := c.poll(acme, id, a.str(t, "device_code")); r.code() != "expired_token" {
		t.Fatalf("granted code after 600 s: %d %s", r.status, r.body)
	}

	// Denied: access_denied until it expires.
	a = c.authorize(acme, id)
	if r := c.decide("deny", h.alice, strings.ToLower(a.str(t, "user_code"))); r.status != http.StatusNoContent {
		t.Fatalf("deny: %d %s", r.status, r.body)
	}
	if r := c.poll(acme, id, a.str(t, "device_code")); r.code() != "access_denied" {
		t.Fatalf("denied code: %d %s", r.status, r.body)
	}
	clk.advance(11 * time.Minute)
	if r := c.poll(acme, id, a.str(t, "device_code")); r.code() != "expired_token" {
		t.Fatalf("denied code after 600 s: %d %s", r.status, r.body)
	}
	if auditCount(t, c.srv, "serviceAccount.deny", id) != 1 || auditCount(t, c.srv, "serviceAccount.grant", id) != 1 {
		t.Fatal("approvals are not audited")
	}
}
