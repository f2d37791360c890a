package serviceaccount

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/audit"
	"github.com/cloudgate/cloudgate/internal/authz"
	"github.com/cloudgate/cloudgate/internal/grant"
	"github.com/cloudgate/cloudgate/internal/identity"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
)

// ScopePrefix starts a service account's scope: the URN of its role with
// the URL-encoded role name, "urn:vcloud:role:vApp%20Author".
const ScopePrefix = "urn:vcloud:role:"

// RegisterSpec is the RFC 7591 metadata a service account is registered
// with. SoftwareID is what makes a registration a service account.
type RegisterSpec struct {
	Name            string
	SoftwareID      string
	SoftwareVersion string
	ClientURI       string
	Scope           string
}

// Register creates a service account in realm's org, in status CREATED. The
// caller needs "Manage Service Accounts" in a session made with a password,
// inside the org (a System administrator: any org). The scope's role must
// exist and be one the caller may assign. Errors: Forbidden (right, reach,
// restricted session), Invalid with invalid_client_metadata (names, scope,
// role, the per-org limit, a name taken by a user or account of the org).
func (s *Service) Register(ctx context.Context, p *authz.Principal, realm grant.Realm, spec RegisterSpec, c grant.Client) (store.ServiceAccountRow, error) {
	var none store.ServiceAccountRow
	if err := p.RequireFull("Creating service accounts"); err != nil {
		return none, err
	}
	if err := p.Require(identity.RightServiceAccountMgmt); err != nil {
		return none, err
	}
	org, err := s.realmOrg(ctx, p, realm)
	if err != nil {
		return none, err
	}
	meta := func(err error) error {
		if e := apierr.As(err); e.Kind == apierr.Invalid {
			return e.WithCode(grant.CodeInvalidClientMeta)
		}
		return err
	}
	if err := checkSpec(spec); err != nil {
		return none, meta(err)
	}
	spec.Name, _ = identity.NormalizeUserName(spec.Name) // checked above: the stored (PRECIS) form
	role, err := s.scopeRole(ctx, spec.Scope)
	if err != nil {
		return none, meta(err)
	}
	if err := assignable(p, role, org); err != nil {
		return none, meta(err)
	}
	now := s.now()
	u := store.User{ID: urn.New(), OrgID: org.ID, Name: spec.Name, Kind: store.KindServiceAccount, RoleID: role.ID,
		Enabled: true, CreatedAt: now, UpdatedAt: now}
	a := store.ServiceAccount{ID: u.ID, OrgID: org.ID, SoftwareID: spec.SoftwareID, SoftwareVersion: spec.SoftwareVersion,
		URI: spec.ClientURI, Status: store.AccountCreated, CreatedBy: p.UserID, CreatedAt: now, UpdatedAt: now}
	err = s.store.Update(ctx, func(tx store.Tx) error {
		// Counted in the transaction, as API tokens per user are.
		_, n, err := tx.ServiceAccounts(ctx, store.ServiceAccountQuery{OrgID: org.ID, Page: store.Page{Limit: 1}})
		if err != nil {
			return err
		}
		if n >= s.maxPer {
			return apierr.New(apierr.Invalid, "organization %s already has %d service accounts, the most one organization may hold; delete one first", org.Name, n).
				WithCode(grant.CodeInvalidClientMeta)
		}
		if err := tx.InsertUser(ctx, u); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return apierr.Wrap(apierr.Conflict, err, "organization %s already has a user or service account named %q", org.Name, u.Name).
					WithCode(grant.CodeInvalidClientMeta)
			}
			return err
		}
		if err := tx.InsertServiceAccount(ctx, a); err != nil {
			return err
		}
		return tx.InsertAudit(ctx, audit.Event(actor(p, c), now, "serviceAccount.create", audit.Success, a.ID.URN(urn.ServiceAccount),
			org.Name+"/"+u.Name+" as "+role.Name))
	})
	if err != nil {
		return none, storeErr(err, "service account")
	}
	return store.ServiceAccountRow{ServiceAccount: a, Name: u.Name, RoleID: role.ID, RoleName: role.Name, OrgName: org.Name}, nil
}

