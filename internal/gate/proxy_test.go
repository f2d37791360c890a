package gate_test

import (
	"encoding/json"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vmware/go-vcloud-director/v3/govcd"

	"github.com/cloudgate/cloudgate/internal/gate"
	"github.com/cloudgate/cloudgate/internal/server"
	"github.com/cloudgate/cloudgate/internal/testserver"
)

func sdkClient(t *testing.T, srvURL string) *govcd.VCDClient {
	t.Helper()
	u, _ := url.Parse(srvURL + "/api")
	return govcd.NewVCDClient(*u, true)
}

// The Go SDK logs in with cloudgate and reaches the upstream through the
// gate with the same session; the upstream sees the identity, never the
// token; ending the session stops it at once.
func TestSDKThroughGate(t *testing.T) {
	up := newUpstream(t)
	g := startGated(t, up, nil)
	c := sdkClient(t, g.URL)
	if err := c.Authenticate("alice", testserver.Password, "acme"); err != nil {
		t.Fatalf("Authenticate: %v", err)
	}
	orgs, err := c.GetOrgList()
	if err != nil {
		t.Fatalf("GetOrgList through the gate: %v", err)
	}
	if len(orgs.Org) != 1 || orgs.Org[0].Name != "acme" {
		t.Fatalf("org list = %+v", orgs.Org)
	}
	org, err := c.GetOrgByName("acme")
	if err != nil {
		t.Fatalf("GetOrgByName through the gate: %v", err)
	}
	if org.Org.FullName != "from upstream" {
		t.Fatalf("org = %+v; want the upstream's", org.Org)
	}
	hdr, claims, _ := up.lastSeen()
	if claims.Name != "alice" || claims.Org.Name != "acme" || claims.Restricted || len(claims.Roles) != 1 || claims.Roles[0] != "Organization Administrator" ||
		claims.Dialect == "" || claims.AuthTime == 0 || claims.Issuer != g.URL || !strings.HasPrefix(claims.Subject, "urn:vcloud:user:") {
		t.Fatalf("claims = %+v", claims)
	}
	if hdr.Get("X-Forwarded-Proto") != "https" || hdr.Get("X-Forwarded-For") != "127.0.0.1" || hdr.Get("X-Forwarded-Host") != strings.TrimPrefix(g.URL, "https://") {
		t.Fatalf("X-Forwarded-* = %q %q %q", hdr.Get("X-Forwarded-Proto"), hdr.Get("X-Forwarded-For"), hdr.Get("X-Forwarded-Host"))
	}
	// cloudgate's own paths stay with cloudgate.
	if info, err := c.Client.GetSessionInfo(); err != nil || info.User.Name != "alice" {
		t.Fatalf("GetSessionInfo = %+v, %v", info, err)
	}
	if err := c.Disconnect(); err != nil {
		t.Fatalf("Disconnect: %v", err)
	}
	_, _, before := up.lastSeen()
	if _, err := c.GetOrgList(); err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("GetOrgList after Disconnect = %v; want 401 NOT_AUTHENTICATED", err)
	}
	if _, _, after := up.lastSeen(); after != before {
		t.Fatalf("the upstream was reached after the session ended")
	}
}

