// Package gate puts a provider's other services behind cloudgate sessions.
// It is a reverse proxy for paths cloudgate does not answer itself, a
// forward-auth endpoint for proxies operators already run (nginx
// auth_request, Traefik forwardAuth, Caddy forward_auth, Envoy ext_authz),
// and the signer of the identity assertions both hand to upstreams, with
// the key set upstreams verify them against (/.well-known/jwks.json).
//
// A request's way through the proxy: Front (does cloudgate answer this
// path itself? mixed.go) → the route with the longest prefix → session
// resolved from the request's credentials (the session manager every
// dialect uses) → restriction table for token-born sessions (restrict.go)
// → assertion (signed once per session and audience, reused) → credentials
// and forged identity headers removed, identity headers set → upstream,
// bodies streamed both ways.
package gate

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cloudgate/cloudgate/internal/session"
	"github.com/cloudgate/cloudgate/internal/store"
)

// Options are the operator's settings (serve flags).
type Options struct {
	// Routes to upstreams; --upstream URL is the route "/".
	Routes []Route
	// Audiences override the "aud" for paths under a prefix (forward-auth
	// uses them too); default: the route's upstream origin, or the issuer.
	Audiences map[string]string
	// ConnectTimeout bounds connecting to an upstream (default 5s);
	// ResponseTimeout bounds waiting for its response headers once the
	// request is sent (default 60s). Past either: 504.
	ConnectTimeout  time.Duration
	ResponseTimeout time.Duration
	// IdleTimeout bounds a pause in a streamed body, either way (default
	// 60s): past it the exchange is cut (408 while the upload stalls, an
	// aborted response once the upstream's answer has begun).
	IdleTimeout time.Duration
	// KeySecret seals the signing keys in the store (see Keys).
	KeySecret []byte
	// KeyActivation and KeyRefresh tune Keys (zero: defaults).
	KeyActivation time.Duration
	KeyRefresh    time.Duration
}

// Resolver resolves a session token (session.Manager).
type Resolver interface {
	Resolve(ctx context.Context, token string) (*session.Session, error)
}

// Config wires a Gate.
type Config struct {
	Options
	Store    store.SigningKeys
	Sessions Resolver
	// PublicURL is the issuer of assertions; nil: the request's origin.
	PublicURL *url.URL
	// Trusted proxies may set X-Forwarded-For/-Proto/-Host.
	Trusted []netip.Prefix
	Log     *slog.Logger
	Now     func() time.Time
}

// Gate is the reverse proxy, the forward-auth endpoint and the key set.
type Gate struct {
	cfg     Config
	keys    *Keys
	assert  *assertions
	routes  table[*route]
	auds    table[string]
	nroutes int
	issuer  string
	// lastOrigin caches issuerOf without a public URL.
	lastOrigin atomic.Pointer[origin]
	bufs       bufferPool
	stopKeys   context.CancelFunc
	done       sync.WaitGroup
}

type route struct {
	Route
	proxy *httputil.ReverseProxy
}

