package web

import (
	"net/http"
	"strings"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/serviceaccount"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
)

type accountRow struct {
	ID, Name, Org, Role, Status, Software, URI, Created string
}

type accountsData struct {
	Accounts []accountRow
	ListNote string
	Code     string
	// Pending is the account a looked-up user code belongs to.
	Pending *accountRow
}

func accountRowOf(a store.ServiceAccountRow) accountRow {
	sw := a.SoftwareID
	if a.SoftwareVersion != "" {
		sw += " " + a.SoftwareVersion
	}
	return accountRow{ID: a.ID.String(), Name: a.Name, Org: a.OrgName, Role: a.RoleName, Status: string(a.Status),
		Software: sw, URI: a.URI, Created: when(a.CreatedAt)}
}

// ctxOrg is the tenant context the service-account calls get: none at
// /provider for a System administrator (every org), else the realm's org.
func (c *call) ctxOrg() urn.UUID {
	if c.realm.Provider {
		return urn.UUID{}
	}
	return c.org.ID
}

// accounts serves GET {realm}/administration/settings/service-accounts,
// the URI every device authorization names (verification_uri): the
// approval form and the org's service accounts.
func (p *Pages) accounts(c *call) error {
	return p.showAccounts(c, http.StatusOK, &view{}, accountsData{Code: c.r.URL.Query().Get("user_code")})
}

func (p *Pages) showAccounts(c *call, code int, v *view, d accountsData) error {
	rows, _, err := p.cfg.Accounts.List(c.ctx(), &c.sess.Principal, c.ctxOrg(), store.ServiceAccountQuery{
		Sort: []store.Sort{{Field: "createdAt", Desc: true}}, Page: store.Page{Limit: 200}})
	if err != nil {
		if !apierr.Is(err, apierr.Forbidden) {
			return err
		}
		d.ListNote = apierr.As(err).Message
	}
	for _, a := range rows {
		d.Accounts = append(d.Accounts, accountRowOf(a))
	}
	v.Title, v.Data = "Service accounts", d
	if n := c.r.URL.Query().Get("done"); n != "" && v.Notice == "" {
		v.Notice = n
	}
	p.render(c, code, "accounts", v)
	return nil
}

// lookupCode serves POST .../service-accounts/lookup: which account asks
// with this user code (RFC 8628 §5.4: the person sees what they approve).
// Unknown codes count against the same guess limits as the API's
// /deviceLookup, since it is the same call.
func (p *Pages) lookupCode(c *call) error {
	code := strings.TrimSpace(c.r.PostForm.Get("user_code"))
	d := accountsData{Code: code}
	if code == "" {
		return p.showAccounts(c, http.StatusBadRequest, &view{Fields: map[string]string{"user_code": "Enter the code the device shows."}}, d)
	}
	row, err := p.cfg.Accounts.Lookup(c.ctx(), &c.sess.Principal, c.ctxOrg(), code, c.client())
	if err != nil {
		return p.codeError(c, err, d)
	}
	a := accountRowOf(row)
	d.Pending = &a
	if norm, ok := serviceaccount.NormalizeUserCode(code); ok {
		d.Code = serviceaccount.FormatUserCode(norm) // as the device shows it
	}
	return p.showAccounts(c, http.StatusOK, &view{}, d)
}

// codeError shows a refused user code next to the field; a guess limit
// answers 429 with Retry-After, as the API does.
func (p *Pages) codeError(c *call, err error, d accountsData) error {
	e := apierr.As(err)
	switch e.Kind {
	case apierr.Invalid, apierr.TooMany:
		if e.RetryAfter > 0 {
			c.w.Header().Set("Retry-After", e.RetryAfterHeader())
		}
		return p.showAccounts(c, status(e.Kind), &view{Fields: map[string]string{"user_code": e.Message}}, d)
	}
	return err
}

// decideCode serves POST .../service-accounts/decide with decision=grant
// or deny (serviceaccount.Grant / Deny, the API's /deviceLookup/grant and
// /deny).
func (p *Pages) decideCode(c *call) error {
	code := strings.TrimSpace(c.r.PostForm.Get("user_code"))
	decide, done := p.cfg.Accounts.Deny, "Denied: the device is told access_denied."
	switch c.r.PostForm.Get("decision") {
	case "grant":
		decide, done = p.cfg.Accounts.Grant, "Granted: the device gets its tokens at its next poll."
	case "deny":
	default:
		return apierr.New(apierr.Invalid, "Choose grant or deny.")
	}
	if err := decide(c.ctx(), &c.sess.Principal, c.ctxOrg(), code, c.client()); err != nil {
		return p.codeError(c, err, accountsData{Code: code})
	}
	c.seeOther(c.realm.Prefix + "/administration/settings/service-accounts?done=" + urlQuery(done))
	return nil
}

// revokeAccount serves POST .../service-accounts/{id}/revoke
// (serviceaccount.Revoke: its tokens and sessions end).
func (p *Pages) revokeAccount(c *call) error {
	id, err := urn.ParseEither(c.r.PathValue("id"), urn.ServiceAccount)
	if err != nil {
		return errNoPage
	}
	if err := p.cfg.Accounts.Revoke(c.ctx(), &c.sess.Principal, c.ctxOrg(), id, c.client()); err != nil {
		return err
	}
	c.seeOther(c.realm.Prefix + "/administration/settings/service-accounts?done=" +
		urlQuery("Revoked: the account's tokens and sessions ended."))
	return nil
}