// Refusals come in the dialect of the path, before the upstream is asked.
func TestRefusals(t *testing.T) {
	up := newUpstream(t)
	g := startGated(t, up, func(o *gate.Options) {
		// Only /api and /cloudapi are proxied here, so other paths have no route.
		a, _ := gate.ParseRoute("/api=" + up.srv.URL)
		b, _ := gate.ParseRoute("/cloudapi=" + up.srv.URL)
		e, _ := gate.ParseRoute("/echo/=" + up.srv.URL)
		o.Routes = []gate.Route{a, b, e}
	})
	tok := login(t, g.Server, "bob", "acme")
	c := g.Client()
	for _, tc := range []struct {
		name, method, path, tok string
		hdr                     map[string]string
		status                  int
		body                    string
	}{
		{"no session /api", "GET", "/api/vApp/vapp-1", "", nil, 401, `minorErrorCode="NOT_AUTHENTICATED"`},
		{"no session /cloudapi", "GET", "/cloudapi/1.0.0/vdcs", "", nil, 401, `"minorErrorCode":"NOT_AUTHENTICATED"`},
		{"unknown token", "GET", "/cloudapi/1.0.0/vdcs", "cgs_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", nil, 401, "NOT_AUTHENTICATED"},
		{"two tokens", "GET", "/cloudapi/1.0.0/vdcs", tok, map[string]string{"X-Vmware-Vcloud-Access-Token": "cgs_other"}, 400, "BAD_REQUEST"},
		{"token in the query", "GET", "/cloudapi/1.0.0/vdcs?access_token=" + tok, "", nil, 400, "BAD_REQUEST"},
		{"token in the query with a header", "GET", "/echo/x?q=" + url.QueryEscape(tok), tok, nil, 400, "BAD_REQUEST"},
		{"ok", "GET", "/cloudapi/1.0.0/vdcs?filter=name==x", tok, nil, 200, `"path":"/cloudapi/1.0.0/vdcs"`},
		{"no route: cloudgate's 404", "GET", "/nothing/here", tok, nil, 404, `"status":404`},
		{"own path stays", "GET", "/api/versions", "", nil, 200, "SupportedVersions"},
		{"vCloud Air stays", "GET", "/api/vchs/nothing", tok, nil, 404, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, before := up.lastSeen()
			status, body, _ := call(t, c, tc.method, g.URL+tc.path, tc.tok, tc.hdr)
			if status != tc.status || !strings.Contains(body, tc.body) {
				t.Fatalf("%s %s = %d %s; want %d with %s", tc.method, tc.path, status, body, tc.status, tc.body)
			}
			if _, _, after := up.lastSeen(); status != 200 && after != before {
				t.Fatalf("a refused request reached the upstream")
			}
			if strings.Contains(body, tok) {
				t.Fatalf("the answer repeats the token")
			}
		})
	}
}

// A client cannot forge identity headers nor pass credentials or
// cloudgate's cookie to the upstream; other headers and cookies pass.
func TestForgedHeadersAndCredentialsStripped(t *testing.T) {
	up := newUpstream(t)
	g := startGated(t, up, nil)
	tok := login(t, g.Server, "bob", "acme")
	status, body, _ := call(t, g.Client(), "GET", g.URL+"/echo/a", "", map[string]string{
		"Authorization":                "Bearer " + tok,
		"X-Vmware-Vcloud-Access-Token": tok,
		"X-Cloudgate-User":             "administrator",
		"x-cloudgate-org":              "System",
		"X-Cloudgate-Restricted":       "false",
		"X-Cloudgate-Anything":         "forged",
		"X-Forwarded-For":              "10.9.9.9",
		"X-Forwarded-Host":             "evil.example",
		"Cookie":                       gate.CookieName + "=cgw_secret; theme=dark; " + gate.CookieName + "-csrf=x",
		"X-Custom":                     "kept",
	})
	if status != 200 {
		t.Fatalf("status %d: %s", status, body)
	}
	var got struct{ Header http.Header }
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	h := got.Header
	if h.Get(gate.HeaderUser) != "bob" || h.Get(gate.HeaderOrg) != "acme" || len(h.Values(gate.HeaderUser)) != 1 || h.Get("X-Cloudgate-Anything") != "" {
		t.Fatalf("identity headers at the upstream: %v", h)
	}
	if h.Get("Cookie") != "theme=dark" || h.Get("X-Custom") != "kept" {
		t.Fatalf("cookie %q, X-Custom %q", h.Get("Cookie"), h.Get("X-Custom"))
	}
	// Not a trusted proxy: its X-Forwarded-* are not believed.
	if h.Get("X-Forwarded-For") != "127.0.0.1" || h.Get("X-Forwarded-Host") == "evil.example" {
		t.Fatalf("X-Forwarded-For %q Host %q", h.Get("X-Forwarded-For"), h.Get("X-Forwarded-Host"))
	}
}

