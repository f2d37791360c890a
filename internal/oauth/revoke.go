package oauth

import (
	"net/http"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/apitoken"
	"github.com/cloudgate/cloudgate/internal/secret"
)

// revoke serves POST /oauth/{tenant/{org}|provider}/revoke (RFC 7009). The
// token is the credential: whoever holds an API token or an access token
// may revoke it, which is what a leaked-token cleanup needs. Revoking an
// API token ends every session made from it; revoking an access token
// ends that session. An unknown or invalid token is answered 200 like a
// revoked one (§2.2); token_type_hint is accepted and not needed, since
// the prefix of cloudgate's tokens says what they are.
func (a *API) revoke(w http.ResponseWriter, r *http.Request, realm apitoken.Realm) error {
	if err := refuseQueryCredentials(r.URL.RawQuery); err != nil {
		return err
	}
	form, err := readForm(w, r)
	if err != nil {
		return err
	}
	tok := form["token"]
	switch {
	case tok == "":
		return apierr.New(apierr.Invalid, "token is required").WithCode(apitoken.CodeInvalidRequest)
	case secret.IsSessionToken(tok):
		err = a.endSession(r, realm, tok)
	case secret.HasPrefix(tok, secret.PrefixSARefresh):
		// A live service-account token must not be reported revoked
		// when it is not (§2.2.1).
		err = apierr.New(apierr.Invalid, "service-account tokens are revoked through the service account").
			WithCode(apitoken.CodeUnsupportedTokenType)
	default:
		err = a.tokens.RevokeSecret(r.Context(), realm, tok, clientOf(r))
	}
	if err != nil {
		return err
	}
	// RFC 7009 answers 200 with no content; an empty JSON object keeps
	// clients that decode every 200 (govcd does) working.
	writeJSON(w, http.StatusOK, struct{}{})
	return nil
}

// endSession ends the session whose access token is tok. A session that
// is already gone is not an error.
func (a *API) endSession(r *http.Request, realm apitoken.Realm, tok string) error {
	sess, err := a.sessions.Resolve(r.Context(), tok)
	if apierr.Is(err, apierr.Unauthenticated) {
		return nil
	}
	if err != nil {
		return err
	}
	if !realm.Admits(sess.Principal.OrgName) {
		return apierr.New(apierr.Invalid, "the token belongs to another organization than /oauth/%s; it was not revoked", realm).
			WithCode(apitoken.CodeInvalidRequest)
	}
	err = a.sessions.End(r.Context(), sess.ID, "revoked (RFC 7009)")
	if apierr.Is(err, apierr.Unauthenticated) {
		return nil
	}
	return err
}
