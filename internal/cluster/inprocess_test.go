package cluster

import (
	"context"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/cloudgate/cloudgate/internal/testserver"
	"github.com/cloudgate/cloudgate/internal/urn"
)

// clock is a shared fake clock for in-process servers.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// inLogin logs alice in on an in-process server and returns the token.
func inLogin(t testing.TB, srv *testserver.Server) (token string, id urn.UUID) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/cloudapi/1.0.0/sessions", nil)
	req.Header.Set("Accept", accept)
	req.SetBasicAuth("alice@acme", testserver.Password)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("login: %s", resp.Status)
	}
	token = resp.Header.Get("X-VMWARE-VCLOUD-ACCESS-TOKEN")
	s, err := srv.Server.Sessions().Resolve(context.Background(), token)
	if err != nil {
		t.Fatal(err)
	}
	return token, s.ID
}

func inCurrent(t testing.TB, srv *testserver.Server, token string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/cloudapi/1.0.0/sessions/current", nil)
	req.Header.Set("Accept", accept)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// A session used on A is not idle-expired by B, which has not seen it for
// longer than the timeout: B asks the store, where A's write-behind put
// the later activity. Touches merge by maximum: B's later activity is not
// lowered by A's older one. Unused everywhere, it expires everywhere.
func TestIdleTimeoutAcrossInstances(t *testing.T) {
	dsn := newDatabase(t)
	clk := &clock{t: time.Now().UTC().Truncate(time.Second)}
	a := testserver.Start(t, testserver.WithDSN(dsn), testserver.WithClock(clk.Now))
	b := testserver.Start(t, testserver.WithDSN(dsn), testserver.WithClock(clk.Now))
	t0 := clk.Now()
	tok, id := inLogin(t, a)
	if got := inCurrent(t, b, tok); got != http.StatusOK {
		t.Fatalf("B at t0: %d", got)
	}
	lastActive := func(want time.Time) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			rec, err := a.Store().SessionByID(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			if rec.LastActive.Equal(want) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("stored last activity %v, want %v", rec.LastActive.Sub(t0), want.Sub(t0))
			}
			time.Sleep(10 * time.Millisecond)
		}
	}

	clk.advance(20 * time.Minute)
	if got := inCurrent(t, a, tok); got != http.StatusOK {
		t.Fatalf("A at +20m: %d", got)
	}
	lastActive(t0.Add(20 * time.Minute)) // written behind by A

	clk.advance(20 * time.Minute) // +40m: B last saw it 40 minutes ago
	if got := inCurrent(t, b, tok); got != http.StatusOK {
		t.Fatalf("B at +40m expired a session A served at +20m: %d", got)
	}
	lastActive(t0.Add(40 * time.Minute)) // written behind by B
	// A writes its older activity again: the maximum stays.
	if got := inCurrent(t, a, tok); got != http.StatusOK {
		t.Fatalf("A at +40m: %d", got)
	}
	time.Sleep(200 * time.Millisecond) // several flush intervals
	lastActive(t0.Add(40 * time.Minute))

	clk.advance(31 * time.Minute) // unused for longer than the timeout
	for name, srv := range map[string]*testserver.Server{"A": a, "B": b} {
		if got := inCurrent(t, srv, tok); got != http.StatusUnauthorized {
			t.Fatalf("%s after 31 idle minutes: %d, want 401", name, got)
		}
	}
}
