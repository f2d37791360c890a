package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/cloudgate/cloudgate/internal/secret"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/store/sqlstore"
	"github.com/cloudgate/cloudgate/internal/urn"
)

// A database made before migration 0002 gets the default compute service
// (serviceId = org name, one VDC of that name) for every org but System,
// with well-formed ids.
func TestServicesMigrationBackfill(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	init, err := fs.ReadFile(migrations, "migrations/0001_init.sql")
	if err != nil {
		t.Fatal(err)
	}
	old, err := sql.Open("sqlite", "file:"+path+"?_foreign_keys=1")
	if err != nil {
		t.Fatal(err)
	}
	if err := sqlstore.Migrate(ctx, old, dialect{}, fstest.MapFS{"m/0001_init.sql": {Data: init}}, "m", nil); err != nil {
		t.Fatal(err)
	}
	orgs := map[string]string{"System": urn.New().String(), "Acme": urn.New().String(), "globex": urn.New().String()}
	for name, id := range orgs {
		if _, err := old.Exec(`INSERT INTO orgs (id, name, name_key, enabled, lockout_enabled, lockout_attempts, lockout_minutes, created_at)
			VALUES (?, ?, lower(?), 1, 1, 10, 15, 1000)`, id, name, name); err != nil {
			t.Fatal(err)
		}
	}
	old.Close()

	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for name, raw := range orgs {
		id, _ := urn.Parse(raw)
		svcs, err := s.ComputeServices(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if name == "System" {
			if len(svcs) != 0 {
				t.Fatalf("System got services: %+v", svcs)
			}
			continue
		}
		if len(svcs) != 1 || svcs[0].Name != name || svcs[0].Type != "compute:vpc" || svcs[0].Region != "default" {
			t.Fatalf("%s: services %+v", name, svcs)
		}
		if len(svcs[0].VDCs) != 1 || svcs[0].VDCs[0].Name != name || svcs[0].VDCs[0].OrgID != id {
			t.Fatalf("%s: VDCs %+v", name, svcs[0].VDCs)
		}
		// The ids parse as canonical UUIDs (Scan would have failed
		// otherwise) and are version 4.
		for _, u := range []urn.UUID{svcs[0].ID, svcs[0].VDCs[0].ID} {
			if u[6]>>4 != 4 || u[8]>>6 != 2 {
				t.Fatalf("%s: id %s is not a version-4 UUID", name, u)
			}
		}
	}
}

// Migration 0009 turned sessions_live_created around so that new sessions
// are appended to it; the newest-first list must still read it in order
// (backwards) and sort nothing, or a first page would sort every live
// session.
func TestSessionListReadsItsIndex(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "plan.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`EXPLAIN QUERY PLAN SELECT s.id, u.name, o.name FROM sessions s
		JOIN users u ON u.id = s.user_id JOIN orgs o ON o.id = s.org_id
		WHERE s.ended_at = 0 AND s.expires_at > ? ORDER BY s.created_at DESC, s.id LIMIT 25 OFFSET 0`, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if len(plan) == 0 || plan[0] != "SCAN s USING INDEX sessions_live_created" || slices.ContainsFunc(plan, func(d string) bool { return strings.Contains(d, "TEMP B-TREE") }) {
		t.Fatalf("plan of the newest-first list: %q", plan)
	}
}

// Migration 0010 counts the sessions already in the database: a database
// whose sessions were written before it lists the same totals after it.
func TestSessionCountsMigrationBackfill(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "counts.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	orgs := []store.Org{{ID: urn.New(), Name: "acme", Enabled: true, CreatedAt: now}, {ID: urn.New(), Name: "beta", Enabled: true, CreatedAt: now}}
	role := store.Role{ID: urn.New(), Name: "r"}
	var users []store.User
	err = s.Update(ctx, func(tx store.Tx) error {
		if err := tx.InsertRole(ctx, role); err != nil {
			return err
		}
		for i, o := range orgs {
			u := store.User{ID: urn.New(), OrgID: o.ID, Name: fmt.Sprint("u", i), Kind: store.KindUser, RoleID: role.ID, Enabled: true, CreatedAt: now, UpdatedAt: now}
			if err := tx.InsertOrg(ctx, o); err != nil {
				return err
			}
			if err := tx.InsertUser(ctx, u); err != nil {
				return err
			}
			users = append(users, u)
		}
		for i := 0; i < 30; i++ {
			u := users[i%3%2]
			id := urn.NewTimeOrdered(now)
			_, d := secret.NewSessionToken(id)
			ss := store.Session{ID: id, Digest: d, UserID: u.ID, OrgID: u.OrgID, Origin: store.OriginPassword, Dialect: "cloudapi",
				ClientIP: "192.0.2.1", UserAgent: "t", CreatedAt: now, LastActive: now,
				ExpiresAt: now.Add(time.Duration(i-5) * 7 * time.Minute)}
			if i%4 == 0 {
				ss.EndedAt = now
			}
			if err := tx.InsertSession(ctx, ss); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	totals := func() []int {
		var out []int
		for _, org := range []urn.UUID{{}, orgs[0].ID, orgs[1].ID} {
			_, n, err := s.Sessions(ctx, store.SessionQuery{OrgID: org, Now: now, Page: store.Page{Limit: 1}})
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, n)
		}
		return out
	}
	before := totals()
	s.Close()

	// Back to the schema before 0010, with the sessions in place.
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`DROP TRIGGER session_counts_insert`, `DROP TRIGGER session_counts_update_old`,
		`DROP TRIGGER session_counts_update_new`, `DROP TRIGGER session_counts_delete`, `DROP TABLE session_counts`,
		`DELETE FROM schema_migrations WHERE version = 10`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(q, err)
		}
	}
	db.Close()

	if s, err = Open(ctx, path); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if after := totals(); !slices.Equal(after, before) || before[0] != before[1]+before[2] || before[0] == 0 {
		t.Fatalf("totals (all, acme, beta) after the migration %v, before %v", after, before)
	}
}
