package authz

import (
	"strings"
	"testing"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/identity"
	"github.com/cloudgate/cloudgate/internal/urn"
)

func roleRights(name string) []string {
	for _, r := range identity.PredefinedRoles() {
		if r.Name == name {
			return r.Rights
		}
	}
	panic(name)
}

// What a session made from an API token keeps and loses, per Cloud
// Director's documented restrictions.
func TestEffectiveRestrictions(t *testing.T) {
	all := roleRights(identity.RoleSystemAdmin)
	full, withheld := Effective(all, false)
	if len(full) != len(all) || len(withheld) != 0 {
		t.Fatalf("unrestricted: %d granted, %d withheld", len(full), len(withheld))
	}
	granted, withheld := Effective(all, true)
	for _, tc := range []struct {
		right string
		keep  bool
	}{
		{identity.RightTokenManage, false},
		{identity.RightTokenManageAll, false},
		{identity.RightChangeOwnPassword, false},
		{identity.RightServiceAccountMgmt, false},
		{identity.RightUserManage, false},
		{identity.RightRoleManage, false},
		{identity.RightGlobalRoleManage, false},
		{identity.RightBundleManage, false},
		{identity.RightUserView, true},
		{identity.RightRoleView, true},
		{identity.RightGlobalRoleView, true},
		{identity.RightBundleView, true},
		{identity.RightVAppCreate, true},
		{identity.RightAdminControl, true},
		{identity.RightServiceAccountView, true},
	} {
		if granted.Has(tc.right) != tc.keep || withheld.Has(tc.right) == tc.keep {
			t.Errorf("%s: kept=%v, want %v", tc.right, granted.Has(tc.right), tc.keep)
		}
	}
	custom, _ := Effective([]string{"Custom: Right"}, true)
	if !custom.Has("Custom: Right") {
		t.Error("a right unknown to the catalog was dropped")
	}
}

func TestRequireExplainsRestriction(t *testing.T) {
	g, w := Effective(roleRights(identity.RoleOrgAdmin), true)
	p := Principal{Rights: g, Withheld: w, Restricted: true}
	err := p.Require(identity.RightTokenManage)
	if !apierr.Is(err, apierr.Forbidden) || !strings.Contains(err.Error(), "API token") {
		t.Fatalf("restricted refusal: %v", err)
	}
	err = p.Require(identity.RightProviderManage)
	if !apierr.Is(err, apierr.Forbidden) || strings.Contains(err.Error(), "API token") {
		t.Fatalf("plain refusal: %v", err)
	}
	if p.Require(identity.RightUserView) != nil || p.RequireFull("registering a token") == nil {
		t.Fatal("view right refused or full-session operation allowed")
	}
}

func TestVisibility(t *testing.T) {
	orgA, orgB, sys := urn.New(), urn.New(), urn.New()
	me, other := urn.New(), urn.New()
	mk := func(role string, org urn.UUID, provider bool) *Principal {
		g, _ := Effective(roleRights(role), false)
		return &Principal{UserID: me, OrgID: org, Provider: provider, Rights: g}
	}
	for _, tc := range []struct {
		name       string
		p          *Principal
		owner, org urn.UUID
		want       bool
	}{
		{"own session", mk(identity.RoleVAppAuthor, orgA, false), me, orgA, true},
		{"other user, plain role", mk(identity.RoleVAppAuthor, orgA, false), other, orgA, false},
		{"other user, org admin", mk(identity.RoleOrgAdmin, orgA, false), other, orgA, true},
		{"other org, org admin", mk(identity.RoleOrgAdmin, orgA, false), other, orgB, false},
		{"system admin anywhere", mk(identity.RoleSystemAdmin, sys, true), other, orgB, true},
	} {
		if got := tc.p.CanSeeSession(tc.owner, tc.org); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
	if !mk(identity.RoleSystemAdmin, sys, true).SystemAdmin() || mk(identity.RoleOrgAdmin, orgA, false).SystemAdmin() {
		t.Error("SystemAdmin misjudged")
	}
}
