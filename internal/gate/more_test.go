package gate_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vmware/go-vcloud-director/v3/govcd"
	"golang.org/x/net/websocket"

	"github.com/cloudgate/cloudgate/internal/gate"
	"github.com/cloudgate/cloudgate/internal/store/postgres/pgtest"
	"github.com/cloudgate/cloudgate/internal/testserver"
)

// Forward-auth answers with the identity headers for the original request
// the proxy describes, in each proxy's way of describing it.
func TestForwardAuth(t *testing.T) {
	up := newUpstream(t)
	g := startGated(t, up, nil)
	tok := login(t, g.Server, "bob", "acme")
	fa := g.URL + gate.ForwardAuthPath
	for _, tc := range []struct {
		name, method, url, tok string
		hdr                    map[string]string
		status                 int
		body                   string
	}{
		{"traefik/caddy", "GET", fa, tok, map[string]string{"X-Forwarded-Method": "GET", "X-Forwarded-Uri": "/api/vApp/x"}, 200, ""},
		{"nginx", "GET", fa, tok, map[string]string{"X-Original-Method": "POST", "X-Original-Uri": "/cloudapi/1.0.0/vdcs?x=1"}, 200, ""},
		{"envoy", "DELETE", fa + "/api/vApp/x?force=true", tok, nil, 200, ""},
		{"no session, /api", "GET", fa, "", map[string]string{"X-Forwarded-Uri": "/api/vApp/x"}, 401, "NOT_AUTHENTICATED"},
		{"no session, /cloudapi", "GET", fa, "", map[string]string{"X-Forwarded-Uri": "/cloudapi/1.0.0/vdcs"}, 401, `"minorErrorCode":"NOT_AUTHENTICATED"`},
		{"no original uri", "GET", fa, tok, nil, 400, "BAD_REQUEST"},
		{"credential in the uri", "GET", fa, tok, map[string]string{"X-Forwarded-Uri": "/x?access_token=" + tok}, 400, "BAD_REQUEST"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body, h := call(t, g.Client(), tc.method, tc.url, tc.tok, tc.hdr)
			if status != tc.status || !strings.Contains(body, tc.body) {
				t.Fatalf("%d %s; want %d %s", status, body, tc.status, tc.body)
			}
			if status == 200 && (h.Get(gate.HeaderUser) != "bob" || h.Get(gate.HeaderOrg) != "acme" || h.Get(gate.HeaderAssertion) == "" || h.Get(gate.HeaderRoles) != "vApp Author") {
				t.Fatalf("identity headers %v", h)
			}
		})
	}
}

// Restricted sessions are refused by forward-auth exactly as by the proxy.
func TestForwardAuthRestricted(t *testing.T) {
	up := newUpstream(t)
	g := startGated(t, up, nil)
	tok := restrictedToken(t, g.URL)
	for _, tc := range []struct {
		method, uri string
		status      int
	}{
		{"GET", "/cloudapi/1.0.0/users", 200},
		{"POST", "/cloudapi/1.0.0/users", 403},
		{"PUT", "/api/admin/user/x", 403},
		{"POST", "/cloudapi/1.0.0/vdcs", 200},
	} {
		status, body, _ := call(t, g.Client(), "GET", g.URL+gate.ForwardAuthPath, tok, map[string]string{"X-Forwarded-Method": tc.method, "X-Forwarded-Uri": tc.uri})
		if status != tc.status {
			t.Errorf("%s %s = %d %s, want %d", tc.method, tc.uri, status, body, tc.status)
		}
	}
}

func restrictedToken(t *testing.T, url string) string {
	t.Helper()
	c := sdkClient(t, url)
	if err := c.Authenticate("alice", testserver.Password, "acme"); err != nil {
		t.Fatal(err)
	}
	tok, err := c.CreateToken("acme", "restricted "+t.Name())
	if err != nil {
		t.Fatal(err)
	}
	grant, err := tok.GetInitialApiToken()
	if err != nil {
		t.Fatal(err)
	}
	return grant.AccessToken
}

