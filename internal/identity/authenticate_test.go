package identity_test

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/audit"
	"github.com/cloudgate/cloudgate/internal/identity"
	"github.com/cloudgate/cloudgate/internal/secret"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/store/sqlite"
	"github.com/cloudgate/cloudgate/internal/urn"
)

// clock is a settable time source.
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

var light = secret.Params{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

type fixture struct {
	dir   *identity.Directory
	store store.Store
	clock *clock
}

const pw = "Correct-horse-1"

func newFixture(t *testing.T, params secret.Params) *fixture {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	h := secret.NewHasher(secret.HasherConfig{Params: params, Workers: 2})
	t.Cleanup(func() { h.Close(); st.Close() })
	c := &clock{now: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)}
	d := identity.New(identity.Config{Store: st, Hasher: h, Now: c.Now})
	ctx := context.Background()
	if err := d.Bootstrap(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := d.EnsureAdmin(ctx, pw); err != nil {
		t.Fatal(err)
	}
	if _, err := d.CreateOrg(ctx, audit.CLI(), identity.OrgSpec{Name: "acme"}); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"alice", "bob"} {
		if _, err := d.CreateUser(ctx, audit.CLI(), identity.UserSpec{Org: "acme", Name: u, Password: pw, Role: identity.RoleVAppAuthor}); err != nil {
			t.Fatal(err)
		}
	}
	return &fixture{dir: d, store: st, clock: c}
}

func (f *fixture) login(user, org, password, ip string) (identity.Account, string, error) {
	return f.dir.Authenticate(context.Background(), identity.Credentials{Org: org, User: user, Password: password, ClientIP: ip, Dialect: "test"})
}

func TestAuthenticateRefusalsLookAlike(t *testing.T) {
	f := newFixture(t, light)
	ctx := context.Background()
	if _, err := f.dir.SetUserEnabled(ctx, audit.CLI(), "acme", "bob", false); err != nil {
		t.Fatal(err)
	}
	acct, outcome, err := f.login("ALICE", "ACME", pw, "192.0.2.1") // names are case-insensitive
	if err != nil || outcome != identity.OutcomeSuccess || acct.User.Name != "alice" || acct.Role.Name != identity.RoleVAppAuthor {
		t.Fatalf("good login: %+v %s %v", acct, outcome, err)
	}
	for _, tc := range []struct {
		name, user, org, password, outcome string
	}{
		{"wrong password", "alice", "acme", "wrong", identity.OutcomeBadPassword},
		{"unknown user", "nobody", "acme", pw, identity.OutcomeBadPassword},
		{"unknown org", "alice", "nowhere", pw, identity.OutcomeBadPassword},
		{"disabled user", "bob", "acme", pw, identity.OutcomeDisabled},
		{"empty password", "alice", "acme", "", identity.OutcomeBadPassword},
		{"huge password", "alice", "acme", strings.Repeat("x", 5000), identity.OutcomeBadPassword},
	} {
		_, outcome, err := f.login(tc.user, tc.org, tc.password, "192.0.2.2")
		if err != identity.ErrBadCredentials || outcome != tc.outcome {
			t.Errorf("%s: outcome %q, err %v; want %q and the one ErrBadCredentials", tc.name, outcome, err, tc.outcome)
		}
	}
	// Failures are audited without secrets.
	evs, _, err := f.store.AuditEvents(ctx, store.AuditQuery{Type: "login"})
	if err != nil || len(evs) < 5 {
		t.Fatalf("audit: %d events, %v", len(evs), err)
	}
	for _, e := range evs {
		if strings.Contains(e.Detail+e.ActorName+e.Subject, pw) {
			t.Fatalf("a password reached the audit log: %+v", e)
		}
	}
}

