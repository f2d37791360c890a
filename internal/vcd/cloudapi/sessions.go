package cloudapi

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/apitoken"
	"github.com/cloudgate/cloudgate/internal/audittrail"
	"github.com/cloudgate/cloudgate/internal/identity"
	"github.com/cloudgate/cloudgate/internal/reqctx"
	"github.com/cloudgate/cloudgate/internal/serviceaccount"
	"github.com/cloudgate/cloudgate/internal/session"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
	"github.com/cloudgate/cloudgate/internal/vcd"
)

// Config wires the dialect: what it shares with /api (Env), and the
// services only /cloudapi serves.
type Config struct {
	Env *vcd.Env
	// Tokens lists, shows and revokes API tokens.
	Tokens *apitoken.Service
	// Accounts are service accounts: list, show, update, revoke, delete,
	// and the device-code approval page's lookup and decision.
	Accounts *serviceaccount.Service
	// AuditTrail reads the audit trail (GET /auditTrail).
	AuditTrail *audittrail.Service
}

// API serves /cloudapi/1.0.0.
type API struct {
	env      *vcd.Env
	tokens   *apitoken.Service
	accounts *serviceaccount.Service
	trail    *audittrail.Service
	// bufs recycles render buffers of the current-session answer.
	bufs sync.Pool
}

// New returns the dialect.
func New(cfg Config) *API {
	a := &API{env: cfg.Env, tokens: cfg.Tokens, accounts: cfg.Accounts, trail: cfg.AuditTrail}
	a.bufs.New = func() any { b := make([]byte, 0, 768); return &b }
	return a
}

const root = "/cloudapi/1.0.0"

// Mount registers the dialect's routes.
func (a *API) Mount(mux *http.ServeMux) {
	env := a.env
	j := func(auth bool, h vcd.HandlerFunc) http.Handler { return env.Handle(vcd.JSON, auth, h) }
	logout := j(true, a.logout)
	env.Route(mux, vcd.JSON, root+"/sessions", map[string]http.Handler{
		http.MethodPost: j(false, a.login(false)), http.MethodGet: j(true, a.list), http.MethodDelete: logout})
	env.Route(mux, vcd.JSON, root+"/sessions/{$}", map[string]http.Handler{http.MethodGet: j(true, a.list), http.MethodDelete: logout})
	env.Route(mux, vcd.JSON, root+"/sessions/provider", map[string]http.Handler{
		http.MethodPost: j(false, a.login(true)), http.MethodDelete: logout})
	env.Route(mux, vcd.JSON, root+"/sessions/current", map[string]http.Handler{
		http.MethodGet: j(true, a.current), http.MethodDelete: logout})
	env.Route(mux, vcd.JSON, root+"/sessions/{id}", map[string]http.Handler{
		http.MethodGet: j(true, a.get), http.MethodDelete: j(true, a.end)})
	a.mountTokens(mux)
	a.mountAccounts(mux)
	a.mountIdentity(mux, j)
	a.mountAuditTrail(mux)
	mux.Handle("/cloudapi/", env.NotFound(vcd.JSON))
}

// login serves POST /sessions (tenants) and /sessions/provider (System).
func (a *API) login(provider bool) vcd.HandlerFunc {
	return func(c *vcd.Call) error {
		info := reqctx.From(c.R.Context())
		if b, _, ok := vcd.ParseBasic(c.R.Header); ok && strings.EqualFold(b.Org, identity.SystemOrgName) != provider {
			// The System org logs in at /sessions/provider, tenants at
			// /sessions. Refused before the password is looked at, so the
			// mistake never counts towards a lockout.
			a.env.Metrics.Login("cloudapi", "wrong_endpoint")
			return loginError(identity.ErrBadCredentials)
		}
		acct, err := a.env.Login(c.R, "cloudapi", info.ClientIP, info.ID)
		if err != nil {
			return loginError(err)
		}
		issued, err := a.env.Sessions.Create(c.R.Context(), session.Spec{User: acct.User, Org: acct.Org, Role: acct.Role,
			Origin: store.OriginPassword, Dialect: "cloudapi", ClientIP: info.ClientIP, UserAgent: c.R.UserAgent(), Legacy: true,
			Audit: []store.AuditEvent{vcd.LoginAudit(acct, "cloudapi", info, a.env.Now())}})
		if err != nil {
			return loginError(err)
		}
		SetTokenHeaders(c.W, issued)
		vcd.WriteJSONBytes(c.W, http.StatusOK, &c.Version, a.appendSession(make([]byte, 0, 768), c.Version, fieldsOf(issued.Session)))
		return nil
	}
}

// loginError gives a failed login Cloud Director's UNAUTHORIZED code and
// the Basic challenge.
func loginError(err error) error {
	e := apierr.As(err)
	if e.Kind == apierr.Unauthenticated {
		return e.WithCode("UNAUTHORIZED")
	}
	return err
}

// SetTokenHeaders sets the headers every Cloud Director login answers with:
// the bearer token (the only one govcd reads), its type, and the
// deprecated 32-hex x-vcloud-authorization key. Login answers are never
// cached.
func SetTokenHeaders(w http.ResponseWriter, issued session.Issued) {
	h := w.Header()
	h["X-VMWARE-VCLOUD-ACCESS-TOKEN"] = []string{issued.Token}
	h["X-VMWARE-VCLOUD-TOKEN-TYPE"] = []string{"Bearer"}
	if issued.LegacyKey != "" {
		h["x-vcloud-authorization"] = []string{issued.LegacyKey}
	}
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
}

