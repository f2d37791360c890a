package xmlapi

import (
	"net/http"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/identity"
	"github.com/cloudgate/cloudgate/internal/reqctx"
	"github.com/cloudgate/cloudgate/internal/session"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
	"github.com/cloudgate/cloudgate/internal/vcd"
	"github.com/cloudgate/cloudgate/internal/vcd/cloudapi"
)

// Config wires the dialect. Everything it needs it shares with /cloudapi
// (Env), except the version it reports.
type Config struct {
	Env *vcd.Env
	// Build is what /api/admin reports as the product version.
	Build string
}

// API serves /api.
type API struct {
	env   *vcd.Env
	build string
}

// New returns the dialect.
func New(cfg Config) *API { return &API{env: cfg.Env, build: cfg.Build} }

// Mount registers the dialect's routes.
func (a *API) Mount(mux *http.ServeMux) {
	env := a.env
	x := func(auth bool, h vcd.HandlerFunc) http.Handler { return env.Handle(vcd.XML, auth, h) }
	env.Route(mux, vcd.XML, "/api/versions", map[string]http.Handler{http.MethodGet: http.HandlerFunc(a.versions)})
	env.Route(mux, vcd.XML, "/api/sessions", map[string]http.Handler{http.MethodPost: x(false, a.login(false))})
	env.Route(mux, vcd.XML, "/api/login", map[string]http.Handler{http.MethodPost: x(false, a.login(true))})
	env.Route(mux, vcd.XML, "/api/session", map[string]http.Handler{http.MethodGet: x(true, a.session), http.MethodDelete: x(true, a.logout)})
	orgList := map[string]http.Handler{http.MethodGet: x(true, a.orgList)}
	env.Route(mux, vcd.XML, "/api/org", orgList)
	env.Route(mux, vcd.XML, "/api/org/{$}", orgList)
	env.Route(mux, vcd.XML, "/api/org/{id}", map[string]http.Handler{http.MethodGet: x(true, a.org)})
	env.Route(mux, vcd.XML, "/api/vdc/{id}", map[string]http.Handler{http.MethodGet: x(true, a.vdc)})
	admin := map[string]http.Handler{http.MethodGet: x(true, a.admin)}
	env.Route(mux, vcd.XML, "/api/admin", admin)
	env.Route(mux, vcd.XML, "/api/admin/{$}", admin)
	a.mountAdmin(mux, x)
	mux.Handle("/api/", env.NotFound(vcd.XML))
}

// versions serves GET /api/versions: no credentials and no version needed;
// authentication headers are ignored (govcd sends them after SetToken).
func (a *API) versions(w http.ResponseWriter, r *http.Request) {
	base := a.env.Base(r)
	var out supportedVersions
	for _, v := range vcd.Supported() {
		vi := versionInfo{Deprecated: v.Deprecated, Version: v.Text}
		if v.Major < 33 {
			// The vCloud Air hand-off version logs in the legacy way.
			vi.LoginURL = base + "/api/sessions"
		} else {
			vi.LoginURL = base + "/cloudapi/1.0.0/sessions"
			vi.ProviderLoginURL = base + "/cloudapi/1.0.0/sessions/provider"
		}
		out.Versions = append(out.Versions, vi)
	}
	var vp *vcd.Version
	if v, err := vcd.Negotiate(r.Header.Values("Accept")); err == nil {
		vp = &v
	}
	vcd.WriteXML(w, http.StatusOK, mtVersions, vp, out)
}

// unauthorized is the legacy login's answer to bad credentials: 401, an
// empty body, and the challenge of every scheme Cloud Director offers.
func unauthorized(w http.ResponseWriter) {
	w.Header().Set("WWW-Authenticate", `Basic realm="vCloud", SIGN realm="vCloud", Bearer realm="vCloud"`)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusUnauthorized)
}

// login serves POST /api/sessions (Session XML) and the deprecated
// POST /api/login (OrgList), both removed at API 38.0 as in Cloud
// Director 10.5.
func (a *API) login(orgListBody bool) vcd.HandlerFunc {
	return func(c *vcd.Call) error {
		if c.Version.AtLeast(38, 0) {
			return apierr.New(apierr.MethodNotAllowed, "HTTP method not allowed: POST %s was removed in API version 38.0; use POST /cloudapi/1.0.0/sessions", c.R.URL.Path)
		}
		info := reqctx.From(c.R.Context())
		acct, err := a.env.Login(c.R, "api", info.ClientIP, info.ID)
		if apierr.Is(err, apierr.Unauthenticated) {
			unauthorized(c.W)
			return nil
		}
		if err != nil {
			return err
		}
		issued, err := a.env.Sessions.Create(c.R.Context(), session.Spec{User: acct.User, Org: acct.Org, Role: acct.Role,
			Origin: store.OriginPassword, Dialect: "api", ClientIP: info.ClientIP, UserAgent: c.R.UserAgent(), Legacy: true,
			Audit: []store.AuditEvent{vcd.LoginAudit(acct, "api", info, a.env.Now())}})
		if apierr.Is(err, apierr.Unauthenticated) {
			unauthorized(c.W)
			return nil
		}
		if err != nil {
			return err
		}
		cloudapi.SetTokenHeaders(c.W, issued)
		if orgListBody {
			return a.writeOrgList(c, issued.Session)
		}
		vcd.WriteXML(c.W, http.StatusOK, mtSession, &c.Version, a.sessionXML(c, issued.Session))
		return nil
	}
}

