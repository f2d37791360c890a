// Package grant is what the OAuth grants of the token endpoint share: the
// realm an /oauth path serves, the caller's description, the RFC 6749 and
// RFC 8628 error codes, the result of a grant, the per-address failure
// budget, the form rules of the OAuth endpoints, and the Pipeline every
// grant runs through.
//
// A grant (jwt-bearer, refresh_token for API tokens and for service
// accounts, device_code) is a Handler: a few declared facts (its
// grant_type, required parameters, answers) and a Find step that reads
// what its credential names. The pipeline does the rest in a fixed order
// no grant can skip (see Pipeline). The package renders nothing: the
// /oauth dialect turns its *apierr.Error values into the wire format.
package grant

import (
	"strings"
	"time"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/identity"
	"github.com/cloudgate/cloudgate/internal/urn"
)

// OAuth error codes (RFC 6749 §5.2, RFC 7591 §3.2.2, RFC 7009 §2.2.1,
// RFC 8628 §3.5) that services put in apierr.Error.Code.
const (
	CodeInvalidRequest       = "invalid_request"
	CodeInvalidClient        = "invalid_client"
	CodeInvalidGrant         = "invalid_grant"
	CodeUnauthorizedClient   = "unauthorized_client"
	CodeUnsupportedGrantType = "unsupported_grant_type"
	CodeInvalidClientMeta    = "invalid_client_metadata"
	CodeUnsupportedTokenType = "unsupported_token_type"
	CodeAuthorizationPending = "authorization_pending"
	CodeSlowDown             = "slow_down"
	CodeAccessDenied         = "access_denied"
	CodeExpiredToken         = "expired_token"
)

// codes are the codes above: an error carrying one of them says it itself;
// another Code (a Cloud Director minor code) is not an OAuth code.
var codes = map[string]bool{
	CodeInvalidRequest: true, CodeInvalidClient: true, CodeInvalidGrant: true, CodeUnauthorizedClient: true,
	CodeUnsupportedGrantType: true, CodeInvalidClientMeta: true, CodeUnsupportedTokenType: true,
	CodeAuthorizationPending: true, CodeSlowDown: true, CodeAccessDenied: true, CodeExpiredToken: true,
}

// Grant types of the token endpoint.
const (
	TypeRefreshToken = "refresh_token"
	TypeJWTBearer    = "urn:ietf:params:oauth:grant-type:jwt-bearer"  // #nosec G101 -- an RFC 7523 grant type name
	TypeDeviceCode   = "urn:ietf:params:oauth:grant-type:device_code" // RFC 8628 §3.4
)

// CodeOf is the OAuth error code an error is answered with: its own if it
// carries one of this package's codes, otherwise the one its kind implies
// (a rate limit or an outage is temporarily_unavailable, anything
// unexpected server_error).
func CodeOf(err error) string {
	e := apierr.As(err)
	if codes[e.Code] {
		return e.Code
	}
	switch e.Kind {
	case apierr.Invalid, apierr.MethodNotAllowed, apierr.Unsupported, apierr.TooLarge:
		return CodeInvalidRequest
	case apierr.Conflict:
		return CodeInvalidClientMeta
	case apierr.Unauthenticated:
		return "invalid_token"
	case apierr.Forbidden:
		return CodeAccessDenied
	case apierr.NotFound:
		return "not_found"
	case apierr.TooMany, apierr.Unavailable:
		return "temporarily_unavailable"
	}
	return "server_error"
}

// Error is an error of an OAuth endpoint with its code: a client mistake
// (400), as RFC 6749 §5.2 answers every one.
func Error(code, format string, args ...any) *apierr.Error {
	return apierr.New(apierr.Invalid, format, args...).WithCode(code)
}

// ErrThrottled refuses an address that used its failure budget. Every
// grant answers it as it is (429 with Retry-After), never as
// invalid_grant: a client library takes invalid_grant to mean its
// credential is dead and throws it away, while 429 tells it to wait
// (docs/api-tokens.md, "Too many failures").
var ErrThrottled = &apierr.Error{Kind: apierr.TooMany,
	Message: "too many failed token requests from this address; retry later", RetryAfter: time.Minute}

// Refuse is the answer a grant gives for err: OAuth-coded client errors,
// rate limits, outages and internal errors pass; anything else about the
// credential or its owner (gone, disabled, changed since the check) is
// the grant's catch-all, so the caller learns nothing about which.
func Refuse(err, catchAll error) error {
	e := apierr.As(err)
	switch {
	case e.Code != "" && e.Kind == apierr.Invalid:
		return err
	case e.Kind == apierr.Unavailable || e.Kind == apierr.Internal || e.Kind == apierr.TooMany:
		return err
	}
	return catchAll
}

// Realm is the organization an /oauth endpoint serves: /oauth/provider is
// the System org, /oauth/tenant/{org} a tenant. A token, an assertion or a
// registration of one org is refused at another org's endpoint.
type Realm struct {
	Provider bool
	Org      string // tenant org name as written in the path
}

// Admits reports whether an account of org orgName belongs at r. Org
// names are unique ignoring case. The System org is only served at
// /oauth/provider, as Cloud Director's logins serve it only at
// /sessions/provider.
func (r Realm) Admits(orgName string) bool {
	system := strings.EqualFold(orgName, identity.SystemOrgName)
	if r.Provider {
		return system
	}
	return !system && r.Org != "" && strings.EqualFold(r.Org, orgName)
}

// String renders the path segment ("provider" or "tenant/acme").
func (r Realm) String() string {
	if r.Provider {
		return "provider"
	}
	return "tenant/" + r.Org
}

// Client describes the caller of a grant or a change, for the audit log,
// the per-address failure budget and the session record.
type Client struct {
	IP        string
	UserAgent string
	RequestID string
}

// Result is what a successful grant returns: a new session and, from the
// grants that issue one, a refresh token.
type Result struct {
	// TokenID is the API token or service account the session comes from.
	TokenID     urn.UUID
	AccessToken string
	// ExpiresIn is the session's absolute lifetime.
	ExpiresIn time.Duration
	// RefreshToken is empty when the client keeps the one it sent (an API
	// token exchange).
	RefreshToken string
}
