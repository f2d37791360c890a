package server_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/cloudgate/cloudgate/internal/testserver"
	"github.com/cloudgate/cloudgate/internal/testserver/testclient"
)

// call sends one request and returns status, headers and body.
func call(t *testing.T, srv *testserver.Server, method, path string, headers map[string]string) (int, http.Header, string) {
	t.Helper()
	var pairs []string
	for k, v := range headers {
		pairs = append(pairs, k, v)
	}
	r := testclient.New(t, srv).Do(method, path, "", pairs...)
	if r.Request == nil {
		t.FailNow() // the transport failure is reported
	}
	return r.Status, r.Header, string(r.Body)
}

// login returns a bearer token and the session id.
func login(t *testing.T, srv *testserver.Server, userOrg, pw string) (string, string) {
	t.Helper()
	path := "/cloudapi/1.0.0/sessions"
	if strings.HasSuffix(userOrg, "@System") {
		path += "/provider"
	}
	code, h, body := call(t, srv, "POST", path, map[string]string{"Authorization": testclient.Basic(userOrg, pw), "Accept": "application/json;version=37.0"})
	if code != 200 {
		t.Fatalf("login %s: %d %s", userOrg, code, body)
	}
	var s struct{ ID string }
	json.Unmarshal([]byte(body), &s)
	return h.Get("X-Vmware-Vcloud-Access-Token"), strings.TrimPrefix(s.ID, "urn:vcloud:session:")
}

const (
	jsonV = "application/json;version=37.0"
	xmlV  = "application/*+xml;version=37.0"
)

