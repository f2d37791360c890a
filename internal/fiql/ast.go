package fiql

import "strings"

// Op is a comparison operator.
type Op int

// The comparison operators, in FIQL spelling.
const (
	Eq Op = iota // ==
	Ne           // !=
	Gt           // =gt=
	Lt           // =lt=
	Ge           // =ge=
	Le           // =le=
)

// String returns the FIQL spelling of op.
func (op Op) String() string {
	switch op {
	case Eq:
		return "=="
	case Ne:
		return "!="
	case Gt:
		return "=gt="
	case Lt:
		return "=lt="
	case Ge:
		return "=ge="
	case Le:
		return "=le="
	}
	return "<invalid operator>"
}

func (op Op) valid() bool { return op >= Eq && op <= Le }

// ordering reports whether op is one of the range operators, which only make
// sense for Int and Time fields.
func (op Op) ordering() bool { return op >= Gt && op <= Le }

// Expr is a parsed filter: *And, *Or or *Cmp.
//
// String renders the canonical FIQL text: For a tree returned by Parse,
// Parse(e.String()) yields the same tree (ignoring the position fields of
// Cmp), and the canonical text is never longer than the input it came from,
// so it always fits the limits again.
type Expr interface {
	String() string
	isExpr()
}

// And is true when all of its Terms are. Parse produces at least two terms and
// never nests an And directly inside another And.
type And struct{ Terms []Expr }

// Or is true when any of its Terms is. Parse produces at least two terms and
// never nests an Or directly inside another Or.
type Or struct{ Terms []Expr }

// Cmp is a single comparison "Selector Op value".
type Cmp struct {
	Selector string
	Op       Op

	// Value is the operand with escapes removed. It is empty when Pattern
	// is set.
	Value string

	// Pattern is non-nil for an "==" comparison whose value contains an
	// unescaped '*'. It holds the literal pieces between the wildcards
	// (escapes removed, case preserved), so it always has at least two
	// elements, any of which may be empty: "my*" is {"my", ""}.
	Pattern []string

	// Byte offsets into the original filter of the selector, the operator
	// and the value, used to point errors at the offending text. They are
	// zero for hand-built trees.
	Pos, OpPos, ValuePos int
}

func (*And) isExpr() {}
func (*Or) isExpr()  {}
func (*Cmp) isExpr() {}

func (a *And) String() string {
	if a == nil {
		return ""
	}
	var b strings.Builder
	for i, t := range a.Terms {
		if i > 0 {
			b.WriteByte(';')
		}
		// Or binds looser than And, so it needs parentheses here; a nested
		// And only appears in hand-built trees and is bracketed to keep its
		// shape visible.
		switch t.(type) {
		case *Or, *And:
			b.WriteByte('(')
			b.WriteString(t.String())
			b.WriteByte(')')
		default:
			writeExpr(&b, t)
		}
	}
	return b.String()
}

func (o *Or) String() string {
	if o == nil {
		return ""
	}
	var b strings.Builder
	for i, t := range o.Terms {
		if i > 0 {
			b.WriteByte(',')
		}
		if _, nested := t.(*Or); nested {
			b.WriteByte('(')
			b.WriteString(t.String())
			b.WriteByte(')')
			continue
		}
		writeExpr(&b, t)
	}
	return b.String()
}

func writeExpr(b *strings.Builder, e Expr) {
	if e != nil {
		b.WriteString(e.String())
	}
}

func (c *Cmp) String() string {
	if c == nil {
		return ""
	}
	var b strings.Builder
	b.WriteString(c.Selector)
	b.WriteString(c.Op.String())
	if c.Pattern == nil {
		writeValue(&b, c.Value, c.Op == Eq, true, true)
		return b.String()
	}
	last := len(c.Pattern) - 1
	for i, piece := range c.Pattern {
		if i > 0 {
			b.WriteByte('*')
		}
		writeValue(&b, piece, true, i == 0, i == last)
	}
	return b.String()
}

// writeValue writes v escaped just enough to parse back to v. Escaping only
// what is required keeps the canonical form no longer than any input that
// produced it. A '*' needs escaping only under "==", where it would
// otherwise be a wildcard; a space only as the first or last character of
// the whole value, which the parser rejects unescaped.
func writeValue(b *strings.Builder, v string, starIsWild, atStart, atEnd bool) {
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '\\' || c == '(' || c == ')' || c == ',' || c == ';':
			b.WriteByte('\\')
		case c == '*' && starIsWild:
			b.WriteByte('\\')
		case c == ' ' && ((atStart && i == 0) || (atEnd && i == len(v)-1)):
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
}
