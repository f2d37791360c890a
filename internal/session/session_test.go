package session_test

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/audit"
	"github.com/cloudgate/cloudgate/internal/feed"
	"github.com/cloudgate/cloudgate/internal/identity"
	"github.com/cloudgate/cloudgate/internal/secret"
	"github.com/cloudgate/cloudgate/internal/session"
	"github.com/cloudgate/cloudgate/internal/settings"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/store/sqlite"
	"github.com/cloudgate/cloudgate/internal/urn"
)

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

const pw = "Correct-horse-1"

// instance is one server's worth of session machinery on a shared store.
type instance struct {
	feed *feed.Feed
	set  *settings.Holder
	dir  *identity.Directory
	mgr  *session.Manager
}

type env struct {
	store store.Store
	clock *clock
	a, b  *instance
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{now: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)}
	e := &env{store: st, clock: c}
	h := secret.NewHasher(secret.HasherConfig{Params: secret.Params{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}})
	t.Cleanup(func() { h.Close(); st.Close() })
	mk := func() *instance {
		in := &instance{feed: feed.New(feed.Config{Store: st, Interval: time.Hour})}
		if in.set, err = settings.Load(ctx, st, in.feed, c.Now); err != nil {
			t.Fatal(err)
		}
		in.dir = identity.New(identity.Config{Store: st, Hasher: h, Feed: in.feed, Now: c.Now})
		in.mgr = session.New(session.Config{Store: st, Settings: in.set, Feed: in.feed, Now: c.Now, SweepInterval: time.Hour, FlushInterval: time.Hour})
		in.feed.Subscribe(in.set.Apply)
		in.feed.Subscribe(in.mgr.Apply)
		if err := in.feed.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(in.mgr.Close)
		return in
	}
	a0 := identity.New(identity.Config{Store: st, Hasher: h, Now: c.Now})
	if err := a0.Bootstrap(ctx); err != nil {
		t.Fatal(err)
	}
	a0.CreateOrg(ctx, audit.CLI(), identity.OrgSpec{Name: "acme"})
	a0.CreateUser(ctx, audit.CLI(), identity.UserSpec{Org: "acme", Name: "alice", Password: pw, Role: identity.RoleOrgAdmin})
	e.a, e.b = mk(), mk()
	return e
}

func (e *env) login(t *testing.T, in *instance, spec func(*session.Spec)) session.Issued {
	t.Helper()
	acct, _, err := in.dir.Authenticate(context.Background(), identity.Credentials{Org: "acme", User: "alice", Password: pw})
	if err != nil {
		t.Fatal(err)
	}
	s := session.Spec{User: acct.User, Org: acct.Org, Role: acct.Role, Origin: store.OriginPassword, Dialect: "test", Legacy: true,
		ClientIP: "192.0.2.1", UserAgent: "ua\x00with\ncontrols"}
	if spec != nil {
		spec(&s)
	}
	iss, err := in.mgr.Create(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	return iss
}

func ok(t *testing.T, in *instance, tok string) *session.Session {
	t.Helper()
	s, err := in.mgr.Resolve(context.Background(), tok)
	if err != nil {
		t.Fatalf("Resolve: %v", err)
	}
	return s
}

func refused(t *testing.T, in *instance, tok, why string) {
	t.Helper()
	if s, err := in.mgr.Resolve(context.Background(), tok); !apierr.Is(err, apierr.Unauthenticated) {
		t.Fatalf("%s: Resolve = %v, %v; want Unauthenticated", why, s, err)
	}
}

func TestCreateResolve(t *testing.T) {
	e := newEnv(t)
	iss := e.login(t, e.a, nil)
	if len(iss.Token) <= 32 || len(iss.LegacyKey) != 32 {
		t.Fatalf("token lengths %d and %d", len(iss.Token), len(iss.LegacyKey))
	}
	s := ok(t, e.a, iss.Token)
	if s.Principal.UserName != "alice" || s.Principal.OrgName != "acme" || s.RoleName != identity.RoleOrgAdmin ||
		s.Principal.Restricted || !s.Principal.Can(identity.RightTokenManageAll) {
		t.Fatalf("resolved %+v", s)
	}
	if s.UserAgent != "ua?with?controls" {
		t.Fatalf("user agent stored as %q", s.UserAgent)
	}
	if ok(t, e.a, iss.LegacyKey).ID != s.ID {
		t.Fatal("legacy key resolves to another session")
	}
	// Another instance has not seen it: it reads the store once.
	if ok(t, e.b, iss.Token).ID != s.ID || ok(t, e.b, iss.LegacyKey).ID != s.ID {
		t.Fatal("instance b resolves another session")
	}
	// The last character changed: to "B" when it is an "A" already (one
	// token in 16 ends in "A"; the test used to pass the real token then).
	last := "A"
	if strings.HasSuffix(iss.Token, "A") {
		last = "B"
	}
	for _, bad := range []string{"", "short", iss.Token + "x", "cgs_" + string(make([]byte, 43)), iss.Token[:len(iss.Token)-1] + last} {
		refused(t, e.a, bad, "bogus token "+bad)
	}
}

func TestIdleAndAbsoluteExpiry(t *testing.T) {
	e := newEnv(t)
	iss := e.login(t, e.a, nil)
	// Activity every 20 minutes keeps it alive...
	for i := 0; i < 3; i++ {
		e.clock.Add(20 * time.Minute)
		ok(t, e.a, iss.Token)
	}
	// ...31 idle minutes end it.
	e.clock.Add(31 * time.Minute)
	refused(t, e.a, iss.Token, "idle for 31 minutes")
	refused(t, e.b, iss.Token, "idle, on another instance")

	// The absolute lifetime ends a busy session.
	iss = e.login(t, e.a, nil)
	for i := 0; i < 24*3; i++ {
		e.clock.Add(20 * time.Minute)
		if _, err := e.a.mgr.Resolve(context.Background(), iss.Token); err != nil {
			if i < 24*3-1 && e.clock.Now().Sub(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)) < 24*time.Hour {
				t.Fatalf("refused early at step %d: %v", i, err)
			}
			return
		}
	}
	t.Fatal("a session lived past its absolute lifetime")
}

