package cloudapi

import (
	"net/http"
	"time"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/grant"
	"github.com/cloudgate/cloudgate/internal/reqctx"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
	"github.com/cloudgate/cloudgate/internal/vcd"
)

// tokenPageSize is the page size of GET /tokens without pageSize, Cloud
// Director's OpenAPI default (govcd always sends 128).
const tokenPageSize = 25

// mountTokens registers /tokens. govcd asks for the collection as
// "tokens/" (its endpoint constant ends in a slash) and curl users as
// "tokens": both are the list, and the empty segment is never an id.
// Creating proxy or extension tokens (POST) and renaming (PUT) are not
// offered: 405.
func (a *API) mountTokens(mux *http.ServeMux) {
	env := a.env
	j := func(h vcd.HandlerFunc) http.Handler { return env.Handle(vcd.JSON, true, h) }
	list := j(a.listTokens)
	env.Route(mux, vcd.JSON, root+"/tokens", map[string]http.Handler{http.MethodGet: list})
	env.Route(mux, vcd.JSON, root+"/tokens/{$}", map[string]http.Handler{http.MethodGet: list})
	env.Route(mux, vcd.JSON, root+"/tokens/{id}", map[string]http.Handler{
		http.MethodGet: j(a.getToken), http.MethodDelete: j(a.revokeToken)})
}

// tokenJSON is Cloud Director's Token plus what its users miss: when the
// token was made and last traded for a session. org is always present
// (govcd builds the token endpoint URL from org.name and panics without
// it). token is always null: the secret is shown once, by the jwt-bearer
// grant, and never stored.
type tokenJSON struct {
	ID                string  `json:"id"`
	Name              string  `json:"name"`
	Token             *string `json:"token"`
	ExpirationTimeUtc *string `json:"expirationTimeUtc"`
	Owner             Ref     `json:"owner"`
	Org               Ref     `json:"org"`
	Type              string  `json:"type"`
	CreatedAt         string  `json:"createdAt"`
	LastUsedAt        *string `json:"lastUsedAt"`
}

func tokenBody(row store.TokenRow) tokenJSON {
	return tokenJSON{ID: row.ID.URN(urn.Token), Name: row.Name, ExpirationTimeUtc: optTime(row.ExpiresAt),
		Owner: Ref{row.OwnerName, row.OwnerID.URN(urn.User)}, Org: Ref{row.OrgName, row.OrgID.URN(urn.Org)},
		Type: row.Type, CreatedAt: jsonTime(row.CreatedAt), LastUsedAt: optTime(row.LastUsedAt)}
}

// jsonTime renders a time as Cloud Director does: UTC, milliseconds.
func jsonTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func optTime(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := jsonTime(t)
	return &s
}

// listTokens serves GET /tokens: the caller's tokens, every token of the
// org for "Manage all users' API tokens", every token for a System
// administrator; paged, filtered and sorted as every OpenAPI list.
func (a *API) listTokens(c *vcd.Call) error {
	lq, err := vcd.ParseList(c.R, store.TokenSchema(), tokenPageSize)
	if err != nil {
		return err
	}
	q := store.TokenQuery{Filter: lq.Filter, Sort: lq.Sort, Page: lq.StorePage()}
	rows, total, err := a.tokens.List(c.R.Context(), &c.Session.Principal, q)
	if err != nil {
		return err
	}
	values := make([]tokenJSON, 0, len(rows))
	for _, row := range rows {
		values = append(values, tokenBody(row))
	}
	vcd.WritePage(c, a.env.Base(c.R), "TokenList", lq, total, values)
	return nil
}

// tokenID parses the path's id; anything unparsable is a token that does
// not exist (403, as for one the caller may not see).
func tokenID(c *vcd.Call) (urn.UUID, error) {
	raw := c.R.PathValue("id")
	id, err := urn.ParseEither(raw, urn.Token)
	if err != nil {
		return id, apierr.New(apierr.NotFound, "Access to resource %s is forbidden or it does not exist", printableID(raw))
	}
	return id, nil
}

// printableID bounds a client-supplied id echoed in a message.
func printableID(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}

func (a *API) getToken(c *vcd.Call) error {
	id, err := tokenID(c)
	if err != nil {
		return err
	}
	row, err := a.tokens.Get(c.R.Context(), &c.Session.Principal, id)
	if err != nil {
		return err
	}
	vcd.WriteJSON(c.W, http.StatusOK, &c.Version, tokenBody(row))
	return nil
}

// revokeToken serves DELETE /tokens/{id}: 204 once the token is revoked
// and every session made from it is refused on this instance.
func (a *API) revokeToken(c *vcd.Call) error {
	id, err := tokenID(c)
	if err != nil {
		return err
	}
	if err := a.tokens.Revoke(c.R.Context(), &c.Session.Principal, id, tokenClient(c)); err != nil {
		return err
	}
	c.W.WriteHeader(http.StatusNoContent)
	return nil
}

func tokenClient(c *vcd.Call) grant.Client {
	info := reqctx.From(c.R.Context())
	return grant.Client{IP: info.ClientIP, UserAgent: c.R.UserAgent(), RequestID: info.ID}
}
