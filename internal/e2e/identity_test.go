package e2e

import (
	"strings"
	"testing"

	"github.com/vmware/go-vcloud-director/v3/govcd"
	"github.com/vmware/go-vcloud-director/v3/types/v56"

	"github.com/cloudgate/cloudgate/internal/testserver"
)

// login returns an SDK client logged in as user@org.
func login(t *testing.T, srv *testserver.Server, user, password, org string) *govcd.VCDClient {
	t.Helper()
	c := newClient(t, srv)
	if err := c.Authenticate(user, password, org); err != nil {
		t.Fatalf("Authenticate(%s@%s): %v", user, org, err)
	}
	return c
}

func loginFails(t *testing.T, srv *testserver.Server, user, password, org string) {
	t.Helper()
	if err := newClient(t, srv).Authenticate(user, password, org); err == nil {
		t.Fatalf("%s@%s logged in; want refused", user, org)
	}
}

// sessionEnded waits for c's session to be refused (it is at once on the
// instance that made the change).
func sessionEnded(t *testing.T, c *govcd.VCDClient) {
	t.Helper()
	if _, err := c.Client.GetSessionInfo(); err == nil || !strings.Contains(err.Error(), "NOT_AUTHENTICATED") {
		t.Fatalf("session still accepted: %v", err)
	}
}

// The Terraform provider's vcd_org data source: AdminOrg complete with
// settings, users and the lists it ranges over, then its metadata.
func TestSDKReadOrgs(t *testing.T) {
	srv := testserver.Start(t)
	admin := login(t, srv, "administrator", testserver.AdminPassword, "System")
	byName, err := admin.GetAdminOrgByName("acme")
	if err != nil {
		t.Fatalf("GetAdminOrgByName: %v", err)
	}
	ao := byName.AdminOrg
	if ao.FullName != "Acme Corporation" || !ao.IsEnabled || ao.Users == nil || len(ao.Users.User) != 3 {
		t.Fatalf("AdminOrg = %+v users %+v", ao, ao.Users)
	}
	s := ao.OrgSettings
	if s == nil || s.OrgGeneralSettings == nil || s.OrgVAppLeaseSettings == nil || s.OrgVAppTemplateSettings == nil || s.OrgPasswordPolicySettings == nil {
		t.Fatalf("settings incomplete: %+v", s)
	}
	if *s.OrgVAppLeaseSettings.DeploymentLeaseSeconds != 604800 || *s.OrgVAppTemplateSettings.StorageLeaseSeconds != 2592000 ||
		s.OrgPasswordPolicySettings.InvalidLoginsBeforeLockout != 10 {
		t.Fatalf("default settings: %+v %+v", *s.OrgVAppLeaseSettings, s.OrgPasswordPolicySettings)
	}
	if ao.Catalogs == nil || ao.Vdcs == nil || ao.Networks == nil || ao.RoleReferences == nil {
		t.Fatalf("a list govcd ranges over is missing: %+v", ao)
	}
	for _, r := range ao.RoleReferences.RoleReference {
		if r.Name == "System Administrator" {
			t.Fatal("a tenant org offers the System Administrator role")
		}
	}
	byID, err := admin.GetAdminOrgById(ao.ID)
	if err != nil || byID.AdminOrg.Name != "acme" {
		t.Fatalf("GetAdminOrgById: %v", err)
	}
	md, err := byName.GetMetadata()
	if err != nil || len(md.MetadataEntry) != 0 {
		t.Fatalf("GetMetadata = %+v, %v", md, err)
	}
	if org, err := admin.GetOrgByName("globex"); err != nil || org.Org.FullName != "Globex" {
		t.Fatalf("GetOrgByName: %v", err)
	}

	// A tenant administrator reads its own org, not another.
	alice := login(t, srv, "alice", testserver.Password, "acme")
	if _, err := alice.GetAdminOrgByName("acme"); err != nil {
		t.Fatalf("alice GetAdminOrgByName(acme): %v", err)
	}
	if _, err := alice.GetAdminOrgByName("globex"); err == nil {
		t.Fatal("alice reads globex")
	}
}

