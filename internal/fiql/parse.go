package fiql

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Limits on a single filter. They bound the work an unauthenticated-looking
// request can cause and keep the recursive parser's stack shallow.
const (
	MaxLength      = 2048 // bytes
	MaxDepth       = 16   // nested parentheses
	MaxComparisons = 64
)

// SyntaxError reports a malformed filter, or a comparison the Schema
// rejects. Offset is the 0-based byte offset of the offending character
// (len(filter) when the filter ends too early); Error reports it as a
// 1-based position.
type SyntaxError struct {
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("filter: %s at position %d", e.Msg, e.Offset+1)
}

func errAt(off int, format string, args ...any) *SyntaxError {
	return &SyntaxError{Offset: off, Msg: fmt.Sprintf(format, args...)}
}

// Parse parses a FIQL filter. It returns a *SyntaxError on malformed input;
// the empty string is malformed (callers treat an absent filter as "match
// everything" before calling Parse).
func Parse(s string) (Expr, error) {
	if len(s) > MaxLength {
		return nil, errAt(MaxLength, "filter longer than %d bytes", MaxLength)
	}
	if s == "" {
		return nil, errAt(0, "empty filter")
	}
	p := parser{s: s}
	e, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if p.i < len(s) {
		// parseOr only stops early at a character that cannot continue
		// an expression, typically an unbalanced ')'.
		return nil, p.unexpected("")
	}
	return e, nil
}

type parser struct {
	s     string
	i     int // next byte to read
	depth int // open parentheses
	cmps  int // comparisons seen so far
}

// describe names the character at offset i for an error message.
func (p *parser) describe(i int) string {
	if i >= len(p.s) {
		return "end of input"
	}
	r, size := utf8.DecodeRuneInString(p.s[i:])
	if r == utf8.RuneError && size == 1 {
		return fmt.Sprintf("byte 0x%02x", p.s[i])
	}
	return fmt.Sprintf("%q", r)
}

// unexpected reports the character at p.i, with an optional hint about what
// would have been valid there.
func (p *parser) unexpected(expected string) *SyntaxError {
	msg := "unexpected " + p.describe(p.i)
	if p.i < len(p.s) && isSpace(p.s[p.i]) {
		msg = "unexpected whitespace (spaces are only allowed inside values)"
	} else if expected != "" {
		msg += ", expected " + expected
	}
	return &SyntaxError{Offset: p.i, Msg: msg}
}

func (p *parser) peek(c byte) bool { return p.i < len(p.s) && p.s[p.i] == c }

func (p *parser) parseOr() (Expr, error) {
	var terms []Expr
	for {
		t, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		// Flattening "(a,b),c" into one Or gives every filter a single
		// canonical tree, which is what makes the String round trip exact.
		if o, ok := t.(*Or); ok {
			terms = append(terms, o.Terms...)
		} else {
			terms = append(terms, t)
		}
		if !p.peek(',') {
			break
		}
		p.i++
	}
	if len(terms) == 1 {
		return terms[0], nil
	}
	return &Or{Terms: terms}, nil
}

func (p *parser) parseAnd() (Expr, error) {
	var terms []Expr
	for {
		t, err := p.parseTerm()
		if err != nil {
			return nil, err
		}
		if a, ok := t.(*And); ok {
			terms = append(terms, a.Terms...)
		} else {
			terms = append(terms, t)
		}
		if !p.peek(';') {
			break
		}
		p.i++
	}
	if len(terms) == 1 {
		return terms[0], nil
	}
	return &And{Terms: terms}, nil
}

func (p *parser) parseTerm() (Expr, error) {
	if !p.peek('(') {
		return p.parseCmp()
	}
	if p.depth == MaxDepth {
		return nil, errAt(p.i, "parentheses nested deeper than %d", MaxDepth)
	}
	open := p.i
	p.depth++
	p.i++
	e, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if p.i >= len(p.s) {
		// Point at the '(' rather than the end: that is what the user
		// has to go and fix.
		return nil, errAt(open, "unclosed '('")
	}
	if p.s[p.i] != ')' {
		return nil, p.unexpected("';', ',' or ')'")
	}
	p.i++
	p.depth--
	return e, nil
}

