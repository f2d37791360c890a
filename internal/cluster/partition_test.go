package cluster

import (
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/cloudgate/cloudgate/internal/store/postgres/pgtest"
)

// proxy forwards TCP connections to a target until it is cut: then it
// drops every connection and refuses new ones, as a network partition
// between one instance and the database would.
type proxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	conns  map[net.Conn]bool
	cut    bool
}

func newProxy(t *testing.T, target string) *proxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, target: target, conns: map[net.Conn]bool{}}
	t.Cleanup(func() { ln.Close(); p.setCut(true) })
	go p.serve()
	return p
}

func (p *proxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		go p.pipe(c)
	}
}

func (p *proxy) pipe(c net.Conn) {
	p.mu.Lock()
	if p.cut {
		p.mu.Unlock()
		c.Close()
		return
	}
	p.mu.Unlock()
	up, err := net.DialTimeout("tcp", p.target, 5*time.Second)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	if p.cut {
		p.mu.Unlock()
		c.Close()
		up.Close()
		return
	}
	p.conns[c], p.conns[up] = true, true
	p.mu.Unlock()
	go func() { _, _ = io.Copy(up, c); up.Close(); c.Close() }()
	_, _ = io.Copy(c, up)
	up.Close()
	c.Close()
}

func (p *proxy) setCut(cut bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = cut
	if cut {
		for c := range p.conns {
			c.Close()
		}
		clear(p.conns)
	}
}

// An instance cut off from the database cannot hear a logout another
// instance acknowledges. It serves what it has in memory for at most
// --max-stale, then answers 503: the revoked session is never honoured
// for longer than that. Once reconnected it refuses the session (401).
func TestPartitionedInstanceFailsClosed(t *testing.T) {
	if testing.Short() {
		t.Skip("long: -short")
	}
	dsn := pgtest.NewDatabase(t)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	p := newProxy(t, u.Host)
	viaProxy := *u
	viaProxy.Host = p.ln.Addr().String()
	c := startOne(t, dsn, "C")
	a := startOne(t, viaProxy.String(), "A", "--max-stale", "2s")

	s := mustLogin(t, c, "alice", "acme")
	wantStatus(t, s.token, http.StatusOK, a, c)
	p.setCut(true)
	if got := del(c, "/cloudapi/1.0.0/sessions/current", s.token); got != http.StatusNoContent {
		t.Fatalf("logout on C = %d", got)
	}
	ended := time.Now()
	var last200 time.Duration
	saw503 := false
	for time.Since(ended) < 4*time.Second {
		resp, _, err := do(a, http.MethodGet, "/cloudapi/1.0.0/sessions/current", s.token, nil)
		if err != nil {
			t.Fatal(err)
		}
		switch resp.StatusCode {
		case http.StatusOK:
			last200 = time.Since(ended)
		case http.StatusServiceUnavailable:
			saw503 = true
			if resp.Header.Get("Retry-After") == "" {
				t.Fatal("503 without Retry-After")
			}
		default:
			t.Fatalf("cut-off instance answered %d", resp.StatusCode)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !saw503 || last200 > 3*time.Second {
		t.Fatalf("cut-off instance honoured the revoked session until %v after the logout (503 seen: %v); want at most --max-stale (2s) plus a poll", last200, saw503)
	}
	t.Logf("cut off: revoked session honoured until %v after the logout, then 503", last200.Round(time.Millisecond))

	p.setCut(false)
	healed := time.Now()
	for {
		code := current(a, s.token)
		if code == http.StatusUnauthorized {
			break
		}
		if code == http.StatusOK {
			t.Fatal("reconnected instance honours the revoked session")
		}
		if time.Since(healed) > 10*time.Second {
			t.Fatalf("reconnected instance still answers %d", code)
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("reconnected: refused (401) %v after the partition healed", time.Since(healed).Round(time.Millisecond))
	fresh := mustLogin(t, a, "bob", "acme")
	wantStatus(t, fresh.token, http.StatusOK, a, c)
}
