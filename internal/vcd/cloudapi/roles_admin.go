package cloudapi

import (
	"net/http"
	"strings"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/identity"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
	"github.com/cloudgate/cloudgate/internal/vcd"
)

// Custom roles (System administrators in full sessions: authz.ManageRoles;
// what a custom role may carry: identity.GrantableRights). govcd's
// AdminOrg.CreateRole, Role.Update, Role.Delete, Role.AddRights,
// UpdateRights, RemoveRights and RemoveAllRights use these.

// mountRoles registers every /roles route.
func (a *API) mountRoles(mux *http.ServeMux, j func(bool, vcd.HandlerFunc) http.Handler) {
	env := a.env
	for _, p := range []string{root + "/roles", root + "/roles/{$}"} {
		env.Route(mux, vcd.JSON, p, map[string]http.Handler{http.MethodGet: j(true, a.listRoles), http.MethodPost: j(true, a.createRole)})
	}
	env.Route(mux, vcd.JSON, root+"/roles/{id}", map[string]http.Handler{
		http.MethodGet: j(true, a.role), http.MethodPut: j(true, a.updateRole), http.MethodDelete: j(true, a.deleteRole)})
	env.Route(mux, vcd.JSON, root+"/roles/{id}/rights", map[string]http.Handler{
		http.MethodGet: j(true, a.roleRights), http.MethodPost: j(true, a.setRoleRights(true)), http.MethodPut: j(true, a.setRoleRights(false))})
}

// roleIn is a Role request body; id, bundleKey and readOnly are ignored.
type roleIn struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

// manageRole checks the caller may manage roles and its tenant context.
func (a *API) manageRole(c *vcd.Call) error {
	if _, err := a.scope(c); err != nil {
		return err
	}
	return c.Session.Principal.ManageRoles()
}

func (a *API) createRole(c *vcd.Call) error {
	if err := a.manageRole(c); err != nil {
		return err
	}
	var in roleIn
	if err := readJSON(c, &in); err != nil {
		return err
	}
	r, err := a.env.Directory.AddRole(c.R.Context(), vcd.Actor(c), identity.RoleInput{Name: in.Name, Description: in.Description})
	if err != nil {
		return err
	}
	vcd.WriteJSON(c.W, http.StatusCreated, &c.Version, roleBody(r))
	return nil
}

// roleTarget parses the path's role id (403 when it names nothing).
func roleTarget(c *vcd.Call) (urn.UUID, error) {
	raw := c.R.PathValue("id")
	id, err := urn.ParseEither(raw, urn.Role)
	if err != nil {
		return id, apierr.New(apierr.NotFound, "Access to resource %s is forbidden or it does not exist", printableID(raw))
	}
	return id, nil
}

func (a *API) updateRole(c *vcd.Call) error {
	if err := a.manageRole(c); err != nil {
		return err
	}
	id, err := roleTarget(c)
	if err != nil {
		return err
	}
	var in roleIn
	if err := readJSON(c, &in); err != nil {
		return err
	}
	r, err := a.env.Directory.ChangeRole(c.R.Context(), vcd.Actor(c), id, identity.RoleInput{Name: in.Name, Description: in.Description})
	if err != nil {
		return err
	}
	vcd.WriteJSON(c.W, http.StatusOK, &c.Version, roleBody(r))
	return nil
}

func (a *API) deleteRole(c *vcd.Call) error {
	if err := a.manageRole(c); err != nil {
		return err
	}
	id, err := roleTarget(c)
	if err != nil {
		return err
	}
	if err := a.env.Directory.RemoveRole(c.R.Context(), vcd.Actor(c), id); err != nil {
		return err
	}
	c.W.WriteHeader(http.StatusNoContent)
	return nil
}

// rightsIn is the body of POST/PUT /roles/{id}/rights: references to
// rights by id (urn:vcloud:right:…) or name.
type rightsIn struct {
	Values []Ref `json:"values"`
}

// rightName resolves a reference to a catalog right's name.
func rightName(r Ref) (string, error) {
	for _, rt := range identity.Catalog() {
		b := rightBody(rt)
		if (r.ID != "" && (r.ID == b.ID || r.ID == strings.TrimPrefix(b.ID, "urn:vcloud:right:"))) || (r.ID == "" && r.Name == rt.Name) {
			return rt.Name, nil
		}
	}
	return "", apierr.New(apierr.Invalid, "right %s does not exist", printableID(r.ID+r.Name))
}

// setRoleRights serves POST (add) and PUT (replace) /roles/{id}/rights:
// 200 with the role's rights.
func (a *API) setRoleRights(add bool) vcd.HandlerFunc {
	return func(c *vcd.Call) error {
		if err := a.manageRole(c); err != nil {
			return err
		}
		id, err := roleTarget(c)
		if err != nil {
			return err
		}
		var in rightsIn
		if err := readJSON(c, &in); err != nil {
			return err
		}
		names := make([]string, 0, len(in.Values))
		for _, v := range in.Values {
			n, err := rightName(v)
			if err != nil {
				return err
			}
			names = append(names, n)
		}
		r, err := a.env.Directory.SetRoleRights(c.R.Context(), vcd.Actor(c), id, names, add)
		if err != nil {
			return err
		}
		writeRights(c, a.env.Base(c.R), vcd.ListQuery{Page: 1, PageSize: vcd.MaxPageSize}, r)
		return nil
	}
}

// writeRights answers a page of role r's rights.
func writeRights(c *vcd.Call, base string, lq vcd.ListQuery, r store.Role) {
	var all []rightJSON
	for _, name := range r.Rights {
		rt, ok := identity.LookupRight(name)
		if !ok {
			rt = identity.Right{Name: name, Category: "Custom"}
		}
		all = append(all, rightBody(rt))
	}
	total := len(all)
	start := min((lq.Page-1)*lq.PageSize, total)
	end := min(start+lq.PageSize, total)
	vcd.WritePage(c, base, "RightsList", lq, total, all[start:end])
}
