package gate_test

import (
	"testing"
)

// The mixed-path table (mixed.go) against cloudgate's real mux: each path
// lands where the table says.
func TestMixedPaths(t *testing.T) {
	up := newUpstream(t)
	g := startGated(t, up, nil)
	tok := login(t, g.Server, "alice", "acme")
	accept := map[string]string{"Accept": "application/*+xml;version=37.0"}
	for _, tc := range []struct {
		path     string
		upstream bool
	}{
		{"/api/org", true},
		{"/api/org/", true},
		{"/api/org/8a5e0c1e-0000-4000-8000-000000000001", true},
		{"/api/vdc/8a5e0c1e-0000-4000-8000-000000000001", true},
		{"/api/admin", true},
		{"/api/admin/", true},
		{"/api/admin/org/8a5e0c1e-0000-4000-8000-000000000001", false},
		{"/api/admin/org/8a5e0c1e-0000-4000-8000-000000000001/catalogs", true},
		{"/api/admin/user/8a5e0c1e-0000-4000-8000-000000000001", false},
		{"/api/admin/group/8a5e0c1e-0000-4000-8000-000000000001", true},
		{"/cloudapi/1.0.0/users", false},
		{"/cloudapi/1.0.0/roles", false},
		{"/cloudapi/1.0.0/orgs", false},
		{"/cloudapi/1.0.0/groups", true},
		{"/api/vApp/vapp-1", true},
		{"/cloudapi/1.0.0/vdcs", true},
		{"/somewhere/else", true},
		{"/api/session", false},
		{"/api/versions", false},
		{"/cloudapi/1.0.0/sessions/current", false},
		{"/cloudapi/1.0.0/tokens", false},
		{"/api/vchs/services", false},
		{"/v2/session", false},
		{"/healthz", false},
		{"/.well-known/jwks.json", false},
	} {
		_, _, before := up.lastSeen()
		status, body, _ := call(t, g.Client(), "GET", g.URL+tc.path, tok, accept)
		_, _, after := up.lastSeen()
		if got := after > before; got != tc.upstream {
			t.Errorf("GET %s reached the upstream: %v, want %v (%d %.120s)", tc.path, got, tc.upstream, status, body)
		}
	}
}
