// Package strictjson reads JSON request bodies without the leniencies of
// encoding/json that let what a handler checks differ from what the client
// meant: a key given twice (encoding/json keeps the last, and matches
// field names ignoring case, so "name" and "Name" collide too), invalid
// UTF-8 and lone UTF-16 surrogate escapes (both silently become U+FFFD),
// and anything but exactly one object. Every dialect that reads a JSON
// body uses it; each maps the errors to its own format.
package strictjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strings"
	"unicode/utf8"
)

// Error is a body Check refused; its text says why and is safe to show.
type Error struct{ msg string }

func (e *Error) Error() string { return e.msg }

func fail(msg string) error { return &Error{msg: msg} }

// ErrNotObject is Check's answer to well-formed JSON that is not an object
// (some dialects answer it as a wrong type rather than malformed JSON).
var ErrNotObject error = &Error{msg: "the body must be one JSON object"}

// maxDepth bounds nesting (the stack of the walk below).
const maxDepth = 32

// Check reports whether raw is exactly one JSON object, all valid UTF-8
// with no lone surrogate escape, and with no key given twice (ignoring
// case) in any object at any depth. It returns an *Error or nil.
func Check(raw []byte) error {
	if !utf8.Valid(raw) {
		return fail("the body is not valid UTF-8")
	}
	if hasLoneSurrogate(raw) {
		return fail(`the body holds a \u escape of a lone UTF-16 surrogate`)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	tok, err := dec.Token()
	if err != nil {
		return fail("the body is not valid JSON")
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return ErrNotObject
	}
	if err := walkObject(dec, 1); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return fail("the body holds data after the JSON object")
	}
	return nil
}

// Unmarshal is Check, then json.Unmarshal into v. Errors are an *Error or
// what json.Unmarshal returns (a *json.UnmarshalTypeError for a field of
// the wrong type), so callers can name the field.
func Unmarshal(raw []byte, v any) error {
	if err := Check(raw); err != nil {
		return err
	}
	return json.Unmarshal(raw, v)
}

// UnmarshalExact is json.Unmarshal into the struct v, with the top-level
// member names matched as written. encoding/json also fills a field from a
// key that differs from the field's name only in case ("Client_Name" for
// client_name); where a protocol's names are case-sensitive (RFC 7591's
// client metadata) such a key is another, unknown member, and unknown
// members are ignored, so it is left out before decoding. raw must have
// passed Check. Nested objects decode as json.Unmarshal decodes them.
func UnmarshalExact(raw []byte, v any) error {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(raw, &members); err != nil {
		return err
	}
	names := fieldNames(reflect.TypeOf(v).Elem())
	dropped := false
	for key := range members {
		if names[key] {
			continue
		}
		for name := range names {
			if strings.EqualFold(key, name) { // encoding/json's own folding
				delete(members, key)
				dropped = true
				break
			}
		}
	}
	if dropped {
		var err error
		if raw, err = json.Marshal(members); err != nil {
			return err
		}
	}
	return json.Unmarshal(raw, v)
}

// fieldNames are the JSON member names of the struct type t's fields.
func fieldNames(t reflect.Type) map[string]bool {
	names := map[string]bool{}
	for f := range t.Fields() {
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch name {
		case "-":
			continue
		case "":
			name = f.Name
		}
		names[name] = true
	}
	return names
}

// walkObject reads the members of an object whose '{' was read, up to and
// including its '}'.
func walkObject(dec *json.Decoder, depth int) error {
	if depth > maxDepth {
		return fail("the body is nested too deeply")
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fail("the body is not valid JSON")
		}
		key, _ := tok.(string)
		folded := strings.ToLower(key)
		if seen[folded] {
			return fail("key " + quote(key) + " is given more than once")
		}
		seen[folded] = true
		if err := walkValue(dec, depth); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil {
		return fail("the body is not valid JSON")
	}
	return nil
}

func walkValue(dec *json.Decoder, depth int) error {
	tok, err := dec.Token()
	if err != nil {
		return fail("the body is not valid JSON")
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return nil
	}
	switch d {
	case '{':
		return walkObject(dec, depth+1)
	case '[':
		if depth+1 > maxDepth {
			return fail("the body is nested too deeply")
		}
		for dec.More() {
			if err := walkValue(dec, depth+1); err != nil {
				return err
			}
		}
		if _, err := dec.Token(); err != nil {
			return fail("the body is not valid JSON")
		}
	}
	return nil
}

// hasLoneSurrogate reports a \uD800-\uDFFF escape that is not a high
// surrogate followed by a low one. Outside strings a backslash is a syntax
// error anyway, so scanning the whole body is enough.
func hasLoneSurrogate(raw []byte) bool {
	for i := 0; i < len(raw); i++ {
		if raw[i] != '\\' {
			continue
		}
		if i+1 < len(raw) && raw[i+1] != 'u' {
			i++ // an escaped character ("\\", "\"", ...): skip it
			continue
		}
		r, ok := hex4(raw, i+2)
		if !ok {
			continue // malformed: the decoder refuses it
		}
		switch {
		case r >= 0xD800 && r < 0xDC00:
			lo, ok := rune(0), false
			if i+7 < len(raw) && raw[i+6] == '\\' && raw[i+7] == 'u' {
				lo, ok = hex4(raw, i+8)
			}
			if !ok || lo < 0xDC00 || lo > 0xDFFF {
				return true
			}
			i += 11
		case r >= 0xDC00 && r <= 0xDFFF:
			return true
		default:
			i += 5
		}
	}
	return false
}

func hex4(b []byte, at int) (rune, bool) {
	if at+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[at : at+4] {
		switch {
		case '0' <= c && c <= '9':
			r = r<<4 | rune(c-'0')
		case 'a' <= c && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case 'A' <= c && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

// quote shows a client's key safely (bounded, printable).
func quote(s string) string {
	if len(s) > 64 {
		s = s[:64]
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r == '"' || r == '\\' || r == utf8.RuneError {
			b.WriteByte('?')
			continue
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
	return b.String()
}

// IsError reports whether err came from Check.
func IsError(err error) bool {
	var e *Error
	return errors.As(err, &e)
}
