package sessionapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cloudgate/cloudgate/internal/audit"
	"github.com/cloudgate/cloudgate/internal/testserver"
	"github.com/cloudgate/cloudgate/internal/testserver/testclient"
)

// keyOf returns the key of the session tok is, found by listing with it:
// the newest session is the one just created.
func keyOf(t *testing.T, srv *testserver.Server, tok string) string {
	t.Helper()
	l := list(t, srv, tok, "?per_page=1")
	if len(l.Data) != 1 {
		t.Fatalf("no session listed")
	}
	return l.Data[0].Key
}

// GET /v2/session/{key}: the documented fields, times in the server's zone
// as YYYY-MM-DD HH:MM:SS, deltas as Python timedeltas, in the envelope.
func TestDetail(t *testing.T) {
	clk := newClock()
	srv := testserver.Start(t, testserver.WithClock(clk.Now))
	if err := srv.Server.Settings().Set(context.Background(), audit.CLI(), "vss-token-lifetime", "720h"); err != nil {
		t.Fatal(err)
	}
	t0 := clk.Now()
	old := requestToken(t, srv, "alice@acme", "User-Agent", "VMware VI Client/4.0")
	key := keyOf(t, srv, old.Token)
	// Used once more, 24 days + 51.439527 s - 13:59.079416 later ...
	clk.Advance(24*24*time.Hour + 51439527*time.Microsecond - (13*time.Minute + 59079416*time.Microsecond))
	t1 := clk.Now()
	if r := do(t, srv, http.MethodGet, "/v2/", "Authorization", bearer(old.Token)); r.StatusCode != 200 {
		t.Fatalf("using the old token: %d", r.StatusCode)
	}
	// ... and looked at 13:59.079416 after that, with another token.
	clk.Advance(13*time.Minute + 59079416*time.Microsecond)
	tok := requestToken(t, srv, "alice@acme").Token
	r := do(t, srv, http.MethodGet, "/v2/session/"+key, "Authorization", bearer(tok))
	if r.StatusCode != http.StatusOK {
		t.Fatalf("%d %s", r.StatusCode, r.body)
	}
	var d detailReply
	r.json(t, &d)
	want := map[string]string{
		"domain":              "acme",
		"ip":                  "127.0.0.1",
		"lastActiveTime":      t1.Local().Format("2006-01-02 15:04:05"),
		"lastActiveTimeDelta": "0:13:59.079416",
		"loginTime":           t0.Local().Format("2006-01-02 15:04:05"),
		"loginTimeDelta":      "24 days, 0:00:51.439527",
		"userAgent":           "VMware VI Client/4.0",
		"username":            `acme\alice`,
	}
	if len(d.Data) != 1 || len(d.Data[0]) != len(want) {
		t.Fatalf("data %s", r.body)
	}
	for k, v := range want {
		if d.Data[0][k] != v {
			t.Errorf("%s = %q, want %q", k, d.Data[0][k], v)
		}
	}
	if d.Links.Self != srv.URL+"/v2/session/"+key || d.Links.Session != srv.URL+"/v2/session" || d.Meta.Count != 1 ||
		d.Meta.User != "alice" || !regexp.MustCompile(`^\d+\.\d{5}s$`).MatchString(d.Meta.Time) {
		t.Fatalf("envelope %s", r.body)
	}
	// The same key in URN form.
	if r := do(t, srv, http.MethodGet, "/v2/session/urn:vcloud:session:"+key, "Authorization", bearer(tok)); r.StatusCode != 200 {
		t.Fatalf("URN key: %d", r.StatusCode)
	}
	// The caller's own current session: its last activity is now.
	r = do(t, srv, http.MethodGet, "/v2/session/"+keyOf(t, srv, tok), "Authorization", bearer(tok))
	r.json(t, &d)
	if d.Data[0]["lastActiveTimeDelta"] != "0:00:00" || d.Data[0]["loginTimeDelta"] != "0:00:00" {
		t.Fatalf("current session: %s", r.body)
	}
}

