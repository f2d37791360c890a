package e2e

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vmware/go-vcloud-director/v3/govcd"

	"github.com/cloudgate/cloudgate/internal/store/postgres/pgtest"
	"github.com/cloudgate/cloudgate/internal/testserver"
)

// Bad input to the XML admin endpoints: each answer is in the XML Error
// format with the right status, and nothing is written.
func TestAdminBadInput(t *testing.T) {
	srv := testserver.Start(t)
	admin := login(t, srv, "administrator", testserver.AdminPassword, "System")
	alice := login(t, srv, "alice", testserver.Password, "acme")
	bob := login(t, srv, "bob", testserver.Password, "acme")
	acme, _ := admin.GetAdminOrgByName("acme")
	globex, _ := admin.GetAdminOrgByName("globex")
	dave, err := globex.GetUserByName("dave", false)
	if err != nil {
		t.Fatal(err)
	}
	roleRef, err := acme.GetRoleReference("vApp Author")
	if err != nil {
		t.Fatal(err)
	}
	sysRole := ""
	sys, _ := admin.GetAdminOrgByName("System")
	for _, r := range sys.AdminOrg.RoleReferences.RoleReference {
		if r.Name == "System Administrator" {
			sysRole = r.HREF
		}
	}
	// An API-token session of alice (an org administrator) may read users
	// but never change them.
	tokClient := login(t, srv, "alice", testserver.Password, "acme")
	tok, err := tokClient.CreateToken("acme", "e2e")
	if err != nil {
		t.Fatal(err)
	}
	initial, err := tok.GetInitialApiToken()
	if err != nil {
		t.Fatal(err)
	}
	tokenSession := newClient(t, srv)
	if _, err := tokenSession.SetApiToken("acme", initial.RefreshToken); err != nil {
		t.Fatal(err)
	}

	const ns = `xmlns="http://www.vmware.com/vcloud/v1.5"`
	user := func(name, role string) string {
		return `<User ` + ns + ` name="` + name + `"><IsEnabled>true</IsEnabled><Role href="` + role + `"/><Password>Valid-password-1</Password></User>`
	}
	usersURL := srv.URL + "/api/admin/org/" + strings.TrimPrefix(acme.AdminOrg.ID, "urn:vcloud:org:") + "/users"
	daveURL := dave.User.Href
	for _, tc := range []struct {
		name        string
		c           *govcd.VCDClient
		method, url string
		body        string
		status      int
		wantInBody  string
		createdName string // a user that must not exist afterwards
	}{
		{"DTD", alice, "POST", usersURL, `<!DOCTYPE User [<!ENTITY x "mallory">]>` + user("&x;", roleRef.HREF), 400, "directive", "mallory"},
		{"wrong element", alice, "POST", usersURL, strings.Replace(strings.Replace(user("mallory", roleRef.HREF), "<User", "<Group", 1), "</User>", "</Group>", 1), 400, "User element", "mallory"},
		{"wrong namespace", alice, "POST", usersURL, strings.Replace(user("mallory", roleRef.HREF), ns, `xmlns="urn:other"`, 1), 400, "namespace", "mallory"},
		{"unknown role", alice, "POST", usersURL, user("mallory", srv.URL+"/api/admin/role/00000000-0000-4000-8000-000000000000"), 400, "does not exist", "mallory"},
		{"role that is not a role", alice, "POST", usersURL, user("mallory", srv.URL+"/api/admin/org/x"), 400, "Role", "mallory"},
		{"System-only role in a tenant", admin, "POST", usersURL, user("mallory", sysRole), 400, "System organization", "mallory"},
		{"short password", alice, "POST", usersURL, strings.Replace(user("mallory", roleRef.HREF), "Valid-password-1", "short", 1), 400, "", "mallory"},
		{"external user", alice, "POST", usersURL, strings.Replace(user("mallory", roleRef.HREF), "<IsEnabled>", "<IsExternal>true</IsExternal><IsEnabled>", 1), 400, "local users", "mallory"},
		{"not XML", alice, "POST", usersURL, `{"name":"mallory"}`, 415, "", "mallory"},
		{"another org's users", alice, "POST", srv.URL + "/api/admin/org/" + strings.TrimPrefix(globex.AdminOrg.ID, "urn:vcloud:org:") + "/users", user("mallory", roleRef.HREF), 403, "", ""},
		{"without the right", bob, "POST", usersURL, user("mallory", roleRef.HREF), 403, "", "mallory"},
		{"API-token session", tokenSession, "POST", usersURL, user("mallory", roleRef.HREF), 403, "API token", "mallory"},
		{"read another org's user", alice, "GET", daveURL, "", 403, "", ""},
		{"change another org's user", alice, "PUT", daveURL, user("dave", roleRef.HREF), 403, "", ""},
		{"delete another org's user", alice, "DELETE", daveURL, "", 403, "", ""},
		{"malformed user id", alice, "GET", srv.URL + "/api/admin/user/not-a-uuid", "", 403, "", ""},
		{"create an org as tenant", alice, "POST", srv.URL + "/api/admin/orgs", `<AdminOrg ` + ns + ` name="rogue"><FullName>R</FullName></AdminOrg>`, 403, "", ""},
		{"create an org with a DTD", admin, "POST", srv.URL + "/api/admin/orgs", `<!DOCTYPE AdminOrg><AdminOrg ` + ns + ` name="rogue"><FullName>R</FullName></AdminOrg>`, 400, "", ""},
		{"bad org name", admin, "POST", srv.URL + "/api/admin/orgs", `<AdminOrg ` + ns + ` name="a b"><FullName>R</FullName></AdminOrg>`, 400, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, tc.url, strings.NewReader(tc.body))
			req.Header.Set("Accept", "application/*+xml;version=37.0")
			req.Header.Set("Authorization", "Bearer "+tc.c.Client.VCDToken)
			if strings.HasPrefix(tc.body, "{") {
				req.Header.Set("Content-Type", "application/json")
			} else if tc.body != "" {
				req.Header.Set("Content-Type", "application/vnd.vmware.admin.user+xml")
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.status || !strings.Contains(string(body), "<Error") || !strings.Contains(string(body), tc.wantInBody) {
				t.Fatalf("%d %s; want %d with an XML Error containing %q", resp.StatusCode, body, tc.status, tc.wantInBody)
			}
			if !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/vnd.vmware.vcloud.error+xml") {
				t.Fatalf("Content-Type %q", resp.Header.Get("Content-Type"))
			}
		})
	}
	// Nothing was written: no mallory, no rogue org, dave unchanged.
	acme, _ = admin.GetAdminOrgByName("acme")
	if _, err := acme.GetUserByName("mallory", true); err != govcd.ErrorEntityNotFound {
		t.Fatalf("mallory exists: %v", err)
	}
	if _, err := admin.GetAdminOrgByName("rogue"); err == nil {
		t.Fatal("org rogue exists")
	}
	d, err := globex.GetUserByName("dave", true)
	if err != nil || !d.User.IsEnabled || d.GetRoleName() != "Organization Administrator" {
		t.Fatalf("dave changed: %+v %v", d, err)
	}
	// The token session still reads users.
	tacme, err := tokenSession.GetAdminOrgByName("acme")
	if err != nil || len(tacme.AdminOrg.Users.User) != 3 {
		t.Fatalf("API-token session reading users: %v", err)
	}
	if _, err := tacme.GetUserByName("bob", false); err != nil {
		t.Fatalf("API-token session GetUserByName: %v", err)
	}
}

