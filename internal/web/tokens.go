package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/apitoken"
	"github.com/cloudgate/cloudgate/internal/authz"
	"github.com/cloudgate/cloudgate/internal/fiql"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
)

// tokenRow is one API token as the pages list it.
type tokenRow struct {
	ID, Name, Owner          string
	Created, LastUsed, Until string
}

// expiries are the lifetimes the create form offers (within
// apitoken.MinLifetime..MaxLifetime); "" never expires.
var expiries = []struct{ Value, Label string }{
	{"", "Never"}, {"168h", "7 days"}, {"720h", "30 days"}, {"2160h", "90 days"}, {"8760h", "1 year"},
}

type tokensData struct {
	Tokens   []tokenRow
	Name     string
	Expiry   string
	Expiries any
}

// ownedBy narrows a token list to one owner (the list's reach may be the
// whole org for an administrator).
func ownedBy(id urn.UUID) fiql.Expr {
	e, err := fiql.Parse("owner.id==" + id.URN(urn.User))
	if err != nil {
		panic(err) // a URN always parses
	}
	return e
}

// listTokens lists the live tokens of owner within p's reach.
func (p *Pages) listTokens(c *call, pr *authz.Principal, owner urn.UUID) ([]tokenRow, error) {
	rows, _, err := p.cfg.Tokens.List(c.ctx(), pr, store.TokenQuery{Filter: ownedBy(owner),
		Sort: []store.Sort{{Field: "createdAt", Desc: true}}, Page: store.Page{Limit: 200}})
	if err != nil {
		return nil, err
	}
	out := make([]tokenRow, 0, len(rows))
	for _, t := range rows {
		out = append(out, tokenRow{ID: t.ID.String(), Name: t.Name, Owner: t.OwnerName + "@" + t.OrgName,
			Created: when(t.CreatedAt), LastUsed: when(t.LastUsedAt), Until: when(t.ExpiresAt)})
	}
	return out, nil
}

// tokens serves GET {realm}/tokens: my API tokens and the create form.
func (p *Pages) tokens(c *call) error {
	return p.showTokens(c, http.StatusOK, &view{}, tokensData{})
}

func (p *Pages) showTokens(c *call, code int, v *view, d tokensData) error {
	pr := &c.sess.Principal
	rows, err := p.listTokens(c, pr, pr.UserID)
	if err != nil {
		if !apierr.Is(err, apierr.Forbidden) {
			return err
		}
		v.Error = apierr.As(err).Message
	}
	d.Tokens, d.Expiries = rows, expiries
	v.Title, v.Data = "API tokens", d
	if c.r.URL.Query().Get("revoked") != "" && v.Notice == "" {
		v.Notice = "The token was revoked and the sessions made from it ended."
	}
	p.render(c, code, "tokens", v)
	return nil
}

// created is what the page shows once, in the answer to the create POST.
type created struct {
	Name, Secret, Base, OAuthPath, OrgName string
	Provider                               bool
}

