package fiql

import (
	"strings"
	"time"
)

// Match evaluates e against one record. get returns the current value of a
// selector: a string for String and Enum fields, an int64 (or int) for Int
// fields, and a time.Time (or int64 Unix microseconds) for Time fields.
// nil, or a value of any other type, is treated as SQL NULL: it is not equal
// to anything, so only != is true for it.
//
// A nil e matches everything. Comparisons that Schema.Check would reject are
// false, so call Check first to report them to the user.
//
// Match gives the same answer as the SQL from SQL on SQLite, and on
// PostgreSQL under the conditions described there.
func Match(e Expr, s Schema, get func(selector string) any) bool {
	switch n := e.(type) {
	case nil:
		return true
	case *And:
		if n == nil {
			return true
		}
		for _, t := range n.Terms {
			if !Match(t, s, get) {
				return false
			}
		}
		return true
	case *Or:
		if n == nil {
			return false
		}
		for _, t := range n.Terms {
			if Match(t, s, get) {
				return true
			}
		}
		return false
	case *Cmp:
		if n == nil {
			return false
		}
		o, err := s.resolve(n)
		if err != nil {
			return false
		}
		var v any
		if get != nil {
			v = get(n.Selector)
		}
		return o.match(v)
	}
	return false
}

func (o operand) match(v any) bool {
	switch o.field.Type {
	case String, Enum:
		str, ok := v.(string)
		if !ok {
			return o.op == Ne
		}
		if o.like != nil {
			return globMatch(foldASCII(str), o.like)
		}
		equal := str == o.str
		if o.field.CaseInsensitive {
			equal = foldASCII(str) == foldASCII(o.str)
		}
		return equal == (o.op == Eq)
	case Int, Time:
		var n int64
		switch x := v.(type) {
		case int64:
			n = x
		case int:
			if o.field.Type != Int {
				return o.op == Ne
			}
			n = int64(x)
		case time.Time:
			if o.field.Type != Time {
				return o.op == Ne
			}
			n = x.UnixMicro()
		default:
			return o.op == Ne
		}
		switch o.op {
		case Eq:
			return n == o.num
		case Ne:
			return n != o.num
		case Gt:
			return n > o.num
		case Lt:
			return n < o.num
		case Ge:
			return n >= o.num
		case Le:
			return n <= o.num
		}
	}
	return false
}

// globMatch reports whether s matches the wildcard pattern whose literal
// pieces are given (a '*' between consecutive pieces). Matching the middle
// pieces leftmost-first is enough because '*' is the only wildcard: taking
// the earliest occurrence never rules out a later piece.
func globMatch(s string, pieces []string) bool {
	first, last := pieces[0], pieces[len(pieces)-1]
	if len(s) < len(first)+len(last) || !strings.HasPrefix(s, first) || !strings.HasSuffix(s, last) {
		return false
	}
	s = s[len(first) : len(s)-len(last)]
	for _, p := range pieces[1 : len(pieces)-1] {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return true
}
