package apitoken_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/apitoken"
	"github.com/cloudgate/cloudgate/internal/audit"
	"github.com/cloudgate/cloudgate/internal/authz"
	"github.com/cloudgate/cloudgate/internal/grant"
	"github.com/cloudgate/cloudgate/internal/secret"
	"github.com/cloudgate/cloudgate/internal/seed"
	"github.com/cloudgate/cloudgate/internal/server"
	"github.com/cloudgate/cloudgate/internal/session"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/store/sqlite"
	"github.com/cloudgate/cloudgate/internal/testserver"
	"github.com/cloudgate/cloudgate/internal/urn"
)

// clock is a settable time source shared by a server and the test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// open starts a server (without HTTP) on the SQLite file at path, seeded
// with testserver's default orgs and users. The caller closes it.
func open(t *testing.T, path string, now func() time.Time) *server.Server {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(ctx, server.Options{Store: st, Now: now,
		Hasher: secret.HasherConfig{Params: secret.Params{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}}})
	if err != nil {
		st.Close()
		t.Fatal(err)
	}
	if _, err := seed.Apply(ctx, srv.Directory(), testserver.DefaultSeed()); err != nil {
		srv.Close()
		t.Fatal(err)
	}
	return srv
}

// passwordSession makes a password session of user@org as a login would
// and returns its token and principal.
func passwordSession(t *testing.T, srv *server.Server, org, user string) (string, *authz.Principal) {
	t.Helper()
	ctx := t.Context()
	u, o, err := srv.Directory().User(ctx, org, user)
	if err != nil {
		t.Fatal(err)
	}
	r, err := srv.Directory().RoleOf(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	issued, err := srv.Sessions().Create(ctx, session.Spec{User: u, Org: o, Role: r, Origin: store.OriginPassword, Dialect: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return issued.Token, &issued.Session.Principal
}

var acme = grant.Realm{Org: "acme"}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if e := apierr.As(err); err == nil || e.Code != code {
		t.Fatalf("error %v (code %q), want code %s", err, apierr.As(err).Code, code)
	}
}

// Registration, issue, use and revocation are durable: each survives
// closing and reopening the database, and only the secret's SHA-256 is
// ever written.
func TestDurableAcrossReopen(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	path := filepath.Join(dir, "cloudgate.db")
	c := grant.Client{IP: "192.0.2.1", RequestID: "test"}

	srv := open(t, path, nil)
	assertion, p := passwordSession(t, srv, "acme", "bob")
	tok, err := srv.Tokens().Register(ctx, p, acme, apitoken.RegisterSpec{Name: "nightly"}, c)
	if err != nil {
		t.Fatal(err)
	}
	minted, err := srv.Tokens().Mint(ctx, acme, assertion, tok.ID.String(), c)
	if err != nil {
		t.Fatal(err)
	}
	exchanged, err := srv.Tokens().Exchange(ctx, acme, minted.RefreshToken, "", c)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	// No file of the database holds the secret itself.
	files, _ := filepath.Glob(filepath.Join(dir, "cloudgate.db*"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(minted.RefreshToken)) || bytes.Contains(b, []byte(minted.RefreshToken[4:])) {
			t.Fatalf("%s contains the API token in clear", f)
		}
	}

	srv = open(t, path, nil)
	got, err := srv.Store().TokenByID(ctx, tok.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Digest != secret.DigestOf(minted.RefreshToken) || got.MintedAt.IsZero() || got.LastUsedAt.IsZero() {
		t.Fatalf("after reopen: %+v", got)
	}
	s, err := srv.Sessions().Resolve(ctx, exchanged.AccessToken)
	if err != nil {
		t.Fatalf("the token's session after reopen: %v", err)
	}
	if !s.Principal.Restricted || s.Principal.TokenID != tok.ID || s.Origin != store.OriginAPIToken {
		t.Fatalf("the token's session is not marked: %+v", s)
	}
	if _, err := srv.Tokens().Exchange(ctx, acme, minted.RefreshToken, "", c); err != nil {
		t.Fatalf("exchange after reopen: %v", err)
	}
	_, alice := passwordSession(t, srv, "acme", "alice")
	if err := srv.Tokens().Revoke(ctx, alice, tok.ID, c); err != nil {
		t.Fatal(err)
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}

	srv = open(t, path, nil)
	defer srv.Close()
	if _, err := srv.Tokens().Exchange(ctx, acme, minted.RefreshToken, "", c); !apierr.Is(err, apierr.Invalid) {
		t.Fatalf("exchange of a revoked token after reopen: %v", err)
	}
	if _, err := srv.Sessions().Resolve(ctx, exchanged.AccessToken); !apierr.Is(err, apierr.Unauthenticated) {
		t.Fatalf("the revoked token's session after reopen: %v", err)
	}
	_, bob := passwordSession(t, srv, "acme", "bob")
	if _, err := srv.Tokens().Get(ctx, bob, tok.ID); !apierr.Is(err, apierr.NotFound) {
		t.Fatalf("Get of a revoked token: %v", err)
	}
	events, _, err := srv.Store().AuditEvents(ctx, store.AuditQuery{})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range events {
		if e.Subject == tok.ID.URN(urn.Token) {
			seen[e.Type] = true
		}
	}
	if !seen["token.register"] || !seen["token.mint"] || !seen["token.revoke"] {
		t.Fatalf("audit events for the token: %v", seen)
	}
}

// A token registered with a lifetime stops working when it ends; without
// one it never does.
func TestExpiry(t *testing.T) {
	ctx := t.Context()
	clk := &clock{t: time.Now()}
	srv := open(t, filepath.Join(t.TempDir(), "db"), clk.now)
	defer srv.Close()
	c := grant.Client{IP: "192.0.2.2"}
	assertion, p := passwordSession(t, srv, "acme", "bob")
	short, err := srv.Tokens().Register(ctx, p, acme, apitoken.RegisterSpec{Name: "short", Lifetime: 2 * time.Hour}, c)
	if err != nil {
		t.Fatal(err)
	}
	forever, err := srv.Tokens().Register(ctx, p, acme, apitoken.RegisterSpec{Name: "forever"}, c)
	if err != nil {
		t.Fatal(err)
	}
	unminted, err := srv.Tokens().Register(ctx, p, acme, apitoken.RegisterSpec{Name: "late", Lifetime: time.Hour}, c)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Tokens().Register(ctx, p, acme, apitoken.RegisterSpec{Name: "tiny", Lifetime: time.Minute}, c); !apierr.Is(err, apierr.Invalid) {
		t.Fatalf("a one-minute lifetime: %v", err)
	}
	shortGrant, err := srv.Tokens().Mint(ctx, acme, assertion, short.ID.String(), c)
	if err != nil {
		t.Fatal(err)
	}
	foreverGrant, err := srv.Tokens().Mint(ctx, acme, assertion, forever.ID.String(), c)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Tokens().Exchange(ctx, acme, shortGrant.RefreshToken, "", c); err != nil {
		t.Fatal(err)
	}
	clk.advance(90 * time.Minute)
	// The jwt-bearer assertion has to be a live session: make a new one.
	assertion, _ = passwordSession(t, srv, "acme", "bob")
	if _, err := srv.Tokens().Mint(ctx, acme, assertion, unminted.ID.String(), c); err == nil {
		t.Fatal("an expired token was issued")
	}
	clk.advance(time.Hour)
	_, err = srv.Tokens().Exchange(ctx, acme, shortGrant.RefreshToken, "", c)
	wantCode(t, err, grant.CodeInvalidGrant)
	clk.advance(5 * 365 * 24 * time.Hour)
	if _, err := srv.Tokens().Exchange(ctx, acme, foreverGrant.RefreshToken, "", c); err != nil {
		t.Fatalf("a token without lifetime after five years: %v", err)
	}
}

// Disabling the owner or the org stops the token; enabling brings it back.
// A password change ends the owner's sessions, those made from tokens too.
func TestOwnerState(t *testing.T) {
	ctx := t.Context()
	srv := open(t, filepath.Join(t.TempDir(), "db"), nil)
	defer srv.Close()
	c := grant.Client{IP: "192.0.2.3"}
	dir := srv.Directory()
	assertion, p := passwordSession(t, srv, "acme", "bob")
	tok, err := srv.Tokens().Register(ctx, p, acme, apitoken.RegisterSpec{Name: "t"}, c)
	if err != nil {
		t.Fatal(err)
	}
	g, err := srv.Tokens().Mint(ctx, acme, assertion, tok.ID.String(), c)
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		name       string
		off, on    func() error
		endsTokens bool
	}{
		{"user", func() error { _, err := dir.SetUserEnabled(ctx, audit.CLI(), "acme", "bob", false); return err },
			func() error { _, err := dir.SetUserEnabled(ctx, audit.CLI(), "acme", "bob", true); return err }, true},
		{"org", func() error { _, err := dir.SetOrgEnabled(ctx, audit.CLI(), "acme", false); return err },
			func() error { _, err := dir.SetOrgEnabled(ctx, audit.CLI(), "acme", true); return err }, true},
	} {
		live, err := srv.Tokens().Exchange(ctx, acme, g.RefreshToken, "", c)
		if err != nil {
			t.Fatal(err)
		}
		if err := step.off(); err != nil {
			t.Fatal(err)
		}
		_, err = srv.Tokens().Exchange(ctx, acme, g.RefreshToken, "", c)
		wantCode(t, err, grant.CodeInvalidGrant)
		if _, err := srv.Sessions().Resolve(ctx, live.AccessToken); err == nil {
			t.Fatalf("disabling the %s left a token session alive", step.name)
		}
		if err := step.on(); err != nil {
			t.Fatal(err)
		}
		if _, err := srv.Tokens().Exchange(ctx, acme, g.RefreshToken, "", c); err != nil {
			t.Fatalf("after enabling the %s again: %v", step.name, err)
		}
	}
	live, err := srv.Tokens().Exchange(ctx, acme, g.RefreshToken, "", c)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dir.SetPassword(ctx, audit.CLI(), "acme", "bob", "Another-password-2"); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Sessions().Resolve(ctx, live.AccessToken); err == nil {
		t.Fatal("a password change left a token session alive")
	}
	// The token itself is a separate credential and keeps working.
	if _, err := srv.Tokens().Exchange(ctx, acme, g.RefreshToken, "", c); err != nil {
		t.Fatalf("exchange after a password change: %v", err)
	}
}

// Failed grants from one address are budgeted; a valid token from that
// address is refused too until the window ends, other addresses are not.
func TestFailureBudget(t *testing.T) {
	ctx := t.Context()
	clk := &clock{t: time.Now()}
	srv := open(t, filepath.Join(t.TempDir(), "db"), clk.now)
	defer srv.Close()
	svc := apitoken.New(apitoken.Config{Store: srv.Store(), Directory: srv.Directory(), Sessions: srv.Sessions(),
		Feed: srv.Feed(), Now: clk.now, FailureBudget: 3, FailureWindow: time.Minute})
	defer svc.Close()
	assertion, p := passwordSession(t, srv, "acme", "bob")
	tok, err := svc.Register(ctx, p, acme, apitoken.RegisterSpec{Name: "t"}, grant.Client{})
	if err != nil {
		t.Fatal(err)
	}
	g, err := svc.Mint(ctx, acme, assertion, tok.ID.String(), grant.Client{})
	if err != nil {
		t.Fatal(err)
	}
	bad := grant.Client{IP: "198.51.100.7"}
	for range 3 {
		_, err := svc.Exchange(ctx, acme, "cga_guess", "", bad)
		wantCode(t, err, grant.CodeInvalidGrant)
	}
	if _, err := svc.Exchange(ctx, acme, g.RefreshToken, "", bad); !apierr.Is(err, apierr.TooMany) {
		t.Fatalf("after the budget: %v", err)
	}
	if _, err := svc.Exchange(ctx, acme, g.RefreshToken, "", grant.Client{IP: "198.51.100.8"}); err != nil {
		t.Fatalf("another address: %v", err)
	}
	clk.advance(time.Minute)
	if _, err := svc.Exchange(ctx, acme, g.RefreshToken, "", bad); err != nil {
		t.Fatalf("after the window: %v", err)
	}
}

// Last-use times are written behind: visible at once on this instance,
// in the store after a flush, and kept when a flush fails.
func TestLastUsed(t *testing.T) {
	ctx := t.Context()
	clk := &clock{t: time.Now().Truncate(time.Second)}
	srv := open(t, filepath.Join(t.TempDir(), "db"), clk.now)
	defer srv.Close()
	svc := apitoken.New(apitoken.Config{Store: srv.Store(), Directory: srv.Directory(), Sessions: srv.Sessions(), Feed: srv.Feed(), Now: clk.now})
	assertion, p := passwordSession(t, srv, "acme", "bob")
	tok, _ := svc.Register(ctx, p, acme, apitoken.RegisterSpec{Name: "t"}, grant.Client{})
	g, err := svc.Mint(ctx, acme, assertion, tok.ID.String(), grant.Client{})
	if err != nil {
		t.Fatal(err)
	}
	clk.advance(time.Minute)
	if _, err := svc.Exchange(ctx, acme, g.RefreshToken, "", grant.Client{}); err != nil {
		t.Fatal(err)
	}
	row, err := svc.Get(ctx, p, tok.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !row.LastUsedAt.Equal(clk.now()) {
		t.Fatalf("LastUsedAt %v before the flush, want %v", row.LastUsedAt, clk.now())
	}
	if stored, _ := srv.Store().TokenByID(ctx, tok.ID); !stored.LastUsedAt.Before(clk.now()) {
		t.Fatalf("the exchange wrote LastUsedAt in its transaction: %v", stored.LastUsedAt)
	}
	if err := svc.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if stored, _ := srv.Store().TokenByID(ctx, tok.ID); !stored.LastUsedAt.Equal(clk.now()) {
		t.Fatalf("stored LastUsedAt %v after the flush, want %v", stored.LastUsedAt, clk.now())
	}
	clk.advance(time.Minute)
	if _, err := svc.Exchange(ctx, acme, g.RefreshToken, "", grant.Client{}); err != nil {
		t.Fatal(err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := svc.Flush(cancelled); err == nil {
		t.Fatal("a flush with a cancelled context succeeded")
	}
	svc.Close() // flushes what the failed flush kept
	if stored, _ := srv.Store().TokenByID(ctx, tok.ID); !stored.LastUsedAt.Equal(clk.now()) {
		t.Fatalf("stored LastUsedAt %v after Close, want %v", stored.LastUsedAt, clk.now())
	}
}

// Another instance's writes reach this one through the change feed; until
// they do, the grant cache is stale. The store's guarded insert still
// refuses a token revoked elsewhere (invalid_grant), and an owner whose
// password changed elsewhere is read again and the exchange succeeds.
// Both writes here go to the store directly, so no change is applied.
func TestStaleGrantCache(t *testing.T) {
	ctx := t.Context()
	srv := open(t, filepath.Join(t.TempDir(), "db"), nil)
	defer srv.Close()
	c := grant.Client{IP: "192.0.2.4"}
	assertion, p := passwordSession(t, srv, "acme", "bob")
	mint := func(name string) (urn.UUID, string) {
		tok, err := srv.Tokens().Register(ctx, p, acme, apitoken.RegisterSpec{Name: name}, c)
		if err != nil {
			t.Fatal(err)
		}
		g, err := srv.Tokens().Mint(ctx, acme, assertion, tok.ID.String(), c)
		if err != nil {
			t.Fatal(err)
		}
		// One exchange fills the cache with the token and its owner.
		if _, err := srv.Tokens().Exchange(ctx, acme, g.RefreshToken, "", c); err != nil {
			t.Fatal(err)
		}
		return tok.ID, g.RefreshToken
	}
	st := srv.Store()

	revokedID, revoked := mint("revoked elsewhere")
	if err := st.Update(ctx, func(tx store.Tx) error {
		_, err := tx.RevokeToken(ctx, revokedID, time.Now())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	_, err := srv.Tokens().Exchange(ctx, acme, revoked, "", c)
	wantCode(t, err, grant.CodeInvalidGrant)

	_, kept := mint("kept")
	bob, _, err := srv.Directory().User(ctx, "acme", "bob")
	if err != nil {
		t.Fatal(err)
	}
	bob.PasswordHash, bob.ValidAfter = "$argon2id$changed-elsewhere", time.Now().UTC().Truncate(time.Microsecond)
	if err := st.Update(ctx, func(tx store.Tx) error { return tx.UpdateUser(ctx, bob) }); err != nil {
		t.Fatal(err)
	}
	g, err := srv.Tokens().Exchange(ctx, acme, kept, "", c)
	if err != nil {
		t.Fatalf("exchange after a password change made elsewhere: %v", err)
	}
	if _, err := srv.Sessions().Resolve(ctx, g.AccessToken); err != nil {
		t.Fatalf("the new session does not resolve: %v", err)
	}
}
