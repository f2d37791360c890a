package vcd

import (
	"encoding/base64"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/cloudgate/cloudgate/internal/apierr"
)

// Token header names. Go canonicalises header names, so lookups through
// http.Header find them whatever case the client used.
const (
	HeaderAccessToken = "X-Vmware-Vcloud-Access-Token" // #nosec G101 -- a header name
	HeaderLegacyToken = "X-Vcloud-Authorization"       // #nosec G101 -- a header name
	HeaderTokenType   = "X-Vmware-Vcloud-Token-Type"   // #nosec G101 -- a header name
	HeaderRequestID   = "X-Vmware-Vcloud-Request-Id"
	HeaderClientReqID = "X-Vmware-Vcloud-Client-Request-Id"
	HeaderTenantCtx   = "X-Vmware-Vcloud-Tenant-Context"
	HeaderAuthCtx     = "X-Vmware-Vcloud-Auth-Context"
)

// SessionToken returns the session token a request carries, from
// "Authorization: Bearer" (any case of the scheme), X-VMWARE-VCLOUD-
// ACCESS-TOKEN or x-vcloud-authorization. govcd sends the same token in
// two or three of them, and some headers twice: identical copies are
// fine; two different tokens are a malformed request (RFC 6750 §3.1). An
// empty result means no token was sent.
func SessionToken(h http.Header) (string, error) {
	var tok string
	take := func(v string) error {
		v = strings.TrimSpace(v)
		if v == "" {
			return nil
		}
		if tok != "" && tok != v {
			return apierr.New(apierr.Invalid, "The request carries two different session tokens.")
		}
		tok = v
		return nil
	}
	// Index the map with canonical keys: Header.Values canonicalises its
	// argument on every call, and this runs on every request.
	for _, a := range h["Authorization"] {
		scheme, rest, _ := strings.Cut(strings.TrimSpace(a), " ")
		if strings.EqualFold(scheme, "Bearer") {
			if err := take(rest); err != nil {
				return "", err
			}
		}
	}
	for _, v := range h[HeaderAccessToken] {
		if err := take(v); err != nil {
			return "", err
		}
	}
	for _, v := range h[HeaderLegacyToken] {
		if err := take(v); err != nil {
			return "", err
		}
	}
	return tok, nil
}

// Basic are credentials from "Authorization: Basic base64(user@org:pw)".
type Basic struct {
	User, Org, Password string
}

// ParseBasic reads Basic credentials. present is false when the request
// has no Authorization header at all (Cloud Director answers that with 403
// rather than 401). ok is false for anything malformed. The user part is
// split at the last '@' (user names may contain '@'); the password may
// contain ':'.
func ParseBasic(h http.Header) (b Basic, present, ok bool) {
	vals := h.Values("Authorization")
	if len(vals) == 0 {
		return b, false, false
	}
	if len(vals) > 1 {
		return b, true, false
	}
	scheme, enc, found := strings.Cut(strings.TrimSpace(vals[0]), " ")
	if !found || !strings.EqualFold(scheme, "Basic") || len(enc) > 8192 {
		return b, true, false
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(enc))
	if err != nil || !utf8.Valid(raw) {
		return b, true, false
	}
	userOrg, pw, found := strings.Cut(string(raw), ":")
	if !found {
		return b, true, false
	}
	at := strings.LastIndexByte(userOrg, '@')
	if at <= 0 || at == len(userOrg)-1 {
		return b, true, false
	}
	return Basic{User: userOrg[:at], Org: userOrg[at+1:], Password: pw}, true, true
}
