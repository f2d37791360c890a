package web

import (
	"bytes"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cloudgate/cloudgate/internal/identity"
)

// view is what every template receives: the layout's parts and the page's
// own Data.
type view struct {
	Title string
	// Realm, Me and Form are filled by render from the call.
	Realm realm
	Me    *me
	Form  string
	Nav   []navItem
	// Notice is a confirmation, Error a problem not tied to one field;
	// Fields holds messages shown next to the named inputs.
	Notice string
	Error  string
	Fields map[string]string
	Data   any
}

type me struct {
	Name     string // user@org
	Prefix   string // the person's own realm: their pages and sign-out
	Users    bool   // may open the org's users pages
	Accounts bool   // may open the service-accounts page
	Sys      bool   // System administrator
}

type navItem struct {
	Label, Href string
	Current     bool
}

func parseTemplates() map[string]*template.Template {
	funcs := template.FuncMap{"when": when, "table": sessionTable}
	base := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html"))
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	out := map[string]*template.Template{}
	for _, n := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if name == "layout" {
			continue
		}
		out[name] = template.Must(template.Must(base.Clone()).ParseFS(templateFS, n))
	}
	return out
}

// when formats a time for people: UTC, to the minute; "never" for zero.
func when(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// render writes a page. It is rendered into a buffer first so that a
// template failure is an error page, never half a page.
func (p *Pages) render(c *call, code int, name string, v *view) {
	v.Realm = c.realm
	if c.sess != nil {
		pr := &c.sess.Principal
		v.Me = &me{Name: pr.UserName + "@" + pr.OrgName, Prefix: ownRealm(pr.OrgName).Prefix, Sys: pr.SystemAdmin(),
			Users:    pr.SystemAdmin() || pr.Can(identity.RightUserView),
			Accounts: pr.SystemAdmin() || pr.Can(identity.RightServiceAccountView) || pr.Can(identity.RightServiceAccountMgmt)}
		v.Form = c.form
		v.Nav = p.nav(c, v.Me)
	}
	var buf bytes.Buffer
	if err := p.tmpl[name].Execute(&buf, v); err != nil {
		p.cfg.Log.Error("rendering a page", "page", name, "err", err)
		http.Error(c.w, "internal error rendering the page", http.StatusInternalServerError)
		return
	}
	c.w.Header().Set("Content-Type", "text/html; charset=utf-8")
	c.w.WriteHeader(code)
	_, _ = c.w.Write(buf.Bytes()) // a failed write means the browser left
}

// nav lists the pages the person may open, in their own realm (or, for a
// System administrator, also the org they are administering).
func (p *Pages) nav(c *call, m *me) []navItem {
	items := []navItem{
		{Label: "API tokens", Href: m.Prefix + "/tokens"},
		{Label: "Sessions", Href: m.Prefix + "/sessions"},
		{Label: "Password", Href: m.Prefix + "/password"},
	}
	// Administration pages are those of the org on screen: a System
	// administrator administers any org from its own pages.
	if m.Users {
		items = append(items, navItem{Label: "Users", Href: c.realm.Prefix + "/administration/users"})
	}
	if m.Accounts {
		items = append(items, navItem{Label: "Service accounts", Href: c.realm.Prefix + "/administration/settings/service-accounts"})
	}
	if m.Sys {
		items = append(items, navItem{Label: "Timeouts", Href: "/provider/administration/general/timeouts"},
			navItem{Label: "Organizations", Href: "/provider/administration/organizations"})
	}
	for i := range items {
		items[i].Current = strings.HasPrefix(c.r.URL.Path, items[i].Href)
	}
	return items
}

// ownRealm is the realm of an org's own pages.
func ownRealm(org string) realm {
	if strings.EqualFold(org, identity.SystemOrgName) {
		return realm{Prefix: "/provider", Org: identity.SystemOrgName, Provider: true}
	}
	return realm{Prefix: "/tenant/" + url.PathEscape(org), Org: org}
}

// duration formats a setting for people and for the form: 30m, 24h, 90s.
func duration(d time.Duration) string {
	switch {
	case d%time.Hour == 0:
		return strconv.FormatInt(int64(d/time.Hour), 10) + "h"
	case d%time.Minute == 0:
		return strconv.FormatInt(int64(d/time.Minute), 10) + "m"
	}
	return d.String()
}

// sessionTable is the data of the shared session table: the rows, where
// its forms post, and the page to come back to.
func sessionTable(prefix, form string, rows []sessionRow, back string) map[string]any {
	return map[string]any{"Prefix": prefix, "Form": form, "Rows": rows, "Back": back}
}