// The whole life of a user through the SDK, as vcd_org_user drives it.
func TestSDKUserLifecycle(t *testing.T) {
	srv := testserver.Start(t)
	alice := login(t, srv, "alice", testserver.Password, "acme")
	acme, err := alice.GetAdminOrgByName("acme")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := acme.GetRoleReference("vApp Author"); err != nil {
		t.Fatalf("GetRoleReference: %v", err)
	}
	const pw1, pw2 = "Erin-password-1", "Erin-password-2"
	erin, err := acme.CreateUserSimple(govcd.OrgUserConfiguration{Name: "erin", Password: pw1, RoleName: "vApp Author",
		IsEnabled: true, FullName: "Erin Example", EmailAddress: "erin@example.com", Telephone: "+1 555 0100", Description: "test user"})
	if err != nil {
		t.Fatalf("CreateUserSimple: %v", err)
	}
	u := erin.User
	if u.FullName != "Erin Example" || u.EmailAddress != "erin@example.com" || u.Telephone != "+1 555 0100" ||
		u.Description != "test user" || !u.IsEnabled || u.IsLocked || erin.GetRoleName() != "vApp Author" {
		t.Fatalf("created user = %+v role %+v", u, u.Role)
	}
	// It logs in at once.
	session := login(t, srv, "erin", pw1, "acme")

	byID, err := acme.GetUserById(u.ID, true)
	if err != nil || byID.User.Name != "erin" {
		t.Fatalf("GetUserById: %v", err)
	}
	erin, err = acme.GetUserByName("erin", true)
	if err != nil {
		t.Fatalf("GetUserByName: %v", err)
	}

	// Update keeps what it does not change and ends no session.
	erin.User.FullName, erin.User.Telephone = "Erin E.", "+1 555 0199"
	if err := erin.Update(); err != nil {
		t.Fatalf("Update: %v", err)
	}
	erin, _ = acme.GetUserByName("erin", true)
	if erin.User.FullName != "Erin E." || erin.User.Telephone != "+1 555 0199" || erin.User.EmailAddress != "erin@example.com" {
		t.Fatalf("after Update: %+v", erin.User)
	}
	if _, err := session.Client.GetSessionInfo(); err != nil {
		t.Fatalf("Update ended the session: %v", err)
	}
	if err := erin.ChangeRole("vApp User"); err != nil {
		t.Fatalf("ChangeRole: %v", err)
	}
	// The live session holds the new role at once.
	if info, err := session.Client.GetSessionInfo(); err != nil || len(info.Roles) != 1 || info.Roles[0] != "vApp User" {
		t.Fatalf("session after ChangeRole: %+v, %v", info, err)
	}

	// Disable ends the session and refuses logins; Enable lets them in.
	if err := erin.Disable(); err != nil {
		t.Fatalf("Disable: %v", err)
	}
	sessionEnded(t, session)
	loginFails(t, srv, "erin", pw1, "acme")
	if err := erin.Enable(); err != nil {
		t.Fatalf("Enable: %v", err)
	}
	session = login(t, srv, "erin", pw1, "acme")

	// Ten failed logins lock her out; Unlock lets her in again.
	for i := 0; i < 10; i++ {
		loginFails(t, srv, "erin", "not-the-password", "acme")
	}
	loginFails(t, srv, "erin", pw1, "acme")
	erin, _ = acme.GetUserByName("erin", true)
	if !erin.User.IsLocked {
		t.Fatal("IsLocked false after ten failures")
	}
	if err := erin.Unlock(); err != nil {
		t.Fatalf("Unlock: %v", err)
	}
	login(t, srv, "erin", pw1, "acme")

	// A new password ends her sessions; only the new one logs in.
	erin, _ = acme.GetUserByName("erin", true)
	if err := erin.ChangePassword("short"); err == nil {
		t.Fatal("a 5-character password was accepted")
	}
	erin, _ = acme.GetUserByName("erin", true)
	if err := erin.ChangePassword(pw2); err != nil {
		t.Fatalf("ChangePassword: %v", err)
	}
	sessionEnded(t, session)
	loginFails(t, srv, "erin", pw1, "acme")
	session = login(t, srv, "erin", pw2, "acme")
	// govcd keeps the password in the object and sends it with the next
	// Update: the same password again changes nothing and ends nothing.
	erin.User.Description = "still here"
	if err := erin.Update(); err != nil {
		t.Fatalf("Update resending the password: %v", err)
	}
	if _, err := session.Client.GetSessionInfo(); err != nil {
		t.Fatalf("resending the current password ended the session: %v", err)
	}

	// Delete: gone, session ended, login refused.
	if err := erin.Delete(false); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	sessionEnded(t, session)
	loginFails(t, srv, "erin", pw2, "acme")
	if _, err := acme.GetUserById(u.ID, true); err != govcd.ErrorEntityNotFound {
		t.Fatalf("GetUserById after Delete = %v", err)
	}
	if _, err := acme.GetUserByHref(u.Href); err == nil || !strings.Contains(err.Error(), "403") {
		t.Fatalf("GetUserByHref after Delete = %v; want 403 (Cloud Director's not found)", err)
	}
}