// realmOrg returns the org an /oauth endpoint serves, if p may manage
// service accounts there. The System org is served at /oauth/provider only,
// as for API tokens. A missing org and one out of reach look the same.
func (s *Service) realmOrg(ctx context.Context, p *authz.Principal, realm grant.Realm) (store.Org, error) {
	name := realm.Org
	if realm.Provider {
		name = identity.SystemOrgName
	}
	refused := apierr.New(apierr.Forbidden, "You may not manage service accounts of the organization of /oauth/%s, or it does not exist", realm)
	if !realm.Provider && strings.EqualFold(name, identity.SystemOrgName) {
		return store.Org{}, refused
	}
	org, err := s.store.OrgByName(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return org, refused
	}
	if err != nil {
		return org, storeErr(err, "organization")
	}
	if !p.InOrg(org.ID) {
		return org, refused
	}
	return org, nil
}

func checkSpec(spec RegisterSpec) error {
	if err := identity.ValidateUserName(spec.Name); err != nil {
		// A service account is a user of its org: same rules, and the
		// message names the field the client sent.
		return apierr.New(apierr.Invalid, "client_name: %s", apierr.As(err).Message)
	}
	if err := checkText("software_id", spec.SoftwareID, true); err != nil {
		return err
	}
	if err := checkText("software_version", spec.SoftwareVersion, false); err != nil {
		return err
	}
	return checkURI(spec.ClientURI)
}

// checkText accepts up to 128 printable characters without spaces at
// either end.
func checkText(field, v string, required bool) error {
	switch {
	case v == "" && required:
		return apierr.New(apierr.Invalid, "%s is required", field)
	case v == "":
		return nil
	case !utf8.ValidString(v) || utf8.RuneCountInString(v) > 128 || strings.TrimSpace(v) != v:
		return apierr.New(apierr.Invalid, "%s must be 1 to 128 characters of valid UTF-8 without spaces at either end", field)
	}
	for _, r := range v {
		if !unicode.IsPrint(r) {
			return apierr.New(apierr.Invalid, "%s must not contain control characters", field)
		}
	}
	return nil
}

// checkURI accepts an empty URI or an absolute http(s) URL (RFC 7591 §2
// client_uri: a web page about the client).
func checkURI(v string) error {
	if v == "" {
		return nil
	}
	u, err := url.Parse(v)
	if len(v) > 2048 || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return apierr.New(apierr.Invalid, "client_uri must be an absolute http or https URL of at most 2048 characters, without credentials")
	}
	return nil
}

// scopeRole returns the role a scope names: urn:vcloud:role: followed by
// the URL-encoded role name (govcd and Cloud Director's UI) or by the
// role's id. Exactly one role: a service account holds one.
func (s *Service) scopeRole(ctx context.Context, scope string) (store.Role, error) {
	rest, ok := strings.CutPrefix(scope, ScopePrefix)
	if scope == "" {
		return store.Role{}, apierr.New(apierr.Invalid, "scope is required: %s followed by the URL-encoded name of the account's role", ScopePrefix)
	}
	if !ok || rest == "" || strings.ContainsAny(rest, " \t") {
		return store.Role{}, apierr.New(apierr.Invalid, "scope must be one role, as %s followed by the URL-encoded role name (e.g. %svApp%%20Author)", ScopePrefix, ScopePrefix)
	}
	var role store.Role
	var err error
	if id, perr := urn.Parse(rest); perr == nil {
		role, err = s.store.RoleByID(ctx, id)
	} else {
		name, uerr := url.PathUnescape(rest)
		if uerr != nil || !utf8.ValidString(name) {
			return store.Role{}, apierr.New(apierr.Invalid, "scope: the role name is not correctly URL-encoded")
		}
		role, err = s.store.RoleByName(ctx, name)
	}
	if errors.Is(err, store.ErrNotFound) {
		return role, apierr.New(apierr.Invalid, "scope names no existing role")
	}
	return role, storeErr(err, "role")
}

// assignable decides whether p may give role to an account of org: a role
// reserved to the provider only in the System org, and (unless p is a
// System administrator) only a role whose every right p's own role holds,
// so that nobody makes an account stronger than themselves.
func assignable(p *authz.Principal, role store.Role, org store.Org) error {
	if role.SystemOnly && !strings.EqualFold(org.Name, identity.SystemOrgName) {
		return apierr.New(apierr.Invalid, "role %q can only be held in the System organization", role.Name)
	}
	if p.SystemAdmin() {
		return nil
	}
	for _, right := range role.Rights {
		if !p.Can(right) {
			return apierr.New(apierr.Invalid, "you may not assign role %q: it holds the right %q, which you do not hold", role.Name, right)
		}
	}
	return nil
}
