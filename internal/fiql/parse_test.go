package fiql

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// cmp builds a comparison without positions, for comparing trees.
func cmp(sel string, op Op, value string) *Cmp {
	return &Cmp{Selector: sel, Op: op, Value: value}
}

func pat(sel string, pieces ...string) *Cmp {
	return &Cmp{Selector: sel, Op: Eq, Pattern: pieces}
}

func and(terms ...Expr) *And { return &And{Terms: terms} }
func or(terms ...Expr) *Or   { return &Or{Terms: terms} }

// stripPos returns a copy of e with the position fields zeroed, so trees can
// be compared with reflect.DeepEqual.
func stripPos(e Expr) Expr {
	switch n := e.(type) {
	case *And:
		out := &And{}
		for _, t := range n.Terms {
			out.Terms = append(out.Terms, stripPos(t))
		}
		return out
	case *Or:
		out := &Or{}
		for _, t := range n.Terms {
			out.Terms = append(out.Terms, stripPos(t))
		}
		return out
	case *Cmp:
		c := *n
		c.Pos, c.OpPos, c.ValuePos = 0, 0, 0
		return &c
	}
	return e
}

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want Expr
		str  string // canonical String(); defaults to in
	}{
		{"name==mytoken", cmp("name", Eq, "mytoken"), ""},
		{"name!=abc", cmp("name", Ne, "abc"), ""},
		{"createdAt=ge=2024-01-01T00:00:00Z", cmp("createdAt", Ge, "2024-01-01T00:00:00Z"), ""},
		{"count=gt=5", cmp("count", Gt, "5"), ""},
		{"count=lt=-5", cmp("count", Lt, "-5"), ""},
		{"count=le=0", cmp("count", Le, "0"), ""},
		{"owner.id==urn:vcloud:user:2b1d3c4e-0000-4000-8000-000000000002",
			cmp("owner.id", Eq, "urn:vcloud:user:2b1d3c4e-0000-4000-8000-000000000002"), ""},
		{"a_b.c1.D==x", cmp("a_b.c1.D", Eq, "x"), ""},
		// What the Go SDK sends for tokens.
		{"(name==mytoken;owner.name==bob;(type==PROXY,type==REFRESH))",
			and(cmp("name", Eq, "mytoken"), cmp("owner.name", Eq, "bob"),
				or(cmp("type", Eq, "PROXY"), cmp("type", Eq, "REFRESH"))),
			"name==mytoken;owner.name==bob;(type==PROXY,type==REFRESH)"},
		// AND binds tighter than OR.
		{"a==1,b==2;c==3", or(cmp("a", Eq, "1"), and(cmp("b", Eq, "2"), cmp("c", Eq, "3"))), ""},
		{"a==1;b==2,c==3", or(and(cmp("a", Eq, "1"), cmp("b", Eq, "2")), cmp("c", Eq, "3")), ""},
		{"a==1;(b==2,c==3)", and(cmp("a", Eq, "1"), or(cmp("b", Eq, "2"), cmp("c", Eq, "3"))), ""},
		// Redundant parentheses and same-operator nesting are flattened.
		{"((a==1))", cmp("a", Eq, "1"), "a==1"},
		{"(a==1;b==2);c==3", and(cmp("a", Eq, "1"), cmp("b", Eq, "2"), cmp("c", Eq, "3")), "a==1;b==2;c==3"},
		{"a==1,(b==2,c==3)", or(cmp("a", Eq, "1"), cmp("b", Eq, "2"), cmp("c", Eq, "3")), "a==1,b==2,c==3"},
		{"(a==1;b==2),c==3", or(and(cmp("a", Eq, "1"), cmp("b", Eq, "2")), cmp("c", Eq, "3")), "a==1;b==2,c==3"},
		// Wildcards.
		{"name==my*", pat("name", "my", ""), ""},
		{"name==*", pat("name", "", ""), ""},
		{"name==*a**b*", pat("name", "", "a", "", "b", ""), ""},
		{`name==a\*b*`, pat("name", "a*b", ""), ""},
		{`name==a\*b`, cmp("name", Eq, "a*b"), ""},
		// '*' is literal for other operators; canonical form drops the
		// needless escape.
		{"name!=a*b", cmp("name", Ne, "a*b"), ""},
		{`name!=a\*b`, cmp("name", Ne, "a*b"), "name!=a*b"},
		// Escapes.
		{`name==a\(b\)\,c\;d\\e`, cmp("name", Eq, `a(b),c;d\e`), ""},
		{`name==\ a b\ `, cmp("name", Eq, " a b "), ""},
		{`name==a\ b`, cmp("name", Eq, "a b"), "name==a b"},
		{`name==\ `, cmp("name", Eq, " "), ""},
		{`name==*\ `, pat("name", "", " "), ""},
		// '=' and ':' and other punctuation are ordinary value characters.
		{"name===x", cmp("name", Eq, "=x"), ""},
		{"name!==x", cmp("name", Ne, "=x"), ""},
		{"name==a=gt=b", cmp("name", Eq, "a=gt=b"), ""},
		{"name==!@#$%^&_+{}[]|'\"<>?/~`", cmp("name", Eq, "!@#$%^&_+{}[]|'\"<>?/~`"), ""},
		{"name==Ärger ünd Ω", cmp("name", Eq, "Ärger ünd Ω"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			e, err := Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if got := stripPos(e); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Parse(%q) = %#v, want %#v", tt.in, got, tt.want)
			}
			wantStr := tt.str
			if wantStr == "" {
				wantStr = tt.in
			}
			if got := e.String(); got != wantStr {
				t.Errorf("String() = %q, want %q", got, wantStr)
			}
			e2, err := Parse(e.String())
			if err != nil {
				t.Fatalf("reparse %q: %v", e.String(), err)
			}
			if !reflect.DeepEqual(stripPos(e2), stripPos(e)) {
				t.Errorf("round trip changed tree: %#v", stripPos(e2))
			}
		})
	}
}

