package web

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/audit"
	"github.com/cloudgate/cloudgate/internal/grant"
	"github.com/cloudgate/cloudgate/internal/identity"
	"github.com/cloudgate/cloudgate/internal/reqctx"
	"github.com/cloudgate/cloudgate/internal/session"
	"github.com/cloudgate/cloudgate/internal/store"
)

// cookieName carries the web session (session.CookieName).
const cookieName = session.CookieName

// contentSecurityPolicy allows the pages only their own style sheet,
// script and images: no inline script or style, no framing, no form
// posted anywhere else, no request to another host.
const contentSecurityPolicy = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// realm is the organization a page belongs to: /provider is the System
// org, /tenant/{org} a tenant.
type realm struct {
	Prefix   string // "/provider" or "/tenant/acme" (escaped)
	Org      string // "System" or the org as written in the path
	Provider bool
}

func (r realm) oauth() grant.Realm { return grant.Realm{Provider: r.Provider, Org: r.Org} }

// call is one request to a page.
type call struct {
	w     http.ResponseWriter
	r     *http.Request
	realm realm
	// sess is the signed-in web session (nil on public pages when nobody
	// is signed in), token its secret (the cookie), form its form token.
	sess  *session.Session
	token string
	form  string
	// org is the realm's organization on administration pages (a System
	// administrator may act on any org).
	org store.Org
}

func (c *call) ctx() context.Context { return c.r.Context() }

// client describes the caller for the audit log and guess limits.
func (c *call) client() grant.Client {
	info := reqctx.From(c.ctx())
	return grant.Client{IP: info.ClientIP, UserAgent: c.r.UserAgent(), RequestID: info.ID}
}

// actor is the signed-in person, for the audit log.
func (c *call) actor() audit.Actor {
	info := reqctx.From(c.ctx())
	a := audit.Actor{ClientIP: info.ClientIP, RequestID: info.ID}
	if c.sess != nil {
		a.ID, a.Name, a.OrgID = c.sess.Principal.UserID, c.sess.Principal.UserName, c.sess.Principal.OrgID
	}
	return a
}

// seeOther answers 303 See Other to a path on this server. Every redirect
// of the pages goes through it; the targets are built from the realm (from
// the route) and from back links checked by safeBack, and anything that is
// not a local path is sent to "/" instead of being followed.
func (c *call) seeOther(target string) {
	if !strings.HasPrefix(target, "/") || strings.HasPrefix(target, "//") || strings.ContainsAny(target, "\\\r\n") {
		target = "/"
	}
	http.Redirect(c.w, c.r, target, http.StatusSeeOther) // #nosec G710 -- a local path, checked above
}

// redirect answers 303 See Other to a path under the realm.
func (c *call) redirect(path string) error {
	c.seeOther(c.realm.Prefix + path)
	return nil
}

type handlerFunc func(c *call) error

// realmOf reads the realm from the path. The System org is served only at
// /provider, as its API logins are only at /sessions/provider.
func realmOf(r *http.Request) (realm, error) {
	org := r.PathValue("org")
	if org == "" {
		return realm{Prefix: "/provider", Org: identity.SystemOrgName, Provider: true}, nil
	}
	if strings.EqualFold(org, identity.SystemOrgName) {
		return realm{}, errSystemAtProvider
	}
	if identity.ValidateOrgName(org) != nil {
		return realm{}, errNoPage
	}
	return realm{Prefix: "/tenant/" + url.PathEscape(org), Org: org}, nil
}

var (
	errNoPage           = apierr.New(apierr.NotFound, "There is no such page.")
	errSystemAtProvider = apierr.New(apierr.NotFound, "The System organization signs in at /provider/.")
	errBadForm          = apierr.New(apierr.Forbidden, "This form has expired or did not come from this site. Reload the page and try again.")
)

// setHeaders sets what every page answers with.
func setHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	// Pages show tokens, sessions and (once) secrets: none may be kept by
	// the browser or a proxy, and the back button must ask again.
	h.Set("Cache-Control", "no-store")
}

// start builds the call: headers, realm, and the session the cookie names
// (if any, and only a web session).
func (p *Pages) start(w http.ResponseWriter, r *http.Request) (*call, error) {
	setHeaders(w)
	c := &call{w: w, r: r}
	var err error
	if c.realm, err = realmOf(r); err != nil {
		return c, err
	}
	ck, err := r.Cookie(cookieName)
	if err != nil || ck.Value == "" {
		return c, nil
	}
	s, err := p.cfg.Sessions.Resolve(r.Context(), ck.Value)
	if err != nil {
		if apierr.Is(err, apierr.Unavailable) {
			return c, err
		}
		return c, nil // ended, expired or made up: signed out
	}
	if s.Dialect != Dialect {
		// Only sessions made by signing in here: a bearer token some API
		// issued is never promoted to a browser session.
		return c, nil
	}
	c.sess, c.token, c.form = s, ck.Value, formToken(ck.Value)
	return c, nil
}

