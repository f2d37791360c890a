package fiql

import (
	"errors"
	"testing"
	"time"
)

// matchCases lists filters with the test rows (by id) they select. The SQL
// test runs the same table against SQLite.
func matchCases() []struct {
	filter string
	want   []int
} {
	return []struct {
		filter string
		want   []int
	}{
		// Exact string equality is case-sensitive...
		{"name==mytoken", []int{1, 8}},
		{"name==zzz", []int{}},
		// ...but wildcards ignore case.
		{"name==mytoken*", []int{1, 2, 8, 9}},
		{"name==MY*", []int{1, 2, 8, 9}},
		{"name==*", []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}},
		{"name==*TOKEN", []int{1, 8, 9}},
		{"name==*t*k*n*", []int{1, 2, 6, 8, 9}},
		{"name!=mytoken", []int{2, 3, 4, 5, 6, 7, 9, 10}},
		// '*' is literal with != and when escaped.
		{"name!=mytoken*", []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}},
		{"name!=a*b", []int{1, 2, 3, 4, 5, 6, 7, 8, 9}},
		{`name==a\*b`, []int{10}},
		{`name==A\*B*`, []int{10}},
		{"name==a*b", []int{10}},
		// LIKE metacharacters are literal.
		{"name==a%b*", []int{3}},
		{"name==a_b*", []int{}},
		{"owner.name==a_b*", []int{10}},
		{"owner.id==a%*", []int{10}},
		{`name==*\\d*`, []int{3}},
		{`name==*\\*`, []int{3}},
		// Escaped FIQL metacharacters and spaces.
		{`name==token with spaces\ `, []int{6}},
		{`name==*SPACES\ `, []int{6}},
		{`name==\(paren\)\,semi\;=eq`, []int{7}},
		{`name==*\)\,*\;=*`, []int{7}},
		// Case folding is ASCII-only.
		{"name==ärger*", []int{}},
		{"name==Ärger*", []int{5}},
		{"name==Ä*R*", []int{5}},
		{"org.name==system", []int{1, 2, 8, 9}},
		{"org.name==SYSTEM", []int{1, 2, 8, 9}},
		{"org.name==ärger gmbh", []int{}},
		{"org.name==Ärger GMBH", []int{5, 10}},
		// NULL is not equal to anything.
		{"org.name!=system", []int{3, 4, 5, 6, 7, 10}},
		{"owner.name==bob", []int{1, 6}},
		{"owner.name!=bob", []int{2, 3, 4, 5, 7, 8, 9, 10}},
		{"owner.name==b*", []int{1, 2, 6, 9}},
		{"owner.id==urn:vcloud:user:2b1d3c4e-0000-4000-8000-000000000002", []int{1, 6}},
		{"owner.id!=urn:vcloud:user:2b1d3c4e-0000-4000-8000-000000000002", []int{2, 3, 4, 5, 7, 8, 9, 10}},
		{"owner.id==urn:vcloud:user:*", []int{1, 2, 4, 5, 6, 7, 8}},
		// Enums.
		{"type==PROXY", []int{1, 4, 6, 7, 9, 10}},
		{"type!=PROXY", []int{2, 3, 5, 8}},
		{"kind==legacy", []int{1, 2, 6, 8, 9}},
		{"kind!=LEGACY", []int{3, 4, 5, 7, 10}},
		{"kind==Ärger", []int{}},
		// Ints.
		{"count==3", []int{1, 8}},
		{"count!=3", []int{2, 3, 4, 5, 6, 7, 9, 10}},
		{"count=gt=0", []int{1, 5, 6, 7, 8, 10}},
		{"count=ge=0", []int{1, 2, 5, 6, 7, 8, 10}},
		{"count=lt=0", []int{4, 9}},
		{"count=le=-9223372036854775808", []int{9}},
		{"count=ge=9223372036854775807", []int{7}},
		{"count==+3", []int{1, 8}},
		// Times compare as instants at microsecond precision.
		{"createdAt==2024-01-01T00:00:00Z", []int{1, 8, 10}},
		{"createdAt==2024-01-01T01:00:00+01:00", []int{1, 8, 10}},
		{"createdAt==2024-01-01T00:00:00.0000009Z", []int{1, 8, 10}},
		{"createdAt=gt=2024-01-01T00:00:00Z", []int{3, 5, 6}},
		{"createdAt=ge=2024-01-01T00:00:00Z", []int{1, 3, 5, 6, 8, 10}},
		{"createdAt=lt=1970-01-01T00:00:00Z", []int{7, 9}},
		{"createdAt=le=2023-12-31T23:59:59.5Z", []int{2, 4, 7, 9}},
		{"expiresAt!=2024-06-01T00:00:00Z", []int{2, 3, 4, 5, 6, 7, 9, 10}},
		{"expiresAt=gt=2030-12-31T22:00:00Z", []int{9}},
		{"expiresAt=ge=2030-12-31T22:00:00Z", []int{5, 9}},
		{"expiresAt=lt=2100-01-01T00:00:00Z", []int{1, 3, 5, 8}},
		// Boolean structure.
		{"(name==mytoken;owner.name==bob;(type==PROXY,type==REFRESH))", []int{1}},
		{"name==mytoken,owner.name==bob;type==PROXY", []int{1, 6, 8}},
		{"(name==mytoken,owner.name==bob);type==PROXY", []int{1, 6}},
		{"name==*;count=gt=1;count=lt=10", []int{1, 6, 8}},
		{"owner.name!=bob;org.name!=system", []int{3, 4, 5, 7, 10}},
		{"count==3,count==7,count==1", []int{1, 6, 8, 10}},
	}
}

