package cloudapi

import (
	"net/http"
	"sort"
	"strings"

	"github.com/cloudgate/cloudgate/internal/fiql"
	"github.com/cloudgate/cloudgate/internal/urn"
	"github.com/cloudgate/cloudgate/internal/vcd"
)

// Orgs, users, roles and rights are lists of at most thousands of rows
// that the domain reads whole, so their FIQL filters, sorting and paging
// run in memory with fiql.Match (which answers as the SQL lists do).

// mountIdentity registers the identity routes (orgs, users, roles, rights).
func (a *API) mountIdentity(mux *http.ServeMux, j func(bool, vcd.HandlerFunc) http.Handler) {
	env := a.env
	for _, p := range []string{root + "/orgs", root + "/orgs/{$}"} {
		env.Route(mux, vcd.JSON, p, map[string]http.Handler{http.MethodGet: j(true, a.listOrgs)})
	}
	env.Route(mux, vcd.JSON, root+"/orgs/{id}", map[string]http.Handler{http.MethodGet: j(true, a.getOrg)})
	for _, p := range []string{root + "/users", root + "/users/{$}"} {
		env.Route(mux, vcd.JSON, p, map[string]http.Handler{http.MethodGet: j(true, a.listUsers)})
	}
	env.Route(mux, vcd.JSON, root+"/users/{id}", map[string]http.Handler{http.MethodGet: j(true, a.getUserJSON)})
	a.mountRoles(mux, j)
	for _, p := range []string{root + "/rights", root + "/rights/{$}"} {
		env.Route(mux, vcd.JSON, p, map[string]http.Handler{http.MethodGet: j(true, a.listRights)})
	}
	env.Route(mux, vcd.JSON, root+"/rights/{id}", map[string]http.Handler{http.MethodGet: j(true, a.getRight)})
}

// boolText renders a boolean for an Enum FIQL field.
func boolText(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

var boolValues = []string{"true", "false"}

// pageOf filters items with lq's filter, sorts them by lq's sort field (by
// byDefault otherwise) and writes the page. get returns a field's value
// as fiql.Match expects it (strings for String and Enum fields).
func pageOf[T any](c *vcd.Call, base, model string, lq vcd.ListQuery, schema fiql.Schema, items []T,
	byDefault string, get func(T, string) any) {
	var kept []T
	for _, it := range items {
		if fiql.Match(lq.Filter, schema, func(sel string) any { return get(it, sel) }) {
			kept = append(kept, it)
		}
	}
	field, desc := byDefault, false
	if len(lq.Sort) > 0 {
		field, desc = lq.Sort[0].Field, lq.Sort[0].Desc
	}
	sort.SliceStable(kept, func(i, j int) bool {
		x, _ := get(kept[i], field).(string)
		y, _ := get(kept[j], field).(string)
		x, y = strings.ToLower(x), strings.ToLower(y)
		if desc {
			return x > y
		}
		return x < y
	})
	total := len(kept)
	start := min((lq.Page-1)*lq.PageSize, total)
	end := min(start+lq.PageSize, total)
	vcd.WritePage(c, base, model, lq, total, kept[start:end])
}

// scope returns the org a list is narrowed to (zero: every org, for a
// System administrator without a tenant context).
func (a *API) scope(c *vcd.Call) (urn.UUID, error) {
	ctxOrg, err := a.tenantContext(c)
	if err != nil {
		return ctxOrg, err
	}
	return c.Session.Principal.Scope(ctxOrg)
}