func TestStatusesAndFormats(t *testing.T) {
	srv := testserver.Start(t)
	tok, _ := login(t, srv, "bob@acme", testserver.Password)
	bearer := "Bearer " + tok
	for _, tc := range []struct {
		name           string
		method, path   string
		headers        map[string]string
		status         int
		contentType    string // prefix
		bodyHas, allow string
	}{
		{"versions needs nothing", "GET", "/api/versions", nil, 200, "application/vnd.vmware.vcloud.versions+xml", "<SupportedVersions", ""},
		{"versions ignores a bad token", "GET", "/api/versions", map[string]string{"Authorization": "Bearer nope"}, 200, "application/vnd", "37.0", ""},
		{"406 before 401 on cloudapi", "GET", "/cloudapi/1.0.0/sessions/current", nil, 406, "application/json", `"NOT_ACCEPTABLE"`, ""},
		{"406 before 401 on api", "GET", "/api/org", map[string]string{"Accept": "application/*+xml"}, 406, "application/vnd.vmware.vcloud.error+xml", `majorErrorCode="406"`, ""},
		{"406 for an unknown version", "GET", "/cloudapi/1.0.0/sessions/current", map[string]string{"Accept": "application/json;version=40.0", "Authorization": bearer}, 406, "application/json", "Unknown API version", ""},
		{"401 without a token", "GET", "/cloudapi/1.0.0/sessions/current", map[string]string{"Accept": jsonV}, 401, "application/json;version=37.0", `"NOT_AUTHENTICATED"`, ""},
		{"401 for garbage", "GET", "/cloudapi/1.0.0/sessions/current", map[string]string{"Accept": jsonV, "X-Vmware-Vcloud-Access-Token": "<script> é" + strings.Repeat("z", 3000)}, 401, "application/json", `"NOT_AUTHENTICATED"`, ""},
		{"400 for two different tokens", "GET", "/cloudapi/1.0.0/sessions/current", map[string]string{"Accept": jsonV, "Authorization": bearer, "X-Vcloud-Authorization": "0123456789abcdef0123456789abcdef"}, 400, "application/json", `"BAD_REQUEST"`, ""},
		{"200 current", "GET", "/cloudapi/1.0.0/sessions/current", map[string]string{"Accept": jsonV, "Authorization": bearer}, 200, "application/json;version=37.0", `"name":"bob"`, ""},
		{"36.x shape has no site", "GET", "/cloudapi/1.0.0/sessions/current", map[string]string{"Accept": "application/json;version=36.2", "Authorization": bearer}, 200, "application/json;version=36.2", `"sessionIdleTimeoutMinutes":30}`, ""},
		{"38.1 has operatingOrg", "GET", "/cloudapi/1.0.0/sessions/current", map[string]string{"Accept": "application/json;version=38.1", "Authorization": bearer}, 200, "application/json;version=38.1", `"operatingOrg"`, ""},
		{"session xml", "GET", "/api/session", map[string]string{"Accept": xmlV, "Authorization": bearer}, 200, "application/vnd.vmware.vcloud.session+xml;version=37.0", `user="bob"`, ""},
		{"405 with Allow (xml)", "PUT", "/api/versions", nil, 405, "application/vnd.vmware.vcloud.error+xml", "METHOD_NOT_ALLOWED", "GET, HEAD"},
		{"405 with Allow (json)", "PUT", "/cloudapi/1.0.0/sessions/current", map[string]string{"Accept": jsonV, "Authorization": bearer}, 405, "application/json", "METHOD_NOT_ALLOWED", "DELETE, GET, HEAD"},
		{"probe /api/iam/login is 404", "POST", "/api/iam/login", map[string]string{"Authorization": testclient.Basic("_", "_")}, 404, "application/vnd.vmware.vcloud.error+xml", "NOT_FOUND", ""},
		{"unknown cloudapi path", "GET", "/cloudapi/1.0.0/nothing", map[string]string{"Accept": jsonV}, 404, "application/json", "NOT_FOUND", ""},
		{"unknown top-level path", "GET", "/wp-admin", nil, 404, "application/json", "Not Found", ""},
		{"legacy login removed at 38.0", "POST", "/api/sessions", map[string]string{"Accept": "application/*+xml;version=38.0", "Authorization": testclient.Basic("bob@acme", testserver.Password)}, 405, "application/vnd.vmware.vcloud.error+xml", "METHOD_NOT_ALLOWED", ""},
		{"legacy login without Authorization is 403", "POST", "/api/sessions", map[string]string{"Accept": xmlV}, 403, "application/vnd.vmware.vcloud.error+xml", `majorErrorCode="403"`, ""},
		{"legacy login with bad credentials: empty 401", "POST", "/api/sessions", map[string]string{"Accept": xmlV, "Authorization": testclient.Basic("bob@acme", "nope")}, 401, "", "", ""},
		{"cloudapi login without Authorization is 403", "POST", "/cloudapi/1.0.0/sessions", map[string]string{"Accept": "application/*;version=37.0"}, 403, "application/json", "ACCESS_TO_RESOURCE_IS_FORBIDDEN", ""},
		{"cloudapi login with garbage Authorization", "POST", "/cloudapi/1.0.0/sessions", map[string]string{"Accept": "application/*;version=37.0", "Authorization": "Basic ####"}, 401, "application/json", "UNAUTHORIZED", ""},
		{"tenant at the provider endpoint", "POST", "/cloudapi/1.0.0/sessions/provider", map[string]string{"Accept": jsonV, "Authorization": testclient.Basic("bob@acme", testserver.Password)}, 401, "application/json", "UNAUTHORIZED", ""},
		{"healthz", "GET", "/healthz", nil, 200, "application/json", `"status":"ok"`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, h, body := call(t, srv, tc.method, tc.path, tc.headers)
			if code != tc.status || !strings.HasPrefix(h.Get("Content-Type"), tc.contentType) || !strings.Contains(body, tc.bodyHas) {
				t.Fatalf("got %d %q %s", code, h.Get("Content-Type"), body)
			}
			if tc.allow != "" && h.Get("Allow") != tc.allow {
				t.Fatalf("Allow = %q, want %q", h.Get("Allow"), tc.allow)
			}
			if h.Get("X-Vmware-Vcloud-Request-Id") == "" || h.Get("X-Content-Type-Options") != "nosniff" {
				t.Fatalf("missing request id or security headers: %v", h)
			}
			if tc.status == 401 && tc.bodyHas == "" {
				if body != "" || !strings.Contains(h.Get("Www-Authenticate"), `Basic realm="vCloud"`) {
					t.Fatalf("legacy 401 must be empty with the vCloud challenge: %q %v", body, h)
				}
			}
		})
	}
}

func TestRequestID(t *testing.T) {
	srv := testserver.Start(t)
	for _, tc := range []struct {
		client, prefix string
	}{
		{"3-2025-01-02-10-11-12-345-", "3-2025-01-02-10-11-12-345--"},
		{strings.Repeat("a", 200), strings.Repeat("a", 128) + "-"},
		{"bad id!", ""},
		{"---", ""},
		{"", ""},
	} {
		_, h, _ := call(t, srv, "GET", "/api/versions", map[string]string{"X-Vmware-Vcloud-Client-Request-Id": tc.client})
		id := h.Get("X-Vmware-Vcloud-Request-Id")
		if !strings.HasPrefix(id, tc.prefix) || len(id) != len(tc.prefix)+36 {
			t.Errorf("client id %q gave %q", tc.client, id)
		}
	}
}

func TestHeaderLimit(t *testing.T) {
	srv := testserver.Start(t)
	code, _, _ := call(t, srv, "GET", "/api/versions", map[string]string{"X-Big": strings.Repeat("x", 80<<10)})
	if code != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("80 KiB of headers: %d, want 431", code)
	}
}

