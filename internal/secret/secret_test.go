package secret

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/urn"
)

func TestTokens(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		tok, d := NewToken(PrefixSession)
		if seen[tok] || !HasPrefix(tok, PrefixSession) || HasPrefix(tok, PrefixAPIToken) || len(tok) != 47 {
			t.Fatalf("bad token %q", tok)
		}
		seen[tok] = true
		if strings.ContainsAny(tok, "+/=") || !Plausible(tok) {
			t.Fatalf("token %q has characters outside base64url", tok)
		}
		if d != DigestOf(tok) || !Equal(d, DigestOf(tok)) || Equal(d, DigestOf(tok+"x")) {
			t.Fatal("digest mismatch")
		}
	}
	key, d := NewLegacyKey()
	if len(key) != 32 || strings.ToLower(key) != key || d.IsZero() {
		t.Fatalf("legacy key %q", key)
	}
	for _, s := range []string{"", "short", strings.Repeat("a", 300), "has space inside the token value", "tab\tinside-the-token"} {
		if Plausible(s) {
			t.Errorf("Plausible(%q)", s)
		}
	}
}

var fast = Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

func TestPasswordHashing(t *testing.T) {
	phc := HashPassword("pässword 🙂", fast)
	if !strings.HasPrefix(phc, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("PHC %q", phc)
	}
	ok, rehash, err := VerifyPassword(phc, "pässword 🙂", fast)
	if !ok || rehash || err != nil {
		t.Fatalf("verify: %v %v %v", ok, rehash, err)
	}
	ok, _, _ = VerifyPassword(phc, "pässword 🙃", fast)
	if ok {
		t.Fatal("wrong password accepted")
	}
	_, rehash, _ = VerifyPassword(phc, "pässword 🙂", DefaultParams())
	if !rehash {
		t.Fatal("parameter change not noticed")
	}
	for _, bad := range []string{
		"", "$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=1073741824,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", // 1 TiB: refused
		"$argon2id$v=19$m=64,t=1000,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=64,t=1,p=0$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=64,t=1,p=1$!!$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=64,t=1,p=1,x=2$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
	} {
		if _, _, err := VerifyPassword(bad, "x", fast); err != ErrMalformedHash {
			t.Errorf("VerifyPassword(%q) = %v", bad, err)
		}
	}
}

func TestCheckNewPassword(t *testing.T) {
	for _, tc := range []struct {
		pw   string
		min  int
		good bool
	}{
		{"twelve chars", MinPasswordRunes, true},
		{"eleven char", MinPasswordRunes, false},
		{"Bob-pass-1", 8, true},
		{"seven77", 8, false},
		{"four", 1, false}, // never below NIST's 8
		{"ünïcødé pässwörd", MinPasswordRunes, true},
		{strings.Repeat("x", 129), MinPasswordRunes, false},
		{"control\x01chars here", MinPasswordRunes, false},
		{"invalid utf8 \xff here", MinPasswordRunes, false},
	} {
		if err := CheckNewPassword(tc.pw, tc.min); (err == nil) != tc.good {
			t.Errorf("CheckNewPassword(%q, %d) = %v", tc.pw, tc.min, err)
		}
	}
}

// A saturated hasher makes callers wait, then answers Unavailable.
func TestHasherBackpressure(t *testing.T) {
	h := NewHasher(HasherConfig{Params: Params{Memory: 8192, Time: 8, Threads: 1, SaltLen: 16, KeyLen: 32}, Workers: 1, MaxWait: 20 * time.Millisecond})
	defer h.Close()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := h.Hash(context.Background(), "password-password")
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	var ok, unavailable int
	for err := range errs {
		switch {
		case err == nil:
			ok++
		case apierr.Is(err, apierr.Unavailable) && apierr.As(err).RetryAfter > 0:
			unavailable++
		default:
			t.Fatalf("unexpected error %v", err)
		}
	}
	if ok == 0 || unavailable == 0 {
		t.Fatalf("%d hashed, %d refused; want some of each", ok, unavailable)
	}
}

func TestSessionTokens(t *testing.T) {
	id := urn.NewTimeOrdered(time.Now())
	tok, d := NewSessionToken(id)
	if len(tok) != 68 || !strings.HasPrefix(tok, PrefixSession) || strings.ContainsAny(tok, "+/=") || !Plausible(tok) {
		t.Fatalf("token %q", tok)
	}
	if got, ok := SessionID(tok); !ok || got != id || !IsSessionToken(tok) || d != DigestOf(tok) {
		t.Fatalf("SessionID = %v, %v", got, ok)
	}
	other, _ := NewSessionToken(id)
	if other == tok {
		t.Fatal("two tokens for one id are equal: the secret part is missing")
	}
	for _, bad := range []string{"", tok[:67], tok + "A", "cga_" + tok[4:], "cgs_" + strings.Repeat("!", 64),
		"cgs_" + strings.Repeat("A", 64)} { // decodes, but to the zero id
		if _, ok := SessionID(bad); ok {
			t.Errorf("SessionID(%q) accepted", bad)
		}
	}
}
