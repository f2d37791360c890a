package names

import (
	"strings"
	"testing"
)

func TestCanonical(t *testing.T) {
	for _, tc := range []struct {
		in, canonical, display string // "" canonical: refused
	}{
		{"alice", "alice", "alice"},
		{"Alice", "alice", "Alice"},
		{"ａｌｉｃｅ", "alice", "alice"},       // full width
		{"ＡＬＩＣＥ", "alice", "ALICE"},       // full width capitals
		{"a\u0308lice", "älice", "älice"}, // NFD to NFC
		{"Älice", "älice", "Älice"},
		{"ΣΑΣ", "σασ", "ΣΑΣ"},
		{"deploy bot", "deploy bot", "deploy bot"},
		{"Deploy Bot", "deploy bot", "Deploy Bot"},
		{"a@b.c", "a@b.c", "a@b.c"},
		{"", "", ""},
		{" lead", "", ""},
		{"trail ", "", ""},
		{"two  spaces", "", ""},
		{"tab\there", "", ""},
		{"x\xffy", "", ""},
		{"zero\u200dwidth", "", ""},
		{"smile\u263a", "", ""},
	} {
		c, err := Canonical(tc.in)
		if c != tc.canonical || (err == nil) != (tc.canonical != "") {
			t.Errorf("Canonical(%q) = %q, %v; want %q", tc.in, c, err, tc.canonical)
		}
		d, err := Display(tc.in)
		if d != tc.display || (err == nil) != (tc.display != "") {
			t.Errorf("Display(%q) = %q, %v; want %q", tc.in, d, err, tc.display)
		}
		if tc.canonical != "" {
			if k := Key(tc.in); k != tc.canonical {
				t.Errorf("Key(%q) = %q, want %q", tc.in, k, tc.canonical)
			}
			if k := Key(d); k != tc.canonical {
				t.Errorf("Key(Display(%q)) = %q, want %q", tc.in, k, tc.canonical)
			}
		}
	}
}

// Key falls back to strings.ToLower for what the profile refuses, which is
// how names were keyed before: role names and legacy rows stay reachable.
func TestKeyFallback(t *testing.T) {
	for _, s := range []string{"vApp  Author", "Console Access Only", "x\xffy", "smile\u263a", "TAB\tX"} {
		if k := Key(s); k != strings.ToLower(s) {
			t.Errorf("Key(%q) = %q", s, k)
		}
	}
	// For ASCII names the new key is the old one.
	for _, s := range []string{"Administrator", "acme", "Org-1.x_y", "vApp Author"} {
		if k := Key(s); k != strings.ToLower(s) {
			t.Errorf("Key(%q) = %q, want the legacy %q", s, k, strings.ToLower(s))
		}
	}
}

func TestKeyFastPathAllocationFree(t *testing.T) {
	if n := testing.AllocsPerRun(100, func() { Key("alice.smith") }); n != 0 {
		t.Fatalf("Key of a lower-case ASCII name allocates %v", n)
	}
}
