package cloudgatetest

import "strconv"

// Password is the password of every user of the presets, and
// AdminPassword the password of administrator@System on every server.
const (
	Password      = "Test-password-1"
	AdminPassword = "Admin-password-1"
)

// SystemOrg is the provider's organization, where administrator lives.
const SystemOrg = "System"

// Seed is what a server holds when it starts, besides the provider's
// administrator@System: organizations and their users.
type Seed struct {
	Orgs []Org
}

// Org is one tenant organization. Each gets one compute service for the
// vCloud Air dialect, with one virtual datacenter named after the org.
type Org struct {
	Name        string
	FullName    string
	Description string
	Users       []User
}

// User is one user of an organization. Passwords may be as short as 8
// characters here (fixtures); the server's own minimum elsewhere is 12.
type User struct {
	Name     string
	Password string
	// Role is one of Roles() (or "System Administrator" in the System org).
	Role     string
	FullName string
}

// Roles returns the predefined tenant roles, most privileged first.
func Roles() []string {
	return []string{"Organization Administrator", "Catalog Author", "vApp Author", "vApp User", "Console Access Only"}
}

// roleUsers names the user Tenants creates for each role in Roles().
var roleUsers = map[string]string{
	"Organization Administrator": "orgadmin",
	"Catalog Author":             "catalogauthor",
	"vApp Author":                "vappauthor",
	"vApp User":                  "vappuser",
	"Console Access Only":        "console",
}

// RoleUser returns the name of the user Tenants creates with role in
// every org ("orgadmin", "catalogauthor", "vappauthor", "vappuser",
// "console"); "" for a role not in Roles().
func RoleUser(role string) string { return roleUsers[role] }

// DefaultSeed is what Start serves: org "acme" (Acme Corporation) with
// alice (Organization Administrator), bob (vApp Author) and carol
// (Console Access Only), and org "globex" with dave (Organization
// Administrator), all with Password.
func DefaultSeed() *Seed {
	return &Seed{Orgs: []Org{
		{Name: "acme", FullName: "Acme Corporation", Users: []User{
			{Name: "alice", Password: Password, Role: "Organization Administrator"},
			{Name: "bob", Password: Password, Role: "vApp Author"},
			{Name: "carol", Password: Password, Role: "Console Access Only"},
		}},
		{Name: "globex", FullName: "Globex", Users: []User{
			{Name: "dave", Password: Password, Role: "Organization Administrator"},
		}},
	}}
}

// ProviderOnly is a server with no tenant: only administrator@System
// (AdminPassword).
func ProviderOnly() *Seed { return &Seed{} }

// Tenants is the provider and n orgs named "org1" … "orgN", each with one
// user per predefined role (see RoleUser), all with Password.
func Tenants(n int) *Seed {
	s := &Seed{}
	for i := 1; i <= n; i++ {
		o := Org{Name: "org" + strconv.Itoa(i), FullName: "Organization " + strconv.Itoa(i)}
		for _, r := range Roles() {
			o.Users = append(o.Users, User{Name: RoleUser(r), Password: Password, Role: r})
		}
		s.Orgs = append(s.Orgs, o)
	}
	return s
}
