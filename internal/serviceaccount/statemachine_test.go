package serviceaccount_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/cloudgate/cloudgate/internal/store/postgres/pgtest"
	"github.com/cloudgate/cloudgate/internal/testserver"
)

// account is a service account brought to one status, with the latest
// codes and tokens it handed out (spent or not).
type account struct {
	id      string
	codes   codes
	refresh string // "" until a grant made one
	access  string // a session of the account, "" if none was made
}

const acme = "tenant/acme"

// in builds a fresh account of acme in status: CREATED is reached through
// a whole grant and its revocation, so that it holds spent codes, a
// revoked refresh token and an ended session to try.
func (h *harness) in(status string) account {
	c := h.c
	a := account{id: c.newAccount(acme, h.admin, "vApp Author")}
	switch status {
	case "CREATED":
		a.codes, a.refresh, a.access = c.activate(acme, a.id, h.alice)
		if r := c.api(http.MethodPost, "/serviceAccounts/"+urnOf(a.id)+"/revoke", h.admin, ""); r.status != http.StatusNoContent {
			h.t.Fatalf("revoke: %d %s", r.status, r.body)
		}
	case "REQUESTED", "GRANTED":
		r := c.authorize(acme, a.id)
		a.codes = codes{r.str(h.t, "device_code"), r.str(h.t, "user_code")}
		if status == "GRANTED" {
			if r := c.decide("grant", h.alice, a.codes.user); r.status != http.StatusNoContent {
				h.t.Fatalf("grant: %d %s", r.status, r.body)
			}
		}
	case "ACTIVE":
		a.codes, a.refresh, a.access = c.activate(acme, a.id, h.alice)
	}
	if got := c.status(h.admin, a.id); got != status {
		h.t.Fatalf("fixture in %s: status %q", status, got)
	}
	return a
}

type harness struct {
	t            *testing.T
	c            *client
	admin, alice string
}

// with returns h for a subtest: failures stop the subtest, not its parent.
func (h *harness) with(t *testing.T) *harness {
	c := *h.c
	c.t = t
	return &harness{t: t, c: &c, admin: h.admin, alice: h.alice}
}

func newHarness(t *testing.T, opts ...testserver.Option) *harness {
	srv := testserver.Start(t, opts...)
	c := newClient(t, srv)
	return &harness{t: t, c: c, admin: c.login("administrator", "System", testserver.AdminPassword),
		alice: c.login("alice", "acme", testserver.Password)}
}

// want is the expected answer of one endpoint in one status: HTTP status,
// error code (OAuth error or Cloud Director minor code), the account's
// status afterwards ("" = gone), and whether a session the account had
// still works.
type want struct {
	status  int
	code    string
	after   string
	session bool
}

// Every endpoint in every status, on SQLite and on PostgreSQL. The columns
// are CREATED, REQUESTED, GRANTED, ACTIVE.
func TestStateMachine(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { stateMachine(t, newHarness(t)) })
	t.Run("postgres", func(t *testing.T) {
		stateMachine(t, newHarness(t, testserver.WithDSN(pgtest.NewDatabase(t))))
	})
}

func stateMachine(t *testing.T, h *harness) {
	tenant := []string{"X-Vmware-Vcloud-Auth-Context", "acme"}
	for _, row := range []struct {
		endpoint string
		do       func(c *client, a account) reply
		want     [4]want
	}{
		{"device_authorization", func(c *client, a account) reply { return c.authorize(acme, a.id) }, [4]want{
			{200, "", "REQUESTED", false}, {200, "", "REQUESTED", false}, {200, "", "REQUESTED", false},
			{400, "invalid_request", "ACTIVE", true}}},
		{"device_code grant", func(c *client, a account) reply { return c.poll(acme, a.id, a.codes.device) }, [4]want{
			{400, "invalid_grant", "CREATED", false}, {400, "authorization_pending", "REQUESTED", false},
			{200, "", "ACTIVE", false}, {400, "invalid_grant", "ACTIVE", true}}},
		{"refresh_token grant", func(c *client, a account) reply {
			if a.refresh == "" {
				a.refresh = "cgr_" + strings.Repeat("Q", 43) // none issued yet
			}
			return c.refresh(acme, a.refresh)
		}, [4]want{
			{400, "invalid_grant", "CREATED", false}, {400, "invalid_grant", "REQUESTED", false},
			{400, "invalid_grant", "GRANTED", false}, {200, "", "ACTIVE", true}}},
		{"deviceLookup", func(c *client, a account) reply { return c.decide("", h.alice, a.codes.user, tenant...) }, [4]want{
			{400, "BAD_REQUEST", "CREATED", false}, {303, "", "REQUESTED", false}, {400, "BAD_REQUEST", "GRANTED", false},
			{400, "BAD_REQUEST", "ACTIVE", true}}},
		{"deviceLookup/grant", func(c *client, a account) reply { return c.decide("grant", h.alice, a.codes.user, tenant...) }, [4]want{
			{400, "BAD_REQUEST", "CREATED", false}, {204, "", "GRANTED", false}, {400, "BAD_REQUEST", "GRANTED", false},
			{400, "BAD_REQUEST", "ACTIVE", true}}},
		{"deviceLookup/deny", func(c *client, a account) reply { return c.decide("deny", h.admin, a.codes.user) }, [4]want{
			{400, "BAD_REQUEST", "CREATED", false}, {204, "", "CREATED", false}, {400, "BAD_REQUEST", "GRANTED", false},
			{400, "BAD_REQUEST", "ACTIVE", true}}},
		{"GET", func(c *client, a account) reply {
			return c.api(http.MethodGet, "/serviceAccounts/"+urnOf(a.id), h.alice, "")
		}, [4]want{
			{200, "", "CREATED", false}, {200, "", "REQUESTED", false}, {200, "", "GRANTED", false}, {200, "", "ACTIVE", true}}},
		{"PUT", func(c *client, a account) reply {
			return c.api(http.MethodPut, "/serviceAccounts/"+urnOf(a.id), h.alice, `{"softwareId":"sw-2","softwareVersion":"2.0","status":"ACTIVE"}`)
		}, [4]want{{200, "", "CREATED", false}, {200, "", "REQUESTED", false}, {200, "", "GRANTED", false}, {200, "", "ACTIVE", true}}},
		{"revoke", func(c *client, a account) reply {
			return c.api(http.MethodPost, "/serviceAccounts/"+urnOf(a.id)+"/revoke", h.alice, "")
		}, [4]want{{204, "", "CREATED", false}, {204, "", "CREATED", false}, {204, "", "CREATED", false}, {204, "", "CREATED", false}}},
		{"DELETE", func(c *client, a account) reply {
			return c.api(http.MethodDelete, "/serviceAccounts/"+urnOf(a.id), h.admin, "")
		}, [4]want{
			{204, "", "", false}, {204, "", "", false}, {204, "", "", false}, {204, "", "", false}}},
	} {
		for i, status := range []string{"CREATED", "REQUESTED", "GRANTED", "ACTIVE"} {
			w := row.want[i]
			t.Run(row.endpoint+" in "+status, func(t *testing.T) {
				h := h.with(t)
				c := h.c
				a := h.in(status)
				r := row.do(c, a)
				if r.status != w.status || (w.code != "" && r.code() != w.code) {
					t.Fatalf("got %d %s, want %d %s; body %s", r.status, r.code(), w.status, w.code, r.body)
				}
				if r.status >= 500 {
					t.Fatalf("server error: %s", r.body)
				}
				if got := c.status(h.admin, a.id); got != w.after {
					t.Fatalf("status afterwards %q, want %q", got, w.after)
				}
				if a.access != "" {
					if got := c.current(a.access) == http.StatusOK; got != w.session {
						t.Fatalf("the account's session works: %v, want %v", got, w.session)
					}
				}
				check(t, h, a, row.endpoint, status, r)
			})
		}
	}
}

