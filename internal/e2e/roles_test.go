package e2e

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/vmware/go-vcloud-director/v3/govcd"
	"github.com/vmware/go-vcloud-director/v3/types/v56"

	"github.com/cloudgate/cloudgate/internal/testserver"
)

// What the vcd_role data source and user management read: roles by name
// under a tenant context, their rights, the role references of an org.
func TestSDKRolesAndRights(t *testing.T) {
	srv := testserver.Start(t)
	admin := login(t, srv, "administrator", testserver.AdminPassword, "System")
	acme, err := admin.GetAdminOrgByName("acme")
	if err != nil {
		t.Fatal(err)
	}
	// AdminOrg.GetAllRoles sends the tenant-context headers of acme.
	roles, err := acme.GetAllRoles(url.Values{"filter": {"name==Organization Administrator"}})
	if err != nil || len(roles) != 1 || roles[0].Role.Name != "Organization Administrator" || !roles[0].Role.ReadOnly {
		t.Fatalf("GetAllRoles(name filter) = %+v, %v", roles, err)
	}
	all, err := acme.GetAllRoles(nil)
	if err != nil || len(all) != 5 {
		t.Fatalf("acme's roles: %d, %v (want the 5 tenant roles)", len(all), err)
	}
	everything, err := admin.Client.GetAllRoles(nil)
	if err != nil || len(everything) != 6 {
		t.Fatalf("every role as System administrator: %d, %v", len(everything), err)
	}
	role, err := acme.GetRoleByName("vApp Author")
	if err != nil {
		t.Fatalf("GetRoleByName: %v", err)
	}
	rights, err := role.GetRights(nil)
	if err != nil || len(rights) == 0 {
		t.Fatalf("GetRights = %d, %v", len(rights), err)
	}
	names := map[string]bool{}
	for _, r := range rights {
		names[r.Name] = true
	}
	if !names["vApp: Create / Reconfigure a vApp"] || names["Group / User: Manage"] {
		t.Fatalf("vApp Author rights: %v", names)
	}
	if _, err := acme.GetRoleByName("System Administrator"); err == nil {
		t.Fatal("a tenant org has the System Administrator role")
	}
	if _, err := acme.GetRoleById(role.Role.ID); err != nil {
		t.Fatalf("GetRoleById: %v", err)
	}

	// As the tenant's own administrator (govcd sends acme's context).
	alice := login(t, srv, "alice", testserver.Password, "acme")
	aliceAcme, err := alice.GetAdminOrgByName("acme")
	if err != nil {
		t.Fatal(err)
	}
	if r, err := aliceAcme.GetRoleByName("Catalog Author"); err != nil || r.Role.Name != "Catalog Author" {
		t.Fatalf("alice GetRoleByName: %v", err)
	}
	ref, err := aliceAcme.GetRoleReference("Console Access Only")
	if err != nil || !strings.Contains(ref.HREF, "/api/admin/role/") {
		t.Fatalf("GetRoleReference = %+v, %v", ref, err)
	}
	// The reference's href leads to the role.
	var roleDoc struct {
		Name string `xml:"name,attr"`
	}
	if _, err := alice.Client.ExecuteRequest(ref.HREF, http.MethodGet, "", "%s", nil, &roleDoc); err != nil || roleDoc.Name != "Console Access Only" {
		t.Fatalf("GET %s = %+v, %v", ref.HREF, roleDoc, err)
	}
	bob := login(t, srv, "bob", testserver.Password, "acme")
	if _, err := bob.Client.ExecuteRequest(ref.HREF, http.MethodGet, "", "%s", nil, &roleDoc); err == nil || !strings.Contains(err.Error(), "403") {
		t.Fatalf("bob (no Role: View) reads another role: %v", err)
	}
}

