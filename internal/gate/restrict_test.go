package gate

import "testing"

// Every entry of the view-only table, its children, and the near misses
// that are not in it.
func TestRestrictionTable(t *testing.T) {
	var viewOnly []string
	for _, seg := range viewOnlyAdmin {
		viewOnly = append(viewOnly, "/api/admin/"+seg, "/api/admin/"+seg+"/abc", "/api/admin/org/o1/"+seg, "/api/admin/org/o1/"+seg+"/x/y")
	}
	for _, seg := range viewOnlyCloudAPI {
		viewOnly = append(viewOnly, "/cloudapi/1.0.0/"+seg, "/cloudapi/1.0.0/"+seg+"/urn:vcloud:x", "/cloudapi/2.0.0/"+seg+"/a/b")
	}
	// Spellings a servlet container routes to the same resource.
	viewOnly = append(viewOnly, "/API/Admin/USER/x", "/api/admin/user;jsessionid=1/x", "/api//admin/user", "/cloudapi/1.0.0/rightsbundles")
	for _, p := range viewOnly {
		for _, m := range []string{"POST", "PUT", "PATCH", "DELETE", "OPTIONS"} {
			if !restricted(m, p) {
				t.Errorf("%s %s is not refused", m, p)
			}
		}
		for _, m := range []string{"GET", "HEAD"} {
			if restricted(m, p) {
				t.Errorf("%s %s is refused", m, p)
			}
		}
	}
	for _, p := range []string{"/api/admin", "/api/admin/org/o1", "/api/admin/vdc/x", "/api/admin/org/o1/catalogs", "/api/org/o1/users",
		"/cloudapi/1.0.0/vdcs", "/cloudapi/1.0.0/orgs/x/users", "/cloudapi", "/api/vApp/users", "/usersx", "/api/admin/userx"} {
		if restricted("POST", p) {
			t.Errorf("POST %s is refused", p)
		}
	}
}

func TestQueryCredential(t *testing.T) {
	for q, want := range map[string]bool{
		"":                            false,
		"filter=name==x&page=1":       false,
		"access_token=abc":            true,
		"ACCESS_TOKEN=abc":            true,
		"x-vcloud-authorization=0123": true,
		"q=cgs_abcdef":                true,
		"q=cgs%5Fabcdef":              true,
		"cga_abc":                     false,
		"q=x&token=y":                 true,
	} {
		if got := queryCredential(q); got != want {
			t.Errorf("queryCredential(%q) = %v, want %v", q, got, want)
		}
	}
}

func TestRouteTable(t *testing.T) {
	tb := newTable(map[string]string{"/": "root", "/billing": "billing", "/billing/v2/": "v2", "/api/": "api"})
	for path, want := range map[string]string{
		"/x": "root", "/billing": "billing", "/billing/x": "billing", "/billingx": "root",
		"/billing/v2/a": "v2", "/billing/v2": "billing", "/api/org": "api",
	} {
		if got, _ := tb.lookup(path); got != want {
			t.Errorf("lookup(%s) = %s, want %s", path, got, want)
		}
	}
}

func TestHeaderValue(t *testing.T) {
	for in, want := range map[string]string{
		"alice": "alice", "Organization Administrator": "Organization Administrator",
		"Ács": "%C3%81cs", "a,b": "a%2Cb", "50%": "50%25", "x\r\nX-Evil: 1": "x%0D%0AX-Evil: 1",
	} {
		if got := headerValue(in); got != want {
			t.Errorf("headerValue(%q) = %q, want %q", in, got, want)
		}
	}
}