// A session used on instance b is not expired by instance a, which has not
// seen it for longer than the idle timeout.
func TestIdleAcrossInstances(t *testing.T) {
	e := newEnv(t)
	iss := e.login(t, e.a, nil)
	ctx := context.Background()
	for i := 0; i < 4; i++ {
		e.clock.Add(10 * time.Minute)
		ok(t, e.b, iss.Token)
	}
	// b writes its activity behind (normally every second).
	e.b.mgr.Close()
	ok(t, e.a, iss.Token) // a's own view is 40 minutes old; the store decides
	rec, err := e.store.SessionByID(ctx, ok(t, e.a, iss.Token).ID)
	if err != nil || !rec.EndedAt.IsZero() {
		t.Fatalf("session ended by the instance that was idle: %+v %v", rec, err)
	}
}

func TestSettingChangeAppliesEverywhere(t *testing.T) {
	e := newEnv(t)
	iss := e.login(t, e.a, nil)
	if err := e.a.set.Set(context.Background(), audit.CLI(), "session-idle-timeout", "5m"); err != nil {
		t.Fatal(err)
	}
	if err := e.b.feed.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := e.b.mgr.IdleTimeout(); got != 5*time.Minute {
		t.Fatalf("instance b idle timeout %v", got)
	}
	e.clock.Add(6 * time.Minute)
	refused(t, e.b, iss.Token, "idle past the new timeout")
}

func TestRevocations(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		revoke func(e *env, iss session.Issued) error
	}{
		{"logout", func(e *env, iss session.Issued) error {
			s, _ := e.a.mgr.Resolve(ctx, iss.Token)
			return e.a.mgr.End(ctx, s.ID, "logout")
		}},
		{"user disabled", func(e *env, _ session.Issued) error {
			_, err := e.a.dir.SetUserEnabled(ctx, audit.CLI(), "acme", "alice", false)
			return err
		}},
		{"password changed", func(e *env, _ session.Issued) error {
			_, err := e.a.dir.SetPassword(ctx, audit.CLI(), "acme", "alice", "Brand-new-pass-1")
			return err
		}},
		{"org disabled", func(e *env, _ session.Issued) error {
			_, err := e.a.dir.SetOrgEnabled(ctx, audit.CLI(), "acme", false)
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			iss := e.login(t, e.a, nil)
			ok(t, e.a, iss.Token)
			ok(t, e.b, iss.Token)
			if err := tc.revoke(e, iss); err != nil {
				t.Fatal(err)
			}
			// This instance applied it before returning.
			refused(t, e.a, iss.Token, "on the revoking instance")
			refused(t, e.a, iss.LegacyKey, "legacy key on the revoking instance")
			// The other instance applies it from the feed.
			if err := e.b.feed.Poll(ctx); err != nil {
				t.Fatal(err)
			}
			refused(t, e.b, iss.Token, "on the other instance")
		})
	}
}

// A session made from an API token is restricted and dies with the token.
func TestTokenRevocationFromFeed(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tokenID := urn.New()
	iss := e.login(t, e.a, func(s *session.Spec) { s.Origin, s.TokenID = store.OriginAPIToken, tokenID })
	s := ok(t, e.a, iss.Token)
	if !s.Principal.Restricted || s.Principal.Can(identity.RightTokenManage) || s.Principal.Can(identity.RightUserManage) ||
		!s.Principal.Can(identity.RightUserView) {
		t.Fatalf("token session rights: restricted=%v %v", s.Principal.Restricted, s.Principal.Rights)
	}
	if err := s.Principal.Require(identity.RightTokenManage); err == nil {
		t.Fatal("restricted session holds Token: Manage")
	}
	ok(t, e.b, iss.Token)
	// Another process revokes: it writes the change; these instances read it.
	change := store.Change{Topic: store.TopicTokenRevoked, Subject: tokenID, At: e.clock.Now()}
	if err := e.store.Update(ctx, func(tx store.Tx) error { return tx.Emit(ctx, change) }); err != nil {
		t.Fatal(err)
	}
	for _, in := range []*instance{e.a, e.b} {
		if err := in.feed.Poll(ctx); err != nil {
			t.Fatal(err)
		}
		refused(t, in, iss.Token, "token revoked elsewhere")
	}
}

