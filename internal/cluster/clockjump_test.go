package cluster

import (
	"net/http"
	"testing"
	"time"

	"github.com/cloudgate/cloudgate/internal/testserver"
)

// The server's clock (the injected Now) jumps forward and back, as a
// misconfigured or corrected NTP does. A session never outlives its
// limits as the clock tells them, and is not brought back when the clock
// returns; no lock, throttle or address budget lasts as long as the clock
// was ahead (here a year: in effect forever).
func TestClockJumps(t *testing.T) {
	if testing.Short() {
		t.Skip("long: -short")
	}
	start := func(t *testing.T) (*testserver.Server, *clock) {
		clk := &clock{t: time.Now().UTC().Truncate(time.Second)}
		return testserver.Start(t, testserver.WithClock(clk.Now)), clk
	}
	const year = 365 * 24 * time.Hour

	t.Run("an idle session stays ended when the clock comes back", func(t *testing.T) {
		srv, clk := start(t)
		tok, _ := inLogin(t, srv)
		clk.advance(31 * time.Minute)
		if got := inCurrent(t, srv, tok); got != http.StatusUnauthorized {
			t.Fatalf("31 idle minutes later: %d, want 401", got)
		}
		clk.advance(-31 * time.Minute)
		if got := inCurrent(t, srv, tok); got != http.StatusUnauthorized {
			t.Fatalf("the clock came back and the idle session answers %d", got)
		}
	})

	t.Run("a session used while the clock was ahead ends when it goes back", func(t *testing.T) {
		srv, clk := start(t)
		tok, _ := inLogin(t, srv)
		clk.advance(20 * time.Minute)
		if got := inCurrent(t, srv, tok); got != http.StatusOK {
			t.Fatalf("+20m: %d", got)
		}
		// Back by two hours: the session was used "in the future"; how
		// long it has really been idle is unknown.
		clk.advance(-2 * time.Hour)
		if got := inCurrent(t, srv, tok); got != http.StatusUnauthorized {
			t.Fatalf("after the clock went back 2h the session answers %d, want 401", got)
		}
		clk.advance(2*time.Hour + 5*time.Minute)
		if got := inCurrent(t, srv, tok); got != http.StatusUnauthorized {
			t.Fatalf("a session ended for the clock came back: %d", got)
		}
		if tok2, _ := inLogin(t, srv); inCurrent(t, srv, tok2) != http.StatusOK {
			t.Fatal("a new login after the jump does not work")
		}
	})

	t.Run("a small step back is tolerated", func(t *testing.T) {
		srv, clk := start(t)
		tok, _ := inLogin(t, srv)
		clk.advance(-30 * time.Second)
		if got := inCurrent(t, srv, tok); got != http.StatusOK {
			t.Fatalf("30 s back: %d, want 200", got)
		}
	})

	t.Run("forward past the absolute lifetime", func(t *testing.T) {
		srv, clk := start(t)
		tok, _ := inLogin(t, srv)
		// Used every 20 minutes, it never idles out; the absolute limit
		// (24 h by default) still ends it, and going back does not undo it.
		for i := 0; i < 3*24; i++ {
			clk.advance(20 * time.Minute)
			if got := inCurrent(t, srv, tok); got != http.StatusOK {
				if i < 3*24-1 {
					t.Fatalf("ended early at +%v: %d", time.Duration(i+1)*20*time.Minute, got)
				}
			}
		}
		clk.advance(time.Minute)
		if got := inCurrent(t, srv, tok); got != http.StatusUnauthorized {
			t.Fatalf("past the absolute lifetime: %d", got)
		}
		clk.advance(-12 * time.Hour)
		if got := inCurrent(t, srv, tok); got != http.StatusUnauthorized {
			t.Fatalf("the clock went back 12h and the expired session answers %d", got)
		}
	})

	t.Run("a lockout made while the clock was a year ahead", func(t *testing.T) {
		srv, clk := start(t)
		clk.advance(year)
		for range 10 {
			if st := loginStatus(t, srv, "carol@acme", "wrong-password-1"); st != http.StatusUnauthorized {
				t.Fatalf("wrong password: %d", st)
			}
		}
		if st := loginStatus(t, srv, "carol@acme", testserver.Password); st != http.StatusUnauthorized {
			t.Fatalf("after 10 failures carol is not locked: %d", st)
		}
		clk.advance(-year)
		if st := loginStatus(t, srv, "carol@acme", testserver.Password); st != http.StatusOK {
			t.Fatalf("back at the real time carol is still locked out: %d (the lock would last a year)", st)
		}
		// The lock itself still works at the corrected time.
		for range 10 {
			loginStatus(t, srv, "carol@acme", "wrong-password-1")
		}
		if st := loginStatus(t, srv, "carol@acme", testserver.Password); st != http.StatusUnauthorized {
			t.Fatalf("10 failures at the corrected time do not lock: %d", st)
		}
		clk.advance(16 * time.Minute)
		if st := loginStatus(t, srv, "carol@acme", testserver.Password); st != http.StatusOK {
			t.Fatalf("16 minutes after the lock: %d", st)
		}
	})

	t.Run("the System administrator's throttle", func(t *testing.T) {
		srv, clk := start(t)
		clk.advance(year)
		for range 10 {
			loginStatus(t, srv, "administrator@System", "wrong-password-1")
		}
		if st := loginStatus(t, srv, "administrator@System", testserver.AdminPassword); st != http.StatusUnauthorized {
			t.Fatalf("after 10 failures the administrator is not throttled: %d", st)
		}
		clk.advance(-year)
		if st := loginStatus(t, srv, "administrator@System", testserver.AdminPassword); st != http.StatusOK {
			t.Fatalf("back at the real time the administrator is still throttled: %d (for a year)", st)
		}
	})

	t.Run("an address budget used up while the clock was ahead", func(t *testing.T) {
		srv, clk := start(t)
		clk.advance(year)
		for i := range 100 {
			if st := loginStatus(t, srv, "nobody@acme", "wrong-password-1"); st != http.StatusUnauthorized {
				t.Fatalf("failure %d: %d", i, st)
			}
		}
		if st := loginStatus(t, srv, "dave@globex", testserver.Password); st == http.StatusOK {
			t.Fatal("100 failures from one address do not stop it")
		}
		clk.advance(-year)
		if st := loginStatus(t, srv, "dave@globex", testserver.Password); st != http.StatusOK {
			t.Fatalf("back at the real time the address is still blocked: %d (for a year)", st)
		}
	})
}

// loginStatus tries a /cloudapi login and returns the status.
func loginStatus(t *testing.T, srv *testserver.Server, userAtOrg, password string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/cloudapi/1.0.0/sessions", nil)
	if userAtOrg == "administrator@System" {
		req.URL.Path += "/provider"
	}
	req.Header.Set("Accept", accept)
	req.SetBasicAuth(userAtOrg, password)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
