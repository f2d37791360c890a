package identity_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/audit"
	"github.com/cloudgate/cloudgate/internal/identity"
	"github.com/cloudgate/cloudgate/internal/secret"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/store/backend"
	"github.com/cloudgate/cloudgate/internal/store/postgres/pgtest"
	"github.com/cloudgate/cloudgate/internal/urn"
)

// Two System administrators disabled at the same moment, by two
// directories (two instances on PostgreSQL; two writers on one SQLite
// file): one succeeds, the other is refused, and the System org never
// ends up without an enabled administrator.
func TestLastSystemAdminUnderConcurrency(t *testing.T) {
	for _, tc := range []struct {
		name string
		dsn  func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return "sqlite://" + filepath.Join(t.TempDir(), "db") }},
		{"postgres", func(t *testing.T) string { return pgtest.NewDatabase(t) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			dsn := tc.dsn(t)
			h := secret.NewHasher(secret.HasherConfig{Params: light, Workers: 2})
			t.Cleanup(h.Close)
			var dirs [2]*identity.Directory
			var stores [2]store.Store
			for i := range dirs {
				st, err := backend.Open(ctx, dsn)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { st.Close() })
				stores[i] = st
				dirs[i] = identity.New(identity.Config{Store: st, Hasher: h})
				if err := dirs[i].Bootstrap(ctx); err != nil {
					t.Fatal(err)
				}
			}
			sys, err := dirs[0].Org(ctx, identity.SystemOrgName)
			if err != nil {
				t.Fatal(err)
			}
			admin, err := stores[0].RoleByName(ctx, identity.RoleSystemAdmin)
			if err != nil {
				t.Fatal(err)
			}
			var ids [2]urn.UUID
			for i, name := range []string{"one", "two"} {
				u, err := dirs[0].AddUser(ctx, audit.CLI(), sys.ID, identity.UserInput{Name: name, Password: pw, RoleID: admin.ID, Enabled: true})
				if err != nil {
					t.Fatal(err)
				}
				ids[i] = u.ID
			}
			for round := 0; round < 10; round++ {
				var wg sync.WaitGroup
				errs := make([]error, 2)
				for i := range dirs {
					wg.Add(1)
					go func(i int) {
						defer wg.Done()
						_, errs[i] = dirs[i].ChangeUser(ctx, audit.CLI(), ids[i], identity.UserInput{Name: []string{"one", "two"}[i], RoleID: admin.ID, Enabled: false})
					}(i)
				}
				wg.Wait()
				failed := 0
				for _, err := range errs {
					if err != nil {
						if !apierr.Is(err, apierr.Invalid) {
							t.Fatalf("round %d: %v", round, err)
						}
						failed++
					}
				}
				if failed != 1 {
					t.Fatalf("round %d: %d refusals, want exactly 1 (%v)", round, failed, errs)
				}
				// Enable both again for the next round.
				for i := range ids {
					if _, err := dirs[0].ChangeUser(ctx, audit.CLI(), ids[i], identity.UserInput{Name: []string{"one", "two"}[i], RoleID: admin.ID, Enabled: true}); err != nil {
						t.Fatal(err)
					}
				}
			}
		})
	}
}
