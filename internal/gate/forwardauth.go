package gate

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/cloudgate/cloudgate/internal/apierr"
)

// ForwardAuthPath is the forward-auth endpoint. No dialect uses /cloudgate.
// Envoy's ext_authz sends the original method and path appended to its
// path_prefix, so the subtree answers too.
const ForwardAuthPath = "/cloudgate/forward-auth"

// forwardAuth tells a proxy whether the request it holds may pass: 200
// with the identity headers for it to copy upstream, or the refusal in the
// original path's dialect (401, 403, 400). The original method and URI
// come from X-Forwarded-Method/-Uri (Traefik, Caddy), X-Original-Method/
// -URI (nginx, as docs/gate.md configures it), or this request's own
// method and the path below ForwardAuthPath (Envoy). Anyone may call it:
// the answer concerns only the caller's own session.
func (g *Gate) forwardAuth(w http.ResponseWriter, r *http.Request) {
	method, uri := original(r)
	path, rawQuery, _ := strings.Cut(uri, "?")
	if strings.IndexByte(path, '%') >= 0 {
		// Decoded as the upstream will route it (the restriction table
		// works on decoded paths, as the proxy's r.URL.Path is).
		var err error
		if path, err = url.PathUnescape(path); err != nil {
			path = ""
		}
	}
	if !strings.HasPrefix(path, "/") {
		refuse(w, r, apierr.New(apierr.Invalid, "Forward-auth needs the original request: X-Forwarded-Method and X-Forwarded-Uri."))
		return
	}
	s, err := g.authorize(r, method, path, rawQuery)
	if err != nil {
		refuseFor(w, r, path, err)
		return
	}
	iss := g.issuerOf(r)
	id, err := g.assert.get(s, g.audienceOf(path, iss), iss)
	if err != nil {
		refuseFor(w, r, path, apierr.Wrap(apierr.Internal, err, "signing the identity assertion"))
		return
	}
	setIdentity(w.Header(), id)
	w.WriteHeader(http.StatusOK)
}

func original(r *http.Request) (method, uri string) {
	h := r.Header
	method, uri = first(h, "X-Forwarded-Method", "X-Original-Method"), first(h, "X-Forwarded-Uri", "X-Original-Uri")
	if rest, ok := strings.CutPrefix(r.URL.EscapedPath(), ForwardAuthPath); ok && strings.HasPrefix(rest, "/") {
		// Envoy: the original path follows the prefix.
		if uri == "" {
			uri = rest
			if r.URL.RawQuery != "" {
				uri += "?" + r.URL.RawQuery
			}
		}
		if method == "" {
			method = r.Method
		}
	}
	if method == "" {
		method = http.MethodGet
	}
	return method, uri
}

// first returns the first value of the first of names (canonical header
// keys: the map is indexed directly, as Header.Get would after
// canonicalising each name on every request) that has a non-empty one.
func first(h http.Header, names ...string) string {
	for _, n := range names {
		if v := h[n]; len(v) > 0 && v[0] != "" {
			return v[0]
		}
	}
	return ""
}
