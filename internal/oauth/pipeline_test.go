package oauth_test

import (
	"encoding/json"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/cloudgate/cloudgate/internal/audit"
	"github.com/cloudgate/cloudgate/internal/server"
	"github.com/cloudgate/cloudgate/internal/testserver"
	"github.com/cloudgate/cloudgate/internal/urn"
)

// Every grant of the token endpoint goes through the pipeline's shared
// steps, whatever its own part does: an address over its failure budget
// is answered 429 (never invalid_grant), a client_id of another client,
// a credential at another org's endpoint and a disabled org are refused
// with the grant's own code, and none of these refusals spends the
// credential: each grant still succeeds afterwards. Each outcome is
// counted under the grant's label.
func TestPipelineSharedSteps(t *testing.T) {
	srv := testserver.Start(t, testserver.WithOptions(func(o *server.Options) {
		o.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	}))
	c := newTestClient(t, srv)
	from := func(ip string) []string { return []string{"X-Forwarded-For", ip} }

	// One credential of each grant, all of org acme.
	bobSession := c.login(bob)
	unminted := c.register(bob.realm(), bobSession, "to mint")
	mintID := unminted.str(t, "client_id")
	tokenID, apiToken := c.newToken(bob, bobSession, "to exchange")
	adminSession := c.login(admin)
	saRefresh := c.newAccountToken(adminSession, "refresher")
	deviceID, deviceCode := c.approvedDevice(adminSession, "device")

	type grantCase struct {
		label string
		form  func() url.Values // the grant's good request
		// codes of the grant for a client_id of another client and for a
		// disabled org
		unbound, disabled string
		// refresh rotates: the success at the end returns the successor
		rotates bool
	}
	grants := []*grantCase{
		{label: "jwt_bearer", form: func() url.Values { return c.mintForm(bobSession, mintID) }, unbound: "invalid_client", disabled: "invalid_grant"},
		{label: "refresh_token", form: func() url.Values { return withClient(refreshForm(apiToken), tokenID) }, unbound: "invalid_grant", disabled: "invalid_grant"},
		{label: "service_account_refresh", form: func() url.Values { return refreshForm(saRefresh) }, unbound: "invalid_grant", disabled: "invalid_grant", rotates: true},
		{label: "device_code", form: func() url.Values {
			return url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:device_code"}, "client_id": {deviceID}, "device_code": {deviceCode}}
		}, unbound: "invalid_grant", disabled: "unauthorized_client"},
	}

	// 192.0.2.66 spends the shared budget on unknown API tokens.
	for i := range 100 {
		if r := c.grant("tenant/acme", refreshForm("cga_guess"+strings.Repeat("x", i)), from("192.0.2.66")...); r.status != http.StatusBadRequest {
			t.Fatalf("guess %d: %d %s", i, r.status, r.body)
		}
	}
	for _, g := range grants {
		t.Run(g.label+"/throttled", func(t *testing.T) {
			r := c.grant("tenant/acme", g.form(), from("192.0.2.66")...)
			if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" || r.str(t, "error") != "temporarily_unavailable" {
				t.Fatalf("good request from a throttled address: %d %v %s", r.status, r.header, r.body)
			}
		})
		t.Run(g.label+"/client_id of another client", func(t *testing.T) {
			form := g.form()
			form.Set("client_id", urn.New().String())
			if r := c.grant("tenant/acme", form, from("192.0.2.1")...); r.status != http.StatusBadRequest || r.str(t, "error") != g.unbound {
				t.Fatalf("%d %s, want 400 %s", r.status, r.body, g.unbound)
			}
		})
		t.Run(g.label+"/another org's endpoint", func(t *testing.T) {
			for _, realm := range []string{"tenant/globex", "provider"} {
				if r := c.grant(realm, g.form(), from("192.0.2.1")...); r.status != http.StatusBadRequest || r.str(t, "error") != "invalid_grant" {
					t.Fatalf("at /oauth/%s: %d %s", realm, r.status, r.body)
				}
			}
		})
	}

	dir := srv.Server.Directory()
	if _, err := dir.SetOrgEnabled(t.Context(), audit.CLI(), "acme", false); err != nil {
		t.Fatal(err)
	}
	for _, g := range grants {
		t.Run(g.label+"/org disabled", func(t *testing.T) {
			if r := c.grant("tenant/acme", g.form(), from("192.0.2.1")...); r.status != http.StatusBadRequest || r.str(t, "error") != g.disabled {
				t.Fatalf("%d %s, want 400 %s", r.status, r.body, g.disabled)
			}
		})
	}
	if _, err := dir.SetOrgEnabled(t.Context(), audit.CLI(), "acme", true); err != nil {
		t.Fatal(err)
	}
	// Disabling the org ended bob's password session, the mint's assertion.
	bobSession = c.login(bob)

	for _, g := range grants {
		t.Run(g.label+"/still good", func(t *testing.T) {
			r := c.grant("tenant/acme", g.form(), from("192.0.2.2")...)
			if r.status != http.StatusOK || r.str(t, "access_token") == "" {
				t.Fatalf("after the refusals: %d %s", r.status, r.body)
			}
			if g.rotates && r.str(t, "refresh_token") == saRefresh {
				t.Fatal("the service account's refresh token did not rotate")
			}
		})
	}

	// Each grant's outcomes are counted under its own label.
	counts := grantCounts(t, srv)
	for _, g := range grants {
		for _, outcome := range []string{"success", "temporarily_unavailable", "invalid_grant", g.unbound, g.disabled} {
			if counts[g.label+"/"+outcome] == 0 {
				t.Errorf("no %s outcome counted for %s (counted: %v)", outcome, g.label, counts)
			}
		}
	}
}

