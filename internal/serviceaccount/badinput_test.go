package serviceaccount_test

import (
	"net/http"
	"strings"
	"testing"
)

// Malformed or misdirected requests to every service-account endpoint get
// their exact status and code, never a 500, and change nothing.
func TestBadInput(t *testing.T) {
	h := newHarness(t)
	c := h.c
	id := c.newAccount(acme, h.alice, "vApp Author")
	pending := c.newAccount(acme, h.alice, "vApp Author")
	a := c.authorize(acme, pending)
	device, user := a.str(t, "device_code"), a.str(t, "user_code")
	path := "/cloudapi/1.0.0/serviceAccounts/" + urnOf(id)
	auth := func(extra ...string) []string {
		return append([]string{"Authorization", "Bearer " + h.alice, "Accept", accept}, extra...)
	}
	js := auth("Content-Type", jsonType)
	fm := []string{"Content-Type", formType}
	tokenPath := "/oauth/tenant/acme/token"
	authzPath := "/oauth/tenant/acme/device_authorization"
	for _, tc := range []struct {
		name, method, path, body string
		headers                  []string
		status                   int
		code                     string
	}{
		// device_authorization.
		{"authorize: no client_id", "POST", authzPath, form("scope", "x"), fm, 400, "invalid_request"},
		{"authorize: client_id twice", "POST", authzPath, form("client_id", id) + "&client_id=" + id, fm, 400, "invalid_request"},
		{"authorize: JSON body", "POST", authzPath, `{"client_id":"` + id + `"}`, []string{"Content-Type", jsonType}, 400, "invalid_request"},
		{"authorize: client_id in the query", "POST", authzPath + "?client_id=" + id, form("x", "y"), fm, 400, "invalid_request"},
		{"authorize: GET", "GET", authzPath, "", nil, 405, "invalid_request"},
		{"authorize: malformed client_id", "POST", authzPath, form("client_id", "robot"), fm, 400, "invalid_client"},
		{"authorize: unknown client_id", "POST", authzPath, form("client_id", "00000000-0000-4000-8000-000000000000"), fm, 400, "invalid_client"},
		{"authorize: token URN", "POST", authzPath, form("client_id", "urn:vcloud:token:"+id), fm, 400, "invalid_client"},
		{"authorize: another org's endpoint", "POST", "/oauth/tenant/globex/device_authorization", form("client_id", id), fm, 400, "invalid_client"},
		{"authorize: provider endpoint", "POST", "/oauth/provider/device_authorization", form("client_id", id), fm, 400, "invalid_client"},
		{"authorize: oversized", "POST", authzPath, form("client_id", id, "pad", strings.Repeat("p", 20<<10)), fm, 413, "invalid_request"},
		// device_code grant.
		{"poll: device_code twice", "POST", tokenPath, form("grant_type", deviceGT, "client_id", pending, "device_code", device, "device_code", device), fm, 400, "invalid_request"},
		{"poll: no device_code", "POST", tokenPath, form("grant_type", deviceGT, "client_id", pending), fm, 400, "invalid_request"},
		{"poll: another client_id", "POST", tokenPath, form("grant_type", deviceGT, "client_id", id, "device_code", device), fm, 400, "invalid_grant"},
		{"poll: another org", "POST", "/oauth/tenant/globex/token", form("grant_type", deviceGT, "client_id", pending, "device_code", device), fm, 400, "invalid_grant"},
		{"poll: garbage code", "POST", tokenPath, form("grant_type", deviceGT, "client_id", pending, "device_code", "garbage"), fm, 400, "invalid_grant"},
		{"poll: device code in the query", "POST", tokenPath + "?device_code=" + device, form("grant_type", deviceGT, "client_id", pending), fm, 400, "invalid_request"},
		{"refresh: session token as refresh token", "POST", tokenPath, form("grant_type", "refresh_token", "refresh_token", h.alice), fm, 400, "invalid_grant"},
		{"refresh: unknown rotating token", "POST", tokenPath, form("grant_type", "refresh_token", "refresh_token", "cgr_"+strings.Repeat("R", 43)), fm, 400, "invalid_grant"},
		// deviceLookup and its grant and deny.
		{"lookup: no session", "POST", "/cloudapi/1.0.0/deviceLookup", `{"userCode":"` + user + `"}`, []string{"Content-Type", jsonType, "Accept", accept}, 401, "NOT_AUTHENTICATED"},
		{"lookup: form body", "POST", "/cloudapi/1.0.0/deviceLookup", "userCode=" + user, auth("Content-Type", formType), 415, "UNSUPPORTED_MEDIA_TYPE"},
		{"lookup: no content type", "POST", "/cloudapi/1.0.0/deviceLookup", `{"userCode":"` + user + `"}`, auth(), 415, "UNSUPPORTED_MEDIA_TYPE"},
		{"lookup: latin-1", "POST", "/cloudapi/1.0.0/deviceLookup", `{"userCode":"` + user + `"}`, auth("Content-Type", "application/json; charset=ISO-8859-1"), 415, "UNSUPPORTED_MEDIA_TYPE"},
		{"lookup: malformed JSON", "POST", "/cloudapi/1.0.0/deviceLookup", `{"userCode":`, js, 400, "BAD_REQUEST"},
		{"lookup: not an object", "POST", "/cloudapi/1.0.0/deviceLookup", `["` + user + `"]`, js, 400, "BAD_REQUEST"},
		{"lookup: two objects", "POST", "/cloudapi/1.0.0/deviceLookup", `{"userCode":"` + user + `"}{}`, js, 400, "BAD_REQUEST"},
		{"lookup: key twice", "POST", "/cloudapi/1.0.0/deviceLookup", `{"userCode":"BBBB-BBBB","usercode":"` + user + `"}`, js, 400, "BAD_REQUEST"},
		{"lookup: number", "POST", "/cloudapi/1.0.0/deviceLookup", `{"userCode":12345678}`, js, 400, "BAD_REQUEST"},
		{"lookup: no code", "POST", "/cloudapi/1.0.0/deviceLookup", `{"user_code":"` + user + `"}`, js, 400, "BAD_REQUEST"},
		{"lookup: malformed code", "POST", "/cloudapi/1.0.0/deviceLookup", `{"userCode":"1234-5678"}`, js, 400, "BAD_REQUEST"},
		{"lookup: oversized", "POST", "/cloudapi/1.0.0/deviceLookup", `{"userCode":"` + user + `","pad":"` + strings.Repeat("p", 70<<10) + `"}`, js, 413, "REQUEST_ENTITY_TOO_LARGE"},
		{"lookup: GET", "GET", "/cloudapi/1.0.0/deviceLookup", "", auth(), 405, "METHOD_NOT_ALLOWED"},
		{"grant: form body", "POST", "/cloudapi/1.0.0/deviceLookup/grant", "userCode=" + user, auth("Content-Type", formType), 415, "UNSUPPORTED_MEDIA_TYPE"},
		{"grant: key twice", "POST", "/cloudapi/1.0.0/deviceLookup/grant", `{"userCode":"` + user + `","userCode":"` + user + `"}`, js, 400, "BAD_REQUEST"},
		{"deny: null code", "POST", "/cloudapi/1.0.0/deviceLookup/deny", `{"userCode":null}`, js, 400, "BAD_REQUEST"},
		// serviceAccounts by id.
		{"GET: unparsable id", "GET", "/cloudapi/1.0.0/serviceAccounts/robot", "", auth(), 403, "ACCESS_TO_RESOURCE_IS_FORBIDDEN"},
		{"GET: a token's URN", "GET", "/cloudapi/1.0.0/serviceAccounts/urn:vcloud:token:" + id, "", auth(), 403, "ACCESS_TO_RESOURCE_IS_FORBIDDEN"},
		{"GET: unknown", "GET", "/cloudapi/1.0.0/serviceAccounts/" + urnOf("00000000-0000-4000-8000-000000000000"), "", auth(), 403, "ACCESS_TO_RESOURCE_IS_FORBIDDEN"},
		{"revoke: unknown", "POST", "/cloudapi/1.0.0/serviceAccounts/" + urnOf("00000000-0000-4000-8000-000000000000") + "/revoke", "", auth(), 403, "ACCESS_TO_RESOURCE_IS_FORBIDDEN"},
		{"POST the collection", "POST", "/cloudapi/1.0.0/serviceAccounts", `{}`, js, 405, "METHOD_NOT_ALLOWED"},
		{"GET revoke", "GET", path + "/revoke", "", auth(), 405, "METHOD_NOT_ALLOWED"},
		{"PUT: form body", "PUT", path, "softwareId=x", auth("Content-Type", formType), 415, "UNSUPPORTED_MEDIA_TYPE"},
		{"PUT: malformed JSON", "PUT", path, `{"softwareId":`, js, 400, "BAD_REQUEST"},
		{"PUT: key twice", "PUT", path, `{"softwareId":"a","SoftwareId":"b"}`, js, 400, "BAD_REQUEST"},
		{"PUT: wrong type", "PUT", path, `{"softwareVersion":2}`, js, 400, "BAD_REQUEST"},
		{"PUT: rename", "PUT", path, `{"name":"another"}`, js, 400, "BAD_REQUEST"},
		{"PUT: another id", "PUT", path, `{"id":"` + urnOf(pending) + `"}`, js, 400, "BAD_REQUEST"},
		{"PUT: malformed id", "PUT", path, `{"id":"robot"}`, js, 400, "BAD_REQUEST"},
		{"PUT: another org by id", "PUT", path, `{"org":{"id":"urn:vcloud:org:00000000-0000-4000-8000-000000000000"}}`, js, 400, "BAD_REQUEST"},
		{"PUT: another org by name", "PUT", path, `{"org":{"name":"globex"}}`, js, 400, "BAD_REQUEST"},
		{"PUT: unknown role", "PUT", path, `{"role":{"name":"Nobody"}}`, js, 400, "BAD_REQUEST"},
		{"PUT: malformed role id", "PUT", path, `{"role":{"id":"admin"}}`, js, 400, "BAD_REQUEST"},
		{"PUT: System-only role", "PUT", path, `{"role":{"name":"System Administrator"}}`, js, 400, "BAD_REQUEST"},
		{"PUT: bad uri", "PUT", path, `{"uri":"javascript:alert(1)"}`, js, 400, "BAD_REQUEST"},
		{"PUT: software id too long", "PUT", path, `{"softwareId":"` + strings.Repeat("s", 129) + `"}`, js, 400, "BAD_REQUEST"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := c.do(tc.method, tc.path, tc.body, tc.headers...)
			if r.status != tc.status || r.code() != tc.code {
				t.Fatalf("got %d %q, want %d %q; body %s", r.status, r.code(), tc.status, tc.code, r.body)
			}
			if strings.Contains(string(r.body), device) {
				t.Fatal("an error echoes the device code")
			}
		})
	}
	// Nothing above changed the accounts.
	if c.status(h.admin, id) != "CREATED" || c.status(h.admin, pending) != "REQUESTED" {
		t.Fatal("a refused request changed an account")
	}
	r := c.api(http.MethodGet, "/serviceAccounts/"+urnOf(id), h.alice, "")
	if m := r.json(t); m["softwareId"] != "sw-1" || m["name"] == "" || m["uri"] != "" {
		t.Fatalf("account after the bad PUTs: %s", r.body)
	}
	// The pending authorization still works.
	if r := c.decide("grant", h.alice, user); r.status != http.StatusNoContent {
		t.Fatalf("grant after the bad requests: %d %s", r.status, r.body)
	}
	if r := c.poll(acme, pending, device); r.status != http.StatusOK {
		t.Fatalf("device code after the bad requests: %d %s", r.status, r.body)
	}
}