func TestLockoutAndUnlock(t *testing.T) {
	f := newFixture(t, light)
	ctx := context.Background()
	for i := 0; i < 10; i++ {
		if _, _, err := f.login("alice", "acme", "wrong", "192.0.2.1"); err != identity.ErrBadCredentials {
			t.Fatal(err)
		}
	}
	// Locked: even the right password is refused, with the same error.
	if _, outcome, err := f.login("alice", "acme", pw, "192.0.2.1"); err != identity.ErrBadCredentials || outcome != identity.OutcomeLocked {
		t.Fatalf("locked account: %s %v", outcome, err)
	}
	// Another account is unaffected.
	if _, _, err := f.login("bob", "acme", pw, "192.0.2.1"); err != nil {
		t.Fatalf("bob: %v", err)
	}
	// The lock ends after the org's interval (15 minutes by default).
	f.clock.Add(16 * time.Minute)
	if _, _, err := f.login("alice", "acme", pw, "192.0.2.1"); err != nil {
		t.Fatalf("after the lockout interval: %v", err)
	}
	// Lock again, then an administrator unlocks.
	for i := 0; i < 10; i++ {
		f.login("alice", "acme", "wrong", "192.0.2.1")
	}
	if _, _, err := f.login("alice", "acme", pw, "192.0.2.1"); err == nil {
		t.Fatal("not locked again")
	}
	if _, err := f.dir.Unlock(ctx, audit.CLI(), "acme", "alice"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.login("alice", "acme", pw, "192.0.2.1"); err != nil {
		t.Fatalf("after unlock: %v", err)
	}
	locks, _, _ := f.store.AuditEvents(ctx, store.AuditQuery{Type: "lockout"})
	if len(locks) != 2 {
		t.Fatalf("%d lockout events, want 2", len(locks))
	}
}

func TestSystemAdminThrottledNotLocked(t *testing.T) {
	f := newFixture(t, light)
	for i := 0; i < 10; i++ {
		f.login(identity.AdminUserName, identity.SystemOrgName, "wrong", "192.0.2.1")
	}
	if _, outcome, err := f.login(identity.AdminUserName, identity.SystemOrgName, pw, "192.0.2.1"); err == nil || outcome != identity.OutcomeThrottled {
		t.Fatalf("immediately after 10 failures: %s %v; want throttled", outcome, err)
	}
	f.clock.Add(37 * time.Second)
	if _, _, err := f.login(identity.AdminUserName, identity.SystemOrgName, pw, "192.0.2.1"); err != nil {
		t.Fatalf("after the throttle interval: %v", err)
	}
}

func TestPerAddressBudget(t *testing.T) {
	f := newFixture(t, light)
	for i := 0; i < 100; i++ {
		f.login("nobody", "acme", "wrong", "198.51.100.7")
	}
	if _, outcome, err := f.login("alice", "acme", pw, "198.51.100.7"); err == nil || outcome != identity.OutcomeThrottled {
		t.Fatalf("101st attempt from the address: %s %v; want throttled", outcome, err)
	}
	if _, _, err := f.login("alice", "acme", pw, "198.51.100.8"); err != nil {
		t.Fatalf("another address: %v", err)
	}
	f.clock.Add(11 * time.Minute)
	if _, _, err := f.login("alice", "acme", pw, "198.51.100.7"); err != nil {
		t.Fatalf("after the window: %v", err)
	}
}

func TestRehashOnLogin(t *testing.T) {
	f := newFixture(t, light)
	ctx := context.Background()
	// Hash made with older, weaker parameters.
	old := secret.HashPassword(pw, secret.Params{Memory: 512, Time: 1, Threads: 1, SaltLen: 8, KeyLen: 16})
	u, org, err := f.dir.User(ctx, "acme", "alice")
	if err != nil {
		t.Fatal(err)
	}
	u.PasswordHash = old
	if err := f.store.Update(ctx, func(tx store.Tx) error { return tx.UpdateUser(ctx, u) }); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.login("alice", "acme", pw, "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	u, _ = f.store.UserByName(ctx, org.ID, "alice")
	if u.PasswordHash == old || !strings.Contains(u.PasswordHash, "m=1024,t=1,p=1") {
		t.Fatalf("hash not upgraded: %s", u.PasswordHash)
	}
	if _, _, err := f.login("alice", "acme", pw, "192.0.2.1"); err != nil {
		t.Fatalf("login with the upgraded hash: %v", err)
	}
}

func TestPasswordChangeEndsSessions(t *testing.T) {
	f := newFixture(t, light)
	ctx := context.Background()
	u, _, _ := f.dir.User(ctx, "acme", "alice")
	_, d := secret.NewToken(secret.PrefixSession)
	now := f.clock.Now()
	sess := store.Session{ID: urn.New(), Digest: d, UserID: u.ID, OrgID: u.OrgID, Origin: store.OriginPassword, Dialect: "test",
		CreatedAt: now, LastActive: now, ExpiresAt: now.Add(time.Hour), Idle: true}
	if err := f.store.Update(ctx, func(tx store.Tx) error { return tx.InsertSession(ctx, sess) }); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(time.Second + 1234*time.Nanosecond) // below the store's microseconds
	if _, err := f.dir.SetPassword(ctx, audit.CLI(), "acme", "alice", "short"); !apierr.Is(err, apierr.Invalid) {
		t.Fatalf("short password: %v", err)
	}
	changed, err := f.dir.SetPassword(ctx, audit.CLI(), "acme", "alice", "Another-pass-2")
	if err != nil {
		t.Fatal(err)
	}
	if !changed.ValidAfter.After(sess.CreatedAt) {
		t.Fatal("ValidAfter did not move past the old session")
	}
	// The user returned is the stored one: a session made from it must pass
	// the store's ValidAfter guard (the web page signs in again with it).
	if stored, _, _ := f.dir.User(ctx, "acme", "alice"); !stored.ValidAfter.Equal(changed.ValidAfter) {
		t.Fatalf("returned ValidAfter %v, stored %v", changed.ValidAfter, stored.ValidAfter)
	}
	got, _ := f.store.SessionByID(ctx, sess.ID)
	if got.EndedAt.IsZero() {
		t.Fatal("the session was not ended in the store")
	}
	if _, _, err := f.login("alice", "acme", pw, "192.0.2.1"); err == nil {
		t.Fatal("the old password still works")
	}
	if _, _, err := f.login("alice", "acme", "Another-pass-2", "192.0.2.1"); err != nil {
		t.Fatalf("new password: %v", err)
	}
}

func TestValidation(t *testing.T) {
	f := newFixture(t, light)
	ctx := context.Background()
	for _, name := range []string{"", "-lead", "has space", "a/b", "ünïcode", strings.Repeat("a", 129)} {
		if _, err := f.dir.CreateOrg(ctx, audit.CLI(), identity.OrgSpec{Name: name}); !apierr.Is(err, apierr.Invalid) {
			t.Errorf("CreateOrg(%q) = %v, want Invalid", name, err)
		}
	}
	if _, err := f.dir.CreateOrg(ctx, audit.CLI(), identity.OrgSpec{Name: "ACME"}); !apierr.Is(err, apierr.Conflict) {
		t.Errorf("duplicate org in another case: %v", err)
	}
	for _, name := range []string{"", "a:b", " lead", "tab\there", strings.Repeat("u", 129)} {
		if _, err := f.dir.CreateUser(ctx, audit.CLI(), identity.UserSpec{Org: "acme", Name: name, Password: pw, Role: identity.RoleVAppAuthor}); !apierr.Is(err, apierr.Invalid) {
			t.Errorf("CreateUser(%q) = %v, want Invalid", name, err)
		}
	}
	if _, err := f.dir.CreateUser(ctx, audit.CLI(), identity.UserSpec{Org: "acme", Name: "x", Password: pw, Role: identity.RoleSystemAdmin}); !apierr.Is(err, apierr.Invalid) {
		t.Errorf("tenant user with the System Administrator role: %v", err)
	}
	if _, err := f.dir.CreateUser(ctx, audit.CLI(), identity.UserSpec{Org: "acme", Name: "x", Password: pw, Role: "No Such Role"}); !apierr.Is(err, apierr.NotFound) {
		t.Errorf("unknown role: %v", err)
	}
	if _, err := f.dir.CreateUser(ctx, audit.CLI(), identity.UserSpec{Org: "acme", Name: "Alice", Password: pw, Role: identity.RoleVAppAuthor}); !apierr.Is(err, apierr.Conflict) {
		t.Errorf("duplicate user in another case: %v", err)
	}
	if _, err := f.dir.SetOrgEnabled(ctx, audit.CLI(), "system", false); !apierr.Is(err, apierr.Invalid) {
		t.Errorf("disabling System: %v", err)
	}
}

// A service account's name is as unknown as any other to a password login,
// and failures are not counted on its row.
func TestServiceAccountNameIsNotALogin(t *testing.T) {
	f := newFixture(t, light)
	ctx := context.Background()
	u, org, _ := f.dir.User(ctx, "acme", "alice")
	sa := store.User{ID: urn.New(), OrgID: org.ID, Name: "robot", Kind: store.KindServiceAccount, RoleID: u.RoleID,
		Enabled: true, CreatedAt: f.clock.Now(), UpdatedAt: f.clock.Now()}
	if err := f.store.Update(ctx, func(tx store.Tx) error { return tx.InsertUser(ctx, sa) }); err != nil {
		t.Fatal(err)
	}
	if _, outcome, err := f.login("robot", "acme", "anything-at-all", "192.0.2.1"); err != identity.ErrBadCredentials || outcome != identity.OutcomeBadPassword {
		t.Fatalf("login as a service account: %s %v", outcome, err)
	}
	got, _ := f.store.UserByID(ctx, sa.ID)
	if got.Failures != 0 {
		t.Fatalf("failures counted on the service account's row: %d", got.Failures)
	}
}
