package oauth

import (
	"errors"
	"github.com/cloudgate/cloudgate/internal/querycred"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/apitoken"
	"github.com/cloudgate/cloudgate/internal/secret"
	"github.com/cloudgate/cloudgate/internal/serviceaccount"
)

// maxFormBytes bounds a token or revocation request body. The largest
// legitimate one (a jwt-bearer grant) is under 300 bytes.
const maxFormBytes = 16 << 10

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
func (a *API) token(w http.ResponseWriter, r *http.Request, realm apitoken.Realm) error {
	grant := "none"
	g, err := a.grant(w, r, realm, &grant)
	outcome := "success"
	if err != nil {
		outcome = outcomeOf(err)
	}
	a.metrics.Grant(grant, outcome)
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

// grant reads the request and runs its grant; *label names the grant for
// metrics (a bounded set of values).
func (a *API) grant(w http.ResponseWriter, r *http.Request, realm apitoken.Realm, label *string) (apitoken.Grant, error) {
	if err := refuseQueryCredentials(r.URL.RawQuery); err != nil {
		return apitoken.Grant{}, err
	}
	form, err := readForm(w, r)
	if err != nil {
		return apitoken.Grant{}, err
	}
	c := clientOf(r)
	switch form["grant_type"] {
	case "":
		return apitoken.Grant{}, apierr.New(apierr.Invalid, "grant_type is required").WithCode(apitoken.CodeInvalidRequest)
	case apitoken.GrantRefreshToken:
		// The prefix tells a service account's rotating token from an
		// API token without a lookup.
		if secret.HasPrefix(form["refresh_token"], secret.PrefixSARefresh) {
			*label = "service_account_refresh"
			return a.accounts.Refresh(r.Context(), realm, form["refresh_token"], form["client_id"], c)
		}
		*label = "refresh_token"
		return a.tokens.Exchange(r.Context(), realm, form["refresh_token"], form["client_id"], c)
	case apitoken.GrantJWTBearer:
		*label = "jwt_bearer"
		return a.tokens.Mint(r.Context(), realm, form["assertion"], form["client_id"], c)
	case serviceaccount.GrantDeviceCode:
		*label = "device_code"
		return a.accounts.DeviceToken(r.Context(), realm, form["device_code"], form["client_id"], c)
	}
	*label = "unsupported"
	return apitoken.Grant{}, apierr.New(apierr.Invalid, "grant_type is not supported here; use refresh_token, %s or %s",
		apitoken.GrantJWTBearer, serviceaccount.GrantDeviceCode).WithCode(apitoken.CodeUnsupportedGrantType)
}

// outcomeOf labels a failed grant for metrics.
func outcomeOf(err error) string {
	e := apierr.As(err)
	if oauthCodes[e.Code] {
		return e.Code
	}
	_, code, _ := status(e)
	return code
}

// refuseQueryCredentials fails with invalid_request when the URL query
// names a grant parameter (RFC 6749 §2.3.1, §3.2; RFC 6750 §2.3). The
// server has already refused every credential name (querycred.Find) for
// every endpoint; this adds the grant parameters that are no secret but
// belong in the body all the same (grant_type, client_id, username). The
// request is refused whole: one report has clients putting refresh_token
// in the query with success on Cloud Director; here such a token is never
// exchanged (the caller should consider it leaked and revoke it).
func refuseQueryCredentials(raw string) error {
	if name, ok := querycred.FindOAuth(raw); ok {
		return apierr.New(apierr.Invalid, "OAuth parameters such as %s must be sent in a form-encoded body, never in the URL query; a token sent in a URL should be revoked",
			name).WithCode(apitoken.CodeInvalidRequest)
	}
	return nil
}

// readForm reads an application/x-www-form-urlencoded body. Per RFC 6749
// §3.1 a parameter without a value counts as absent, and one given twice
// (with any values) is invalid_request; unknown parameters are ignored.
// Every problem is invalid_request (400), an oversized body 413.
func readForm(w http.ResponseWriter, r *http.Request) (map[string]string, error) {
	invalid := func(format string, args ...any) error {
		return apierr.New(apierr.Invalid, format, args...).WithCode(apitoken.CodeInvalidRequest)
	}
	ct := r.Header.Get("Content-Type")
	mt, params, err := mime.ParseMediaType(ct)
	if ct == "" || err != nil || mt != "application/x-www-form-urlencoded" {
		return nil, invalid("the request body must be application/x-www-form-urlencoded")
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return nil, invalid("the form body must be UTF-8")
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxFormBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, apierr.New(apierr.TooLarge, "the request body is larger than %d bytes", maxFormBytes).WithCode(apitoken.CodeInvalidRequest)
		}
		return nil, invalid("the request body could not be read")
	}
	vals, err := url.ParseQuery(string(raw))
	if err != nil {
		return nil, invalid("the form body is malformed")
	}
	form := make(map[string]string, len(vals))
	for k, vs := range vals {
		if len(vs) > 1 {
			return nil, invalid("parameter %s is given more than once", printable(k))
		}
		if !utf8.ValidString(k) || !utf8.ValidString(vs[0]) {
			return nil, invalid("the form body is not valid UTF-8")
		}
		if vs[0] != "" {
			form[k] = vs[0]
		}
	}
	return form, nil
}

// printable bounds a client-supplied name for an error message.
func printable(s string) string {
	if len(s) > 64 {
		s = s[:64] + "..."
	}
	return describe(s)
}
