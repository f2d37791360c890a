package vchs_test

import (
	"context"
	"encoding/xml"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudgate/cloudgate/internal/seed"
	"github.com/cloudgate/cloudgate/internal/session"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/testserver"
	"github.com/cloudgate/cloudgate/internal/testserver/testclient"
	"github.com/cloudgate/cloudgate/internal/urn"
)

const (
	ns     = "http://www.vmware.com/vchs/v5.6"
	accept = "application/xml;version=5.6"
)

type reply struct {
	*http.Response
	body []byte
}

func do(t *testing.T, srv *testserver.Server, method, url string, header ...string) reply {
	t.Helper()
	r := testclient.New(t, srv).Do(method, url, "", header...)
	if r.Request == nil {
		t.FailNow() // the transport failure is reported
	}
	return reply{&http.Response{StatusCode: r.Status, Header: r.Header, Request: r.Request}, r.Body}
}

func (r reply) xml(t *testing.T, v any) {
	t.Helper()
	if err := xml.Unmarshal(r.body, v); err != nil {
		t.Fatalf("%s: not XML: %v\n%s", r.Request.URL, err, r.body)
	}
}

type link struct {
	Href string `xml:"href,attr"`
	Name string `xml:"name,attr"`
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr"`
}

type sessionDoc struct {
	XMLName xml.Name
	Href    string `xml:"href,attr"`
	Type    string `xml:"type,attr"`
	Links   []link `xml:"Link"`
}

type servicesDoc struct {
	XMLName  xml.Name
	Href     string `xml:"href,attr"`
	Type     string `xml:"type,attr"`
	Services []struct {
		Href        string `xml:"href,attr"`
		Region      string `xml:"region,attr"`
		ServiceID   string `xml:"serviceId,attr"`
		ServiceType string `xml:"serviceType,attr"`
		Type        string `xml:"type,attr"`
	} `xml:"Service"`
}

type vdcRef struct {
	XMLName xml.Name
	Href    string `xml:"href,attr"`
	Name    string `xml:"name,attr"`
	Status  string `xml:"status,attr"`
	Type    string `xml:"type,attr"`
	Links   []link `xml:"Link"`
}

type computeDoc struct {
	XMLName     xml.Name
	Href        string   `xml:"href,attr"`
	ServiceID   string   `xml:"serviceId,attr"`
	ServiceType string   `xml:"serviceType,attr"`
	Type        string   `xml:"type,attr"`
	Links       []link   `xml:"Link"`
	VdcRefs     []vdcRef `xml:"VdcRef"`
}

type vcloudSessionDoc struct {
	XMLName xml.Name
	Href    string `xml:"href,attr"`
	Name    string `xml:"name,attr"`
	Type    string `xml:"type,attr"`
	Links   []link `xml:"Link"`
	VdcLink struct {
		AuthorizationHeader string `xml:"authorizationHeader,attr"`
		AuthorizationToken  string `xml:"authorizationToken,attr"`
		Href                string `xml:"href,attr"`
		Name                string `xml:"name,attr"`
		Rel                 string `xml:"rel,attr"`
		Type                string `xml:"type,attr"`
	} `xml:"VdcLink"`
}

type vdcDoc struct {
	XMLName   xml.Name
	Name      string `xml:"name,attr"`
	ID        string `xml:"id,attr"`
	Href      string `xml:"href,attr"`
	Type      string `xml:"type,attr"`
	Status    string `xml:"status,attr"`
	Links     []link `xml:"Link"`
	IsEnabled bool   `xml:"IsEnabled"`
}

type errorDoc struct {
	XMLName xml.Name
	Major   int    `xml:"majorErrorCode,attr"`
	Minor   string `xml:"minorErrorCode,attr"`
	Message string `xml:"message,attr"`
}

// wantError checks a vCHS Error document with the status.
func wantError(t *testing.T, r reply, status int) errorDoc {
	t.Helper()
	if r.StatusCode != status {
		t.Fatalf("%s %s: %d, want %d: %s", r.Request.Method, r.Request.URL.Path, r.StatusCode, status, r.body)
	}
	var e errorDoc
	r.xml(t, &e)
	if e.XMLName.Local != "Error" || e.Major != status || e.Minor == "" || e.Message == "" {
		t.Fatalf("error document %s", r.body)
	}
	return e
}

