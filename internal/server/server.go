// Package server assembles cloudgate: it wires the store, the change feed,
// identity, sessions and the dialects into one http.Handler, runs the
// background work, and shuts it all down in order. It is the only package
// (with cmd) that knows every other.
package server

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/cloudgate/cloudgate/internal/apitoken"
	"github.com/cloudgate/cloudgate/internal/audittrail"
	"github.com/cloudgate/cloudgate/internal/feed"
	"github.com/cloudgate/cloudgate/internal/gate"
	"github.com/cloudgate/cloudgate/internal/identity"
	"github.com/cloudgate/cloudgate/internal/metrics"
	"github.com/cloudgate/cloudgate/internal/oauth"
	"github.com/cloudgate/cloudgate/internal/route"
	"github.com/cloudgate/cloudgate/internal/secret"
	"github.com/cloudgate/cloudgate/internal/serviceaccount"
	"github.com/cloudgate/cloudgate/internal/session"
	"github.com/cloudgate/cloudgate/internal/sessionapi"
	"github.com/cloudgate/cloudgate/internal/settings"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
	"github.com/cloudgate/cloudgate/internal/vcd"
	"github.com/cloudgate/cloudgate/internal/vcd/cloudapi"
	"github.com/cloudgate/cloudgate/internal/vcd/xmlapi"
	"github.com/cloudgate/cloudgate/internal/vchs"
	"github.com/cloudgate/cloudgate/internal/web"
)

// Options configure a Server.
type Options struct {
	// Store is open and migrated; the Server closes it.
	Store store.Store
	// PublicURL, if set, is the scheme://host[:port] hrefs use.
	PublicURL string
	// TrustedProxies may set X-Forwarded-For.
	TrustedProxies []netip.Prefix
	// Dialects to serve; nil means all.
	Dialects []string
	Log      *slog.Logger
	Now      func() time.Time
	Hasher   secret.HasherConfig
	// Build is the version string reported by /api/admin.
	Build string
	// FeedInterval, FlushInterval and SweepInterval tune background work
	// (zero: defaults). Tests shorten them.
	FeedInterval  time.Duration
	FlushInterval time.Duration
	SweepInterval time.Duration
	// MaxStale bounds how long sessions are served from memory while the
	// change feed cannot be read (database unreachable): past it they get
	// 503, since revocations made on other instances may be unheard.
	// Zero: DefaultMaxStale; negative: no bound.
	MaxStale time.Duration
	// Gate, when set, serves the key set and forward-auth, and proxies to
	// its routes (docs/gate.md).
	Gate *gate.Options
	// AuditLog, when set, receives every audit event as a JSON line.
	AuditLog io.Writer
}

// DefaultMaxStale is Options.MaxStale's default: long enough to ride out a
// database restart, short enough that a revocation acknowledged elsewhere
// is honoured within seconds even by an instance cut off from the database.
const DefaultMaxStale = 10 * time.Second

// Dialects lists every dialect a server can serve: Cloud Director (/api,
// /cloudapi), the session-listing API (/auth/request-token, /v2) and
// vCloud Air (/api/vchs).
func Dialects() []string { return []string{"vcd", sessionapi.Dialect, vchs.Dialect} }

// Server is a running cloudgate.
type Server struct {
	store    store.Store
	log      *slog.Logger
	feed     *feed.Feed
	settings *settings.Holder
	dir      *identity.Directory
	sessions *session.Manager
	tokens   *apitoken.Service
	accounts *serviceaccount.Service
	hasher   *secret.Hasher
	metrics  *metrics.Metrics
	handler  http.Handler
	trusted  []netip.Prefix
	fixed    fixedHeaders
	load     *loadMeter
	gate     *gate.Gate
	cancel   context.CancelFunc
	auditLog chan struct{} // closed when the --audit-log stream has stopped
}

