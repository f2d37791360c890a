package server_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/cloudgate/cloudgate/internal/testserver"
)

// TestPagingLinksCarryOnlyListParameters is the regression test of defect 1
// of issue 15: the Link headers of a list copied every query parameter, so
// a token put in the query travelled on into every page the SDK followed.
func TestPagingLinksCarryOnlyListParameters(t *testing.T) {
	srv := testserver.Start(t)
	tok, _ := login(t, srv, "bob@acme", testserver.Password)
	login(t, srv, "bob@acme", testserver.Password) // a second session: two pages of one
	hdr := map[string]string{"Accept": jsonV, "Authorization": "Bearer " + tok}
	code, h, body := call(t, srv, "GET", "/cloudapi/1.0.0/sessions?pageSize=1&sortDesc=createdAt&filter=dialect%3D%3Dcloudapi&utm_source=x&debug=1", hdr)
	if code != 200 {
		t.Fatalf("list: %d %s", code, body)
	}
	links := h.Values("Link")
	if len(links) < 2 {
		t.Fatalf("want paging links, got %q", links)
	}
	for _, l := range links {
		raw := l[strings.Index(l, "<")+1 : strings.Index(l, ">")]
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatalf("link %q: %v", l, err)
		}
		for k := range u.Query() {
			switch k {
			case "page", "pageSize", "filter", "sortAsc", "sortDesc":
			default:
				t.Errorf("link %q carries %q", l, k)
			}
		}
		if q := u.Query(); q.Get("filter") != "dialect==cloudapi" || q.Get("sortDesc") != "createdAt" || q.Get("pageSize") != "1" {
			t.Errorf("link %q lost a list parameter", l)
		}
	}
}

// TestCredentialInQueryRefused: a credential-looking query parameter is
// refused with 400 on every endpoint, in the format of the dialect that
// owns the path, before anything else looks at the request.
func TestCredentialInQueryRefused(t *testing.T) {
	srv := testserver.Start(t)
	tok, _ := login(t, srv, "bob@acme", testserver.Password)
	bearer := "Bearer " + tok
	for _, tc := range []struct {
		name, method, path string
		headers            map[string]string
		contentType, has   string
	}{
		{"cloudapi list with its own token", "GET", "/cloudapi/1.0.0/sessions?pageSize=1&access_token=" + tok, map[string]string{"Accept": jsonV, "Authorization": bearer}, "application/json", `"BAD_REQUEST"`},
		{"cloudapi tokens with refresh_token", "GET", "/cloudapi/1.0.0/tokens?refresh_token=cga_x", map[string]string{"Accept": jsonV, "Authorization": bearer}, "application/json", `"BAD_REQUEST"`},
		{"upper case and percent-encoded key", "GET", "/cloudapi/1.0.0/serviceAccounts?Access%5FToken=xyzzy", map[string]string{"Accept": jsonV, "Authorization": bearer}, "application/json", `"BAD_REQUEST"`},
		{"after a semicolon", "GET", "/cloudapi/1.0.0/sessions?page=1;password=xyzzy", map[string]string{"Accept": jsonV, "Authorization": bearer}, "application/json", `"BAD_REQUEST"`},
		{"xml api", "GET", "/api/session?token=xyzzy", map[string]string{"Accept": xmlV, "Authorization": bearer}, "application/vnd.vmware.vcloud.error+xml", `majorErrorCode="400"`},
		{"xml login", "POST", "/api/sessions?password=xyzzy", map[string]string{"Accept": xmlV}, "application/vnd.vmware.vcloud.error+xml", `majorErrorCode="400"`},
		{"session-listing api", "GET", "/v2/session?id_token=xyzzy", map[string]string{"Authorization": bearer}, "application/json", `"status":400`},
		{"vcloud air", "POST", "/api/vchs/sessions?client_secret=xyzzy", map[string]string{"Accept": "application/xml;class=vnd.vmware.vchs.session;version=5.6"}, "application/xml", `400`},
		{"oauth", "POST", "/oauth/tenant/acme/token?assertion=xyzzy", nil, "application/json", `"error":"invalid_request"`},
		{"unauthenticated health check", "GET", "/healthz?code=xyzzy", nil, "application/json", `"BAD_REQUEST"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, h, body := call(t, srv, tc.method, tc.path, tc.headers)
			if code != 400 || !strings.HasPrefix(h.Get("Content-Type"), tc.contentType) || !strings.Contains(body, tc.has) {
				t.Fatalf("got %d %q %s", code, h.Get("Content-Type"), body)
			}
			if strings.Contains(body, tok) || strings.Contains(body, "xyzzy") {
				t.Fatalf("the refusal echoes the value: %s", body)
			}
			if h.Get("Link") != "" {
				t.Fatalf("a refusal carries links: %q", h.Values("Link"))
			}
		})
	}
	// Ordinary parameters still work.
	if code, _, body := call(t, srv, "GET", "/cloudapi/1.0.0/sessions?page=1&pageSize=5&tokenish=1", map[string]string{"Accept": jsonV, "Authorization": bearer}); code != 200 {
		t.Fatalf("ordinary list: %d %s", code, body)
	}
}
