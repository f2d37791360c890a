package e2e

import (
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vmware/go-vcloud-director/v3/govcd"
	"github.com/vmware/go-vcloud-director/v3/types/v56"

	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/testserver"
	"github.com/cloudgate/cloudgate/internal/urn"
)

// The whole service-account life cycle through the real SDK, as the
// System administrator (an account of a tenant org, as govcd's own test
// does, and one of the System org) and as an Organization Administrator in
// its tenant context: create, authorize, grant, redeem the device code,
// log in twice from a token file that must hold the rotated token each
// time, detect a replayed token, authorize again, update, list, find by
// name, revoke, delete.
func TestSDKServiceAccounts(t *testing.T) {
	clk := &laterClock{}
	srv := testserver.Start(t, testserver.WithClock(clk.now))
	for _, tc := range []struct {
		user, org, password string
		accountOrg, role    string
	}{
		{"administrator", "System", testserver.AdminPassword, "acme", "vApp Author"},
		{"administrator", "System", testserver.AdminPassword, "System", "System Administrator"},
		{"alice", "acme", testserver.Password, "acme", "vApp Author"},
	} {
		t.Run(tc.user+"@"+tc.org+" in "+tc.accountOrg, func(t *testing.T) {
			admin := newClient(t, srv)
			if err := admin.Authenticate(tc.user, tc.password, tc.org); err != nil {
				t.Fatalf("Authenticate: %v", err)
			}
			name := "ci-" + tc.user + "-" + strings.ToLower(tc.accountOrg)
			scope := "urn:vcloud:role:" + url.PathEscape(tc.role)
			sa, err := admin.CreateServiceAccount(tc.accountOrg, name, scope, "12345678-1234-1234-1234-1234567890ab", "1.0", "https://example.com/ci")
			if err != nil {
				t.Fatalf("CreateServiceAccount: %v", err)
			}
			got := sa.ServiceAccount
			if !strings.HasPrefix(got.ID, "urn:vcloud:serviceAccount:") || got.Name != name || got.Status != "CREATED" ||
				got.Org == nil || got.Org.Name != tc.accountOrg || got.Role == nil || got.Role.Name != tc.role ||
				got.SoftwareID != "12345678-1234-1234-1234-1234567890ab" || got.SoftwareVersion != "1.0" || got.URI != "https://example.com/ci" {
				t.Fatalf("created account = %+v (org %+v, role %+v)", got, got.Org, got.Role)
			}
			id := got.ID
			status := func(want string) {
				t.Helper()
				if err := sa.Refresh(); err != nil {
					t.Fatalf("Refresh: %v", err)
				}
				if sa.ServiceAccount.Status != want {
					t.Fatalf("status %s, want %s", sa.ServiceAccount.Status, want)
				}
			}
			activate := func() *types.ApiTokenRefresh {
				t.Helper()
				if err := sa.Authorize(); err != nil {
					t.Fatalf("Authorize: %v", err)
				}
				status("REQUESTED")
				if err := sa.Grant(); err != nil {
					t.Fatalf("Grant: %v", err)
				}
				status("GRANTED")
				tok, err := sa.GetInitialApiToken()
				if err != nil {
					t.Fatalf("GetInitialApiToken: %v", err)
				}
				if !strings.HasPrefix(tok.RefreshToken, "cgr_") || tok.AccessToken == "" || tok.TokenType != "Bearer" || tok.ExpiresIn <= 0 {
					t.Fatalf("device_code grant = %+v", tok)
				}
				status("ACTIVE")
				return tok
			}
			initial := activate()
			// The device code is spent: exactly one token response.
			if _, err := sa.GetInitialApiToken(); err == nil || !strings.Contains(err.Error(), "invalid_grant") {
				t.Fatalf("second GetInitialApiToken = %v; want invalid_grant", err)
			}

			// Two logins from the token file, as automation runs: each
			// rotates the token and the file holds the new one.
			file := filepath.Join(t.TempDir(), "sa-token.json")
			if err := govcd.SaveServiceAccountToFile(file, "cloudgate-e2e", initial); err != nil {
				t.Fatal(err)
			}
			seen := []string{initial.RefreshToken}
			var scripts []*govcd.VCDClient
			for run := 1; run <= 2; run++ {
				script := newClient(t, srv)
				if err := script.SetServiceAccountApiToken(tc.accountOrg, file); err != nil {
					t.Fatalf("login %d: SetServiceAccountApiToken: %v", run, err)
				}
				saved, err := govcd.GetTokenFromFile(file)
				if err != nil {
					t.Fatal(err)
				}
				if !strings.HasPrefix(saved.RefreshToken, "cgr_") || slices.Contains(seen, saved.RefreshToken) || saved.TokenType != "Service Account" {
					t.Fatalf("login %d: token file = %+v; want a new rotated refresh token", run, saved)
				}
				seen = append(seen, saved.RefreshToken)
				info, err := script.Client.GetSessionInfo()
				if err != nil {
					t.Fatalf("login %d: GetSessionInfo: %v", run, err)
				}
				if info.User.Name != name || info.User.ID != id || info.Org.Name != tc.accountOrg ||
					!slices.Equal(info.Roles, []string{tc.role}) {
					t.Fatalf("login %d: session info = %+v", run, info)
				}
				if _, err := script.GetOrgByName(tc.accountOrg); err != nil {
					t.Fatalf("login %d: GetOrgByName with the account's session: %v", run, err)
				}
				// Restricted as API-token sessions: no token management.
				if _, err := script.GetAllTokens(url.Values{}); err == nil {
					t.Fatalf("login %d: GetAllTokens from a service-account session succeeded", run)
				}
				scripts = append(scripts, script)
			}

			// A rotated token presented again (once the few seconds in
			// which it counts as a concurrent use have passed): invalid_grant,
			// and the whole grant ends (current token, every session),
			// audited.
			clk.advance(6 * time.Second)
			if _, err := newClient(t, srv).SetApiToken(tc.accountOrg, initial.RefreshToken); err == nil || !strings.Contains(err.Error(), "invalid_grant") {
				t.Fatalf("replay of a rotated token = %v; want invalid_grant", err)
			}
			for i, script := range scripts {
				if _, err := script.Client.GetSessionInfo(); err == nil || !strings.Contains(err.Error(), "NOT_AUTHENTICATED") {
					t.Fatalf("session %d after the replay: %v; want 401", i+1, err)
				}
			}
			if err := newClient(t, srv).SetServiceAccountApiToken(tc.accountOrg, file); err == nil || !strings.Contains(err.Error(), "invalid_grant") {
				t.Fatalf("the current token after the replay = %v; want invalid_grant", err)
			}
			status("CREATED")
			uid, _ := urn.ParseURN(id, urn.ServiceAccount)
			events, _, err := srv.Store().AuditEvents(t.Context(), store.AuditQuery{Type: "serviceAccount.replay"})
			if err != nil || !slices.ContainsFunc(events, func(e store.AuditEvent) bool { return e.Subject == uid.URN(urn.ServiceAccount) }) {
				t.Fatalf("no replay audit event for %s: %v %+v", id, err, events)
			}

			// A revoked account can be authorized again.
			again := activate()
			script := newClient(t, srv)
			if _, err := script.SetApiToken(tc.accountOrg, again.RefreshToken); err != nil {
				t.Fatalf("SetApiToken after authorizing again: %v", err)
			}

			// Update: software fields and the role; the live session holds
			// the new role at once.
			updated, err := sa.Update(&types.ServiceAccount{SoftwareID: "12345678-1234-1234-1234-1234567890ab", SoftwareVersion: "2.0",
				URI: "https://example.com/ci/v2", Role: &types.OpenApiReference{Name: "vApp User"}})
			if err != nil {
				t.Fatalf("Update: %v", err)
			}
			if u := updated.ServiceAccount; u.SoftwareVersion != "2.0" || u.URI != "https://example.com/ci/v2" || u.Role == nil ||
				u.Role.Name != "vApp User" || u.Name != name || u.Status != "ACTIVE" || u.Org == nil || u.Org.Name != tc.accountOrg {
				t.Fatalf("updated = %+v (role %+v)", u, u.Role)
			}
			if info, err := script.Client.GetSessionInfo(); err != nil || !slices.Equal(info.Roles, []string{"vApp User"}) {
				t.Fatalf("session after the role change: %+v, %v", info, err)
			}

			org, err := admin.GetOrgByName(tc.accountOrg)
			if err != nil {
				t.Fatalf("GetOrgByName: %v", err)
			}
			all, err := org.GetAllServiceAccounts(url.Values{})
			if err != nil {
				t.Fatalf("GetAllServiceAccounts: %v", err)
			}
			if !slices.ContainsFunc(all, func(x *govcd.ServiceAccount) bool { return x.ServiceAccount.ID == id }) {
				t.Fatalf("GetAllServiceAccounts did not list %s", id)
			}
			for _, x := range all {
				if x.ServiceAccount.Org == nil || x.ServiceAccount.Org.Name != tc.accountOrg {
					t.Fatalf("listed an account of another org in %s's context: %+v", tc.accountOrg, x.ServiceAccount)
				}
			}
			byName, err := org.GetServiceAccountByName(name)
			if err != nil || byName.ServiceAccount.ID != id {
				t.Fatalf("GetServiceAccountByName = %+v, %v", byName, err)
			}
			if _, err := org.GetServiceAccountByName("no such account"); !govcd.ContainsNotFound(err) {
				t.Fatalf("GetServiceAccountByName of a missing account = %v; want not found", err)
			}

			// Revoke: CREATED, every token and session ends at once.
			if err := sa.Revoke(); err != nil {
				t.Fatalf("Revoke: %v", err)
			}
			status("CREATED")
			if _, err := script.Client.GetSessionInfo(); err == nil || !strings.Contains(err.Error(), "NOT_AUTHENTICATED") {
				t.Fatalf("session after Revoke: %v; want 401", err)
			}
			if _, err := newClient(t, srv).SetApiToken(tc.accountOrg, again.RefreshToken); err == nil || !strings.Contains(err.Error(), "invalid_grant") {
				t.Fatalf("refresh token after Revoke = %v; want invalid_grant", err)
			}

			// Delete an active account: its sessions end with it.
			last := activate()
			script = newClient(t, srv)
			if _, err := script.SetApiToken(tc.accountOrg, last.RefreshToken); err != nil {
				t.Fatalf("SetApiToken before Delete: %v", err)
			}
			if err := sa.Delete(); err != nil {
				t.Fatalf("Delete: %v", err)
			}
			if gone, err := org.GetServiceAccountById(id); err == nil || !govcd.ContainsNotFound(err) {
				t.Fatalf("GetServiceAccountById after Delete = %+v, %v; want not found", gone, err)
			}
			if _, err := script.Client.GetSessionInfo(); err == nil || !strings.Contains(err.Error(), "NOT_AUTHENTICATED") {
				t.Fatalf("session after Delete: %v; want 401", err)
			}
			// The administrator's own session is untouched throughout.
			if _, err := admin.Client.GetSessionInfo(); err != nil {
				t.Fatalf("administrator's session: %v", err)
			}
		})
	}
}

// laterClock is the real time plus what the test advanced.
type laterClock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *laterClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

func (c *laterClock) advance(d time.Duration) {
	c.mu.Lock()
	c.off += d
	c.mu.Unlock()
}
