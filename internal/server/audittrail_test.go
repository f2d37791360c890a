package server_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/cloudgate/cloudgate/internal/testserver"
	"github.com/cloudgate/cloudgate/internal/testserver/testclient"
)

type auditPage struct {
	ResultTotal int `json:"resultTotal"`
	Values      []struct {
		EventID      string
		Description  string
		EventType    string
		EventStatus  string
		Timestamp    string
		OperatingOrg struct{ Name, ID string }
		User         struct{ Name, ID string }
		EventEntity  struct{ Name, ID string }
		Additional   map[string]string `json:"additionalProperties"`
	} `json:"values"`
}

func readAudit(t *testing.T, srv *testserver.Server, tok, query string) (int, http.Header, auditPage, string) {
	t.Helper()
	code, h, body := call(t, srv, "GET", "/cloudapi/1.0.0/auditTrail"+query, map[string]string{"Accept": jsonV, "Authorization": "Bearer " + tok})
	var p auditPage
	if code == 200 {
		if err := json.Unmarshal([]byte(body), &p); err != nil {
			t.Fatalf("%s: %v", body, err)
		}
	}
	return code, h, p, body
}

// The audit trail API: who sees what, FIQL, paging, the Cloud Director
// shape, and no secret in any event.
func TestAuditTrailAPI(t *testing.T) {
	srv := testserver.Start(t)
	const wrong = "Wrong-Secret-Guess-77"
	call(t, srv, "POST", "/cloudapi/1.0.0/sessions", map[string]string{"Accept": jsonV, "Authorization": testclient.Basic("bob@acme", wrong), "User-Agent": "probe/1.0"})
	bob, _ := login(t, srv, "bob@acme", testserver.Password)
	alice, _ := login(t, srv, "alice@acme", testserver.Password)
	dave, _ := login(t, srv, "dave@globex", testserver.Password)
	admin, _ := login(t, srv, "administrator@System", testserver.AdminPassword)
	// An API token's life: register, mint, exchange, revoke.
	reg := post(t, srv, "/oauth/tenant/acme/register", "application/json", `{"client_name":"ci"}`, "Bearer "+bob)
	var client struct {
		ClientID string `json:"client_id"`
	}
	json.Unmarshal([]byte(reg), &client)
	minted := post(t, srv, "/oauth/tenant/acme/token", "application/x-www-form-urlencoded",
		url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:jwt-bearer"}, "assertion": {bob}, "client_id": {client.ClientID}}.Encode(), "")
	var grant struct {
		RefreshToken string `json:"refresh_token"`
	}
	json.Unmarshal([]byte(minted), &grant)
	if grant.RefreshToken == "" {
		t.Fatalf("mint: %s", minted)
	}
	if code, _, body := call(t, srv, "DELETE", "/cloudapi/1.0.0/tokens/urn:vcloud:token:"+client.ClientID, map[string]string{"Accept": jsonV, "Authorization": "Bearer " + bob}); code != 204 {
		t.Fatalf("revoke: %d %s", code, body)
	}
	// The revoked token presented again: refused, and recorded.
	if reply := post(t, srv, "/oauth/tenant/acme/token", "application/x-www-form-urlencoded",
		url.Values{"grant_type": {"refresh_token"}, "refresh_token": {grant.RefreshToken}}.Encode(), ""); !strings.Contains(reply, "invalid_grant") {
		t.Fatalf("exchange of a revoked token: %s", reply)
	}
	call(t, srv, "DELETE", "/cloudapi/1.0.0/sessions/current", map[string]string{"Accept": jsonV, "Authorization": "Bearer " + dave})

	code, _, all, body := readAudit(t, srv, admin, "?pageSize=128")
	if code != 200 {
		t.Fatalf("admin: %d %s", code, body)
	}
	seen := map[string]bool{}
	for _, e := range all.Values {
		seen[e.EventType+"/"+e.EventStatus+"/"+e.OperatingOrg.Name] = true
		if !strings.HasPrefix(e.EventID, "urn:vcloud:audit:") || e.Timestamp == "" {
			t.Errorf("event shape: %+v", e)
		}
	}
	for _, want := range []string{"login/FAILURE/acme", "login/SUCCESS/acme", "login/SUCCESS/globex", "login/SUCCESS/System",
		"token.register/SUCCESS/acme", "token.mint/SUCCESS/acme", "token.revoke/SUCCESS/acme", "token.use/DENIED/acme", "logout/SUCCESS/globex"} {
		if !seen[want] {
			t.Errorf("the System administrator does not see %s (has %v)", want, seen)
		}
	}
	// No secret anywhere in the trail.
	for _, s := range []string{wrong, testserver.Password, testserver.AdminPassword, bob, alice, dave, admin, grant.RefreshToken} {
		if strings.Contains(body, s) {
			t.Fatalf("the audit trail holds a secret %q", s[:6])
		}
	}

	// The failure says why and from where, and with which client.
	code, _, fails, _ := readAudit(t, srv, admin, "?filter="+url.QueryEscape("eventType==login;eventStatus==FAILURE"))
	if code != 200 || fails.ResultTotal != 1 || !strings.Contains(fails.Values[0].Description, "wrong password") ||
		fails.Values[0].User.Name != "bob" || fails.Values[0].Additional["currentContext.user.userAgent"] != "probe/1.0" ||
		fails.Values[0].Additional["currentContext.user.clientIpAddress"] != "127.0.0.1" {
		t.Fatalf("failures: %d %+v", code, fails)
	}

	// An org administrator sees her org only.
	code, _, mine, _ := readAudit(t, srv, alice, "?pageSize=128")
	if code != 200 || mine.ResultTotal == 0 {
		t.Fatalf("alice: %d %+v", code, mine)
	}
	for _, e := range mine.Values {
		if e.OperatingOrg.Name != "acme" {
			t.Fatalf("alice sees an event of %q: %+v", e.OperatingOrg.Name, e)
		}
	}
	// Others are refused.
	if code, _, _, body := readAudit(t, srv, bob, ""); code != 403 {
		t.Fatalf("bob (vApp Author): %d %s", code, body)
	}
	// Paging as every OpenAPI list, newest first.
	code, h, one, _ := readAudit(t, srv, admin, "?pageSize=1&sortDesc=timestamp")
	if code != 200 || len(one.Values) != 1 || !strings.Contains(strings.Join(h.Values("Link"), ","), `rel="nextPage";type="application/json";model="AuditTrailEvents"`) {
		t.Fatalf("paging: %d %v", code, h.Values("Link"))
	}
	if code, _, _, body := readAudit(t, srv, admin, "?filter=nope==1"); code != 400 {
		t.Fatalf("unknown filter field: %d %s", code, body)
	}
}

func post(t *testing.T, srv *testserver.Server, path, ct, body, auth string) string {
	t.Helper()
	req, _ := http.NewRequest("POST", srv.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", ct)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return b.String()
}
