package vcd

import (
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/audit"
	"github.com/cloudgate/cloudgate/internal/identity"
	"github.com/cloudgate/cloudgate/internal/metrics"
	"github.com/cloudgate/cloudgate/internal/reqctx"
	"github.com/cloudgate/cloudgate/internal/session"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
)

// Env is what both Cloud Director dialects (/api and /cloudapi) share:
// sessions for Handle, the password login, hrefs, errors, the clock and the
// site. What only one dialect uses goes in that dialect's own Config.
type Env struct {
	Sessions  *session.Manager
	Directory *identity.Directory
	Metrics   *metrics.Metrics
	// Base returns the absolute URL root (scheme://host[:port]) of every
	// href and LoginUrl: govcd needs absolute hrefs that carry the host
	// and port it actually used.
	Base func(*http.Request) string
	Log  *slog.Logger
	Now  func() time.Time
	// Site names this installation in session objects and location ids
	// (one site: Cloud Director's multisite is out of scope).
	Site Site
}

// Site is the installation's site reference.
type Site struct {
	Name string
	ID   urn.UUID
}

// Call is one request on its way through a Cloud Director handler.
type Call struct {
	W       http.ResponseWriter
	R       *http.Request
	Version Version
	// Session is the caller's session on authenticated routes.
	Session *session.Session
	// Token is the presented session token (to hand to oauth assertions
	// and vCHS hand-offs; never logged).
	Token string
}

// Format is the error format of a route family.
type Format int

const (
	XML Format = iota
	JSON
)

// HandlerFunc handles a Call and returns an error to render.
type HandlerFunc func(c *Call) error

// Handle wraps h: negotiate the version (406 first: Cloud Director checks
// the version before the credentials), then, if auth, resolve the session
// (401), then run h and render its error in format.
func (env *Env) Handle(format Format, auth bool, h HandlerFunc) http.Handler {
	var neg negotiator
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := &Call{W: w, R: r}
		v, err := neg.negotiate(r.Header["Accept"])
		if err != nil {
			env.Error(format, w, r, nil, err)
			return
		}
		c.Version = v
		if auth {
			tok, err := SessionToken(r.Header)
			if err == nil && tok == "" {
				err = session.ErrInvalid
			}
			if err == nil {
				c.Session, err = env.Sessions.Resolve(r.Context(), tok)
				c.Token = tok
			}
			if err != nil {
				if apierr.Is(err, apierr.Unauthenticated) {
					w.Header().Set("WWW-Authenticate", `Bearer realm="vCloud"`)
				}
				env.Error(format, w, r, &c.Version, err)
				return
			}
		}
		if err := h(c); err != nil {
			env.Error(format, w, r, &c.Version, err)
		}
	})
}

// Error renders err in format.
func (env *Env) Error(format Format, w http.ResponseWriter, r *http.Request, v *Version, err error) {
	if format == XML {
		WriteXMLError(w, r, env.Log, v, err)
	} else {
		WriteJSONError(w, r, env.Log, v, err)
	}
}

// Route registers one path with a handler per method; other methods get
// 405 with an Allow header, in format. HEAD is served by GET. One
// method-less pattern per path keeps ServeMux's precedence simple (a
// literal segment such as /sessions/current always beats /sessions/{id}).
func (env *Env) Route(mux *http.ServeMux, format Format, path string, byMethod map[string]http.Handler) {
	allow := make([]string, 0, len(byMethod)+1)
	for m := range byMethod {
		allow = append(allow, m)
		if m == http.MethodGet {
			allow = append(allow, http.MethodHead)
		}
	}
	sortStrings(allow)
	allowHeader := strings.Join(allow, ", ")
	get := byMethod[http.MethodGet]
	mux.Handle(path, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := byMethod[r.Method]
		if h == nil && r.Method == http.MethodHead {
			h = get
		}
		if h != nil {
			h.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Allow", allowHeader)
		env.Error(format, w, r, nil, apierr.New(apierr.MethodNotAllowed, "HTTP method %s is not allowed here; allowed: %s", r.Method, allowHeader))
	}))
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// NotFound answers an unknown path below a dialect's root with 404 in
// format. Unknown paths are never 2xx (some clients probe, for example,
// /api/iam/login to decide what they are talking to).
func (env *Env) NotFound(format Format) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		env.Error(format, w, r, nil, apierr.New(apierr.NoRoute, "The requested resource does not exist."))
	})
}

// Login is PasswordLogin with the Env's directory and metrics.
func (env *Env) Login(r *http.Request, dialect, clientIP, requestID string) (identity.Account, error) {
	return PasswordLogin(env.Directory, env.Metrics, r, dialect, clientIP, requestID)
}

// PasswordLogin runs a password login with Basic credentials for a login
// endpoint of the Cloud Director family (vCloud Air's included), counts
// its outcome in m, and returns the account. Missing Authorization is 403
// (Cloud Director's documented answer); anything else that fails is the
// one ErrBadCredentials (401).
func PasswordLogin(dir *identity.Directory, m *metrics.Metrics, r *http.Request, dialect, clientIP, requestID string) (identity.Account, error) {
	b, present, ok := ParseBasic(r.Header)
	if !present {
		m.Login(dialect, "no_credentials")
		return identity.Account{}, apierr.New(apierr.Forbidden, "This operation requires credentials: send Authorization: Basic base64(user@org:password).")
	}
	if !ok {
		m.Login(dialect, identity.OutcomeBadPassword)
		return identity.Account{}, identity.ErrBadCredentials
	}
	acct, outcome, err := dir.Authenticate(r.Context(), identity.Credentials{Org: b.Org, User: b.User,
		Password: b.Password, ClientIP: clientIP, RequestID: requestID, Dialect: dialect, UserAgent: r.UserAgent()})
	m.Login(dialect, outcome)
	return acct, err
}

// Actor describes the caller of c for the audit log.
func Actor(c *Call) audit.Actor {
	info := reqctx.From(c.R.Context())
	a := audit.Actor{ClientIP: info.ClientIP, RequestID: info.ID, UserAgent: info.UserAgent}
	if c.Session != nil {
		a.ID, a.Name, a.OrgID = c.Session.Principal.UserID, c.Session.Principal.UserName, c.Session.Principal.OrgID
	}
	return a
}

// LoginAudit is the audit event of a successful password login through
// dialect, written with the session it created.
func LoginAudit(acct identity.Account, dialect string, info *reqctx.Info, at time.Time) store.AuditEvent {
	by := audit.Actor{ID: acct.User.ID, Name: acct.User.Name, OrgID: acct.Org.ID, ClientIP: info.ClientIP, RequestID: info.ID, UserAgent: info.UserAgent}
	return audit.Event(by, at, "login", audit.Success, "", dialect)
}
