package gate_test

import (
	"strings"
	"testing"

	"github.com/cloudgate/cloudgate/internal/gate"
	"github.com/cloudgate/cloudgate/internal/session"
)

// The gate strips cookies by prefix; the web pages' session cookie must
// fall under it, or a proxied request would carry the page session upstream.
func TestWebCookieIsStripped(t *testing.T) {
	if !strings.HasPrefix(session.CookieName, gate.CookieName) {
		t.Fatalf("session cookie %q does not start with the gate's stripped prefix %q", session.CookieName, gate.CookieName)
	}
}
