package gate_test

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"golang.org/x/net/websocket"

	"github.com/cloudgate/cloudgate/internal/gate"
	"github.com/cloudgate/cloudgate/internal/server"
	"github.com/cloudgate/cloudgate/internal/testserver"
)

// testSecret seals the signing keys in tests (every instance of a test
// shares it, as instances sharing a database must).
var testSecret = []byte("0123456789abcdef0123456789abcdef-test")

// upstream is a small service behind the gate. Every request must carry
// an identity assertion that verifies against the gate's key set and
// agrees with the plain headers, and no cloudgate credential.
type upstream struct {
	t   testing.TB
	srv *httptest.Server
	// jwks is the gate's key set URL and client its HTTP client (set once
	// the gate runs).
	mu       sync.Mutex
	jwksURL  string
	client   *http.Client
	audience string
	last     http.Header
	claims   gate.Claims
	seen     int
}

func newUpstream(t testing.TB) *upstream {
	u := &upstream{t: t}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/org/{$}", u.orgList)
	mux.HandleFunc("GET /api/org", u.orgList)
	mux.HandleFunc("GET /api/org/{id}", u.org)
	mux.HandleFunc("/echo/", u.echo)
	mux.HandleFunc("/api/admin/group/{id}", u.echo)
	mux.HandleFunc("/cloudapi/1.0.0/groups", u.echo)
	mux.HandleFunc("/cloudapi/1.0.0/vdcs", u.echo)
	mux.HandleFunc("PUT /upload", u.upload)
	mux.Handle("/ws", websocket.Handler(func(c *websocket.Conn) {
		for {
			var msg string
			if websocket.Message.Receive(c, &msg) != nil || websocket.Message.Send(c, msg) != nil {
				return
			}
		}
	}))
	mux.HandleFunc("/hang", func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	mux.HandleFunc("/stall", stallAfterStart)
	u.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !u.verify(r) {
			http.Error(w, "bad identity", http.StatusUnauthorized)
			return
		}
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(u.srv.Close)
	return u
}

// verify checks the request's identity against the key set.
func (u *upstream) verify(r *http.Request) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.seen++
	u.last = r.Header.Clone()
	for _, h := range []string{"Authorization", "X-Vmware-Vcloud-Access-Token", "X-Vcloud-Authorization", "X-Vchs-Authorization"} {
		if v := r.Header.Get(h); v != "" {
			u.t.Errorf("upstream received credential header %s: %q", h, v)
			return false
		}
	}
	if strings.Contains(r.Header.Get("Cookie"), gate.CookieName) {
		u.t.Errorf("upstream received cloudgate's cookie: %q", r.Header.Get("Cookie"))
		return false
	}
	raw := r.Header.Get(gate.HeaderAssertion)
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		u.t.Errorf("assertion %q: %v", raw, err)
		return false
	}
	res, err := u.client.Get(u.jwksURL)
	if err != nil {
		u.t.Errorf("fetching the key set: %v", err)
		return false
	}
	defer res.Body.Close()
	var set jose.JSONWebKeySet
	if err := json.NewDecoder(res.Body).Decode(&set); err != nil {
		u.t.Errorf("key set: %v", err)
		return false
	}
	var c gate.Claims
	if err := tok.Claims(&set, &c); err != nil {
		u.t.Errorf("assertion does not verify against the key set: %v", err)
		return false
	}
	if err := c.Claims.ValidateWithLeeway(jwt.Expected{AnyAudience: jwt.Audience{u.audience}, Time: time.Now()}, 0); err != nil {
		u.t.Errorf("assertion claims: %v (%+v)", err, c)
		return false
	}
	if exp := c.Expiry.Time().Sub(c.IssuedAt.Time()); exp > gate.MaxAssertionLife {
		u.t.Errorf("assertion valid for %v", exp)
	}
	if r.Header.Get(gate.HeaderUser) != c.Name || r.Header.Get(gate.HeaderOrg) != c.Org.Name || r.Header.Get(gate.HeaderSession) != c.SessionID {
		u.t.Errorf("plain headers %v disagree with the assertion %+v", r.Header, c)
		return false
	}
	u.claims = c
	return true
}

func (u *upstream) lastSeen() (http.Header, gate.Claims, int) {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.last, u.claims, u.seen
}

// base is the gate's origin as the upstream learns it from X-Forwarded-*.
func base(r *http.Request) string {
	return r.Header.Get("X-Forwarded-Proto") + "://" + r.Header.Get("X-Forwarded-Host")
}

type orgRef struct {
	Href string `xml:"href,attr"`
	Name string `xml:"name,attr"`
	Type string `xml:"type,attr"`
}