func TestMatch(t *testing.T) {
	s := testSchema()
	for _, tt := range matchCases() {
		e, err := Parse(tt.filter)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.filter, err)
			continue
		}
		if err := s.Check(e); err != nil {
			t.Errorf("Check(%q): %v", tt.filter, err)
			continue
		}
		if got := matchIDs(e); !sameIDs(got, tt.want) {
			t.Errorf("Match(%q) = %v, want %v", tt.filter, got, tt.want)
		}
	}
}

func TestMatchGetterTypes(t *testing.T) {
	s := testSchema()
	must := func(f string) Expr {
		e, err := Parse(f)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	value := func(v any) func(string) any { return func(string) any { return v } }
	micros := ts("2024-01-01T00:00:00Z").UnixMicro()
	tests := []struct {
		filter string
		v      any
		want   bool
	}{
		{"count==3", int64(3), true},
		{"count==3", 3, true},
		{"count==3", int32(3), false}, // unsupported type: NULL
		{"count!=3", int32(3), true},
		{"count==3", "3", false},
		{"createdAt==2024-01-01T00:00:00Z", micros, true},
		{"createdAt==2024-01-01T00:00:00Z", ts("2024-01-01T01:00:00+01:00"), true},
		{"createdAt==2024-01-01T00:00:00Z", int(micros), false},
		{"count==3", time.UnixMicro(3), false},
		{"name==x", []byte("x"), false},
		{"name!=x", nil, true},
		{"name==*", nil, false},
	}
	for _, tt := range tests {
		if got := Match(must(tt.filter), s, value(tt.v)); got != tt.want {
			t.Errorf("Match(%q, %#v) = %v, want %v", tt.filter, tt.v, got, tt.want)
		}
	}
	if !Match(nil, s, nil) {
		t.Error("Match(nil) = false, want true")
	}
	if !Match(must("name!=x"), s, nil) {
		t.Error("Match with nil getter: != should see NULL")
	}
	// Comparisons Check rejects never match, whatever the operator.
	for _, f := range []string{"bogus!=x", "name=gt=a", "count!=x", "type!=proxy"} {
		if Match(must(f), s, value("y")) {
			t.Errorf("Match(%q) = true for an invalid comparison", f)
		}
	}
}

func TestCheck(t *testing.T) {
	s := testSchema()
	tests := []struct {
		filter string
		offset int
		msg    string
	}{
		{"bogus==x", 0, `filter: unknown field "bogus" at position 1`},
		{"name==a;(count==1,bogus.x==2)", 18, `filter: unknown field "bogus.x" at position 19`},
		{"Name==x", 0, `filter: unknown field "Name" at position 1`},
		{"name=gt=x", 4, `filter: operator =gt= not allowed on string field "name" at position 5`},
		{"type=lt=PROXY", 4, `filter: operator =lt= not allowed on enum field "type" at position 5`},
		{"count==abc", 7, `filter: invalid integer "abc" for field "count" at position 8`},
		{"count==99999999999999999999", 7, `filter: invalid integer "99999999999999999999" for field "count" at position 8`},
		{"count==1.5", 7, `filter: invalid integer "1.5" for field "count" at position 8`},
		{"count==1*", 7, `filter: wildcard not allowed on int field "count" at position 8`},
		{"createdAt=ge=2024-01-01", 13, `filter: invalid RFC 3339 time "2024-01-01" for field "createdAt" at position 14`},
		{"createdAt=ge=2024-01-01 00:00:00Z", 13, `filter: invalid RFC 3339 time "2024-01-01 00:00:00Z" for field "createdAt" at position 14`},
		{"createdAt==2024*", 11, `filter: wildcard not allowed on time field "createdAt" at position 12`},
		{"type==PROX*", 6, `filter: wildcard not allowed on enum field "type" (write \* for a literal star) at position 7`},
		{"type==proxy", 6, `filter: invalid value "proxy" for field "type" (allowed: PROXY, REFRESH, SERVICE_ACCOUNT) at position 7`},
		{"type!=BOGUS", 6, `filter: invalid value "BOGUS" for field "type" (allowed: PROXY, REFRESH, SERVICE_ACCOUNT) at position 7`},
	}
	for _, tt := range tests {
		e, err := Parse(tt.filter)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.filter, err)
			continue
		}
		err = s.Check(e)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Check(%q) = %v, want *SyntaxError", tt.filter, err)
			continue
		}
		if se.Offset != tt.offset || se.Error() != tt.msg {
			t.Errorf("Check(%q) = %d %q\n                 want %d %q", tt.filter, se.Offset, se.Error(), tt.offset, tt.msg)
		}
	}

	// Hand-built trees that Parse could never produce.
	bad := []Expr{
		&Cmp{Selector: "name", Op: Ne, Pattern: []string{"a", ""}},
		&Cmp{Selector: "name", Op: Eq, Pattern: []string{"a"}},
		&Cmp{Selector: "name", Op: Op(42), Value: "x"},
		&Cmp{Selector: "name", Op: Eq},
		&And{Terms: []Expr{(*Cmp)(nil)}},
		&Cmp{Selector: "weird", Op: Eq, Value: "x"},
	}
	s["weird"] = Field{Type: Type(9), SQL: "t.weird"}
	for _, e := range bad {
		if err := s.Check(e); err == nil {
			t.Errorf("Check(%#v) = nil, want error", e)
		}
		if Match(e, s, func(string) any { return "a" }) {
			t.Errorf("Match(%#v) = true for an invalid tree", e)
		}
	}
	if err := s.Check(nil); err != nil {
		t.Errorf("Check(nil) = %v", err)
	}
}

func TestGlobMatch(t *testing.T) {
	tests := []struct {
		s      string
		pieces []string
		want   bool
	}{
		{"", []string{"", ""}, true},
		{"abc", []string{"", ""}, true},
		{"abc", []string{"a", "c"}, true},
		{"ac", []string{"a", "c"}, true},
		{"a", []string{"a", "a"}, false}, // prefix and suffix must not overlap
		{"aa", []string{"a", "a"}, true},
		{"abcbd", []string{"a", "b", "d"}, true},
		{"abab", []string{"", "ab", "ab"}, true},
		{"ab", []string{"", "ab", "ab"}, false},
		{"xaybz", []string{"x", "a", "b", "z"}, true},
		{"xbayz", []string{"x", "a", "b", "z"}, false},
	}
	for _, tt := range tests {
		if got := globMatch(tt.s, tt.pieces); got != tt.want {
			t.Errorf("globMatch(%q, %q) = %v, want %v", tt.s, tt.pieces, got, tt.want)
		}
	}
}
