package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/audit"
	"github.com/cloudgate/cloudgate/internal/identity"
	"github.com/cloudgate/cloudgate/internal/reqctx"
	"github.com/cloudgate/cloudgate/internal/session"
	"github.com/cloudgate/cloudgate/internal/store"
)

// picker serves GET /: a person names their organization and is sent to
// its sign-in page. Org names are never listed: a visitor who is not
// signed in must not learn which tenants exist.
func (p *Pages) picker(c *call) error {
	c.realm = realm{Prefix: "", Org: ""}
	org := strings.TrimSpace(c.r.URL.Query().Get("org"))
	if org == "" {
		p.render(c, http.StatusOK, "picker", &view{Title: "Sign in"})
		return nil
	}
	if strings.EqualFold(org, identity.SystemOrgName) {
		c.seeOther("/provider/")
		return nil
	}
	if identity.ValidateOrgName(org) != nil {
		p.render(c, http.StatusBadRequest, "picker", &view{Title: "Sign in",
			Fields: map[string]string{"org": "An organization name has letters, digits, dots, dashes and underscores only."}})
		return nil
	}
	c.seeOther("/tenant/" + url.PathEscape(org) + "/")
	return nil
}

// signInPage serves GET {realm}/: the sign-in form, or the person's tokens
// when they are signed in to this org already.
func (p *Pages) signInPage(c *call) error {
	if c.sess != nil && strings.EqualFold(c.sess.Principal.OrgName, c.realm.Org) {
		return c.redirect("/tokens")
	}
	p.render(c, http.StatusOK, "signin", &view{Title: "Sign in to " + c.realm.Org})
	return nil
}

// signIn serves POST {realm}/signin. It is the same login as every
// dialect's (identity.Authenticate: argon2id, lockout, per-address
// budget, one answer for every refusal) and makes a normal session of
// dialect "web". The browser gets a new cookie value at every sign-in and
// the session it held before ends: a cookie planted before sign-in is
// never promoted (session fixation).
func (p *Pages) signIn(c *call) error {
	if err := c.r.ParseForm(); err != nil {
		return apierr.New(apierr.Invalid, "The form could not be read.")
	}
	user := strings.TrimSpace(c.r.PostForm.Get("username"))
	pass := c.r.PostForm.Get("password")
	v := &view{Title: "Sign in to " + c.realm.Org, Data: map[string]string{"Username": user}}
	if user == "" || pass == "" {
		v.Fields = map[string]string{}
		if user == "" {
			v.Fields["username"] = "Enter your user name."
		}
		if pass == "" {
			v.Fields["password"] = "Enter your password."
		}
		p.render(c, http.StatusBadRequest, "signin", v)
		return nil
	}
	info := reqctx.From(c.ctx())
	acct, outcome, err := p.cfg.Directory.Authenticate(c.ctx(), identity.Credentials{Org: c.realm.Org, User: user,
		Password: pass, ClientIP: info.ClientIP, RequestID: info.ID, Dialect: Dialect})
	if p.cfg.Logins != nil {
		p.cfg.Logins.Login(Dialect, outcome)
	}
	if err == nil && !strings.EqualFold(acct.Org.Name, c.realm.Org) {
		err = identity.ErrBadCredentials
	}
	if err != nil {
		if apierr.Is(err, apierr.Unauthenticated) {
			v.Error = "Invalid user name or password."
			p.render(c, http.StatusUnauthorized, "signin", v)
			return nil
		}
		return err
	}
	by := audit.Actor{ID: acct.User.ID, Name: acct.User.Name, OrgID: acct.Org.ID, ClientIP: info.ClientIP, RequestID: info.ID}
	issued, err := p.cfg.Sessions.Create(c.ctx(), session.Spec{User: acct.User, Org: acct.Org, Role: acct.Role,
		Origin: store.OriginPassword, Dialect: Dialect, ClientIP: info.ClientIP, UserAgent: c.r.UserAgent(),
		Audit: []store.AuditEvent{audit.Event(by, p.cfg.Now(), "login", audit.Success, "", Dialect)}})
	if err != nil {
		if apierr.Is(err, apierr.Unauthenticated) {
			v.Error = "Invalid user name or password."
			p.render(c, http.StatusUnauthorized, "signin", v)
			return nil
		}
		return err
	}
	if c.sess != nil {
		_ = p.cfg.Sessions.EndAs(c.ctx(), c.sess.ID, "signed in again", c.actor(), true)
	}
	setCookie(c.w, issued.Token)
	return c.redirect("/tokens")
}

// signOut serves POST {realm}/signout: the session ends on every instance.
func (p *Pages) signOut(c *call) error {
	if err := p.cfg.Sessions.EndAs(c.ctx(), c.sess.ID, "logout", c.actor(), true); err != nil && !apierr.Is(err, apierr.Unauthenticated) {
		return err
	}
	clearCookie(c.w)
	return c.redirect("/")
}
