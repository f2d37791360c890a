package fiql

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// TestSQLAgreesWithMatch runs every Match case, plus some extra filters,
// through SQLite and checks both evaluators select the same rows.
func TestSQLAgreesWithMatch(t *testing.T) {
	db := openTestDB(t)
	cases := matchCases()
	for _, f := range []string{
		"name==%", "name==_*", "name==*_*", `name==*\\`, "owner.name==*", "owner.name!=*",
		"org.name!=SYSTEM;kind!=x", "type==SERVICE_ACCOUNT,count=lt=-1",
		"expiresAt==9999-12-31T23:59:59.999999Z", "createdAt==0001-01-01T00:00:00Z",
		"createdAt=gt=1969-12-31T23:59:59.999998Z;createdAt=lt=1970-01-01T00:00:00.000001Z",
		"name==x' OR '1'='1", "name==x\" OR 1=1 --",
	} {
		cases = append(cases, struct {
			filter string
			want   []int
		}{f, nil})
	}
	for _, tt := range cases {
		e, err := Parse(tt.filter)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.filter, err)
			continue
		}
		got, q, err := sqlIDs(db, e)
		if err != nil {
			t.Errorf("SQL(%q): %v\n%s", tt.filter, err, q)
			continue
		}
		if want := matchIDs(e); !sameIDs(got, want) {
			t.Errorf("%q: SQL selects %v, Match %v\n%s", tt.filter, got, want, q)
		}
		if tt.want != nil && !sameIDs(got, tt.want) {
			t.Errorf("%q: SQL selects %v, want %v", tt.filter, got, tt.want)
		}
	}
}

func TestSQLText(t *testing.T) {
	s := testSchema()
	tests := []struct {
		filter string
		sql    string
		args   []any
	}{
		{"name==mytoken", "(t.name = $1)", []any{"mytoken"}},
		{"name!=x", "(t.name IS NULL OR t.name <> $1)", []any{"x"}},
		{`name==My%_\\*`, `(lower(t.name) LIKE $1 ESCAPE '\')`, []any{`my\%\_\\%`}},
		{"org.name==SyStem", "(lower(t.org_name) = $1)", []any{"system"}},
		{"org.name!=SyStem", "(t.org_name IS NULL OR lower(t.org_name) <> $1)", []any{"system"}},
		{"count=ge=5", "(t.cnt >= $1)", []any{int64(5)}},
		{"createdAt=lt=1970-01-01T00:00:01Z", "(t.created_at < $1)", []any{int64(1_000_000)}},
		{"expiresAt!=1970-01-01T00:00:00.000002Z", "(t.expires_at IS NULL OR t.expires_at <> $1)", []any{int64(2)}},
		{"(name==a;owner.name==b;(type==PROXY,type==REFRESH))",
			"((t.name = $1) AND (t.owner_name = $2) AND ((t.type = $3) OR (t.type = $4)))",
			[]any{"a", "b", "PROXY", "REFRESH"}},
		{"name==a,count==1;count==2", "((t.name = $1) OR ((t.cnt = $2) AND (t.cnt = $3)))", []any{"a", int64(1), int64(2)}},
		{"name==x'; DROP TABLE t; --", "(t.name = $1)", []any{"x'"}},
	}
	for _, tt := range tests {
		e, err := Parse(tt.filter)
		if err != nil {
			// The injection attempt is cut at ';' and fails to parse, which is fine;
			// test the part that does parse.
			e, err = Parse(strings.SplitN(tt.filter, ";", 2)[0])
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.filter, err)
			}
		}
		var args []any
		got, err := SQL(e, s, func(v any) string {
			args = append(args, v)
			return fmt.Sprintf("$%d", len(args))
		})
		if err != nil {
			t.Errorf("SQL(%q): %v", tt.filter, err)
			continue
		}
		if got != tt.sql || !reflect.DeepEqual(args, tt.args) {
			t.Errorf("SQL(%q) = %q %#v\n            want %q %#v", tt.filter, got, args, tt.sql, tt.args)
		}
	}
}

func TestSQLErrors(t *testing.T) {
	s := testSchema()
	bind := func(any) string { return "?" }
	e, _ := Parse("name==a;bogus==b")
	_, err := SQL(e, s, bind)
	var se *SyntaxError
	if !errors.As(err, &se) || se.Offset != 8 {
		t.Errorf("SQL with unknown field = %v, want *SyntaxError at 8", err)
	}

	s["nosql"] = Field{Type: String}
	e, _ = Parse("nosql==x")
	if _, err := SQL(e, s, bind); err == nil {
		t.Error("SQL for a field without SQL expression succeeded")
	}

	for _, tt := range []struct {
		e    Expr
		want string
	}{
		{nil, "(1=1)"},
		{&And{}, "(1=1)"},
		{&Or{}, "(1=0)"},
		{(*And)(nil), "(1=1)"},
		{(*Or)(nil), "(1=0)"},
	} {
		got, err := SQL(tt.e, s, bind)
		if err != nil || got != tt.want {
			t.Errorf("SQL(%#v) = %q, %v; want %q", tt.e, got, err, tt.want)
		}
		if want := tt.want == "(1=1)"; Match(tt.e, s, nil) != want {
			t.Errorf("Match(%#v) = %v, want %v", tt.e, !want, want)
		}
	}
}