func (p *parser) parseCmp() (*Cmp, error) {
	start := p.i
	if p.i >= len(p.s) || !isLetter(p.s[p.i]) {
		return nil, p.unexpected("field name or '('")
	}
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c == '.' {
			// Every dotted segment must start with a letter, so "a..b"
			// and "a." are rejected at the character after the dot.
			p.i++
			if p.i >= len(p.s) || !isLetter(p.s[p.i]) {
				return nil, p.unexpected("letter after '.' in field name")
			}
			continue
		}
		if !isLetter(c) && !isDigit(c) && c != '_' {
			break
		}
		p.i++
	}
	p.cmps++
	if p.cmps > MaxComparisons {
		return nil, errAt(start, "more than %d comparisons", MaxComparisons)
	}
	c := &Cmp{Selector: p.s[start:p.i], Pos: start, OpPos: p.i}
	op, err := p.parseOp()
	if err != nil {
		return nil, err
	}
	c.Op = op
	c.ValuePos = p.i
	if err := p.parseValue(c); err != nil {
		return nil, err
	}
	return c, nil
}

func (p *parser) parseOp() (Op, error) {
	rest := p.s[p.i:]
	for op := Eq; op <= Le; op++ {
		if strings.HasPrefix(rest, op.String()) {
			p.i += len(op.String())
			return op, nil
		}
	}
	// FIQL allows custom "=name=" operators; name the one we got so the
	// user sees which spelling is unsupported.
	if len(rest) > 1 && rest[0] == '=' {
		if end := strings.IndexByte(rest[1:], '='); end > 0 && isWord(rest[1:end+1]) {
			return 0, errAt(p.i, "unknown operator %q", rest[:end+2])
		}
	}
	return 0, p.unexpected("comparison operator (==, !=, =gt=, =lt=, =ge=, =le=)")
}

// parseValue reads the value of c starting at p.i and stores it unescaped in
// c.Value or, for a wildcard "==", in c.Pattern.
func (p *parser) parseValue(c *Cmp) error {
	var (
		b           strings.Builder
		pieces      []string
		lastEscaped bool // the previous character came from an escape
	)
	for p.i < len(p.s) {
		ch := p.s[p.i]
		if ch == ';' || ch == ',' || ch == ')' {
			break
		}
		lastEscaped = false
		switch {
		case ch == '(':
			return errAt(p.i, `unescaped '(' in value (write \( for a literal parenthesis)`)
		case ch == '\\':
			if p.i+1 >= len(p.s) {
				return errAt(p.i, `dangling '\' at end of input`)
			}
			next := p.s[p.i+1]
			if !isEscapable(next) {
				return errAt(p.i, `invalid escape '\' before %s (only \( \) \, \; \\ \* and "\ " are allowed)`, p.describe(p.i+1))
			}
			b.WriteByte(next)
			p.i += 2
			lastEscaped = true
		case ch == '*' && c.Op == Eq:
			pieces = append(pieces, b.String())
			b.Reset()
			p.i++
		case ch < 0x20 || ch == 0x7f:
			return errAt(p.i, "control character %s in value", p.describe(p.i))
		case ch >= utf8.RuneSelf:
			r, size := utf8.DecodeRuneInString(p.s[p.i:])
			if r == utf8.RuneError && size == 1 {
				return errAt(p.i, "invalid UTF-8 (%s) in value", p.describe(p.i))
			}
			b.WriteString(p.s[p.i : p.i+size])
			p.i += size
		default:
			b.WriteByte(ch)
			p.i++
		}
	}
	switch {
	case p.i == c.ValuePos:
		return errAt(p.i, "missing value after %q", c.Op.String())
	case p.s[c.ValuePos] == ' ':
		return errAt(c.ValuePos, `whitespace after operator (write "\ " for a leading space)`)
	case p.s[p.i-1] == ' ' && !lastEscaped:
		return errAt(p.i-1, `whitespace at end of value (write "\ " for a trailing space)`)
	}
	if pieces != nil {
		c.Pattern = append(pieces, b.String())
	} else {
		c.Value = b.String()
	}
	return nil
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isSpace(c byte) bool  { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func isEscapable(c byte) bool {
	return strings.IndexByte(`()\,;* `, c) >= 0
}

func isWord(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isLetter(s[i]) {
			return false
		}
	}
	return s != ""
}