// Org create, update and delete as System administrator, as vcd_org does.
func TestSDKOrgLifecycle(t *testing.T) {
	srv := testserver.Start(t)
	admin := login(t, srv, "administrator", testserver.AdminPassword, "System")
	lease, storage := 3600, 7200
	del := true
	settings := &types.OrgSettings{
		OrgGeneralSettings:      &types.OrgGeneralSettings{CanPublishCatalogs: true, DeployedVMQuota: 4, StoredVMQuota: 8},
		OrgVAppLeaseSettings:    &types.VAppLeaseSettings{DeploymentLeaseSeconds: &lease, StorageLeaseSeconds: &storage, DeleteOnStorageLeaseExpiration: &del},
		OrgVAppTemplateSettings: &types.VAppTemplateLeaseSettings{StorageLeaseSeconds: &storage},
	}
	task, err := govcd.CreateOrg(admin, "initech", "Initech", "TPS reports", settings, true)
	if err != nil {
		t.Fatalf("CreateOrg: %v", err)
	}
	if err := task.WaitTaskCompletion(); err != nil {
		t.Fatalf("CreateOrg task: %v", err)
	}
	org, err := admin.GetAdminOrgByName("initech")
	if err != nil {
		t.Fatalf("GetAdminOrgByName: %v", err)
	}
	s := org.AdminOrg.OrgSettings
	if org.AdminOrg.Description != "TPS reports" || !s.OrgGeneralSettings.CanPublishCatalogs || s.OrgGeneralSettings.DeployedVMQuota != 4 ||
		*s.OrgVAppLeaseSettings.DeploymentLeaseSeconds != 3600 || !*s.OrgVAppLeaseSettings.DeleteOnStorageLeaseExpiration ||
		*s.OrgVAppTemplateSettings.StorageLeaseSeconds != 7200 {
		t.Fatalf("created org: %+v general %+v lease %+v", org.AdminOrg, s.OrgGeneralSettings, s.OrgVAppLeaseSettings)
	}

	org.AdminOrg.FullName, org.AdminOrg.Description = "Initech Inc.", "Y2K"
	org.AdminOrg.OrgSettings.OrgPasswordPolicySettings.InvalidLoginsBeforeLockout = 5
	task, err = org.Update()
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	if err := task.WaitTaskCompletion(); err != nil {
		t.Fatalf("Update task: %v", err)
	}
	org, _ = admin.GetAdminOrgByName("initech")
	if org.AdminOrg.FullName != "Initech Inc." || org.AdminOrg.Description != "Y2K" ||
		org.AdminOrg.OrgSettings.OrgPasswordPolicySettings.InvalidLoginsBeforeLockout != 5 ||
		*org.AdminOrg.OrgSettings.OrgVAppLeaseSettings.DeploymentLeaseSeconds != 3600 {
		t.Fatalf("updated org: %+v", org.AdminOrg)
	}

	// A user in it: delete without force is refused, with force it goes.
	if _, err := org.CreateUserSimple(govcd.OrgUserConfiguration{Name: "peter", Password: "Peter-password-1",
		RoleName: "Organization Administrator", IsEnabled: true}); err != nil {
		t.Fatalf("CreateUserSimple: %v", err)
	}
	peter := login(t, srv, "peter", "Peter-password-1", "initech")
	if err := org.Delete(false, false); err == nil {
		t.Fatal("an org with a user was deleted without force")
	}
	org, _ = admin.GetAdminOrgByName("initech")
	if err := org.Delete(true, true); err != nil {
		t.Fatalf("Delete(force, recursive): %v", err)
	}
	sessionEnded(t, peter)
	loginFails(t, srv, "peter", "Peter-password-1", "initech")
	if _, err := admin.GetAdminOrgByName("initech"); err == nil {
		t.Fatal("the deleted org is still there")
	}

	// Only the System administrator manages orgs.
	alice := login(t, srv, "alice", testserver.Password, "acme")
	if _, err := govcd.CreateOrg(alice, "rogue", "Rogue", "", nil, true); err == nil {
		t.Fatal("an org administrator created an org")
	}
	acme, _ := alice.GetAdminOrgByName("acme")
	if _, err := acme.Update(); err == nil {
		t.Fatal("an org administrator updated its org")
	}
}
