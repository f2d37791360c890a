package cloudapi

import (
	"net/http"
	"strings"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/serviceaccount"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
	"github.com/cloudgate/cloudgate/internal/vcd"
)

// accountPageSize is the page size of GET /serviceAccounts without
// pageSize (govcd always sends 32, Cloud Director's limit there; cloudgate
// accepts up to vcd.MaxPageSize as on every list).
const accountPageSize = 25

// mountAccounts registers /serviceAccounts and /deviceLookup. As for
// tokens, govcd asks for the collection as "serviceAccounts/" and others
// as "serviceAccounts"; both list. Accounts are created through
// /oauth/.../register, so POST on the collection is 405.
func (a *API) mountAccounts(mux *http.ServeMux) {
	env := a.env
	j := func(h vcd.HandlerFunc) http.Handler { return env.Handle(vcd.JSON, true, h) }
	list := j(a.listAccounts)
	env.Route(mux, vcd.JSON, root+"/serviceAccounts", map[string]http.Handler{http.MethodGet: list})
	env.Route(mux, vcd.JSON, root+"/serviceAccounts/{$}", map[string]http.Handler{http.MethodGet: list})
	env.Route(mux, vcd.JSON, root+"/serviceAccounts/{id}", map[string]http.Handler{
		http.MethodGet: j(a.getAccount), http.MethodPut: j(a.updateAccount), http.MethodDelete: j(a.deleteAccount)})
	env.Route(mux, vcd.JSON, root+"/serviceAccounts/{id}/revoke", map[string]http.Handler{http.MethodPost: j(a.revokeAccount)})
	env.Route(mux, vcd.JSON, root+"/deviceLookup", map[string]http.Handler{http.MethodPost: j(a.deviceLookup)})
	env.Route(mux, vcd.JSON, root+"/deviceLookup/grant", map[string]http.Handler{http.MethodPost: j(a.deviceGrant(true))})
	env.Route(mux, vcd.JSON, root+"/deviceLookup/deny", map[string]http.Handler{http.MethodPost: j(a.deviceGrant(false))})
}

// accountJSON is Cloud Director's ServiceAccount. org is always present
// (govcd builds the token endpoint URL from org.name and panics without
// it); every field is, so clients see "" rather than a missing key.
type accountJSON struct {
	ID              string `json:"id"`
	Name            string `json:"name"`
	SoftwareID      string `json:"softwareId"`
	SoftwareVersion string `json:"softwareVersion"`
	Role            Ref    `json:"role"`
	URI             string `json:"uri"`
	Org             Ref    `json:"org"`
	Status          string `json:"status"`
}

func accountBody(row store.ServiceAccountRow) accountJSON {
	return accountJSON{ID: row.ID.URN(urn.ServiceAccount), Name: row.Name, SoftwareID: row.SoftwareID,
		SoftwareVersion: row.SoftwareVersion, Role: Ref{row.RoleName, row.RoleID.URN(urn.Role)}, URI: row.URI,
		Org: Ref{row.OrgName, row.OrgID.URN(urn.Org)}, Status: string(row.Status)}
}

// Tenant-context headers: a provider acts in a tenant org's context with
// the org's id (bare UUID or URN) and name; govcd sends both.
const (
	headerTenantContext = "X-Vmware-Vcloud-Tenant-Context"
	headerAuthContext   = "X-Vmware-Vcloud-Auth-Context"
)

// tenantContext returns the org the request's tenant-context headers name
// (zero without them). The domain honours it for System administrators
// (it narrows their reach to that org) and refuses it for anyone else
// unless it names their own org: it never widens a tenant's reach. A
// malformed id, or an id and a name of different orgs, is 400; an org that
// does not exist is 403, as one out of reach.
func (a *API) tenantContext(c *vcd.Call) (urn.UUID, error) {
	h := c.R.Header
	rawID, err := single(h, headerTenantContext)
	if err != nil {
		return urn.UUID{}, err
	}
	name, err := single(h, headerAuthContext)
	if err != nil || (rawID == "" && name == "") {
		return urn.UUID{}, err
	}
	ctx := c.R.Context()
	var org store.Org
	if rawID != "" {
		id, err := urn.ParseEither(rawID, urn.Org)
		if err != nil {
			return urn.UUID{}, apierr.New(apierr.Invalid, "%s must be an organization id (a UUID or urn:vcloud:org:UUID)", headerTenantContext)
		}
		org, err = a.env.Directory.OrgByID(ctx, id)
		if err != nil {
			return urn.UUID{}, contextErr(err)
		}
		if name != "" && !strings.EqualFold(name, org.Name) {
			return urn.UUID{}, apierr.New(apierr.Invalid, "%s and %s name different organizations", headerTenantContext, headerAuthContext)
		}
		return org.ID, nil
	}
	org, err = a.env.Directory.Org(ctx, name)
	if err != nil {
		return urn.UUID{}, contextErr(err)
	}
	return org.ID, nil
}

// single returns the one value of header name; repeated equal values are
// one value, different ones are 400.
func single(h http.Header, name string) (string, error) {
	vs := h.Values(name)
	if len(vs) == 0 {
		return "", nil
	}
	v := strings.TrimSpace(vs[0])
	for _, o := range vs[1:] {
		if strings.TrimSpace(o) != v {
			return "", apierr.New(apierr.Invalid, "%s is given twice with different values", name)
		}
	}
	return v, nil
}

func contextErr(err error) error {
	if apierr.Is(err, apierr.NotFound) {
		return apierr.New(apierr.Forbidden, "The tenant context names an organization outside your reach.")
	}
	return err
}

