package identity

import (
	"time"

	"context"
	"errors"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/audit"
	"github.com/cloudgate/cloudgate/internal/secret"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
)

// User management by id, as the Cloud Director admin API does it. The
// rules are the CLI's: the password policy, lockout, disabling or a new
// password ends the user's sessions on every instance, and the System org
// always keeps one enabled System Administrator. Who may call these is
// decided by authz before; these functions only keep the data right.

// UserDetails is a person with everything the admin API shows of it.
type UserDetails struct {
	Account
	Profile store.UserProfile
	Locked  bool
}

// UserInput is what creating or updating a user sets.
type UserInput struct {
	Name     string
	FullName string
	Profile  store.UserProfile // UserID is ignored
	RoleID   urn.UUID          // zero on update: keep the role
	Enabled  bool
	// Password: required on create; on update empty keeps the password.
	Password string
	// Unlock clears a lockout (update only; a user cannot be locked by
	// request, only by failed logins).
	Unlock bool
}

func validateProfile(fullName string, p store.UserProfile) error {
	for _, f := range []struct {
		what, v string
		max     int
	}{
		{"full name", fullName, 256}, {"email address", p.Email, 256}, {"telephone", p.Telephone, 64},
		{"description", p.Description, 1024}, {"IM", p.IM, 256},
	} {
		if !utf8.ValidString(f.v) || utf8.RuneCountInString(f.v) > f.max {
			return apierr.New(apierr.Invalid, "%s must be at most %d characters of valid UTF-8", f.what, f.max)
		}
		if strings.IndexFunc(f.v, func(r rune) bool { return !unicode.IsPrint(r) && r != '\n' }) >= 0 {
			return apierr.New(apierr.Invalid, "%s must not contain control characters", f.what)
		}
	}
	if p.Email != "" && (!strings.Contains(p.Email, "@") || strings.ContainsAny(p.Email, " <>")) {
		return apierr.New(apierr.Invalid, "email address %q is not valid", p.Email)
	}
	return nil
}

// roleFor checks that role id exists and may be held in org.
func roleFor(ctx context.Context, r store.OrgReader, org store.Org, id urn.UUID) (store.Role, error) {
	role, err := r.RoleByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return role, apierr.New(apierr.Invalid, "role %s does not exist", id.URN(urn.Role))
	}
	if err != nil {
		return role, err
	}
	if role.SystemOnly && !strings.EqualFold(org.Name, SystemOrgName) {
		return role, apierr.New(apierr.Invalid, "role %q can only be held by users of the System organization", role.Name)
	}
	return role, nil
}

// Details returns a person (not a service account) by id with its org,
// role and profile; NotFound when there is no such person.
func (d *Directory) Details(ctx context.Context, id urn.UUID) (UserDetails, error) {
	acct, err := d.UserByID(ctx, id)
	if err == nil && acct.User.Kind != store.KindUser {
		err = apierr.New(apierr.NotFound, "no such user")
	}
	if err != nil {
		return UserDetails{}, err
	}
	p, err := d.store.UserProfile(ctx, id)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return UserDetails{}, storeErr(err, "user")
	}
	p.UserID = id
	return UserDetails{Account: acct, Profile: p, Locked: d.Locked(acct.User, acct.Org)}, nil
}

// Profiles returns the stored profiles of an org's users by user id.
func (d *Directory) Profiles(ctx context.Context, orgID urn.UUID) (map[urn.UUID]store.UserProfile, error) {
	p, err := d.store.UserProfiles(ctx, orgID)
	return p, storeErr(err, "user")
}

// UsersOf lists the people of an org (zero: of every org).
func (d *Directory) UsersOf(ctx context.Context, orgID urn.UUID) ([]store.User, error) {
	u, err := d.store.Users(ctx, orgID, false)
	return u, storeErr(err, "user")
}

// Roles lists every role.
func (d *Directory) Roles(ctx context.Context) ([]store.Role, error) {
	r, err := d.store.Roles(ctx)
	return r, storeErr(err, "role")
}