// current serves GET /sessions/current, the request every bearer
// validation benchmark measures: rendered without reflection.
func (a *API) current(c *vcd.Call) error {
	buf := a.bufs.Get().(*[]byte)
	*buf = a.appendSession((*buf)[:0], c.Version, fieldsOf(c.Session))
	vcd.WriteJSONBytes(c.W, http.StatusOK, &c.Version, *buf)
	a.bufs.Put(buf) // the writer copied it
	return nil
}

// logout ends the caller's session: DELETE /sessions/current, and the
// collection paths govcd's Disconnect sends.
func (a *API) logout(c *vcd.Call) error {
	if err := a.env.Sessions.EndAs(c.R.Context(), c.Session.ID, "logout", vcd.Actor(c), true); err != nil {
		return err
	}
	c.W.WriteHeader(http.StatusNoContent)
	return nil
}

// visible returns the live session id of the path if the caller may see it.
func (a *API) visible(c *vcd.Call) (store.Session, error) {
	raw := c.R.PathValue("id")
	id, err := urn.ParseEither(raw, urn.Session)
	notFound := apierr.New(apierr.NotFound, "Access to resource %s is forbidden or it does not exist", raw)
	if err != nil {
		return store.Session{}, notFound
	}
	rec, err := a.env.Sessions.Lookup(c.R.Context(), id)
	if apierr.Is(err, apierr.NotFound) {
		return rec, notFound
	}
	if err != nil {
		return rec, err
	}
	if !c.Session.Principal.CanSeeSession(rec.UserID, rec.OrgID) {
		return rec, notFound
	}
	return rec, nil
}

func (a *API) get(c *vcd.Call) error {
	rec, err := a.visible(c)
	if err != nil {
		return err
	}
	f, err := a.recordFields(c, rec)
	if err != nil {
		return err
	}
	vcd.WriteJSONBytes(c.W, http.StatusOK, &c.Version, a.appendSession(nil, c.Version, f))
	return nil
}

func (a *API) end(c *vcd.Call) error {
	rec, err := a.visible(c)
	if err != nil {
		return err
	}
	reason := "logout"
	if rec.ID != c.Session.ID {
		reason = "ended by " + c.Session.Principal.UserName
	}
	if err := a.env.Sessions.EndAs(c.R.Context(), rec.ID, reason, vcd.Actor(c), rec.ID == c.Session.ID); err != nil {
		if apierr.Is(err, apierr.Unauthenticated) {
			return apierr.New(apierr.NotFound, "Access to resource %s is forbidden or it does not exist", rec.ID.URN(urn.Session))
		}
		return err
	}
	c.W.WriteHeader(http.StatusNoContent)
	return nil
}

// list serves GET /sessions: the caller's sessions, the org's for an
// Organization Administrator, every session for a System administrator.
func (a *API) list(c *vcd.Call) error {
	lq, err := vcd.ParseList(c.R, store.SessionSchema(), 25)
	if err != nil {
		return err
	}
	p := &c.Session.Principal
	q := store.SessionQuery{Filter: lq.Filter, Sort: lq.Sort, Page: lq.StorePage()}
	switch {
	case p.SystemAdmin():
	case p.Can(identity.RightSessionManageAll):
		q.OrgID = p.OrgID
	default:
		q.UserID = p.UserID
	}
	rows, total, err := a.env.Sessions.List(c.R.Context(), q)
	if err != nil {
		return err
	}
	roles := map[urn.UUID]roleInfo{}
	values := make([]json.RawMessage, 0, len(rows))
	for _, row := range rows {
		f, err := a.rowFields(c, row.Session, row.UserName, row.OrgName, roles)
		if err != nil {
			return err
		}
		values = append(values, a.appendSession(nil, c.Version, f))
	}
	vcd.WritePage(c, a.env.Base(c.R), "SessionList", lq, total, values)
	return nil
}

type roleInfo struct {
	id   urn.UUID
	name string
	sa   bool
}

// recordFields describes a stored session (not the caller's).
func (a *API) recordFields(c *vcd.Call, rec store.Session) (sessionFields, error) {
	acct, err := a.env.Directory.UserByID(c.R.Context(), rec.UserID)
	if err != nil {
		return sessionFields{}, err
	}
	roles := map[urn.UUID]roleInfo{rec.UserID: {acct.Role.ID, acct.Role.Name, acct.User.Kind == store.KindServiceAccount}}
	return a.rowFields(c, rec, acct.User.Name, acct.Org.Name, roles)
}

func (a *API) rowFields(c *vcd.Call, rec store.Session, userName, orgName string, roles map[urn.UUID]roleInfo) (sessionFields, error) {
	ri, ok := roles[rec.UserID]
	if !ok {
		acct, err := a.env.Directory.UserByID(c.R.Context(), rec.UserID)
		if err != nil && !apierr.Is(err, apierr.NotFound) {
			return sessionFields{}, err
		}
		ri = roleInfo{acct.Role.ID, acct.Role.Name, acct.User.Kind == store.KindServiceAccount}
		roles[rec.UserID] = ri
	}
	f := sessionFields{id: rec.ID, userName: userName, userKind: urn.User, userID: rec.UserID, orgName: orgName,
		orgID: rec.OrgID, roleName: ri.name, roleID: ri.id}
	if ri.sa {
		f.userKind = urn.ServiceAccount
	}
	if rec.Idle {
		f.idle = int(a.env.Sessions.IdleTimeout().Minutes())
	}
	return f, nil
}