// A guard refusing inside the transaction leaves no session behind.
func TestGuardAbortsCreation(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	acct, _, _ := e.a.dir.Authenticate(ctx, identity.Credentials{Org: "acme", User: "alice", Password: pw})
	_, err := e.a.mgr.Create(ctx, session.Spec{User: acct.User, Org: acct.Org, Role: acct.Role, Origin: store.OriginAPIToken,
		Guard: func(context.Context, store.Tx) error { return apierr.New(apierr.Invalid, "token revoked") }})
	if !apierr.Is(err, apierr.Invalid) {
		t.Fatalf("Create = %v", err)
	}
	rows, total, _ := e.a.mgr.List(ctx, store.SessionQuery{UserID: acct.User.ID})
	if total != 0 || len(rows) != 0 {
		t.Fatalf("%d sessions left behind", total)
	}
	// Credentials checked before a password change cannot create a session after it.
	if _, err := e.a.dir.SetPassword(ctx, audit.CLI(), "acme", "alice", "Brand-new-pass-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.a.mgr.Create(ctx, session.Spec{User: acct.User, Org: acct.Org, Role: acct.Role, Origin: store.OriginPassword}); !apierr.Is(err, apierr.Unauthenticated) {
		t.Fatalf("Create with stale credentials = %v", err)
	}
}

func TestWriteBehindSurvivesClose(t *testing.T) {
	e := newEnv(t)
	iss := e.login(t, e.a, nil)
	e.clock.Add(10 * time.Minute)
	s := ok(t, e.a, iss.Token)
	e.a.mgr.Close()
	rec, err := e.store.SessionByID(context.Background(), s.ID)
	if err != nil || !rec.LastActive.Equal(e.clock.Now()) {
		t.Fatalf("stored LastActive %v, want %v (%v)", rec.LastActive, e.clock.Now(), err)
	}
}

// A session made from an API token (Hold names it) is created only while
// the token is live with that digest, whether the session is the only
// write of its transaction (one guarded insert) or comes with audit
// events (Update with pins).
func TestTokenDigestGuardsCreation(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	acct, _, err := e.a.dir.Authenticate(ctx, identity.Credentials{Org: "acme", User: "alice", Password: pw})
	if err != nil {
		t.Fatal(err)
	}
	tok := store.APIToken{ID: urn.New(), Name: "ci", OwnerID: acct.User.ID, OrgID: acct.Org.ID, Type: store.TokenTypeRefresh, CreatedAt: e.clock.Now()}
	_, d := secret.NewToken(secret.PrefixAPIToken)
	if err := e.store.Update(ctx, func(tx store.Tx) error {
		if err := tx.InsertToken(ctx, tok); err != nil {
			return err
		}
		_, err := tx.MintToken(ctx, tok.ID, d, e.clock.Now())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	_, wrong := secret.NewToken(secret.PrefixAPIToken)
	create := func(digest secret.Digest, audited bool) error {
		spec := session.Spec{User: acct.User, Org: acct.Org, Role: acct.Role, Origin: store.OriginAPIToken, Dialect: "oauth",
			TokenID: tok.ID, Hold: store.SessionGuard{TokenDigest: digest}}
		if audited {
			spec.Audit = []store.AuditEvent{{At: e.clock.Now(), Type: "test", Outcome: "success"}}
		}
		_, err := e.a.mgr.Create(ctx, spec)
		return err
	}
	for _, audited := range []bool{false, true} {
		if err := create(d, audited); err != nil {
			t.Fatalf("audited=%v: Create with the token's digest: %v", audited, err)
		}
		if err := create(wrong, audited); !apierr.Is(err, apierr.Unauthenticated) {
			t.Fatalf("audited=%v: Create with another digest = %v, want Unauthenticated", audited, err)
		}
	}
	if err := e.store.Update(ctx, func(tx store.Tx) error { _, err := tx.RevokeToken(ctx, tok.ID, e.clock.Now()); return err }); err != nil {
		t.Fatal(err)
	}
	for _, audited := range []bool{false, true} {
		if err := create(d, audited); !apierr.Is(err, apierr.Unauthenticated) {
			t.Fatalf("audited=%v: Create from a revoked token = %v, want Unauthenticated", audited, err)
		}
	}
	if _, total, _ := e.a.mgr.List(ctx, store.SessionQuery{UserID: acct.User.ID}); total != 2 {
		t.Fatalf("%d sessions stored, want the 2 made while the token was live", total)
	}
}