// login logs in through vCHS and returns the token.
func login(t *testing.T, srv *testserver.Server, userAtOrg string) string {
	t.Helper()
	r := do(t, srv, http.MethodPost, "/api/vchs/sessions", "Authorization", testclient.Basic(userAtOrg, testserver.Password), "Accept", accept)
	if r.StatusCode != http.StatusCreated {
		t.Fatalf("login %s: %d %s", userAtOrg, r.StatusCode, r.body)
	}
	return r.Header.Get("x-vchs-authorization")
}

func get(t *testing.T, srv *testserver.Server, tok, url string, v any) reply {
	t.Helper()
	r := do(t, srv, http.MethodGet, url, "x-vchs-authorization", tok, "Accept", accept)
	if r.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, r.StatusCode, r.body)
	}
	r.xml(t, v)
	return r
}

func findLink(links []link, rel, typ string) (link, bool) {
	for _, l := range links {
		if l.Rel == rel && l.Type == typ {
			return l, true
		}
	}
	return link{}, false
}

// handoff walks services → compute → VdcRef → vcloudsession for the named
// service and VDC, as govcloudair's Authenticate does, and returns the
// VCloudSession.
func handoff(t *testing.T, srv *testserver.Server, tok, serviceID, vdcName string) vcloudSessionDoc {
	t.Helper()
	var svcs servicesDoc
	get(t, srv, tok, "/api/vchs/services", &svcs)
	var computeHref string
	for _, s := range svcs.Services {
		if s.ServiceID == serviceID {
			computeHref = s.Href
		}
	}
	if computeHref == "" {
		t.Fatalf("no service %s in %+v", serviceID, svcs)
	}
	var c computeDoc
	get(t, srv, tok, computeHref, &c)
	var sessionHref string
	for _, ref := range c.VdcRefs {
		if ref.Name != vdcName {
			continue
		}
		for _, l := range ref.Links {
			if l.Name == vdcName && l.Rel == "down" && l.Type == "application/xml;class=vnd.vmware.vchs.vcloudsession" {
				sessionHref = l.Href
			}
		}
	}
	if sessionHref == "" {
		t.Fatalf("no VdcRef %s in %+v", vdcName, c)
	}
	r := do(t, srv, http.MethodPost, sessionHref, "x-vchs-authorization", tok, "Accept", accept)
	if r.StatusCode != http.StatusCreated {
		t.Fatalf("POST vcloudsession: %d %s", r.StatusCode, r.body)
	}
	var vs vcloudSessionDoc
	r.xml(t, &vs)
	return vs
}

var hex32 = regexp.MustCompile(`^[0-9a-f]{32}$`)

