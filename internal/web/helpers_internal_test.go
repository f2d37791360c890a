package web

import (
	"net/http/httptest"
	"testing"
	"time"
)

func TestSafeBack(t *testing.T) {
	c := &call{realm: realm{Prefix: "/tenant/acme", Org: "acme"}}
	for _, tc := range []struct{ back, want string }{
		{"", "/tenant/acme/tokens"},
		{"/tenant/acme/administration/users/bob", "/tenant/acme/administration/users/bob"},
		{"/tenant/acmex/tokens", "/tenant/acme/tokens"},
		{"//evil.example/tenant/acme/", "/tenant/acme/tokens"},
		{"https://evil.example/", "/tenant/acme/tokens"},
		{"/tenant/acme/\\evil", "/tenant/acme/tokens"},
		{"/tenant/globex/tokens", "/tenant/acme/tokens"},
	} {
		c.r = httptest.NewRequest("GET", "/tenant/acme/tokens/x/revoke?back="+urlQuery(tc.back), nil)
		if got := safeBack(c, "/tokens"); got != tc.want {
			t.Errorf("back %q: %q, want %q", tc.back, got, tc.want)
		}
	}
}

func TestRealmOf(t *testing.T) {
	for _, tc := range []struct {
		org, prefix string
		ok          bool
	}{
		{"", "/provider", true},
		{"acme", "/tenant/acme", true},
		{"System", "", false},
		{"sYsTeM", "", false},
		{"bad org", "", false},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		if tc.org != "" {
			r.SetPathValue("org", tc.org)
		}
		got, err := realmOf(r)
		if (err == nil) != tc.ok || got.Prefix != tc.prefix {
			t.Errorf("org %q: %+v, %v", tc.org, got, err)
		}
	}
}

func TestFormToken(t *testing.T) {
	a, b := formToken("cgs_one"), formToken("cgs_two")
	if a == b || a != formToken("cgs_one") || len(a) != 43 {
		t.Fatalf("form tokens %q %q", a, b)
	}
}

func TestDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		30 * time.Minute: "30m", 24 * time.Hour: "24h", 90 * time.Second: "1m30s", 90 * time.Minute: "90m",
	} {
		if got := duration(d); got != want {
			t.Errorf("%v: %q, want %q", d, got, want)
		}
	}
}
