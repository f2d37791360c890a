// Package sessionapi is the session-listing dialect, after the University
// of Toronto's ITS Private Cloud ("VSS") API: POST /auth/request-token
// trades Basic credentials for a 24-hour token, and /v2/session lists,
// shows and ends the caller's sessions — every session of the caller,
// whichever dialect made it, since all dialects share one session store.
//
// Its wire conventions differ from Cloud Director's: JSON envelopes
// ({"_links", "data", "meta"}), errors {"error", "message", "status"} with
// plain HTTP statuses (404 for what is missing or not the caller's), page
// and per_page paging, OPTIONS that describes each resource.
package sessionapi

import (
	"encoding/base64"
	"log/slog"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/identity"
	"github.com/cloudgate/cloudgate/internal/metrics"
	"github.com/cloudgate/cloudgate/internal/session"
	"github.com/cloudgate/cloudgate/internal/settings"
)

// Dialect is the name sessions made here carry (store.Session.Dialect) and
// the --dialects name.
const Dialect = "vss"

// Config wires the dialect.
type Config struct {
	Sessions  *session.Manager
	Directory *identity.Directory
	Settings  *settings.Holder
	Metrics   *metrics.Metrics
	// Base returns the scheme://host[:port] root of absolute links.
	Base func(*http.Request) string
	Log  *slog.Logger
	// Now is the clock sessions and rate limits use (default time.Now).
	Now func() time.Time
	// Location is the zone session times are shown in (default the
	// server's local zone, as the source system did).
	Location *time.Location
}

// API serves the dialect.
type API struct {
	cfg     Config
	limiter *limiter
}

// New returns the dialect.
func New(cfg Config) *API {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Location == nil {
		cfg.Location = time.Local
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	return &API{cfg: cfg, limiter: newLimiter()}
}

// Mount registers the dialect's routes. Every other path below /auth/ and
// /v2/ is a 404 in the dialect's format.
func (a *API) Mount(mux *http.ServeMux) {
	a.route(mux, "/auth/request-token", []endpoint{{http.MethodPost, false, a.requestToken}}, requestTokenDoc())
	a.route(mux, "/v2/{$}", []endpoint{{http.MethodGet, true, a.root}}, rootDoc())
	a.route(mux, "/v2/session", []endpoint{{http.MethodGet, true, a.list}}, listDoc())
	a.route(mux, "/v2/session/{key}", []endpoint{{http.MethodGet, true, a.get}, {http.MethodDelete, true, a.end}}, itemDoc())
	notFound := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.writeError(w, r, apierr.New(apierr.NotFound, "The requested resource does not exist."))
	})
	mux.Handle("/auth/", notFound)
	mux.Handle("/v2/", notFound)
}

// call is one request on its way through a handler.
type call struct {
	w http.ResponseWriter
	r *http.Request
	// session is the caller's, on authenticated endpoints.
	session *session.Session
}

type handlerFunc func(c *call) error

// endpoint is one method of a resource.
type endpoint struct {
	method string
	auth   bool
	h      handlerFunc
}

// route registers path with its methods (in the order Allow lists them),
// HEAD served by GET, OPTIONS answered from doc, and 405 with Allow for
// anything else.
func (a *API) route(mux *http.ServeMux, path string, eps []endpoint, doc resourceDoc) {
	byMethod := map[string]endpoint{}
	var allow []string
	for _, ep := range eps {
		byMethod[ep.method] = ep
		allow = append(allow, ep.method)
		if ep.method == http.MethodGet {
			byMethod[http.MethodHead] = ep
			allow = append(allow, http.MethodHead)
		}
	}
	allow = append(allow, http.MethodOptions)
	allowHeader := strings.Join(allow, ", ")
	mux.Handle(path, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allowHeader)
		if r.Method == http.MethodOptions {
			a.options(w, r, doc)
			return
		}
		ep, ok := byMethod[r.Method]
		if !ok {
			a.writeError(w, r, apierr.New(apierr.MethodNotAllowed, "The method %s is not allowed for this resource; allowed: %s.", r.Method, allowHeader))
			return
		}
		c := &call{w: w, r: r}
		if ep.auth {
			s, err := a.authenticate(r)
			if err != nil {
				if apierr.Is(err, apierr.Unauthenticated) {
					w.Header().Set("WWW-Authenticate", `Bearer realm="VSS"`)
				}
				a.writeError(w, r, err)
				return
			}
			c.session = s
		}
		if err := ep.h(c); err != nil {
			a.writeError(w, r, err)
		}
	}))
}

var errNoToken = apierr.New(apierr.Unauthenticated, "This resource needs a token: send Authorization: Bearer <token> (POST /auth/request-token issues one).")

// authenticate resolves the token of a request, sent as "Authorization:
// Bearer <token>" or as Basic with the token as the user name and an empty
// password (curl -u "$TK:"), the two ways the source system accepts.
func (a *API) authenticate(r *http.Request) (*session.Session, error) {
	vals := r.Header.Values("Authorization")
	switch {
	case len(vals) == 0:
		return nil, errNoToken
	case len(vals) > 1:
		return nil, apierr.New(apierr.Invalid, "The request carries more than one Authorization header.")
	}
	scheme, rest, _ := strings.Cut(strings.TrimSpace(vals[0]), " ")
	var tok string
	switch {
	case strings.EqualFold(scheme, "Bearer"):
		tok = strings.TrimSpace(rest)
	case strings.EqualFold(scheme, "Basic"):
		user, pass, ok := decodeBasic(rest)
		if !ok || pass != "" {
			// A password here means someone sent credentials to a resource:
			// only POST /auth/request-token takes those.
			return nil, apierr.New(apierr.Unauthenticated, "Send the token as the user name with an empty password, or as Authorization: Bearer <token>.")
		}
		tok = user
	}
	if tok == "" {
		return nil, errNoToken
	}
	return a.cfg.Sessions.Resolve(r.Context(), tok)
}

// basicCredentials reads "Authorization: Basic base64(user:password)".
// present is false when there is no Authorization header at all; ok is
// false for anything malformed (several headers, another scheme, bad
// base64, no colon, invalid UTF-8).
func basicCredentials(h http.Header) (user, pass string, present, ok bool) {
	vals := h.Values("Authorization")
	if len(vals) == 0 {
		return "", "", false, false
	}
	if len(vals) > 1 {
		return "", "", true, false
	}
	scheme, rest, _ := strings.Cut(strings.TrimSpace(vals[0]), " ")
	if !strings.EqualFold(scheme, "Basic") {
		return "", "", true, false
	}
	user, pass, ok = decodeBasic(rest)
	return user, pass, true, ok
}

// decodeBasic decodes the base64 part of a Basic header; the user part
// ends at the first colon (RFC 7617), the password may contain colons.
func decodeBasic(enc string) (user, pass string, ok bool) {
	enc = strings.TrimSpace(enc)
	if enc == "" || len(enc) > 8192 {
		return "", "", false
	}
	raw, err := base64.StdEncoding.DecodeString(enc)
	if err != nil || !utf8.Valid(raw) {
		return "", "", false
	}
	user, pass, ok = strings.Cut(string(raw), ":")
	if !ok {
		return "", "", false
	}
	return user, pass, true
}