// From a trusted proxy, the X-Forwarded-* chain is kept and extended.
func TestTrustedProxyForwardedHeaders(t *testing.T) {
	up := newUpstream(t)
	g := startGatedWith(t, up, nil, func(o *server.Options) {
		o.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	})
	tok := login(t, g.Server, "bob", "acme")
	status, body, _ := call(t, g.Client(), "GET", g.URL+"/echo/a", tok, map[string]string{
		"X-Forwarded-For": "10.9.9.9", "X-Forwarded-Host": "cloud.example", "X-Forwarded-Proto": "http"})
	var got struct{ Header http.Header }
	if err := json.Unmarshal([]byte(body), &got); status != 200 || err != nil {
		t.Fatalf("%d %s", status, body)
	}
	h := got.Header
	if h.Get("X-Forwarded-For") != "10.9.9.9, 127.0.0.1" || h.Get("X-Forwarded-Host") != "cloud.example" || h.Get("X-Forwarded-Proto") != "http" {
		t.Fatalf("X-Forwarded-For %q Host %q Proto %q", h.Get("X-Forwarded-For"), h.Get("X-Forwarded-Host"), h.Get("X-Forwarded-Proto"))
	}
}

// Restricted (API token) sessions may read users, groups and roles but
// not change them; the refusal happens before the upstream.
func TestRestrictedSessionWritingAUser(t *testing.T) {
	up := newUpstream(t)
	g := startGated(t, up, nil)
	c := sdkClient(t, g.URL)
	if err := c.Authenticate("alice", testserver.Password, "acme"); err != nil {
		t.Fatal(err)
	}
	tok, err := c.CreateToken("acme", "gate test")
	if err != nil {
		t.Fatal(err)
	}
	grant, err := tok.GetInitialApiToken()
	if err != nil {
		t.Fatal(err)
	}
	restrictedTok := grant.AccessToken
	full := login(t, g.Server, "alice", "acme")
	for _, tc := range []struct {
		method, path, tok string
		status            int
	}{
		// Users, roles and orgs are cloudgate's own paths (internal/authz
		// refuses such writes there, internal/e2e tests it); groups, global
		// roles and rights bundles live upstream, behind this table.
		{"GET", "/api/admin/group/x", restrictedTok, 200},
		{"PUT", "/api/admin/group/x", restrictedTok, 403},
		{"DELETE", "/api/admin/org/o1/groups/x", restrictedTok, 403},
		{"POST", "/cloudapi/1.0.0/groups", restrictedTok, 403},
		{"POST", "/cloudapi/1.0.0/globalRoles", restrictedTok, 403},
		{"PUT", "/cloudapi/1.0.0/rightsBundles/x", restrictedTok, 403},
		{"GET", "/cloudapi/1.0.0/groups", restrictedTok, 200},
		{"POST", "/cloudapi/1.0.0/vdcs", restrictedTok, 200},
		{"PUT", "/api/admin/group/x", full, 200},
		{"POST", "/cloudapi/1.0.0/groups", full, 200},
	} {
		status, body, _ := call(t, g.Client(), tc.method, g.URL+tc.path, tc.tok, nil)
		if status != tc.status {
			t.Errorf("%s %s (restricted %v) = %d %s; want %d", tc.method, tc.path, tc.tok == restrictedTok, status, body, tc.status)
		}
		if status == 403 && !strings.Contains(body, "view rights only") {
			t.Errorf("refusal body %s", body)
		}
	}
	_, claims, _ := up.lastSeen()
	if claims.Name != "alice" {
		t.Fatalf("claims %+v", claims)
	}
}

// An upstream that refuses connections is 502 and one that hangs is 504,
// quickly, in the path's dialect.
func TestUpstreamRefusesOrHangs(t *testing.T) {
	up := newUpstream(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String()
	ln.Close()
	g := startGated(t, up, func(o *gate.Options) {
		o.ResponseTimeout = 300 * time.Millisecond
		r, _ := gate.ParseRoute("/api/dead=" + dead)
		o.Routes = append(o.Routes, r)
	})
	tok := login(t, g.Server, "bob", "acme")
	for _, tc := range []struct {
		path   string
		status int
		body   string
	}{
		{"/api/dead/x", 502, `minorErrorCode="BAD_GATEWAY"`},
		{"/hang", 504, `"minorErrorCode":"GATEWAY_TIMEOUT"`},
	} {
		start := time.Now()
		status, body, _ := call(t, g.Client(), "GET", g.URL+tc.path, tok, nil)
		if took := time.Since(start); took > 3*time.Second {
			t.Errorf("%s took %v", tc.path, took)
		}
		if status != tc.status || !strings.Contains(body, tc.body) {
			t.Errorf("%s = %d %s; want %d %s", tc.path, status, body, tc.status, tc.body)
		}
	}
}
