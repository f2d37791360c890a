package cluster

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// API-token helpers: the /oauth dialect over plain HTTP, as a script or
// govcd would use it.

const formType = "application/x-www-form-urlencoded"

// post sends body to path with the given content type and, if session is
// set, a bearer session; it returns the status (0: no answer) and body.
func post(in *instance, path, contentType, body, session string) (int, []byte) {
	req, err := http.NewRequest(http.MethodPost, in.url+path, strings.NewReader(body))
	if err != nil {
		return 0, nil
	}
	req.Header.Set("Content-Type", contentType)
	if session != "" {
		req.Header.Set("Authorization", "Bearer "+session)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil
	}
	return resp.StatusCode, b
}

// jsonField reads a string field of a JSON object ("" when absent).
func jsonField(body []byte, key string) string {
	var m map[string]any
	_ = json.Unmarshal(body, &m)
	s, _ := m[key].(string)
	return s
}

// apiToken is a registered and minted API token.
type apiToken struct {
	id     string // bare UUID (the OAuth client_id)
	secret string // cga_...
}

func (t apiToken) urn() string { return "urn:vcloud:token:" + t.id }

// newAPIToken registers a token named name for the password session s of
// a user of org (a tenant) on in, and mints its secret there.
func newAPIToken(t testing.TB, in *instance, org string, s session, name string) apiToken {
	t.Helper()
	reg, _ := json.Marshal(map[string]string{"client_name": name})
	code, body := post(in, "/oauth/tenant/"+org+"/register", "application/json", string(reg), s.token)
	if code != http.StatusOK {
		t.Fatalf("register %q on %s: %d %s", name, in.name, code, body)
	}
	id := jsonField(body, "client_id")
	form := url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:jwt-bearer"}, "assertion": {s.token}, "client_id": {id}}
	code, body = post(in, "/oauth/tenant/"+org+"/token", formType, form.Encode(), "")
	if code != http.StatusOK {
		t.Fatalf("mint %q on %s: %d %s", name, in.name, code, body)
	}
	return apiToken{id: id, secret: jsonField(body, "refresh_token")}
}

// refreshBody is the form of a refresh_token grant.
func refreshBody(secret string) string {
	return url.Values{"grant_type": {"refresh_token"}, "refresh_token": {secret}}.Encode()
}

// exchange runs the refresh_token grant on in; it returns the status, the
// access token (on 200) and the OAuth error code (otherwise).
func exchange(in *instance, org, secret string) (code int, access, oauthErr string) {
	code, body := post(in, "/oauth/tenant/"+org+"/token", formType, refreshBody(secret), "")
	return code, jsonField(body, "access_token"), jsonField(body, "error")
}

// mustExchange trades tok for a session on in.
func mustExchange(t testing.TB, in *instance, org string, tok apiToken) string {
	t.Helper()
	code, access, e := exchange(in, org, tok.secret)
	if code != http.StatusOK || access == "" {
		t.Fatalf("exchange on %s: %d %s", in.name, code, e)
	}
	return access
}

// wantGrantRefused asserts that the refresh_token grant with secret is
// refused with 400 invalid_grant on each instance.
func wantGrantRefused(t testing.TB, org, secret string, ins ...*instance) {
	t.Helper()
	for _, in := range ins {
		if code, _, e := exchange(in, org, secret); code != http.StatusBadRequest || e != "invalid_grant" {
			t.Fatalf("refresh_token grant of a revoked token on %s = %d %q, want 400 invalid_grant", in.name, code, e)
		}
	}
}

// revokeByID is DELETE /cloudapi/1.0.0/tokens/{urn} with session on in.
func revokeByID(t testing.TB, in *instance, tok apiToken, session string) {
	t.Helper()
	if got := del(in, "/cloudapi/1.0.0/tokens/"+tok.urn(), session); got != http.StatusNoContent {
		t.Fatalf("DELETE tokens/%s on %s = %d", tok.id, in.name, got)
	}
}

// revokeBySecret is RFC 7009 revocation of tok with the token itself.
func revokeBySecret(t testing.TB, in *instance, org string, tok apiToken) {
	t.Helper()
	code, body := post(in, "/oauth/tenant/"+org+"/revoke", formType, url.Values{"token": {tok.secret}}.Encode(), "")
	if code != http.StatusOK {
		t.Fatalf("POST /oauth/tenant/%s/revoke on %s = %d %s", org, in.name, code, body)
	}
}
