package identity_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cloudgate/cloudgate/internal/identity"
	"github.com/cloudgate/cloudgate/internal/secret"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/store/sqlite"
	"github.com/cloudgate/cloudgate/internal/urn"
)

// A user stored before names had a canonical form (keyed with
// strings.ToLower) is re-keyed at start and then found by every spelling.
func TestLegacyNamesRekeyed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db")
	ctx := context.Background()
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	h := secret.NewHasher(secret.HasherConfig{Params: light, Workers: 2})
	t.Cleanup(func() { h.Close() })
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	d := identity.New(identity.Config{Store: st, Hasher: h, Now: func() time.Time { return now }})
	if err := d.Bootstrap(ctx); err != nil {
		t.Fatal(err)
	}
	sys, _ := d.Org(ctx, identity.SystemOrgName)
	role, _ := st.RoleByName(ctx, identity.RoleVAppAuthor)
	legacy := "Ｚed" // full-width Z: stored as given by an older version
	u := store.User{ID: urn.New(), OrgID: sys.ID, Name: legacy, Kind: store.KindUser, RoleID: role.ID,
		PasswordHash: secret.HashPassword(pw, light), Enabled: true, CreatedAt: now, UpdatedAt: now}
	if err := st.Update(ctx, func(tx store.Tx) error { return tx.InsertUser(ctx, u) }); err != nil {
		t.Fatal(err)
	}
	st.Close()
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`UPDATE users SET name_key = ? WHERE id = ?`, strings.ToLower(legacy), u.ID.String()); err != nil {
		t.Fatal(err)
	}
	raw.Close()

	st, err = sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.UserByName(ctx, sys.ID, "zed"); err == nil {
		t.Fatal("the legacy key already matches: the test does not test anything")
	}
	d = identity.New(identity.Config{Store: st, Hasher: h, Now: func() time.Time { return now }})
	if err := d.Bootstrap(ctx); err != nil {
		t.Fatal(err)
	}
	for _, spelling := range []string{"zed", "ZED", legacy} {
		if got, err := st.UserByName(ctx, sys.ID, spelling); err != nil || got.ID != u.ID {
			t.Errorf("lookup %q after re-keying: %v", spelling, err)
		}
	}
}
