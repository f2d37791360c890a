// Package e2e drives cloudgate with the real Cloud Director Go SDK
// (github.com/vmware/go-vcloud-director/v3) over HTTPS on loopback.
package e2e

import (
	"net/http"
	"strings"
	"testing"

	"github.com/vmware/go-vcloud-director/v3/govcd"

	"github.com/cloudgate/cloudgate/internal/testserver"
)

func newClient(t *testing.T, srv *testserver.Server) *govcd.VCDClient {
	t.Helper()
	u := *srv.URLParsed()
	u.Path = "/api"
	return govcd.NewVCDClient(u, true)
}

func TestSDKLoginSessionLogout(t *testing.T) {
	srv := testserver.Start(t)
	for _, tc := range []struct {
		user, org, role string
	}{
		{"alice", "acme", "Organization Administrator"},
		{"bob", "acme", "vApp Author"},
		{"administrator", "System", "System Administrator"},
	} {
		t.Run(tc.user+"@"+tc.org, func(t *testing.T) {
			password := testserver.Password
			if tc.org == "System" {
				password = testserver.AdminPassword
			}
			c := newClient(t, srv)
			if err := c.Authenticate(tc.user, password, tc.org); err != nil {
				t.Fatalf("Authenticate: %v", err)
			}
			tok := c.Client.VCDToken
			if len(tok) <= 32 {
				t.Fatalf("token %q is not a bearer token (must be longer than 32 characters)", tok)
			}
			info, err := c.Client.GetSessionInfo()
			if err != nil {
				t.Fatalf("GetSessionInfo: %v", err)
			}
			if info.User.Name != tc.user || info.Org.Name != tc.org || len(info.Roles) != 1 || info.Roles[0] != tc.role {
				t.Fatalf("session info = %+v", info)
			}
			if !strings.HasPrefix(info.Org.ID, "urn:vcloud:org:") || !strings.HasPrefix(info.User.ID, "urn:vcloud:user:") {
				t.Fatalf("ids are not URNs: %+v", info)
			}
			if info.SessionIdleTimeoutMinutes != 30 {
				t.Fatalf("idle timeout %d, want 30", info.SessionIdleTimeoutMinutes)
			}
			orgs, err := c.GetOrgList()
			if err != nil {
				t.Fatalf("GetOrgList: %v", err)
			}
			if tc.org == "System" && len(orgs.Org) != 3 || tc.org != "System" && (len(orgs.Org) != 1 || orgs.Org[0].Name != tc.org) {
				t.Fatalf("org list = %+v", orgs.Org)
			}

			// The same token on a fresh client (SetToken validates it with
			// GET /api/org).
			c2 := newClient(t, srv)
			if err := c2.SetToken(tc.org, govcd.BearerTokenHeader, tok); err != nil {
				t.Fatalf("SetToken: %v", err)
			}
			if _, err := c2.GetOrgByName(tc.org); err != nil {
				t.Fatalf("GetOrgByName with the token: %v", err)
			}

			if err := c.Disconnect(); err != nil {
				t.Fatalf("Disconnect: %v", err)
			}
			if _, err := c.Client.GetSessionInfo(); err == nil || !strings.Contains(err.Error(), "NOT_AUTHENTICATED") {
				t.Fatalf("after Disconnect, GetSessionInfo = %v; want a 401 NOT_AUTHENTICATED error", err)
			}
			if err := newClient(t, srv).SetToken(tc.org, govcd.BearerTokenHeader, tok); err == nil {
				t.Fatal("SetToken accepted a logged-out token")
			}
		})
	}
}

func TestSDKWrongPassword(t *testing.T) {
	srv := testserver.Start(t)
	for _, tc := range []struct{ user, password, org string }{
		{"alice", "wrong-password-1", "acme"},
		{"nobody", testserver.Password, "acme"},
		{"alice", testserver.Password, "nosuchorg"},
		{"alice", testserver.Password, "System"},
		{"administrator", testserver.AdminPassword, "acme"},
	} {
		c := newClient(t, srv)
		err := c.Authenticate(tc.user, tc.password, tc.org)
		if err == nil || !strings.Contains(err.Error(), "401") {
			t.Errorf("Authenticate(%s@%s) = %v; want the SDK's 401 error", tc.user, tc.org, err)
		}
	}
}

// The legacy 32-hex key returned at login works with the legacy header.
func TestSDKLegacyKey(t *testing.T) {
	srv := testserver.Start(t)
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/sessions", nil)
	req.SetBasicAuth("bob@acme", testserver.Password)
	req.Header.Set("Accept", "application/*+xml;version=36.2")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	key := resp.Header.Get("x-vcloud-authorization")
	if resp.StatusCode != 200 || len(key) != 32 {
		t.Fatalf("legacy login: %d, key %q", resp.StatusCode, key)
	}
	c := newClient(t, srv)
	if err := c.SetToken("acme", govcd.AuthorizationHeader, key); err != nil {
		t.Fatalf("SetToken with the legacy key: %v", err)
	}
	if _, err := c.GetOrgByName("acme"); err != nil {
		t.Fatalf("GetOrgByName: %v", err)
	}
}
