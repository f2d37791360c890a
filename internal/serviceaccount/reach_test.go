package serviceaccount_test

import (
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/cloudgate/cloudgate/internal/server"
	"github.com/cloudgate/cloudgate/internal/testserver"
)

// ids lists the account ids of a list answer.
func ids(t *testing.T, r reply) []string {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("list: %d %s", r.status, r.body)
	}
	var out []string
	for _, v := range r.json(t)["values"].([]any) {
		m := v.(map[string]any)
		if org, _ := m["org"].(map[string]any); org == nil || org["name"] == "" {
			t.Fatalf("account without org: %v", m)
		}
		out = append(out, strings.TrimPrefix(m["id"].(string), "urn:vcloud:serviceAccount:"))
	}
	slices.Sort(out)
	return out
}

func sorted(s ...string) []string { slices.Sort(s); return s }

// Who sees and manages which accounts, with and without tenant-context
// headers: a System administrator reaches every org or the one its context
// names (bare UUID or URN, with or without the org name); anyone else only
// their own org, and a context naming another org is refused, never
// obeyed. Accounts out of reach do not exist for the caller.
func TestReachAndTenantContext(t *testing.T) {
	h := newHarness(t)
	c := h.c
	ctx := t.Context()
	dave := c.login("dave", "globex", testserver.Password)
	bob := c.login("bob", "acme", testserver.Password)
	inAcme := c.newAccount(acme, h.alice, "vApp Author")
	inGlobex := c.newAccount("tenant/globex", dave, "vApp Author")
	inSystem := c.newAccount("provider", h.admin, "System Administrator")
	acmeOrg, err := c.srv.Server.Directory().Org(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	list := func(session string, headers ...string) reply {
		return c.api(http.MethodGet, "/serviceAccounts/?pageSize=32", session, "", headers...)
	}
	tc := func(id, name string) []string {
		h := []string{}
		if id != "" {
			h = append(h, "X-VMWARE-VCLOUD-TENANT-CONTEXT", id)
		}
		if name != "" {
			h = append(h, "X-VMWARE-VCLOUD-AUTH-CONTEXT", name)
		}
		return h
	}
	bare := acmeOrg.ID.String()
	for _, x := range []struct {
		name    string
		session string
		headers []string
		want    []string
	}{
		{"admin, no context", h.admin, nil, sorted(inAcme, inGlobex, inSystem)},
		{"admin, bare id and name", h.admin, tc(bare, "acme"), []string{inAcme}},
		{"admin, URN", h.admin, tc("urn:vcloud:org:"+bare, ""), []string{inAcme}},
		{"admin, name only", h.admin, tc("", "ACME"), []string{inAcme}},
		{"alice, no context", h.alice, nil, []string{inAcme}},
		{"alice, her own org", h.alice, tc(bare, "acme"), []string{inAcme}},
		{"dave", dave, nil, []string{inGlobex}},
	} {
		if got := ids(t, list(x.session, x.headers...)); !slices.Equal(got, x.want) {
			t.Errorf("%s: listed %v, want %v", x.name, got, x.want)
		}
	}
	for _, x := range []struct {
		name    string
		session string
		headers []string
		status  int
	}{
		{"alice in globex's context", h.alice, tc("", "globex"), 403},
		{"dave in acme's context", dave, tc(bare, "acme"), 403},
		{"malformed context", h.admin, tc("acme", ""), 400},
		{"id and name disagree", h.admin, tc(bare, "globex"), 400},
		{"context twice, differently", h.admin, append(tc(bare, ""), "X-VMWARE-VCLOUD-TENANT-CONTEXT", "urn:vcloud:org:"+inAcme), 400},
		{"unknown org", h.admin, tc("urn:vcloud:org:00000000-0000-4000-8000-000000000000", ""), 403},
		{"no right", bob, nil, 403},
		{"bad filter", h.admin, nil, 0},
	} {
		r := list(x.session, x.headers...)
		if x.name == "bad filter" {
			r = c.api(http.MethodGet, "/serviceAccounts?filter="+url.QueryEscape("name==a;(status"), h.admin, "")
			x.status = 400
		}
		if r.status != x.status || r.status >= 500 {
			t.Errorf("%s: %d %s, want %d", x.name, r.status, r.body, x.status)
		}
	}
	if r := list(bob); !strings.Contains(r.str(t, "message"), "View Service Accounts") {
		t.Errorf("refusal does not name the right: %s", r.body)
	}

	// By id: out of reach is 403 like missing, for every operation.
	for _, op := range []struct {
		method, suffix, body string
	}{{"GET", "", ""}, {"PUT", "", `{"softwareId":"x"}`}, {"DELETE", "", ""}, {"POST", "/revoke", ""}} {
		path := "/serviceAccounts/" + urnOf(inGlobex) + op.suffix
		if r := c.api(op.method, path, h.alice, op.body); r.status != 403 || r.code() != "ACCESS_TO_RESOURCE_IS_FORBIDDEN" {
			t.Errorf("alice %s globex's account: %d %s", op.method, r.status, r.body)
		}
		if r := c.api(op.method, "/serviceAccounts/"+urnOf(inAcme)+op.suffix, h.admin, op.body, tc("", "globex")...); r.status != 403 {
			t.Errorf("admin %s acme's account in globex's context: %d %s", op.method, r.status, r.body)
		}
	}
	if c.status(h.admin, inGlobex) != "CREATED" {
		t.Fatal("globex's account was changed from outside its org")
	}

	// Approval is reached the same way: a code of another org is unknown.
	a := c.authorize("tenant/globex", inGlobex)
	code := a.str(t, "user_code")
	if r := c.decide("grant", h.alice, code); r.status != 400 {
		t.Errorf("alice granting globex's code: %d %s", r.status, r.body)
	}
	if r := c.decide("grant", h.admin, code, tc(bare, "acme")...); r.status != 400 {
		t.Errorf("admin granting globex's code in acme's context: %d %s", r.status, r.body)
	}
	if r := c.decide("grant", h.alice, code, tc("", "globex")...); r.status != 403 {
		t.Errorf("alice in globex's context: %d %s", r.status, r.body)
	}
	if r := c.decide("", bob, code); r.status != 403 {
		t.Errorf("bob looking a code up: %d %s", r.status, r.body)
	}
	if c.status(h.admin, inGlobex) != "REQUESTED" {
		t.Fatal("a refused grant changed the account")
	}
	if r := c.decide("grant", dave, code); r.status != 204 {
		t.Fatalf("dave granting his org's code: %d %s", r.status, r.body)
	}
}

// Sessions of a service account: sessions/current names the account, the
// session holds exactly the scope's role, and it is restricted as API-token
// sessions are: it may see service accounts (a view right) but not manage
// them, approve codes, or register anything.
func TestAccountSessions(t *testing.T) {
	h := newHarness(t)
	c := h.c
	id := c.newAccount(acme, h.alice, "Organization Administrator")
	_, _, access := c.activate(acme, id, h.alice)
	r := c.api(http.MethodGet, "/sessions/current", access, "")
	m := r.json(t)
	user, _ := m["user"].(map[string]any)
	roles, _ := m["roles"].([]any)
	if r.status != 200 || user["id"] != urnOf(id) || !strings.HasPrefix(user["name"].(string), "sa-") ||
		len(roles) != 1 || roles[0] != "Organization Administrator" || m["org"].(map[string]any)["name"] != "acme" {
		t.Fatalf("sessions/current = %d %s", r.status, r.body)
	}
	if got := ids(t, c.api(http.MethodGet, "/serviceAccounts", access, "")); !slices.Contains(got, id) {
		t.Fatalf("the account's session does not see accounts: %v", got)
	}
	other := c.newAccount(acme, h.alice, "vApp User")
	pending := c.authorize(acme, other).str(t, "user_code")
	for _, x := range []struct {
		name string
		r    reply
	}{
		{"PUT", c.api(http.MethodPut, "/serviceAccounts/"+urnOf(other), access, `{"softwareVersion":"9"}`)},
		{"revoke", c.api(http.MethodPost, "/serviceAccounts/"+urnOf(other)+"/revoke", access, "")},
		{"DELETE", c.api(http.MethodDelete, "/serviceAccounts/"+urnOf(id), access, "")},
		{"grant", c.decide("grant", access, pending)},
		{"tokens", c.api(http.MethodGet, "/tokens", access, "")},
	} {
		if x.r.status != 403 || !strings.Contains(x.r.str(t, "message"), "service account") {
			t.Errorf("%s from the account's session: %d %s", x.name, x.r.status, x.r.body)
		}
	}
	for _, body := range []map[string]any{
		{"client_name": "child", "software_id": "x", "scope": "urn:vcloud:role:vApp%20User"},
		{"client_name": "token"},
	} {
		if r := c.register(acme, access, body); r.status != 403 || r.code() != "access_denied" {
			t.Errorf("register %v from the account's session: %d %s", body, r.status, r.body)
		}
	}
	if c.status(h.admin, other) != "REQUESTED" || c.status(h.admin, id) != "ACTIVE" {
		t.Fatal("a refused request changed an account")
	}
}

// Unknown user codes are limited per client address, per approving account
// and per org: after 10 misses the caller gets 429 with Retry-After, even
// for a good code; malformed codes (which can match nothing) do not count;
// codes are read ignoring case and punctuation.
func TestUserCodeGuessLimits(t *testing.T) {
	h := newHarness(t, testserver.WithOptions(func(o *server.Options) {
		o.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	}))
	c := h.c
	dave := c.login("dave", "globex", testserver.Password)
	from := func(ip string) []string { return []string{"X-Forwarded-For", ip} }
	acmeCode := c.authorize(acme, c.newAccount(acme, h.alice, "vApp Author")).str(t, "user_code")
	globexCode := c.authorize("tenant/globex", c.newAccount("tenant/globex", dave, "vApp Author")).str(t, "user_code")

	for i := range 25 {
		if r := c.decide("", h.alice, "not-a-code-"+strings.Repeat("!", i), from("192.0.2.1")...); r.status != 400 {
			t.Fatalf("malformed code %d: %d %s", i, r.status, r.body)
		}
	}
	for i := range 10 {
		if r := c.decide("", h.alice, "BBBB-BBB"+string("BCDFGHJKLM"[i]), from("192.0.2.1")...); r.status != 400 {
			t.Fatalf("miss %d: %d %s", i, r.status, r.body)
		}
	}
	r := c.decide("", h.alice, acmeCode, from("192.0.2.1")...)
	if r.status != 429 || r.header.Get("Retry-After") == "" || r.code() != "TOO_MANY_REQUESTS" {
		t.Fatalf("after 10 misses: %d %v %s", r.status, r.header, r.body)
	}
	if r := c.decide("grant", h.alice, acmeCode, from("192.0.2.2")...); r.status != 429 {
		t.Fatalf("the same caller from another address: %d %s", r.status, r.body)
	}
	if r := c.decide("", dave, globexCode, from("192.0.2.1")...); r.status != 429 {
		t.Fatalf("another caller from the same address: %d %s", r.status, r.body)
	}
	// Another caller from another address, in another org: unaffected,
	// and the code may be typed in lower case with spaces.
	typed := strings.ToLower(strings.ReplaceAll(globexCode, "-", " "))
	if r := c.decide("", dave, typed, from("192.0.2.3")...); r.status != 303 {
		t.Fatalf("dave from elsewhere: %d %s", r.status, r.body)
	}
	if r := c.decide("grant", h.admin, acmeCode, from("192.0.2.4")...); r.status != 204 {
		t.Fatalf("the administrator from elsewhere: %d %s", r.status, r.body)
	}
}
