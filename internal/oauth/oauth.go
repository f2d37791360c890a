// Package oauth is Cloud Director's /oauth dialect: registering API tokens
// and service accounts (RFC 7591 shaped), the device authorization
// endpoint of service accounts (RFC 8628), the token endpoint (RFC 6749:
// the jwt-bearer grant that issues an API token once, the refresh_token
// grant that trades an API token for a session or rotates a service
// account's refresh token, the device_code grant) and token revocation
// (RFC 7009), at /oauth/tenant/{org}/... for tenants and
// /oauth/provider/... for System.
//
// The dialect ignores Accept (govcd sends none, or an empty version=,
// here), reads credentials of the grants only from form bodies, and
// answers every error as one JSON object that is both an RFC 6749 §5.2
// error and a Cloud Director OpenApiError, so OAuth libraries and govcd
// both read it. status is the dialect's one kind→status table.
package oauth

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/apitoken"
	"github.com/cloudgate/cloudgate/internal/metrics"
	"github.com/cloudgate/cloudgate/internal/reqctx"
	"github.com/cloudgate/cloudgate/internal/serviceaccount"
	"github.com/cloudgate/cloudgate/internal/session"
	"github.com/cloudgate/cloudgate/internal/vcd"
)

// Config lists what the dialect uses.
type Config struct {
	// Tokens and Accounts are the API-token and service-account services;
	// their grants make up the token endpoint.
	Tokens   *apitoken.Service
	Accounts *serviceaccount.Service
	// Metrics counts the token endpoint's outcomes.
	Metrics *metrics.Metrics
	// Base returns the absolute URL root for links (the device flow's
	// verification_uri).
	Base func(*http.Request) string
	Log  *slog.Logger
}

// API serves /oauth.
type API struct {
	tokens   *apitoken.Service
	accounts *serviceaccount.Service
	sessions *session.Manager
	metrics  *metrics.Metrics
	base     func(*http.Request) string
	log      *slog.Logger
}

// New returns the dialect; Tokens, Accounts, Metrics and Base must be set.
func New(cfg Config) *API {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	return &API{tokens: cfg.Tokens, accounts: cfg.Accounts, sessions: cfg.Tokens.Sessions(), metrics: cfg.Metrics,
		base: cfg.Base, log: cfg.Log}
}

// Mount registers the dialect's routes.
func (a *API) Mount(mux *http.ServeMux) {
	for _, op := range []struct {
		name string
		h    handler
	}{{"register", a.register}, {"token", a.token}, {"revoke", a.revoke}, {"device_authorization", a.deviceAuthorization}} {
		a.route(mux, "/oauth/tenant/{org}/"+op.name, op.h)
		a.route(mux, "/oauth/provider/"+op.name, op.h)
	}
	mux.Handle("/oauth/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.fail(w, r, &apierr.Error{Kind: apierr.NotFound, Message: "The requested resource does not exist."})
	}))
}

// handler serves one endpoint for the realm of its path.
type handler func(w http.ResponseWriter, r *http.Request, realm apitoken.Realm) error

// route serves POST at path; every other method is 405 with Allow.
func (a *API) route(mux *http.ServeMux, path string, h handler) {
	mux.Handle(path, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			a.fail(w, r, apierr.New(apierr.MethodNotAllowed, "HTTP method %s is not allowed here; allowed: POST", r.Method))
			return
		}
		realm := apitoken.Realm{Provider: true}
		if org := r.PathValue("org"); org != "" {
			realm = apitoken.Realm{Org: org}
		}
		if err := h(w, r, realm); err != nil {
			a.fail(w, r, err)
		}
	}))
}

func clientOf(r *http.Request) apitoken.Client {
	info := reqctx.From(r.Context())
	return apitoken.Client{IP: info.ClientIP, UserAgent: r.UserAgent(), RequestID: info.ID}
}

// oauthCodes are the error codes this dialect sends as "error"; a code
// from elsewhere (a Cloud Director minor code) is not one of them.
var oauthCodes = map[string]bool{
	apitoken.CodeInvalidRequest: true, apitoken.CodeInvalidClient: true, apitoken.CodeInvalidGrant: true,
	apitoken.CodeUnauthorizedClient: true, apitoken.CodeUnsupportedGrantType: true,
	apitoken.CodeInvalidClientMeta: true, apitoken.CodeUnsupportedTokenType: true,
	serviceaccount.CodeAuthorizationPending: true, serviceaccount.CodeSlowDown: true,
	serviceaccount.CodeAccessDenied: true, serviceaccount.CodeExpiredToken: true,
}

