package gate

import (
	"net/http"
	"strings"

	"github.com/cloudgate/cloudgate/internal/apierr"
)

// Sessions made from API tokens and service accounts have view rights only
// for users, groups, roles, global roles and rights bundles (Cloud
// Director's token-session restriction, docs/gate.md). cloudgate enforces
// it for the paths it passes upstream, before the upstream sees them; this
// is the one table of those paths.
//
// Matching works on the decoded path, per segment, ignoring case and
// ";parameters" (servlet containers drop matrix parameters before routing,
// so "/api/admin/user;x=1/..." reaches the same resource).
var (
	// viewOnlyAdmin: /api/admin/{seg}... and /api/admin/org/{id}/{seg}...
	viewOnlyAdmin = []string{"user", "users", "group", "groups", "role", "roles"}
	// viewOnlyCloudAPI: /cloudapi/{version}/{seg}...
	viewOnlyCloudAPI = []string{"users", "groups", "roles", "globalRoles", "rightsBundles"}
)

// errViewOnly is the refusal of a write by a restricted session.
var errViewOnly = apierr.New(apierr.Forbidden,
	"Sessions created from an API token or a service account have view rights only for users, groups, roles, global roles and rights bundles.")

// restricted reports whether a restricted session may not send method to
// path.
func restricted(method, path string) bool {
	if method == http.MethodGet || method == http.MethodHead {
		return false
	}
	return viewOnlyPath(path)
}

// viewOnlyPath reports whether path is in the view-only table.
func viewOnlyPath(path string) bool {
	segs := segments(path)
	switch {
	case len(segs) >= 3 && eq(segs[0], "api") && eq(segs[1], "admin"):
		if anyEq(segs[2], viewOnlyAdmin) {
			return true
		}
		return len(segs) >= 5 && eq(segs[2], "org") && anyEq(segs[4], viewOnlyAdmin)
	case len(segs) >= 3 && eq(segs[0], "cloudapi"):
		return anyEq(segs[2], viewOnlyCloudAPI)
	}
	return false
}

// segments splits a path into its non-empty segments, each without
// ";parameters".
func segments(path string) []string {
	var out []string
	for _, s := range strings.Split(path, "/") {
		if i := strings.IndexByte(s, ';'); i >= 0 {
			s = s[:i]
		}
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

func eq(a, b string) bool { return strings.EqualFold(a, b) }

func anyEq(s string, set []string) bool {
	for _, x := range set {
		if strings.EqualFold(s, x) {
			return true
		}
	}
	return false
}
