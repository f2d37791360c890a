package main

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cloudgate/cloudgate/cloudgatetest"
)

// TestServiceAccountCommands: an account made active over the API is
// listed and shown by the command line; revoking it there ends its
// session on the running server; deleting it removes it.
func TestServiceAccountCommands(t *testing.T) {
	srv, dsn := shared(t)
	admin := cloudgatetest.NewClient(srv.URL, srv.Client())
	if err := admin.Login("administrator", cloudgatetest.AdminPassword, "System"); err != nil {
		t.Fatal(err)
	}
	do := func(c *cloudgatetest.Client, path, body string, header ...string) *cloudgatetest.Response {
		t.Helper()
		r, err := c.Do(http.MethodPost, path, strings.NewReader(body), header...)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	str := func(r *cloudgatetest.Response, key string) string {
		t.Helper()
		var m map[string]any
		if err := r.JSON(&m); err != nil {
			t.Fatalf("%s: %v", r, err)
		}
		s, _ := m[key].(string)
		return s
	}
	reg := do(admin, "/oauth/tenant/acme/register",
		`{"client_name":"ci-runner","software_id":"ci","scope":"urn:vcloud:role:vApp%20Author"}`, "Content-Type", "application/json")
	id := str(reg, "client_id")
	if reg.Status != http.StatusOK || id == "" {
		t.Fatalf("register: %s", reg)
	}
	anon := cloudgatetest.NewClient(srv.URL, srv.Client())
	form := "application/x-www-form-urlencoded"
	auth := do(anon, "/oauth/tenant/acme/device_authorization", url.Values{"client_id": {id}}.Encode(), "Content-Type", form)
	code, _ := json.Marshal(map[string]string{"userCode": str(auth, "user_code")})
	if g := do(admin, "/cloudapi/1.0.0/deviceLookup/grant", string(code), "Content-Type", "application/json",
		"Accept", cloudgatetest.CloudAPIAccept); g.Status != http.StatusNoContent {
		t.Fatalf("grant: %s", g)
	}
	tok := do(anon, "/oauth/tenant/acme/token", url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:device_code"},
		"client_id": {id}, "device_code": {str(auth, "device_code")}}.Encode(), "Content-Type", form)
	access := str(tok, "access_token")
	if tok.Status != http.StatusOK || access == "" {
		t.Fatalf("device_code grant: %s", tok)
	}
	account := anon.WithToken(access, "acme")
	current := func() int {
		r, err := account.Do(http.MethodGet, "/cloudapi/1.0.0/sessions/current", nil, "Accept", cloudgatetest.CloudAPIAccept)
		if err != nil {
			t.Fatal(err)
		}
		return r.Status
	}
	if s := current(); s != http.StatusOK {
		t.Fatalf("the account's session: %d", s)
	}

	urnID := "urn:vcloud:serviceAccount:" + id
	if code, out, errOut := runArgs(t, "serviceaccount", "list", "--org", "acme", "--db", dsn); code != 0 ||
		!strings.Contains(out, "ci-runner") || !strings.Contains(out, "ACTIVE") || !strings.Contains(out, urnID) {
		t.Fatalf("list: %d %q %q", code, out, errOut)
	}
	if code, out, _ := runArgs(t, "serviceaccount", "list", "--org", "globex", "--db", dsn); code != 0 || strings.Contains(out, "ci-runner") {
		t.Fatalf("list of another org: %d %q", code, out)
	}
	if code, out, errOut := runArgs(t, "serviceaccount", "show", id, "--db", dsn); code != 0 ||
		!strings.Contains(out, "vApp Author") || !strings.Contains(out, "ACTIVE") {
		t.Fatalf("show: %d %q %q", code, out, errOut)
	}
	if code, out, errOut := runArgs(t, "serviceaccount", "revoke", urnID, "--db", dsn); code != 0 || !strings.Contains(out, "revoked") {
		t.Fatalf("revoke: %d %q %q", code, out, errOut)
	}
	deadline := time.Now().Add(5 * time.Second)
	for current() != http.StatusUnauthorized {
		if time.Now().After(deadline) {
			t.Fatal("the running server still accepts the session of an account revoked from the command line")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if code, out, _ := runArgs(t, "serviceaccount", "show", urnID, "--db", dsn); code != 0 || !strings.Contains(out, "CREATED") {
		t.Fatalf("show after revoke: %d %q", code, out)
	}
	if code, out, errOut := runArgs(t, "serviceaccount", "delete", urnID, "--db", dsn); code != 0 || !strings.Contains(out, "deleted") {
		t.Fatalf("delete: %d %q %q", code, out, errOut)
	}
	if code, _, errOut := runArgs(t, "serviceaccount", "show", urnID, "--db", dsn); code != 1 || !strings.Contains(errOut, "does not exist") {
		t.Fatalf("show after delete: %d %q", code, errOut)
	}
}
