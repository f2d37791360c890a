package xmlapi

import (
	"testing"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/identity"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
)

// How an AdminOrg body's settings combine with what the org has.
func TestOrgInputMerge(t *testing.T) {
	cur := identity.DefaultOrgSettings(urn.UUID{})
	cur.General = store.OrgGeneral{CanPublishCatalogs: true, DeployedVMQuota: 3}
	cur.VAppLease.DeploymentLeaseSeconds = 100
	lockout := store.Lockout{Enabled: true, InvalidLogins: 7, IntervalMinutes: 9}
	i := func(n int) *int { return &n }
	b := func(v bool) *bool { return &v }
	for _, tc := range []struct {
		name  string
		in    *settingsXML
		check func(identity.OrgInput) bool
	}{
		{"no settings keeps everything", nil, func(o identity.OrgInput) bool { return o.Settings == nil && o.Lockout == nil }},
		{"general replaces the whole group", &settingsXML{General: &generalXML{StoredVMQuota: 5}},
			func(o identity.OrgInput) bool {
				return o.Settings.General == store.OrgGeneral{StoredVMQuota: 5} && o.Settings.VAppLease.DeploymentLeaseSeconds == 100
			}},
		{"a lease field left out keeps its value", &settingsXML{VAppLease: &vAppLeaseXML{StorageLeaseSeconds: i(60), PowerOffOnRuntimeLeaseExpiration: b(true)}},
			func(o identity.OrgInput) bool {
				v := o.Settings.VAppLease
				return v.DeploymentLeaseSeconds == 100 && v.StorageLeaseSeconds == 60 && v.PowerOffOnRuntimeLeaseExpiration &&
					o.Settings.General.CanPublishCatalogs
			}},
		{"template lease", &settingsXML{TemplateLease: &templateLeaseXML{DeleteOnStorageLeaseExpiration: b(true)}},
			func(o identity.OrgInput) bool {
				return o.Settings.TemplateLease.DeleteOnStorageLeaseExpiration && o.Settings.TemplateLease.StorageLeaseSeconds == 2592000
			}},
		{"turning lockout off keeps its numbers", &settingsXML{PasswordPolicy: &passwordPolicyXML{}},
			func(o identity.OrgInput) bool {
				return *o.Lockout == store.Lockout{InvalidLogins: 7, IntervalMinutes: 9}
			}},
		{"new lockout numbers", &settingsXML{PasswordPolicy: &passwordPolicyXML{AccountLockoutEnabled: true, InvalidLoginsBeforeLockout: 3, AccountLockoutIntervalMinutes: 1}},
			func(o identity.OrgInput) bool {
				return *o.Lockout == store.Lockout{Enabled: true, InvalidLogins: 3, IntervalMinutes: 1}
			}},
	} {
		got := orgInput(adminOrgIn{Name: "acme", IsEnabled: true, Settings: tc.in}, cur, lockout)
		if got.Name != "acme" || !got.Enabled || !tc.check(got) {
			t.Errorf("%s: %+v settings %+v lockout %+v", tc.name, got, got.Settings, got.Lockout)
		}
	}
	if cur.General.DeployedVMQuota != 3 {
		t.Error("orgInput changed the caller's settings")
	}
}

func TestUserInput(t *testing.T) {
	role := urn.New()
	for _, tc := range []struct {
		name string
		in   userIn
		ok   bool
		role urn.UUID
	}{
		{"role by href", userIn{Name: "a", Role: &ref{Href: "https://h/api/admin/role/" + role.String()}}, true, role},
		{"role by id", userIn{Name: "a", Role: &ref{ID: role.URN(urn.Role)}}, true, role},
		{"no role", userIn{Name: "a"}, true, urn.UUID{}},
		{"href of something else", userIn{Name: "a", Role: &ref{Href: "https://h/api/admin/org/" + role.String()}}, false, urn.UUID{}},
		{"garbage role id", userIn{Name: "a", Role: &ref{ID: "urn:vcloud:user:" + role.String()}}, false, urn.UUID{}},
		{"external", userIn{Name: "a", IsExternal: true}, false, urn.UUID{}},
		{"SAML", userIn{Name: "a", ProviderType: "SAML"}, false, urn.UUID{}},
		{"integrated", userIn{Name: "a", ProviderType: "INTEGRATED"}, true, urn.UUID{}},
	} {
		got, err := userInput(tc.in)
		if (err == nil) != tc.ok || (err != nil && !apierr.Is(err, apierr.Invalid)) || got.RoleID != tc.role {
			t.Errorf("%s: %+v, %v", tc.name, got, err)
		}
	}
	if got, _ := userInput(userIn{Name: "a", IsLocked: false}); !got.Unlock {
		t.Error("IsLocked false does not unlock")
	}
}