// Too many failures are answered alike by every grant, and the same way
// before and after the grant's own part: a client library must not take a
// rate limit for a dead credential (invalid_grant makes it discard one),
// so a valid API token and a valid service-account token presented from
// an address over its budget both get 429 with Retry-After, and work again
// from another address.
func TestThrottledIsNotInvalidGrant(t *testing.T) {
	srv := testserver.Start(t, testserver.WithOptions(func(o *server.Options) {
		o.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	}))
	c := newTestClient(t, srv)
	from := func(ip string) []string { return []string{"X-Forwarded-For", ip} }
	_, apiToken := c.newToken(bob, c.login(bob), "kept")
	saRefresh := c.newAccountToken(c.login(admin), "kept")
	// Spent on service-account tokens: the budget is one for every grant.
	for i := range 100 {
		if r := c.grant("tenant/acme", refreshForm("cgr_guess"+strings.Repeat("y", i)), from("198.51.100.9")...); r.status != http.StatusBadRequest {
			t.Fatalf("guess %d: %d %s", i, r.status, r.body)
		}
	}
	var bodies []string
	for _, tok := range []string{apiToken, saRefresh} {
		r := c.grant("tenant/acme", refreshForm(tok), from("198.51.100.9")...)
		if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" {
			t.Fatalf("throttled refresh: %d %v %s", r.status, r.header, r.body)
		}
		bodies = append(bodies, string(r.body))
	}
	if bodies[0] != bodies[1] {
		t.Fatalf("the grants answer a throttled address differently:\n%s\n%s", bodies[0], bodies[1])
	}
	if r := c.grant("tenant/acme", refreshForm(apiToken), from("198.51.100.10")...); r.status != http.StatusOK {
		t.Fatalf("API token from another address: %d %s", r.status, r.body)
	}
	if r := c.grant("tenant/acme", refreshForm(saRefresh), from("198.51.100.10")...); r.status != http.StatusOK {
		t.Fatalf("service-account token from another address: %d %s", r.status, r.body)
	}
}

func withClient(form url.Values, id string) url.Values {
	form.Set("client_id", id)
	return form
}

// approvedDevice registers a service account of acme as the System
// administrator (session), authorizes it and grants its user code; it
// returns the account's id and the device code, not yet redeemed.
func (c *client) approvedDevice(session, name string) (id, deviceCode string) {
	c.t.Helper()
	body, _ := json.Marshal(map[string]string{"client_name": name, "software_id": "test", "scope": "urn:vcloud:role:vApp%20Author"})
	r := c.do(http.MethodPost, "/oauth/tenant/acme/register", string(body), "Authorization", "Bearer "+session, "Content-Type", "application/json")
	if r.status != http.StatusOK {
		c.t.Fatalf("register %s: %d %s", name, r.status, r.body)
	}
	id = r.str(c.t, "client_id")
	a := c.do(http.MethodPost, "/oauth/tenant/acme/device_authorization", url.Values{"client_id": {id}}.Encode(), "Content-Type", formType)
	code, _ := json.Marshal(map[string]string{"userCode": a.str(c.t, "user_code")})
	if g := c.do(http.MethodPost, "/cloudapi/1.0.0/deviceLookup/grant", string(code), "Authorization", "Bearer "+session,
		"Accept", accept, "Content-Type", "application/json"); g.status != http.StatusNoContent {
		c.t.Fatalf("grant %s: %d %s", name, g.status, g.body)
	}
	return id, a.str(c.t, "device_code")
}

// grantCounts reads cloudgate_oauth_grants_total as "grant/outcome" → count.
func grantCounts(t *testing.T, srv *testserver.Server) map[string]float64 {
	t.Helper()
	raw := srv.Metrics()
	counts := map[string]float64{}
	for _, line := range strings.Split(raw, "\n") {
		rest, ok := strings.CutPrefix(line, "cloudgate_oauth_grants_total{")
		if !ok {
			continue
		}
		labels, value, _ := strings.Cut(rest, "} ")
		var grant, outcome string
		for _, kv := range strings.Split(labels, ",") {
			k, v, _ := strings.Cut(kv, "=")
			switch k {
			case "grant":
				grant = strings.Trim(v, `"`)
			case "outcome":
				outcome = strings.Trim(v, `"`)
			}
		}
		var n float64
		if err := json.Unmarshal([]byte(value), &n); err == nil {
			counts[grant+"/"+outcome] += n
		}
	}
	return counts
}
