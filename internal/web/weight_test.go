package web_test

import (
	"net/http"
	"regexp"
	"sort"
	"testing"

	"github.com/cloudgate/cloudgate/internal/testserver"
)

// Every page is small: its HTML plus the files it loads. The figures are
// logged (go test -v -run TestPageWeights) for docs/web.md.
func TestPageWeights(t *testing.T) {
	srv := testserver.Start(t)
	admin := httpSignIn(t, srv, "/provider", "administrator", testserver.AdminPassword)
	alice := httpSignIn(t, srv, "/tenant/acme", "alice", testserver.Password)
	anon := &browserClient{t: t, srv: srv}
	assets := regexp.MustCompile(`(?:href|src)="(/static/[^"]+)"`)
	sizes := map[string]int{}
	files := map[string]int{}
	for _, tc := range []struct {
		who  *browserClient
		path string
	}{
		{anon, "/"},
		{anon, "/tenant/acme/"},
		{alice, "/tenant/acme/tokens"},
		{alice, "/tenant/acme/sessions"},
		{alice, "/tenant/acme/password"},
		{alice, "/tenant/acme/administration/users"},
		{alice, "/tenant/acme/administration/users/bob"},
		{alice, "/tenant/acme/administration/settings/service-accounts"},
		{admin, "/provider/administration/general/timeouts"},
		{admin, "/provider/administration/organizations"},
	} {
		resp, body := tc.who.do(http.MethodGet, tc.path, nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", tc.path, resp.StatusCode)
		}
		total := len(body)
		for _, m := range assets.FindAllStringSubmatch(body, -1) {
			if _, ok := files[m[1]]; !ok {
				r, b := anon.do(http.MethodGet, m[1], nil)
				if r.StatusCode != http.StatusOK || r.Header.Get("Cache-Control") == "no-store" {
					t.Fatalf("%s: %d %v", m[1], r.StatusCode, r.Header)
				}
				files[m[1]] = len(b)
			}
			total += files[m[1]]
		}
		sizes[tc.path] = total
		if total > 32<<10 {
			t.Errorf("%s weighs %d bytes with its files; keep pages under 32 KiB", tc.path, total)
		}
		t.Logf("%-58s html %5d B, with static files %5d B", tc.path, len(body), total)
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		t.Logf("%-58s %5d B (cached for an hour)", n, files[n])
	}
}