// Raw OpenAPI lists: the provider's exact role query, orgs and users with
// FIQL and paging, and tenant contexts honoured only for the System
// administrator.
func TestCloudAPIIdentityLists(t *testing.T) {
	srv := testserver.Start(t)
	admin := login(t, srv, "administrator", testserver.AdminPassword, "System")
	alice := login(t, srv, "alice", testserver.Password, "acme")
	bob := login(t, srv, "bob", testserver.Password, "acme")
	globex, err := admin.GetAdminOrgByName("globex")
	if err != nil {
		t.Fatal(err)
	}
	acme, _ := admin.GetAdminOrgByName("acme")
	get := func(tok, path string, hdr map[string]string, out any) int {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		req.Header.Set("Accept", "application/json;version=37.0")
		req.Header.Set("Authorization", "Bearer "+tok)
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if out != nil && resp.StatusCode == 200 {
			if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
				t.Fatal(err)
			}
		}
		return resp.StatusCode
	}
	type page struct {
		ResultTotal int              `json:"resultTotal"`
		Values      []map[string]any `json:"values"`
	}
	acmeCtx := map[string]string{"X-VMWARE-VCLOUD-TENANT-CONTEXT": strings.TrimPrefix(acme.AdminOrg.ID, "urn:vcloud:org:"),
		"X-VMWARE-VCLOUD-AUTH-CONTEXT": "acme"}
	globexCtx := map[string]string{"X-VMWARE-VCLOUD-TENANT-CONTEXT": globex.AdminOrg.ID, "X-VMWARE-VCLOUD-AUTH-CONTEXT": "globex"}

	var p page
	q := "/cloudapi/1.0.0/roles/?filter=" + url.QueryEscape("name==Organization Administrator") + "&pageSize=128"
	if st := get(admin.Client.VCDToken, q, acmeCtx, &p); st != 200 || p.ResultTotal != 1 || p.Values[0]["name"] != "Organization Administrator" {
		t.Fatalf("provider role query: %d %+v", st, p)
	}
	if st := get(alice.Client.VCDToken, q, acmeCtx, &p); st != 200 || p.ResultTotal != 1 {
		t.Fatalf("alice with her own context: %d %+v", st, p)
	}
	for _, path := range []string{q, "/cloudapi/1.0.0/users", "/cloudapi/1.0.0/orgs"} {
		if st := get(alice.Client.VCDToken, path, globexCtx, nil); st != 403 {
			t.Errorf("alice with globex's tenant context on %s: %d, want 403", path, st)
		}
	}
	if st := get(bob.Client.VCDToken, "/cloudapi/1.0.0/roles", nil, nil); st != 403 {
		t.Errorf("bob (no Role: View) lists roles: %d", st)
	}
	if st := get(admin.Client.VCDToken, "/cloudapi/1.0.0/rights?filter=rightType==MODIFY&pageSize=5", nil, &p); st != 200 || p.ResultTotal < 10 || len(p.Values) != 5 {
		t.Fatalf("rights catalog: %d %d/%d", st, len(p.Values), p.ResultTotal)
	}

	if st := get(admin.Client.VCDToken, "/cloudapi/1.0.0/orgs?sortAsc=name", nil, &p); st != 200 || p.ResultTotal != 3 || p.Values[0]["name"] != "acme" {
		t.Fatalf("orgs as System administrator: %d %+v", st, p)
	}
	if st := get(admin.Client.VCDToken, "/cloudapi/1.0.0/orgs?filter=name==glob*", nil, &p); st != 200 || p.ResultTotal != 1 || p.Values[0]["displayName"] != "Globex" {
		t.Fatalf("orgs filtered: %d %+v", st, p)
	}
	if st := get(alice.Client.VCDToken, "/cloudapi/1.0.0/orgs", nil, &p); st != 200 || p.ResultTotal != 1 || p.Values[0]["name"] != "acme" {
		t.Fatalf("orgs as alice: %d %+v", st, p)
	}
	if st := get(alice.Client.VCDToken, "/cloudapi/1.0.0/orgs/"+globex.AdminOrg.ID, nil, nil); st != 403 {
		t.Fatalf("alice reads globex: %d", st)
	}
	if st := get(alice.Client.VCDToken, "/cloudapi/1.0.0/orgs/"+acme.AdminOrg.ID, nil, nil); st != 200 {
		t.Fatalf("alice reads acme: %d", st)
	}

	if st := get(alice.Client.VCDToken, "/cloudapi/1.0.0/users?pageSize=2&sortDesc=username", nil, &p); st != 200 || p.ResultTotal != 3 ||
		len(p.Values) != 2 || p.Values[0]["username"] != "carol" {
		t.Fatalf("users as alice: %d %+v", st, p)
	}
	if st := get(admin.Client.VCDToken, "/cloudapi/1.0.0/users?filter=orgEntityRef.name==globex", nil, &p); st != 200 || p.ResultTotal != 1 || p.Values[0]["username"] != "dave" {
		t.Fatalf("users of globex as System administrator: %d %+v", st, p)
	}
	if st := get(admin.Client.VCDToken, "/cloudapi/1.0.0/users", globexCtx, &p); st != 200 || p.ResultTotal != 1 {
		t.Fatalf("users under globex's context: %d %+v", st, p)
	}
	if st := get(bob.Client.VCDToken, "/cloudapi/1.0.0/users", nil, nil); st != 403 {
		t.Fatalf("bob lists users: %d", st)
	}
	if st := get(admin.Client.VCDToken, "/cloudapi/1.0.0/users?filter=nosuch==x", nil, nil); st != 400 {
		t.Fatalf("unknown filter field: %d", st)
	}
}

