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

// CookieName is the prefix of cloudgate's cookies: the web pages'
// session.CookieName starts with it. The gate never forwards a cookie whose
// name starts with it.
const CookieName = "__Host-cloudgate"

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
const vchsToken = "X-Vchs-Authorization" // #nosec G101 -- a header name

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
				// Any cookie of the name and its suffixed variants
				// ("__Host-cloudgate-csrf"): all belong to the pages.
				if name != "" && !strings.HasPrefix(name, CookieName) {
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

// identity builds the identity headers of s with its assertion.
func identity(s *session.Session, assertion string) []headerValues {
	p := s.Principal
	restricted := "false"
	if p.Restricted {
		restricted = "true"
	}
	return []headerValues{
		{HeaderAssertion, []string{assertion}},
		{HeaderUser, []string{headerValue(p.UserName)}},
		{HeaderUserID, []string{p.UserID.URN(urn.User)}},
		{HeaderOrg, []string{headerValue(p.OrgName)}},
		{HeaderOrgID, []string{p.OrgID.URN(urn.Org)}},
		{HeaderRoles, []string{headerValue(s.RoleName)}},
		{HeaderSession, []string{s.ID.URN(urn.Session)}},
		{HeaderRestricted, []string{restricted}},
	}
}

// setIdentity sets the identity headers of c on h. The slices are shared
// between requests: nothing appends to or changes header values once set.
func setIdentity(h http.Header, c *signed) {
	for _, hv := range c.hdr {
		h[hv.name] = hv.v
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