// New wires a server and starts its background work. On error nothing is
// left running (the store stays open: the caller owns it until New succeeds).
func New(ctx context.Context, o Options) (*Server, error) {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	dialects := o.Dialects
	if dialects == nil {
		dialects = Dialects()
	}
	for _, d := range dialects {
		if !slices.Contains(Dialects(), d) {
			return nil, fmt.Errorf("unknown dialect %q (known: %s)", d, strings.Join(Dialects(), ", "))
		}
	}
	var publicURL *url.URL
	if o.PublicURL != "" {
		u, err := url.Parse(o.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			return nil, fmt.Errorf("--public-url %q: want scheme://host[:port] with no path", o.PublicURL)
		}
		publicURL = u
	}

	s := &Server{store: o.Store, log: o.Log, trusted: o.TrustedProxies, fixed: newFixedHeaders()}
	s.feed = feed.New(feed.Config{Store: o.Store, Interval: o.FeedInterval, Log: o.Log})
	var err error
	if s.settings, err = settings.Load(ctx, o.Store, s.feed, o.Now); err != nil {
		return nil, fmt.Errorf("loading settings: %w", err)
	}
	// Made before what it counts: the gauge reads s.sessions only when scraped.
	s.metrics = metrics.New(func() float64 { return float64(s.sessions.Active()) })
	s.load = newLoadMeter(busyRate, s.metrics.Requests)
	if o.Hasher.Busy == nil {
		o.Hasher.Busy = s.load.busy
	}
	s.hasher = secret.NewHasher(o.Hasher)
	s.dir = identity.New(identity.Config{Store: o.Store, Hasher: s.hasher, Feed: s.feed, Now: o.Now, Log: o.Log})
	if err := s.dir.Bootstrap(ctx); err != nil {
		s.hasher.Close()
		return nil, fmt.Errorf("bootstrap: %w", err)
	}
	maxStale := o.MaxStale
	if maxStale == 0 {
		maxStale = DefaultMaxStale
	}
	s.sessions = session.New(session.Config{Store: o.Store, Settings: s.settings, Feed: s.feed, Now: o.Now, Log: o.Log,
		FlushInterval: o.FlushInterval, SweepInterval: o.SweepInterval, SyncedAt: s.feed.SyncedAt, MaxStale: maxStale})
	s.tokens = apitoken.New(apitoken.Config{Store: o.Store, Directory: s.dir, Sessions: s.sessions, Feed: s.feed,
		Now: o.Now, Log: o.Log, FlushInterval: o.FlushInterval})
	s.accounts = serviceaccount.New(serviceaccount.Config{Store: o.Store, Directory: s.dir, Sessions: s.sessions, Feed: s.feed,
		Now: o.Now, Log: o.Log, Failures: s.tokens.Failures()})
	s.feed.Subscribe(s.settings.Apply)
	s.feed.Subscribe(s.sessions.Apply)
	s.feed.Subscribe(s.tokens.Apply)

	sys, err := s.dir.Org(ctx, identity.SystemOrgName)
	if err != nil {
		s.hasher.Close()
		return nil, err
	}
	// What both Cloud Director dialects share; each dialect's Config adds
	// only what that dialect uses.
	base := baseURL(publicURL)
	env := &vcd.Env{Sessions: s.sessions, Directory: s.dir, Metrics: s.metrics, Base: base, Log: o.Log,
		Now: o.Now, Site: vcd.Site{Name: "cloudgate", ID: siteID(sys.ID)}}

	// A dialect that is off is not mounted at all: its paths fall to the
	// enclosing 404 (/api/vchs/* to the /api one), never a 2xx, so clients
	// that probe a path to tell systems apart draw the right conclusion.
	mux := http.NewServeMux()
	if slices.Contains(dialects, "vcd") {
		xmlapi.New(xmlapi.Config{Env: env, Build: o.Build}).Mount(mux)
		cloudapi.New(cloudapi.Config{Env: env, Tokens: s.tokens, Accounts: s.accounts,
			AuditTrail: &audittrail.Service{Store: o.Store}}).Mount(mux)
		oauth.New(oauth.Config{Tokens: s.tokens, Accounts: s.accounts, Metrics: s.metrics, Base: base, Log: o.Log}).Mount(mux)
	}
	if slices.Contains(dialects, sessionapi.Dialect) {
		sessionapi.New(sessionapi.Config{Sessions: s.sessions, Directory: s.dir, Settings: s.settings, Metrics: s.metrics,
			Base: base, Log: o.Log, Now: o.Now}).Mount(mux)
	}
	if slices.Contains(dialects, vchs.Dialect) {
		vchs.New(vchs.Config{Sessions: s.sessions, Directory: s.dir, Settings: s.settings, Metrics: s.metrics,
			Base: base, Log: o.Log, Now: o.Now}).Mount(mux)
	}
	web.New(web.Config{Sessions: s.sessions, Directory: s.dir, Tokens: s.tokens, Accounts: s.accounts,
		Settings: s.settings, Base: base, Logins: s.metrics, PublicURL: publicURL, Log: o.Log, Now: o.Now}).Mount(mux)
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("/", notFound)
	routes := route.New(mux)
	var h http.Handler = routes
	if o.Gate != nil {
		if s.gate, err = gate.New(ctx, gate.Config{Options: *o.Gate, Store: o.Store, Sessions: s.sessions, PublicURL: publicURL,
			Trusted: o.TrustedProxies, Log: o.Log, Now: o.Now}); err != nil {
			s.hasher.Close()
			return nil, fmt.Errorf("gate: %w", err)
		}
		s.gate.Mount(mux)
		h = s.gate.Front(routes)
	}
	s.handler = s.middleware(h)

	bg, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.cancel = cancel
	if err := s.feed.Start(bg); err != nil {
		cancel()
		s.hasher.Close()
		return nil, fmt.Errorf("change feed: %w", err)
	}
	s.startAuditLog(bg, o.AuditLog)
	s.sessions.Start()
	s.tokens.Start()
	s.accounts.Start()
	if s.gate != nil {
		s.gate.Start(bg)
	}
	return s, nil
}

