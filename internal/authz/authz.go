// Package authz decides what a principal may do. It is pure: no store, no
// HTTP; the session layer builds a Principal once per request and handlers
// ask it questions. Restrictions of sessions made from API tokens and
// service accounts are applied here, in one place, when the effective
// rights are computed.
package authz

import (
	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/identity"
	"github.com/cloudgate/cloudgate/internal/urn"
)

// Set is a set of right names.
type Set map[string]struct{}

// Has reports whether the set holds the right.
func (s Set) Has(right string) bool { _, ok := s[right]; return ok }

// Principal is who is asking, as established by a session.
type Principal struct {
	UserID   urn.UUID
	UserName string
	OrgID    urn.UUID
	OrgName  string
	// Provider is true for principals of the System org.
	Provider bool
	// ServiceAccount is true when the principal is a service account.
	ServiceAccount bool
	// Restricted is true for sessions made from an API token or by a
	// service account (Cloud Director's token-session restrictions).
	Restricted bool
	// TokenID is the API token or service account the session came from.
	TokenID urn.UUID
	// Rights are the effective rights; Withheld are rights the role holds
	// that the restriction removed (to explain a refusal).
	Rights   Set
	Withheld Set
}

// restrictedAlways are rights no token-born session has: changing the
// password, making or seeing tokens, managing service accounts.
var restrictedAlways = []string{
	identity.RightChangeOwnPassword,
	identity.RightTokenManage,
	identity.RightTokenManageAll,
	identity.RightServiceAccountMgmt,
}

// viewOnlyCategories lose their Manage rights in token-born sessions.
func viewOnly(category string) bool {
	switch category {
	case identity.CategoryUser, identity.CategoryRole, identity.CategoryGlobalRole, identity.CategoryBundle:
		return true
	}
	return false
}

// Effective computes the rights a session holds from its role's rights.
// Rights unknown to the catalog are kept as they are (a custom role may
// carry rights cloudgate does not interpret).
func Effective(roleRights []string, restricted bool) (granted, withheld Set) {
	granted, withheld = Set{}, Set{}
	for _, name := range roleRights {
		granted[name] = struct{}{}
	}
	if !restricted {
		return granted, withheld
	}
	for _, name := range restrictedAlways {
		if granted.Has(name) {
			delete(granted, name)
			withheld[name] = struct{}{}
		}
	}
	for _, r := range identity.Catalog() {
		if r.Manage && viewOnly(r.Category) && granted.Has(r.Name) {
			delete(granted, r.Name)
			withheld[r.Name] = struct{}{}
		}
	}
	return granted, withheld
}

// Can reports whether p holds right.
func (p *Principal) Can(right string) bool { return p.Rights.Has(right) }

// Require returns nil if p holds right, else a Forbidden error whose message
// says why: a restricted session is told the refusal comes from its origin.
func (p *Principal) Require(right string) error {
	if p.Rights.Has(right) {
		return nil
	}
	if p.Withheld.Has(right) {
		return apierr.New(apierr.Forbidden, "This operation is not allowed for sessions created from an API token or service account (right %q).", right)
	}
	return apierr.New(apierr.Forbidden, "Either you need some or all of the following rights [%s] to perform operations, or the object does not exist.", right)
}

// RequireFull refuses restricted sessions outright, for operations Cloud
// Director reserves to password sessions whatever the rights (registering
// or minting API tokens).
func (p *Principal) RequireFull(what string) error {
	if p.Restricted {
		return apierr.New(apierr.Forbidden, "%s is not allowed for sessions created from an API token or service account.", what)
	}
	return nil
}

// InOrg reports whether p may act inside org: its own org, or any org for
// a System administrator (a provider principal holding Administrator
// Control).
func (p *Principal) InOrg(org urn.UUID) bool {
	return p.OrgID == org || p.SystemAdmin()
}

// SystemAdmin reports whether p is a provider administrator.
func (p *Principal) SystemAdmin() bool {
	return p.Provider && p.Rights.Has(identity.RightAdminControl)
}

// CanSeeSession reports whether p may see or end a session of owner in
// org: its own, any of its org with "Session: Manage All", any for a
// System administrator.
func (p *Principal) CanSeeSession(owner, org urn.UUID) bool {
	if owner == p.UserID {
		return true
	}
	return p.Can(identity.RightSessionManageAll) && p.InOrg(org)
}