// The whole chain of seed 003 and govcloudair, down to GET /api/vdc with
// the handed-off Cloud Director session, then logout.
func TestChain(t *testing.T) {
	srv := testserver.Start(t)
	base := srv.URL
	r := do(t, srv, http.MethodPost, "/api/vchs/sessions", "Authorization", testclient.Basic("alice@acme", testserver.Password), "Accept", accept)
	if r.StatusCode != http.StatusCreated {
		t.Fatalf("login: %d %s", r.StatusCode, r.body)
	}
	tok := r.Header.Get("x-vchs-authorization")
	if len(tok) <= 32 || r.Header.Get("Content-Type") != "application/xml;class=vnd.vmware.vchs.session;version=5.6" ||
		r.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("login headers %v", r.Header)
	}
	var s sessionDoc
	r.xml(t, &s)
	down, ok := findLink(s.Links, "down", "application/xml;class=vnd.vmware.vchs.servicelist")
	remove, ok2 := findLink(s.Links, "remove", "")
	if s.XMLName.Space != ns || s.XMLName.Local != "Session" || s.Href != base+"/api/vchs/session" ||
		s.Type != "application/xml;class=vnd.vmware.vchs.session" || !ok || down.Href != base+"/api/vchs/services" ||
		!ok2 || remove.Href != base+"/api/vchs/session" || len(s.Links) != 2 {
		t.Fatalf("Session %s", r.body)
	}
	// GET on the Session href answers the same document.
	var again sessionDoc
	get(t, srv, tok, s.Href, &again)
	if len(again.Links) != 2 {
		t.Fatalf("GET session: %+v", again)
	}

	var svcs servicesDoc
	r = get(t, srv, tok, down.Href, &svcs)
	if r.Header.Get("Content-Type") != "application/xml;class=vnd.vmware.vchs.servicelist;version=5.6" ||
		svcs.XMLName.Space != ns || svcs.XMLName.Local != "Services" || svcs.Href != down.Href || len(svcs.Services) != 1 {
		t.Fatalf("Services %s", r.body)
	}
	svc := svcs.Services[0]
	if svc.ServiceID != "acme" || svc.Region != "default" || svc.ServiceType != "compute:vpc" ||
		svc.Type != "application/xml;class=vnd.vmware.vchs.compute" || !strings.HasPrefix(svc.Href, base+"/api/vchs/compute/") {
		t.Fatalf("Service %+v", svc)
	}

	var c computeDoc
	r = get(t, srv, tok, svc.Href, &c)
	up, _ := findLink(c.Links, "up", "application/xml;class=vnd.vmware.vchs.servicelist")
	if c.XMLName.Local != "Compute" || c.Href != svc.Href || c.ServiceID != "acme" || c.ServiceType != "compute:vpc" ||
		up.Href != base+"/api/vchs/services" || up.Name != "services" || len(c.VdcRefs) != 1 {
		t.Fatalf("Compute %s", r.body)
	}
	ref := c.VdcRefs[0]
	if ref.Name != "acme" || ref.Status != "Active" || ref.Type != "application/xml;class=vnd.vmware.vchs.vdcref" ||
		!strings.HasPrefix(ref.Href, svc.Href+"/vdc/") || len(ref.Links) != 1 || ref.Links[0].Name != "acme" ||
		ref.Links[0].Href != ref.Href+"/vcloudsession" {
		t.Fatalf("VdcRef %+v", ref)
	}
	var ref2 vdcRef
	get(t, srv, tok, ref.Href, &ref2)
	if ref2.XMLName.Local != "VdcRef" || ref2.Name != "acme" || ref2.Href != ref.Href {
		t.Fatalf("GET VdcRef %+v", ref2)
	}

	vs := handoff(t, srv, tok, "acme", "acme")
	vdcID := strings.TrimPrefix(ref.Href, svc.Href+"/vdc/")
	l := vs.VdcLink
	if vs.XMLName.Local != "VCloudSession" || vs.Name != "acme-session" || vs.Href != ref.Href+"/vcloudsession" ||
		vs.Type != "application/xml;class=vnd.vmware.vchs.vcloudsession" || len(vs.Links) != 1 || vs.Links[0].Href != ref.Href ||
		vs.Links[0].Rel != "up" || vs.Links[0].Type != "application/xml;class=vnd.vmware.vchs.vdcref" {
		t.Fatalf("VCloudSession %+v", vs)
	}
	if l.AuthorizationHeader != "x-vcloud-authorization" || !hex32.MatchString(l.AuthorizationToken) ||
		l.Href != base+"/api/vdc/"+vdcID || l.Name != "acme" || l.Rel != "vcloudvdc" || l.Type != "application/vnd.vmware.vcloud.vdc+xml" {
		t.Fatalf("VdcLink %+v", l)
	}

	// The client continues at the VDC with the token, as the source
	// system intended (Accept version 5.6 on /api).
	r = do(t, srv, http.MethodGet, l.Href, l.AuthorizationHeader, l.AuthorizationToken, "Accept", "application/*+xml;version=5.6")
	if r.StatusCode != http.StatusOK || r.Header.Get("Content-Type") != "application/vnd.vmware.vcloud.vdc+xml;version=5.6" {
		t.Fatalf("GET VdcLink href: %d %v %s", r.StatusCode, r.Header, r.body)
	}
	var vdc vdcDoc
	r.xml(t, &vdc)
	acme, err := srv.Server.Directory().Org(context.Background(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	if vdc.XMLName.Space != "http://www.vmware.com/vcloud/v1.5" || vdc.XMLName.Local != "Vdc" || vdc.Name != "acme" ||
		vdc.ID != "urn:vcloud:vdc:"+vdcID || vdc.Href != l.Href || vdc.Status != "1" || !vdc.IsEnabled ||
		len(vdc.Links) != 1 || vdc.Links[0].Rel != "up" || vdc.Links[0].Href != base+"/api/org/"+acme.ID.String() {
		t.Fatalf("Vdc %s", r.body)
	}
	// Its session is a Cloud Director session: /api/session knows it.
	r = do(t, srv, http.MethodGet, "/api/session", "x-vcloud-authorization", l.AuthorizationToken, "Accept", "application/*+xml;version=36.2")
	if r.StatusCode != http.StatusOK || !strings.Contains(string(r.body), `user="alice"`) {
		t.Fatalf("GET /api/session with the hand-off key: %d %s", r.StatusCode, r.body)
	}

	// Logout: 204, the vCHS token is refused; the hand-off session lives on.
	r = do(t, srv, http.MethodDelete, remove.Href, "x-vchs-authorization", tok, "Accept", accept)
	if r.StatusCode != http.StatusNoContent || len(r.body) != 0 {
		t.Fatalf("logout: %d %s", r.StatusCode, r.body)
	}
	for _, m := range []string{http.MethodGet, http.MethodDelete} {
		r = do(t, srv, m, "/api/vchs/session", "x-vchs-authorization", tok, "Accept", accept)
		wantError(t, r, http.StatusUnauthorized)
	}
	wantError(t, do(t, srv, http.MethodGet, "/api/vchs/services", "x-vchs-authorization", tok), http.StatusUnauthorized)
	r = do(t, srv, http.MethodGet, l.Href, "x-vcloud-authorization", l.AuthorizationToken, "Accept", "application/*+xml;version=5.6")
	if r.StatusCode != http.StatusOK {
		t.Fatalf("hand-off session after vCHS logout: %d", r.StatusCode)
	}
}

func TestLoginAndVersion(t *testing.T) {
	srv := testserver.Start(t)
	good := testclient.Basic("bob@acme", testserver.Password)
	for _, tc := range []struct {
		name   string
		header []string
		status int
	}{
		{"no Accept", []string{"Authorization", good}, 201},
		{"Accept without version", []string{"Authorization", good, "Accept", "application/xml"}, 201},
		{"5.6 among others", []string{"Authorization", good, "Accept", "application/json;version=5.7, application/xml;version=5.6"}, 201},
		{"user with @ in name is split at the last @", []string{"Authorization", testclient.Basic("bob@acme@acme", testserver.Password), "Accept", accept}, 401},
		{"wrong password", []string{"Authorization", testclient.Basic("bob@acme", "Wrong-password-9"), "Accept", accept}, 401},
		{"pyvcloud's probe", []string{"Authorization", testclient.Basic("_", "_"), "Accept", accept}, 401},
		{"no org", []string{"Authorization", testclient.Basic("bob", testserver.Password), "Accept", accept}, 401},
		{"bearer instead of Basic", []string{"Authorization", "Bearer abc", "Accept", accept}, 401},
		{"no Authorization", []string{"Accept", accept}, 403},
		{"other vCHS version", []string{"Authorization", good, "Accept", "application/xml;version=5.7"}, 406},
		{"Cloud Director version", []string{"Authorization", good, "Accept", "application/*+xml;version=36.2"}, 406},
		{"version checked before credentials", []string{"Accept", "application/xml;version=1.0"}, 406},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, srv, http.MethodPost, "/api/vchs/sessions", tc.header...)
			if tc.status == 201 {
				if r.StatusCode != 201 || r.Header.Get("x-vchs-authorization") == "" {
					t.Fatalf("%d %s", r.StatusCode, r.body)
				}
				return
			}
			wantError(t, r, tc.status)
			if r.Header.Get("x-vchs-authorization") != "" {
				t.Fatal("a refused login carries a token")
			}
			if tc.status == 401 && r.Header.Get("WWW-Authenticate") == "" {
				t.Fatal("401 without a challenge")
			}
		})
	}
}

