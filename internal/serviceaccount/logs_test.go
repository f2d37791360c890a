package serviceaccount_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/cloudgate/cloudgate/internal/store"
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

// No service-account secret reaches the log or the audit trail, at debug
// level, through a whole life: device and user codes, refresh tokens
// (current, rotated, replayed), access tokens, codes sent in the URL.
func TestSecretsNeverLogged(t *testing.T) {
	var logs syncBuffer
	clk := &clock{}
	h := newHarness(t, testserver.WithClock(clk.now),
		testserver.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	c := h.c
	id := c.newAccount(acme, h.alice, "vApp Author")
	cs, r1, a1 := c.activate(acme, id, h.alice)
	r := c.refresh(acme, r1)
	r2, a2 := r.str(t, "refresh_token"), r.str(t, "access_token")
	c.do(http.MethodPost, "/oauth/tenant/acme/token?device_code="+cs.device, form("grant_type", deviceGT, "client_id", id), "Content-Type", formType)
	clk.pastRaceWindow()
	if r := c.refresh(acme, r1); r.code() != "invalid_grant" {
		t.Fatalf("replay: %d %s", r.status, r.body)
	}
	out := logs.String()
	if !strings.Contains(out, id) {
		t.Fatalf("the log does not name the account (the replay warning); is it captured?\n%s", out)
	}
	events, _, err := c.srv.Store().AuditEvents(t.Context(), store.AuditQuery{})
	if err != nil {
		t.Fatal(err)
	}
	var trail strings.Builder
	for _, e := range events {
		trail.WriteString(e.Type + " " + e.Subject + " " + e.Detail + "\n")
	}
	user := strings.ReplaceAll(cs.user, "-", "")
	for name, s := range map[string]string{"device code": cs.device, "user code": user, "user code as shown": cs.user, "first refresh token": r1,
		"second refresh token": r2, "access token": a1, "second access token": a2} {
		if strings.Contains(out, s) || strings.Contains(trail.String(), s) || (len(s) > 20 && strings.Contains(out, s[4:])) {
			t.Fatalf("the log or the audit trail holds the %s", name)
		}
	}
}