// Custom roles through the SDK as System administrator: create, rights
// added, replaced and removed, held by a user (whose session takes new
// rights at once), not deletable while held, deleted once free.
func TestSDKCustomRoles(t *testing.T) {
	srv := testserver.Start(t)
	admin := login(t, srv, "administrator", testserver.AdminPassword, "System")
	acme, err := admin.GetAdminOrgByName("acme")
	if err != nil {
		t.Fatal(err)
	}
	role, err := acme.CreateRole(&types.Role{Name: "Auditor", Description: "reads users"})
	if err != nil {
		t.Fatalf("CreateRole: %v", err)
	}
	right := func(name string) types.OpenApiReference {
		t.Helper()
		r, err := admin.Client.GetRightByName(name)
		if err != nil {
			t.Fatalf("GetRightByName(%s): %v", name, err)
		}
		return types.OpenApiReference{Name: r.Name, ID: r.ID}
	}
	if err := role.AddRights([]types.OpenApiReference{right("Organization: View"), right("Group / User: View")}); err != nil {
		t.Fatalf("AddRights: %v", err)
	}
	if err := role.AddRights([]types.OpenApiReference{right("Provider: Manage Settings")}); err == nil {
		t.Fatal("a provider right was added to a custom role")
	}
	rights, err := role.GetRights(nil)
	if err != nil || len(rights) != 2 {
		t.Fatalf("GetRights = %d, %v", len(rights), err)
	}
	role.Role.Description = "reads users and roles"
	if role, err = role.Update(); err != nil || role.Role.Description != "reads users and roles" {
		t.Fatalf("Update: %v", err)
	}
	if _, err := acme.CreateUserSimple(govcd.OrgUserConfiguration{Name: "audrey", Password: "Audrey-password-1",
		RoleName: "Auditor", IsEnabled: true}); err != nil {
		t.Fatalf("CreateUserSimple with the custom role: %v", err)
	}
	audrey := login(t, srv, "audrey", "Audrey-password-1", "acme")
	if _, err := audrey.GetAdminOrgByName("acme"); err == nil {
		t.Fatal("audrey reads the admin view without General: Administrator View")
	}
	if err := role.AddRights([]types.OpenApiReference{right("General: Administrator View"), right("Role: View")}); err != nil {
		t.Fatalf("AddRights: %v", err)
	}
	// Her live session holds the new rights at once.
	aAcme, err := audrey.GetAdminOrgByName("acme")
	if err != nil || len(aAcme.AdminOrg.Users.User) != 4 {
		t.Fatalf("audrey after the new rights: %v", err)
	}
	if _, err := aAcme.CreateRole(&types.Role{Name: "Mine"}); err == nil {
		t.Fatal("a tenant user created a role")
	}
	if err := role.Delete(); err == nil {
		t.Fatal("a role held by a user was deleted")
	}
	if err := role.RemoveAllRights(); err != nil {
		t.Fatalf("RemoveAllRights: %v", err)
	}
	u, _ := acme.GetUserByName("audrey", true)
	if err := u.Delete(false); err != nil {
		t.Fatal(err)
	}
	if err := role.Delete(); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := acme.GetRoleByName("Auditor"); err != govcd.ErrorEntityNotFound {
		t.Fatalf("deleted role still found: %v", err)
	}
	oa, _ := acme.GetRoleByName("Organization Administrator")
	if err := oa.Delete(); err == nil {
		t.Fatal("a predefined role was deleted")
	}
}
