package identity

// Right is one permission. Names follow Cloud Director's right names where
// they exist; Label is the wording Cloud Director's UI and docs use.
type Right struct {
	Name     string
	Label    string
	Category string
	// Manage is true for rights that change something; sessions made from
	// API tokens lose the Manage rights of the restricted categories.
	Manage bool
}

// Right names referenced by code.
const (
	RightOrgView            = "Organization: View"
	RightOrgEdit            = "Organization: Edit Properties"
	RightAdminView          = "General: Administrator View"
	RightAdminControl       = "General: Administrator Control"
	RightUserView           = "Group / User: View"
	RightUserManage         = "Group / User: Manage"
	RightChangeOwnPassword  = "User: Change Own Password"
	RightRoleView           = "Role: View"
	RightRoleManage         = "Role: Create, Edit, Delete, or Copy"
	RightGlobalRoleView     = "Global Role: View"
	RightGlobalRoleManage   = "Global Role: Create, Edit, Delete, or Copy"
	RightBundleView         = "Rights Bundle: View"
	RightBundleManage       = "Rights Bundle: Edit"
	RightTokenManage        = "Token: Manage"
	RightTokenManageAll     = "Token: Manage All"
	RightServiceAccountView = "View Service Accounts"
	RightServiceAccountMgmt = "Manage Service Accounts"
	RightSessionView        = "Session: View"
	RightSessionManageAll   = "Session: Manage All"
	RightVdcView            = "Organization vDC: View"
	RightVAppCreate         = "vApp: Create / Reconfigure a vApp"
	RightVAppUse            = "vApp: Use Console"
	RightCatalogView        = "Catalog: View Private and Shared Catalogs"
	RightCatalogAuthor      = "Catalog: Add vApp from My Cloud"
	RightAuditView          = "Audit: View"
	RightProviderManage     = "Provider: Manage Settings"
)

// Categories whose Manage rights API-token sessions lose (Cloud Director:
// "view rights only for User, Group, Roles, Global roles, Rights bundles").
const (
	CategoryUser       = "User"
	CategoryRole       = "Role"
	CategoryGlobalRole = "Global Role"
	CategoryBundle     = "Rights Bundle"
	CategoryToken      = "Token"
	CategoryAccount    = "Service Account"
)

// Catalog returns every right cloudgate knows, in a stable order.
func Catalog() []Right {
	return []Right{
		{RightOrgView, "View organization", "Organization", false},
		{RightOrgEdit, "Edit organization properties", "Organization", true},
		{RightAdminView, "View administrative settings", "General", false},
		{RightAdminControl, "Control administrative settings", "General", true},
		{RightUserView, "View users and groups", CategoryUser, false},
		{RightUserManage, "Create, edit, disable and delete users and groups", CategoryUser, true},
		{RightChangeOwnPassword, "Change own password", CategoryUser, true},
		{RightRoleView, "View roles", CategoryRole, false},
		{RightRoleManage, "Create, edit, delete or copy roles", CategoryRole, true},
		{RightGlobalRoleView, "View global roles", CategoryGlobalRole, false},
		{RightGlobalRoleManage, "Create, edit, delete or copy global roles", CategoryGlobalRole, true},
		{RightBundleView, "View rights bundles", CategoryBundle, false},
		{RightBundleManage, "Edit rights bundles", CategoryBundle, true},
		{RightTokenManage, "Manage user's own API token", CategoryToken, true},
		{RightTokenManageAll, "Manage all users' API tokens", CategoryToken, true},
		{RightServiceAccountView, "View service accounts", CategoryAccount, false},
		{RightServiceAccountMgmt, "Manage service accounts", CategoryAccount, true},
		{RightSessionView, "View own sessions", "Session", false},
		{RightSessionManageAll, "View and end every session of the organization", "Session", true},
		{RightVdcView, "View organization virtual datacenters", "VDC", false},
		{RightVAppCreate, "Create and reconfigure vApps", "vApp", true},
		{RightVAppUse, "Use the console of vApps", "vApp", false},
		{RightCatalogView, "View private and shared catalogs", "Catalog", false},
		{RightCatalogAuthor, "Add vApps to catalogs", "Catalog", true},
		{RightAuditView, "View the audit log", "Audit", false},
		{RightProviderManage, "Manage provider-wide settings", "Provider", true},
	}
}

// LookupRight finds a right by name or by label (case-sensitive).
func LookupRight(nameOrLabel string) (Right, bool) {
	for _, r := range Catalog() {
		if r.Name == nameOrLabel || r.Label == nameOrLabel {
			return r, true
		}
	}
	return Right{}, false
}

// Predefined role names.
const (
	RoleSystemAdmin = "System Administrator"
	RoleOrgAdmin    = "Organization Administrator"
	RoleCatalogAuth = "Catalog Author"
	RoleVAppAuthor  = "vApp Author"
	RoleVAppUser    = "vApp User"
	RoleConsoleOnly = "Console Access Only"
	SystemOrgName   = "System"
	AdminUserName   = "administrator"
)

// PredefinedRole is a role cloudgate creates on an empty store.
type PredefinedRole struct {
	Name        string
	Description string
	SystemOnly  bool
	Rights      []string
}

// PredefinedRoles returns the roles every installation has. Who holds the
// token rights by default is a decision (Cloud Director leaves it to the
// provider's rights bundles): every tenant role but Console Access Only
// manages its own tokens; Organization and System Administrators manage
// every token in their reach.
func PredefinedRoles() []PredefinedRole {
	var all []string
	for _, r := range Catalog() {
		all = append(all, r.Name)
	}
	tenantBase := []string{RightOrgView, RightChangeOwnPassword, RightSessionView, RightVdcView}
	with := func(extra ...string) []string { return append(append([]string{}, tenantBase...), extra...) }
	return []PredefinedRole{
		{RoleSystemAdmin, "Provider administrator with every right", true, all},
		{RoleOrgAdmin, "Administers one organization: users, roles, tokens, service accounts, sessions", false, with(
			RightOrgEdit, RightAdminView, RightAdminControl, RightUserView, RightUserManage, RightRoleView, RightRoleManage,
			RightGlobalRoleView, RightBundleView, RightTokenManage, RightTokenManageAll, RightServiceAccountView,
			RightServiceAccountMgmt, RightSessionManageAll, RightVAppCreate, RightVAppUse, RightCatalogView,
			RightCatalogAuthor, RightAuditView)},
		{RoleCatalogAuth, "Creates and publishes catalogs", false, with(
			RightTokenManage, RightVAppCreate, RightVAppUse, RightCatalogView, RightCatalogAuthor)},
		{RoleVAppAuthor, "Creates and uses vApps", false, with(RightTokenManage, RightVAppCreate, RightVAppUse, RightCatalogView)},
		{RoleVAppUser, "Uses existing vApps", false, with(RightTokenManage, RightVAppUse, RightCatalogView)},
		{RoleConsoleOnly, "Can only use the consoles of vApps", false, []string{RightOrgView, RightChangeOwnPassword, RightSessionView, RightVAppUse}},
	}
}