func TestRefusals(t *testing.T) {
	srv := testserver.Start(t)
	alice := login(t, srv, "alice@acme")
	dave := login(t, srv, "dave@globex")
	var svcs servicesDoc
	get(t, srv, alice, "/api/vchs/services", &svcs)
	compute := svcs.Services[0].Href
	var c computeDoc
	get(t, srv, alice, compute, &c)
	vdcHref := c.VdcRefs[0].Href
	var daveSvcs servicesDoc
	get(t, srv, dave, "/api/vchs/services", &daveSvcs)
	if len(daveSvcs.Services) != 1 || daveSvcs.Services[0].ServiceID != "globex" {
		t.Fatalf("dave sees %+v", daveSvcs)
	}
	var dc computeDoc
	get(t, srv, dave, daveSvcs.Services[0].Href, &dc)
	// acme's compute with globex's VDC id.
	mixed := compute + "/vdc/" + strings.TrimPrefix(dc.VdcRefs[0].Href, daveSvcs.Services[0].Href+"/vdc/")

	for _, tc := range []struct {
		name, method, url string
		header            []string
		status            int
	}{
		{"no token", "GET", "/api/vchs/services", nil, 401},
		{"unknown token", "GET", "/api/vchs/services", []string{"x-vchs-authorization", "cgs_" + strings.Repeat("A", 43)}, 401},
		{"garbage token", "GET", "/api/vchs/services", []string{"x-vchs-authorization", "%%%"}, 401},
		{"two tokens", "GET", "/api/vchs/services", []string{"x-vchs-authorization", alice, "x-vchs-authorization", dave}, 400},
		{"wrong version", "GET", "/api/vchs/services", []string{"x-vchs-authorization", alice, "Accept", "application/xml;version=5.7"}, 406},
		{"another org's compute", "GET", compute, []string{"x-vchs-authorization", dave}, 404},
		{"another org's VDC", "GET", vdcHref, []string{"x-vchs-authorization", dave}, 404},
		{"another org's hand-off", "POST", vdcHref + "/vcloudsession", []string{"x-vchs-authorization", dave}, 404},
		{"VDC of another service", "POST", mixed + "/vcloudsession", []string{"x-vchs-authorization", alice}, 404},
		{"unknown compute", "GET", "/api/vchs/compute/" + urn.New().String(), []string{"x-vchs-authorization", alice}, 404},
		{"malformed compute", "GET", "/api/vchs/compute/vchs-2", []string{"x-vchs-authorization", alice}, 404},
		{"unknown VDC", "POST", compute + "/vdc/" + urn.New().String() + "/vcloudsession", []string{"x-vchs-authorization", alice}, 404},
		{"unknown path", "GET", "/api/vchs/nothing", []string{"x-vchs-authorization", alice}, 404},
		{"unknown path without token", "GET", "/api/vchs/", nil, 404},
		{"GET login", "GET", "/api/vchs/sessions", nil, 405},
		{"PUT services", "PUT", "/api/vchs/services", []string{"x-vchs-authorization", alice}, 405},
		{"GET hand-off", "GET", vdcHref + "/vcloudsession", []string{"x-vchs-authorization", alice}, 405},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, srv, tc.method, tc.url, tc.header...)
			e := wantError(t, r, tc.status)
			if e.XMLName.Space != ns {
				t.Fatalf("error in namespace %q", e.XMLName.Space)
			}
			if tc.status == 405 && r.Header.Get("Allow") == "" {
				t.Fatal("405 without Allow")
			}
		})
	}
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// A hand-off session never outlives the vCHS session it came from, even
// when it is kept busy (so it is the lifetime, not the idle timeout, that
// ends it).
func TestHandoffLifetime(t *testing.T) {
	clk := &clock{t: time.Now().Truncate(time.Second)}
	srv := testserver.Start(t, testserver.WithClock(clk.Now))
	t0 := clk.Now()
	tok := login(t, srv, "bob@acme")
	// Stay inside the 30-minute idle timeout until 22h14m after login.
	for range 46 {
		clk.Advance(29 * time.Minute)
		if r := do(t, srv, http.MethodGet, "/api/vchs/session", "x-vchs-authorization", tok); r.StatusCode != 200 {
			t.Fatalf("keep-alive: %d", r.StatusCode)
		}
	}
	key := handoff(t, srv, tok, "acme", "acme").VdcLink.AuthorizationToken
	use := func() int {
		return do(t, srv, http.MethodGet, "/api/org", "x-vcloud-authorization", key, "Accept", "application/*+xml;version=36.2").StatusCode
	}
	for {
		if got := use(); got != 200 {
			t.Fatalf("hand-off session refused %v after the login: %d", clk.Now().Sub(t0), got)
		}
		if !clk.Now().Add(29 * time.Minute).Before(t0.Add(24 * time.Hour)) {
			break
		}
		clk.Advance(29 * time.Minute)
	}
	clk.Advance(t0.Add(24*time.Hour - time.Second).Sub(clk.Now()))
	if got := use(); got != 200 {
		t.Fatalf("hand-off session refused a second before the parent's end: %d", got)
	}
	clk.Advance(time.Second)
	if got := use(); got != 401 {
		t.Fatalf("hand-off session outlived its parent: %d", got)
	}
}

