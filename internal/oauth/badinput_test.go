package oauth_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/testserver"
	"github.com/cloudgate/cloudgate/internal/urn"
)

// tokenSessions counts the live sessions made from API tokens.
func tokenSessions(t testing.TB, srv *testserver.Server) int {
	t.Helper()
	rows, _, err := srv.Store().Sessions(t.Context(), store.SessionQuery{Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, row := range rows {
		if row.Origin == store.OriginAPIToken {
			n++
		}
	}
	return n
}

// Every malformed or misdirected request to the /oauth endpoints gets its
// exact status and RFC error code, in one object that is also a Cloud
// Director OpenApiError, never cached, and never a 500.
func TestBadInput(t *testing.T) {
	srv := testserver.Start(t)
	c := newTestClient(t, srv)
	bobSess, aliceSess, daveSess, adminSess := c.login(bob), c.login(alice), c.login(dave), c.login(admin)
	bobID, bobSecret := c.newToken(bob, bobSess, "bob's")
	_, adminSecret := c.newToken(admin, adminSess, "admin's")
	aliceID := c.register("tenant/acme", aliceSess, "alice's unminted").str(t, "client_id")
	pending := c.register("tenant/acme", bobSess, "bob's unminted").str(t, "client_id")
	unknown := "cga_" + strings.Repeat("A", 43)

	form := func(pairs ...string) string {
		var b strings.Builder
		for i := 0; i+1 < len(pairs); i += 2 {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(url.QueryEscape(pairs[i]) + "=" + url.QueryEscape(pairs[i+1]))
		}
		return b.String()
	}
	refresh := form("grant_type", "refresh_token", "refresh_token", bobSecret)
	jsonCT := []string{"Content-Type", "application/json", "Authorization", "Bearer " + bobSess}

	before := tokenSessions(t, srv)
	for _, tc := range []struct {
		name, method, path, body string
		headers                  []string
		status                   int
		code                     string
	}{
		// Token endpoint: the form itself.
		{"grant_type twice", "POST", "/oauth/tenant/acme/token", refresh + "&grant_type=refresh_token", nil, 400, "invalid_request"},
		{"refresh_token twice", "POST", "/oauth/tenant/acme/token", refresh + "&refresh_token=" + bobSecret, nil, 400, "invalid_request"},
		{"unknown parameter twice", "POST", "/oauth/tenant/acme/token", refresh + "&x=1&x=2", nil, 400, "invalid_request"},
		{"empty and full duplicate", "POST", "/oauth/tenant/acme/token", "grant_type=&" + refresh, nil, 400, "invalid_request"},
		{"token in the query", "POST", "/oauth/tenant/acme/token?refresh_token=" + bobSecret, form("grant_type", "refresh_token"), nil, 400, "invalid_request"},
		{"token in query and body", "POST", "/oauth/tenant/acme/token?refresh_token=" + bobSecret, refresh, nil, 400, "invalid_request"},
		{"grant_type in the query", "POST", "/oauth/tenant/acme/token?GRANT_TYPE=refresh_token", refresh, nil, 400, "invalid_request"},
		{"escaped name in the query", "POST", "/oauth/tenant/acme/token?refresh%5Ftoken=x", refresh, nil, 400, "invalid_request"},
		{"JSON body", "POST", "/oauth/tenant/acme/token", `{"grant_type":"refresh_token"}`, []string{"Content-Type", "application/json"}, 400, "invalid_request"},
		{"no content type", "POST", "/oauth/tenant/acme/token", refresh, []string{"Content-Type", ""}, 400, "invalid_request"},
		{"latin-1 form", "POST", "/oauth/tenant/acme/token", refresh, []string{"Content-Type", formType + "; charset=ISO-8859-1"}, 400, "invalid_request"},
		{"oversized body", "POST", "/oauth/tenant/acme/token", refresh + "&pad=" + strings.Repeat("a", 20<<10), nil, 413, "invalid_request"},
		{"bad escape", "POST", "/oauth/tenant/acme/token", "grant_type=refresh%zz", nil, 400, "invalid_request"},
		{"no grant_type", "POST", "/oauth/tenant/acme/token", form("refresh_token", bobSecret), nil, 400, "invalid_request"},
		{"unknown grant_type", "POST", "/oauth/tenant/acme/token", form("grant_type", "password", "username", "bob", "password", "x"), nil, 400, "unsupported_grant_type"},
		{"device_code grant without client_id", "POST", "/oauth/tenant/acme/token", form("grant_type", "urn:ietf:params:oauth:grant-type:device_code", "device_code", "x"), nil, 400, "invalid_request"},
		{"device_code grant with an unknown code", "POST", "/oauth/tenant/acme/token", form("grant_type", "urn:ietf:params:oauth:grant-type:device_code", "device_code", "cgd_"+strings.Repeat("E", 43), "client_id", urn.New().String()), nil, 400, "invalid_grant"},
		{"GET", "GET", "/oauth/tenant/acme/token", "", nil, 405, "invalid_request"},
		// The refresh_token grant.
		{"no refresh_token", "POST", "/oauth/tenant/acme/token", form("grant_type", "refresh_token"), nil, 400, "invalid_request"},
		{"unknown API token", "POST", "/oauth/tenant/acme/token", form("grant_type", "refresh_token", "refresh_token", unknown), nil, 400, "invalid_grant"},
		{"garbage API token", "POST", "/oauth/tenant/acme/token", form("grant_type", "refresh_token", "refresh_token", "not a token"), nil, 400, "invalid_grant"},
		{"session token as API token", "POST", "/oauth/tenant/acme/token", form("grant_type", "refresh_token", "refresh_token", bobSess), nil, 400, "invalid_grant"},
		{"acme token at globex", "POST", "/oauth/tenant/globex/token", refresh, nil, 400, "invalid_grant"},
		{"acme token at provider", "POST", "/oauth/provider/token", refresh, nil, 400, "invalid_grant"},
		{"acme token at unknown org", "POST", "/oauth/tenant/nosuch/token", refresh, nil, 400, "invalid_grant"},
		{"System token at tenant/System", "POST", "/oauth/tenant/System/token", form("grant_type", "refresh_token", "refresh_token", adminSecret), nil, 400, "invalid_grant"},
		{"another client_id", "POST", "/oauth/tenant/acme/token", refresh + "&client_id=" + aliceID, nil, 400, "invalid_grant"},
		// The jwt-bearer grant.
		{"no assertion", "POST", "/oauth/tenant/acme/token", form("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer", "client_id", pending), nil, 400, "invalid_request"},
		{"no client_id", "POST", "/oauth/tenant/acme/token", form("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion", bobSess), nil, 400, "invalid_request"},
		{"dead assertion", "POST", "/oauth/tenant/acme/token", form("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion", "cgs_"+strings.Repeat("B", 43), "client_id", pending), nil, 400, "invalid_grant"},
		{"malformed client_id", "POST", "/oauth/tenant/acme/token", form("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion", bobSess, "client_id", "x"), nil, 400, "invalid_client"},
		{"unknown client_id", "POST", "/oauth/tenant/acme/token", form("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion", bobSess, "client_id", urn.New().String()), nil, 400, "invalid_client"},
		{"another user's client_id", "POST", "/oauth/tenant/acme/token", form("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion", bobSess, "client_id", aliceID), nil, 400, "invalid_client"},
		{"already issued", "POST", "/oauth/tenant/acme/token", form("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion", bobSess, "client_id", bobID), nil, 400, "invalid_grant"},
		{"assertion at another org", "POST", "/oauth/tenant/globex/token", form("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion", bobSess, "client_id", pending), nil, 400, "invalid_grant"},
		{"globex assertion at acme", "POST", "/oauth/tenant/acme/token", form("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion", daveSess, "client_id", pending), nil, 400, "invalid_grant"},
		// Registration.
		{"register: no session", "POST", "/oauth/tenant/acme/register", `{"client_name":"x"}`, []string{"Content-Type", "application/json"}, 401, "invalid_token"},
		{"register: two different tokens", "POST", "/oauth/tenant/acme/register", `{"client_name":"x"}`, append(jsonCT, "X-Vmware-Vcloud-Access-Token", aliceSess), 400, "invalid_request"},
		{"register: form body", "POST", "/oauth/tenant/acme/register", "client_name=x", []string{"Content-Type", formType, "Authorization", "Bearer " + bobSess}, 415, "invalid_request"},
		{"register: malformed JSON", "POST", "/oauth/tenant/acme/register", `{"client_name":`, jsonCT, 400, "invalid_request"},
		{"register: not an object", "POST", "/oauth/tenant/acme/register", `["x"]`, jsonCT, 400, "invalid_client_metadata"},
		{"register: name of wrong type", "POST", "/oauth/tenant/acme/register", `{"client_name":5}`, jsonCT, 400, "invalid_client_metadata"},
		{"register: no name", "POST", "/oauth/tenant/acme/register", `{}`, jsonCT, 400, "invalid_client_metadata"},
		{"register: empty name", "POST", "/oauth/tenant/acme/register", `{"client_name":""}`, jsonCT, 400, "invalid_client_metadata"},
		{"register: control character", "POST", "/oauth/tenant/acme/register", `{"client_name":"a\u0007b"}`, jsonCT, 400, "invalid_client_metadata"},
		{"register: name too long", "POST", "/oauth/tenant/acme/register", `{"client_name":"` + strings.Repeat("n", 129) + `"}`, jsonCT, 400, "invalid_client_metadata"},
		{"register: duplicate name", "POST", "/oauth/tenant/acme/register", `{"client_name":"BOB'S"}`, jsonCT, 400, "invalid_client_metadata"},
		{"register: service account without the right", "POST", "/oauth/tenant/acme/register", `{"client_name":"sa","software_id":"x","scope":"urn:vcloud:role:vApp%20User"}`, jsonCT, 403, "access_denied"},
		{"register: negative lifetime", "POST", "/oauth/tenant/acme/register", `{"client_name":"e","expires_in":-5}`, jsonCT, 400, "invalid_client_metadata"},
		{"register: lifetime too short", "POST", "/oauth/tenant/acme/register", `{"client_name":"e","expires_in":60}`, jsonCT, 400, "invalid_client_metadata"},
		{"register: oversized", "POST", "/oauth/tenant/acme/register", `{"client_name":"` + strings.Repeat("n", 70<<10) + `"}`, jsonCT, 413, "invalid_request"},
		{"register: another org", "POST", "/oauth/tenant/globex/register", `{"client_name":"x"}`, jsonCT, 403, "access_denied"},
		{"register: provider as tenant", "POST", "/oauth/provider/register", `{"client_name":"x"}`, jsonCT, 403, "access_denied"},
		// Revocation.
		{"revoke: no token", "POST", "/oauth/tenant/acme/revoke", form("token_type_hint", "refresh_token"), nil, 400, "invalid_request"},
		{"revoke: token in the query", "POST", "/oauth/tenant/acme/revoke?token=" + bobSecret, form("x", "y"), nil, 400, "invalid_request"},
		{"revoke: token twice", "POST", "/oauth/tenant/acme/revoke", form("token", unknown, "token", unknown), nil, 400, "invalid_request"},
		{"revoke: service-account token", "POST", "/oauth/tenant/acme/revoke", form("token", "cgr_"+strings.Repeat("C", 43)), nil, 400, "unsupported_token_type"},
		{"revoke: at another org", "POST", "/oauth/tenant/globex/revoke", form("token", bobSecret), nil, 400, "invalid_request"},
		{"unknown oauth path", "POST", "/oauth/tenant/acme/authorize", "", nil, 404, "not_found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			headers := tc.headers
			if headers == nil {
				headers = []string{"Content-Type", formType}
			}
			r := c.do(tc.method, tc.path, tc.body, headers...)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d; body %s", r.status, tc.status, r.body)
			}
			m := r.json(t)
			if m["error"] != tc.code {
				t.Fatalf("error %v, want %s; body %s", m["error"], tc.code, r.body)
			}
			for _, k := range []string{"error_description", "minorErrorCode", "message", "stackTrace"} {
				if _, ok := m[k].(string); !ok {
					t.Fatalf("%s missing from %s", k, r.body)
				}
			}
			if desc := m["error_description"].(string); strings.ContainsAny(desc, "\"\\") {
				t.Fatalf("error_description %q has characters RFC 6749 forbids", desc)
			}
			if r.header.Get("Cache-Control") != "no-store" || r.header.Get("Pragma") != "no-cache" {
				t.Fatalf("cache headers %v", r.header)
			}
			if tc.status == 405 && r.header.Get("Allow") != "POST" {
				t.Fatalf("Allow = %q", r.header.Get("Allow"))
			}
			if strings.Contains(string(r.body), bobSecret) {
				t.Fatal("the response echoes the API token")
			}
		})
	}

	// Nothing above made a session.
	if after := tokenSessions(t, srv); after != before {
		t.Fatalf("refused requests made sessions: %d token sessions before, %d after", before, after)
	}
	// The token still works: refusing it in the query did not burn it.
	if r := c.grant("tenant/acme", refreshForm(bobSecret)); r.status != http.StatusOK {
		t.Fatalf("exchange after the bad requests: %d %s", r.status, r.body)
	}
}

// After 100 failed grants from one address, that address is refused with
// 429 and Retry-After, even with a valid token.
func TestFailureBudgetOverHTTP(t *testing.T) {
	srv := testserver.Start(t)
	c := pooled(t, srv)
	_, sec := c.newToken(bob, c.login(bob), "t")
	bad := refreshForm("cga_" + strings.Repeat("D", 43))
	for i := range 100 {
		if r := c.grant("tenant/acme", bad); r.status != http.StatusBadRequest {
			t.Fatalf("failure %d: %d %s", i, r.status, r.body)
		}
	}
	r := c.grant("tenant/acme", refreshForm(sec))
	if r.status != http.StatusTooManyRequests || r.str(t, "error") != "temporarily_unavailable" || r.header.Get("Retry-After") != "60" {
		t.Fatalf("after the budget: %d %v %s", r.status, r.header, r.body)
	}
}
