package e2e

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/cloudgate/cloudgate/internal/audit"
	"github.com/cloudgate/cloudgate/internal/testserver"
	"github.com/cloudgate/cloudgate/internal/urn"
)

// The cross-dialect tests speak plain HTTP to a real server over HTTPS,
// as each dialect's clients do.

type reply struct {
	status int
	header http.Header
	body   []byte
}

func send(t *testing.T, srv *testserver.Server, method, url string, header ...string) reply {
	t.Helper()
	if strings.HasPrefix(url, "/") {
		url = srv.URL + url
	}
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Add(header[i], header[i+1])
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return reply{resp.StatusCode, resp.Header, body}
}

func basicAuth(userAtOrg, password string) string {
	req, _ := http.NewRequest("GET", "/", nil)
	req.SetBasicAuth(userAtOrg, password)
	return req.Header.Get("Authorization")
}

const (
	jsonAccept = "application/json;version=36.2"
	xmlAccept  = "application/*+xml;version=36.2"
	vchsAccept = "application/xml;version=5.6"
)

// logins of alice through every dialect.
type logins struct {
	cloudapi, api, vss, vchs, handoff string
}

func loginEverywhere(t *testing.T, srv *testserver.Server, userAtOrg string) logins {
	t.Helper()
	auth := basicAuth(userAtOrg, testserver.Password)
	var l logins
	r := send(t, srv, "POST", "/cloudapi/1.0.0/sessions", "Authorization", auth, "Accept", jsonAccept)
	if l.cloudapi = r.header.Get("X-Vmware-Vcloud-Access-Token"); r.status != 200 || l.cloudapi == "" {
		t.Fatalf("cloudapi login: %d", r.status)
	}
	r = send(t, srv, "POST", "/api/sessions", "Authorization", auth, "Accept", xmlAccept, "User-Agent", "pyvcloud/23.0")
	if l.api = r.header.Get("x-vcloud-authorization"); r.status != 200 || len(l.api) != 32 {
		t.Fatalf("api login: %d", r.status)
	}
	r = send(t, srv, "POST", "/auth/request-token", "Authorization", auth)
	var tok struct{ Token string }
	if json.Unmarshal(r.body, &tok); r.status != 200 || tok.Token == "" {
		t.Fatalf("vss login: %d %s", r.status, r.body)
	}
	l.vss = tok.Token
	r = send(t, srv, "POST", "/api/vchs/sessions", "Authorization", auth, "Accept", vchsAccept)
	if l.vchs = r.header.Get("x-vchs-authorization"); r.status != 201 || l.vchs == "" {
		t.Fatalf("vchs login: %d", r.status)
	}
	// The hand-off: services → compute → the first VDC's vcloudsession.
	href := func(body []byte, pattern string) string {
		m := regexp.MustCompile(pattern).FindSubmatch(body)
		if m == nil {
			t.Fatalf("no %s in %s", pattern, body)
		}
		return string(m[1])
	}
	r = send(t, srv, "GET", "/api/vchs/services", "x-vchs-authorization", l.vchs, "Accept", vchsAccept)
	compute := href(r.body, `<Service href="([^"]+)"`)
	r = send(t, srv, "GET", compute, "x-vchs-authorization", l.vchs, "Accept", vchsAccept)
	r = send(t, srv, "POST", href(r.body, `href="([^"]+/vcloudsession)"`), "x-vchs-authorization", l.vchs, "Accept", vchsAccept)
	if r.status != 201 {
		t.Fatalf("hand-off: %d %s", r.status, r.body)
	}
	l.handoff = href(r.body, `authorizationToken="([0-9a-f]{32})"`)
	return l
}

// keysOf lists the session keys a VSS-style caller sees.
func keysOf(t *testing.T, srv *testserver.Server, tok string) []string {
	t.Helper()
	r := send(t, srv, "GET", "/v2/session?per_page=100", "Authorization", "Bearer "+tok)
	if r.status != 200 {
		t.Fatalf("GET /v2/session: %d %s", r.status, r.body)
	}
	var l struct {
		Data []struct {
			Key      string `json:"key"`
			Username string `json:"username"`
		} `json:"data"`
	}
	if err := json.Unmarshal(r.body, &l); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, d := range l.Data {
		keys = append(keys, d.Key)
	}
	return keys
}

