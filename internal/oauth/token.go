package oauth

import (
	"net/http"

	"github.com/cloudgate/cloudgate/internal/grant"
)

// tokenResponse is RFC 6749 §5.1 plus govcd's ApiTokenRefresh.
// refresh_token is null on API-token exchanges: the API token stays the
// same, and Cloud Director sends null there too. Service-account grants
// always carry the new refresh token (it rotates).
type tokenResponse struct {
	AccessToken  string  `json:"access_token"`
	TokenType    string  `json:"token_type"`
	ExpiresIn    int64   `json:"expires_in"`
	RefreshToken *string `json:"refresh_token"`
}

// token serves POST /oauth/{tenant/{org}|provider}/token. It never looks
// at Authorization or other token headers: the grant is the credential.
// Every grant runs through the one pipeline (grant.Pipeline), which also
// counts the outcome.
func (a *API) token(w http.ResponseWriter, r *http.Request, realm grant.Realm) error {
	g, err := a.grants.Token(w, r, realm, clientOf(r))
	if err != nil {
		return err
	}
	body := tokenResponse{AccessToken: g.AccessToken, TokenType: "Bearer", ExpiresIn: int64(g.ExpiresIn.Seconds())}
	if g.RefreshToken != "" {
		body.RefreshToken = &g.RefreshToken
	}
	writeJSON(w, http.StatusOK, body)
	return nil
}

// printable bounds a client-supplied name for an error message.
func printable(s string) string {
	if len(s) > 64 {
		s = s[:64] + "..."
	}
	return describe(s)
}
