package serviceaccount_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/cloudgate/cloudgate/internal/identity"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
)

// Who may register which account where, and every malformed registration:
// exact statuses and OAuth codes, never a 500.
func TestRegistration(t *testing.T) {
	h := newHarness(t)
	c := h.c
	ctx := t.Context()
	// A role holding a right Organization Administrators lack.
	helper := store.Role{ID: urn.New(), Name: "Provider Helper", Rights: []string{identity.RightOrgView, identity.RightProviderManage}}
	if err := c.srv.Store().Update(ctx, func(tx store.Tx) error { return tx.InsertRole(ctx, helper) }); err != nil {
		t.Fatal(err)
	}
	bob := c.login("bob", "acme", "Test-password-1")
	dave := c.login("dave", "globex", "Test-password-1")
	// A session made from an API token of alice's (restricted).
	tok := c.register(acme, h.alice, map[string]any{"client_name": "alice's token"})
	mint := c.do(http.MethodPost, "/oauth/tenant/acme/token", form("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer",
		"assertion", h.alice, "client_id", tok.str(t, "client_id")), "Content-Type", formType)
	aliceToken := c.refresh(acme, mint.str(t, "refresh_token")).str(t, "access_token")
	if aliceToken == "" {
		t.Fatalf("no API-token session: %s", mint.body)
	}

	sa := func(extra map[string]any) map[string]any {
		m := map[string]any{"client_name": "robot", "software_id": "12345678-1234-1234-1234-1234567890ab",
			"software_version": "1.0", "client_uri": "https://example.com/robot", "scope": "urn:vcloud:role:vApp%20Author"}
		for k, v := range extra {
			if v == nil {
				delete(m, k)
			} else {
				m[k] = v
			}
		}
		return m
	}
	n := 0
	named := func(extra map[string]any) map[string]any {
		n++
		m := sa(extra)
		if _, ok := extra["client_name"]; !ok {
			m["client_name"] = "robot-" + string(rune('a'+n%26)) + strings.Repeat("x", n/26)
		}
		return m
	}
	for _, tc := range []struct {
		name, realm, session string
		body                 map[string]any
		status               int
		code                 string
	}{
		{"org admin, tenant role", acme, h.alice, named(nil), 200, ""},
		{"org admin, own role", acme, h.alice, named(map[string]any{"scope": "urn:vcloud:role:Organization%20Administrator"}), 200, ""},
		{"org admin, role by id", acme, h.alice, named(map[string]any{"scope": "urn:vcloud:role:" + roleID(t, c, "vApp User")}), 200, ""},
		{"System admin in a tenant org", acme, h.admin, named(nil), 200, ""},
		{"System admin in System", "provider", h.admin, named(map[string]any{"scope": "urn:vcloud:role:System%20Administrator"}), 200, ""},
		{"System admin, a right org admins lack", acme, h.admin, named(map[string]any{"scope": "urn:vcloud:role:Provider%20Helper"}), 200, ""},
		{"org admin, a right she lacks", acme, h.alice, named(map[string]any{"scope": "urn:vcloud:role:Provider%20Helper"}), 400, "invalid_client_metadata"},
		{"System-only role in a tenant org", acme, h.admin, named(map[string]any{"scope": "urn:vcloud:role:System%20Administrator"}), 400, "invalid_client_metadata"},
		{"org admin assigning System Administrator", acme, h.alice, named(map[string]any{"scope": "urn:vcloud:role:System%20Administrator"}), 400, "invalid_client_metadata"},
		{"another org", "tenant/globex", h.alice, named(nil), 403, "access_denied"},
		{"provider by a tenant", "provider", h.alice, named(nil), 403, "access_denied"},
		{"System as a tenant", "tenant/System", h.admin, named(nil), 403, "access_denied"},
		{"unknown org", "tenant/nosuch", h.admin, named(nil), 403, "access_denied"},
		{"no right", acme, bob, named(nil), 403, "access_denied"},
		{"restricted session", acme, aliceToken, named(nil), 403, "access_denied"},
		{"no session", acme, "cgs_" + strings.Repeat("Z", 43), named(nil), 401, "invalid_token"},
		{"other org admin", "tenant/globex", dave, named(nil), 200, ""},
		{"no scope", acme, h.alice, named(map[string]any{"scope": nil}), 400, "invalid_client_metadata"},
		{"scope without prefix", acme, h.alice, named(map[string]any{"scope": "vApp Author"}), 400, "invalid_client_metadata"},
		{"two roles", acme, h.alice, named(map[string]any{"scope": "urn:vcloud:role:vApp%20Author urn:vcloud:role:vApp%20User"}), 400, "invalid_client_metadata"},
		{"unknown role", acme, h.alice, named(map[string]any{"scope": "urn:vcloud:role:Nobody"}), 400, "invalid_client_metadata"},
		{"bad escape", acme, h.alice, named(map[string]any{"scope": "urn:vcloud:role:vApp%zzAuthor"}), 400, "invalid_client_metadata"},
		{"scope of the wrong type", acme, h.alice, named(map[string]any{"scope": 5}), 400, "invalid_client_metadata"},
		{"no name", acme, h.alice, sa(map[string]any{"client_name": nil}), 400, "invalid_client_metadata"},
		{"name of a user", acme, h.alice, sa(map[string]any{"client_name": "BOB"}), 400, "invalid_client_metadata"},
		{"name with a colon", acme, h.alice, sa(map[string]any{"client_name": "ro:bot"}), 400, "invalid_client_metadata"},
		{"software_id too long", acme, h.alice, named(map[string]any{"software_id": strings.Repeat("s", 129)}), 400, "invalid_client_metadata"},
		{"software_version with a control", acme, h.alice, named(map[string]any{"software_version": "1\x00"}), 400, "invalid_client_metadata"},
		{"client_uri not http", acme, h.alice, named(map[string]any{"client_uri": "ftp://example.com"}), 400, "invalid_client_metadata"},
		{"client_uri relative", acme, h.alice, named(map[string]any{"client_uri": "/robot"}), 400, "invalid_client_metadata"},
		{"client_uri with credentials", acme, h.alice, named(map[string]any{"client_uri": "https://u:p@example.com"}), 400, "invalid_client_metadata"},
		{"expires_in", acme, h.alice, named(map[string]any{"expires_in": 3600}), 400, "invalid_client_metadata"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := c.register(tc.realm, tc.session, tc.body)
			if r.status != tc.status || (tc.code != "" && r.code() != tc.code) {
				t.Fatalf("got %d %s, want %d %s; body %s", r.status, r.code(), tc.status, tc.code, r.body)
			}
			if r.status != 200 {
				return
			}
			m := r.json(t)
			id := r.str(t, "client_id")
			if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`).MatchString(id) {
				t.Fatalf("client_id %q", id)
			}
			gt, _ := m["grant_types"].([]any)
			if len(gt) != 2 || gt[0] != "urn:ietf:params:oauth:grant-type:device_code" || gt[1] != "refresh_token" ||
				m["token_endpoint_auth_method"] != "none" {
				t.Fatalf("answer %s", r.body)
			}
			for _, k := range []string{"client_name", "software_id", "software_version", "client_uri", "scope"} {
				if m[k] != tc.body[k] {
					t.Fatalf("%s = %v, want it echoed (%v)", k, m[k], tc.body[k])
				}
			}
			if got := c.status(h.admin, id); got != "CREATED" {
				t.Fatalf("status %q", got)
			}
		})
	}
	// A second account of the same name in the org.
	if r := c.register(acme, h.alice, sa(map[string]any{"client_name": "dup"})); r.status != 200 {
		t.Fatalf("first: %d %s", r.status, r.body)
	}
	if r := c.register(acme, h.admin, sa(map[string]any{"client_name": "DUP"})); r.status != 400 || r.code() != "invalid_client_metadata" {
		t.Fatalf("duplicate name: %d %s", r.status, r.body)
	}
	// Registration is audited with its creator.
	events, _, err := c.srv.Store().AuditEvents(ctx, store.AuditQuery{Type: "serviceAccount.create"})
	if err != nil || len(events) == 0 || events[0].ActorName == "" {
		t.Fatalf("audit: %+v %v", events, err)
	}
}

func roleID(t *testing.T, c *client, name string) string {
	t.Helper()
	r, err := c.srv.Store().RoleByName(t.Context(), name)
	if err != nil {
		t.Fatal(err)
	}
	return r.ID.String()
}
