package oauth

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

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
	writeJSONBody(w, http.StatusOK, body.appendJSON(make([]byte, 0, 512)), a.headers)
	return nil
}

// appendJSON appends the response as json.Marshal encodes it (the tests
// compare the two). Every exchange answers with one: reflection, the
// interface conversion and the encoder's buffers were a tenth of the
// handler's CPU.
func (t tokenResponse) appendJSON(b []byte) []byte {
	b = append(b, `{"access_token":`...)
	b = appendJSONString(b, t.AccessToken)
	b = append(b, `,"token_type":`...)
	b = appendJSONString(b, t.TokenType)
	b = append(b, `,"expires_in":`...)
	b = strconv.AppendInt(b, t.ExpiresIn, 10)
	b = append(b, `,"refresh_token":`...)
	if t.RefreshToken == nil {
		b = append(b, "null"...)
	} else {
		b = appendJSONString(b, *t.RefreshToken)
	}
	return append(b, '}')
}

// appendJSONString appends s as a JSON string. Tokens are printable
// ASCII that needs no escape; anything else goes through encoding/json,
// so the bytes are always what json.Marshal writes (which also escapes
// <, > and & for HTML).
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			// A copy goes to the encoder, so s does not escape: the
			// response (and the grant it points into) stays on the stack.
			out, _ := json.Marshal(strings.Clone(s)) // a string always encodes
			return append(b, out...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// printable bounds a client-supplied name for an error message.
func printable(s string) string {
	if len(s) > 64 {
		s = s[:64] + "..."
	}
	return describe(s)
}