func (a *API) session(c *vcd.Call) error {
	vcd.WriteXML(c.W, http.StatusOK, mtSession, &c.Version, a.sessionXML(c, c.Session))
	return nil
}

func (a *API) logout(c *vcd.Call) error {
	if err := a.env.Sessions.EndAs(c.R.Context(), c.Session.ID, "logout", vcd.Actor(c), true); err != nil {
		return err
	}
	c.W.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) sessionXML(c *vcd.Call, s *session.Session) sessionXML {
	base := a.env.Base(c.R)
	p := &s.Principal
	loc := p.OrgID.String() + "@" + a.env.Site.ID.String()
	userKind := urn.User
	if p.ServiceAccount {
		userKind = urn.ServiceAccount
	}
	out := sessionXML{Href: base + "/api/session", Type: mtSession, User: p.UserName, Org: p.OrgName,
		UserID: p.UserID.URN(userKind), Roles: s.RoleName, LocationID: loc,
		Links: []link{
			{Rel: "down", Href: base + "/api/org/", Type: mtOrgList},
			{Rel: "remove", Href: base + "/api/session"},
		}}
	if p.Can(identity.RightAdminView) {
		out.Links = append(out.Links, link{Rel: "down", Href: base + "/api/admin/", Type: mtVCloud})
	}
	out.Links = append(out.Links,
		link{Rel: "down", Href: base + "/api/org/" + p.OrgID.String(), Type: mtOrg, Name: p.OrgName},
		link{Rel: "down", Href: base + "/api/query", Type: mtQuery},
		link{Rel: "entityResolver", Href: base + "/api/entity/", Type: mtEntity},
		link{Rel: "openapi", Href: base + "/cloudapi", Type: "application/json"},
	)
	out.AuthorizedLocations = []location{{LocationID: loc, SiteName: a.env.Site.Name, OrgName: p.OrgName,
		RestAPIEndpoint: base, UIEndpoint: base, AuthContext: p.OrgName}}
	return out
}

// visibleOrgs returns the orgs the caller may see: its own, or all for a
// System administrator.
func (a *API) visibleOrgs(c *vcd.Call, s *session.Session) ([]store.Org, error) {
	if s.Principal.SystemAdmin() {
		return a.env.Directory.Orgs(c.R.Context())
	}
	o, err := a.env.Directory.OrgByID(c.R.Context(), s.Principal.OrgID)
	if err != nil {
		return nil, err
	}
	return []store.Org{o}, nil
}

func (a *API) orgList(c *vcd.Call) error { return a.writeOrgList(c, c.Session) }

func (a *API) writeOrgList(c *vcd.Call, s *session.Session) error {
	orgs, err := a.visibleOrgs(c, s)
	if err != nil {
		return err
	}
	base := a.env.Base(c.R)
	out := orgListXML{Href: base + "/api/org/", Type: mtOrgList}
	for _, o := range orgs {
		out.Orgs = append(out.Orgs, orgRef{Href: base + "/api/org/" + o.ID.String(), Name: o.Name, Type: mtOrg})
	}
	vcd.WriteXML(c.W, http.StatusOK, mtOrgList, &c.Version, out)
	return nil
}

// orgOfPath returns the org named by the {id} path value if the caller may
// see it (403 otherwise, exactly as for a missing one).
func (a *API) orgOfPath(c *vcd.Call) (store.Org, error) {
	raw := c.R.PathValue("id")
	notFound := apierr.New(apierr.NotFound, "Access to resource %s is forbidden or it does not exist", raw)
	id, err := urn.ParseEither(raw, urn.Org)
	if err != nil || !c.Session.Principal.InOrg(id) {
		return store.Org{}, notFound
	}
	o, err := a.env.Directory.OrgByID(c.R.Context(), id)
	if apierr.Is(err, apierr.NotFound) {
		return o, notFound
	}
	return o, err
}

func (a *API) org(c *vcd.Call) error {
	o, err := a.orgOfPath(c)
	if err != nil {
		return err
	}
	base := a.env.Base(c.R)
	vcd.WriteXML(c.W, http.StatusOK, mtOrg, &c.Version, orgXML{Name: o.Name, ID: o.ID.URN(urn.Org),
		Href: base + "/api/org/" + o.ID.String(), Type: mtOrg, Description: o.Description, FullName: o.FullName,
		IsEnabled: o.Enabled, Links: a.orgLinks(c, o)})
	return nil
}

func (a *API) admin(c *vcd.Call) error {
	if err := c.Session.Principal.Require(identity.RightAdminView); err != nil {
		return err
	}
	orgs, err := a.visibleOrgs(c, c.Session)
	if err != nil {
		return err
	}
	base := a.env.Base(c.R)
	out := vcloudXML{Href: base + "/api/admin/", Type: mtVCloud, Name: "cloudgate",
		// govcd parses "<version> <date>" with the date in this layout.
		Description: a.build + " " + "Mon Nov 23 2026 00:00:00 GMT"}
	for _, o := range orgs {
		out.Links = append(out.Links, link{Rel: "down", Href: base + "/api/admin/org/" + o.ID.String(), Type: mtAdminOrg, Name: o.Name})
	}
	vcd.WriteXML(c.W, http.StatusOK, mtVCloud, &c.Version, out)
	return nil
}
