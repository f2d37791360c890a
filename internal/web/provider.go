package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/identity"
)

func urlQuery(s string) string { return url.QueryEscape(s) }

// requireSysAdmin admits System administrators only (the provider pages).
func requireSysAdmin(c *call) error {
	if !c.sess.Principal.SystemAdmin() {
		return apierr.New(apierr.Forbidden, "Only a System administrator may open this page.")
	}
	return nil
}

type timeoutsData struct {
	Idle, Lifetime string
}

// timeouts serves GET /provider/administration/general/timeouts.
func (p *Pages) timeouts(c *call) error {
	if err := requireSysAdmin(c); err != nil {
		return err
	}
	set := p.cfg.Settings.Get()
	v := &view{Title: "Timeouts", Data: timeoutsData{Idle: duration(set.IdleTimeout), Lifetime: duration(set.MaxLifetime)}}
	if c.r.URL.Query().Get("saved") != "" {
		v.Notice = "Saved. Every live session follows the new timeouts from now on."
	}
	p.render(c, http.StatusOK, "timeouts", v)
	return nil
}

// setTimeouts serves POST /provider/administration/general/timeouts with
// the validation of `cloudgate settings set` (settings.Holder.Set); the
// change reaches every instance through the change feed.
func (p *Pages) setTimeouts(c *call) error {
	if err := requireSysAdmin(c); err != nil {
		return err
	}
	d := timeoutsData{Idle: strings.TrimSpace(c.r.PostForm.Get("idle")), Lifetime: strings.TrimSpace(c.r.PostForm.Get("lifetime"))}
	fields := map[string]string{}
	for _, f := range []struct{ field, key, value string }{
		{"idle", "session-idle-timeout", d.Idle}, {"lifetime", "session-max-lifetime", d.Lifetime},
	} {
		if err := p.cfg.Settings.Set(c.ctx(), c.actor(), f.key, f.value); err != nil {
			e := apierr.As(err)
			if e.Kind != apierr.Invalid {
				return err
			}
			fields[f.field] = e.Message
		}
	}
	if len(fields) > 0 {
		p.render(c, http.StatusBadRequest, "timeouts", &view{Title: "Timeouts", Fields: fields, Data: d})
		return nil
	}
	return c.redirect("/administration/general/timeouts?saved=1")
}

type orgRow struct {
	Name, FullName, Created string
	Enabled, System         bool
}

// orgs serves GET /provider/administration/organizations.
func (p *Pages) orgs(c *call) error {
	if err := requireSysAdmin(c); err != nil {
		return err
	}
	list, err := p.cfg.Directory.Orgs(c.ctx())
	if err != nil {
		return err
	}
	rows := make([]orgRow, 0, len(list))
	for _, o := range list {
		rows = append(rows, orgRow{Name: o.Name, FullName: o.FullName, Created: when(o.CreatedAt), Enabled: o.Enabled,
			System: strings.EqualFold(o.Name, identity.SystemOrgName)})
	}
	v := &view{Title: "Organizations", Data: rows}
	if n := c.r.URL.Query().Get("done"); n != "" {
		v.Notice = "Done: " + n + "."
	}
	p.render(c, http.StatusOK, "orgs", v)
	return nil
}

// setOrgState serves POST /provider/administration/organizations/{name}/state
// with action=disable|enable (disabling ends the org's sessions).
func (p *Pages) setOrgState(c *call) error {
	if err := requireSysAdmin(c); err != nil {
		return err
	}
	name := c.r.PathValue("name")
	var enable bool
	switch c.r.PostForm.Get("action") {
	case "enable":
		enable = true
	case "disable":
	default:
		return apierr.New(apierr.Invalid, "Unknown action.")
	}
	o, err := p.cfg.Directory.SetOrgEnabled(c.ctx(), c.actor(), name, enable)
	if err != nil {
		return err
	}
	done := o.Name + " enabled"
	if !enable {
		done = o.Name + " disabled, its sessions ended"
	}
	return c.redirect("/administration/organizations?done=" + urlQuery(done))
}
