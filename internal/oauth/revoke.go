package oauth

import (
	"net/http"

	"github.com/cloudgate/cloudgate/internal/grant"
	"github.com/cloudgate/cloudgate/internal/secret"
)

// revoke serves POST /oauth/{tenant/{org}|provider}/revoke (RFC 7009). The
// token is the credential: whoever holds an API token or an access token
// may revoke it, which is what a leaked-token cleanup needs. Revoking an
// API token ends every session made from it; revoking an access token
// ends that session. An unknown or invalid token is answered 200 like a
// revoked one (§2.2); token_type_hint is accepted and not needed, since
// the prefix of cloudgate's tokens says what they are.
func (a *API) revoke(w http.ResponseWriter, r *http.Request, realm grant.Realm) error {
	form, err := grant.ReadForm(w, r)
	if err != nil {
		return err
	}
	tok := form["token"]
	switch {
	case tok == "":
		return grant.Error(grant.CodeInvalidRequest, "token is required")
	case secret.IsSessionToken(tok):
		err = a.tokens.RevokeAccess(r.Context(), realm, tok)
	case secret.HasPrefix(tok, secret.PrefixSARefresh):
		// A live service-account token must not be reported revoked
		// when it is not (§2.2.1).
		err = grant.Error(grant.CodeUnsupportedTokenType, "service-account tokens are revoked through the service account")
	default:
		err = a.tokens.RevokeSecret(r.Context(), realm, tok, clientOf(r))
	}
	if err != nil {
		return err
	}
	// RFC 7009 answers 200 with no content; an empty JSON object keeps
	// clients that decode every 200 (govcd does) working.
	a.writeJSON(w, http.StatusOK, struct{}{})
	return nil
}
