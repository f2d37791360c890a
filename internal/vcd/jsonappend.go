package vcd

import (
	"unicode/utf8"

	"github.com/cloudgate/cloudgate/internal/urn"
)

// AppendJSONString appends s as a JSON string. Hot responses (the current
// session, rendered on every validation) are built with these appenders
// instead of encoding/json's reflection; the output decodes to the same
// values (tests check that against encoding/json). Like encoding/json it
// escapes <, > and & and replaces invalid UTF-8 with U+FFFD.
func AppendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// AppendURN appends "urn:vcloud:<kind>:<uuid>" as a JSON string.
func AppendURN(b []byte, kind string, id urn.UUID) []byte {
	b = append(b, `"urn:vcloud:`...)
	b = append(b, kind...)
	b = append(b, ':')
	b = id.AppendText(b)
	return append(b, '"')
}

// AppendRef appends an OpenApiReference {"name":…,"id":…}.
func AppendRef(b []byte, name, kind string, id urn.UUID) []byte {
	b = append(b, `{"name":`...)
	b = AppendJSONString(b, name)
	b = append(b, `,"id":`...)
	b = AppendURN(b, kind, id)
	return append(b, '}')
}