// formToken derives the session's form token from its secret: unguessable
// without the cookie, the same on every instance, nothing to store.
func formToken(sessionToken string) string {
	m := hmac.New(sha256.New, []byte(sessionToken))
	m.Write([]byte("cloudgate web form token"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// public wraps a page anyone may open (the sign-in pages).
func (p *Pages) public(fn handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := p.start(w, r)
		if err == nil && r.Method != http.MethodGet {
			err = p.checkOrigin(c)
		}
		if err == nil {
			err = fn(c)
		}
		if err != nil {
			p.fail(c, err)
		}
	})
}

// page wraps a page of the signed-in person in their own org; anyone else
// is sent to the realm's sign-in page.
func (p *Pages) page(fn handlerFunc) http.Handler { return p.wrap(fn, false, false) }

// change wraps a state change of the signed-in person: cross-origin
// requests and forms without the session's form token are refused.
func (p *Pages) change(fn handlerFunc) http.Handler { return p.wrap(fn, false, true) }

// admin wraps an administration page of the realm's org: the org's own
// members (their rights decide what they see) and System administrators.
func (p *Pages) admin(fn handlerFunc) http.Handler { return p.wrap(fn, true, false) }

func (p *Pages) adminChange(fn handlerFunc) http.Handler { return p.wrap(fn, true, true) }

func (p *Pages) wrap(fn handlerFunc, admin, change bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := p.start(w, r)
		if err == nil && change {
			// Checked before the session: a forged post learns nothing,
			// not even whether the victim is signed in.
			err = p.checkOrigin(c)
		}
		if err == nil {
			err = p.authorize(c, admin, change)
		}
		if err == nil {
			err = fn(c)
		}
		if errors.Is(err, errSignIn) {
			if r.Method == http.MethodGet {
				_ = c.redirect("/")
				return
			}
			err = apierr.New(apierr.Unauthenticated, "You are signed out. Sign in again, then repeat what you were doing.")
		}
		if err != nil {
			p.fail(c, err)
		}
	})
}

var errSignIn = errors.New("sign in first")

func (p *Pages) checkOrigin(c *call) error {
	if err := p.origin.Check(c.r); err != nil {
		return errBadForm
	}
	return nil
}

func (p *Pages) authorize(c *call, admin, change bool) error {
	if c.sess == nil {
		return errSignIn
	}
	pr := &c.sess.Principal
	own := strings.EqualFold(pr.OrgName, c.realm.Org)
	switch {
	case own:
	case admin && pr.SystemAdmin():
	default:
		return errSignIn
	}
	if change {
		if err := c.r.ParseForm(); err != nil {
			return apierr.New(apierr.Invalid, "The form could not be read.")
		}
		if !hmac.Equal([]byte(c.r.PostForm.Get("form_token")), []byte(c.form)) {
			return errBadForm
		}
	}
	if admin {
		org, err := p.cfg.Directory.Org(c.ctx(), c.realm.Org)
		if err != nil {
			if apierr.Is(err, apierr.NotFound) {
				return errNoPage
			}
			return err
		}
		c.org = org
	}
	return nil
}

// setCookie hands the browser a session: Secure, HttpOnly (no script
// reads it), SameSite=Lax (not sent with cross-site posts), host-only.
func setCookie(w http.ResponseWriter, token string) {
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: token, Path: "/", Secure: true, HttpOnly: true,
		SameSite: http.SameSiteLaxMode})
}

func clearCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: "/", Secure: true, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

// status is the one place a page chooses a status from an error kind.
func status(k apierr.Kind) int {
	switch k {
	case apierr.Invalid:
		return http.StatusBadRequest
	case apierr.Unauthenticated:
		return http.StatusUnauthorized
	case apierr.Forbidden:
		return http.StatusForbidden
	case apierr.NotFound, apierr.NoRoute:
		return http.StatusNotFound
	case apierr.Conflict:
		return http.StatusConflict
	case apierr.TooLarge:
		return http.StatusRequestEntityTooLarge
	case apierr.TooMany:
		return http.StatusTooManyRequests
	case apierr.Unavailable:
		return http.StatusServiceUnavailable
	case apierr.MethodNotAllowed:
		return http.StatusMethodNotAllowed
	}
	return http.StatusInternalServerError
}

// fail renders an error page. Internal errors are logged with the request
// id and shown as a generic message.
func (p *Pages) fail(c *call, err error) {
	e := apierr.As(err)
	msg := e.Message
	if e.Kind == apierr.Internal {
		p.cfg.Log.Error("web page failed", "request_id", reqctx.From(c.ctx()).ID, "path", c.r.URL.Path, "err", err)
		msg = "Something went wrong on the server. Try again; if it keeps failing, tell your administrator the request id " +
			reqctx.From(c.ctx()).ID + "."
	}
	if e.RetryAfter > 0 {
		c.w.Header().Set("Retry-After", e.RetryAfterHeader())
	}
	p.render(c, status(e.Kind), "error", &view{Title: "Error", Error: msg})
}
