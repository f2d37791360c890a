package e2e

import (
	"encoding/xml"
	"strings"
	"testing"

	"github.com/cloudgate/cloudgate/internal/server"
	"github.com/cloudgate/cloudgate/internal/testserver"
)

// probe is one request that a dialect answers when it is on.
type probe struct {
	dialect, method, path string
	header                []string
	on                    int // status when the dialect is served
}

func probes() []probe {
	alice := basicAuth("alice@acme", testserver.Password)
	return []probe{
		{"vcd", "GET", "/api/versions", nil, 200},
		{"vcd", "POST", "/api/sessions", []string{"Authorization", alice, "Accept", xmlAccept}, 200},
		{"vcd", "POST", "/cloudapi/1.0.0/sessions", []string{"Authorization", alice, "Accept", jsonAccept}, 200},
		{"vss", "POST", "/auth/request-token", []string{"Authorization", alice}, 200},
		{"vss", "OPTIONS", "/v2/session", nil, 200},
		{"vss", "GET", "/v2/session", nil, 401},
		{"vchs", "POST", "/api/vchs/sessions", []string{"Authorization", alice, "Accept", vchsAccept}, 201},
		// pyvcloud's probe: 401 means "this is vCloud Air".
		{"vchs", "POST", "/api/vchs/sessions", []string{"Authorization", basicAuth("_", "_")}, 401},
		{"vchs", "GET", "/api/vchs/services", nil, 401},
	}
}

// Every combination of --dialects answers its own paths and nothing of
// the others: an unserved dialect's paths are 404 (below /api, the Cloud
// Director /api 404), never 2xx and never the 401 a probing client would
// read as "this is that system".
func TestDialectsFlag(t *testing.T) {
	all := server.Dialects()
	if strings.Join(all, ",") != "vcd,vss,vchs" {
		t.Fatalf("server.Dialects() = %v", all)
	}
	for mask := 1; mask < 1<<len(all); mask++ {
		var on []string
		for i, d := range all {
			if mask&(1<<i) != 0 {
				on = append(on, d)
			}
		}
		t.Run(strings.Join(on, "+"), func(t *testing.T) {
			srv := testserver.Start(t, testserver.WithDialects(on...))
			served := map[string]bool{}
			for _, d := range on {
				served[d] = true
			}
			for _, p := range probes() {
				r := send(t, srv, p.method, p.path, p.header...)
				if served[p.dialect] {
					if r.status != p.on {
						t.Errorf("%s %s (%s on): %d, want %d: %s", p.method, p.path, p.dialect, r.status, p.on, r.body)
					}
					continue
				}
				if r.status != 404 {
					t.Errorf("%s %s (%s off): %d, want 404: %s", p.method, p.path, p.dialect, r.status, r.body)
					continue
				}
				// Below /api with Cloud Director on, the answer is its XML 404.
				if served["vcd"] && strings.HasPrefix(p.path, "/api/") {
					var e struct {
						XMLName xml.Name
						Minor   string `xml:"minorErrorCode,attr"`
					}
					if err := xml.Unmarshal(r.body, &e); err != nil || e.XMLName.Space != "http://www.vmware.com/vcloud/v1.5" || e.Minor != "NOT_FOUND" {
						t.Errorf("%s %s: not the /api 404: %s", p.method, p.path, r.body)
					}
				}
			}
			// The vCloud Air OnDemand probe is never 2xx or 5xx.
			r := send(t, srv, "POST", "/api/iam/login", "Authorization", basicAuth("_", "_"))
			if r.status != 404 {
				t.Errorf("/api/iam/login: %d", r.status)
			}
		})
	}
}

func TestParseDialects(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		bad      bool
	}{
		{"vcd,vss,vchs", "vcd,vchs,vss", false},
		{" VCD , vss,vss ", "vcd,vss", false},
		{"vchs", "vchs", false},
		{"vcd,,", "vcd", false},
		{"", "", true},
		{",", "", true},
		{"vcd,oauth", "", true},
	} {
		got, err := server.ParseDialects(tc.in)
		if tc.bad != (err != nil) || strings.Join(got, ",") != tc.want {
			t.Errorf("ParseDialects(%q) = %v, %v", tc.in, got, err)
		}
	}
}