// check verifies what a successful cell must also have done.
func check(t *testing.T, h *harness, a account, endpoint, status string, r reply) {
	c := h.c
	switch {
	case endpoint == "device_authorization" && r.status == 200:
		m := r.json(t)
		if m["expires_in"] != 600.0 || m["interval"] != 5.0 || !strings.HasPrefix(r.str(t, "device_code"), "cgd_") ||
			!strings.HasSuffix(r.str(t, "verification_uri"), "/tenant/acme/administration/settings/service-accounts") {
			t.Fatalf("device authorization %s", r.body)
		}
		if a.codes.device != "" {
			// The earlier codes are replaced.
			if p := c.poll(acme, a.id, a.codes.device); p.code() != "invalid_grant" {
				t.Fatalf("the replaced device code: %d %s", p.status, p.body)
			}
		}
	case endpoint == "device_code grant" && r.status == 200:
		if !strings.HasPrefix(r.str(t, "refresh_token"), "cgr_") || c.current(r.str(t, "access_token")) != 200 {
			t.Fatalf("token response %s", r.body)
		}
		// Exactly one token response per device code.
		if p := c.poll(acme, a.id, a.codes.device); p.code() != "invalid_grant" {
			t.Fatalf("second redemption: %d %s", p.status, p.body)
		}
	case endpoint == "refresh_token grant" && r.status == 200:
		next := r.str(t, "refresh_token")
		if next == a.refresh || !strings.HasPrefix(next, "cgr_") {
			t.Fatalf("refresh_token not rotated: %s", r.body)
		}
	case endpoint == "deviceLookup" && r.status == 303:
		if r.header.Get("Location") != h.c.srv.URL+"/cloudapi/1.0.0/serviceAccounts/"+urnOf(a.id) || r.str(t, "id") != urnOf(a.id) {
			t.Fatalf("lookup answered Location %q, body %s", r.header.Get("Location"), r.body)
		}
	case endpoint == "deviceLookup/deny" && r.status == 204:
		if p := c.poll(acme, a.id, a.codes.device); p.code() != "access_denied" {
			t.Fatalf("device after the deny: %d %s", p.status, p.body)
		}
	case endpoint == "revoke" && status == "ACTIVE":
		if p := c.refresh(acme, a.refresh); p.code() != "invalid_grant" {
			t.Fatalf("refresh token after revoke: %d %s", p.status, p.body)
		}
	case endpoint == "revoke" && status != "CREATED":
		if p := c.poll(acme, a.id, a.codes.device); p.code() != "invalid_grant" {
			t.Fatalf("device code after revoke: %d %s", p.status, p.body)
		}
	case endpoint == "DELETE":
		if g := c.api(http.MethodGet, "/serviceAccounts/"+urnOf(a.id), h.admin, ""); g.status != 403 {
			t.Fatalf("GET after DELETE: %d", g.status)
		}
		if r := c.authorize(acme, a.id); r.code() != "invalid_client" {
			t.Fatalf("authorize after DELETE: %d %s", r.status, r.body)
		}
	case endpoint == "PUT":
		if m := r.json(t); m["softwareVersion"] != "2.0" || m["softwareId"] != "sw-2" || m["status"] != status {
			t.Fatalf("PUT answered %s", r.body)
		}
	}
}
