package gate_test

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cloudgate/cloudgate/internal/gate"
)

// stallAfterStart answers 200, sends the first bytes of its body, and then
// sends nothing more until the client goes away.
func stallAfterStart(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/octet-stream")
	w.WriteHeader(http.StatusOK)
	io.WriteString(w, "the first bytes")
	w.(http.Flusher).Flush()
	<-r.Context().Done()
}

// An upstream that stops in the middle of its body is cut after the idle
// timeout: the client sees the answer end short (there is no status left
// to send), quickly, instead of a connection held for ever.
func TestUpstreamStallsMidBody(t *testing.T) {
	g := startGated(t, newUpstream(t), func(o *gate.Options) { o.IdleTimeout = 300 * time.Millisecond })
	tok := login(t, g.Server, "bob", "acme")
	req, _ := http.NewRequest("GET", g.URL+"/stall", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	start := time.Now()
	res, err := g.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	took := time.Since(start)
	if res.StatusCode != 200 || string(body) != "the first bytes" || err == nil {
		t.Fatalf("status %d, body %q, read error %v: want 200, the first bytes, then a cut", res.StatusCode, body, err)
	}
	if took > 5*time.Second {
		t.Fatalf("the stalled answer was cut after %v", took)
	}
	// The gate still serves.
	if status, _, _ := call(t, g.Client(), "GET", g.URL+"/api/org", tok, nil); status != 200 {
		t.Fatalf("after a stall: %d", status)
	}
}

// A client that stops in the middle of its upload gets 408 in the path's
// dialect after the idle timeout, and the upstream's request is cut.
func TestClientStallsMidUpload(t *testing.T) {
	g := startGated(t, newUpstream(t), func(o *gate.Options) { o.IdleTimeout = 300 * time.Millisecond })
	tok := login(t, g.Server, "bob", "acme")
	host := strings.TrimPrefix(g.URL, "https://")
	conn, err := tls.Dial("tcp", host, insecure())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	fmt.Fprintf(conn, "PUT /upload HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Length: 100000\r\n\r\nonly a little", host, tok)
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer to a stalled upload: %v", err)
	}
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusRequestTimeout || !strings.Contains(string(body), "REQUEST_TIMEOUT") {
		t.Fatalf("stalled upload: %d %s", res.StatusCode, body)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("the stalled upload was answered after %v", took)
	}
}