// listAccounts serves GET /serviceAccounts: those of the caller's org, or
// of every org for a System administrator (narrowed by a tenant context);
// paged, filtered and sorted as every OpenAPI list.
func (a *API) listAccounts(c *vcd.Call) error {
	lq, err := vcd.ParseList(c.R, store.ServiceAccountSchema(), accountPageSize)
	if err != nil {
		return err
	}
	org, err := a.tenantContext(c)
	if err != nil {
		return err
	}
	q := store.ServiceAccountQuery{Filter: lq.Filter, Sort: lq.Sort, Page: lq.StorePage()}
	rows, total, err := a.accounts.List(c.R.Context(), &c.Session.Principal, org, q)
	if err != nil {
		return err
	}
	values := make([]accountJSON, 0, len(rows))
	for _, row := range rows {
		values = append(values, accountBody(row))
	}
	vcd.WritePage(c, a.env.Base(c.R), "ServiceAccountList", lq, total, values)
	return nil
}

// accountTarget parses the path's id and the tenant context; an
// unparsable id is an account that does not exist (403).
func (a *API) accountTarget(c *vcd.Call) (id, org urn.UUID, err error) {
	raw := c.R.PathValue("id")
	if id, err = urn.ParseEither(raw, urn.ServiceAccount); err != nil {
		return id, org, apierr.New(apierr.NotFound, "Access to resource %s is forbidden or it does not exist", printableID(raw))
	}
	org, err = a.tenantContext(c)
	return id, org, err
}

func (a *API) getAccount(c *vcd.Call) error {
	id, org, err := a.accountTarget(c)
	if err != nil {
		return err
	}
	row, err := a.accounts.Get(c.R.Context(), &c.Session.Principal, org, id)
	if err != nil {
		return err
	}
	vcd.WriteJSON(c.W, http.StatusOK, &c.Version, accountBody(row))
	return nil
}

// accountUpdate is the PUT body: a ServiceAccount. Absent and null fields
// are nil. status is read and ignored (govcd sends the status it last
// saw, which may be stale; the status only moves through the device grant
// and revocation).
type accountUpdate struct {
	ID              *string `json:"id"`
	Name            *string `json:"name"`
	SoftwareID      *string `json:"softwareId"`
	SoftwareVersion *string `json:"softwareVersion"`
	URI             *string `json:"uri"`
	Role            *Ref    `json:"role"`
	Org             *Ref    `json:"org"`
	Status          *string `json:"status"`
}

// updateAccount serves PUT /serviceAccounts/{id}: 200 with the account.
func (a *API) updateAccount(c *vcd.Call) error {
	id, org, err := a.accountTarget(c)
	if err != nil {
		return err
	}
	var body accountUpdate
	if err := readJSON(c, &body); err != nil {
		return err
	}
	spec, err := updateSpec(body)
	if err != nil {
		return err
	}
	if body.Org != nil && body.Org.ID == "" && body.Org.Name != "" {
		// An org given by name only must be the account's own.
		cur, err := a.accounts.Get(c.R.Context(), &c.Session.Principal, org, id)
		if err != nil {
			return err
		}
		if !strings.EqualFold(body.Org.Name, cur.OrgName) {
			return apierr.New(apierr.Invalid, "a service account cannot move to another organization")
		}
	}
	row, err := a.accounts.Update(c.R.Context(), &c.Session.Principal, org, id, spec, tokenClient(c))
	if err != nil {
		return err
	}
	vcd.WriteJSON(c.W, http.StatusOK, &c.Version, accountBody(row))
	return nil
}

func updateSpec(b accountUpdate) (serviceaccount.UpdateSpec, error) {
	var spec serviceaccount.UpdateSpec
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	var err error
	if v := str(b.ID); v != "" {
		if spec.ID, err = urn.ParseEither(v, urn.ServiceAccount); err != nil {
			return spec, apierr.New(apierr.Invalid, "id must be a service account id (urn:vcloud:serviceAccount:UUID)")
		}
	}
	if b.Role != nil && b.Role.ID != "" {
		if spec.RoleID, err = urn.ParseEither(b.Role.ID, urn.Role); err != nil {
			return spec, apierr.New(apierr.Invalid, "role.id must be a role id (urn:vcloud:role:UUID)")
		}
	} else if b.Role != nil {
		spec.RoleName = b.Role.Name
	}
	if b.Org != nil && b.Org.ID != "" {
		if spec.OrgID, err = urn.ParseEither(b.Org.ID, urn.Org); err != nil {
			return spec, apierr.New(apierr.Invalid, "org.id must be an organization id (urn:vcloud:org:UUID)")
		}
	}
	spec.Name, spec.SoftwareID, spec.SoftwareVersion, spec.URI = str(b.Name), str(b.SoftwareID), str(b.SoftwareVersion), str(b.URI)
	return spec, nil
}

// deleteAccount serves DELETE /serviceAccounts/{id}: 204 once the account
// is gone and its sessions are refused on this instance.
func (a *API) deleteAccount(c *vcd.Call) error {
	id, org, err := a.accountTarget(c)
	if err != nil {
		return err
	}
	if err := a.accounts.Delete(c.R.Context(), &c.Session.Principal, org, id, tokenClient(c)); err != nil {
		return err
	}
	c.W.WriteHeader(http.StatusNoContent)
	return nil
}

// revokeAccount serves POST /serviceAccounts/{id}/revoke: 204, the account
// is CREATED and every token and session of it has ended. The body (govcd
// sends none) is not read.
func (a *API) revokeAccount(c *vcd.Call) error {
	id, org, err := a.accountTarget(c)
	if err != nil {
		return err
	}
	if err := a.accounts.Revoke(c.R.Context(), &c.Session.Principal, org, id, tokenClient(c)); err != nil {
		return err
	}
	c.W.WriteHeader(http.StatusNoContent)
	return nil
}
