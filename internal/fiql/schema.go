package fiql

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// Type is the type of a filterable field. It decides which operators and
// values a comparison may use and how values are bound in SQL.
type Type int

const (
	// String fields support == (with wildcards) and !=. Bound as string.
	String Type = iota
	// Int fields support all operators; values are base-10 int64. Bound as
	// int64.
	Int
	// Time fields support all operators; values are RFC 3339 timestamps
	// (fractional seconds allowed). They are compared, and bound, as int64
	// Unix microseconds because that is how the stores keep times, so
	// sub-microsecond digits are ignored.
	Time
	// Enum fields support == and != with an exact, case-sensitive match
	// (unless CaseInsensitive) and reject wildcards. Bound as string.
	Enum
)

func (t Type) String() string {
	switch t {
	case String:
		return "string"
	case Int:
		return "int"
	case Time:
		return "time"
	case Enum:
		return "enum"
	}
	return "invalid type " + strconv.Itoa(int(t))
}

// Field describes one filterable selector.
type Field struct {
	Type Type
	// SQL is the SQL expression for the column, e.g. "t.name". It is
	// trusted and spliced into the generated SQL verbatim.
	SQL string
	// CaseInsensitive makes == and != ignore (ASCII) case even without
	// wildcards, e.g. for organisation names.
	CaseInsensitive bool
	// Values optionally lists the accepted values of an Enum field; nil
	// accepts any value.
	Values []string
}

// Schema maps selectors such as "owner.name" to their fields.
type Schema map[string]Field

// Check validates every comparison in e against the schema: the selector
// must be known, the operator allowed for the field's type, and the value
// valid for it. The first problem in filter order is returned as a
// *SyntaxError pointing at the selector, operator or value at fault.
// A nil e is valid and means "no filter".
func (s Schema) Check(e Expr) error {
	return walk(e, func(c *Cmp) error {
		_, err := s.resolve(c)
		return err
	})
}

// walk calls fn for every comparison in e, left to right, stopping at the
// first error.
func walk(e Expr, fn func(*Cmp) error) error {
	switch n := e.(type) {
	case *And:
		if n != nil {
			return walkAll(n.Terms, fn)
		}
	case *Or:
		if n != nil {
			return walkAll(n.Terms, fn)
		}
	case *Cmp:
		if n == nil {
			return errAt(0, "nil comparison")
		}
		return fn(n)
	}
	return nil
}

func walkAll(terms []Expr, fn func(*Cmp) error) error {
	for _, t := range terms {
		if err := walk(t, fn); err != nil {
			return err
		}
	}
	return nil
}

// operand is a comparison after schema resolution: the field it applies to
// and its value converted to the form both Match and SQL use, so the two
// evaluators cannot drift apart in how they read a value.
type operand struct {
	field Field
	op    Op
	str   string   // String and Enum: the literal, case preserved
	num   int64    // Int: the value; Time: Unix microseconds
	like  []string // wildcard pieces, ASCII-folded; nil without wildcards
}

func (s Schema) resolve(c *Cmp) (operand, error) {
	f, ok := s[c.Selector]
	if !ok {
		return operand{}, errAt(c.Pos, "unknown field %q", c.Selector)
	}
	if !c.Op.valid() {
		return operand{}, errAt(c.OpPos, "invalid operator %d", int(c.Op))
	}
	o := operand{field: f, op: c.Op}
	if c.Pattern != nil {
		switch {
		case c.Op != Eq:
			return operand{}, errAt(c.ValuePos, "wildcard only allowed with ==")
		case len(c.Pattern) < 2:
			return operand{}, errAt(c.ValuePos, "wildcard pattern needs at least two pieces")
		case f.Type == Enum:
			return operand{}, errAt(c.ValuePos, `wildcard not allowed on enum field %q (write \* for a literal star)`, c.Selector)
		case f.Type != String:
			return operand{}, errAt(c.ValuePos, "wildcard not allowed on %s field %q", f.Type, c.Selector)
		}
		o.like = make([]string, len(c.Pattern))
		for i, piece := range c.Pattern {
			o.like[i] = foldASCII(piece)
		}
		return o, nil
	}
	if c.Value == "" {
		return operand{}, errAt(c.ValuePos, "empty value")
	}
	switch f.Type {
	case String, Enum:
		if c.Op.ordering() {
			return operand{}, errAt(c.OpPos, "operator %s not allowed on %s field %q", c.Op, f.Type, c.Selector)
		}
		if f.Type == Enum && f.Values != nil && !f.allows(c.Value) {
			return operand{}, errAt(c.ValuePos, "invalid value %q for field %q (allowed: %s)",
				c.Value, c.Selector, strings.Join(f.Values, ", "))
		}
		o.str = c.Value
	case Int:
		n, err := strconv.ParseInt(c.Value, 10, 64)
		if err != nil {
			return operand{}, errAt(c.ValuePos, "invalid integer %q for field %q", c.Value, c.Selector)
		}
		o.num = n
	case Time:
		t, err := time.Parse(time.RFC3339Nano, c.Value)
		if err != nil {
			return operand{}, errAt(c.ValuePos, "invalid RFC 3339 time %q for field %q", c.Value, c.Selector)
		}
		o.num = t.UnixMicro()
	default:
		return operand{}, errAt(c.Pos, "field %q has %s", c.Selector, f.Type)
	}
	return o, nil
}

func (f Field) allows(v string) bool {
	if f.CaseInsensitive {
		v = foldASCII(v)
		return slices.ContainsFunc(f.Values, func(a string) bool { return foldASCII(a) == v })
	}
	return slices.Contains(f.Values, v)
}

// foldASCII lowers only A-Z. It matches SQLite's built-in lower(), which is
// what keeps Match and the generated SQL in agreement for non-ASCII text.
func foldASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if c := b[j]; c >= 'A' && c <= 'Z' {
					b[j] = c + ('a' - 'A')
				}
			}
			return string(b)
		}
	}
	return s
}