// siteID derives the installation's site id from its System org id, so it
// is stable across restarts without being stored.
func siteID(system urn.UUID) urn.UUID {
	sum := sha256.Sum256(append([]byte("cloudgate-site:"), system[:]...))
	var u urn.UUID
	copy(u[:], sum[:16])
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	return u
}

// baseURL returns the function every dialect builds absolute links with:
// the public URL if one is configured, else the scheme and Host of the
// request (clients such as govcd need links that carry the host and port
// they actually used).
func baseURL(public *url.URL) func(*http.Request) string {
	if public != nil {
		root := strings.TrimSuffix(public.String(), "/")
		return func(*http.Request) string { return root }
	}
	return func(r *http.Request) string {
		if r.TLS != nil {
			return "https://" + r.Host
		}
		return "http://" + r.Host
	}
}

// Handler is the whole public HTTP surface.
func (s *Server) Handler() http.Handler { return s.handler }

// MetricsHandler serves the Prometheus metrics; it is not part of Handler
// (operators serve it on a listener of their own, --metrics-listen).
func (s *Server) MetricsHandler() http.Handler { return s.metrics.Handler() }

// Directory, Sessions and Settings expose the services (admin tooling and
// tests use them).
func (s *Server) Directory() *identity.Directory    { return s.dir }
func (s *Server) Sessions() *session.Manager        { return s.sessions }
func (s *Server) Tokens() *apitoken.Service         { return s.tokens }
func (s *Server) Accounts() *serviceaccount.Service { return s.accounts }
func (s *Server) Settings() *settings.Holder        { return s.settings }
func (s *Server) Feed() *feed.Feed                  { return s.feed }
func (s *Server) Store() store.Store                { return s.store }

// HTTPServer returns an http.Server for the handler with hardened limits:
// bounded header size and read/write times, so a slow or oversized client
// cannot hold a connection or memory.
func (s *Server) HTTPServer() *http.Server {
	return &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
}

// Close stops background work, writes pending session activity and API
// token last-use times, and closes the store. Call it after the HTTP
// server has shut down.
func (s *Server) Close() error {
	s.cancel()
	if s.gate != nil {
		s.gate.Close()
	}
	s.waitAuditLog()
	s.sessions.Close()
	s.tokens.Close()
	s.accounts.Close()
	s.hasher.Close()
	return s.store.Close()
}

// healthz queries the store with a deadline: a wedged database turns the
// check red, not just a closed socket.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if err := s.store.Ping(ctx); err != nil {
		s.log.Warn("health check failed", "err", err)
		w.Header().Set("Retry-After", "2")
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintf(w, `{"status":"unavailable","store":%q}`+"\n", s.store.Backend())
		return
	}
	fmt.Fprintf(w, `{"status":"ok","store":%q}`+"\n", s.store.Backend())
}

func notFound(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusNotFound)
	w.Write([]byte(`{"error":"Not Found","message":"The requested resource does not exist.","status":404}` + "\n"))
}

// ParseProxies parses a comma-separated list of CIDRs or addresses.
func ParseProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if p, err := netip.ParsePrefix(part); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(part)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q is not an address or CIDR", part)
		}
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// ParseDialects parses the --dialects list.
func ParseDialects(s string) ([]string, error) {
	var out []string
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(strings.ToLower(part))
		if part == "" {
			continue
		}
		if !slices.Contains(Dialects(), part) {
			return nil, fmt.Errorf("unknown dialect %q (known: %s)", part, strings.Join(Dialects(), ", "))
		}
		if !slices.Contains(out, part) {
			out = append(out, part)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("--dialects: name at least one dialect")
	}
	sort.Strings(out)
	return out, nil
}