// Sessions made from an API token (restricted) may not hand off: the new
// session would not carry the restriction.
func TestHandoffRefusedForRestricted(t *testing.T) {
	srv := testserver.Start(t)
	ctx := context.Background()
	u, _, err := srv.Server.Directory().User(ctx, "acme", "alice")
	if err != nil {
		t.Fatal(err)
	}
	acct, err := srv.Server.Directory().UserByID(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	issued, err := srv.Server.Sessions().Create(ctx, session.Spec{User: acct.User, Org: acct.Org, Role: acct.Role,
		Origin: store.OriginAPIToken, TokenID: urn.New(), Dialect: "oauth"})
	if err != nil {
		t.Fatal(err)
	}
	var svcs servicesDoc
	get(t, srv, issued.Token, "/api/vchs/services", &svcs)
	var c computeDoc
	get(t, srv, issued.Token, svcs.Services[0].Href, &c)
	r := do(t, srv, http.MethodPost, c.VdcRefs[0].Links[0].Href, "x-vchs-authorization", issued.Token)
	wantError(t, r, http.StatusForbidden)
}

// Services configured per org: several, with several VDCs, picked by the
// names govcloudair matches on.
func TestSeededServices(t *testing.T) {
	f := testserver.DefaultSeed()
	f.Orgs[0].Services = []seed.Service{
		{ServiceID: "example-1101-130711-1", Region: "US - Las Vegas", ServiceType: "compute:dedicatedcloud", VDCs: []string{"VDC12345-6789", "second"}},
		{ServiceID: "CI123456-789"},
	}
	srv := testserver.Start(t, testserver.WithSeed(f))
	tok := login(t, srv, "carol@acme")
	var svcs servicesDoc
	get(t, srv, tok, "/api/vchs/services", &svcs)
	if len(svcs.Services) != 2 || svcs.Services[0].ServiceID != "CI123456-789" || svcs.Services[1].Region != "US - Las Vegas" ||
		svcs.Services[1].ServiceType != "compute:dedicatedcloud" {
		t.Fatalf("services %+v", svcs.Services)
	}
	vs := handoff(t, srv, tok, "example-1101-130711-1", "second")
	if vs.Name != "example-1101-130711-1-session" || vs.VdcLink.Name != "example-1101-130711-1" {
		t.Fatalf("VCloudSession %+v", vs)
	}
	// Carol (Console Access Only) holds no "Organization vDC: View": the
	// hand-off works, the VDC document does not.
	r := do(t, srv, http.MethodGet, vs.VdcLink.Href, "x-vcloud-authorization", vs.VdcLink.AuthorizationToken, "Accept", "application/*+xml;version=5.6")
	if r.StatusCode != http.StatusForbidden {
		t.Fatalf("carol's VDC: %d %s", r.StatusCode, r.body)
	}
}
