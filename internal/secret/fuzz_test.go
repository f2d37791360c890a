package secret

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"github.com/cloudgate/cloudgate/internal/urn"
)

// FuzzParsePHC: stored password hashes are read back on every login, and
// a row may have been tampered with. parsePHC never panics; what it
// accepts has bounded cost (memory, passes, threads) and sane salt and
// tag lengths, and its canonical form reads back the same. Hashes
// HashPassword makes with cheap parameters verify the right password and
// refuse a wrong one. Seeds: testdata/fuzz/FuzzParsePHC.
func FuzzParsePHC(f *testing.F) {
	f.Fuzz(func(t *testing.T, phc, pw string, mem uint8) {
		p, salt, key, err := parsePHC(phc)
		if err != nil {
			if err != ErrMalformedHash {
				t.Fatalf("parsePHC(%q) error %v, want ErrMalformedHash", phc, err)
			}
			if _, _, err := VerifyPassword(phc, pw, DefaultParams()); err != ErrMalformedHash {
				t.Fatalf("VerifyPassword with hash %q: %v, want ErrMalformedHash", phc, err)
			}
		} else {
			if p.Memory > 256*1024 || p.Time < 1 || p.Time > 16 || p.Threads < 1 || p.Threads > 16 || p.Memory < 8*uint32(p.Threads) {
				t.Fatalf("parsePHC(%q) accepted unbounded parameters %+v", phc, p)
			}
			if len(salt) < 8 || len(salt) > 64 || len(key) < 16 || len(key) > 64 || p.SaltLen != len(salt) || p.KeyLen != len(key) {
				t.Fatalf("parsePHC(%q): salt %d, key %d bytes, params %+v", phc, len(salt), len(key), p)
			}
			canon := fmt.Sprintf("$argon2id$v=19$m=%d,t=%d,p=%d$%s$%s", p.Memory, p.Time, p.Threads,
				base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
			p2, salt2, key2, err := parsePHC(canon)
			if err != nil || p2 != p || string(salt2) != string(salt) || string(key2) != string(key) {
				t.Fatalf("parsePHC(%q) = %+v; its canonical form %q reads as %+v, %v", phc, p, canon, p2, err)
			}
		}

		// Hash and verify with parameters cheap enough to run per input.
		if len(pw) > MaxVerifyBytes {
			return
		}
		cheap := Params{Memory: 8 + uint32(mem%8)*8, Time: 1, Threads: 1, SaltLen: 8 + int(mem%9), KeyLen: 16 + int(mem%17)}
		h := HashPassword(pw, cheap)
		if got, _, _, err := parsePHC(h); err != nil || got != cheap {
			t.Fatalf("HashPassword made %q, which reads as %+v, %v; want %+v", h, got, err, cheap)
		}
		if ok, rehash, err := VerifyPassword(h, pw, cheap); !ok || rehash || err != nil {
			t.Fatalf("VerifyPassword(HashPassword(%q)) = %v, %v, %v", pw, ok, rehash, err)
		}
		if ok, rehash, err := VerifyPassword(h, pw+"x", cheap); ok || rehash || err != nil {
			t.Fatalf("VerifyPassword accepted a wrong password: %v, %v, %v", ok, rehash, err)
		}
		if _, rehash, _ := VerifyPassword(h, pw, DefaultParams()); !rehash {
			t.Fatalf("a hash with %+v does not ask for a rehash under the defaults", cheap)
		}
	})
}

// FuzzSessionID: bearer tokens name their session's id. SessionID never
// panics, accepts only the exact form NewSessionToken makes (so the id
// part cannot be spelled two ways), and reads back the id of every token
// NewSessionToken issues. Seeds: testdata/fuzz/FuzzSessionID.
func FuzzSessionID(f *testing.F) {
	f.Fuzz(func(t *testing.T, tok string, raw []byte) {
		if id, ok := SessionID(tok); ok {
			if id.IsZero() || len(tok) != sessionTokenLen || !strings.HasPrefix(tok, PrefixSession) || !Plausible(tok) {
				t.Fatalf("SessionID(%q) = %v for a token of the wrong form", tok, id)
			}
			b, err := base64.RawURLEncoding.DecodeString(tok[len(PrefixSession):])
			if err != nil || PrefixSession+base64.RawURLEncoding.EncodeToString(b) != tok {
				t.Fatalf("SessionID(%q) accepted a non-canonical encoding", tok)
			}
			if string(b[:16]) != string(id[:]) {
				t.Fatalf("SessionID(%q) = %v, not the id the token carries", tok, id)
			}
			if !IsSessionToken(tok) {
				t.Fatalf("SessionID(%q) ok but IsSessionToken false", tok)
			}
		} else if IsSessionToken(tok) {
			t.Fatalf("IsSessionToken(%q) true but SessionID refuses it", tok)
		}
		if Plausible(tok) {
			for i := 0; i < len(tok); i++ {
				if tok[i] <= ' ' || tok[i] > '~' {
					t.Fatalf("Plausible(%q) accepts byte %#x", tok, tok[i])
				}
			}
		}

		var id urn.UUID
		copy(id[:], raw)
		if id.IsZero() {
			return
		}
		issued, digest := NewSessionToken(id)
		if got, ok := SessionID(issued); !ok || got != id {
			t.Fatalf("SessionID(NewSessionToken(%v)) = %v, %v", id, got, ok)
		}
		if !Equal(digest, DigestOf(issued)) || !Plausible(issued) {
			t.Fatalf("NewSessionToken(%v): digest or form wrong", id)
		}
	})
}
