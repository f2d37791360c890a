package identity

import (
	"time"

	"context"
	"errors"
	"strings"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/audit"
	"github.com/cloudgate/cloudgate/internal/secret"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
)

// OrgSpec describes an org to create.
type OrgSpec struct {
	Name        string
	FullName    string
	Description string
	// Services are the org's compute services (vCloud Air dialect); nil
	// means one default service (DefaultService), empty means none.
	Services []ServiceSpec
}

// CreateOrg creates an enabled org with the default lockout policy and its
// compute services, in one transaction. It fails with Conflict when the
// name is taken in any case.
func (d *Directory) CreateOrg(ctx context.Context, by audit.Actor, spec OrgSpec) (store.Org, error) {
	name, err := NormalizeOrgName(spec.Name)
	if err != nil {
		return store.Org{}, err
	}
	spec.Name = name
	if len(spec.FullName) > 256 || len(spec.Description) > 1024 {
		return store.Org{}, apierr.New(apierr.Invalid, "full name or description is too long")
	}
	services, err := normalizeAll(spec.Name, spec.Services)
	if err != nil {
		return store.Org{}, err
	}
	org := store.Org{ID: urn.New(), Name: spec.Name, FullName: spec.FullName, Description: spec.Description,
		Enabled: true, Lockout: DefaultLockout(), CreatedAt: d.now()}
	err = d.store.Update(ctx, func(tx store.Tx) error {
		if err := tx.InsertOrg(ctx, org); err != nil {
			return err
		}
		if err := d.audit(tx, ctx, by, "org.create", audit.Success, org.ID.URN(urn.Org), org.Name); err != nil {
			return err
		}
		_, err := d.insertServices(ctx, tx, by, org, services, org.CreatedAt)
		return err
	})
	return org, storeErr(err, "organization "+spec.Name)
}

// Org returns an org by name (case-insensitive).
func (d *Directory) Org(ctx context.Context, name string) (store.Org, error) {
	o, err := d.store.OrgByName(ctx, name)
	return o, storeErr(err, "organization "+name)
}

// Orgs lists every org.
func (d *Directory) Orgs(ctx context.Context) ([]store.Org, error) {
	o, err := d.store.Orgs(ctx)
	return o, storeErr(err, "organization")
}

// SetOrgEnabled enables or disables an org. Disabling ends every session of
// the org's users, on every instance. The System org cannot be disabled.
func (d *Directory) SetOrgEnabled(ctx context.Context, by audit.Actor, name string, enabled bool) (store.Org, error) {
	var org store.Org
	now := d.now()
	err := d.store.Update(ctx, func(tx store.Tx) error {
		var err error
		if org, err = tx.OrgByName(ctx, name); err != nil {
			return err
		}
		if !enabled && strings.EqualFold(org.Name, SystemOrgName) {
			return apierr.New(apierr.Invalid, "the System organization cannot be disabled")
		}
		if org.Enabled == enabled {
			return nil
		}
		org.Enabled = enabled
		if err := tx.UpdateOrg(ctx, org); err != nil {
			return err
		}
		if !enabled {
			if _, err := tx.EndSessions(ctx, store.SessionSelector{OrgID: org.ID}, now, "org disabled"); err != nil {
				return err
			}
		}
		if err := tx.Emit(ctx, store.Change{Topic: store.TopicOrgChanged, Subject: org.ID, At: now}); err != nil {
			return err
		}
		typ := "org.enable"
		if !enabled {
			typ = "org.disable"
		}
		return d.audit(tx, ctx, by, typ, audit.Success, org.ID.URN(urn.Org), org.Name)
	})
	if err != nil {
		return org, storeErr(err, "organization "+name)
	}
	d.publish(ctx, store.Change{Topic: store.TopicOrgChanged, Subject: org.ID, At: now})
	return org, nil
}

// SetLockout replaces an org's lockout policy.
func (d *Directory) SetLockout(ctx context.Context, by audit.Actor, name string, p store.Lockout) (store.Org, error) {
	if p.InvalidLogins < 1 || p.InvalidLogins > 100 || p.IntervalMinutes < 1 || p.IntervalMinutes > 43200 {
		return store.Org{}, apierr.New(apierr.Invalid, "invalid logins before lockout must be 1-100 and the lockout interval 1-43200 minutes")
	}
	var org store.Org
	err := d.store.Update(ctx, func(tx store.Tx) error {
		var err error
		if org, err = tx.OrgByName(ctx, name); err != nil {
			return err
		}
		org.Lockout = p
		if err := tx.UpdateOrg(ctx, org); err != nil {
			return err
		}
		return d.audit(tx, ctx, by, "org.lockout", audit.Success, org.ID.URN(urn.Org), org.Name)
	})
	return org, storeErr(err, "organization "+name)
}