// createToken serves POST {realm}/tokens: it registers a token and issues
// its secret, as the OAuth registration and jwt-bearer grant do (the same
// apitoken calls), then shows the secret in this answer only: never in a
// URL, a redirect or a log.
func (p *Pages) createToken(c *call) error {
	pr := &c.sess.Principal
	name := strings.TrimSpace(c.r.PostForm.Get("name"))
	expiry := c.r.PostForm.Get("expiry")
	d := tokensData{Name: name, Expiry: expiry}
	var life time.Duration
	if expiry != "" {
		ok := false
		for _, e := range expiries {
			ok = ok || e.Value == expiry
		}
		if ok {
			life, _ = time.ParseDuration(expiry)
		} else {
			return p.showTokens(c, http.StatusBadRequest, &view{Fields: map[string]string{"expiry": "Choose one of the offered expiries."}}, d)
		}
	}
	if name == "" {
		return p.showTokens(c, http.StatusBadRequest, &view{Fields: map[string]string{"name": "Give the token a name, for example the script that will use it."}}, d)
	}
	tok, err := p.cfg.Tokens.Register(c.ctx(), pr, c.realm.oauth(), apitoken.RegisterSpec{Name: name, Lifetime: life}, c.client())
	if err != nil {
		e := apierr.As(err)
		if e.Kind == apierr.Invalid || e.Kind == apierr.Conflict || e.Kind == apierr.Forbidden {
			msg := strings.Replace(e.Message, "client_name", "The name", 1)
			return p.showTokens(c, status(e.Kind), &view{Fields: map[string]string{"name": msg}}, d)
		}
		return err
	}
	grant, err := p.cfg.Tokens.Mint(c.ctx(), c.realm.oauth(), c.token, tok.ID.String(), c.client())
	if err != nil {
		return err
	}
	// The grant also made a session from the token, as the jwt-bearer
	// grant does for an API client; the page has no use for it.
	if s, err := p.cfg.Sessions.Resolve(c.ctx(), grant.AccessToken); err == nil {
		_ = p.cfg.Sessions.End(c.ctx(), s.ID, "unused: token created in the web page")
	}
	data := created{Name: tok.Name, Secret: grant.RefreshToken, Base: p.cfg.Base(c.r), OrgName: pr.OrgName,
		OAuthPath: "/oauth/" + c.realm.oauth().String() + "/token", Provider: c.realm.Provider}
	p.render(c, http.StatusCreated, "created", &view{Title: "Token created", Data: data})
	return nil
}

type revokeData struct {
	Token    tokenRow
	Sessions []sessionRow
	Back     string
}

// confirmRevoke serves GET {realm}/tokens/{id}/revoke: which token, and
// which sessions revoking it ends.
func (p *Pages) confirmRevoke(c *call) error {
	pr := &c.sess.Principal
	id, err := urn.ParseEither(c.r.PathValue("id"), urn.Token)
	if err != nil {
		return errNoPage
	}
	t, err := p.cfg.Tokens.Get(c.ctx(), pr, id)
	if err != nil {
		return err
	}
	rows, _, err := p.cfg.Sessions.List(c.ctx(), store.SessionQuery{UserID: t.OwnerID, Page: store.Page{Limit: 500}})
	if err != nil {
		return err
	}
	d := revokeData{Token: tokenRow{ID: t.ID.String(), Name: t.Name, Owner: t.OwnerName + "@" + t.OrgName,
		Created: when(t.CreatedAt), LastUsed: when(t.LastUsedAt), Until: when(t.ExpiresAt)}, Back: safeBack(c, "/tokens")}
	for _, s := range rows {
		if s.TokenID == t.ID {
			d.Sessions = append(d.Sessions, p.sessionRowOf(c, s))
		}
	}
	p.render(c, http.StatusOK, "revoke", &view{Title: "Revoke " + t.Name, Data: d})
	return nil
}

// revokeToken serves POST {realm}/tokens/{id}/revoke (apitoken.Revoke:
// the token's sessions end on every instance).
func (p *Pages) revokeToken(c *call) error {
	id, err := urn.ParseEither(c.r.PathValue("id"), urn.Token)
	if err != nil {
		return errNoPage
	}
	if err := p.cfg.Tokens.Revoke(c.ctx(), &c.sess.Principal, id, c.client()); err != nil {
		return err
	}
	back := safeBack(c, "/tokens")
	sep := "?"
	if strings.Contains(back, "?") {
		sep = "&"
	}
	c.seeOther(back + sep + "revoked=1")
	return nil
}

// safeBack returns the form's or query's "back" path when it is a page of
// this realm (never another site), else the realm's def page.
func safeBack(c *call, def string) string {
	b := c.r.FormValue("back")
	if strings.HasPrefix(b, c.realm.Prefix+"/") && !strings.ContainsAny(b, "\\\r\n") && !strings.HasPrefix(b, "//") {
		return b
	}
	return c.realm.Prefix + def
}
