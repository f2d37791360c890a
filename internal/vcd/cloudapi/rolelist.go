package cloudapi

import (
	"net/http"
	"strings"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/fiql"
	"github.com/cloudgate/cloudgate/internal/identity"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
	"github.com/cloudgate/cloudgate/internal/vcd"
)

func roleSchema() fiql.Schema {
	return fiql.Schema{
		"id":          {Type: fiql.String},
		"name":        {Type: fiql.String},
		"description": {Type: fiql.String},
		"readOnly":    {Type: fiql.Enum, Values: boolValues},
	}
}

func roleField(r roleJSON, sel string) any {
	switch sel {
	case "id":
		return r.ID
	case "name":
		return r.Name
	case "description":
		return r.Description
	case "readOnly":
		return boolText(r.ReadOnly)
	}
	return nil
}

func roleBody(r store.Role) roleJSON {
	return roleJSON{ID: r.ID.URN(urn.Role), Name: r.Name, Description: r.Description,
		BundleKey: "ROLE_" + r.ID.String(), ReadOnly: r.Predefined}
}

// listRoles serves GET /roles (FIQL, sorting, paging) for holders of
// "Role: View": the roles that may be held in the org the request acts
// in (the System-only roles only in the System org). A System
// administrator without a tenant context sees every role; with one, the
// tenant's; a tenant context naming another org is refused for anyone
// else.
func (a *API) listRoles(c *vcd.Call) error {
	schema := roleSchema()
	lq, err := vcd.ParseList(c.R, schema, 25)
	if err != nil {
		return err
	}
	if err := c.Session.Principal.ReadRoles(); err != nil {
		return err
	}
	scope, err := a.scope(c)
	if err != nil {
		return err
	}
	system := scope.IsZero()
	if !system {
		o, err := a.env.Directory.OrgByID(c.R.Context(), scope)
		if err != nil {
			return err
		}
		system = strings.EqualFold(o.Name, identity.SystemOrgName)
	}
	roles, err := a.env.Directory.Roles(c.R.Context())
	if err != nil {
		return err
	}
	bodies := make([]roleJSON, 0, len(roles))
	for _, r := range roles {
		if r.SystemOnly && !system {
			continue
		}
		bodies = append(bodies, roleBody(r))
	}
	pageOf(c, a.env.Base(c.R), "Roles", lq, schema, bodies, "name", roleField)
	return nil
}

func rightSchema() fiql.Schema {
	return fiql.Schema{
		"id":        {Type: fiql.String},
		"name":      {Type: fiql.String},
		"category":  {Type: fiql.String},
		"rightType": {Type: fiql.Enum, Values: []string{"VIEW", "MODIFY"}},
	}
}

func rightField(r rightJSON, sel string) any {
	switch sel {
	case "id":
		return r.ID
	case "name":
		return r.Name
	case "category":
		return r.Category
	case "rightType":
		return r.RightType
	}
	return nil
}

func rightBody(rt identity.Right) rightJSON {
	typ := "VIEW"
	if rt.Manage {
		typ = "MODIFY"
	}
	return rightJSON{ID: "urn:vcloud:right:" + rightID(rt.Name), Name: rt.Name, Description: rt.Label, Category: rt.Category, RightType: typ}
}

// listRights serves GET /rights: cloudgate's rights catalog, to holders
// of "Role: View".
func (a *API) listRights(c *vcd.Call) error {
	schema := rightSchema()
	lq, err := vcd.ParseList(c.R, schema, 25)
	if err != nil {
		return err
	}
	if err := c.Session.Principal.ReadRoles(); err != nil {
		return err
	}
	cat := identity.Catalog()
	bodies := make([]rightJSON, 0, len(cat))
	for _, rt := range cat {
		bodies = append(bodies, rightBody(rt))
	}
	pageOf(c, a.env.Base(c.R), "Rights", lq, schema, bodies, "name", rightField)
	return nil
}

// getRight serves GET /rights/{id}.
func (a *API) getRight(c *vcd.Call) error {
	raw := c.R.PathValue("id")
	if err := c.Session.Principal.ReadRoles(); err != nil {
		return err
	}
	for _, rt := range identity.Catalog() {
		if b := rightBody(rt); b.ID == raw || strings.TrimPrefix(b.ID, "urn:vcloud:right:") == raw {
			vcd.WriteJSON(c.W, http.StatusOK, &c.Version, b)
			return nil
		}
	}
	return apierr.New(apierr.NotFound, "Access to resource %s is forbidden or it does not exist", printableID(raw))
}
