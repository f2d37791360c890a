// Package web serves the pages people use: sign in, API tokens, sessions,
// password change, the organization administrator's views (users' tokens
// and sessions, service accounts and the device-authorization approval
// page) and the System administrator's (timeouts, organizations, users).
//
// The pages are server-rendered html/template files and static files
// embedded in the binary. They call the same domain services the API
// dialects call (identity, session, apitoken, serviceaccount, settings,
// authz): nothing a page does exists only here. A signed-in browser holds
// a normal cloudgate session of dialect "web" in a __Host- cookie; the
// cookie is read only by this package, so the APIs keep authenticating by
// header alone and stay free of cross-site request forgery.
package web

import (
	"embed"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/cloudgate/cloudgate/internal/apitoken"
	"github.com/cloudgate/cloudgate/internal/identity"
	"github.com/cloudgate/cloudgate/internal/serviceaccount"
	"github.com/cloudgate/cloudgate/internal/session"
	"github.com/cloudgate/cloudgate/internal/settings"
)

// Dialect is the name web sessions carry (store.Session.Dialect); every
// dialect's session list shows it.
const Dialect = "web"

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Config wires the pages to the domain services.
type Config struct {
	Sessions  *session.Manager
	Directory *identity.Directory
	Tokens    *apitoken.Service
	Accounts  *serviceaccount.Service
	Settings  *settings.Holder
	// Base returns scheme://host[:port] of the server as clients reach it
	// (for the usage snippets shown with a new token).
	Base func(*http.Request) string
	// Logins counts sign-in outcomes (the servers' login metric); optional.
	Logins interface{ Login(dialect, outcome string) }
	// PublicURL, when set, is an origin whose form posts are accepted
	// besides the request's own (a proxy may hand the pages another Host).
	PublicURL *url.URL
	Log       *slog.Logger
	Now       func() time.Time
}

// Pages serves the web pages.
type Pages struct {
	cfg    Config
	tmpl   map[string]*template.Template
	origin *http.CrossOriginProtection
}

// New parses the embedded templates; a template that does not parse is a
// programming error and panics at start, never at a request.
func New(cfg Config) *Pages {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	origin := http.NewCrossOriginProtection()
	if u := cfg.PublicURL; u != nil {
		if err := origin.AddTrustedOrigin(u.Scheme + "://" + u.Host); err != nil {
			cfg.Log.Warn("the public URL is not an origin; form posts are checked against each request's Host", "err", err)
		}
	}
	return &Pages{cfg: cfg, tmpl: parseTemplates(), origin: origin}
}

// Mount registers the pages on mux. Every path is named explicitly (no
// subtree is taken over), under / (the organization picker), /static/,
// /provider/ and /tenant/{org}/: paths no dialect uses.
func (p *Pages) Mount(mux *http.ServeMux) {
	static, _ := fs.Sub(staticFS, "static")
	files := http.FileServerFS(static)
	mux.Handle("GET /static/{file}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Static files hold nothing secret and change only with the
		// binary: caching them keeps every page after the first light.
		w.Header().Set("Cache-Control", "public, max-age=3600")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		http.StripPrefix("/static", files).ServeHTTP(w, r)
	}))
	mux.Handle("GET /{$}", p.public(p.picker))

	for _, prefix := range []string{"/provider", "/tenant/{org}"} {
		get := func(path string, h http.Handler) { mux.Handle("GET "+prefix+path, h) }
		post := func(path string, h http.Handler) { mux.Handle("POST "+prefix+path, h) }
		get("/{$}", p.public(p.signInPage))
		post("/signin", p.public(p.signIn))
		post("/signout", p.change(p.signOut))

		get("/tokens", p.page(p.tokens))
		post("/tokens", p.change(p.createToken))
		get("/tokens/{id}/revoke", p.admin(p.confirmRevoke))
		post("/tokens/{id}/revoke", p.adminChange(p.revokeToken))
		get("/sessions", p.page(p.sessions))
		post("/sessions/{id}/end", p.adminChange(p.endSession))
		post("/sessions/end-others", p.change(p.endOthers))
		get("/password", p.page(p.passwordPage))
		post("/password", p.change(p.changePassword))

		get("/administration/users", p.admin(p.users))
		get("/administration/users/{user}", p.admin(p.user))
		post("/administration/users/{user}/state", p.adminChange(p.setUserState))
		get("/administration/settings/service-accounts", p.admin(p.accounts))
		post("/administration/settings/service-accounts/lookup", p.adminChange(p.lookupCode))
		post("/administration/settings/service-accounts/decide", p.adminChange(p.decideCode))
		post("/administration/settings/service-accounts/{id}/revoke", p.adminChange(p.revokeAccount))
	}
	mux.Handle("GET /provider/administration/general/timeouts", p.page(p.timeouts))
	mux.Handle("POST /provider/administration/general/timeouts", p.change(p.setTimeouts))
	mux.Handle("GET /provider/administration/organizations", p.page(p.orgs))
	mux.Handle("POST /provider/administration/organizations/{name}/state", p.change(p.setOrgState))
}