// AddUser creates a person in org. The role must exist and may be
// reserved to the System org; the password must meet the policy.
// Conflict when the org has the name already.
func (d *Directory) AddUser(ctx context.Context, by audit.Actor, orgID urn.UUID, in UserInput) (store.User, error) {
	if err := ValidateUserName(in.Name); err != nil {
		return store.User{}, err
	}
	if err := validateProfile(in.FullName, in.Profile); err != nil {
		return store.User{}, err
	}
	if err := secret.CheckNewPassword(in.Password, secret.MinPasswordRunes); err != nil {
		return store.User{}, apierr.New(apierr.Invalid, "%s", err.Error())
	}
	org, err := d.OrgByID(ctx, orgID)
	if err != nil {
		return store.User{}, err
	}
	if _, err := roleFor(ctx, d.store, org, in.RoleID); err != nil {
		return store.User{}, keepAPIErr(err, "role")
	}
	hash, err := d.hasher.Hash(ctx, in.Password)
	if err != nil {
		return store.User{}, err
	}
	now := d.now()
	u := store.User{ID: urn.New(), OrgID: org.ID, Name: in.Name, FullName: in.FullName, Kind: store.KindUser,
		RoleID: in.RoleID, PasswordHash: hash, Enabled: in.Enabled, CreatedAt: now, UpdatedAt: now}
	p := in.Profile
	p.UserID = u.ID
	err = d.store.Update(ctx, func(tx store.Tx) error {
		// The role is read again inside the transaction: it may have been
		// deleted since.
		if _, err := roleFor(ctx, tx, org, in.RoleID); err != nil {
			return err
		}
		if err := tx.InsertUser(ctx, u); err != nil {
			return err
		}
		if err := tx.PutUserProfile(ctx, p); err != nil {
			return err
		}
		return d.audit(tx, ctx, by, "user.create", audit.Success, u.ID.URN(urn.User), org.Name+"/"+u.Name)
	})
	return u, keepAPIErr(err, "user "+in.Name+" in "+org.Name)
}

// ChangeUser replaces what the admin API may change of a person: name,
// full name, profile, role, enabled, password, and clears a lockout.
// Disabling it or giving it a new password ends its sessions on every
// instance; sending its current password again changes nothing.
func (d *Directory) ChangeUser(ctx context.Context, by audit.Actor, id urn.UUID, in UserInput) (store.User, error) {
	if err := ValidateUserName(in.Name); err != nil {
		return store.User{}, err
	}
	if err := validateProfile(in.FullName, in.Profile); err != nil {
		return store.User{}, err
	}
	cur, err := d.Details(ctx, id)
	if err != nil {
		return store.User{}, err
	}
	var hash string
	if in.Password != "" {
		if ok, _, err := d.hasher.Verify(ctx, cur.User.PasswordHash, in.Password); err == nil && ok {
			in.Password = "" // the password it has: no change, no sessions ended
		} else {
			if err := secret.CheckNewPassword(in.Password, secret.MinPasswordRunes); err != nil {
				return store.User{}, apierr.New(apierr.Invalid, "%s", err.Error())
			}
			if hash, err = d.hasher.Hash(ctx, in.Password); err != nil {
				return store.User{}, err
			}
		}
	}
	now := d.now()
	var u store.User
	err = d.store.Update(ctx, func(tx store.Tx) error {
		org, err := tx.OrgByID(ctx, cur.Org.ID)
		if err != nil {
			return err
		}
		if u, err = tx.LockUser(ctx, id); err != nil {
			return err
		}
		if u.Kind != store.KindUser {
			return store.ErrNotFound
		}
		roleID := u.RoleID
		if !in.RoleID.IsZero() && in.RoleID != u.RoleID {
			if _, err := roleFor(ctx, tx, org, in.RoleID); err != nil {
				return err
			}
			roleID = in.RoleID
		}
		endSessions := (u.Enabled && !in.Enabled) || hash != ""
		if (u.Enabled && !in.Enabled) || roleID != u.RoleID {
			if err := d.keepSystemAdmin(ctx, tx, org, u, in.Enabled, roleID); err != nil {
				return err
			}
		}
		u.Name, u.FullName, u.Enabled, u.RoleID, u.UpdatedAt = in.Name, in.FullName, in.Enabled, roleID, now
		if (in.Unlock && refused(u, false, now)) || hash != "" {
			u = afterSuccess(u, now)
		}
		if hash != "" {
			u.PasswordHash = hash
		}
		if endSessions {
			// The store keeps microseconds: the user returned to the caller
			// must carry the stored value, or a session made from it fails
			// the store's ValidAfter guard.
			u.ValidAfter = now.Truncate(time.Microsecond)
			if _, err := tx.EndSessions(ctx, store.SessionSelector{UserID: u.ID}, now, "user changed"); err != nil {
				return err
			}
		}
		if err := tx.UpdateUser(ctx, u); err != nil {
			return err
		}
		p := in.Profile
		p.UserID = u.ID
		if err := tx.PutUserProfile(ctx, p); err != nil {
			return err
		}
		if err := tx.Emit(ctx, store.Change{Topic: store.TopicUserChanged, Subject: u.ID, At: now}); err != nil {
			return err
		}
		return d.audit(tx, ctx, by, "user.update", audit.Success, u.ID.URN(urn.User), org.Name+"/"+u.Name)
	})
	if err != nil {
		return u, keepAPIErr(err, "user "+in.Name)
	}
	d.publish(ctx, store.Change{Topic: store.TopicUserChanged, Subject: u.ID, At: now})
	return u, nil
}

