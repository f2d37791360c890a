package serviceaccount

import (
	"crypto/rand"
	"strings"
	"time"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/grant"
	"github.com/cloudgate/cloudgate/internal/secret"
)

// User codes follow RFC 8628 §6.1: 8 characters of a base-20 alphabet of
// consonants (no vowels, so no words; no digits or look-alikes), about 34.6
// bits, shown as XXXX-XXXX and compared ignoring case and punctuation.
const (
	userCodeAlphabet = "BCDFGHJKLMNPQRSTVWXZ"
	userCodeLen      = 8
)

// newUserCode returns a random normalized user code (8 letters, no dash).
func newUserCode() string {
	var out [userCodeLen]byte
	var buf [16]byte
	n := 0
	for n < userCodeLen {
		if _, err := rand.Read(buf[:]); err != nil {
			panic("serviceaccount: crypto/rand failed: " + err.Error())
		}
		for _, b := range buf {
			// 240 = 12 × 20: rejecting the bytes above it keeps every
			// letter equally likely.
			if b < 240 && n < userCodeLen {
				out[n] = userCodeAlphabet[b%20]
				n++
			}
		}
	}
	return string(out[:])
}

// maxUserCodeInput bounds what NormalizeUserCode reads: a code typed or
// pasted with room to spare, not a field to fill.
const maxUserCodeInput = 64

// FormatUserCode renders a normalized code as people read it: XXXX-XXXX.
func FormatUserCode(norm string) string {
	if len(norm) != userCodeLen {
		return norm
	}
	return norm[:4] + "-" + norm[4:]
}

// NormalizeUserCode reads a user code as a person may type it: ASCII
// letters in any case, with any ASCII punctuation or spaces between them
// ("wdjb-mjht", "WDJB MJHT", "wdjbmjht."). It returns the 8 upper-case
// letters, or false when what remains is not 8 letters of the alphabet.
// Anything outside ASCII is refused rather than folded: Unicode case
// mapping would accept look-alikes (the long s "ſ" upper-cases to "S").
func NormalizeUserCode(s string) (string, bool) {
	if len(s) > maxUserCodeInput {
		return "", false
	}
	var out [userCodeLen]byte
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z':
			c -= 'a' - 'A'
		case c >= 'A' && c <= 'Z':
		case c == ' ' || c == '\t' || (c > ' ' && c < 0x7f && !isAlnum(c)):
			continue // punctuation and spaces carry nothing
		default:
			return "", false // digits, control characters, non-ASCII
		}
		if n == userCodeLen || strings.IndexByte(userCodeAlphabet, c) < 0 {
			return "", false
		}
		out[n] = c
		n++
	}
	if n != userCodeLen {
		return "", false
	}
	return string(out[:]), true
}

func isAlnum(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

// userCodeDigest is what the store keeps of a user code: the SHA-256 of
// its normalized form. With 34.6 bits a digest does not stop someone who
// reads the database from recovering a live code by trying them all; the
// code's protection is its 10-minute life, its single use, that only an
// administrator's session can approve it, and the guess limits. The digest
// keeps codes out of database dumps and query logs, and makes the lookup an
// exact match on a unique index.
func userCodeDigest(norm string) secret.Digest { return secret.DigestOf(norm) }

// guessLimits bounds wrong user codes: per client address, per approving
// account, and per org searched (every org for a System administrator
// without a tenant context). Each instance counts for itself, like the
// token endpoint's failure budget; see docs/service-accounts.md for the
// odds this leaves a guesser.
type guessLimits struct {
	addr, caller, org *grant.Limiter
	window            time.Duration
}

func newGuessLimits(perCaller, perOrg int, window time.Duration) guessLimits {
	return guessLimits{addr: grant.NewLimiter(perCaller, window), caller: grant.NewLimiter(perCaller, window),
		org: grant.NewLimiter(perOrg, window), window: window}
}

// guessKey names who guesses and where.
type guessKey struct{ addr, caller, org string }

func (g guessLimits) check(k guessKey, now time.Time) error {
	if g.addr.Blocked(k.addr, now) || g.caller.Blocked(k.caller, now) || g.org.Blocked(k.org, now) {
		return &apierr.Error{Kind: apierr.TooMany, RetryAfter: g.window,
			Message: "Too many unknown or expired user codes were tried; wait before trying again, and check the code the device shows"}
	}
	return nil
}

func (g guessLimits) miss(k guessKey, now time.Time) {
	g.addr.Fail(k.addr, now)
	g.caller.Fail(k.caller, now)
	g.org.Fail(k.org, now)
}
