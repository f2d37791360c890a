package fiql

import (
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

// testSchema mirrors what the token store exposes, plus a few fields that
// exercise the remaining type/flag combinations.
func testSchema() Schema {
	return Schema{
		"name":       {Type: String, SQL: "t.name"},
		"owner.name": {Type: String, SQL: "t.owner_name"},
		"owner.id":   {Type: String, SQL: "t.owner_id"},
		"org.name":   {Type: String, SQL: "t.org_name", CaseInsensitive: true},
		"type":       {Type: Enum, SQL: "t.type", Values: []string{"PROXY", "REFRESH", "SERVICE_ACCOUNT"}},
		"kind":       {Type: Enum, SQL: "t.kind", CaseInsensitive: true},
		"count":      {Type: Int, SQL: "t.cnt"},
		"createdAt":  {Type: Time, SQL: "t.created_at"},
		"expiresAt":  {Type: Time, SQL: "t.expires_at"},
	}
}

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

const userURN = "urn:vcloud:user:2b1d3c4e-0000-4000-8000-00000000000"

// testRows are keyed by selector; nil is NULL. Row i has id i+1. They
// include case variants, LIKE metacharacters, FIQL metacharacters, non-ASCII
// text, NULLs, extreme integers and times on both sides of the epoch.
func testRows() []map[string]any {
	return []map[string]any{
		{"name": "mytoken", "owner.name": "bob", "owner.id": userURN + "2", "org.name": "System", "type": "PROXY", "kind": "Legacy",
			"count": int64(3), "createdAt": ts("2024-01-01T00:00:00Z"), "expiresAt": ts("2024-06-01T00:00:00Z")},
		{"name": "MyToken2", "owner.name": "Bob", "owner.id": userURN + "3", "org.name": "system", "type": "REFRESH", "kind": "legacy",
			"count": int64(0), "createdAt": ts("2023-12-31T23:59:59.5Z"), "expiresAt": nil},
		{"name": `a%b_c\d*e`, "owner.name": nil, "owner.id": nil, "org.name": "Acme", "type": "REFRESH", "kind": nil,
			"count": nil, "createdAt": ts("2024-02-29T12:00:00.123456Z"), "expiresAt": ts("2024-03-01T00:00:00Z")},
		{"name": "", "owner.name": "alice", "owner.id": userURN + "4", "org.name": "ACME", "type": "PROXY", "kind": "x",
			"count": int64(-5), "createdAt": ts("1970-01-01T00:00:00Z"), "expiresAt": nil},
		{"name": "Ärger", "owner.name": "ärger", "owner.id": userURN + "5", "org.name": "Ärger GmbH", "type": "SERVICE_ACCOUNT", "kind": "Modern",
			"count": int64(100), "createdAt": ts("2030-05-05T05:05:05Z"), "expiresAt": ts("2031-01-01T00:00:00+02:00")},
		{"name": "token with spaces ", "owner.name": "bob", "owner.id": userURN + "2", "org.name": "acme", "type": "PROXY", "kind": "LEGACY",
			"count": int64(7), "createdAt": ts("2024-01-01T00:00:00.000001Z"), "expiresAt": nil},
		{"name": "(paren),semi;=eq", "owner.name": "x", "owner.id": userURN + "6", "org.name": nil, "type": "PROXY", "kind": nil,
			"count": int64(9223372036854775807), "createdAt": ts("1969-12-31T23:59:59.999999Z"), "expiresAt": nil},
		{"name": "mytoken", "owner.name": "carol", "owner.id": userURN + "7", "org.name": "System", "type": "REFRESH", "kind": "Legacy",
			"count": int64(3), "createdAt": ts("2024-01-01T00:00:00Z"), "expiresAt": ts("2024-06-01T00:00:00Z")},
		{"name": "MYTOKEN", "owner.name": "BOB", "owner.id": nil, "org.name": "SYSTEM", "type": "PROXY", "kind": "legacy",
			"count": int64(-9223372036854775808), "createdAt": ts("0001-01-01T00:00:00Z"), "expiresAt": ts("9999-12-31T23:59:59.999999Z")},
		{"name": "a*b", "owner.name": "a_b", "owner.id": "a%b", "org.name": "Ärger gmbh", "type": "PROXY", "kind": "ärger",
			"count": int64(1), "createdAt": ts("2024-01-01T00:00:00Z"), "expiresAt": nil},
	}
}

// openTestDB loads testRows into an in-memory SQLite table "tokens", storing
// times as Unix microseconds like the real stores.
func openTestDB(tb testing.TB) *sql.DB {
	tb.Helper()
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		tb.Fatal(err)
	}
	// Every connection to ":memory:" is a separate database.
	db.SetMaxOpenConns(1)
	tb.Cleanup(func() { db.Close() })
	_, err = db.Exec(`CREATE TABLE tokens (
		id INTEGER PRIMARY KEY,
		name TEXT, owner_name TEXT, owner_id TEXT, org_name TEXT, type TEXT, kind TEXT,
		cnt INTEGER, created_at INTEGER NOT NULL, expires_at INTEGER)`)
	if err != nil {
		tb.Fatal(err)
	}
	s := testSchema()
	for i, r := range testRows() {
		cols := []string{"id"}
		args := []any{i + 1}
		for sel, v := range r {
			cols = append(cols, strings.TrimPrefix(s[sel].SQL, "t."))
			if tv, ok := v.(time.Time); ok {
				v = tv.UnixMicro()
			}
			args = append(args, v)
		}
		q := fmt.Sprintf("INSERT INTO tokens (%s) VALUES (?%s)",
			strings.Join(cols, ", "), strings.Repeat(", ?", len(cols)-1))
		if _, err := db.Exec(q, args...); err != nil {
			tb.Fatal(err)
		}
	}
	return db
}

// matchIDs returns the ids of the test rows Match accepts.
func matchIDs(e Expr) []int {
	s := testSchema()
	ids := []int{}
	for i, r := range testRows() {
		if Match(e, s, func(sel string) any { return r[sel] }) {
			ids = append(ids, i+1)
		}
	}
	return ids
}

// sqlIDs returns the ids of the rows the compiled SQL selects.
func sqlIDs(db *sql.DB, e Expr) ([]int, string, error) {
	var args []any
	where, err := SQL(e, testSchema(), func(v any) string {
		args = append(args, v)
		return "?"
	})
	if err != nil {
		return nil, "", err
	}
	q := "SELECT id FROM tokens t WHERE " + where + " ORDER BY id"
	rows, err := db.Query(q, args...)
	if err != nil {
		return nil, q, err
	}
	defer rows.Close()
	ids := []int{}
	for rows.Next() {
		var id int
		if err := rows.Scan(&id); err != nil {
			return nil, q, err
		}
		ids = append(ids, id)
	}
	return ids, q, rows.Err()
}

func sameIDs(a, b []int) bool { return slices.Equal(a, b) }
