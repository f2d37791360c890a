package oauth_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/cloudgate/cloudgate/internal/audit"
	"github.com/cloudgate/cloudgate/internal/testserver"
)

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// No secret reaches the log, at debug level, whatever happens to it:
// issue, exchange, a token sent in the URL, use of a disabled account,
// revocation.
func TestSecretsNeverLogged(t *testing.T) {
	var logs syncBuffer
	srv := testserver.Start(t, testserver.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	c := newTestClient(t, srv)
	sess := c.login(bob)
	id, sec := c.newToken(bob, sess, "logged")
	access := c.exchange(bob, sec)
	c.do(http.MethodPost, "/oauth/tenant/acme/token?refresh_token="+sec, "grant_type=refresh_token", "Content-Type", formType)
	if _, err := srv.Server.Directory().SetUserEnabled(t.Context(), audit.CLI(), "acme", "bob", false); err != nil {
		t.Fatal(err)
	}
	c.grant("tenant/acme", refreshForm(sec))
	if _, err := srv.Server.Directory().SetUserEnabled(t.Context(), audit.CLI(), "acme", "bob", true); err != nil {
		t.Fatal(err)
	}
	sess = c.login(bob)
	if r := c.api(http.MethodDelete, "/tokens/urn:vcloud:token:"+id, sess); r.status != http.StatusNoContent {
		t.Fatalf("DELETE: %d", r.status)
	}
	out := logs.String()
	if !strings.Contains(out, id) {
		t.Fatalf("the log does not even name the token; is it captured?\n%s", out)
	}
	for name, s := range map[string]string{"API token": sec, "access token": access, "password session": sess} {
		if strings.Contains(out, s) || strings.Contains(out, s[4:]) {
			t.Fatalf("the log holds the %s:\n%s", name, out)
		}
	}
}
