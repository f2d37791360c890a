// Package urn owns the identifiers cloudgate hands out: random UUIDs and the
// Cloud Director URN form "urn:vcloud:<kind>:<uuid>" that every client parses.
package urn

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"strings"
	"time"
)

// UUID is a 16-byte RFC 9562 UUID. The zero value means "no id".
type UUID [16]byte

// Kinds of object that carry URNs. The spelling is Cloud Director's: clients
// build and match these strings (govcd builds "urn:vcloud:token:"+client_id).
const (
	Org            = "org"
	User           = "user"
	Role           = "role"
	Session        = "session"
	Token          = "token"
	ServiceAccount = "serviceAccount"
	Vdc            = "vdc"
	Site           = "site"
)

// ErrInvalid is returned for anything that is not a canonical lowercase UUID
// or URN of the expected kind.
var ErrInvalid = errors.New("invalid identifier")

// New returns a random (version 4) UUID. It panics only if the operating
// system's random source fails, which crypto/rand treats as fatal anyway.
func New() UUID {
	var u UUID
	if _, err := rand.Read(u[:]); err != nil {
		panic("urn: crypto/rand failed: " + err.Error())
	}
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return u
}

// NewTimeOrdered returns a version 7 UUID: 48 bits of Unix milliseconds,
// then random bits. Rows keyed by such ids are appended to their index
// instead of landing on a random page: a batch of new sessions then
// rewrites a few pages of the id index rather than one page per session.
// The id reveals its creation time to the millisecond, which session
// listings show anyway.
func NewTimeOrdered(now time.Time) UUID {
	u := New()
	var ms [8]byte
	binary.BigEndian.PutUint64(ms[:], uint64(now.UnixMilli())) // #nosec G115 -- a clock before 1970 only changes the (non-secret) order
	copy(u[:6], ms[2:])
	u[6] = u[6]&0x0f | 0x70
	return u
}

// IsZero reports whether u is the zero UUID.
func (u UUID) IsZero() bool { return u == UUID{} }

// String renders the canonical lowercase 8-4-4-4-12 form.
func (u UUID) String() string {
	var b [36]byte
	u.appendTo(b[:0])
	return string(b[:])
}

// AppendText appends the canonical form to dst (allocation-free rendering on
// hot paths).
func (u UUID) AppendText(dst []byte) []byte { return u.appendTo(dst) }

func (u UUID) appendTo(dst []byte) []byte {
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:36], u[10:16])
	return append(dst, b[:]...)
}

// URN renders "urn:vcloud:<kind>:<uuid>".
func (u UUID) URN(kind string) string {
	return "urn:vcloud:" + kind + ":" + u.String()
}

// Parse accepts only the canonical lowercase 36-character form. Cloud Director
// ids are lowercase and govcd's regular expressions reject uppercase, so
// accepting uppercase here would let two spellings name one object.
func Parse(s string) (UUID, error) {
	var u UUID
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return u, ErrInvalid
	}
	// Hex pairs start at these offsets of the 8-4-4-4-12 form.
	for j, i := range [16]int{0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34} {
		hi, ok1 := lowerHex(s[i])
		lo, ok2 := lowerHex(s[i+1])
		if !ok1 || !ok2 {
			return UUID{}, ErrInvalid
		}
		u[j] = hi<<4 | lo
	}
	return u, nil
}

func lowerHex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}

// ParseURN parses "urn:vcloud:<kind>:<uuid>" and checks the kind.
func ParseURN(s, kind string) (UUID, error) {
	prefix := "urn:vcloud:" + kind + ":"
	if !strings.HasPrefix(s, prefix) {
		return UUID{}, ErrInvalid
	}
	return Parse(s[len(prefix):])
}

// ParseEither accepts a bare UUID or a URN of the given kind; Cloud Director
// clients send both forms in tenant-context headers and paths.
func ParseEither(s, kind string) (UUID, error) {
	if strings.HasPrefix(s, "urn:") {
		return ParseURN(s, kind)
	}
	return Parse(s)
}
