package e2e

import (
	"net/url"
	"strings"
	"testing"

	"github.com/vmware/go-vcloud-director/v3/govcd"

	"github.com/cloudgate/cloudgate/internal/testserver"
)

// The whole API-token life cycle through the real SDK, as a tenant user,
// an org administrator and the System administrator: create, issue once,
// trade for a session on a fresh client, find by listing and by name,
// delete, and see the token vanish and its session die.
func TestSDKAPITokens(t *testing.T) {
	srv := testserver.Start(t)
	for _, tc := range []struct{ user, org, password string }{
		{"bob", "acme", testserver.Password},
		{"alice", "acme", testserver.Password},
		{"administrator", "System", testserver.AdminPassword},
	} {
		t.Run(tc.user+"@"+tc.org, func(t *testing.T) {
			c := newClient(t, srv)
			if err := c.Authenticate(tc.user, tc.password, tc.org); err != nil {
				t.Fatalf("Authenticate: %v", err)
			}
			name := "automation " + tc.user
			tok, err := c.CreateToken(tc.org, name)
			if err != nil {
				t.Fatalf("CreateToken: %v", err)
			}
			got := tok.Token
			if !strings.HasPrefix(got.ID, "urn:vcloud:token:") || got.Name != name || got.Type != "REFRESH" ||
				got.Org == nil || got.Org.Name != tc.org || got.Owner == nil || got.Owner.Name != tc.user {
				t.Fatalf("token = %+v (org %+v, owner %+v)", got, got.Org, got.Owner)
			}

			initial, err := tok.GetInitialApiToken()
			if err != nil {
				t.Fatalf("GetInitialApiToken: %v", err)
			}
			if initial.RefreshToken == "" || initial.AccessToken == "" || initial.TokenType != "Bearer" || initial.ExpiresIn <= 0 {
				t.Fatalf("initial grant = %+v", initial)
			}
			if again, err := tok.GetInitialApiToken(); err == nil || !strings.Contains(err.Error(), "invalid_grant") {
				t.Fatalf("second GetInitialApiToken = %+v, %v; want an invalid_grant error", again, err)
			}

			// A fresh client, as an automation script starts.
			script := newClient(t, srv)
			refreshed, err := script.SetApiToken(tc.org, initial.RefreshToken)
			if err != nil {
				t.Fatalf("SetApiToken: %v", err)
			}
			if refreshed.TokenType != "Bearer" || refreshed.ExpiresIn != 86400 || refreshed.RefreshToken != "" {
				t.Fatalf("refresh grant = %+v; want Bearer, 86400 s, no new refresh token", refreshed)
			}
			info, err := script.Client.GetSessionInfo()
			if err != nil {
				t.Fatalf("GetSessionInfo with the token's session: %v", err)
			}
			if info.User.Name != tc.user || info.Org.Name != tc.org {
				t.Fatalf("session info = %+v", info)
			}
			if _, err := script.GetOrgByName(tc.org); err != nil {
				t.Fatalf("GetOrgByName with the token's session: %v", err)
			}
			// Sessions made from an API token may not see tokens.
			if _, err := script.GetAllTokens(url.Values{}); err == nil || !strings.Contains(err.Error(), "API token") {
				t.Fatalf("GetAllTokens from a token session = %v; want a 403 naming the API-token origin", err)
			}

			all, err := c.GetAllTokens(url.Values{})
			if err != nil {
				t.Fatalf("GetAllTokens: %v", err)
			}
			found := false
			for _, x := range all {
				found = found || x.Token.ID == got.ID
				if x.Token.Org == nil || x.Token.Org.Name == "" {
					t.Fatalf("listed token without org: %+v", x.Token)
				}
			}
			if !found {
				t.Fatalf("GetAllTokens did not list %s", got.ID)
			}
			byName, err := c.GetTokenByNameAndUsername(name, tc.user)
			if err != nil {
				t.Fatalf("GetTokenByNameAndUsername: %v", err)
			}
			if byName.Token.ID != got.ID {
				t.Fatalf("GetTokenByNameAndUsername = %s, want %s", byName.Token.ID, got.ID)
			}
			if _, err := c.GetTokenByNameAndUsername("no such token", tc.user); !govcd.ContainsNotFound(err) {
				t.Fatalf("GetTokenByNameAndUsername of a missing token = %v; want not found", err)
			}

			if err := byName.Delete(); err != nil {
				t.Fatalf("Delete: %v", err)
			}
			if _, err := c.GetTokenById(got.ID); !govcd.ContainsNotFound(err) {
				t.Fatalf("GetTokenById after Delete = %v; want ContainsNotFound", err)
			}
			if _, err := script.Client.GetSessionInfo(); err == nil || !strings.Contains(err.Error(), "NOT_AUTHENTICATED") {
				t.Fatalf("the token's session after Delete: %v; want 401 NOT_AUTHENTICATED", err)
			}
			if _, err := newClient(t, srv).SetApiToken(tc.org, initial.RefreshToken); err == nil || !strings.Contains(err.Error(), "invalid_grant") {
				t.Fatalf("SetApiToken with a deleted token = %v; want invalid_grant", err)
			}
			// The password session that made the token is untouched.
			if _, err := c.Client.GetSessionInfo(); err != nil {
				t.Fatalf("password session after Delete: %v", err)
			}
		})
	}
}
