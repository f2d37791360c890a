package authz

import (
	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/identity"
	"github.com/cloudgate/cloudgate/internal/urn"
)

// The rules for managing identity (orgs, users, roles) through the API.
// Every handler that reads or changes one asks here first; the rules are
// table-tested in identity_test.go. They hold on their own, whatever a
// gate in front of cloudgate decides about the path:
//
//   - only a System administrator creates, changes or deletes orgs;
//   - organization administrators ("Group / User: Manage") manage the users
//     of their own org only; a System administrator those of any org;
//   - sessions made from API tokens or by service accounts read users,
//     groups and roles but never change them, whatever their role;
//   - a tenant context narrows a System administrator to one org and is
//     refused for anyone else unless it names their own org.

// notFound is the answer for what the principal may not see: Cloud
// Director does not tell "not yours" from "does not exist".
func notFound(what string) error {
	return apierr.New(apierr.NotFound, "Access to resource %s is forbidden or it does not exist", what)
}

// ReadOrg allows reading org (its Org and AdminOrg documents): members of
// the org and System administrators. admin asks for the AdminOrg view,
// which also needs "General: Administrator View".
func (p *Principal) ReadOrg(org urn.UUID, admin bool) error {
	if !p.InOrg(org) {
		return notFound(org.URN(urn.Org))
	}
	if admin {
		return p.Require(identity.RightAdminView)
	}
	return nil
}

// ManageOrgs allows creating, changing and deleting orgs: System
// administrators only, in full sessions or token sessions alike (org
// management is not one of the categories token sessions lose).
func (p *Principal) ManageOrgs() error {
	if !p.SystemAdmin() {
		return apierr.New(apierr.Forbidden, "Only a System administrator may create, change or delete organizations.")
	}
	return p.Require(identity.RightOrgEdit)
}

// ReadUsers allows listing and reading the users of org: holders of
// "Group / User: View" in that org, System administrators in any.
func (p *Principal) ReadUsers(org urn.UUID) error {
	if !p.InOrg(org) {
		return notFound(org.URN(urn.Org))
	}
	return p.Require(identity.RightUserView)
}

// ManageUsers allows creating, changing and deleting the users of org.
// Restricted sessions are refused before the right is looked at, so the
// rule holds even for a custom role that kept the right.
func (p *Principal) ManageUsers(org urn.UUID) error {
	if p.Restricted {
		return apierr.New(apierr.Forbidden, "Sessions created from an API token or service account may read users but not change them.")
	}
	if !p.InOrg(org) {
		return notFound(org.URN(urn.Org))
	}
	return p.Require(identity.RightUserManage)
}

// ReadRoles allows listing roles and their rights ("Role: View"). A
// principal may always read its own role (RoleSelf).
func (p *Principal) ReadRoles() error { return p.Require(identity.RightRoleView) }

// ManageRoles allows creating, changing and deleting custom roles. Roles
// are global in cloudgate (every org sees every role), so only a System
// administrator in a full session manages them.
func (p *Principal) ManageRoles() error {
	if p.Restricted {
		return apierr.New(apierr.Forbidden, "Sessions created from an API token or service account may read roles but not change them.")
	}
	if !p.SystemAdmin() {
		return apierr.New(apierr.Forbidden, "Only a System administrator may create, change or delete roles: roles are shared by every organization.")
	}
	return p.Require(identity.RightGlobalRoleManage)
}

// Scope returns the org a list acts in given the request's tenant context
// (zero when none was sent). For a System administrator it is the context,
// or zero (every org) without one; for anyone else it is their own org,
// and a context is refused unless it names that org.
func (p *Principal) Scope(tenantCtx urn.UUID) (urn.UUID, error) {
	switch {
	case tenantCtx.IsZero() && p.SystemAdmin():
		return urn.UUID{}, nil
	case tenantCtx.IsZero():
		return p.OrgID, nil
	case p.SystemAdmin() || tenantCtx == p.OrgID:
		return tenantCtx, nil
	}
	return urn.UUID{}, apierr.New(apierr.Forbidden, "The tenant context names an organization outside your reach.")
}
