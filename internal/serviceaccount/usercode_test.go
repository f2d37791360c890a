package serviceaccount

import (
	"strings"
	"testing"
	"time"

	"github.com/cloudgate/cloudgate/internal/apierr"
)

func TestNormalizeUserCode(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"WDJB-MJHT", "WDJBMJHT", true},
		{"wdjb-mjht", "WDJBMJHT", true},
		{"WdJb MjHt", "WDJBMJHT", true},
		{"  wdjbmjht.  ", "WDJBMJHT", true},
		{"W-D-J-B-M-J-H-T", "WDJBMJHT", true},
		{"wdjb_mjht!", "WDJBMJHT", true},
		{"\twdjb/mjht", "WDJBMJHT", true},
		{"WDJB-MJH", "", false},              // 7 letters
		{"WDJB-MJHTX", "", false},            // 9 letters
		{"WDJB-MJH1", "", false},             // a digit is not punctuation
		{"WAJB-MJHT", "", false},             // vowels are not in the alphabet
		{"WDJB-MJHY", "", false},             // nor is Y
		{"WDJB\nMJHT", "", false},            // control characters
		{"WDJB-MJHſ", "", false},             // no Unicode case folding (ſ upper-cases to S)
		{"ＷDJB-MJHT", "", false},             // full-width letters
		{"", "", false},                      //
		{strings.Repeat("-", 65), "", false}, // bounded before the loop
	} {
		got, ok := NormalizeUserCode(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("NormalizeUserCode(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
	if FormatUserCode("WDJBMJHT") != "WDJB-MJHT" {
		t.Fatal("FormatUserCode")
	}
}

// Fresh codes use the alphabet only, read back as themselves in any
// presentation, and spread over every letter.
func TestNewUserCode(t *testing.T) {
	seen := map[rune]int{}
	codes := map[string]bool{}
	for range 2000 {
		c := newUserCode()
		if len(c) != userCodeLen {
			t.Fatalf("code %q has %d characters", c, len(c))
		}
		for _, r := range c {
			if !strings.ContainsRune(userCodeAlphabet, r) {
				t.Fatalf("code %q has %q outside the alphabet", c, r)
			}
			seen[r]++
		}
		for _, shown := range []string{c, FormatUserCode(c), strings.ToLower(FormatUserCode(c))} {
			if n, ok := NormalizeUserCode(shown); !ok || n != c {
				t.Fatalf("%q normalizes to %q, %v", shown, n, ok)
			}
		}
		codes[c] = true
	}
	if len(seen) != 20 {
		t.Fatalf("only %d letters of 20 ever drawn", len(seen))
	}
	// 16000 draws over 20 letters: each expected 800 times; far from
	// uniform would show as a letter below 600 or above 1000.
	for r, n := range seen {
		if n < 600 || n > 1000 {
			t.Errorf("letter %q drawn %d times of 16000", r, n)
		}
	}
	if len(codes) < 1999 {
		t.Fatalf("%d distinct codes of 2000", len(codes))
	}
}

// FuzzUserCode: whatever a person (or an attacker) types, normalisation
// never panics; what it accepts is 8 letters of the alphabet, is stable,
// and is the same whatever the case and the punctuation around it.
func FuzzUserCode(f *testing.F) {
	for _, s := range []string{"WDJB-MJHT", "wdjb mjht", "BCDF-GHJK", "", "----", "WDJB-MJHſ", "abcd-efgh", "ZZZZ ZZZZ\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, ok := NormalizeUserCode(s)
		if !ok {
			if n != "" {
				t.Fatalf("refused %q but returned %q", s, n)
			}
			return
		}
		if len(n) != userCodeLen {
			t.Fatalf("%q normalized to %q", s, n)
		}
		for i := 0; i < len(n); i++ {
			if strings.IndexByte(userCodeAlphabet, n[i]) < 0 {
				t.Fatalf("%q normalized to %q, outside the alphabet", s, n)
			}
		}
		for _, variant := range []string{n, FormatUserCode(n), strings.ToLower(s), strings.ToUpper(s), " " + s + "-", strings.ReplaceAll(s, "-", " ")} {
			if len(variant) > maxUserCodeInput {
				// Past the input bound every variant is refused, padding
				// or not.
				if m, ok := NormalizeUserCode(variant); ok {
					t.Fatalf("%q (%d bytes) normalized to %q", variant, len(variant), m)
				}
				continue
			}
			if m, ok := NormalizeUserCode(variant); !ok || m != n {
				t.Fatalf("%q normalized to %q but %q to %q, %v", s, n, variant, m, ok)
			}
		}
		// What is stored and looked up is the digest of the normal form,
		// so every way of typing the code finds the same row.
		if m, _ := NormalizeUserCode(strings.ToLower(FormatUserCode(n))); userCodeDigest(m) != userCodeDigest(n) {
			t.Fatal("the digest depends on how the code was typed")
		}
	})
}

// The guess limits: per address, per approving account and per org, each
// in its own fixed window; a blocked key blocks whatever the others say.
func TestGuessLimits(t *testing.T) {
	g := newGuessLimits(3, 5, time.Minute)
	t0 := time.Now()
	k := guessKey{addr: "192.0.2.1", caller: "alice", org: "acme"}
	for range 3 {
		if err := g.check(k, t0); err != nil {
			t.Fatal(err)
		}
		g.miss(k, t0)
	}
	err := g.check(k, t0)
	if e := apierr.As(err); e.Kind != apierr.TooMany || e.RetryAfter != time.Minute {
		t.Fatalf("after 3 misses: %v", err)
	}
	for name, other := range map[string]guessKey{
		"same address": {addr: "192.0.2.1", caller: "dave", org: "globex"},
		"same caller":  {addr: "192.0.2.9", caller: "alice", org: "globex"},
	} {
		if g.check(other, t0) == nil {
			t.Errorf("%s: not blocked", name)
		}
	}
	// The org budget: two more misses of acme from elsewhere block acme
	// for everyone.
	for i, c := range []string{"erin", "frank"} {
		k := guessKey{addr: "198.51.100." + string(rune('1'+i)), caller: c, org: "acme"}
		if err := g.check(k, t0); err != nil {
			t.Fatalf("%s: %v", c, err)
		}
		g.miss(k, t0)
	}
	if g.check(guessKey{addr: "203.0.113.1", caller: "grace", org: "acme"}, t0) == nil {
		t.Fatal("acme not blocked after its org budget")
	}
	if err := g.check(guessKey{addr: "203.0.113.1", caller: "grace", org: "globex"}, t0); err != nil {
		t.Fatalf("globex blocked by acme's misses: %v", err)
	}
	if err := g.check(k, t0.Add(time.Minute)); err != nil {
		t.Fatalf("still blocked after the window: %v", err)
	}
}
