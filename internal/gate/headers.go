package gate

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/secret"
	"github.com/cloudgate/cloudgate/internal/session"
	"github.com/cloudgate/cloudgate/internal/urn"
	"github.com/cloudgate/cloudgate/internal/vcd"
)

// CookieName is the cookie of cloudgate's web pages (internal/web). The
// gate never forwards it.
const CookieName = session.CookieName

// HeaderPrefix is cloudgate's identity header namespace. Every incoming
// header in it is removed before the gate sets its own, so a client cannot
// forge them.
const HeaderPrefix = "X-Cloudgate-"

// Identity headers (canonical form) set on forwarded requests and on
// forward-auth answers.
const (
	HeaderAssertion  = "X-Cloudgate-Assertion"
	HeaderUser       = "X-Cloudgate-User"
	HeaderUserID     = "X-Cloudgate-User-Id"
	HeaderOrg        = "X-Cloudgate-Org"
	HeaderOrgID      = "X-Cloudgate-Org-Id"
	HeaderRoles      = "X-Cloudgate-Roles"
	HeaderSession    = "X-Cloudgate-Session"
	HeaderRestricted = "X-Cloudgate-Restricted"
)

// vchsToken is the vCloud Air dialect's session header.
const vchsToken = "X-Vchs-Authorization"

// credentialHeaders carry cloudgate credentials; they never leave for an
// upstream.
var credentialHeaders = []string{"Authorization", vcd.HeaderAccessToken, vcd.HeaderLegacyToken, vchsToken}

// sessionToken returns the session token of a request from any header a
// cloudgate dialect reads it from. Identical copies are fine; two
// different tokens are a malformed request.
func sessionToken(h http.Header) (string, error) {
	tok, err := vcd.SessionToken(h)
	if err != nil {
		return "", err
	}
	for _, v := range h[vchsToken] {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		if tok != "" && tok != v {
			return "", apierr.New(apierr.Invalid, "The request carries two different session tokens.")
		}
		tok = v
	}
	return tok, nil
}

// scrub removes credentials, cloudgate's cookie and every header of the
// identity namespace from h.
func scrub(h http.Header) {
	for _, k := range credentialHeaders {
		delete(h, k)
	}
	for k := range h {
		if len(k) >= len(HeaderPrefix) && strings.EqualFold(k[:len(HeaderPrefix)], HeaderPrefix) {
			delete(h, k)
		}
	}
	if cs, ok := h["Cookie"]; ok {
		var kept []string
		for _, line := range cs {
			for _, c := range strings.Split(line, ";") {
				name, _, _ := strings.Cut(strings.TrimSpace(c), "=")
				if name != "" && name != CookieName {
					kept = append(kept, strings.TrimSpace(c))
				}
			}
		}
		if len(kept) == 0 {
			delete(h, "Cookie")
		} else {
			h["Cookie"] = []string{strings.Join(kept, "; ")}
		}
	}
}

// setIdentity sets the identity headers of s on h.
func setIdentity(h http.Header, s *session.Session, assertion string) {
	p := s.Principal
	h[HeaderAssertion] = []string{assertion}
	h[HeaderUser] = []string{headerValue(p.UserName)}
	h[HeaderUserID] = []string{p.UserID.URN(urn.User)}
	h[HeaderOrg] = []string{headerValue(p.OrgName)}
	h[HeaderOrgID] = []string{p.OrgID.URN(urn.Org)}
	h[HeaderRoles] = []string{headerValue(s.RoleName)}
	h[HeaderSession] = []string{s.ID.URN(urn.Session)}
	if p.Restricted {
		h[HeaderRestricted] = []string{"true"}
	} else {
		h[HeaderRestricted] = []string{"false"}
	}
}

// headerValue renders a name for a plain header: printable ASCII stays as
// it is, and '%', ',' and every other byte become %XX (UTF-8), so a
// header never carries a control character and a comma always separates
// list items. Upstreams decode with a percent-decoder that leaves '+'
// alone (Go: url.PathUnescape).
func headerValue(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '%' || c == ',' {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f || c == '%' || c == ',' {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// queryCredential reports whether a raw query carries a credential:
// cloudgate never takes one from a URL (URLs end up in logs and browser
// history), and it does not pass one on to an upstream either.
func queryCredential(rawQuery string) bool {
	if rawQuery == "" {
		return false
	}
	for _, kv := range strings.Split(rawQuery, "&") {
		k, v, _ := strings.Cut(kv, "=")
		if d, err := url.QueryUnescape(k); err == nil {
			k = d
		}
		if d, err := url.QueryUnescape(v); err == nil {
			v = d
		}
		switch strings.ToLower(k) {
		case "access_token", "token", "authorization", "x-vcloud-authorization", "x-vmware-vcloud-access-token", "x-vchs-authorization", "session", "sessionid":
			return true
		}
		for _, p := range tokenPrefixes {
			if strings.Contains(v, p) {
				return true
			}
		}
	}
	return false
}

// tokenPrefixes are the prefixes of cloudgate's tokens (secret package).
var tokenPrefixes = []string{secret.PrefixSession, secret.PrefixAPIToken, secret.PrefixSARefresh, secret.PrefixDevice, secret.PrefixWeb}