// A WebSocket (Upgrade) passes through the gate both ways.
func TestWebSocketEcho(t *testing.T) {
	up := newUpstream(t)
	g := startGated(t, up, nil)
	tok := login(t, g.Server, "bob", "acme")
	cfg, err := websocket.NewConfig(strings.Replace(g.URL, "https", "wss", 1)+"/ws", g.URL)
	if err != nil {
		t.Fatal(err)
	}
	cfg.TlsConfig = insecure()
	cfg.Header = http.Header{"Authorization": {"Bearer " + tok}}
	ws, err := websocket.DialConfig(cfg)
	if err != nil {
		t.Fatalf("dial through the gate: %v", err)
	}
	defer ws.Close()
	for _, msg := range []string{"hello", strings.Repeat("x", 100000)} {
		if err := websocket.Message.Send(ws, msg); err != nil {
			t.Fatal(err)
		}
		var got string
		if err := websocket.Message.Receive(ws, &got); err != nil || got != msg {
			t.Fatalf("echo of %d bytes: %d bytes, %v", len(msg), len(got), err)
		}
	}
	// Without a session, no upgrade.
	cfg.Header = nil
	if _, err := websocket.DialConfig(cfg); err == nil {
		t.Fatal("a WebSocket without a session was upgraded")
	}
}

// zeros is a generated body: n bytes, never held in memory at once.
type zeros struct{ n int64 }

func (z *zeros) Read(p []byte) (int, error) {
	if z.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > z.n {
		p = p[:z.n]
	}
	clear(p)
	z.n -= int64(len(p))
	return len(p), nil
}

// A 200 MB upload streams through (the 1 MiB limit is for cloudgate's own
// endpoints) and the process's memory stays flat.
func TestStreamedUpload(t *testing.T) {
	up := newUpstream(t)
	g := startGated(t, up, nil)
	tok := login(t, g.Server, "bob", "acme")
	const size = 200 << 20
	before := rssKiB(t)
	req, _ := http.NewRequest(http.MethodPut, g.URL+"/upload", &zeros{size})
	req.ContentLength = size
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := g.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || string(b) != strconv.Itoa(size) {
		t.Fatalf("upload: %s %s", res.Status, b)
	}
	after := rssKiB(t)
	t.Logf("RSS of the test process (client, gate and upstream): %d KiB before, %d KiB after a %d MiB upload", before, after, size>>20)
	// A body held in memory would add 200 MB; streaming adds buffers only.
	if after-before > 64<<10 {
		t.Errorf("RSS grew by %d KiB during the upload", after-before)
	}
	// cloudgate's own endpoints keep the limit.
	req, _ = http.NewRequest(http.MethodPost, g.URL+"/cloudapi/1.0.0/sessions", &zeros{2 << 20})
	req.SetBasicAuth("bob@acme", testserver.Password)
	req.Header.Set("Accept", "application/json;version=37.0")
	if res, err := g.Client().Do(req); err == nil {
		res.Body.Close()
	}
}

func rssKiB(t *testing.T) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.ParseInt(strings.Fields(v)[0], 10, 64)
			return n
		}
	}
	t.Skip("no VmRSS")
	return 0
}

