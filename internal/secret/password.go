package secret

import (
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id parameters. Memory is in KiB.
type Params struct {
	Memory  uint32
	Time    uint32
	Threads uint8
	SaltLen int
	KeyLen  int
}

// DefaultParams is OWASP's argon2id recommendation (m=19 MiB, t=2, p=1) with
// a 16-byte salt and a 32-byte tag.
func DefaultParams() Params {
	return Params{Memory: 19456, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}
}

// Password length limits. Passwords that are set must be 12–128 characters
// (ASVS 2.1.1/2.1.2); anything longer than MaxVerifyBytes is refused before
// hashing so a huge "password" cannot buy CPU time.
const (
	MinPasswordRunes = 12
	MaxPasswordRunes = 128
	MaxVerifyBytes   = 1024
)

// ErrMalformedHash is returned for a stored hash that is not an argon2id PHC
// string with sane parameters (a tampered row must not make us allocate
// gigabytes).
var ErrMalformedHash = errors.New("malformed password hash")

// HashPassword hashes pw with p and returns the PHC string
// "$argon2id$v=19$m=..,t=..,p=..$salt$hash". It is CPU- and memory-heavy;
// call it through a Hasher on request paths.
func HashPassword(pw string, p Params) string {
	salt := RandomBytes(p.SaltLen)
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, uint32(p.KeyLen)) // #nosec G115 -- KeyLen is ours (DefaultParams), 32
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

// VerifyPassword checks pw against the PHC string. rehash is true when the
// hash is valid but was made with parameters other than want, so the caller
// can store a fresh hash after a successful login.
func VerifyPassword(phc, pw string, want Params) (ok, rehash bool, err error) {
	p, salt, key, err := parsePHC(phc)
	if err != nil {
		return false, false, err
	}
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, uint32(len(key))) // #nosec G115 -- parsePHC bounds len(key) to 16..64
	ok = subtle.ConstantTimeCompare(got, key) == 1
	rehash = p.Memory != want.Memory || p.Time != want.Time || p.Threads != want.Threads ||
		len(salt) != want.SaltLen || len(key) != want.KeyLen
	return ok, rehash, nil
}

func parsePHC(phc string) (Params, []byte, []byte, error) {
	var p Params
	parts := strings.Split(phc, "$")
	// "", "argon2id", "v=19", "m=..,t=..,p=..", salt, hash
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != "v=19" {
		return p, nil, nil, ErrMalformedHash
	}
	for _, kv := range strings.Split(parts[3], ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return p, nil, nil, ErrMalformedHash
		}
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return p, nil, nil, ErrMalformedHash
		}
		switch k {
		case "m":
			p.Memory = uint32(n)
		case "t":
			p.Time = uint32(n)
		case "p":
			if n > 255 {
				return p, nil, nil, ErrMalformedHash
			}
			p.Threads = uint8(n)
		default:
			return p, nil, nil, ErrMalformedHash
		}
	}
	// Bounds: at most 256 MiB and 16 passes, so a tampered row cannot turn
	// one login into a denial of service.
	if p.Threads < 1 || p.Threads > 16 || p.Time < 1 || p.Time > 16 ||
		p.Memory < 8*uint32(p.Threads) || p.Memory > 256*1024 {
		return p, nil, nil, ErrMalformedHash
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	key, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(salt) < 8 || len(salt) > 64 || len(key) < 16 || len(key) > 64 {
		return p, nil, nil, ErrMalformedHash
	}
	p.SaltLen, p.KeyLen = len(salt), len(key)
	return p, salt, key, nil
}

// CheckNewPassword validates a password that is about to be set: minRunes
// to MaxPasswordRunes characters, valid UTF-8, no control characters. There
// are no composition rules (NIST SP 800-63B §5.1.1.2). Callers pass
// MinPasswordRunes except for test fixtures (seed files), which may go down
// to NIST's absolute minimum of 8.
func CheckNewPassword(pw string, minRunes int) error {
	if !utf8.ValidString(pw) {
		return errors.New("password is not valid UTF-8")
	}
	n := 0
	for _, r := range pw {
		if r < 0x20 || r == 0x7f {
			return errors.New("password must not contain control characters")
		}
		n++
	}
	if minRunes < 8 {
		minRunes = 8
	}
	if n < minRunes {
		return fmt.Errorf("password must be at least %d characters", minRunes)
	}
	if n > MaxPasswordRunes {
		return fmt.Errorf("password must be at most %d characters", MaxPasswordRunes)
	}
	return nil
}