// RemoveUser deletes a person: its sessions end on every instance, its
// API tokens and profile go with it. The last enabled System
// Administrator cannot be removed.
func (d *Directory) RemoveUser(ctx context.Context, by audit.Actor, id urn.UUID) error {
	now := d.now()
	err := d.store.Update(ctx, func(tx store.Tx) error {
		u, err := tx.LockUser(ctx, id)
		if err != nil {
			return err
		}
		if u.Kind != store.KindUser {
			return store.ErrNotFound
		}
		org, err := tx.OrgByID(ctx, u.OrgID)
		if err != nil {
			return err
		}
		if err := d.keepSystemAdmin(ctx, tx, org, u, false, urn.UUID{}); err != nil {
			return err
		}
		if _, err := tx.EndSessions(ctx, store.SessionSelector{UserID: u.ID}, now, "user deleted"); err != nil {
			return err
		}
		if err := tx.PurgeUser(ctx, u.ID); err != nil {
			return err
		}
		if err := tx.Emit(ctx, store.Change{Topic: store.TopicUserChanged, Subject: u.ID, At: now}); err != nil {
			return err
		}
		return d.audit(tx, ctx, by, "user.delete", audit.Success, u.ID.URN(urn.User), org.Name+"/"+u.Name)
	})
	if err != nil {
		return keepAPIErr(err, "user")
	}
	d.publish(ctx, store.Change{Topic: store.TopicUserChanged, Subject: id, At: now})
	return nil
}

// keepSystemAdmin refuses a change that would leave the System org
// without an enabled System Administrator: u (locked by the caller) is
// about to become enabled with roleID (zero: removed). The other
// administrators' rows are locked in id order, so two concurrent changes
// of two administrators cannot both pass on a database with row locks.
func (d *Directory) keepSystemAdmin(ctx context.Context, tx store.Tx, org store.Org, u store.User, enabled bool, roleID urn.UUID) error {
	if !strings.EqualFold(org.Name, SystemOrgName) {
		return nil
	}
	admin, err := tx.RoleByName(ctx, RoleSystemAdmin)
	if err != nil {
		return err
	}
	if !u.Enabled || u.RoleID != admin.ID || (enabled && roleID == admin.ID) {
		return nil // u is not an enabled administrator now, or stays one
	}
	users, err := tx.Users(ctx, org.ID, false)
	if err != nil {
		return err
	}
	sort.Slice(users, func(i, j int) bool { return users[i].ID.String() < users[j].ID.String() })
	for _, o := range users {
		if o.ID == u.ID || o.RoleID != admin.ID || !o.Enabled {
			continue
		}
		locked, err := tx.LockUser(ctx, o.ID)
		if err != nil {
			return err
		}
		if locked.Enabled && locked.RoleID == admin.ID {
			return nil
		}
	}
	return apierr.New(apierr.Invalid, "%s is the last enabled System Administrator and cannot be disabled, removed or given another role", u.Name)
}
