package vchs

import (
	"context"
	"net/http"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/audit"
	"github.com/cloudgate/cloudgate/internal/reqctx"
	"github.com/cloudgate/cloudgate/internal/session"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
	"github.com/cloudgate/cloudgate/internal/vcd"
)

// login serves POST /api/vchs/sessions: Basic credentials, the "email"
// read as user@org (split at the last '@', as every cloudgate login).
// 201 Created with the token in x-vchs-authorization and the Session
// document; bad credentials 401, no Authorization header at all 403.
func (a *API) login(c *call) error {
	info := reqctx.From(c.r.Context())
	acct, err := vcd.PasswordLogin(a.dir, a.metrics, c.r, Dialect, info.ClientIP, info.ID)
	if err != nil {
		return err
	}
	issued, err := a.sessions.Create(c.r.Context(), session.Spec{User: acct.User, Org: acct.Org, Role: acct.Role,
		Origin: store.OriginPassword, Dialect: Dialect, ClientIP: info.ClientIP, UserAgent: c.r.UserAgent(),
		Audit: []store.AuditEvent{audit.Event(audit.Actor{ID: acct.User.ID, Name: acct.User.Name, OrgID: acct.Org.ID,
			ClientIP: info.ClientIP, RequestID: info.ID, UserAgent: info.UserAgent}, a.now(), "login", audit.Success, "", Dialect)}})
	if err != nil {
		return err
	}
	h := c.w.Header()
	h["x-vchs-authorization"] = []string{issued.Token} // the spelling clients document
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	writeXML(c.w, http.StatusCreated, mtSession, a.sessionDoc(c.r))
	return nil
}

func (a *API) sessionDoc(r *http.Request) sessionXML {
	base := a.base(r) + root
	return sessionXML{Href: base + "/session", Type: mtSession, Links: []linkXML{
		{Href: base + "/services", Rel: "down", Type: mtServiceList},
		{Href: base + "/session", Rel: "remove"},
	}}
}

// session serves GET /api/vchs/session (cloudgate's addition: the Session
// href answers, so a client can check its token).
func (a *API) session(c *call) error {
	writeXML(c.w, http.StatusOK, mtSession, a.sessionDoc(c.r))
	return nil
}

// logout serves DELETE /api/vchs/session: 204, and the token is refused
// from then on. Cloud Director sessions handed off from it are sessions of
// their own and stay (as vCloud Air's did).
func (a *API) logout(c *call) error {
	if err := a.sessions.End(c.r.Context(), c.session.ID, "logout"); err != nil {
		return err
	}
	c.w.WriteHeader(http.StatusNoContent)
	return nil
}

// services serves GET /api/vchs/services: the compute services of the
// caller's org. A vCloud Air account is one org, so a System
// administrator sees the System org's services, not every org's.
func (a *API) services(c *call) error {
	svcs, err := a.dir.Services(c.r.Context(), c.session.Principal.OrgID)
	if err != nil {
		return err
	}
	base := a.base(c.r) + root
	out := servicesXML{Href: base + "/services", Type: mtServiceList}
	for _, s := range svcs {
		out.Services = append(out.Services, serviceXML{Href: base + "/compute/" + s.ID.String(), Region: s.Region,
			ServiceID: s.Name, ServiceType: s.Type, Type: mtCompute})
	}
	writeXML(c.w, http.StatusOK, mtServiceList, out)
	return nil
}

// errNotFound is the one answer for a service or VDC that is missing or
// another org's.
var errNotFound = apierr.New(apierr.NotFound, "The requested resource does not exist.")

// serviceOfPath returns the path's compute service if it is the caller's
// org's.
func (a *API) serviceOfPath(c *call) (store.ComputeService, error) {
	id, err := urn.Parse(c.r.PathValue("id"))
	if err != nil {
		return store.ComputeService{}, errNotFound
	}
	s, err := a.dir.Service(c.r.Context(), id)
	if apierr.Is(err, apierr.NotFound) || (err == nil && s.OrgID != c.session.Principal.OrgID) {
		return s, errNotFound
	}
	return s, err
}

// vdcOfPath returns the path's service and one of its VDCs.
func (a *API) vdcOfPath(c *call) (store.ComputeService, store.VDC, error) {
	s, err := a.serviceOfPath(c)
	if err != nil {
		return s, store.VDC{}, err
	}
	id, err := urn.Parse(c.r.PathValue("vdc"))
	if err != nil {
		return s, store.VDC{}, errNotFound
	}
	for _, v := range s.VDCs {
		if v.ID == id {
			return s, v, nil
		}
	}
	return s, store.VDC{}, errNotFound
}

func (a *API) computeHref(r *http.Request, s store.ComputeService) string {
	return a.base(r) + root + "/compute/" + s.ID.String()
}