func TestParsePositions(t *testing.T) {
	e, err := Parse("a==1;(bb=gt=22,c!=x)")
	if err != nil {
		t.Fatal(err)
	}
	b := e.(*And).Terms[1].(*Or).Terms[0].(*Cmp)
	if b.Pos != 6 || b.OpPos != 8 || b.ValuePos != 12 {
		t.Errorf("positions = %d,%d,%d, want 6,8,12", b.Pos, b.OpPos, b.ValuePos)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		in     string
		offset int
		msg    string // full Error() text
	}{
		{"", 0, "filter: empty filter at position 1"},
		{"name==", 6, `filter: missing value after "==" at position 7`},
		{"name==;b==1", 6, `filter: missing value after "==" at position 7`},
		{"name", 4, "filter: unexpected end of input, expected comparison operator (==, !=, =gt=, =lt=, =ge=, =le=) at position 5"},
		{"name=x", 4, "filter: unexpected '=', expected comparison operator (==, !=, =gt=, =lt=, =ge=, =le=) at position 5"},
		{"name=like=x", 4, `filter: unknown operator "=like=" at position 5`},
		{"name=GT=1", 4, `filter: unknown operator "=GT=" at position 5`},
		{"name ==x", 4, "filter: unexpected whitespace (spaces are only allowed inside values) at position 5"},
		{" name==x", 0, "filter: unexpected whitespace (spaces are only allowed inside values) at position 1"},
		{"name== x", 6, `filter: whitespace after operator (write "\ " for a leading space) at position 7`},
		{"name==x ;b==1", 7, `filter: whitespace at end of value (write "\ " for a trailing space) at position 8`},
		{"name==x ", 7, `filter: whitespace at end of value (write "\ " for a trailing space) at position 8`},
		{"(a==1;b==2))", 11, "filter: unexpected ')' at position 12"},
		{"a==1)", 4, "filter: unexpected ')' at position 5"},
		{"(a==1", 0, "filter: unclosed '(' at position 1"},
		{"((a==1)", 0, "filter: unclosed '(' at position 1"},
		{"a==1;((b==2);(c==3)", 5, "filter: unclosed '(' at position 6"},
		{"(a==1)b==2", 6, "filter: unexpected 'b' at position 7"},
		{"((a==1)b==2)", 7, "filter: unexpected 'b', expected ';', ',' or ')' at position 8"},
		{"()", 1, "filter: unexpected ')', expected field name or '(' at position 2"},
		{"a==1;", 5, "filter: unexpected end of input, expected field name or '(' at position 6"},
		{"a==1,,b==2", 5, "filter: unexpected ',', expected field name or '(' at position 6"},
		{";a==1", 0, "filter: unexpected ';', expected field name or '(' at position 1"},
		{"1a==1", 0, "filter: unexpected '1', expected field name or '(' at position 1"},
		{"_a==1", 0, "filter: unexpected '_', expected field name or '(' at position 1"},
		{"a..b==1", 2, "filter: unexpected '.', expected letter after '.' in field name at position 3"},
		{"a.==1", 2, "filter: unexpected '=', expected letter after '.' in field name at position 3"},
		{"a.1==1", 2, "filter: unexpected '1', expected letter after '.' in field name at position 3"},
		{"a-b==1", 1, "filter: unexpected '-', expected comparison operator (==, !=, =gt=, =lt=, =ge=, =le=) at position 2"},
		{"name==a(b", 7, `filter: unescaped '(' in value (write \( for a literal parenthesis) at position 8`},
		{`name==ab\`, 8, `filter: dangling '\' at end of input at position 9`},
		{`name==a\b`, 7, `filter: invalid escape '\' before 'b' (only \( \) \, \; \\ \* and "\ " are allowed) at position 8`},
		{"name==a\tb", 7, `filter: control character '\t' in value at position 8`},
		{"name==a\x00b", 7, `filter: control character '\x00' in value at position 8`},
		{"name==a\xffb", 7, "filter: invalid UTF-8 (byte 0xff) in value at position 8"},
		{"nämе==x", 1, "filter: unexpected 'ä', expected comparison operator (==, !=, =gt=, =lt=, =ge=, =le=) at position 2"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			e, err := Parse(tt.in)
			if err == nil {
				t.Fatalf("Parse(%q) = %v, want error", tt.in, e)
			}
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error %v is %T, want *SyntaxError", err, err)
			}
			if se.Offset != tt.offset {
				t.Errorf("Offset = %d, want %d", se.Offset, tt.offset)
			}
			if err.Error() != tt.msg {
				t.Errorf("Error() = %q\n                want %q", err.Error(), tt.msg)
			}
		})
	}
}