// HTTP/2 clients go through the gate.
func TestHTTP2(t *testing.T) {
	up := newUpstream(t)
	g := startGated(t, up, nil)
	hs := httptest.NewUnstartedServer(g.Server.Server.Handler())
	hs.EnableHTTP2 = true
	hs.StartTLS()
	defer hs.Close()
	tok := login(t, g.Server, "bob", "acme")
	c := hs.Client()
	req, _ := http.NewRequest("GET", hs.URL+"/echo/h2", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.ProtoMajor != 2 || res.StatusCode != 200 {
		t.Fatalf("%s %s", res.Proto, res.Status)
	}
}

// The key set publishes the signing key; a rotation adds a key that signs
// once active, while the old one stays published.
func TestJWKSAndRotation(t *testing.T) {
	up := newUpstream(t)
	g := startGated(t, up, func(o *gate.Options) { o.KeyActivation = -1; o.KeyRefresh = 50 * time.Millisecond })
	tok := login(t, g.Server, "bob", "acme")
	kids := func() []string {
		_, body, h := call(t, g.Client(), "GET", g.URL+gate.JWKSPath, "", nil)
		if h.Get("Content-Type") != "application/jwk-set+json" {
			t.Fatalf("content type %q", h.Get("Content-Type"))
		}
		var set struct {
			Keys []struct{ Kid, Kty, Crv, Alg, D string }
		}
		json.Unmarshal([]byte(body), &set)
		var out []string
		for _, k := range set.Keys {
			if k.D != "" || k.Kty != "EC" || k.Crv != "P-256" || k.Alg != "ES256" {
				t.Fatalf("published key %+v", k)
			}
			out = append(out, k.Kid)
		}
		return out
	}
	first := kids()
	if len(first) != 1 {
		t.Fatalf("key set %v", first)
	}
	if s, body, _ := call(t, g.Client(), "GET", g.URL+"/echo/1", tok, nil); s != 200 {
		t.Fatalf("%d %s", s, body)
	}
	keys, err := gate.NewKeys(gate.KeysConfig{Store: g.Store(), Secret: testSecret, Activation: -1})
	if err != nil {
		t.Fatal(err)
	}
	newID, err := keys.Rotate(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(kids()) != 2 {
		if time.Now().After(deadline) {
			t.Fatalf("the new key is not published: %v", kids())
		}
		time.Sleep(20 * time.Millisecond)
	}
	// New assertions are signed with the new key (the cached one is
	// replaced because its key changed); the upstream verifies both.
	if s, body, _ := call(t, g.Client(), "GET", g.URL+"/echo/2", tok, nil); s != 200 {
		t.Fatalf("%d %s", s, body)
	}
	hdr, _, _ := up.lastSeen()
	if !strings.Contains(headerKid(t, hdr.Get(gate.HeaderAssertion)), newID) {
		t.Fatalf("assertion not signed with the new key %s", newID)
	}
}

func headerKid(t *testing.T, jws string) string {
	h, _, _ := strings.Cut(jws, ".")
	b, err := decodeSegment(h)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Two instances on one PostgreSQL share keys; a logout on one stops the
// session on the other's gate too.
func TestTwoInstancesOnPostgres(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	up := newUpstream(t)
	a := startGated(t, up, nil, testserver.WithDSN(dsn))
	b := startGated(t, up, nil, testserver.WithDSN(dsn))
	c := sdkClient(t, a.URL)
	if err := c.Authenticate("alice", testserver.Password, "acme"); err != nil {
		t.Fatal(err)
	}
	tok := c.Client.VCDToken
	// The SDK on B with the token A issued (SetToken checks it with GET
	// /api/org, which B's gate passes upstream).
	other := sdkClient(t, b.URL)
	if err := other.SetToken("acme", govcd.BearerTokenHeader, tok); err != nil {
		t.Fatalf("SetToken on B: %v", err)
	}
	if orgs, err := other.GetOrgList(); err != nil || len(orgs.Org) != 1 {
		t.Fatalf("GetOrgList through B: %+v, %v", orgs, err)
	}
	_, ja, _ := call(t, a.Client(), "GET", a.URL+gate.JWKSPath, "", nil)
	_, jb, _ := call(t, b.Client(), "GET", b.URL+gate.JWKSPath, "", nil)
	if ja != jb {
		t.Fatalf("instances publish different keys:\n%s\n%s", ja, jb)
	}
	if err := c.Disconnect(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetOrgList(); err == nil {
		t.Fatal("A still forwards the ended session")
	}
	start := time.Now()
	for {
		_, err := other.GetOrgList()
		if err != nil && strings.Contains(err.Error(), "401") {
			break
		}
		if time.Since(start) > 5*time.Second {
			t.Fatalf("B still forwards the ended session: %v", err)
		}
		time.Sleep(2 * time.Millisecond)
	}
	t.Logf("B refused the ended session %v after the logout on A", time.Since(start))
}

// Instances on one database with different secrets each sign with a key of
// their own, and every instance publishes every key: an upstream that
// fetches the key set from one verifies assertions made by the other.
func TestInstancesWithDifferentSecrets(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	up := newUpstream(t)
	a := startGated(t, up, nil, testserver.WithDSN(dsn)) // the upstream reads A's key set
	b := startGated(t, up, func(o *gate.Options) { o.KeySecret = []byte(strings.Repeat("another secret ", 4)) }, testserver.WithDSN(dsn))
	tok := login(t, a.Server, "bob", "acme")
	time.Sleep(300 * time.Millisecond) // past the key set's maximum age
	for _, g := range []*gated{a, b} {
		if s, body, _ := call(t, g.Client(), "GET", g.URL+"/echo/x", tok, nil); s != 200 {
			t.Fatalf("through %s: %d %s", g.URL, s, body)
		}
	}
	_, ja, _ := call(t, a.Client(), "GET", a.URL+gate.JWKSPath, "", nil)
	if n := strings.Count(ja, `"kid"`); n != 2 {
		t.Fatalf("A publishes %d keys: %s", n, ja)
	}
}