// Another user's or org's key is a 404 exactly like an unknown one; an
// org admin may end (not read) the org's sessions; after DELETE the token
// is refused.
func TestVisibilityAndDelete(t *testing.T) {
	srv := testserver.Start(t)
	alice1 := requestToken(t, srv, "alice@acme").Token
	alice2 := requestToken(t, srv, "alice@acme").Token
	bob := requestToken(t, srv, "bob@acme").Token
	carol := requestToken(t, srv, "carol@acme").Token
	dave := requestToken(t, srv, "dave@globex").Token
	aliceKey, bobKey, carolKey := keyOf(t, srv, alice2), keyOf(t, srv, bob), keyOf(t, srv, carol)

	notFound := func(method, key, tok string) {
		t.Helper()
		e := wantError(t, do(t, srv, method, "/v2/session/"+key, "Authorization", bearer(tok)), http.StatusNotFound)
		if e.Message != "Session not found." {
			t.Fatalf("message %q", e.Message)
		}
	}
	notFound(http.MethodGet, bobKey, alice1)   // an org admin does not read others' sessions
	notFound(http.MethodGet, aliceKey, bob)    // nor does anyone else
	notFound(http.MethodGet, aliceKey, dave)   // another org
	notFound(http.MethodDelete, aliceKey, bob) // bob may not end alice's
	notFound(http.MethodDelete, carolKey, bob)
	notFound(http.MethodDelete, aliceKey, dave) // globex's admin may not end acme's
	for _, k := range []string{"00000000-0000-4000-8000-000000000000", "not-a-key", "urn:vcloud:token:" + aliceKey, aliceKey[:35]} {
		notFound(http.MethodGet, k, alice1)
		notFound(http.MethodDelete, k, alice1)
	}

	// Own session.
	if r := do(t, srv, http.MethodDelete, "/v2/session/"+aliceKey, "Authorization", bearer(alice1)); r.StatusCode != http.StatusNoContent || len(r.body) != 0 {
		t.Fatalf("DELETE own: %d %s", r.StatusCode, r.body)
	}
	wantError(t, do(t, srv, http.MethodGet, "/v2/session", "Authorization", bearer(alice2)), http.StatusUnauthorized)
	notFound(http.MethodDelete, aliceKey, alice1) // already ended
	notFound(http.MethodGet, aliceKey, alice1)
	// The org admin ends bob's.
	if r := do(t, srv, http.MethodDelete, "/v2/session/"+bobKey, "Authorization", bearer(alice1)); r.StatusCode != http.StatusNoContent {
		t.Fatalf("admin DELETE: %d %s", r.StatusCode, r.body)
	}
	wantError(t, do(t, srv, http.MethodGet, "/v2/session", "Authorization", bearer(bob)), http.StatusUnauthorized)
	// Ending the session one is using: the answer is 204, the next request 401.
	aliceKey1 := keyOf(t, srv, alice1)
	if r := do(t, srv, http.MethodDelete, "/v2/session/"+aliceKey1, "Authorization", bearer(alice1)); r.StatusCode != http.StatusNoContent {
		t.Fatalf("DELETE current: %d", r.StatusCode)
	}
	wantError(t, do(t, srv, http.MethodGet, "/v2/session", "Authorization", bearer(alice1)), http.StatusUnauthorized)
	// Carol's and dave's are untouched.
	for _, tok := range []string{carol, dave} {
		if l := list(t, srv, tok, ""); l.Meta.Count != 1 {
			t.Fatalf("%+v", l.Meta)
		}
	}
}

func TestOptions(t *testing.T) {
	srv := testserver.Start(t)
	for path, want := range map[string]struct {
		allow   string
		methods []string
	}{
		"/auth/request-token": {"POST, OPTIONS", []string{"POST", "OPTIONS"}},
		"/v2/session":         {"GET, HEAD, OPTIONS", []string{"GET", "OPTIONS"}},
		"/v2/session/abc":     {"GET, HEAD, DELETE, OPTIONS", []string{"GET", "DELETE", "OPTIONS"}},
		"/v2/":                {"GET, HEAD, OPTIONS", []string{"GET", "OPTIONS"}},
	} {
		r := do(t, srv, http.MethodOptions, path) // no token needed
		if r.StatusCode != http.StatusOK || r.Header.Get("Allow") != want.allow {
			t.Fatalf("OPTIONS %s: %d Allow %q: %s", path, r.StatusCode, r.Header.Get("Allow"), r.body)
		}
		var body struct {
			Links map[string]string `json:"_links"`
			Data  map[string]struct {
				Description    string                     `json:"description"`
				Authentication string                     `json:"authentication"`
				Parameters     map[string]json.RawMessage `json:"parameters"`
				Responses      map[string]string          `json:"responses"`
			} `json:"data"`
			Meta struct {
				Count int `json:"count"`
			} `json:"meta"`
		}
		r.json(t, &body)
		if len(body.Data) != len(want.methods) || body.Meta.Count != len(want.methods) || body.Links["self"] != srv.URL+path {
			t.Fatalf("OPTIONS %s: %s", path, r.body)
		}
		for _, m := range want.methods {
			d, ok := body.Data[m]
			if !ok || d.Description == "" || d.Authentication == "" || len(d.Responses) == 0 || d.Parameters == nil {
				t.Fatalf("OPTIONS %s: method %s: %+v", path, m, d)
			}
		}
	}
	var body struct {
		Data map[string]struct {
			Parameters map[string]struct {
				Default any `json:"default"`
				Maximum int `json:"maximum"`
			} `json:"parameters"`
		} `json:"data"`
	}
	do(t, srv, http.MethodOptions, "/v2/session").json(t, &body)
	if pp := body.Data["GET"].Parameters["per_page"]; pp.Maximum != 100 || pp.Default != float64(10) {
		t.Fatalf("per_page described as %+v", pp)
	}
}

