package web

import (
	"net/http"
	"strings"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
)

// sessionRow is one session as the pages list it.
type sessionRow struct {
	ID, Kind, Address, Client, Login, LastActive string
	This                                         bool
}

// kinds names each dialect's sessions for people.
var kinds = map[string]string{
	"api":      "Cloud Director API (/api)",
	"cloudapi": "Cloud Director API (/cloudapi)",
	"vss":      "Session API (/v2)",
	"vchs":     "vCloud Air API",
	Dialect:    "Web browser",
}

func (p *Pages) sessionRowOf(c *call, s store.SessionRow) sessionRow {
	kind := kinds[s.Dialect]
	switch {
	case s.Origin == store.OriginAPIToken:
		kind = "API token"
	case s.Origin == store.OriginServiceAccount:
		kind = "Service account"
	case kind == "":
		kind = s.Dialect
	}
	ua := s.UserAgent
	if len(ua) > 80 {
		ua = ua[:77] + "..."
	}
	return sessionRow{ID: s.ID.String(), Kind: kind, Address: s.ClientIP, Client: ua, Login: when(s.CreatedAt),
		LastActive: when(s.LastActive), This: c.sess != nil && s.ID == c.sess.ID}
}

// listSessions lists the live sessions of user, every dialect's.
func (p *Pages) listSessions(c *call, user urn.UUID) ([]sessionRow, error) {
	rows, _, err := p.cfg.Sessions.List(c.ctx(), store.SessionQuery{UserID: user,
		Sort: []store.Sort{{Field: "createdAt", Desc: true}}, Page: store.Page{Limit: 500}})
	if err != nil {
		return nil, err
	}
	out := make([]sessionRow, 0, len(rows))
	for _, s := range rows {
		out = append(out, p.sessionRowOf(c, s))
	}
	return out, nil
}

// sessions serves GET {realm}/sessions: my live sessions in every dialect.
func (p *Pages) sessions(c *call) error {
	rows, err := p.listSessions(c, c.sess.Principal.UserID)
	if err != nil {
		return err
	}
	v := &view{Title: "Sessions", Data: rows}
	switch {
	case c.r.URL.Query().Get("ended") != "":
		v.Notice = "The session ended."
	case c.r.URL.Query().Get("others") != "":
		v.Notice = "Every other session of yours ended."
	}
	p.render(c, http.StatusOK, "sessions", v)
	return nil
}

// endSession serves POST {realm}/sessions/{id}/end: the owner, or someone
// who may manage the org's sessions, ends one session on every instance.
func (p *Pages) endSession(c *call) error {
	pr := &c.sess.Principal
	id, err := urn.ParseEither(c.r.PathValue("id"), urn.Session)
	if err != nil {
		return errNoPage
	}
	gone := apierr.New(apierr.NotFound, "That session has ended already or is not one you may end.")
	rec, err := p.cfg.Sessions.Lookup(c.ctx(), id)
	if apierr.Is(err, apierr.NotFound) || (err == nil && !pr.CanSeeSession(rec.UserID, rec.OrgID)) {
		return gone
	}
	if err != nil {
		return err
	}
	own := rec.UserID == pr.UserID
	reason := "logout"
	if !own {
		reason = "ended by " + pr.UserName + "@" + pr.OrgName
	}
	if err := p.cfg.Sessions.EndAs(c.ctx(), rec.ID, reason, c.actor(), own); err != nil {
		if apierr.Is(err, apierr.Unauthenticated) {
			return gone
		}
		return err
	}
	if rec.ID == c.sess.ID {
		clearCookie(c.w)
		return c.redirect("/")
	}
	back := safeBack(c, "/sessions")
	sep := "?"
	if strings.Contains(back, "?") {
		sep = "&"
	}
	c.seeOther(back + sep + "ended=1")
	return nil
}

// endOthers serves POST {realm}/sessions/end-others: "sign out everywhere
// else" ends every live session of mine but this browser's.
func (p *Pages) endOthers(c *call) error {
	pr := &c.sess.Principal
	rows, _, err := p.cfg.Sessions.List(c.ctx(), store.SessionQuery{UserID: pr.UserID, Page: store.Page{Limit: 1000}})
	if err != nil {
		return err
	}
	for _, s := range rows {
		if s.ID == c.sess.ID {
			continue
		}
		err := p.cfg.Sessions.EndAs(c.ctx(), s.ID, "signed out everywhere else", c.actor(), true)
		if err != nil && !apierr.Is(err, apierr.Unauthenticated) {
			return err
		}
	}
	return c.redirect("/sessions?others=1")
}
