package serviceaccount

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/audit"
	"github.com/cloudgate/cloudgate/internal/authz"
	"github.com/cloudgate/cloudgate/internal/grant"
	"github.com/cloudgate/cloudgate/internal/identity"
	"github.com/cloudgate/cloudgate/internal/secret"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
)

// reach is the set of service accounts a principal may see or manage. The
// rules: "View Service Accounts" sees and "Manage Service Accounts"
// manages the accounts of the caller's org; a System administrator reaches
// every org, or the one its tenant context names. A tenant context never
// widens anyone's reach: naming another org than one's own is refused.
type reach struct {
	all bool
	org urn.UUID
}

// reachOf returns p's reach under the tenant context ctxOrg (zero: none).
func reachOf(p *authz.Principal, ctxOrg urn.UUID, manage bool) (reach, error) {
	switch {
	case manage:
		if err := p.Require(identity.RightServiceAccountMgmt); err != nil {
			return reach{}, err
		}
	case !p.Can(identity.RightServiceAccountView) && !p.Can(identity.RightServiceAccountMgmt):
		return reach{}, p.Require(identity.RightServiceAccountView)
	}
	if p.SystemAdmin() {
		if ctxOrg.IsZero() {
			return reach{all: true}, nil
		}
		return reach{org: ctxOrg}, nil
	}
	if !ctxOrg.IsZero() && ctxOrg != p.OrgID {
		return reach{}, apierr.New(apierr.Forbidden, "The tenant context names an organization outside your reach.")
	}
	return reach{org: p.OrgID}, nil
}

func (r reach) covers(org urn.UUID) bool { return r.all || r.org == org }

// key names the reach for the per-org guess limit.
func (r reach) key() string {
	if r.all {
		return "all"
	}
	return r.org.String()
}

// notFound is the answer for an account that does not exist or is out of
// reach: the two are indistinguishable (Cloud Director dialects: 403).
func notFound(id urn.UUID) error {
	return apierr.New(apierr.NotFound, "Access to resource %s is forbidden or it does not exist", id.URN(urn.ServiceAccount))
}

// List returns the accounts within p's reach matching q (q.OrgID is
// overridden by the reach) and the total before paging.
func (s *Service) List(ctx context.Context, p *authz.Principal, ctxOrg urn.UUID, q store.ServiceAccountQuery) ([]store.ServiceAccountRow, int, error) {
	r, err := reachOf(p, ctxOrg, false)
	if err != nil {
		return nil, 0, err
	}
	q.OrgID = r.org
	rows, total, err := s.store.ServiceAccounts(ctx, q)
	return rows, total, storeErr(err, "service account")
}

// Get returns an account within p's reach; NotFound otherwise.
func (s *Service) Get(ctx context.Context, p *authz.Principal, ctxOrg urn.UUID, id urn.UUID) (store.ServiceAccountRow, error) {
	r, err := reachOf(p, ctxOrg, false)
	if err != nil {
		return store.ServiceAccountRow{}, err
	}
	return s.visible(ctx, r, id)
}

func (s *Service) visible(ctx context.Context, r reach, id urn.UUID) (store.ServiceAccountRow, error) {
	row, err := s.store.ServiceAccountByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !r.covers(row.OrgID)) {
		return row, notFound(id)
	}
	return row, storeErr(err, "service account")
}

// UpdateSpec is a replacement of an account's changeable fields (PUT).
// Name, OrgID and ID, when given, must be the account's own: they cannot
// change. SoftwareID and the role are kept when not given; SoftwareVersion
// and URI are replaced (empty clears them). The status is not written: it
// only moves through the device grant and revocation.
type UpdateSpec struct {
	ID              urn.UUID
	Name            string
	OrgID           urn.UUID
	SoftwareID      string
	SoftwareVersion string
	URI             string
	// RoleID or RoleName names the new role (RoleID wins).
	RoleID   urn.UUID
	RoleName string
}

