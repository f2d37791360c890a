// Package route answers the requests of a ServeMux's exact routes without
// walking its routing tree on every request.
//
// A ServeMux cleans the path, then tries the method's tree and the
// method-less one, allocating whenever a wildcard branch is tried and left;
// on the hot paths (sessions/current, the token endpoint, forward-auth) that
// was a few percent of a request's CPU. Most hot paths are exact patterns
// ("GET /cloudapi/1.0.0/sessions/current"), whose answer depends only on the
// method and the path, so Memo remembers, for each exact pattern the mux has
// chosen, the handler it chose. Everything else (wildcards, subtrees,
// redirects, escaped paths, unusual methods) goes to the mux as before.
package route

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
)

// Memo wraps a ServeMux whose patterns name no host (the memo's answer
// depends only on the method and the path). Register every pattern before
// the first request.
type Memo struct {
	mux   *http.ServeMux
	mu    sync.Mutex // serializes additions to known
	known atomic.Pointer[map[key]entry]
}

type key struct{ method, path string }

type entry struct {
	h       http.Handler
	pattern string
}

// New returns a Memo over mux.
func New(mux *http.ServeMux) *Memo {
	m := &Memo{mux: mux}
	m.known.Store(&map[key]entry{})
	return m
}

// ServeHTTP serves r as the mux would, setting r.Pattern as it does.
func (m *Memo) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if e, ok := m.lookup(r); ok {
		r.Pattern = e.pattern
		e.h.ServeHTTP(w, r)
		return
	}
	method, path := r.Method, r.URL.Path
	m.mux.ServeHTTP(w, r)
	// r.Pattern is what the mux chose; learn it if it is exact. The
	// handler may have changed r.URL, so the saved method and path count.
	m.learn(method, path, r.Pattern)
}

// Handler returns the handler and pattern the mux would use for r, as
// ServeMux.Handler does.
func (m *Memo) Handler(r *http.Request) (http.Handler, string) {
	if e, ok := m.lookup(r); ok {
		return e.h, e.pattern
	}
	h, pattern := m.mux.Handler(r)
	if exact(pattern, r.Method, r.URL.Path) && r.URL.RawPath == "" {
		m.add(key{r.Method, r.URL.Path}, entry{h, pattern})
	}
	return h, pattern
}

func (m *Memo) lookup(r *http.Request) (entry, bool) {
	if r.URL.RawPath != "" {
		return entry{}, false // escaped paths are matched segment by segment
	}
	e, ok := (*m.known.Load())[key{r.Method, r.URL.Path}]
	return e, ok
}

// learn records the handler of an exact pattern the mux chose for method
// and path, asking the mux once more for the handler itself (once per
// pattern and method, ever).
func (m *Memo) learn(method, path, pattern string) {
	if !exact(pattern, method, path) {
		return
	}
	if _, ok := (*m.known.Load())[key{method, path}]; ok {
		return
	}
	h, again := m.mux.Handler(&http.Request{Method: method, URL: &url.URL{Path: path}})
	if again != pattern {
		return // cannot happen without host patterns; never guess
	}
	m.add(key{method, path}, entry{h, pattern})
}

// add copies the table with one more entry. The table only ever holds
// keys whose path is an exact pattern's and whose method is that pattern's
// (HEAD for a GET pattern, a standard method for a method-less one), so it
// is bounded by the mux's patterns, whatever clients send.
func (m *Memo) add(k key, e entry) {
	m.mu.Lock()
	defer m.mu.Unlock()
	old := *m.known.Load()
	if _, ok := old[k]; ok {
		return
	}
	next := make(map[key]entry, len(old)+1)
	for k, v := range old {
		next[k] = v
	}
	next[k] = e
	m.known.Store(&next)
}

// exact reports whether pattern matches exactly path, with no host, no
// wildcard, no subtree and no escape, and names method, serves it as GET
// (HEAD), or names no method at all. Method-less patterns (the dialects
// register theirs so, to answer 405 in their own format) are remembered
// only for the standard methods: the method is the client's, and the memo
// must stay bounded by the patterns.
func exact(pattern, method, path string) bool {
	rest := pattern
	if pm, after, ok := strings.Cut(pattern, " "); ok {
		if pm != method && !(pm == http.MethodGet && method == http.MethodHead) {
			return false
		}
		rest = strings.TrimLeft(after, " \t")
	} else if !standard(method) {
		return false
	}
	if rest != path || !strings.HasPrefix(rest, "/") || strings.HasSuffix(rest, "/") {
		return false
	}
	return !strings.ContainsAny(rest, "{}%")
}

func standard(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
		return true
	}
	return false
}
