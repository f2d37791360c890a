// Package testserver starts a real cloudgate server inside this
// repository's tests: the real HTTP stack over TLS on 127.0.0.1, a real
// SQLite database in the test's temporary directory, seeded orgs and users.
// Unlike the public cloudgatetest package it hands out the internal types
// (seed.File, server.Options, store.Store) the in-repo tests assert on.
package testserver

import (
	"context"
	"crypto/x509"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/cloudgate/cloudgate/internal/audit"
	"github.com/cloudgate/cloudgate/internal/secret"
	"github.com/cloudgate/cloudgate/internal/seed"
	"github.com/cloudgate/cloudgate/internal/server"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/store/backend"
	"github.com/cloudgate/cloudgate/internal/store/sqlite"
)

// Password is the password of every seeded user, and AdminPassword the
// System administrator's.
const (
	Password      = "Test-password-1"
	AdminPassword = "Admin-password-1"
)

// DefaultSeed has org "acme" with alice (Organization Administrator), bob
// (vApp Author) and carol (Console Access Only), and org "globex" with dave
// (Organization Administrator), all with Password.
func DefaultSeed() seed.File {
	return seed.File{Orgs: []seed.Org{
		{Name: "acme", FullName: "Acme Corporation", Users: []seed.User{
			{Name: "alice", Password: Password, Role: "Organization Administrator"},
			{Name: "bob", Password: Password, Role: "vApp Author"},
			{Name: "carol", Password: Password, Role: "Console Access Only"},
		}},
		{Name: "globex", FullName: "Globex", Users: []seed.User{
			{Name: "dave", Password: Password, Role: "Organization Administrator"},
		}},
	}}
}

// Option changes how Start builds the server.
type Option func(*options)

type options struct {
	seed     seed.File
	dsn      string
	now      func() time.Time
	dialects []string
	log      *slog.Logger
	tune     func(*server.Options)
	settings [][2]string
}

// WithSeed replaces DefaultSeed.
func WithSeed(f seed.File) Option { return func(o *options) { o.seed = f } }

// WithDSN uses another database (a PostgreSQL DSN, or an SQLite path to
// keep between servers) instead of a fresh SQLite file.
func WithDSN(dsn string) Option { return func(o *options) { o.dsn = dsn } }

// WithClock makes the server read time from now (for timeout tests).
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// WithDialects serves only the named dialects.
func WithDialects(d ...string) Option { return func(o *options) { o.dialects = d } }

// WithLogger sends the server's log to l (default: discarded).
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.log = l } }

// WithOptions adjusts the server options directly (background intervals,
// hash parameters).
func WithOptions(fn func(*server.Options)) Option { return func(o *options) { o.tune = fn } }

// WithSetting stores a provider-wide setting (for example
// "session-idle-timeout", "30m") before the server takes requests.
func WithSetting(name, value string) Option {
	return func(o *options) { o.settings = append(o.settings, [2]string{name, value}) }
}

// Server is a running test server.
type Server struct {
	// URL is https://127.0.0.1:port.
	URL string
	// Server exposes the services for assertions.
	Server *server.Server
	http   *httptest.Server
}

// URLParsed returns URL parsed.
func (s *Server) URLParsed() *url.URL {
	u, _ := url.Parse(s.URL)
	return u
}

// Client returns an HTTP client that trusts the server's certificate.
func (s *Server) Client() *http.Client { return s.http.Client() }

// Store returns the server's store.
func (s *Server) Store() store.Store { return s.Server.Store() }

// Start starts a server and stops it when the test ends. Passwords are
// hashed with light argon2id parameters to keep tests fast; everything
// else is as in production.
func Start(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	s, err := Open(tb.TempDir(), opts...)
	if err != nil {
		tb.Fatalf("testserver: %v", err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("testserver: closing: %v", err)
		}
	})
	return s
}

// Open starts a server whose SQLite database (unless WithDSN) lives in
// dir; the caller calls Close. It returns an error if the store cannot be
// opened, the server not built or the seed not applied; nothing is left
// running then.
func Open(dir string, opts ...Option) (*Server, error) {
	o := options{seed: DefaultSeed(), log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for _, fn := range opts {
		fn(&o)
	}
	ctx := context.Background()
	var st store.Store
	var err error
	if o.dsn != "" {
		st, err = backend.Open(ctx, o.dsn)
	} else {
		st, err = sqlite.Open(ctx, filepath.Join(dir, "cloudgate.db"))
	}
	if err != nil {
		return nil, fmt.Errorf("opening the store: %w", err)
	}
	so := server.Options{Store: st, Dialects: o.dialects, Log: o.log, Now: o.now, Build: "cloudgate-test",
		Hasher:        secret.HasherConfig{Params: secret.Params{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}},
		FeedInterval:  50 * time.Millisecond,
		FlushInterval: 50 * time.Millisecond,
	}
	if o.tune != nil {
		o.tune(&so)
	}
	srv, err := server.New(ctx, so)
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("starting the server: %w", err)
	}
	if _, err := srv.Directory().EnsureAdmin(ctx, AdminPassword); err != nil {
		srv.Close()
		return nil, fmt.Errorf("creating the administrator: %w", err)
	}
	if _, err := seed.Apply(ctx, srv.Directory(), o.seed); err != nil {
		srv.Close()
		return nil, fmt.Errorf("seeding: %w", err)
	}
	for _, kv := range o.settings {
		if err := srv.Settings().Set(ctx, audit.CLI(), kv[0], kv[1]); err != nil {
			srv.Close()
			return nil, fmt.Errorf("setting %s: %w", kv[0], err)
		}
	}
	hs := httptest.NewUnstartedServer(srv.Handler())
	base := srv.HTTPServer()
	hs.Config.ReadHeaderTimeout, hs.Config.ReadTimeout = base.ReadHeaderTimeout, base.ReadTimeout
	hs.Config.WriteTimeout, hs.Config.IdleTimeout, hs.Config.MaxHeaderBytes = base.WriteTimeout, base.IdleTimeout, base.MaxHeaderBytes
	hs.StartTLS()
	return &Server{URL: hs.URL, Server: srv, http: hs}, nil
}

// Close stops the HTTP server, then the cloudgate server (which writes
// pending session activity and closes the store).
func (s *Server) Close() error {
	s.http.Close()
	return s.Server.Close()
}

// Certificate returns the server's TLS certificate (self-signed, for
// 127.0.0.1).
func (s *Server) Certificate() *x509.Certificate { return s.http.Certificate() }

// Metrics returns the server's Prometheus exposition, read from its own
// handler (the public listener does not serve it).
func (s *Server) Metrics() string {
	rec := httptest.NewRecorder()
	s.Server.MetricsHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	return rec.Body.String()
}
