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
	"github.com/cloudgate/cloudgate/internal/grant"
	"github.com/cloudgate/cloudgate/internal/metrics"
	"github.com/cloudgate/cloudgate/internal/reqctx"
	"github.com/cloudgate/cloudgate/internal/serviceaccount"
	"github.com/cloudgate/cloudgate/internal/vcd"
)

// Config lists what the dialect uses.
type Config struct {
	// Tokens and Accounts are the API-token and service-account services;
	// their grants make up the token endpoint.
	Tokens   *apitoken.Service
	Accounts *serviceaccount.Service
	// Metrics, when set, counts the token endpoint's outcomes.
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
	grants   *grant.Pipeline
	base     func(*http.Request) string
	log      *slog.Logger
	headers  jsonHeaders
}

// New returns the dialect; Tokens, Accounts and Base must be set.
func New(cfg Config) *API {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	var observe func(string, string)
	if cfg.Metrics != nil {
		observe = cfg.Metrics.Grant
	}
	// The service accounts' refresh grant claims its own prefix, so it
	// comes before the API tokens' one of the same grant_type.
	grants := grant.New(grant.Config{Failures: cfg.Tokens.Failures(), Now: cfg.Tokens.Clock(), Observe: observe, Log: cfg.Log},
		cfg.Accounts.RefreshGrant(), cfg.Tokens.RefreshGrant(), cfg.Tokens.MintGrant(), cfg.Accounts.DeviceGrant())
	return &API{tokens: cfg.Tokens, accounts: cfg.Accounts, grants: grants, base: cfg.Base, log: cfg.Log,
		headers: newJSONHeaders()}
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
type handler func(w http.ResponseWriter, r *http.Request, realm grant.Realm) error

// route serves POST at path; every other method is 405 with Allow.
func (a *API) route(mux *http.ServeMux, path string, h handler) {
	mux.Handle(path, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			a.fail(w, r, apierr.New(apierr.MethodNotAllowed, "HTTP method %s is not allowed here; allowed: POST", r.Method))
			return
		}
		realm := grant.Realm{Provider: true}
		if org := r.PathValue("org"); org != "" {
			realm = grant.Realm{Org: org}
		}
		if err := h(w, r, realm); err != nil {
			a.fail(w, r, err)
		}
	}))
}

func clientOf(r *http.Request) grant.Client {
	info := reqctx.From(r.Context())
	return grant.Client{IP: info.ClientIP, UserAgent: r.UserAgent(), RequestID: info.ID}
}

// status is the one place this dialect picks, for an error, the HTTP
// status and the Cloud Director minor code; the OAuth error code is the
// grant package's (grant.CodeOf). RFC 6749 §5.2 and RFC 7591 §3.2.2
// answer client mistakes with 400, a duplicate registration included; a
// bad or missing session (registration) is 401 as on every Cloud Director
// API. Unknown /oauth paths are 404: there is no object id whose
// existence a 404 could reveal.
func status(e *apierr.Error) (st int, minor string) {
	_, minor = vcd.Status(e.Kind)
	switch e.Kind {
	case apierr.Invalid, apierr.Conflict:
		return http.StatusBadRequest, minor
	case apierr.Unauthenticated:
		return http.StatusUnauthorized, minor
	case apierr.Forbidden:
		return http.StatusForbidden, minor
	case apierr.NotFound:
		return http.StatusNotFound, "NOT_FOUND"
	case apierr.MethodNotAllowed:
		return http.StatusMethodNotAllowed, minor
	case apierr.Unsupported:
		return http.StatusUnsupportedMediaType, minor
	case apierr.TooLarge:
		return http.StatusRequestEntityTooLarge, minor
	case apierr.TooMany:
		return http.StatusTooManyRequests, minor
	case apierr.Unavailable:
		return http.StatusServiceUnavailable, minor
	}
	return http.StatusInternalServerError, minor
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
	st, minor := status(e)
	code := grant.CodeOf(e)
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
	writeJSON(w, st, errorBody{Error: code, Description: desc, MinorErrorCode: minor, Message: code + ": " + desc}, newJSONHeaders())
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
func (a *API) writeJSON(w http.ResponseWriter, status int, body any) {
	writeJSON(w, status, body, a.headers)
}

func writeJSON(w http.ResponseWriter, status int, body any, hdr jsonHeaders) {
	out, err := json.Marshal(body)
	if err != nil {
		http.Error(w, "internal server error", http.StatusInternalServerError)
		return
	}
	writeJSONBody(w, status, out, hdr)
}

// writeJSONBody is writeJSON for a body already encoded.
func writeJSONBody(w http.ResponseWriter, status int, out []byte, hdr jsonHeaders) {
	h := w.Header()
	h["Content-Type"] = hdr.contentType
	h["Cache-Control"] = hdr.noStore
	h["Pragma"] = hdr.noCache
	w.WriteHeader(status)
	_, _ = w.Write(out) // the client left: nothing to do
}

// jsonHeaders are the header values of every JSON answer, built once per
// API: three allocations per exchange fewer than Header.Set. Each slice's
// capacity is its length, so a later Add copies it instead of writing
// into the shared array.
type jsonHeaders struct {
	contentType, noStore, noCache []string
}

func newJSONHeaders() jsonHeaders {
	return jsonHeaders{contentType: []string{"application/json;charset=UTF-8"}, noStore: []string{"no-store"}, noCache: []string{"no-cache"}}
}
