package web

import (
	"net/http"
	"strings"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/identity"
	"github.com/cloudgate/cloudgate/internal/store"
)

type userRow struct {
	Name, FullName, Role string
	Enabled, Locked      bool
}

type usersData struct {
	Org       string
	Users     []userRow
	CanManage bool
}

// mayViewUsers: the org's members holding "Group / User: View", and
// System administrators.
func mayViewUsers(c *call) error {
	pr := &c.sess.Principal
	if !pr.InOrg(c.org.ID) {
		return errSignIn
	}
	return pr.Require(identity.RightUserView)
}

// users serves GET {realm}/administration/users: the org's users, with
// links to their tokens and sessions and, for those who may manage users,
// disable / enable / unlock.
func (p *Pages) users(c *call) error {
	if err := mayViewUsers(c); err != nil {
		return err
	}
	list, err := p.cfg.Directory.Users(c.ctx(), c.org.Name)
	if err != nil {
		return err
	}
	d := usersData{Org: c.org.Name, CanManage: c.sess.Principal.Can(identity.RightUserManage)}
	for _, u := range list {
		if u.Kind != store.KindUser {
			continue // service accounts have their own page
		}
		role := ""
		if r, err := p.cfg.Directory.RoleOf(c.ctx(), u); err == nil {
			role = r.Name
		}
		d.Users = append(d.Users, userRow{Name: u.Name, FullName: u.FullName, Role: role, Enabled: u.Enabled,
			Locked: p.cfg.Directory.Locked(u, c.org)})
	}
	v := &view{Title: "Users of " + c.org.Name, Data: d}
	if n := c.r.URL.Query().Get("done"); n != "" {
		v.Notice = "Done: " + n + "."
	}
	p.render(c, http.StatusOK, "users", v)
	return nil
}

type userData struct {
	Org, Name, Back string
	Tokens          []tokenRow
	TokensNote      string
	Sessions        []sessionRow
}

// user serves GET {realm}/administration/users/{user}: one user's API
// tokens and sessions, each revocable, as far as the viewer's rights
// reach (apitoken and session apply the same rules as the APIs).
func (p *Pages) user(c *call) error {
	if err := mayViewUsers(c); err != nil {
		return err
	}
	u, _, err := p.cfg.Directory.User(c.ctx(), c.org.Name, c.r.PathValue("user"))
	if err != nil {
		return err
	}
	pr := &c.sess.Principal
	d := userData{Org: c.org.Name, Name: u.Name, Back: c.r.URL.Path}
	if d.Tokens, err = p.listTokens(c, pr, u.ID); err != nil {
		if !apierr.Is(err, apierr.Forbidden) {
			return err
		}
		d.TokensNote = apierr.As(err).Message
	}
	if pr.CanSeeSession(u.ID, u.OrgID) {
		if d.Sessions, err = p.listSessions(c, u.ID); err != nil {
			return err
		}
	}
	v := &view{Title: u.Name + "@" + c.org.Name, Data: d}
	switch {
	case c.r.URL.Query().Get("revoked") != "":
		v.Notice = "The token was revoked and the sessions made from it ended."
	case c.r.URL.Query().Get("ended") != "":
		v.Notice = "The session ended."
	}
	p.render(c, http.StatusOK, "user", v)
	return nil
}

// setUserState serves POST {realm}/administration/users/{user}/state with
// action=disable|enable|unlock (identity: disabling ends the user's
// sessions everywhere).
func (p *Pages) setUserState(c *call) error {
	pr := &c.sess.Principal
	if !pr.InOrg(c.org.ID) {
		return errSignIn
	}
	if err := pr.Require(identity.RightUserManage); err != nil {
		return err
	}
	name := c.r.PathValue("user")
	if strings.EqualFold(name, pr.UserName) && c.org.ID == pr.OrgID && c.r.PostForm.Get("action") == "disable" {
		return apierr.New(apierr.Invalid, "You cannot disable yourself.")
	}
	var err error
	var done string
	switch c.r.PostForm.Get("action") {
	case "disable":
		_, err = p.cfg.Directory.SetUserEnabled(c.ctx(), c.actor(), c.org.Name, name, false)
		done = name + " disabled, their sessions ended"
	case "enable":
		_, err = p.cfg.Directory.SetUserEnabled(c.ctx(), c.actor(), c.org.Name, name, true)
		done = name + " enabled"
	case "unlock":
		_, err = p.cfg.Directory.Unlock(c.ctx(), c.actor(), c.org.Name, name)
		done = name + " unlocked"
	default:
		return apierr.New(apierr.Invalid, "Unknown action.")
	}
	if err != nil {
		return err
	}
	c.seeOther(c.realm.Prefix + "/administration/users?done=" + urlQuery(done))
	return nil
}