// UserSpec describes a user to create.
type UserSpec struct {
	Org      string
	Name     string
	Password string
	Role     string
	FullName string
	// MinPasswordRunes overrides the minimum password length (seed
	// fixtures may use NIST's minimum of 8); zero means the policy's 12.
	MinPasswordRunes int
}

// CreateUser creates an enabled user. The role must exist and, if it is
// reserved to the provider, the org must be System.
func (d *Directory) CreateUser(ctx context.Context, by audit.Actor, spec UserSpec) (store.User, error) {
	name, err := NormalizeUserName(spec.Name)
	if err != nil {
		return store.User{}, err
	}
	spec.Name = name
	min := spec.MinPasswordRunes
	if min == 0 {
		min = secret.MinPasswordRunes
	}
	if err := secret.CheckNewPassword(spec.Password, min); err != nil {
		return store.User{}, apierr.New(apierr.Invalid, "%s", err.Error())
	}
	org, err := d.store.OrgByName(ctx, spec.Org)
	if err != nil {
		return store.User{}, storeErr(err, "organization "+spec.Org)
	}
	role, err := d.store.RoleByName(ctx, spec.Role)
	if err != nil {
		return store.User{}, storeErr(err, "role "+spec.Role)
	}
	if role.SystemOnly && !strings.EqualFold(org.Name, SystemOrgName) {
		return store.User{}, apierr.New(apierr.Invalid, "role %q can only be held by users of the System organization", role.Name)
	}
	hash, err := d.hasher.Hash(ctx, spec.Password)
	if err != nil {
		return store.User{}, err
	}
	now := d.now()
	u := store.User{ID: urn.New(), OrgID: org.ID, Name: spec.Name, FullName: spec.FullName, Kind: store.KindUser,
		RoleID: role.ID, PasswordHash: hash, Enabled: true, CreatedAt: now, UpdatedAt: now}
	err = d.store.Update(ctx, func(tx store.Tx) error {
		if err := tx.InsertUser(ctx, u); err != nil {
			return err
		}
		return d.audit(tx, ctx, by, "user.create", audit.Success, u.ID.URN(urn.User), org.Name+"/"+u.Name)
	})
	return u, storeErr(err, "user "+spec.Name+" in "+org.Name)
}

// User returns a user by org and name.
func (d *Directory) User(ctx context.Context, orgName, name string) (store.User, store.Org, error) {
	org, err := d.store.OrgByName(ctx, orgName)
	if err != nil {
		return store.User{}, org, storeErr(err, "organization "+orgName)
	}
	u, err := d.store.UserByName(ctx, org.ID, name)
	return u, org, storeErr(err, "user "+name+" in "+org.Name)
}

// Users lists the people of an org (every org when orgName is empty).
func (d *Directory) Users(ctx context.Context, orgName string) ([]store.User, error) {
	var orgID urn.UUID
	if orgName != "" {
		org, err := d.store.OrgByName(ctx, orgName)
		if err != nil {
			return nil, storeErr(err, "organization "+orgName)
		}
		orgID = org.ID
	}
	users, err := d.store.Users(ctx, orgID, false)
	return users, storeErr(err, "user")
}

// changeUser applies fn to a locked user row and, when it reports a change,
// writes it, emits user.changed and audits typ. endSessions also ends every
// session of the user (their ValidAfter moves to now).
func (d *Directory) changeUser(ctx context.Context, by audit.Actor, orgName, name, typ string, endSessions bool,
	fn func(*store.User) (bool, error)) (store.User, error) {
	org, err := d.store.OrgByName(ctx, orgName)
	if err != nil {
		return store.User{}, storeErr(err, "organization "+orgName)
	}
	now := d.now()
	var u store.User
	changed := false
	err = d.store.Update(ctx, func(tx store.Tx) error {
		cur, err := tx.UserByName(ctx, org.ID, name)
		if err != nil {
			return err
		}
		if u, err = tx.LockUser(ctx, cur.ID); err != nil {
			return err
		}
		if changed, err = fn(&u); err != nil || !changed {
			return err
		}
		u.UpdatedAt = now
		if endSessions {
			// The store keeps microseconds: the user returned to the caller
			// must carry the stored value, or a session made from it fails
			// the store's ValidAfter guard.
			u.ValidAfter = now.Truncate(time.Microsecond)
			if _, err := tx.EndSessions(ctx, store.SessionSelector{UserID: u.ID}, now, typ); err != nil {
				return err
			}
		}
		if err := tx.UpdateUser(ctx, u); err != nil {
			return err
		}
		if err := tx.Emit(ctx, store.Change{Topic: store.TopicUserChanged, Subject: u.ID, At: now}); err != nil {
			return err
		}
		return d.audit(tx, ctx, by, typ, audit.Success, u.ID.URN(urn.User), org.Name+"/"+u.Name)
	})
	if err != nil {
		return u, storeErr(err, "user "+name+" in "+org.Name)
	}
	if changed {
		d.publish(ctx, store.Change{Topic: store.TopicUserChanged, Subject: u.ID, At: now})
	}
	return u, nil
}