// New builds a gate and loads (or creates) the signing keys.
func New(ctx context.Context, c Config) (*Gate, error) {
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.ConnectTimeout <= 0 {
		c.ConnectTimeout = 5 * time.Second
	}
	if c.ResponseTimeout <= 0 {
		c.ResponseTimeout = 60 * time.Second
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = 60 * time.Second
	}
	keys, err := NewKeys(KeysConfig{Store: c.Store, Secret: c.KeySecret, Now: c.Now, Log: c.Log,
		Activation: c.KeyActivation, Refresh: c.KeyRefresh})
	if err != nil {
		return nil, err
	}
	if err := keys.Load(ctx); err != nil {
		return nil, fmt.Errorf("signing keys: %w", err)
	}
	g := &Gate{cfg: c, keys: keys, assert: newAssertions(keys, c.Now)}
	if c.PublicURL != nil {
		g.issuer = strings.TrimSuffix(c.PublicURL.String(), "/")
	}
	transport := &http.Transport{
		DialContext:           (&net.Dialer{Timeout: c.ConnectTimeout, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   c.ConnectTimeout,
		ResponseHeaderTimeout: c.ResponseTimeout,
		ExpectContinueTimeout: time.Second,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          1024,
		MaxIdleConnsPerHost:   256,
		IdleConnTimeout:       90 * time.Second,
	}
	routes := map[string]*route{}
	auds := map[string]string{}
	for _, r := range c.Routes {
		if _, dup := routes[r.Prefix]; dup {
			return nil, fmt.Errorf("route prefix %q given twice", r.Prefix)
		}
		rt := &route{Route: r}
		rt.proxy = &httputil.ReverseProxy{Rewrite: g.rewrite(rt), Transport: transport, ErrorHandler: g.upstreamFailed,
			ModifyResponse: g.modifyResponse, BufferPool: &g.bufs,
			ErrorLog: slog.NewLogLogger(c.Log.Handler(), slog.LevelWarn)}
		routes[r.Prefix] = rt
		auds[r.Prefix] = r.Upstream.Scheme + "://" + r.Upstream.Host
		if r.Audience != "" {
			auds[r.Prefix] = r.Audience
		}
	}
	for p, a := range c.Audiences {
		auds[p] = a
	}
	g.routes, g.auds, g.nroutes = newTable(routes), newTable(auds), len(routes)
	return g, nil
}

// Start rereads the signing keys in the background until Close.
func (g *Gate) Start(ctx context.Context) {
	ctx, g.stopKeys = context.WithCancel(ctx)
	g.done.Add(1)
	go func() {
		defer g.done.Done()
		g.keys.run(ctx)
	}()
}

// Close stops the background work.
func (g *Gate) Close() {
	if g.stopKeys != nil {
		g.stopKeys()
		g.done.Wait()
	}
}

// Keys returns the signing keys.
func (g *Gate) Keys() *Keys { return g.keys }

// JWKSPath is where the key set is published.
const JWKSPath = "/.well-known/jwks.json"

// Mount registers the gate's own endpoints: the key set and forward-auth.
func (g *Gate) Mount(mux *http.ServeMux) {
	mux.HandleFunc("GET "+JWKSPath, g.jwks)
	mux.HandleFunc(ForwardAuthPath, g.forwardAuth)
	mux.HandleFunc(ForwardAuthPath+"/", g.forwardAuth)
}

// Own is cloudgate's own routing, as Front asks it: which pattern would
// answer a request, and answering it (a ServeMux, or route.Memo over one).
type Own interface {
	http.Handler
	Handler(r *http.Request) (http.Handler, string)
}

// Front returns own with the proxy in front: a request goes upstream when
// own would answer it with a catch-all, or with a pattern the table in
// mixed.go hands to the upstream. Without routes it returns own.
func (g *Gate) Front(own Own) http.Handler {
	if g.nroutes == 0 {
		return own
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == ForwardAuthPath {
			// The proxies in front ask this on every request they pass:
			// answered as own's pattern for it would answer (any method,
			// a clean path), without looking the path up in own twice.
			r.Pattern = ForwardAuthPath
			g.forwardAuth(w, r)
			return
		}
		_, pattern := own.Handler(r)
		rt, ok := g.routes.lookup(r.URL.Path)
		if !ok || !ToUpstream(pattern) {
			// cloudgate's own, or no route: cloudgate's own 404.
			own.ServeHTTP(w, r)
			return
		}
		g.serveProxy(w, r, rt)
	})
}

func (g *Gate) jwks(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h["Content-Type"] = []string{"application/jwk-set+json"}
	// Short enough that a rotated key is seen before it signs
	// (KeyActivation, default 2m).
	h["Cache-Control"] = []string{"public, max-age=60"}
	_, _ = w.Write(g.keys.FreshJWKS(r.Context())) // a failed write means the client left
}

// issuerOf is the assertion issuer: the public URL, else the request's
// origin.
func (g *Gate) issuerOf(r *http.Request) string {
	if g.issuer != "" {
		return g.issuer
	}
	// The last origin is kept: requests nearly always name the same host,
	// and building the string would cost an allocation each.
	tls := r.TLS != nil
	if o := g.lastOrigin.Load(); o != nil && o.host == r.Host && o.tls == tls {
		return o.iss
	}
	o := &origin{host: r.Host, tls: tls, iss: "http://" + r.Host}
	if tls {
		o.iss = "https://" + r.Host
	}
	g.lastOrigin.Store(o)
	return o.iss
}

type origin struct {
	host string
	tls  bool
	iss  string
}

// audienceOf is the audience for a path.
func (g *Gate) audienceOf(path, issuer string) string {
	if a, ok := g.auds.lookup(path); ok {
		return a
	}
	return issuer
}

// trusted reports whether the connection's peer is a trusted proxy.
func (g *Gate) trusted(r *http.Request) bool {
	if len(g.cfg.Trusted) == 0 {
		return false
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, p := range g.cfg.Trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// bufferPool recycles the proxy's copy buffers, so streaming a body costs
// no allocation per request.
type bufferPool struct{ p sync.Pool }

func (b *bufferPool) Get() []byte {
	if v, ok := b.p.Get().(*[]byte); ok {
		return *v
	}
	return make([]byte, 32<<10)
}

func (b *bufferPool) Put(buf []byte) { b.p.Put(&buf) }
