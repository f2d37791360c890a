package cloudapi

import (
	"net/http"

	"github.com/cloudgate/cloudgate/internal/audittrail"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/vcd"
)

// auditPageSize is the default page of the audit trail (Cloud Director's
// default for OpenAPI lists).
const auditPageSize = 25

func (a *API) mountAuditTrail(mux *http.ServeMux) {
	h := a.env.Handle(vcd.JSON, true, a.auditTrail)
	a.env.Route(mux, vcd.JSON, root+"/auditTrail", map[string]http.Handler{http.MethodGet: h})
	a.env.Route(mux, vcd.JSON, root+"/auditTrail/{$}", map[string]http.Handler{http.MethodGet: h})
}

// auditTrail serves GET /auditTrail: the events the caller may see
// (audittrail.Service.List), newest first unless sorted, filtered with
// FIQL over store.AuditSchema and paged as every OpenAPI list (model
// AuditTrailEvents, as Cloud Director's Link headers name it).
func (a *API) auditTrail(c *vcd.Call) error {
	lq, err := vcd.ParseList(c.R, store.AuditSchema(), auditPageSize)
	if err != nil {
		return err
	}
	q := store.AuditTrailQuery{Filter: lq.Filter, Sort: lq.Sort, Page: lq.StorePage()}
	rows, total, err := a.trail.List(c.R.Context(), &c.Session.Principal, q)
	if err != nil {
		return err
	}
	values := make([]audittrail.Event, 0, len(rows))
	for _, row := range rows {
		values = append(values, audittrail.Render(row))
	}
	vcd.WritePage(c, a.env.Base(c.R), "AuditTrailEvents", lq, total, values)
	return nil
}
