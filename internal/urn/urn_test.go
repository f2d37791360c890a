package urn

import (
	"testing"
	"time"
)

func TestRoundTrip(t *testing.T) {
	for i := 0; i < 100; i++ {
		u := New()
		got, err := Parse(u.String())
		if err != nil || got != u {
			t.Fatalf("round trip of %s: %v %v", u, got, err)
		}
		if u[6]>>4 != 4 || u[8]>>6 != 2 {
			t.Fatalf("not a version 4 variant 1 uuid: %s", u)
		}
		got, err = ParseURN(u.URN(Token), Token)
		if err != nil || got != u {
			t.Fatalf("urn round trip of %s: %v", u, err)
		}
	}
}

func TestParseRejects(t *testing.T) {
	for _, s := range []string{
		"",
		"0b4f8a3e-1c2d-4e5f-8a9b-0c1d2e3f4a5",   // short
		"0b4f8a3e-1c2d-4e5f-8a9b-0c1d2e3f4a5bb", // long
		"0B4F8A3E-1C2D-4E5F-8A9B-0C1D2E3F4A5B",  // uppercase
		"0b4f8a3e11c2d-4e5f-8a9b-0c1d2e3f4a5b",  // missing dash
		"0b4f8a3e-1c2d-4e5f-8a9b-0c1d2e3f4a5g",  // not hex
		"0b4f8a3e-1c2d-4e5f-8a9b-0c1d2e3f4a-b",  // dash in wrong place
	} {
		if _, err := Parse(s); err == nil {
			t.Errorf("Parse(%q) accepted", s)
		}
	}
	u := New()
	if _, err := ParseURN(u.URN(User), Token); err == nil {
		t.Error("ParseURN accepted the wrong kind")
	}
	if got, err := ParseEither(u.String(), Org); err != nil || got != u {
		t.Error("ParseEither rejected a bare uuid")
	}
	if got, err := ParseEither(u.URN(Org), Org); err != nil || got != u {
		t.Error("ParseEither rejected a urn")
	}
}

func TestTimeOrdered(t *testing.T) {
	base := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	prev := NewTimeOrdered(base)
	for i := 1; i < 100; i++ {
		u := NewTimeOrdered(base.Add(time.Duration(i) * time.Millisecond))
		if u[6]>>4 != 7 || u[8]>>6 != 2 {
			t.Fatalf("not a version 7 variant 1 uuid: %s", u)
		}
		if u.String() <= prev.String() {
			t.Fatalf("%s does not sort after %s", u, prev)
		}
		if _, err := Parse(u.String()); err != nil {
			t.Fatal(err)
		}
		prev = u
	}
}
