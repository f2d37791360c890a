package identity_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudgate/cloudgate/internal/audit"
	"github.com/cloudgate/cloudgate/internal/identity"
	"github.com/cloudgate/cloudgate/internal/secret"
	"github.com/cloudgate/cloudgate/internal/store/sqlite"
)

// syncBuffer is a log sink safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Failed logins reach the operator's log with a reason code and without
// any secret, at a bounded rate.
func TestFailedLoginsLogged(t *testing.T) {
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	h := secret.NewHasher(secret.HasherConfig{Params: light, Workers: 2})
	t.Cleanup(func() { h.Close(); st.Close() })
	c := &clock{now: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)}
	var out syncBuffer
	d := identity.New(identity.Config{Store: st, Hasher: h, Now: c.Now, IPFailures: 5,
		Log: slog.New(slog.NewJSONHandler(&out, nil))})
	ctx := context.Background()
	if err := d.Bootstrap(ctx); err != nil {
		t.Fatal(err)
	}
	d.CreateOrg(ctx, audit.CLI(), identity.OrgSpec{Name: "acme"})
	if _, err := d.CreateUser(ctx, audit.CLI(), identity.UserSpec{Org: "acme", Name: "alice", Password: pw, Role: identity.RoleVAppAuthor}); err != nil {
		t.Fatal(err)
	}
	login := func(user, password, ip string) {
		d.Authenticate(ctx, identity.Credentials{Org: "acme", User: user, Password: password, ClientIP: ip, Dialect: "test"})
	}
	login("alice", "Secret-guess-1", "192.0.2.1")
	login("Typed-My-Password-Here", "Secret-guess-2", "192.0.2.1")
	login("alice", pw, "192.0.2.1") // success: not logged
	log := out.String()
	for _, want := range []string{`"reason":"bad_credentials"`, `"account":"alice@acme"`, `"account":"(unknown)"`, `"ip":"192.0.2.1"`} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %s:\n%s", want, log)
		}
	}
	for _, secretText := range []string{"Secret-guess", "Typed-My-Password-Here", pw} {
		if strings.Contains(log, secretText) {
			t.Fatalf("log holds %q:\n%s", secretText, log)
		}
	}
	if n := strings.Count(log, `"msg":"login failed"`); n != 2 {
		t.Fatalf("%d failure lines, want 2:\n%s", n, log)
	}

	// A flood from many addresses: at most 20 lines a window, then a count.
	for i := 0; i < 200; i++ {
		login(fmt.Sprintf("u%d", i), "x", fmt.Sprintf("198.51.100.%d", i%250))
	}
	c.Add(11 * time.Second)
	login("alice", "wrong", "192.0.2.9")
	log = out.String()
	if n := strings.Count(log, `"msg":"login failed"`); n > 2+20+1 {
		t.Fatalf("%d failure lines for a flood of 200: not rate-limited", n)
	}
	if !strings.Contains(log, `"msg":"failed logins not logged (rate limit)"`) {
		t.Fatalf("no count of the lines left out:\n%s", log)
	}
	// An address over its budget is logged as throttled.
	for i := 0; i < 7; i++ {
		login("nobody", "x", "203.0.113.5")
	}
	c.Add(11 * time.Second)
	login("nobody", "x", "203.0.113.5")
	if !strings.Contains(out.String(), `"reason":"throttled"`) {
		t.Fatalf("throttled attempts not logged")
	}
}