func TestParseLimits(t *testing.T) {
	nest := func(n int) string {
		return strings.Repeat("(", n) + "a==1" + strings.Repeat(")", n)
	}
	cmps := func(n int) string {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = "a==1"
		}
		return strings.Join(parts, ",")
	}
	long := func(n int) string { return "name==" + strings.Repeat("x", n-len("name==")) }

	ok := []string{nest(MaxDepth), cmps(MaxComparisons), long(MaxLength),
		// Depth counts open parentheses, not total pairs.
		strings.Repeat(nest(MaxDepth)+";", 3) + "b==1"}
	for _, in := range ok {
		if _, err := Parse(in); err != nil {
			t.Errorf("Parse(%.40q...): %v", in, err)
		}
	}

	bad := []struct {
		in     string
		offset int
		msg    string
	}{
		{nest(MaxDepth + 1), MaxDepth, "filter: parentheses nested deeper than 16 at position 17"},
		{cmps(MaxComparisons + 1), 5 * MaxComparisons, "filter: more than 64 comparisons at position 321"},
		{long(MaxLength + 1), MaxLength, "filter: filter longer than 2048 bytes at position 2049"},
	}
	for _, tt := range bad {
		_, err := Parse(tt.in)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Parse(%.40q...) error = %v, want *SyntaxError", tt.in, err)
			continue
		}
		if se.Offset != tt.offset || se.Error() != tt.msg {
			t.Errorf("Parse(%.40q...) = %d %q, want %d %q", tt.in, se.Offset, se.Error(), tt.offset, tt.msg)
		}
	}
}

// Hand-built trees render sensibly too, even where Parse would have
// flattened them.
func TestStringHandBuilt(t *testing.T) {
	tests := []struct {
		e    Expr
		want string
	}{
		{and(and(cmp("a", Eq, "1"), cmp("b", Eq, "2")), cmp("c", Eq, "3")), "(a==1;b==2);c==3"},
		{or(or(cmp("a", Eq, "1"), cmp("b", Eq, "2")), and(cmp("c", Eq, "3"), cmp("d", Eq, "4"))), "(a==1,b==2),c==3;d==4"},
		{cmp("n", Ne, `*;\ `), `n!=*\;\\\ `},
		{pat("n", "(a)", ",;"), `n==\(a\)*\,\;`},
	}
	for _, tt := range tests {
		if got := tt.e.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}