// Update replaces an account's changeable fields. A new role must be one
// p may assign; it applies to the account's live sessions at once (the
// change feed updates their role).
func (s *Service) Update(ctx context.Context, p *authz.Principal, ctxOrg, id urn.UUID, spec UpdateSpec, c grant.Client) (store.ServiceAccountRow, error) {
	r, err := reachOf(p, ctxOrg, true)
	if err != nil {
		return store.ServiceAccountRow{}, err
	}
	row, err := s.visible(ctx, r, id)
	if err != nil {
		return row, err
	}
	switch {
	case !spec.ID.IsZero() && spec.ID != id:
		return row, apierr.New(apierr.Invalid, "the id in the body is not the id of the path")
	case spec.Name != "" && spec.Name != row.Name:
		return row, apierr.New(apierr.Invalid, "the name of a service account cannot be changed")
	case !spec.OrgID.IsZero() && spec.OrgID != row.OrgID:
		return row, apierr.New(apierr.Invalid, "a service account cannot move to another organization")
	}
	if spec.SoftwareID == "" {
		spec.SoftwareID = row.SoftwareID
	}
	if err := checkText("softwareId", spec.SoftwareID, true); err != nil {
		return row, err
	}
	if err := checkText("softwareVersion", spec.SoftwareVersion, false); err != nil {
		return row, err
	}
	if err := checkURI(spec.URI); err != nil {
		return row, apierr.New(apierr.Invalid, "uri must be an absolute http or https URL of at most 2048 characters, without credentials")
	}
	role := store.Role{ID: row.RoleID, Name: row.RoleName}
	if !spec.RoleID.IsZero() || spec.RoleName != "" {
		var err error
		if role, err = s.role(ctx, spec.RoleID, spec.RoleName); err != nil {
			return row, err
		}
		if role.ID != row.RoleID {
			org, err := s.store.OrgByID(ctx, row.OrgID)
			if err != nil {
				return row, storeErr(err, "organization")
			}
			if err := assignable(p, role, org); err != nil {
				return row, err
			}
		}
	}
	now := s.now()
	roleChanged := role.ID != row.RoleID
	err = s.store.Update(ctx, func(tx store.Tx) error {
		cur, err := tx.LockServiceAccount(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return notFound(id)
		}
		if err != nil {
			return err
		}
		cur.SoftwareID, cur.SoftwareVersion, cur.URI, cur.UpdatedAt = spec.SoftwareID, spec.SoftwareVersion, spec.URI, now
		if err := tx.UpdateServiceAccount(ctx, cur); err != nil {
			return err
		}
		if roleChanged {
			// After the account row, as every transaction on an account.
			u, err := tx.LockUser(ctx, id)
			if err != nil {
				return err
			}
			u.RoleID, u.UpdatedAt = role.ID, now
			if err := tx.UpdateUser(ctx, u); err != nil {
				return err
			}
			if err := tx.Emit(ctx, store.Change{Topic: store.TopicUserChanged, Subject: id, At: now}); err != nil {
				return err
			}
		}
		detail := "softwareId, softwareVersion, uri"
		if roleChanged {
			detail += "; role " + row.RoleName + " -> " + role.Name
		}
		return tx.InsertAudit(ctx, audit.Event(actor(p, c), now, "serviceAccount.update", audit.Success, id.URN(urn.ServiceAccount), detail))
	})
	if err != nil {
		return row, storeErr(err, "service account")
	}
	if roleChanged {
		s.publish(ctx, store.Change{Topic: store.TopicUserChanged, Subject: id, At: now})
	}
	return s.visible(ctx, r, id)
}

// role finds a role by id, or else by name.
func (s *Service) role(ctx context.Context, id urn.UUID, name string) (store.Role, error) {
	var role store.Role
	var err error
	if !id.IsZero() {
		role, err = s.store.RoleByID(ctx, id)
	} else {
		role, err = s.store.RoleByName(ctx, name)
	}
	if errors.Is(err, store.ErrNotFound) {
		return role, apierr.New(apierr.Invalid, "role names no existing role")
	}
	return role, storeErr(err, "role")
}

