package gate

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
)

// Route sends the paths under Prefix to Upstream.
type Route struct {
	// Prefix is a path prefix ("/" for everything; "/billing/" for one
	// service). The longest prefix that matches a path wins.
	Prefix string
	// Upstream is scheme://host[:port][/base]; the request path is joined
	// to its path.
	Upstream *url.URL
	// Audience is the "aud" of assertions for this route (default: the
	// upstream's scheme://host[:port]).
	Audience string
}

// ParseRoute parses --route PREFIX=URL (and --upstream URL, which is the
// route "/").
func ParseRoute(spec string) (Route, error) {
	prefix, raw, ok := strings.Cut(spec, "=")
	if !ok || !strings.HasPrefix(prefix, "/") {
		return Route{}, fmt.Errorf("route %q: want PREFIX=URL with PREFIX starting with /", spec)
	}
	u, err := ParseUpstream(raw)
	if err != nil {
		return Route{}, err
	}
	return Route{Prefix: prefix, Upstream: u}, nil
}

// ParseUpstream parses an upstream URL: http or https, a host, no query,
// no user information (credentials for the upstream would travel with
// every request and show in logs).
func ParseUpstream(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("upstream %q: want http(s)://host[:port][/path] without credentials or query", raw)
	}
	return u, nil
}

// ParseAudience parses --audience PREFIX=AUDIENCE.
func ParseAudience(spec string) (prefix, aud string, err error) {
	prefix, aud, ok := strings.Cut(spec, "=")
	if !ok || !strings.HasPrefix(prefix, "/") || strings.TrimSpace(aud) == "" {
		return "", "", fmt.Errorf("audience %q: want PREFIX=AUDIENCE with PREFIX starting with /", spec)
	}
	return prefix, strings.TrimSpace(aud), nil
}

// table finds the entry with the longest prefix matching a path. Entries
// are sorted longest prefix first, so the first match wins.
type table[T any] struct {
	entries []tableEntry[T]
}

type tableEntry[T any] struct {
	prefix string
	v      T
}

func newTable[T any](m map[string]T) table[T] {
	t := table[T]{}
	for p, v := range m {
		t.entries = append(t.entries, tableEntry[T]{p, v})
	}
	sort.Slice(t.entries, func(i, j int) bool {
		a, b := t.entries[i].prefix, t.entries[j].prefix
		if len(a) != len(b) {
			return len(a) > len(b)
		}
		return a < b
	})
	return t
}

// lookup matches prefix as a whole path segment sequence: "/billing"
// matches "/billing" and "/billing/x" but not "/billingx"; "/billing/"
// matches "/billing/x" only.
func (t table[T]) lookup(path string) (T, bool) {
	for _, e := range t.entries {
		if prefixMatch(e.prefix, path) {
			return e.v, true
		}
	}
	var zero T
	return zero, false
}

func prefixMatch(prefix, path string) bool {
	if !strings.HasPrefix(path, prefix) {
		return false
	}
	return len(path) == len(prefix) || strings.HasSuffix(prefix, "/") || path[len(prefix)] == '/'
}
