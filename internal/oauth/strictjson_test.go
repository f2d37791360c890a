package oauth_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/cloudgate/cloudgate/internal/testserver"
)

// Duplicate keys and invalid UTF-8 in JSON bodies are refused with 400
// (issue 15): encoding/json alone lets the last duplicate win and turns
// invalid bytes into U+FFFD, so what was checked and what is stored could
// differ from what the client meant.
func TestRegisterRefusesAmbiguousJSON(t *testing.T) {
	srv := testserver.Start(t)
	c := newTestClient(t, srv)
	sess := c.login(alice)
	post := func(body string) reply {
		return c.do(http.MethodPost, "/oauth/tenant/acme/register", body,
			"Authorization", "Bearer "+sess, "Content-Type", "application/json")
	}
	for _, tc := range []struct{ name, body string }{
		// (a body that is not an object is invalid_client_metadata, as before)
		{"duplicate key", `{"client_name":"first","client_name":"second"}`},
		{"duplicate key in another case", `{"client_name":"first","Client_Name":"second"}`},
		{"duplicate in a nested object", `{"client_name":"x","extra":{"a":1,"a":2}}`},
		{"invalid UTF-8", "{\"client_name\":\"bad\xff\xfename\"}"},
		{"lone surrogate escape", `{"client_name":"bad\ud800name"}`},
		{"two objects", `{"client_name":"a"}{"client_name":"b"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := post(tc.body)
			if r.status != http.StatusBadRequest || r.str(t, "error") != "invalid_request" {
				t.Fatalf("got %d %s", r.status, r.body)
			}
		})
	}
	// The same body without the ambiguity is accepted.
	if r := post(`{"client_name":"second","extra":{"a":1}}`); r.status != http.StatusOK && r.status != http.StatusCreated {
		t.Fatalf("plain register: %d %s", r.status, r.body)
	}
	if r := post(`{"client_name":"sm\u00f6rg\u00e5s"}`); r.status != http.StatusOK && r.status != http.StatusCreated || !strings.Contains(string(r.body), "smörgås") {
		t.Fatalf("escaped non-ASCII name: %d %s", r.status, r.body)
	}
}
