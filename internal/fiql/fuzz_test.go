package fiql

import (
	"reflect"
	"testing"
)

func fuzzSeeds() []string {
	seeds := []string{
		"(name==mytoken;owner.name==bob;(type==PROXY,type==REFRESH))",
		"owner.id==urn:vcloud:user:2b1d3c4e-0000-4000-8000-000000000002",
		"name==my*", "name!=abc", "createdAt=ge=2024-01-01T00:00:00Z",
		`name==a\(b\)\,c\;d\\e\*f*`, `name==\ x\ `, "a==1,b==2;c==3",
		"((((a==1))));b!=2", "name===x", "count=gt=-5;count=le=10",
		"name==a(b", `name==x\`, "(a==1", "a==1)", "name== x", "",
		// Canonical output must not grow: needless escapes are dropped.
		`name!=\*\*`, `name==a\ b`, `((name==x;count==1);(type==PROXY))`,
	}
	for _, c := range matchCases() {
		seeds = append(seeds, c.filter)
	}
	return seeds
}

// FuzzParse checks that Parse never panics and that the canonical String of
// any parsed filter parses back to the same tree. It also drives Check,
// Match and SQL over whatever parses, to catch panics there.
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s)
	}
	schema := testSchema()
	f.Fuzz(func(t *testing.T, in string) {
		e, err := Parse(in)
		if err != nil {
			se, ok := err.(*SyntaxError)
			if !ok {
				t.Fatalf("Parse(%q) error %T, want *SyntaxError", in, err)
			}
			if se.Offset < 0 || se.Offset > len(in) {
				t.Fatalf("Parse(%q) error offset %d out of range", in, se.Offset)
			}
			return
		}
		out := e.String()
		if len(out) > len(in) {
			t.Fatalf("String() %q longer than input %q", out, in)
		}
		e2, err := Parse(out)
		if err != nil {
			t.Fatalf("Parse(%q) ok but reparse of %q: %v", in, out, err)
		}
		if out2 := e2.String(); out2 != out {
			t.Fatalf("round trip %q -> %q -> %q", in, out, out2)
		}
		if !reflect.DeepEqual(stripPos(e), stripPos(e2)) {
			t.Fatalf("round trip of %q changed the tree", in)
		}

		if err := schema.Check(e); err != nil {
			if se, ok := err.(*SyntaxError); !ok || se.Offset < 0 || se.Offset > len(in) {
				t.Fatalf("Check(%q) = %v, want *SyntaxError within the input", in, err)
			}
		}
		Match(e, schema, func(string) any { return nil })
		Match(e, schema, func(string) any { return "x" })
		SQL(e, schema, func(any) string { return "?" })
	})
}

// FuzzMatchSQL is a differential test: for every filter that parses and
// passes Check, Match and SQLite must select the same test rows.
func FuzzMatchSQL(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s)
	}
	db := openTestDB(f)
	schema := testSchema()
	f.Fuzz(func(t *testing.T, in string) {
		e, err := Parse(in)
		if err != nil || schema.Check(e) != nil {
			return
		}
		got, q, err := sqlIDs(db, e)
		if err != nil {
			t.Fatalf("%q: SQL failed: %v\n%s", in, err, q)
		}
		if want := matchIDs(e); !sameIDs(got, want) {
			t.Fatalf("%q: SQL selects %v, Match %v\n%s", in, got, want, q)
		}
	})
}