// Bad input gets an exact status in the dialect's format, never a 500.
func TestBadInput(t *testing.T) {
	srv := testserver.Start(t)
	tok := requestToken(t, srv, "bob@acme").Token
	auth := []string{"Authorization", bearer(tok)}
	for _, tc := range []struct {
		name, method, path string
		header             []string
		status             int
		challenge          bool
	}{
		{"no Authorization", "GET", "/v2/session", nil, 401, true},
		{"unknown scheme", "GET", "/v2/session", []string{"Authorization", "Token " + tok}, 401, true},
		{"garbage", "GET", "/v2/session", []string{"Authorization", "%%% garbage {}"}, 401, true},
		{"empty bearer", "GET", "/v2/session", []string{"Authorization", "Bearer "}, 401, true},
		{"unknown token", "GET", "/v2/session", []string{"Authorization", bearer("cgs_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")}, 401, true},
		{"huge token", "GET", "/v2/session", []string{"Authorization", bearer(strings.Repeat("A", 300))}, 401, true},
		{"token with password", "GET", "/v2/session", []string{"Authorization", testclient.Basic(tok, "x")}, 401, true},
		{"password credentials", "GET", "/v2/session", []string{"Authorization", testclient.Basic("bob@acme", testserver.Password)}, 401, true},
		{"bad base64", "GET", "/v2/session", []string{"Authorization", "Basic ???"}, 401, true},
		{"two Authorization", "GET", "/v2/session", []string{"Authorization", bearer(tok), "Authorization", bearer(tok)}, 400, false},
		{"per_page > 100", "GET", "/v2/session?per_page=101", auth, 400, false},
		{"per_page 0", "GET", "/v2/session?per_page=0", auth, 400, false},
		{"page 0", "GET", "/v2/session?page=0", auth, 400, false},
		{"page huge", "GET", "/v2/session?page=99999999999999999999", auth, 400, false},
		{"page past int32 offset", "GET", "/v2/session?page=2147483647", auth, 400, false},
		{"page text", "GET", "/v2/session?page=two", auth, 400, false},
		{"page twice", "GET", "/v2/session?page=1&page=1", auth, 400, false},
		{"unknown key", "GET", "/v2/session/0b4f6a2e-9c3d-4e5f-8a7b-1c2d3e4f5a6b", auth, 404, false},
		{"bad key", "GET", "/v2/session/..%2f..%2fetc", auth, 404, false},
		{"unknown resource", "GET", "/v2/nothing", auth, 404, false},
		{"trailing slash", "GET", "/v2/session/", auth, 404, false},
		{"unknown auth path", "POST", "/auth/other", nil, 404, false},
		{"PUT list", "PUT", "/v2/session", auth, 405, false},
		{"POST item", "POST", "/v2/session/abc", auth, 405, false},
		{"DELETE list", "DELETE", "/v2/session", auth, 405, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, srv, tc.method, tc.path, tc.header...)
			wantError(t, r, tc.status)
			if got := r.Header.Get("WWW-Authenticate"); tc.challenge != (got == `Bearer realm="VSS"`) {
				t.Fatalf("WWW-Authenticate %q", got)
			}
			if tc.status == 405 && r.Header.Get("Allow") == "" {
				t.Fatal("405 without Allow")
			}
		})
	}
	// A page past the end is not an error.
	if l := list(t, srv, tok, "?page=1000000&per_page=100"); l.Meta.Count != 0 || l.Meta.Pages.Total != 1 {
		t.Fatalf("%+v", l.Meta)
	}
}
