package gate

// When an upstream is configured, cloudgate still answers the paths it
// owns: logins, sessions, tokens, service accounts, /oauth, the
// session-listing (/auth, /v2) and vCloud Air (/api/vchs) dialects, its
// pages, /healthz, /metrics, the key set and forward-auth. Every path it
// would answer only with a catch-all 404 ("/", "/api/", "/cloudapi/") goes
// upstream.
//
// Some of cloudgate's own Cloud Director paths mix identity with
// resources only the upstream knows. This table says which of them go to
// the upstream when one is configured; docs/gate.md explains each. A
// pattern not listed stays with cloudgate.
var mixed = []struct {
	pattern  string
	upstream bool
}{
	// The org list and org documents link vDCs, catalogs and networks:
	// the upstream has them; cloudgate's are placeholders.
	{"/api/org", true},
	{"/api/org/{$}", true},
	{"/api/org/{id}", true},
	// The vCloud Air hand-off ends at /api/vdc/{id}: the vDC lives upstream.
	{"/api/vdc/{id}", true},
	// The admin root lists provider resources.
	{"/api/admin", true},
	{"/api/admin/{$}", true},
	// The AdminOrg is the org's identity and settings, which cloudgate
	// creates, updates and deletes (docs/identity-api.md); its vDC and
	// catalog lists are empty here, their own paths go upstream.
	{"/api/admin/org/{id}", false},
	// The session itself, its versions document and the roles a session
	// reports are cloudgate's.
	{"/api/session", false},
	{"/api/versions", false},
	{"/cloudapi/1.0.0/roles/{id}", false},
	{"/cloudapi/1.0.0/roles/{id}/rights", false},
}

// catchAll are the patterns cloudgate answers only with 404.
var catchAll = []string{"/", "/api/", "/cloudapi/"}

// ToUpstream reports whether a request that cloudgate's own mux matches
// with pattern goes to the upstream.
func ToUpstream(pattern string) bool {
	for _, p := range catchAll {
		if p == pattern {
			return true
		}
	}
	for _, m := range mixed {
		if m.pattern == pattern {
			return m.upstream
		}
	}
	return false
}
