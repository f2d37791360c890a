package web

import (
	"net/http"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/audit"
	"github.com/cloudgate/cloudgate/internal/identity"
	"github.com/cloudgate/cloudgate/internal/reqctx"
	"github.com/cloudgate/cloudgate/internal/session"
	"github.com/cloudgate/cloudgate/internal/store"
)

// passwordPage serves GET {realm}/password.
func (p *Pages) passwordPage(c *call) error {
	v := &view{Title: "Change password"}
	if err := c.sess.Principal.Require(identity.RightChangeOwnPassword); err != nil {
		v.Error = "Your role may not change its own password; ask your organization administrator."
	}
	if c.r.URL.Query().Get("changed") != "" {
		v.Notice = "Your password was changed. Your other sessions ended; this browser stays signed in."
	}
	p.render(c, http.StatusOK, "password", v)
	return nil
}

// changePassword serves POST {realm}/password. The current password is
// checked as a login is (so wrong guesses count towards the lockout); the
// new one is set with identity.SetPassword, which ends every session of
// the user on every instance. This browser then gets a new session, as if
// it had signed in with the new password.
func (p *Pages) changePassword(c *call) error {
	pr := &c.sess.Principal
	if err := pr.Require(identity.RightChangeOwnPassword); err != nil {
		return err
	}
	cur, next, again := c.r.PostForm.Get("current"), c.r.PostForm.Get("new"), c.r.PostForm.Get("confirm")
	bad := func(field, msg string) error {
		p.render(c, http.StatusBadRequest, "password", &view{Title: "Change password", Fields: map[string]string{field: msg}})
		return nil
	}
	switch {
	case cur == "":
		return bad("current", "Enter your current password.")
	case next == "":
		return bad("new", "Enter a new password.")
	case next != again:
		return bad("confirm", "The two new passwords differ.")
	case next == cur:
		return bad("new", "The new password must differ from the current one.")
	}
	info := reqctx.From(c.ctx())
	acct, _, err := p.cfg.Directory.Authenticate(c.ctx(), identity.Credentials{Org: pr.OrgName, User: pr.UserName,
		Password: cur, ClientIP: info.ClientIP, RequestID: info.ID, Dialect: Dialect})
	if err != nil {
		if apierr.Is(err, apierr.Unauthenticated) {
			return bad("current", "The current password is wrong.")
		}
		return err
	}
	if _, err := p.cfg.Directory.SetPassword(c.ctx(), c.actor(), acct.Org.Name, acct.User.Name, next); err != nil {
		if apierr.Is(err, apierr.Invalid) {
			return bad("new", apierr.As(err).Message)
		}
		return err
	}
	// Every session of the user ended, this one too. The browser signs in
	// again with the new password, through the same login as ever.
	acct, _, err = p.cfg.Directory.Authenticate(c.ctx(), identity.Credentials{Org: pr.OrgName, User: pr.UserName,
		Password: next, ClientIP: info.ClientIP, RequestID: info.ID, Dialect: Dialect})
	var issued session.Issued
	if err == nil {
		by := c.actor()
		issued, err = p.cfg.Sessions.Create(c.ctx(), session.Spec{User: acct.User, Org: acct.Org, Role: acct.Role,
			Origin: store.OriginPassword, Dialect: Dialect, ClientIP: info.ClientIP, UserAgent: c.r.UserAgent(),
			Audit: []store.AuditEvent{audit.Event(by, p.cfg.Now(), "login", audit.Success, "", Dialect+": new password")}})
	}
	if err != nil {
		p.cfg.Log.Warn("signing in again after a password change", "request_id", info.ID, "err", err)
		clearCookie(c.w)
		return c.redirect("/")
	}
	setCookie(c.w, issued.Token)
	return c.redirect("/password?changed=1")
}