// status is the one place this dialect picks, for an error, the HTTP
// status, the OAuth error code and the Cloud Director minor code. RFC 6749
// §5.2 and RFC 7591 §3.2.2 answer client mistakes with 400, a duplicate
// registration included; a bad or missing session (registration) is 401
// as on every Cloud Director API. Unknown /oauth paths are 404: there is
// no object id whose existence a 404 could reveal.
func status(e *apierr.Error) (st int, code, minor string) {
	if oauthCodes[e.Code] {
		code = e.Code
	}
	pick := func(s int, def string) (int, string, string) {
		if code == "" {
			code = def
		}
		_, minor := vcd.Status(e.Kind)
		if s == http.StatusNotFound {
			minor = "NOT_FOUND"
		}
		return s, code, minor
	}
	switch e.Kind {
	case apierr.Invalid:
		return pick(http.StatusBadRequest, apitoken.CodeInvalidRequest)
	case apierr.Conflict:
		return pick(http.StatusBadRequest, apitoken.CodeInvalidClientMeta)
	case apierr.Unauthenticated:
		return pick(http.StatusUnauthorized, "invalid_token")
	case apierr.Forbidden:
		return pick(http.StatusForbidden, "access_denied")
	case apierr.NotFound:
		return pick(http.StatusNotFound, "not_found")
	case apierr.MethodNotAllowed:
		return pick(http.StatusMethodNotAllowed, apitoken.CodeInvalidRequest)
	case apierr.Unsupported:
		return pick(http.StatusUnsupportedMediaType, apitoken.CodeInvalidRequest)
	case apierr.TooLarge:
		return pick(http.StatusRequestEntityTooLarge, apitoken.CodeInvalidRequest)
	case apierr.TooMany:
		return pick(http.StatusTooManyRequests, "temporarily_unavailable")
	case apierr.Unavailable:
		return pick(http.StatusServiceUnavailable, "temporarily_unavailable")
	}
	return pick(http.StatusInternalServerError, "server_error")
}

// errorBody is an RFC 6749 §5.2 error and a Cloud Director OpenApiError
// in one object. stackTrace is always empty.
type errorBody struct {
	Error          string `json:"error"`
	Description    string `json:"error_description"`
	MinorErrorCode string `json:"minorErrorCode"`
	Message        string `json:"message"`
	StackTrace     string `json:"stackTrace"`
}

// fail renders err. Internal errors are logged with the request id and
// shown as a generic message.
func (a *API) fail(w http.ResponseWriter, r *http.Request, err error) {
	WriteError(w, r, a.log, err)
}

// WriteError renders err as this dialect does (the server uses it for
// refusals made before a request reaches the dialect). Internal errors are
// logged on log (which may be nil) with the request id.
func WriteError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	e := apierr.As(err)
	st, code, minor := status(e)
	if e.Kind == apierr.Internal && log != nil {
		log.Error("internal error", "request_id", reqctx.From(r.Context()).ID, "path", r.URL.Path, "err", err)
	}
	if ra := e.RetryAfterHeader(); ra != "" {
		w.Header().Set("Retry-After", ra)
	}
	if st == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="vCloud"`)
	}
	desc := describe(e.Message)
	writeJSON(w, st, errorBody{Error: code, Description: desc, MinorErrorCode: minor, Message: code + ": " + desc})
}

// describe makes a message fit error_description, which RFC 6749 §5.2
// limits to printable ASCII without '"' and '\'.
func describe(msg string) string {
	var b strings.Builder
	for _, r := range msg {
		switch {
		case r == '"':
			b.WriteByte('\'')
		case r == '\\' || r < 0x20 || r > 0x7e:
			b.WriteByte('?')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// writeJSON answers with a JSON body that no cache may keep (RFC 6749
// §5.1: responses carrying tokens are never cached).
func writeJSON(w http.ResponseWriter, status int, body any) {
	out, err := json.Marshal(body)
	if err != nil {
		http.Error(w, "internal server error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json;charset=UTF-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	w.WriteHeader(status)
	_, _ = w.Write(out) // the client left: nothing to do
}
