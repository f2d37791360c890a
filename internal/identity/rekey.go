package identity

import (
	"context"
	"errors"
	"strings"

	"github.com/cloudgate/cloudgate/internal/names"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
)

// rekeyLegacyNames brings the unique keys of names stored before the PRECIS
// form (internal/names) up to date. Those rows were keyed with
// strings.ToLower; for ASCII names that is the new key, so only rows whose
// name has other characters and whose two keys differ are rewritten
// (UpdateOrg/UpdateUser recompute the key). Two legacy rows that turn out
// to be one canonical name cannot both have it: the second keeps its old
// key (it stays reachable by id and by its old exact spelling), and a
// warning asks an administrator to rename or remove one of them. Nothing
// else about the rows changes. It is idempotent and cheap once done (one
// read of the org and user lists).
func (d *Directory) rekeyLegacyNames(ctx context.Context) error {
	orgs, err := d.store.Orgs(ctx)
	if err != nil {
		return err
	}
	for _, o := range orgs {
		if !legacyKeyDiffers(o.Name) {
			continue
		}
		err := d.store.Update(ctx, func(tx store.Tx) error { return tx.UpdateOrg(ctx, o) })
		d.rekeyed("organization", o.Name, o.ID, err)
	}
	users, err := d.store.Users(ctx, urn.UUID{}, true)
	if err != nil {
		return err
	}
	for _, u := range users {
		if !legacyKeyDiffers(u.Name) {
			continue
		}
		err := d.store.Update(ctx, func(tx store.Tx) error {
			cur, err := tx.LockUser(ctx, u.ID)
			if err != nil {
				return err
			}
			return tx.UpdateUser(ctx, cur)
		})
		d.rekeyed("user", u.Name, u.ID, err)
	}
	return nil
}

func legacyKeyDiffers(name string) bool {
	for i := 0; i < len(name); i++ {
		if name[i] >= 0x80 {
			return strings.ToLower(name) != names.Key(name)
		}
	}
	return false
}

func (d *Directory) rekeyed(what, name string, id urn.UUID, err error) {
	switch {
	case err == nil:
		d.log.Info("name re-keyed to its canonical form", "kind", what, "id", id.String())
	case errors.Is(err, store.ErrConflict):
		d.log.Warn("two names have one canonical form; rename or remove one", "kind", what,
			"name", strings.ToValidUTF8(name, "?"), "id", id.String())
	default:
		d.log.Warn("re-keying a name failed", "kind", what, "id", id.String(), "err", err)
	}
}
