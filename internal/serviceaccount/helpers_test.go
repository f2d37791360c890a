package serviceaccount_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/cloudgate/cloudgate/internal/testserver"
	"github.com/cloudgate/cloudgate/internal/testserver/testclient"
)

// client drives a real test server over HTTPS with plain net/http, so the
// tests see exact statuses, headers and bodies. Redirects are not
// followed: deviceLookup's 303 is what is tested.
type client struct {
	t     testing.TB
	srv   *testserver.Server
	hc    *http.Client
	names *atomic.Int64 // numbers the accounts newAccount registers
}

func newClient(t testing.TB, srv *testserver.Server) *client {
	tr := srv.Client().Transport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	t.Cleanup(tr.CloseIdleConnections)
	hc := &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &client{t: t, srv: srv, hc: hc, names: new(atomic.Int64)}
}

type reply struct {
	status int
	header http.Header
	body   []byte
}

func (r reply) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body %q is not a JSON object: %v", r.body, err)
	}
	return m
}

func (r reply) str(t testing.TB, key string) string {
	t.Helper()
	s, _ := r.json(t)[key].(string)
	return s
}

// field reads a string field without stopping the test (for goroutines).
func field(body []byte, key string) string {
	var m map[string]any
	_ = json.Unmarshal(body, &m)
	s, _ := m[key].(string)
	return s
}

// code is the error code of an error reply: the OAuth "error" of /oauth,
// the minorErrorCode of /cloudapi.
func (r reply) code() string {
	if e := field(r.body, "error"); e != "" {
		return e
	}
	return field(r.body, "minorErrorCode")
}

// do sends a request; headers are name/value pairs. A transport failure
// fails the test without stopping it (goroutines call do).
func (c *client) do(method, path, body string, headers ...string) reply {
	c.t.Helper()
	r := testclient.WithHTTP(c.t, c.srv.URL, c.hc).Do(method, path, body, headers...)
	return reply{r.Status, r.Header, r.Body}
}

const (
	accept   = "application/json;version=37.0"
	formType = "application/x-www-form-urlencoded"
	jsonType = "application/json"
	deviceGT = "urn:ietf:params:oauth:grant-type:device_code"
)

// login makes a password session of user@org and returns its token.
func (c *client) login(user, org, password string) string {
	c.t.Helper()
	return testclient.WithHTTP(c.t, c.srv.URL, c.hc).Login(user, password, org)
}

// register posts a registration with session's credentials.
func (c *client) register(realm, session string, body map[string]any) reply {
	c.t.Helper()
	b, _ := json.Marshal(body)
	return c.do(http.MethodPost, "/oauth/"+realm+"/register", string(b),
		"Authorization", "Bearer "+session, "Content-Type", jsonType, "Accept", "application/json;version=")
}

// newAccount registers a service account with role in realm's org and
// returns its bare id.
func (c *client) newAccount(realm, session, role string) string {
	c.t.Helper()
	r := c.register(realm, session, map[string]any{"client_name": "sa-" + strconv.FormatInt(c.names.Add(1), 10), "software_id": "sw-1",
		"software_version": "1.0", "scope": "urn:vcloud:role:" + url.PathEscape(role)})
	if r.status != http.StatusOK {
		c.t.Fatalf("register: %d %s", r.status, r.body)
	}
	return r.str(c.t, "client_id")
}

func form(pairs ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(pairs); i += 2 {
		v.Add(pairs[i], pairs[i+1])
	}
	return v.Encode()
}

// authorize asks for a device authorization (no credentials needed).
func (c *client) authorize(realm, id string) reply {
	c.t.Helper()
	return c.do(http.MethodPost, "/oauth/"+realm+"/device_authorization", form("client_id", id), "Content-Type", formType)
}

// poll is one device_code grant.
func (c *client) poll(realm, id, device string) reply {
	c.t.Helper()
	return c.do(http.MethodPost, "/oauth/"+realm+"/token", form("grant_type", deviceGT, "client_id", id, "device_code", device), "Content-Type", formType)
}

// refresh is one refresh_token grant.
func (c *client) refresh(realm, token string) reply {
	c.t.Helper()
	return c.do(http.MethodPost, "/oauth/"+realm+"/token", form("grant_type", "refresh_token", "refresh_token", token), "Content-Type", formType)
}

// decide posts a user code to /deviceLookup, /deviceLookup/grant or
// /deviceLookup/deny (what = "", "grant", "deny").
func (c *client) decide(what, session, userCode string, headers ...string) reply {
	c.t.Helper()
	path := "/cloudapi/1.0.0/deviceLookup"
	if what != "" {
		path += "/" + what
	}
	b, _ := json.Marshal(map[string]string{"userCode": userCode})
	return c.do(http.MethodPost, path, string(b), append([]string{"Authorization", "Bearer " + session, "Accept", accept, "Content-Type", jsonType}, headers...)...)
}

// api calls /cloudapi/1.0.0 with a session and an optional JSON body.
func (c *client) api(method, path, session, body string, headers ...string) reply {
	c.t.Helper()
	h := []string{"Authorization", "Bearer " + session, "Accept", accept}
	if body != "" {
		h = append(h, "Content-Type", jsonType)
	}
	return c.do(method, "/cloudapi/1.0.0"+path, body, append(h, headers...)...)
}

func urnOf(id string) string { return "urn:vcloud:serviceAccount:" + id }

// status reads an account's status as session sees it ("" if not visible).
func (c *client) status(session, id string) string {
	c.t.Helper()
	r := c.api(http.MethodGet, "/serviceAccounts/"+urnOf(id), session, "")
	if r.status != http.StatusOK {
		return ""
	}
	return r.str(c.t, "status")
}

// codes are an account's device authorization.
type codes struct{ device, user string }

// activate runs authorize, grant (by approver) and the device_code grant,
// and returns the codes, the first refresh token and the access token.
func (c *client) activate(realm, id, approver string) (codes, string, string) {
	c.t.Helper()
	a := c.authorize(realm, id)
	if a.status != http.StatusOK {
		c.t.Fatalf("authorize: %d %s", a.status, a.body)
	}
	cs := codes{a.str(c.t, "device_code"), a.str(c.t, "user_code")}
	if r := c.decide("grant", approver, cs.user); r.status != http.StatusNoContent {
		c.t.Fatalf("grant: %d %s", r.status, r.body)
	}
	p := c.poll(realm, id, cs.device)
	if p.status != http.StatusOK {
		c.t.Fatalf("device_code grant: %d %s", p.status, p.body)
	}
	return cs, p.str(c.t, "refresh_token"), p.str(c.t, "access_token")
}

// current is GET /sessions/current's status with session.
func (c *client) current(session string) int {
	c.t.Helper()
	return c.api(http.MethodGet, "/sessions/current", session, "").status
}
