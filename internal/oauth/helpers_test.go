package oauth_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/cloudgate/cloudgate/internal/identity"
	"github.com/cloudgate/cloudgate/internal/testserver"
	"github.com/cloudgate/cloudgate/internal/testserver/testclient"
)

// client drives a real test server over HTTPS with plain net/http, so the
// tests see exact statuses, headers and bodies.
type client struct {
	t   testing.TB
	srv *testserver.Server
	hc  *http.Client
}

func newTestClient(t testing.TB, srv *testserver.Server) *client {
	return &client{t: t, srv: srv, hc: srv.Client()}
}

// http is the shared test client on c's transport.
func (c *client) http() *testclient.Client { return testclient.WithHTTP(c.t, c.srv.URL, c.hc) }

// reply is a finished response.
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

// field reads a string field of a JSON object ("" if absent); unlike
// reply.str it never stops the test, so goroutines may use it.
func field(body []byte, key string) string {
	var m map[string]any
	_ = json.Unmarshal(body, &m)
	s, _ := m[key].(string)
	return s
}

// do sends a request; headers are name/value pairs. A transport failure
// fails the test (without stopping it: goroutines call do) and returns a
// reply with status 0.
func (c *client) do(method, path, body string, headers ...string) reply {
	c.t.Helper()
	r := c.http().Do(method, path, body, headers...)
	return reply{r.Status, r.Header, r.Body}
}

const (
	accept   = "application/json;version=37.0"
	formType = "application/x-www-form-urlencoded"
)

// account is a seeded user and the realm its tokens live in.
type account struct {
	user, org, password string
}

func (a account) realm() string {
	if strings.EqualFold(a.org, identity.SystemOrgName) {
		return "provider"
	}
	return "tenant/" + a.org
}

var (
	bob   = account{"bob", "acme", testserver.Password}
	alice = account{"alice", "acme", testserver.Password}
	carol = account{"carol", "acme", testserver.Password}
	dave  = account{"dave", "globex", testserver.Password}
	admin = account{"administrator", "System", testserver.AdminPassword}
)

// login makes a password session and returns its bearer token.
func (c *client) login(a account) string {
	c.t.Helper()
	return c.http().Login(a.user, a.password, a.org)
}

// register registers a token as the session's user and returns the reply.
func (c *client) register(realm, session, name string) reply {
	c.t.Helper()
	body, _ := json.Marshal(map[string]string{"client_name": name})
	return c.do(http.MethodPost, "/oauth/"+realm+"/register", string(body),
		"Authorization", "Bearer "+session, "Content-Type", "application/json", "Accept", "application/json;version=")
}

// grant posts a form to the token endpoint.
func (c *client) grant(realm string, form url.Values, headers ...string) reply {
	c.t.Helper()
	return c.do(http.MethodPost, "/oauth/"+realm+"/token", form.Encode(), append([]string{"Content-Type", formType}, headers...)...)
}

func (c *client) mintForm(session, clientID string) url.Values {
	return url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:jwt-bearer"}, "assertion": {session}, "client_id": {clientID}}
}

func refreshForm(token string) url.Values {
	return url.Values{"grant_type": {"refresh_token"}, "refresh_token": {token}}
}

// newToken registers and mints a token for a's session; it returns the
// token's id (bare UUID) and secret.
func (c *client) newToken(a account, session, name string) (id, secret string) {
	c.t.Helper()
	r := c.register(a.realm(), session, name)
	if r.status != http.StatusOK {
		c.t.Fatalf("register %q for %s: %d %s", name, a.user, r.status, r.body)
	}
	id = r.str(c.t, "client_id")
	m := c.grant(a.realm(), c.mintForm(session, id))
	if m.status != http.StatusOK {
		c.t.Fatalf("mint %q for %s: %d %s", name, a.user, m.status, m.body)
	}
	return id, m.str(c.t, "refresh_token")
}

// exchange trades an API token for an access token.
func (c *client) exchange(a account, secret string) string {
	c.t.Helper()
	r := c.grant(a.realm(), refreshForm(secret))
	if r.status != http.StatusOK {
		c.t.Fatalf("exchange for %s: %d %s", a.user, r.status, r.body)
	}
	return r.str(c.t, "access_token")
}

// api calls /cloudapi/1.0.0 with a session.
func (c *client) api(method, path, session string) reply {
	c.t.Helper()
	return c.do(method, "/cloudapi/1.0.0"+path, "", "Authorization", "Bearer "+session, "Accept", accept)
}

// newAccountToken registers a service account of acme as the System
// administrator (session), authorizes it, grants its user code and
// redeems its device code; it returns the account's first refresh token.
func (c *client) newAccountToken(session, name string) string {
	c.t.Helper()
	body, _ := json.Marshal(map[string]string{"client_name": name, "software_id": "bench", "scope": "urn:vcloud:role:vApp%20Author"})
	r := c.do(http.MethodPost, "/oauth/tenant/acme/register", string(body), "Authorization", "Bearer "+session, "Content-Type", "application/json")
	if r.status != http.StatusOK {
		c.t.Fatalf("register %s: %d %s", name, r.status, r.body)
	}
	id := r.str(c.t, "client_id")
	a := c.do(http.MethodPost, "/oauth/tenant/acme/device_authorization", url.Values{"client_id": {id}}.Encode(), "Content-Type", formType)
	code, _ := json.Marshal(map[string]string{"userCode": a.str(c.t, "user_code")})
	if g := c.do(http.MethodPost, "/cloudapi/1.0.0/deviceLookup/grant", string(code), "Authorization", "Bearer "+session,
		"Accept", accept, "Content-Type", "application/json"); g.status != http.StatusNoContent {
		c.t.Fatalf("grant %s: %d %s", name, g.status, g.body)
	}
	t := c.grant("tenant/acme", url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:device_code"}, "client_id": {id},
		"device_code": {a.str(c.t, "device_code")}})
	if t.status != http.StatusOK {
		c.t.Fatalf("device_code grant %s: %d %s", name, t.status, t.body)
	}
	return t.str(c.t, "refresh_token")
}