// Log in through every dialect, list everything through /v2/session, end
// each session through another dialect than the one that made it, and
// check that each token is then refused by its own dialect.
func TestCrossDialect(t *testing.T) {
	srv := testserver.Start(t)
	ctx := context.Background()
	alice := loginEverywhere(t, srv, "alice@acme")
	bob := loginEverywhere(t, srv, "bob@acme")

	// /v2/session lists alice's five sessions, of every dialect, and none
	// of bob's.
	keys := keysOf(t, srv, alice.vss)
	if len(keys) != 5 {
		t.Fatalf("alice's sessions: %v", keys)
	}
	byKind := map[string]string{} // "dialect/origin" -> key
	for _, k := range keys {
		id, _ := urn.Parse(k)
		rec, err := srv.Server.Sessions().Lookup(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		byKind[rec.Dialect+"/"+string(rec.Origin)] = k
	}
	var kinds []string
	for k := range byKind {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	if strings.Join(kinds, " ") != "api/password cloudapi/password vchs/handoff vchs/password vss/password" {
		t.Fatalf("kinds %v", kinds)
	}
	for _, k := range keysOf(t, srv, bob.vss) {
		for _, a := range keys {
			if k == a {
				t.Fatal("bob sees one of alice's sessions")
			}
		}
	}
	// The /api login's user agent and address are what /v2/session shows.
	r := send(t, srv, "GET", "/v2/session/"+byKind["api/password"], "Authorization", "Bearer "+alice.vss)
	if !strings.Contains(string(r.body), `"userAgent":"pyvcloud/23.0"`) || !strings.Contains(string(r.body), `"ip":"127.0.0.1"`) {
		t.Fatalf("detail %s", r.body)
	}

	// 1. The CloudAPI session, ended through the session-listing dialect.
	r = send(t, srv, "DELETE", "/v2/session/"+byKind["cloudapi/password"], "Authorization", "Bearer "+alice.vss)
	wantStatus(t, r, 204)
	r = send(t, srv, "GET", "/cloudapi/1.0.0/sessions/current", "Authorization", "Bearer "+alice.cloudapi, "Accept", jsonAccept)
	wantJSONCode(t, r, 401, "minorErrorCode", "NOT_AUTHENTICATED")

	// 2. The /api session, ended through CloudAPI (by id).
	r = send(t, srv, "DELETE", "/cloudapi/1.0.0/sessions/urn:vcloud:session:"+byKind["api/password"], "Authorization", "Bearer "+alice.vss, "Accept", jsonAccept)
	wantStatus(t, r, 204)
	r = send(t, srv, "GET", "/api/session", "x-vcloud-authorization", alice.api, "Accept", xmlAccept)
	wantXMLCode(t, r, 401)

	// 3. The VSS token, ended through vCHS (its logout ends the session of
	// the token it is given).
	r = send(t, srv, "DELETE", "/api/vchs/session", "x-vchs-authorization", alice.vss, "Accept", vchsAccept)
	wantStatus(t, r, 204)
	r = send(t, srv, "GET", "/v2/session", "Authorization", "Bearer "+alice.vss)
	wantJSONCode(t, r, 401, "error", "Unauthorized")

	// 4. The vCHS session, ended through Cloud Director's /api logout.
	r = send(t, srv, "DELETE", "/api/session", "Authorization", "Bearer "+alice.vchs, "Accept", xmlAccept)
	wantStatus(t, r, 204)
	r = send(t, srv, "GET", "/api/vchs/services", "x-vchs-authorization", alice.vchs, "Accept", vchsAccept)
	wantXMLCode(t, r, 401)

	// 5. The hand-off session, ended through the session-listing dialect
	// from a fresh login (alice logs in everywhere again).
	fresh := loginEverywhere(t, srv, "alice@acme").vss
	r = send(t, srv, "DELETE", "/v2/session/"+byKind["vchs/handoff"], "Authorization", "Bearer "+fresh)
	wantStatus(t, r, 204)
	r = send(t, srv, "GET", "/api/org", "x-vcloud-authorization", alice.handoff, "Accept", "application/*+xml;version=5.6")
	wantXMLCode(t, r, 401)

	// None of alice's first five is listed any more; bob's all work.
	for _, k := range keysOf(t, srv, fresh) {
		for _, old := range keys {
			if k == old {
				t.Fatalf("ended session %s still listed", k)
			}
		}
	}
	if len(keysOf(t, srv, bob.vss)) != 5 {
		t.Fatal("bob lost sessions")
	}
	wantStatus(t, send(t, srv, "GET", "/cloudapi/1.0.0/sessions/current", "Authorization", "Bearer "+bob.cloudapi, "Accept", jsonAccept), 200)
	wantStatus(t, send(t, srv, "GET", "/api/session", "x-vcloud-authorization", bob.api, "Accept", xmlAccept), 200)
	wantStatus(t, send(t, srv, "GET", "/api/vchs/services", "x-vchs-authorization", bob.vchs, "Accept", vchsAccept), 200)
	wantStatus(t, send(t, srv, "GET", "/api/org", "x-vcloud-authorization", bob.handoff, "Accept", xmlAccept), 200)
}

// Disabling a user (or changing the password) ends its sessions in every
// dialect at once.
func TestDisableEndsEveryDialect(t *testing.T) {
	srv := testserver.Start(t)
	l := loginEverywhere(t, srv, "bob@acme")
	if _, err := srv.Server.Directory().SetUserEnabled(context.Background(), audit.CLI(), "acme", "bob", false); err != nil {
		t.Fatal(err)
	}
	wantJSONCode(t, send(t, srv, "GET", "/cloudapi/1.0.0/sessions/current", "Authorization", "Bearer "+l.cloudapi, "Accept", jsonAccept), 401, "minorErrorCode", "NOT_AUTHENTICATED")
	wantXMLCode(t, send(t, srv, "GET", "/api/session", "x-vcloud-authorization", l.api, "Accept", xmlAccept), 401)
	wantJSONCode(t, send(t, srv, "GET", "/v2/session", "Authorization", "Bearer "+l.vss), 401, "error", "Unauthorized")
	wantXMLCode(t, send(t, srv, "GET", "/api/vchs/services", "x-vchs-authorization", l.vchs, "Accept", vchsAccept), 401)
	wantXMLCode(t, send(t, srv, "GET", "/api/org", "x-vcloud-authorization", l.handoff, "Accept", xmlAccept), 401)
}

func wantStatus(t *testing.T, r reply, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
}

func wantJSONCode(t *testing.T, r reply, status int, field, value string) {
	t.Helper()
	wantStatus(t, r, status)
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil || m[field] != value {
		t.Fatalf("want %s=%q in %s", field, value, r.body)
	}
}

func wantXMLCode(t *testing.T, r reply, status int) {
	t.Helper()
	wantStatus(t, r, status)
	var e struct {
		XMLName xml.Name
		Major   int `xml:"majorErrorCode,attr"`
	}
	if err := xml.Unmarshal(r.body, &e); err != nil || e.XMLName.Local != "Error" || e.Major != status {
		t.Fatalf("want an XML Error %d: %s", status, r.body)
	}
}
