package sessionapi

import (
	"math"
	"net/http"
	"net/url"
	"strconv"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
)

// Paging limits of the source system.
const (
	DefaultPerPage = 10
	MaxPerPage     = 100
)

// sessionItem is one entry of GET /v2/session.
type sessionItem struct {
	Links    links  `json:"_links"`
	Key      string `json:"key"`
	Username string `json:"username"`
}

// sessionDetail is the one entry of GET /v2/session/{key}.
type sessionDetail struct {
	Domain              string `json:"domain"`
	IP                  string `json:"ip"`
	LastActiveTime      string `json:"lastActiveTime"`
	LastActiveTimeDelta string `json:"lastActiveTimeDelta"`
	LoginTime           string `json:"loginTime"`
	LoginTimeDelta      string `json:"loginTimeDelta"`
	UserAgent           string `json:"userAgent"`
	Username            string `json:"username"`
}

// fullName is the source system's "DOMAIN\user", with the org as domain.
func fullName(org, user string) string { return org + `\` + user }

// root serves GET /v2/: the resources of the API, as URLs.
func (a *API) root(c *call) error {
	base := a.cfg.Base(c.r)
	data := []string{base + "/v2/session"}
	writeJSON(c.w, http.StatusOK, envelope{Links: links{API: base + "/v2/", Self: base + "/v2/"}, Data: data,
		Meta: meta{Count: len(data), Time: elapsed(c.r), User: c.session.Principal.UserName}})
	return nil
}

// paging is a parsed page/per_page pair.
type paging struct{ page, perPage int }

// parsePaging reads page (from 1) and per_page (1 to 100, default 10).
// Every problem is a 400 that names the parameter; a page past the end is
// not a problem (it is empty).
func parsePaging(q url.Values) (paging, error) {
	p := paging{page: 1, perPage: DefaultPerPage}
	for _, name := range []string{"page", "per_page"} {
		if len(q[name]) > 1 {
			return p, apierr.New(apierr.Invalid, "query parameter %s is given more than once", name)
		}
	}
	if s := q.Get("per_page"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxPerPage {
			return p, apierr.New(apierr.Invalid, "per_page must be a whole number from 1 to %d", MaxPerPage)
		}
		p.perPage = n
	}
	if s := q.Get("page"); s != "" {
		// The offset (page-1)*per_page must fit the store's 32-bit range.
		limit := math.MaxInt32/p.perPage + 1
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > limit {
			return p, apierr.New(apierr.Invalid, "page must be a whole number from 1 to %d", limit)
		}
		p.page = n
	}
	return p, nil
}

// block builds meta.pages for total items at base (the list's URL).
func (p paging) block(base string, total int) *pages {
	n := (total + p.perPage - 1) / p.perPage
	at := func(page int) string {
		return base + "?page=" + strconv.Itoa(page) + "&per_page=" + strconv.Itoa(p.perPage)
	}
	out := &pages{FirstURL: at(1), LastURL: at(max(n, 1)), Page: p.page, Pages: n, PerPage: p.perPage, Total: total}
	if p.page < n {
		next := at(p.page + 1)
		out.NextURL = &next
	}
	if p.page > 1 {
		// Past the end, "previous" is the last page that has items.
		prev := at(min(p.page-1, max(n, 1)))
		out.PrevURL = &prev
	}
	return out
}

// list serves GET /v2/session: the caller's live sessions, newest first,
// whichever dialect made them. Only the caller's own: the source system
// lists "the sessions of the user making the request", whatever its rights.
func (a *API) list(c *call) error {
	p, err := parsePaging(c.r.URL.Query())
	if err != nil {
		return err
	}
	pr := &c.session.Principal
	rows, total, err := a.cfg.Sessions.List(c.r.Context(), store.SessionQuery{UserID: pr.UserID,
		Page: store.Page{Offset: (p.page - 1) * p.perPage, Limit: p.perPage}})
	if err != nil {
		return err
	}
	base := a.cfg.Base(c.r)
	items := make([]sessionItem, 0, len(rows))
	for _, r := range rows {
		key := r.ID.String()
		items = append(items, sessionItem{Links: links{Self: base + "/v2/session/" + key}, Key: key,
			Username: fullName(r.OrgName, r.UserName)})
	}
	writeJSON(c.w, http.StatusOK, envelope{Links: links{API: base + "/v2/", Self: base + "/v2/session"}, Data: items,
		Meta: meta{Count: len(items), Pages: p.block(base+"/v2/session", total), Time: elapsed(c.r), User: pr.UserName}})
	return nil
}

// errNoSession is the one answer for a key that is malformed, unknown,
// ended, expired, or not the caller's: nothing tells them apart.
var errNoSession = apierr.New(apierr.NotFound, "Session not found.")

// lookup returns the live session of the path's key if visible returns
// true for it.
func (a *API) lookup(c *call, visible func(store.Session) bool) (store.Session, error) {
	id, err := urn.ParseEither(c.r.PathValue("key"), urn.Session)
	if err != nil {
		return store.Session{}, errNoSession
	}
	rec, err := a.cfg.Sessions.Lookup(c.r.Context(), id)
	if apierr.Is(err, apierr.NotFound) || (err == nil && !visible(rec)) {
		return rec, errNoSession
	}
	return rec, err
}

// get serves GET /v2/session/{key}: one of the caller's own sessions in
// detail (times in the server's zone, deltas as Python timedeltas).
func (a *API) get(c *call) error {
	pr := &c.session.Principal
	rec, err := a.lookup(c, func(s store.Session) bool { return s.UserID == pr.UserID })
	if err != nil {
		return err
	}
	now, loc := a.cfg.Now(), a.cfg.Location
	base := a.cfg.Base(c.r)
	d := sessionDetail{Domain: pr.OrgName, IP: rec.ClientIP,
		LastActiveTime: formatTime(rec.LastActive, loc), LastActiveTimeDelta: timedelta(now.Sub(rec.LastActive)),
		LoginTime: formatTime(rec.CreatedAt, loc), LoginTimeDelta: timedelta(now.Sub(rec.CreatedAt)),
		UserAgent: rec.UserAgent, Username: fullName(pr.OrgName, pr.UserName)}
	writeJSON(c.w, http.StatusOK, envelope{Links: links{Self: base + "/v2/session/" + rec.ID.String(), Session: base + "/v2/session"},
		Data: []sessionDetail{d}, Meta: meta{Count: 1, Time: elapsed(c.r), User: pr.UserName}})
	return nil
}

// end serves DELETE /v2/session/{key} (cloudgate's addition): the caller
// ends one of its sessions, or, holding "Session: Manage All", any session
// of its org (a System administrator: any). 204 on success; the session's
// token is refused from then on, on every instance.
func (a *API) end(c *call) error {
	pr := &c.session.Principal
	rec, err := a.lookup(c, func(s store.Session) bool { return pr.CanSeeSession(s.UserID, s.OrgID) })
	if err != nil {
		return err
	}
	reason := "logout"
	if rec.UserID != pr.UserID {
		reason = "ended by " + pr.UserName
	}
	if err := a.cfg.Sessions.End(c.r.Context(), rec.ID, reason); err != nil {
		if apierr.Is(err, apierr.Unauthenticated) {
			return errNoSession // ended meanwhile
		}
		return err
	}
	c.w.WriteHeader(http.StatusNoContent)
	return nil
}
