// Package vcd holds what the Cloud Director dialects (/api XML and
// /cloudapi JSON) share: API versions and their negotiation, where tokens
// are read from, Basic credentials, the two error formats, and the request
// plumbing that checks version then session before a handler runs.
package vcd

import (
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/cloudgate/cloudgate/internal/apierr"
)

// Version is a Cloud Director API version.
type Version struct {
	Text       string // exactly as listed ("37.0")
	Major      int
	Minor      int
	Deprecated bool
	// jsonType is the Content-Type header value "application/json;version=
	// <Text>", built once: every JSON answer sends it. Answers share the
	// slice (its capacity is its length, so nothing appends to it in place).
	jsonType *[1]string
}

// Supported lists the versions cloudgate serves, ascending. Nothing at or
// above 40.0: govcd switches to another dialect there. 5.6 comes first,
// deprecated, for the vCloud Air hand-off clients (they send
// version=5.6 to /api); it is served with the 36.2 representations.
func Supported() []Version {
	return append([]Version(nil), versionTable[:]...)
}

// versionTable is built once and never written: Negotiate runs on every
// request and must not rebuild it.
var versionTable = func() [15]Version {
	texts := [15]string{"5.6", "33.0", "34.0", "35.0", "35.2", "36.0", "36.1", "36.2", "36.3", "37.0", "37.1", "37.2", "38.0", "38.1", "39.0"}
	var out [15]Version
	for i, t := range texts {
		v, _ := parseVersion(t)
		v.Deprecated = t == "5.6"
		v.jsonType = &[1]string{"application/json;version=" + t}
		out[i] = v
	}
	return out
}()

func parseVersion(s string) (Version, bool) {
	maj, min, ok := strings.Cut(s, ".")
	if !ok {
		return Version{}, false
	}
	a, err1 := strconv.Atoi(maj)
	b, err2 := strconv.Atoi(min)
	if err1 != nil || err2 != nil || a < 0 || b < 0 {
		return Version{}, false
	}
	return Version{Text: s, Major: a, Minor: b}, true
}

// Lookup returns the supported version spelled exactly s.
func Lookup(s string) (Version, bool) {
	for _, v := range versionTable {
		if v.Text == s {
			return v, true
		}
	}
	return Version{}, false
}

// AtLeast reports whether v >= major.minor.
func (v Version) AtLeast(major, minor int) bool {
	return v.Major > major || (v.Major == major && v.Minor >= minor)
}

// supportedText renders the list for 406 messages, newest first with [D]
// marking deprecated versions, as Cloud Director does.
func supportedText() string {
	vs := Supported()
	parts := make([]string, 0, len(vs))
	for i := len(vs) - 1; i >= 0; i-- {
		t := vs[i].Text
		if vs[i].Deprecated {
			t += " [D]"
		}
		parts = append(parts, t)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// Negotiate picks the API version from every Accept header of a request.
// The first media range naming a supported version wins; ranges without a
// version (or with an empty one) are skipped. The media type itself is not
// matched to the endpoint: clients send application/*+xml to JSON
// endpoints and the reverse. It fails NotAcceptable when no range names a
// supported version.
func Negotiate(accept []string) (Version, error) {
	var unknown string
	for _, header := range accept {
		for rest := header; rest != ""; {
			mr := rest
			if i := strings.IndexByte(rest, ','); i >= 0 {
				mr, rest = rest[:i], rest[i+1:]
			} else {
				rest = ""
			}
			val, ok := versionParam(mr)
			if !ok || val == "" {
				continue
			}
			if v, ok := Lookup(val); ok {
				return v, nil
			}
			if unknown == "" {
				unknown = val
			}
		}
	}
	if unknown != "" {
		if len(unknown) > 32 {
			unknown = unknown[:32] + "..."
		}
		return Version{}, apierr.New(apierr.NotAcceptable, "The request has invalid accept header: Unknown API version: %s. Supported API versions are: %s ([D] indicates deprecated versions)", strconv.Quote(unknown), supportedText())
	}
	return Version{}, apierr.New(apierr.NotAcceptable, "The request has invalid accept header: Invalid API version requested. Supported API versions are: %s ([D] indicates deprecated versions)", supportedText())
}

// negotiator remembers Accept headers it has negotiated, so that a client
// sending the same one on every request (every client does) is answered by
// a comparison instead of a parse. Its zero value is ready to use.
type negotiator struct {
	// Slots by the header's length: a few clients with different headers
	// rarely evict each other.
	slots [8]atomic.Pointer[negotiated]
}

type negotiated struct {
	accept string
	v      Version
}

// negotiate is Negotiate, remembered for requests with one Accept header.
func (n *negotiator) negotiate(accept []string) (Version, error) {
	if len(accept) != 1 {
		return Negotiate(accept)
	}
	slot := &n.slots[len(accept[0])%len(n.slots)]
	if c := slot.Load(); c != nil && c.accept == accept[0] {
		return c.v, nil
	}
	v, err := Negotiate(accept)
	if err == nil {
		slot.Store(&negotiated{accept: accept[0], v: v})
	}
	return v, err
}

// versionParam returns the value of the "version" parameter of one media
// range, unquoted and trimmed. It does not allocate: it runs on every
// request.
func versionParam(mediaRange string) (string, bool) {
	i := strings.IndexByte(mediaRange, ';')
	for i >= 0 {
		p := mediaRange[i+1:]
		next := strings.IndexByte(p, ';')
		if next >= 0 {
			p = p[:next]
		}
		if k, v, ok := strings.Cut(p, "="); ok && strings.EqualFold(strings.TrimSpace(k), "version") {
			v = strings.TrimSpace(v)
			if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
				v = v[1 : len(v)-1]
			}
			return v, true
		}
		if next < 0 {
			break
		}
		i += 1 + next
	}
	return "", false
}