// SetUserEnabled enables or disables a user; disabling ends its sessions.
func (d *Directory) SetUserEnabled(ctx context.Context, by audit.Actor, orgName, name string, enabled bool) (store.User, error) {
	typ := "user.enable"
	if !enabled {
		typ = "user.disable"
	}
	return d.changeUser(ctx, by, orgName, name, typ, !enabled, func(u *store.User) (bool, error) {
		if u.Kind != store.KindUser {
			return false, apierr.New(apierr.Invalid, "%s is a service account; manage it through the service account API", u.Name)
		}
		if u.Enabled == enabled {
			return false, nil
		}
		u.Enabled = enabled
		return true, nil
	})
}

// SetPassword replaces a user's password and ends its sessions (a new
// password is a new credential: sessions made with the old one end, on
// every instance). It also clears any lockout.
func (d *Directory) SetPassword(ctx context.Context, by audit.Actor, orgName, name, password string) (store.User, error) {
	if err := secret.CheckNewPassword(password, secret.MinPasswordRunes); err != nil {
		return store.User{}, apierr.New(apierr.Invalid, "%s", err.Error())
	}
	hash, err := d.hasher.Hash(ctx, password)
	if err != nil {
		return store.User{}, err
	}
	return d.changeUser(ctx, by, orgName, name, "user.password", true, func(u *store.User) (bool, error) {
		if u.Kind != store.KindUser {
			return false, apierr.New(apierr.Invalid, "%s is a service account and has no password", u.Name)
		}
		*u = afterSuccess(*u, d.now())
		u.PasswordHash = hash
		return true, nil
	})
}

// Unlock clears a user's lockout (temporary or permanent).
func (d *Directory) Unlock(ctx context.Context, by audit.Actor, orgName, name string) (store.User, error) {
	return d.changeUser(ctx, by, orgName, name, "user.unlock", false, func(u *store.User) (bool, error) {
		if u.Failures == 0 && !u.HardLocked && u.LockedUntil.IsZero() {
			return false, nil
		}
		*u = afterSuccess(*u, d.now())
		return true, nil
	})
}

// Locked reports whether a user is locked out now (for listings).
func (d *Directory) Locked(u store.User, org store.Org) bool {
	return refused(u, false, d.now()) && !d.isSysAdmin(u, org)
}

func (d *Directory) isSysAdmin(u store.User, org store.Org) bool {
	return strings.EqualFold(org.Name, SystemOrgName) && u.Kind == store.KindUser
}

// RoleOf returns a user's role.
func (d *Directory) RoleOf(ctx context.Context, u store.User) (store.Role, error) {
	r, err := d.store.RoleByID(ctx, u.RoleID)
	if errors.Is(err, store.ErrNotFound) {
		return r, apierr.Wrap(apierr.Internal, err, "user %s has a role that does not exist", u.Name)
	}
	return r, storeErr(err, "role")
}

// UserByID returns a user with its org and role.
func (d *Directory) UserByID(ctx context.Context, id urn.UUID) (Account, error) {
	u, err := d.store.UserByID(ctx, id)
	if err != nil {
		return Account{}, storeErr(err, "user")
	}
	o, err := d.store.OrgByID(ctx, u.OrgID)
	if err != nil {
		return Account{}, storeErr(err, "organization")
	}
	r, err := d.RoleOf(ctx, u)
	return Account{User: u, Org: o, Role: r}, err
}

// OrgByID returns an org by id.
func (d *Directory) OrgByID(ctx context.Context, id urn.UUID) (store.Org, error) {
	o, err := d.store.OrgByID(ctx, id)
	return o, storeErr(err, "organization")
}

// Role returns a role by id.
func (d *Directory) Role(ctx context.Context, id urn.UUID) (store.Role, error) {
	r, err := d.store.RoleByID(ctx, id)
	return r, storeErr(err, "role")
}
