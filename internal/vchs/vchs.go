// Package vchs is the vCloud Air subscription dialect (vCHS API 5.6) under
// /api/vchs: a Basic login that answers 201 and an x-vchs-authorization
// token, the org's compute services and their virtual datacenters, and the
// hand-off that turns a vCHS session into a Cloud Director session for
// one virtual datacenter (VCloudSession), which the client then uses at
// /api/vdc/{id} of the Cloud Director dialect.
//
// Sessions made here are ordinary sessions of the shared store: listed by
// every dialect, ended by any.
package vchs

import (
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/identity"
	"github.com/cloudgate/cloudgate/internal/metrics"
	"github.com/cloudgate/cloudgate/internal/session"
	"github.com/cloudgate/cloudgate/internal/settings"
)

// Dialect is the name sessions made here carry and the --dialects name.
const Dialect = "vchs"

// HeaderToken carries the session token on every request after login.
const HeaderToken = "X-Vchs-Authorization" // #nosec G101 -- a header name

// Config wires the dialect. The hand-off produces an ordinary session
// that the Cloud Director dialect then serves.
type Config struct {
	Sessions  *session.Manager
	Directory *identity.Directory
	Settings  *settings.Holder
	Metrics   *metrics.Metrics
	// Base returns the scheme://host[:port] root of absolute links.
	Base func(*http.Request) string
	Log  *slog.Logger
	// Now is the clock of audit events and hand-off lifetimes (default
	// time.Now).
	Now func() time.Time
}

// API serves /api/vchs.
type API struct {
	sessions *session.Manager
	dir      *identity.Directory
	settings *settings.Holder
	metrics  *metrics.Metrics
	base     func(*http.Request) string
	log      *slog.Logger
	now      func() time.Time
}

// New returns the dialect.
func New(cfg Config) *API {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	return &API{sessions: cfg.Sessions, dir: cfg.Directory, settings: cfg.Settings, metrics: cfg.Metrics,
		base: cfg.Base, log: cfg.Log, now: cfg.Now}
}

const root = "/api/vchs"

// Mount registers the dialect's routes; any other path below /api/vchs/ is
// a 404 in the dialect's format (never the Cloud Director /api answer).
func (a *API) Mount(mux *http.ServeMux) {
	a.route(mux, root+"/sessions", map[string]handler{http.MethodPost: {false, a.login}})
	a.route(mux, root+"/session", map[string]handler{http.MethodGet: {true, a.session}, http.MethodDelete: {true, a.logout}})
	a.route(mux, root+"/services", map[string]handler{http.MethodGet: {true, a.services}})
	a.route(mux, root+"/compute/{id}", map[string]handler{http.MethodGet: {true, a.compute}})
	a.route(mux, root+"/compute/{id}/vdc/{vdc}", map[string]handler{http.MethodGet: {true, a.vdcRef}})
	a.route(mux, root+"/compute/{id}/vdc/{vdc}/vcloudsession", map[string]handler{http.MethodPost: {true, a.handoff}})
	mux.Handle(root+"/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.writeError(w, r, apierr.New(apierr.NotFound, "The requested resource does not exist."))
	}))
}

// call is one request on its way through a handler.
type call struct {
	w       http.ResponseWriter
	r       *http.Request
	session *session.Session // the caller's, on authenticated routes
	token   string
}

type handler struct {
	auth bool
	fn   func(c *call) error
}

// route registers path with a handler per method: the version check first
// (406), then the token (401), then the handler; other methods get 405 with
// Allow. HEAD is served by GET.
func (a *API) route(mux *http.ServeMux, path string, byMethod map[string]handler) {
	var allow []string
	for m := range byMethod {
		allow = append(allow, m)
		if m == http.MethodGet {
			allow = append(allow, http.MethodHead)
		}
	}
	slices.Sort(allow)
	allowHeader := strings.Join(allow, ", ")
	mux.Handle(path, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, ok := byMethod[r.Method]
		if !ok && r.Method == http.MethodHead {
			h, ok = byMethod[http.MethodGet]
		}
		if !ok {
			w.Header().Set("Allow", allowHeader)
			a.writeError(w, r, apierr.New(apierr.MethodNotAllowed, "HTTP method %s is not allowed here; allowed: %s", r.Method, allowHeader))
			return
		}
		if err := checkVersion(r.Header.Values("Accept")); err != nil {
			a.writeError(w, r, err)
			return
		}
		c := &call{w: w, r: r}
		if h.auth {
			tok, err := token(r.Header)
			if err == nil {
				c.session, err = a.sessions.Resolve(r.Context(), tok)
				c.token = tok
			}
			if err != nil {
				a.writeError(w, r, err)
				return
			}
		}
		if err := h.fn(c); err != nil {
			a.writeError(w, r, err)
		}
	}))
}

func (a *API) writeError(w http.ResponseWriter, r *http.Request, err error) {
	WriteError(w, r, a.log, err)
}

// token reads x-vchs-authorization. Identical copies are fine; two
// different values are a malformed request.
func token(h http.Header) (string, error) {
	var tok string
	for _, v := range h.Values(HeaderToken) {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		if tok != "" && tok != v {
			return "", apierr.New(apierr.Invalid, "The request carries two different x-vchs-authorization tokens.")
		}
		tok = v
	}
	if tok == "" {
		return "", apierr.New(apierr.Unauthenticated, "This operation needs the x-vchs-authorization header from POST /api/vchs/sessions.")
	}
	return tok, nil
}

// checkVersion applies the vCHS version rule: 5.6 is not a Cloud Director
// version, so Cloud Director's negotiation does not apply. A request is
// refused (406) only when its Accept names versions and none is 5.6;
// naming 5.6, or no version at all, is served.
func checkVersion(accept []string) error {
	named := ""
	for _, header := range accept {
		for _, mediaRange := range strings.Split(header, ",") {
			v, ok := versionParam(mediaRange)
			if !ok || v == "" {
				continue
			}
			if v == Version {
				return nil
			}
			if named == "" {
				named = v
			}
		}
	}
	if named != "" {
		if len(named) > 32 {
			named = named[:32] + "..."
		}
		return apierr.New(apierr.NotAcceptable, "The request has invalid accept header: Unknown API version: %q. Supported API versions are: [%s]", named, Version)
	}
	return nil
}

// versionParam returns the version parameter of one media range, unquoted.
func versionParam(mediaRange string) (string, bool) {
	params := strings.Split(mediaRange, ";")
	for _, p := range params[1:] {
		k, v, ok := strings.Cut(p, "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), "version") {
			continue
		}
		v = strings.TrimSpace(v)
		if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
			v = v[1 : len(v)-1]
		}
		return v, true
	}
	return "", false
}