func TestSessionVisibility(t *testing.T) {
	srv := testserver.Start(t)
	alice, aliceID := login(t, srv, "alice@acme", testserver.Password)
	bob, bobID := login(t, srv, "bob@acme", testserver.Password)
	dave, _ := login(t, srv, "dave@globex", testserver.Password)
	admin, _ := login(t, srv, "administrator@System", testserver.AdminPassword)
	get := func(tok, id string) int {
		code, _, _ := call(t, srv, "GET", "/cloudapi/1.0.0/sessions/urn:vcloud:session:"+id, map[string]string{"Accept": jsonV, "Authorization": "Bearer " + tok})
		return code
	}
	for _, tc := range []struct {
		who, tok, id string
		want         int
	}{
		{"bob sees his own", bob, bobID, 200},
		{"bob cannot see alice's", bob, aliceID, 403},
		{"alice (org admin) sees bob's", alice, bobID, 200},
		{"dave (other org's admin) cannot", dave, bobID, 403},
		{"the System admin sees any", admin, bobID, 200},
		{"garbage id", bob, "not-a-uuid", 403},
	} {
		if got := get(tc.tok, tc.id); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.who, got, tc.want)
		}
	}
	// Ending: dave cannot end bob's session; alice can.
	code, _, _ := call(t, srv, "DELETE", "/cloudapi/1.0.0/sessions/urn:vcloud:session:"+bobID, map[string]string{"Accept": jsonV, "Authorization": "Bearer " + dave})
	if code != 403 {
		t.Fatalf("dave ending bob's session: %d", code)
	}
	code, _, _ = call(t, srv, "DELETE", "/cloudapi/1.0.0/sessions/urn:vcloud:session:"+bobID, map[string]string{"Accept": jsonV, "Authorization": "Bearer " + alice})
	if code != 204 {
		t.Fatalf("alice ending bob's session: %d", code)
	}
	code, _, _ = call(t, srv, "GET", "/cloudapi/1.0.0/sessions/current", map[string]string{"Accept": jsonV, "Authorization": "Bearer " + bob})
	if code != 401 {
		t.Fatalf("bob after his session was ended: %d", code)
	}
	// Orgs: a tenant sees only its own; the System admin sees all.
	code, _, body := call(t, srv, "GET", "/api/org", map[string]string{"Accept": xmlV, "Authorization": "Bearer " + dave})
	if code != 200 || strings.Contains(body, `name="acme"`) || !strings.Contains(body, `name="globex"`) {
		t.Fatalf("dave's org list: %d %s", code, body)
	}
	code, _, body = call(t, srv, "GET", "/api/org/", map[string]string{"Accept": xmlV, "Authorization": "Bearer " + admin})
	if code != 200 || !strings.Contains(body, `name="acme"`) || !strings.Contains(body, `name="System"`) {
		t.Fatalf("admin's org list: %d %s", code, body)
	}
	code, _, _ = call(t, srv, "GET", "/api/admin", map[string]string{"Accept": xmlV, "Authorization": "Bearer " + dave})
	if code != 200 {
		t.Fatalf("org admin reading /api/admin: %d", code)
	}
}

func TestLegacyLogout(t *testing.T) {
	srv := testserver.Start(t)
	code, h, body := call(t, srv, "POST", "/api/sessions", map[string]string{"Accept": xmlV, "Authorization": testclient.Basic("bob@acme", testserver.Password)})
	if code != 200 || !strings.Contains(body, `org="acme"`) || !strings.Contains(body, `rel="entityResolver"`) {
		t.Fatalf("legacy login: %d %s", code, body)
	}
	key := h.Get("X-Vcloud-Authorization")
	if code, _, _ = call(t, srv, "DELETE", "/api/session", map[string]string{"Accept": xmlV, "X-Vcloud-Authorization": key}); code != 204 {
		t.Fatalf("logout: %d", code)
	}
	if code, _, _ = call(t, srv, "GET", "/api/session", map[string]string{"Accept": xmlV, "Authorization": "Bearer " + h.Get("X-Vmware-Vcloud-Access-Token")}); code != 401 {
		t.Fatalf("bearer after logout: %d", code)
	}
}

func TestMetrics(t *testing.T) {
	srv := testserver.Start(t)
	login(t, srv, "bob@acme", testserver.Password)
	call(t, srv, "POST", "/cloudapi/1.0.0/sessions", map[string]string{"Accept": jsonV, "Authorization": testclient.Basic("bob@acme", "wrong")})
	body := scrape(t, srv)
	for _, want := range []string{
		`cloudgate_http_requests_total{code="200",method="POST",route="/cloudapi/1.0.0/sessions"} 1`,
		`cloudgate_logins_total{dialect="cloudapi",outcome="success"} 1`,
		`cloudgate_logins_total{dialect="cloudapi",outcome="bad_credentials"} 1`,
		`cloudgate_active_sessions 1`,
		`cloudgate_http_request_duration_seconds_bucket`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}
