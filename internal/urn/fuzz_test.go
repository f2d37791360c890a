package urn

import (
	"strings"
	"testing"
)

// FuzzParse: ids and URNs from paths, filters and tenant-context headers.
// Parse accepts exactly the canonical spelling (String gives back the
// input), so one object never has two names; any 16 bytes render to a
// string Parse reads back; ParseURN and ParseEither agree with Parse.
// Seeds: testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string, raw []byte, kind string) {
		u, err := Parse(s)
		if err != nil {
			if err != ErrInvalid || !u.IsZero() {
				t.Fatalf("Parse(%q) = %v, %v", s, u, err)
			}
		} else if u.String() != s {
			t.Fatalf("Parse(%q) accepted a non-canonical spelling (canonical %q)", s, u.String())
		}
		if e, err2 := ParseEither(s, kind); !strings.HasPrefix(s, "urn:") && (e != u || (err == nil) != (err2 == nil)) {
			t.Fatalf("ParseEither(%q) = %v, %v; Parse = %v, %v", s, e, err2, u, err)
		}
		if v, err := ParseURN(s, kind); err == nil {
			if v.URN(kind) != s {
				t.Fatalf("ParseURN(%q, %q) accepted a non-canonical spelling", s, kind)
			}
			if e, err := ParseEither(s, kind); err != nil || e != v {
				t.Fatalf("ParseEither(%q, %q) = %v, %v; ParseURN = %v", s, kind, e, err, v)
			}
		}

		var id UUID
		copy(id[:], raw)
		if back, err := Parse(id.String()); err != nil || back != id {
			t.Fatalf("Parse(%q) = %v, %v", id.String(), back, err)
		}
		if back, err := ParseURN(id.URN(kind), kind); err != nil || back != id {
			t.Fatalf("ParseURN(%q) = %v, %v", id.URN(kind), back, err)
		}
		if string(id.AppendText(nil)) != id.String() {
			t.Fatalf("AppendText and String disagree for %x", id[:])
		}
		// A URN of another kind is refused, whatever the id.
		if _, err := ParseURN(id.URN(kind+"x"), kind); err == nil {
			t.Fatalf("ParseURN accepted kind %q for %q", kind+"x", kind)
		}
		if _, err := Parse(strings.ToUpper(id.String())); err == nil && strings.ToUpper(id.String()) != id.String() {
			t.Fatalf("Parse accepted the upper-case spelling of %s", id)
		}
	})
}
