// Package secret owns every secret cloudgate issues or keeps: random bearer
// tokens and their SHA-256 digests, the legacy 32-hex session keys, and
// argon2id password hashes.
//
// Tokens are at least 32 random bytes from crypto/rand, rendered with a type
// prefix in base64url (RFC 3986 unreserved characters only, so scripts that
// paste them into form bodies or URLs unencoded do not break them). Only the
// SHA-256 digest is ever stored; high-entropy secrets need no salt or KDF
// (NIST SP 800-63B §5.1.2.2).
package secret

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"

	"github.com/cloudgate/cloudgate/internal/urn"
)

// Token prefixes name what a token is for, so a leaked token can be
// recognised (and a session token pasted where an API token belongs is
// refused before any lookup).
const (
	PrefixSession   = "cgs_" // bearer session / access token
	PrefixAPIToken  = "cga_" // API token (OAuth refresh token of a user)
	PrefixSARefresh = "cgr_" // service-account refresh token (rotates)
	PrefixDevice    = "cgd_" // RFC 8628 device code
	PrefixWeb       = "cgw_" // web page cookie
)

// TokenBytes is the entropy of every issued token: 256 bits.
const TokenBytes = 32

// Digest is the SHA-256 of a token; it is what stores and caches key on.
type Digest [sha256.Size]byte

// IsZero reports whether d is the zero digest (no token).
func (d Digest) IsZero() bool { return d == Digest{} }

// Hex renders the digest for logs; a digest is not a secret.
func (d Digest) Hex() string { return hex.EncodeToString(d[:]) }

// Short renders the first 8 hex digits, enough to correlate log lines.
func (d Digest) Short() string { return hex.EncodeToString(d[:4]) }

// DigestOf returns the SHA-256 of s. Tokens are short: they are copied
// into a stack buffer rather than a fresh heap slice (it runs on every
// request).
func DigestOf(s string) Digest {
	if len(s) <= 128 {
		var buf [128]byte
		return sha256.Sum256(append(buf[:0], s...))
	}
	return sha256.Sum256([]byte(s))
}

// Equal compares two digests in constant time. Lookups go through a map
// keyed by digest; the comparison after the lookup is constant-time so that
// no code path compares secret-derived bytes with an early exit.
func Equal(a, b Digest) bool { return subtle.ConstantTimeCompare(a[:], b[:]) == 1 }

// NewToken returns a fresh token with the given prefix and its digest.
func NewToken(prefix string) (string, Digest) {
	var raw [TokenBytes]byte
	mustRead(raw[:])
	buf := make([]byte, len(prefix)+base64.RawURLEncoding.EncodedLen(TokenBytes))
	copy(buf, prefix)
	base64.RawURLEncoding.Encode(buf[len(prefix):], raw[:])
	s := string(buf)
	return s, DigestOf(s)
}

// NewSessionToken returns a bearer token for the session with id, and its
// digest: the prefix, then base64url of the 16-byte id followed by 32
// random bytes (68 characters). The id part lets a store find the session
// by its primary key instead of through an index of digests, which would
// be random-keyed and cost a random page write per new session; the
// random part is the secret. Only the digest of the whole token is stored
// and compared, in constant time.
func NewSessionToken(id urn.UUID) (string, Digest) {
	var raw [16 + TokenBytes]byte
	copy(raw[:16], id[:])
	mustRead(raw[16:])
	buf := make([]byte, len(PrefixSession)+base64.RawURLEncoding.EncodedLen(len(raw)))
	copy(buf, PrefixSession)
	base64.RawURLEncoding.Encode(buf[len(PrefixSession):], raw[:])
	s := string(buf)
	return s, DigestOf(s)
}

// sessionTokenLen is the length of NewSessionToken's tokens (68).
const sessionTokenLen = len(PrefixSession) + (16+TokenBytes)*4/3 // 48 bytes: 64 base64 characters, no padding

// IsSessionToken reports whether tok has the form of a session token.
func IsSessionToken(tok string) bool {
	_, ok := SessionID(tok)
	return ok
}

// SessionID returns the session id a bearer token names, if tok has the
// form NewSessionToken makes. It proves nothing: the caller must still
// compare the token's digest with the stored one.
func SessionID(tok string) (urn.UUID, bool) {
	var id urn.UUID
	if len(tok) != sessionTokenLen || tok[:len(PrefixSession)] != PrefixSession {
		return id, false
	}
	var raw [16 + TokenBytes]byte
	if n, err := base64.RawURLEncoding.Decode(raw[:], []byte(tok[len(PrefixSession):])); err != nil || n != len(raw) {
		return id, false
	}
	copy(id[:], raw[:16])
	return id, !id.IsZero()
}

// NewLegacyKey returns a 32-character lowercase hex key (128 bits) and its
// digest. Cloud Director clients pick the legacy x-vcloud-authorization
// header for tokens of 32 characters or fewer, so this key must stay at
// exactly 32 characters.
func NewLegacyKey() (string, Digest) {
	var raw [16]byte
	mustRead(raw[:])
	s := hex.EncodeToString(raw[:])
	return s, DigestOf(s)
}

// HasPrefix reports whether tok looks like a token of the given kind, with
// the exact length NewToken produces.
func HasPrefix(tok, prefix string) bool {
	return len(tok) == len(prefix)+base64.RawURLEncoding.EncodedLen(TokenBytes) && tok[:len(prefix)] == prefix
}

// Plausible reports whether s could be a token cloudgate issued: printable
// ASCII of bounded length. Anything else is refused before hashing so that
// header garbage never reaches a lookup.
func Plausible(s string) bool {
	if len(s) < 16 || len(s) > 256 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c > '~' {
			return false
		}
	}
	return true
}

// RandomBytes fills a new slice of n bytes from crypto/rand.
func RandomBytes(n int) []byte {
	b := make([]byte, n)
	mustRead(b)
	return b
}

func mustRead(b []byte) {
	// crypto/rand.Read never returns an error on supported platforms since
	// Go 1.24; it crashes the program instead. Keep the check for clarity.
	if _, err := rand.Read(b); err != nil {
		panic("secret: crypto/rand failed: " + err.Error())
	}
}
