package fiql

import (
	"fmt"
	"strings"
)

// SQL compiles e into a parenthesised boolean SQL expression for a WHERE
// clause. Values are never spliced into the text: for each one, bind is
// called (in the order the placeholders appear) with the value to bind and
// returns the placeholder to insert, e.g. "?" for SQLite or "$3" for
// PostgreSQL. String and Enum values are bound as string, Int values as
// int64 and Time values as int64 Unix microseconds, matching how the stores
// keep timestamps. Field.SQL is inserted verbatim.
//
// e is checked with s.Check first, so malformed comparisons are reported as
// a *SyntaxError rather than compiled. A nil e compiles to "(1=1)".
//
// The SQL has the same semantics as Match:
//
//   - A wildcard == compiles to lower(col) LIKE <pattern> ESCAPE '\', where
//     the pattern is folded to lower case in Go (ASCII only, like Match)
//     rather than with lower() in SQL, and '%', '_' and '\' in its literal
//     parts are escaped.
//   - A case-insensitive == or != compares lower(col) with a value folded
//     in Go; other == and != compare col directly, so the column must use a
//     binary collation (the default on both databases, but not a SQLite
//     column declared COLLATE NOCASE).
//   - != compiles to (col IS NULL OR col <> <ph>): NULL is not equal to
//     anything. == and the ordering operators are false for NULL, as SQL
//     already has it; since the language has no negation, SQL's NULL
//     results behave exactly like false.
//
// SQLite's lower() folds only ASCII, matching Match. PostgreSQL's lower()
// folds according to the column's collation, so for non-ASCII data declare
// Field.SQL as `col COLLATE "C"` there to fold ASCII only and agree with
// Match.
func SQL(e Expr, s Schema, bind func(v any) string) (string, error) {
	if err := s.Check(e); err != nil {
		return "", err
	}
	var b strings.Builder
	if err := s.compile(&b, e, bind); err != nil {
		return "", err
	}
	return b.String(), nil
}

func (s Schema) compile(b *strings.Builder, e Expr, bind func(any) string) error {
	switch n := e.(type) {
	case nil:
		b.WriteString("(1=1)")
	case *And:
		if n == nil {
			b.WriteString("(1=1)")
			return nil
		}
		return s.compileAll(b, n.Terms, " AND ", "(1=1)", bind)
	case *Or:
		if n == nil {
			b.WriteString("(1=0)")
			return nil
		}
		return s.compileAll(b, n.Terms, " OR ", "(1=0)", bind)
	case *Cmp:
		o, err := s.resolve(n)
		if err != nil {
			return err
		}
		if o.field.SQL == "" {
			return fmt.Errorf("fiql: field %q has no SQL expression", n.Selector)
		}
		o.compile(b, bind)
	default:
		return fmt.Errorf("fiql: unsupported expression type %T", e)
	}
	return nil
}

// compileAll joins terms with sep; an empty list compiles to the identity of
// the operator so hand-built trees still mean what Match says they mean.
func (s Schema) compileAll(b *strings.Builder, terms []Expr, sep, empty string, bind func(any) string) error {
	if len(terms) == 0 {
		b.WriteString(empty)
		return nil
	}
	b.WriteByte('(')
	for i, t := range terms {
		if i > 0 {
			b.WriteString(sep)
		}
		if err := s.compile(b, t, bind); err != nil {
			return err
		}
	}
	b.WriteByte(')')
	return nil
}

func (o operand) compile(b *strings.Builder, bind func(any) string) {
	col := o.field.SQL
	if o.like != nil {
		fmt.Fprintf(b, `(lower(%s) LIKE %s ESCAPE '\')`, col, bind(likePattern(o.like)))
		return
	}
	var value any
	switch o.field.Type {
	case String, Enum:
		value = o.str
		if o.field.CaseInsensitive {
			col = "lower(" + col + ")"
			value = foldASCII(o.str)
		}
	default:
		value = o.num
	}
	if o.op == Ne {
		fmt.Fprintf(b, "(%s IS NULL OR %s <> %s)", o.field.SQL, col, bind(value))
		return
	}
	fmt.Fprintf(b, "(%s %s %s)", col, sqlOp(o.op), bind(value))
}

func sqlOp(op Op) string {
	switch op {
	case Gt:
		return ">"
	case Lt:
		return "<"
	case Ge:
		return ">="
	case Le:
		return "<="
	}
	return "="
}

// likePattern turns wildcard pieces into a LIKE pattern with '\' as the
// escape character.
func likePattern(pieces []string) string {
	var b strings.Builder
	for i, p := range pieces {
		if i > 0 {
			b.WriteByte('%')
		}
		for j := 0; j < len(p); j++ {
			if c := p[j]; c == '%' || c == '_' || c == '\\' {
				b.WriteByte('\\')
			}
			b.WriteByte(p[j])
		}
	}
	return b.String()
}
