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

// orgJSON is Cloud Director's OpenAPI Org. Counts of what cloudgate does
// not have (catalogs, vApps, VMs, disks) are zero.
type orgJSON struct {
	ID                      string `json:"id"`
	Name                    string `json:"name"`
	DisplayName             string `json:"displayName"`
	Description             string `json:"description"`
	IsEnabled               bool   `json:"isEnabled"`
	OrgVdcCount             int    `json:"orgVdcCount"`
	CatalogCount            int    `json:"catalogCount"`
	VappCount               int    `json:"vappCount"`
	RunningVMCount          int    `json:"runningVMCount"`
	UserCount               int    `json:"userCount"`
	DiskCount               int    `json:"diskCount"`
	ManagedBy               *Ref   `json:"managedBy"`
	CanManageOrgs           bool   `json:"canManageOrgs"`
	CanPublish              bool   `json:"canPublish"`
	MaskedEventTaskUsername string `json:"maskedEventTaskUsername"`
	DirectlyManagedOrgCount int    `json:"directlyManagedOrgCount"`
}

func orgSchema() fiql.Schema {
	return fiql.Schema{
		"id":          {Type: fiql.String},
		"name":        {Type: fiql.String, CaseInsensitive: true},
		"displayName": {Type: fiql.String},
		"description": {Type: fiql.String},
		"isEnabled":   {Type: fiql.Enum, Values: boolValues},
	}
}

func orgField(o orgJSON, sel string) any {
	switch sel {
	case "id":
		return o.ID
	case "name":
		return o.Name
	case "displayName":
		return o.DisplayName
	case "description":
		return o.Description
	case "isEnabled":
		return boolText(o.IsEnabled)
	}
	return nil
}

// orgBody renders o; users counts its people when the caller may read
// them (-1: not shown, 0).
func (a *API) orgBody(c *vcd.Call, o store.Org, system store.Org, users int) orgJSON {
	out := orgJSON{ID: o.ID.URN(urn.Org), Name: o.Name, DisplayName: o.FullName, Description: o.Description,
		IsEnabled: o.Enabled, UserCount: max(users, 0), CanManageOrgs: strings.EqualFold(o.Name, identity.SystemOrgName)}
	if svcs, err := a.env.Directory.Services(c.R.Context(), o.ID); err == nil {
		for _, s := range svcs {
			out.OrgVdcCount += len(s.VDCs)
		}
	}
	if !system.ID.IsZero() {
		out.ManagedBy = &Ref{Name: system.Name, ID: system.ID.URN(urn.Org)}
	}
	return out
}

// visibleOrgs returns the orgs a list shows: every org for a System
// administrator (one with a tenant context), the caller's own otherwise.
func (a *API) visibleOrgs(c *vcd.Call) ([]store.Org, error) {
	scope, err := a.scope(c)
	if err != nil {
		return nil, err
	}
	if scope.IsZero() {
		return a.env.Directory.Orgs(c.R.Context())
	}
	o, err := a.env.Directory.OrgByID(c.R.Context(), scope)
	if err != nil {
		return nil, err
	}
	return []store.Org{o}, nil
}

func (a *API) orgBodies(c *vcd.Call, orgs []store.Org) ([]orgJSON, error) {
	ctx := c.R.Context()
	system, err := a.env.Directory.Org(ctx, identity.SystemOrgName)
	if err != nil {
		return nil, err
	}
	out := make([]orgJSON, 0, len(orgs))
	for _, o := range orgs {
		users := -1
		if c.Session.Principal.ReadUsers(o.ID) == nil {
			list, err := a.env.Directory.UsersOf(ctx, o.ID)
			if err != nil {
				return nil, err
			}
			users = len(list)
		}
		out = append(out, a.orgBody(c, o, system, users))
	}
	return out, nil
}

// listOrgs serves GET /orgs with FIQL, sorting and paging.
func (a *API) listOrgs(c *vcd.Call) error {
	schema := orgSchema()
	lq, err := vcd.ParseList(c.R, schema, 25)
	if err != nil {
		return err
	}
	orgs, err := a.visibleOrgs(c)
	if err != nil {
		return err
	}
	bodies, err := a.orgBodies(c, orgs)
	if err != nil {
		return err
	}
	pageOf(c, a.env.Base(c.R), "Orgs", lq, schema, bodies, "name", orgField)
	return nil
}

// getOrg serves GET /orgs/{id}: an org the caller may act in.
func (a *API) getOrg(c *vcd.Call) error {
	raw := c.R.PathValue("id")
	id, err := urn.ParseEither(raw, urn.Org)
	notFound := apierr.New(apierr.NotFound, "Access to resource %s is forbidden or it does not exist", printableID(raw))
	if err != nil || c.Session.Principal.ReadOrg(id, false) != nil {
		return notFound
	}
	o, err := a.env.Directory.OrgByID(c.R.Context(), id)
	if apierr.Is(err, apierr.NotFound) {
		return notFound
	}
	if err != nil {
		return err
	}
	bodies, err := a.orgBodies(c, []store.Org{o})
	if err != nil {
		return err
	}
	vcd.WriteJSON(c.W, http.StatusOK, &c.Version, bodies[0])
	return nil
}