// The System org always keeps an enabled System Administrator.
func TestLastSystemAdministrator(t *testing.T) {
	srv := testserver.Start(t)
	admin := login(t, srv, "administrator", testserver.AdminPassword, "System")
	sys, err := admin.GetAdminOrgByName("System")
	if err != nil {
		t.Fatal(err)
	}
	me, err := sys.GetUserByName("administrator", false)
	if err != nil {
		t.Fatal(err)
	}
	if err := me.Disable(); err == nil || !strings.Contains(err.Error(), "last enabled System Administrator") {
		t.Fatalf("disabling the last administrator: %v", err)
	}
	me, _ = sys.GetUserByName("administrator", true)
	if err := me.Delete(false); err == nil {
		t.Fatal("the last administrator was deleted")
	}
	// With a second one, the first may go.
	if _, err := sys.CreateUserSimple(govcd.OrgUserConfiguration{Name: "second", Password: "Second-password-1",
		RoleName: "System Administrator", IsEnabled: true}); err != nil {
		t.Fatalf("CreateUserSimple: %v", err)
	}
	second := login(t, srv, "second", "Second-password-1", "System")
	me, _ = sys.GetUserByName("administrator", true)
	if err := me.Delete(false); err != nil {
		t.Fatalf("deleting one of two administrators: %v", err)
	}
	s2, _ := second.GetAdminOrgByName("System")
	self, _ := s2.GetUserByName("second", true)
	if err := self.Delete(false); err == nil {
		t.Fatal("the remaining administrator deleted itself")
	}
}

// A user created through the SDK on one instance logs in at once on
// another sharing PostgreSQL; deleted on the first, it is refused on the
// second (login and its live session).
func TestSDKUserAcrossInstances(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	a := testserver.Start(t, testserver.WithDSN(dsn))
	b := testserver.Start(t, testserver.WithDSN(dsn))
	alice := login(t, a, "alice", testserver.Password, "acme")
	acme, err := alice.GetAdminOrgByName("acme")
	if err != nil {
		t.Fatal(err)
	}
	frank, err := acme.CreateUserSimple(govcd.OrgUserConfiguration{Name: "frank", Password: "Frank-password-1",
		RoleName: "vApp User", IsEnabled: true})
	if err != nil {
		t.Fatalf("CreateUserSimple on A: %v", err)
	}
	onB := login(t, b, "frank", "Frank-password-1", "acme")
	if err := frank.Delete(false); err != nil {
		t.Fatalf("Delete on A: %v", err)
	}
	loginFails(t, b, "frank", "Frank-password-1", "acme")
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, err := onB.Client.GetSessionInfo()
		if err != nil && strings.Contains(err.Error(), "NOT_AUTHENTICATED") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("B still accepts the deleted user's session: %v", err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	// B sees the deletion in the admin view too.
	bAdmin := login(t, b, "alice", testserver.Password, "acme")
	bAcme, _ := bAdmin.GetAdminOrgByName("acme")
	if _, err := bAcme.GetUserByName("frank", true); err != govcd.ErrorEntityNotFound {
		t.Fatalf("frank on B after delete: %v", err)
	}
}