// Revoke ends an account's grant: every token and session of the account
// ends at once, any pending device authorization is dropped, and the
// account is CREATED (it may be authorized again). Revoking an account
// that has no grant is not an error.
func (s *Service) Revoke(ctx context.Context, p *authz.Principal, ctxOrg, id urn.UUID, c grant.Client) error {
	r, err := reachOf(p, ctxOrg, true)
	if err != nil {
		return err
	}
	if _, err := s.visible(ctx, r, id); err != nil {
		return err
	}
	return s.change(ctx, id, actor(p, c), false)
}

// Delete removes an account; an active one is revoked in the same
// transaction, so its sessions end with it.
func (s *Service) Delete(ctx context.Context, p *authz.Principal, ctxOrg, id urn.UUID, c grant.Client) error {
	r, err := reachOf(p, ctxOrg, true)
	if err != nil {
		return err
	}
	if _, err := s.visible(ctx, r, id); err != nil {
		return err
	}
	return s.change(ctx, id, actor(p, c), true)
}

// change is the one revocation path of service accounts (Revoke, Delete;
// a replay uses endGrant in its own transaction): one transaction locks
// the account, ends its grant and sessions, puts the revocation on the
// change feed and audits it; the change is applied to this process before
// returning, so the caller's answer goes out once the account's sessions
// are refused here.
func (s *Service) change(ctx context.Context, id urn.UUID, by audit.Actor, remove bool) error {
	now := s.now()
	var changes []store.Change
	err := s.store.Update(ctx, func(tx store.Tx) error {
		changes = nil
		cur, err := tx.LockServiceAccount(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return notFound(id)
		}
		if err != nil {
			return err
		}
		ch, ended, err := endGrant(ctx, tx, &cur, now)
		if err != nil {
			return err
		}
		if ch != nil {
			changes = append(changes, *ch)
		}
		typ := "serviceAccount.revoke"
		if remove {
			typ = "serviceAccount.delete"
			if err := tx.DeleteServiceAccount(ctx, id); err != nil {
				return err
			}
			if err := tx.DeleteUser(ctx, id); err != nil {
				return err
			}
			user := store.Change{Topic: store.TopicUserChanged, Subject: id, At: now}
			if err := tx.Emit(ctx, user); err != nil {
				return err
			}
			changes = append(changes, user)
		}
		return tx.InsertAudit(ctx, audit.Event(by, now, typ, audit.Success, id.URN(urn.ServiceAccount), fmt.Sprintf("%d sessions ended", ended)))
	})
	if err != nil {
		return storeErr(err, "service account")
	}
	s.publish(ctx, changes...)
	return nil
}

// endGrant returns a locked account to CREATED inside tx: its grant,
// refresh token, retired tokens and pending codes are dropped, every
// session of the account ends, and the grant's revocation is put on the
// change feed. It returns that change (nil when there was no grant), for
// the caller to publish after commit, and how many sessions ended.
func endGrant(ctx context.Context, tx store.Tx, cur *store.ServiceAccount, now time.Time) (*store.Change, int, error) {
	grant := cur.GrantID
	cur.Status, cur.GrantID, cur.RefreshDigest, cur.Generation, cur.ActivatedAt = store.AccountCreated, urn.UUID{}, secret.Digest{}, 0, time.Time{}
	cur.DeviceDigest, cur.UserCodeDigest, cur.RequestedAt, cur.CodeExpiresAt = secret.Digest{}, secret.Digest{}, time.Time{}, time.Time{}
	cur.PollInterval, cur.LastPollAt, cur.Denied, cur.GrantedBy, cur.GrantedAt = 0, time.Time{}, false, urn.UUID{}, time.Time{}
	cur.UpdatedAt = now
	if err := tx.UpdateServiceAccount(ctx, *cur); err != nil {
		return nil, 0, err
	}
	if _, err := tx.ForgetRetired(ctx, cur.ID); err != nil {
		return nil, 0, err
	}
	// By user: the account's user row makes sessions through grants only,
	// so this is every session made from the account, whatever grant.
	ended, err := tx.EndSessions(ctx, store.SessionSelector{UserID: cur.ID}, now, "service account revoked")
	if err != nil || grant.IsZero() {
		return nil, len(ended), err
	}
	change := store.Change{Topic: store.TopicTokenRevoked, Subject: grant, At: now}
	return &change, len(ended), tx.Emit(ctx, change)
}