// vdcRefDoc is a VdcRef. Its name and its inner link's name are both the
// VDC's name: govcloudair picks the VdcRef whose name and link name equal
// the vdcid it was given.
func (a *API) vdcRefDoc(r *http.Request, s store.ComputeService, v store.VDC) vdcRefXML {
	href := a.computeHref(r, s) + "/vdc/" + v.ID.String()
	return vdcRefXML{Href: href, Name: v.Name, Status: "Active", Type: mtVdcRef,
		Links: []linkXML{{Href: href + "/vcloudsession", Name: v.Name, Rel: "down", Type: mtVCloudSession}}}
}

// compute serves GET /api/vchs/compute/{id}: the service with a VdcRef per
// virtual datacenter.
func (a *API) compute(c *call) error {
	s, err := a.serviceOfPath(c)
	if err != nil {
		return err
	}
	out := computeXML{Href: a.computeHref(c.r, s), ServiceID: s.Name, ServiceType: s.Type, Type: mtCompute,
		Links: []linkXML{{Href: a.base(c.r) + root + "/services", Name: "services", Rel: "up", Type: mtServiceList}}}
	for _, v := range s.VDCs {
		out.VdcRefs = append(out.VdcRefs, a.vdcRefDoc(c.r, s, v))
	}
	writeXML(c.w, http.StatusOK, mtCompute, out)
	return nil
}

// vdcRef serves GET /api/vchs/compute/{id}/vdc/{vdc} (the href of a VdcRef
// and of a VCloudSession's link up).
func (a *API) vdcRef(c *call) error {
	s, v, err := a.vdcOfPath(c)
	if err != nil {
		return err
	}
	writeXML(c.w, http.StatusOK, mtVdcRef, vdcRefDocXML{vdcRefXML: a.vdcRefDoc(c.r, s, v)})
	return nil
}

// handoff serves POST .../vdc/{vdc}/vcloudsession: a new Cloud Director
// session of the caller (its own 32-hex legacy key, Origin handoff, parent
// the vCHS session), returned as the VdcLink's authorizationToken with the
// VDC's /api/vdc href.
//
// The new session never outlives its parent (presenting a token must not
// extend the absolute lifetime), and sessions made from an API token or a
// service account may not hand off: the new session would lose their
// restrictions.
func (a *API) handoff(c *call) error {
	p := &c.session.Principal
	if err := p.RequireFull("A vCloud Air hand-off"); err != nil {
		return err
	}
	s, v, err := a.vdcOfPath(c)
	if err != nil {
		return err
	}
	ctx := c.r.Context()
	acct, err := a.dir.UserByID(ctx, p.UserID)
	if err != nil {
		return err
	}
	now := a.now()
	life := a.settings.Get().MaxLifetime
	if left := c.session.Expires.Sub(now); left < life {
		life = left
	}
	if life <= 0 {
		return session.ErrInvalid
	}
	info := reqctx.From(ctx)
	parent := c.session.ID
	issued, err := a.sessions.Create(ctx, session.Spec{User: acct.User, Org: acct.Org, Role: acct.Role,
		Origin: store.OriginHandoff, Dialect: Dialect, ParentID: parent, ClientIP: info.ClientIP,
		UserAgent: c.r.UserAgent(), Legacy: true, Lifetime: life,
		Also: func(ctx context.Context, tx store.Tx, rec store.Session) error {
			by := audit.Actor{ID: p.UserID, Name: p.UserName, OrgID: p.OrgID, ClientIP: info.ClientIP, RequestID: info.ID, UserAgent: info.UserAgent}
			detail := "vdc " + v.Name + " of service " + s.Name + ", from session " + parent.String()
			return tx.InsertAudit(ctx, audit.Event(by, now, "session.handoff", audit.Success, rec.ID.URN(urn.Session), detail))
		}})
	if err != nil {
		return err
	}
	href := a.computeHref(c.r, s) + "/vdc/" + v.ID.String()
	out := vcloudSessionXML{Href: href + "/vcloudsession", Name: s.Name + "-session", Type: mtVCloudSession,
		Links: []linkXML{{Href: href, Name: "vdc", Rel: "up", Type: mtVdcRef}},
		// VdcLink's name is the serviceId: govcloudair picks the VdcLink
		// whose name equals the computeid it was given.
		VdcLink: vdcLinkXML{AuthorizationHeader: "x-vcloud-authorization", AuthorizationToken: issued.LegacyKey,
			Href: a.base(c.r) + "/api/vdc/" + v.ID.String(), Name: s.Name, Rel: "vcloudvdc", Type: mtCloudVdc}}
	c.w.Header().Set("Cache-Control", "no-store")
	c.w.Header().Set("Pragma", "no-cache")
	writeXML(c.w, http.StatusCreated, mtVCloudSession, out)
	return nil
}