// orgList lists the caller's org only: the upstream learns it from the
// assertion, as a real service behind the gate would.
func (u *upstream) orgList(w http.ResponseWriter, r *http.Request) {
	_, c, _ := u.lastSeen()
	type orgList struct {
		XMLName xml.Name `xml:"http://www.vmware.com/vcloud/v1.5 OrgList"`
		Href    string   `xml:"href,attr"`
		Type    string   `xml:"type,attr"`
		Org     []orgRef `xml:"Org"`
	}
	id := strings.TrimPrefix(c.Org.ID, "urn:vcloud:org:")
	out, _ := xml.Marshal(orgList{Href: base(r) + "/api/org/", Type: "application/vnd.vmware.vcloud.orgList+xml",
		Org: []orgRef{{Href: base(r) + "/api/org/" + id, Name: c.Org.Name, Type: "application/vnd.vmware.vcloud.org+xml"}}})
	w.Header().Set("Content-Type", "application/vnd.vmware.vcloud.orgList+xml;version=37.0")
	w.Write(out)
}

func (u *upstream) org(w http.ResponseWriter, r *http.Request) {
	_, c, _ := u.lastSeen()
	if "urn:vcloud:org:"+r.PathValue("id") != c.Org.ID {
		w.WriteHeader(http.StatusForbidden)
		return
	}
	type org struct {
		XMLName  xml.Name `xml:"http://www.vmware.com/vcloud/v1.5 Org"`
		Href     string   `xml:"href,attr"`
		Name     string   `xml:"name,attr"`
		ID       string   `xml:"id,attr"`
		Type     string   `xml:"type,attr"`
		FullName string   `xml:"FullName"`
	}
	out, _ := xml.Marshal(org{Href: base(r) + r.URL.Path, Name: c.Org.Name, ID: c.Org.ID, Type: "application/vnd.vmware.vcloud.org+xml", FullName: "from upstream"})
	w.Header().Set("Content-Type", "application/vnd.vmware.vcloud.org+xml;version=37.0")
	w.Write(out)
}

// echo answers the method, path and headers it received.
func (u *upstream) echo(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"method": r.Method, "path": r.URL.Path, "query": r.URL.RawQuery, "header": r.Header})
}

// upload counts the bytes of a streamed body.
func (u *upstream) upload(w http.ResponseWriter, r *http.Request) {
	n, err := io.Copy(io.Discard, r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	fmt.Fprintf(w, "%d", n)
}

// gated is a cloudgate with the gate in front of an upstream.
type gated struct {
	*testserver.Server
	up *upstream
}

// startGated starts cloudgate proxying to up; tune adjusts the gate's
// options.
func startGated(t testing.TB, up *upstream, tune func(*gate.Options), opts ...testserver.Option) *gated {
	return startGatedWith(t, up, tune, nil, opts...)
}

// startGatedWith also adjusts the server's options.
func startGatedWith(t testing.TB, up *upstream, tune func(*gate.Options), serverTune func(*server.Options), opts ...testserver.Option) *gated {
	t.Helper()
	route, err := gate.ParseRoute("/=" + up.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	g := &gate.Options{Routes: []gate.Route{route}, KeySecret: testSecret, ResponseTimeout: 2 * time.Second, ConnectTimeout: time.Second}
	if tune != nil {
		tune(g)
	}
	opts = append(opts, testserver.WithOptions(func(o *server.Options) {
		o.Gate = g
		if serverTune != nil {
			serverTune(o)
		}
	}))
	srv := testserver.Start(t, opts...)
	up.mu.Lock()
	if up.jwksURL == "" {
		up.jwksURL, up.client, up.audience = srv.URL+gate.JWKSPath, srv.Client(), up.srv.URL
	}
	up.mu.Unlock()
	return &gated{Server: srv, up: up}
}

// login returns a session token of user@org (password login).
func login(t testing.TB, srv *testserver.Server, user, org string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/cloudapi/1.0.0/sessions", nil)
	req.SetBasicAuth(user+"@"+org, testserver.Password)
	req.Header.Set("Accept", "application/json;version=37.0")
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	tok := res.Header.Get("X-Vmware-Vcloud-Access-Token")
	if res.StatusCode != http.StatusOK || tok == "" {
		t.Fatalf("login %s@%s: %s", user, org, res.Status)
	}
	return tok
}

// call sends method path with the bearer token (if any) and returns the
// status and body.
func call(t *testing.T, c *http.Client, method, url, tok string, hdr map[string]string) (int, string, http.Header) {
	t.Helper()
	req, _ := http.NewRequestWithContext(context.Background(), method, url, nil)
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b), res.Header
}

func insecure() *tls.Config { return &tls.Config{InsecureSkipVerify: true} }

func decodeSegment(s string) ([]byte, error) { return base64.RawURLEncoding.DecodeString(s) }
