// Package querycred spots credentials in URL queries. A URL is logged by
// every proxy and server on its way and kept in histories, and a paging
// client copies it into every later request, so a token in a query string
// is a leaked token (RFC 6750 §2.3, RFC 6749 §3.2). The server refuses any
// request whose query names a credential; the OAuth endpoints also refuse
// their grant parameters there.
//
// The scan is on the hot path of every request: it works on the raw query
// without allocating (no url.ParseQuery, keys decoded into a stack buffer).
package querycred

import (
	"net/url"
	"strings"
)

// Names are the credential-looking parameter names refused on every
// endpoint, compared case-insensitively after percent-decoding. They are
// the names OAuth and common APIs give to bearer and refresh tokens,
// assertions, client secrets, authorization and device codes, passwords,
// API keys and Cloud Director's token headers spelled as parameters.
var names = [...]string{
	"access_token", "refresh_token", "id_token", "token", "assertion", "client_assertion",
	"client_secret", "code", "device_code", "password", "passwd", "api_key", "apikey", "api_token",
	"authorization", "x-vcloud-authorization", "x-vmware-vcloud-access-token",
}

// Names returns the parameter names Find refuses, for documentation and
// tests.
func Names() []string { return append([]string(nil), names[:]...) }

// OAuthNames returns the parameter names FindOAuth refuses: Names plus
// the grant parameters that belong in an OAuth form body.
func OAuthNames() []string { return append(Names(), "grant_type", "client_id", "username") }

// maxKey is the longest name in names; longer keys cannot match.
const maxKey = len("x-vmware-vcloud-access-token")

// Find reports the first parameter of the raw query (r.URL.RawQuery) whose
// name is a credential name, returning that name in its canonical
// lower-case spelling. Both '&' and ';' separate parameters (some proxies
// and frameworks split on either), '+' decodes to a space, surrounding
// spaces are ignored, and an undecodable key is compared as it is.
func Find(raw string) (string, bool) { return scan(raw, false) }

// FindOAuth is Find plus the OAuth grant parameters that must travel in a
// form body (grant_type, client_id, username), for the /oauth endpoints.
func FindOAuth(raw string) (string, bool) { return scan(raw, true) }

func scan(raw string, oauth bool) (string, bool) {
	for raw != "" {
		part := raw
		raw = ""
		for i := 0; i < len(part); i++ {
			if part[i] == '&' || part[i] == ';' {
				part, raw = part[:i], part[i+1:]
				break
			}
		}
		for i := 0; i < len(part); i++ {
			if part[i] == '=' {
				part = part[:i]
				break
			}
		}
		var buf [maxKey]byte
		key, ok, slow := decodeLower(buf[:0], part)
		if slow {
			// Long or non-ASCII keys: decoded and folded as any Go server
			// would (strings.TrimSpace trims Unicode spaces, and ToLower
			// folds the Kelvin sign to 'k'), so no spelling slips through.
			key, ok = slowKey(part), true
		}
		if !ok {
			continue
		}
		if name := match(key, oauth); name != "" {
			return name, true
		}
	}
	return "", false
}

// decodeLower percent-decodes and lower-cases s into buf, trimming ASCII
// whitespace. It reports slow when the key is longer than buf or holds a
// byte outside ASCII: such keys go through slowKey.
func decodeLower(buf []byte, s string) (key []byte, ok, slow bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			c = unhex(s[i+1])<<4 | unhex(s[i+2])
			i += 2
		case c == '+':
			c = ' '
		}
		if c >= 0x80 {
			return buf, false, true
		}
		if isSpace(c) && len(buf) == 0 {
			continue // leading space
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if len(buf) == cap(buf) {
			if isSpace(c) {
				continue // trailing spaces of a long key; trimmed below anyway
			}
			return buf, false, true
		}
		buf = append(buf, c)
	}
	for len(buf) > 0 && isSpace(buf[len(buf)-1]) {
		buf = buf[:len(buf)-1]
	}
	return buf, len(buf) > 0, false
}

// slowKey decodes and folds a key the allocating way.
func slowKey(s string) []byte {
	if u, err := url.QueryUnescape(s); err == nil {
		s = u
	}
	return []byte(strings.ToLower(strings.TrimSpace(s)))
}

// isSpace is ASCII whitespace as strings.TrimSpace sees it.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// match returns the canonical name key stands for, or "". A switch on
// string(key) neither allocates nor compares against every name (the
// compiler sorts the cases by length and value); TestNamesMatch keeps it
// in step with names.
func match(key []byte, oauth bool) string {
	switch string(key) {
	case "access_token", "refresh_token", "id_token", "token", "assertion", "client_assertion",
		"client_secret", "code", "device_code", "password", "passwd", "api_key", "apikey", "api_token",
		"authorization", "x-vcloud-authorization", "x-vmware-vcloud-access-token":
		return canonical(key)
	case "grant_type", "client_id", "username":
		if oauth {
			return canonical(key)
		}
	}
	return ""
}

// canonical returns the constant spelling of a matched key (a string that
// does not point into the caller's stack buffer).
func canonical(key []byte) string {
	for _, n := range names {
		if string(key) == n {
			return n
		}
	}
	for _, n := range [...]string{"grant_type", "client_id", "username"} {
		if string(key) == n {
			return n
		}
	}
	return ""
}
