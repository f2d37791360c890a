package xmlapi_test

import (
	"context"
	"encoding/xml"
	"net/http"
	"strings"
	"testing"

	"github.com/cloudgate/cloudgate/cloudgatetest"
	"github.com/cloudgate/cloudgate/internal/testserver"
	"github.com/cloudgate/cloudgate/internal/testserver/testclient"
)

type reply struct {
	status int
	header http.Header
	body   []byte
}

func get(t *testing.T, srv *testserver.Server, path, key, version string) reply {
	t.Helper()
	r := testclient.New(t, srv).Do(http.MethodGet, path, "", "x-vcloud-authorization", key, "Accept", "application/*+xml;version="+version)
	if r.Request == nil {
		t.FailNow() // the transport failure is reported
	}
	return reply{r.Status, r.Header, r.Body}
}

// login returns the legacy 32-hex key of a /api/sessions login.
func login(t *testing.T, srv *testserver.Server, user, org, password string) string {
	t.Helper()
	r := testclient.New(t, srv).Do(http.MethodPost, "/api/sessions", "", "Authorization", cloudgatetest.Basic(user, password, org),
		"Accept", "application/*+xml;version=36.2")
	if r.Status != http.StatusOK {
		t.Fatalf("login %s@%s: %d", user, org, r.Status)
	}
	return r.Header.Get("x-vcloud-authorization")
}

type xlink struct {
	Rel  string `xml:"rel,attr"`
	Href string `xml:"href,attr"`
	Type string `xml:"type,attr"`
	Name string `xml:"name,attr"`
}

const mtVdc = "application/vnd.vmware.vcloud.vdc+xml"

// vdcLinks returns the VDC links of the org's Org document.
func vdcLinks(t *testing.T, srv *testserver.Server, key, orgID string) []xlink {
	t.Helper()
	r := get(t, srv, "/api/org/"+orgID, key, "36.2")
	if r.status != http.StatusOK {
		t.Fatalf("GET org: %d %s", r.status, r.body)
	}
	var org struct {
		Links []xlink `xml:"Link"`
	}
	if err := xml.Unmarshal(r.body, &org); err != nil {
		t.Fatal(err)
	}
	var out []xlink
	for _, l := range org.Links {
		if l.Type == mtVdc {
			out = append(out, l)
		}
	}
	return out
}

func TestVdc(t *testing.T) {
	srv := testserver.Start(t)
	ctx := context.Background()
	acme, err := srv.Server.Directory().Org(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	svcs, err := srv.Server.Directory().Services(ctx, acme.ID)
	if err != nil || len(svcs) != 1 || len(svcs[0].VDCs) != 1 {
		t.Fatalf("acme's default service: %+v %v", svcs, err)
	}
	vdcID := svcs[0].VDCs[0].ID.String()
	alice := login(t, srv, "alice", "acme", testserver.Password)
	bob := login(t, srv, "bob", "acme", testserver.Password)
	carol := login(t, srv, "carol", "acme", testserver.Password)
	dave := login(t, srv, "dave", "globex", testserver.Password)
	admin := login(t, srv, "administrator", "System", testserver.AdminPassword)

	// The Org document links the VDC for those who may read it.
	links := vdcLinks(t, srv, alice, acme.ID.String())
	if len(links) != 1 || links[0].Rel != "down" || links[0].Name != "acme" || links[0].Href != srv.URL+"/api/vdc/"+vdcID {
		t.Fatalf("alice's VDC links %+v", links)
	}
	if links := vdcLinks(t, srv, carol, acme.ID.String()); len(links) != 0 {
		t.Fatalf("carol (no VDC right) sees VDC links %+v", links)
	}

	for _, tc := range []struct {
		who, key, path, version string
		status                  int
	}{
		{"alice", alice, "/api/vdc/" + vdcID, "36.2", 200},
		{"bob", bob, "/api/vdc/" + vdcID, "5.6", 200},
		{"alice, URN", alice, "/api/vdc/urn:vcloud:vdc:" + vdcID, "36.2", 200},
		{"System administrator", admin, "/api/vdc/" + vdcID, "36.2", 200},
		{"carol (no Organization vDC: View)", carol, "/api/vdc/" + vdcID, "36.2", 403},
		{"dave (another org)", dave, "/api/vdc/" + vdcID, "36.2", 403},
		{"unknown VDC", alice, "/api/vdc/0b4f6a2e-9c3d-4e5f-8a7b-1c2d3e4f5a6b", "36.2", 403},
		{"upper case id", alice, "/api/vdc/" + strings.ToUpper(vdcID), "36.2", 403},
		{"wrong URN kind", alice, "/api/vdc/urn:vcloud:org:" + vdcID, "36.2", 403},
		{"garbage id", alice, "/api/vdc/vdc-1", "36.2", 403},
		{"no token", "", "/api/vdc/" + vdcID, "36.2", 401},
		{"unsupported version", alice, "/api/vdc/" + vdcID, "5.5", 406},
	} {
		t.Run(tc.who, func(t *testing.T) {
			r := get(t, srv, tc.path, tc.key, tc.version)
			if r.status != tc.status {
				t.Fatalf("%d, want %d: %s", r.status, tc.status, r.body)
			}
			if tc.status != 200 {
				var e struct {
					Major int    `xml:"majorErrorCode,attr"`
					Minor string `xml:"minorErrorCode,attr"`
				}
				if err := xml.Unmarshal(r.body, &e); err != nil || e.Major != tc.status {
					t.Fatalf("error body %s", r.body)
				}
				if tc.status == 403 && e.Minor != "ACCESS_TO_RESOURCE_IS_FORBIDDEN" {
					t.Fatalf("minor code %q", e.Minor)
				}
				return
			}
			if ct := r.header.Get("Content-Type"); ct != mtVdc+";version="+tc.version {
				t.Fatalf("Content-Type %q", ct)
			}
			var v struct {
				XMLName   xml.Name
				Name      string  `xml:"name,attr"`
				ID        string  `xml:"id,attr"`
				Href      string  `xml:"href,attr"`
				Type      string  `xml:"type,attr"`
				Links     []xlink `xml:"Link"`
				IsEnabled bool    `xml:"IsEnabled"`
			}
			if err := xml.Unmarshal(r.body, &v); err != nil {
				t.Fatal(err)
			}
			if v.XMLName.Local != "Vdc" || v.XMLName.Space != "http://www.vmware.com/vcloud/v1.5" || v.Name != "acme" ||
				v.ID != "urn:vcloud:vdc:"+vdcID || v.Href != srv.URL+"/api/vdc/"+vdcID || v.Type != mtVdc || !v.IsEnabled ||
				len(v.Links) != 1 || v.Links[0].Rel != "up" || v.Links[0].Href != srv.URL+"/api/org/"+acme.ID.String() {
				t.Fatalf("Vdc %s", r.body)
			}
		})
	}
}
