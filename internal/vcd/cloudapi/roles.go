package cloudapi

import (
	"crypto/sha256"
	"net/http"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/identity"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
	"github.com/cloudgate/cloudgate/internal/vcd"
)

// visibleRole returns the role of the path if the caller may read it: its
// own role, or any role with "Role: View".
func (a *API) visibleRole(c *vcd.Call) (store.Role, error) {
	if _, err := a.scope(c); err != nil {
		return store.Role{}, err // a tenant context out of the caller's reach
	}
	raw := c.R.PathValue("id")
	notFound := apierr.New(apierr.NotFound, "Access to resource %s is forbidden or it does not exist", printableID(raw))
	id, err := urn.ParseEither(raw, urn.Role)
	if err != nil {
		return store.Role{}, notFound
	}
	if id != c.Session.RoleID && !c.Session.Principal.Can(identity.RightRoleView) {
		return store.Role{}, notFound
	}
	r, err := a.env.Directory.Role(c.R.Context(), id)
	if apierr.Is(err, apierr.NotFound) {
		return r, notFound
	}
	return r, err
}

func (a *API) role(c *vcd.Call) error {
	r, err := a.visibleRole(c)
	if err != nil {
		return err
	}
	vcd.WriteJSON(c.W, http.StatusOK, &c.Version, roleJSON{ID: r.ID.URN(urn.Role), Name: r.Name,
		Description: r.Description, BundleKey: "ROLE_" + r.ID.String(), ReadOnly: r.Predefined})
	return nil
}

func (a *API) roleRights(c *vcd.Call) error {
	r, err := a.visibleRole(c)
	if err != nil {
		return err
	}
	lq, err := vcd.ParseList(c.R, nil, vcd.MaxPageSize)
	if err != nil {
		return err
	}
	writeRights(c, a.env.Base(c.R), lq, r)
	return nil
}

// rightID derives a stable id for a right from its name (rights are a
// fixed catalog, not stored rows).
func rightID(name string) string {
	var u urn.UUID
	sum := sha256.Sum256([]byte("right:" + name))
	copy(u[:], sum[:16])
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	return u.String()
}
