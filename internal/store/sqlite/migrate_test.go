package sqlite

import (
	"context"
	"database/sql"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

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
