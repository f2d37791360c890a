package reqctx

import (
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestClientIP(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	for _, tc := range []struct {
		remote, xff string
		trusted     []netip.Prefix
		want        string
	}{
		{"192.0.2.1:5000", "", nil, "192.0.2.1"},
		{"[2001:db8::1]:5000", "", nil, "2001:db8::1"},
		{"[::ffff:192.0.2.9]:5000", "", nil, "192.0.2.9"},
		{"192.0.2.1:5000", "198.51.100.1", nil, "192.0.2.1"},                              // untrusted peer: header ignored
		{"10.1.1.1:5000", "198.51.100.1", proxies, "198.51.100.1"},                        // trusted proxy
		{"10.1.1.1:5000", "203.0.113.5, 198.51.100.1, 10.2.2.2", proxies, "198.51.100.1"}, // right-most untrusted
		{"10.1.1.1:5000", "garbage", proxies, "10.1.1.1"},
		{"192.0.2.1:5000", "198.51.100.1", proxies, "192.0.2.1"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tc.remote
		if tc.xff != "" {
			r.Header.Set("X-Forwarded-For", tc.xff)
		}
		if got := ClientIP(r, tc.trusted); got != tc.want {
			t.Errorf("%s / %q: %q, want %q", tc.remote, tc.xff, got, tc.want)
		}
	}
}
