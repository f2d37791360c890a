// Package names gives user, org and service-account names one canonical
// form, so that "alice", "Alice", "ａｌｉｃｅ" (full width) and a
// decomposed "älice" cannot become different accounts that look alike.
//
// The form is RFC 8265's UsernameCaseMapped profile
// (golang.org/x/text/secure/precis): width mapping, Unicode lower case,
// NFC, and the IdentifierClass repertoire (no spaces, controls or symbols
// outside it; the Bidi rule). As RFC 8265 §3.3 allows, a name may be
// several userparts separated by single ASCII spaces; each part is
// processed on its own. Display names keep their case
// (UsernameCasePreserved); comparisons and unique keys use Key.
//
// The store uses Key for its name_key columns and for every lookup by name,
// so a login spelled in any equivalent form finds the one account. Names
// stored before this form existed were keyed with strings.ToLower; for
// ASCII names the two agree, and Key falls back to strings.ToLower for a
// name the profile refuses (role and token names with punctuation, or a
// legacy row), so existing data keeps working.
package names

import (
	"errors"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/secure/precis"
)

// ErrInvalid is returned for a name the profile refuses.
var ErrInvalid = errors.New("not a valid name")

// Canonical returns the comparison form of name (UsernameCaseMapped per
// space-separated part), or ErrInvalid (empty, invalid UTF-8, a character
// outside the profile, leading, trailing or doubled spaces).
func Canonical(name string) (string, error) { return apply(precis.UsernameCaseMapped, name) }

// Display returns the form a new name is stored in: width-mapped and NFC
// but with its case kept (UsernameCasePreserved per part), or ErrInvalid.
func Display(name string) (string, error) { return apply(precis.UsernameCasePreserved, name) }

// Key is the unique-index and lookup key of name: Canonical, or
// strings.ToLower for a name the profile refuses (see the package
// comment). It never fails.
func Key(name string) string {
	if isLowerASCIIName(name) {
		return name // the common case, without the profile's allocations
	}
	if k, err := Canonical(name); err == nil {
		return k
	}
	return strings.ToLower(name)
}

// isLowerASCIIName reports names the profile leaves unchanged: lower-case
// ASCII letters, digits and the punctuation IdentifierClass allows, with
// single spaces between parts.
func isLowerASCIIName(s string) bool {
	if s == "" || s[0] == ' ' || s[len(s)-1] == ' ' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ':
			if s[i-1] == ' ' {
				return false
			}
		case c < 0x21 || c > 0x7e || ('A' <= c && c <= 'Z'):
			return false
		}
	}
	return true
}

func apply(p *precis.Profile, name string) (string, error) {
	if name == "" || !utf8.ValidString(name) {
		return "", ErrInvalid
	}
	parts := strings.Split(name, " ")
	for i, part := range parts {
		if part == "" {
			return "", ErrInvalid
		}
		out, err := p.String(part)
		if err != nil || out == "" || strings.ContainsRune(out, ' ') {
			return "", ErrInvalid
		}
		parts[i] = out
	}
	return strings.Join(parts, " "), nil
}
