package identity

import (
	"context"
	"errors"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/audit"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
)

// Custom roles. Roles are global in cloudgate (every org sees every role
// but the System-only one), so a custom role is what Cloud Director calls
// a global role published to every tenant, and only System administrators
// manage them (authz.ManageRoles). A custom role may only combine rights a
// tenant may hold: those of the predefined Organization Administrator
// role. So no custom role reaches the provider's rights, whoever holds it.

// GrantableRights returns the rights a custom role may carry, in catalog
// order.
func GrantableRights() []Right {
	var orgAdmin []string
	for _, pr := range PredefinedRoles() {
		if pr.Name == RoleOrgAdmin {
			orgAdmin = pr.Rights
		}
	}
	var out []Right
	for _, r := range Catalog() {
		for _, n := range orgAdmin {
			if n == r.Name {
				out = append(out, r)
			}
		}
	}
	return out
}

// RoleInput is what creating or updating a custom role sets.
type RoleInput struct {
	Name        string
	Description string
}

func validateRole(in RoleInput) error {
	if in.Name == "" || utf8.RuneCountInString(in.Name) > 128 || !utf8.ValidString(in.Name) || strings.TrimSpace(in.Name) != in.Name ||
		strings.IndexFunc(in.Name, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0 {
		return apierr.New(apierr.Invalid, "role name must be 1 to 128 printable characters without spaces at either end")
	}
	if !utf8.ValidString(in.Description) || utf8.RuneCountInString(in.Description) > 1024 {
		return apierr.New(apierr.Invalid, "role description must be at most 1024 characters")
	}
	return nil
}

// checkRights resolves right names (or labels) to catalog names, refusing
// unknown rights and rights no tenant may hold. The result is sorted and
// without duplicates.
func checkRights(names []string) ([]string, error) {
	grantable := map[string]bool{}
	for _, r := range GrantableRights() {
		grantable[r.Name] = true
	}
	set := map[string]bool{}
	for _, n := range names {
		r, ok := LookupRight(n)
		if !ok {
			return nil, apierr.New(apierr.Invalid, "right %q does not exist", n)
		}
		if !grantable[r.Name] {
			return nil, apierr.New(apierr.Invalid, "right %q cannot be given to a custom role: custom roles carry only rights an Organization Administrator holds", r.Name)
		}
		set[r.Name] = true
	}
	out := make([]string, 0, len(set))
	for n := range set {
		out = append(out, n)
	}
	sort.Strings(out)
	return out, nil
}

// AddRole creates a custom role with no rights. Conflict when the name is
// taken (in any case).
func (d *Directory) AddRole(ctx context.Context, by audit.Actor, in RoleInput) (store.Role, error) {
	if err := validateRole(in); err != nil {
		return store.Role{}, err
	}
	r := store.Role{ID: urn.New(), Name: in.Name, Description: in.Description, Rights: []string{}}
	err := d.store.Update(ctx, func(tx store.Tx) error {
		if err := tx.InsertRole(ctx, r); err != nil {
			return err
		}
		return d.audit(tx, ctx, by, "role.create", audit.Success, r.ID.URN(urn.Role), r.Name)
	})
	return r, storeErr(err, "role "+in.Name)
}

// changeRole applies fn to a custom role inside a transaction, writes it,
// tells every instance (sessions of its holders take the new rights at
// once) and audits typ. Predefined roles are read-only.
func (d *Directory) changeRole(ctx context.Context, by audit.Actor, id urn.UUID, typ string, fn func(*store.Role) error) (store.Role, error) {
	var r store.Role
	now := d.now()
	err := d.store.Update(ctx, func(tx store.Tx) error {
		var err error
		if r, err = tx.RoleByID(ctx, id); err != nil {
			return err
		}
		if r.Predefined {
			return apierr.New(apierr.Invalid, "role %q is predefined and read-only", r.Name)
		}
		if err := fn(&r); err != nil {
			return err
		}
		if err := tx.UpdateRole(ctx, r); err != nil {
			return err
		}
		if err := tx.Emit(ctx, store.Change{Topic: store.TopicRoleChanged, Subject: r.ID, At: now}); err != nil {
			return err
		}
		return d.audit(tx, ctx, by, typ, audit.Success, r.ID.URN(urn.Role), r.Name)
	})
	if err != nil {
		return r, keepAPIErr(err, "role")
	}
	d.publish(ctx, store.Change{Topic: store.TopicRoleChanged, Subject: r.ID, At: now})
	return r, nil
}

// ChangeRole renames a custom role or changes its description.
func (d *Directory) ChangeRole(ctx context.Context, by audit.Actor, id urn.UUID, in RoleInput) (store.Role, error) {
	if err := validateRole(in); err != nil {
		return store.Role{}, err
	}
	return d.changeRole(ctx, by, id, "role.update", func(r *store.Role) error {
		r.Name, r.Description = in.Name, in.Description
		return nil
	})
}

// SetRoleRights replaces (or, with add, extends) a custom role's rights.
func (d *Directory) SetRoleRights(ctx context.Context, by audit.Actor, id urn.UUID, names []string, add bool) (store.Role, error) {
	rights, err := checkRights(names)
	if err != nil {
		return store.Role{}, err
	}
	return d.changeRole(ctx, by, id, "role.rights", func(r *store.Role) error {
		if add {
			merged, err := checkRights(append(append([]string{}, r.Rights...), rights...))
			if err != nil {
				return err
			}
			rights = merged
		}
		r.Rights = rights
		return nil
	})
}

// RemoveRole deletes a custom role no user holds (Invalid while one does).
func (d *Directory) RemoveRole(ctx context.Context, by audit.Actor, id urn.UUID) error {
	err := d.store.Update(ctx, func(tx store.Tx) error {
		r, err := tx.RoleByID(ctx, id)
		if err != nil {
			return err
		}
		if r.Predefined {
			return apierr.New(apierr.Invalid, "role %q is predefined and cannot be deleted", r.Name)
		}
		if err := tx.DeleteRole(ctx, id); errors.Is(err, store.ErrConflict) {
			return apierr.New(apierr.Invalid, "role %q is held by users or service accounts; give them another role first", r.Name)
		} else if err != nil {
			return err
		}
		return d.audit(tx, ctx, by, "role.delete", audit.Success, r.ID.URN(urn.Role), r.Name)
	})
	return keepAPIErr(err, "role")
}
