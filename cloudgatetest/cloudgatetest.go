// Package cloudgatetest starts a real cloudgate server for tests of code
// that talks to Cloud Director, vCloud Air or the session-listing API: the
// real HTTP stack over TLS on 127.0.0.1, a real database (a fresh SQLite
// file unless Options.DSN names another), and seeded orgs and users.
//
// Start serves DefaultSeed; StartWith takes Options (a preset such as
// Tenants(2), a clock, the dialects, session timeouts, a PostgreSQL DSN).
// Server.Client returns a Client that logs in, sends requests and makes
// API tokens; any HTTP client or SDK works too, for example the Go SDK
// github.com/vmware/go-vcloud-director/v3:
//
//	srv := cloudgatetest.Start(t)
//	client := govcd.NewVCDClient(*srv.APIURL(), true)
//	err := client.Authenticate("alice", cloudgatetest.Password, "acme")
//
// Passwords are hashed with light parameters to keep tests fast; everything
// else runs as in production.
package cloudgatetest

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/cloudgate/cloudgate/internal/seed"
	"github.com/cloudgate/cloudgate/internal/server"
	"github.com/cloudgate/cloudgate/internal/testserver"
)

// Options says how to build a server. The zero value is Start's server.
type Options struct {
	// Seed is what the server holds besides administrator@System; nil
	// means DefaultSeed(). Presets: DefaultSeed, ProviderOnly, Tenants.
	Seed *Seed
	// Now is the server's clock (nil: time.Now). Move it forward to test
	// idle timeouts and lifetimes without waiting.
	Now func() time.Time
	// Dialects served (nil: all): "vcd" (/api, /cloudapi), "vss"
	// (/auth/request-token, /v2/session), "vchs" (/api/vchs).
	Dialects []string
	// IdleTimeout ends a session after this long without a request, and
	// MaxLifetime this long after login (zero: the server's defaults, 30m
	// and 24h). Whole seconds, at least a minute.
	IdleTimeout time.Duration
	MaxLifetime time.Duration
	// DSN is the database: "" for a fresh SQLite file in a temporary
	// directory, "postgres://..." for PostgreSQL (the database must exist;
	// the server migrates it), "sqlite:///path/file.db" to keep one file
	// between servers.
	DSN string
	// Log receives the server's log as text lines (nil: discarded).
	Log io.Writer
}

// Dialects lists every dialect a server can serve.
func Dialects() []string { return server.Dialects() }

// Server is a running cloudgate server.
type Server struct {
	// URL is https://127.0.0.1:PORT, without a trailing slash.
	URL string

	inner *testserver.Server
	seed  Seed
	dir   string // temporary directory New made, removed by Close
}

// Start starts a server with DefaultSeed and stops it when the test ends.
// It stops the test if the server cannot start.
func Start(tb testing.TB) *Server {
	tb.Helper()
	return StartWith(tb, Options{})
}

// StartWith starts a server built from o and stops it when the test ends.
// It stops the test if o is invalid or the server cannot start.
func StartWith(tb testing.TB, o Options) *Server {
	tb.Helper()
	s, err := New(o)
	if err != nil {
		tb.Fatalf("cloudgatetest: %v", err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("cloudgatetest: closing: %v", err)
		}
	})
	return s
}

// New starts a server built from o outside a test (for examples, TestMain
// or a long-lived fixture); the caller must Close it. It returns an error,
// and leaves nothing running, if o is invalid or the server cannot start.
func New(o Options) (*Server, error) {
	sd := DefaultSeed()
	if o.Seed != nil {
		sd = o.Seed
	}
	opts := []testserver.Option{testserver.WithSeed(sd.internal()), testserver.WithDSN(o.DSN)}
	if o.Now != nil {
		opts = append(opts, testserver.WithClock(o.Now))
	}
	if o.Dialects != nil {
		opts = append(opts, testserver.WithDialects(o.Dialects...))
	}
	if o.Log != nil {
		opts = append(opts, testserver.WithLogger(slog.New(slog.NewTextHandler(o.Log, nil))))
	}
	for _, t := range []struct {
		name string
		d    time.Duration
	}{{"session-idle-timeout", o.IdleTimeout}, {"session-max-lifetime", o.MaxLifetime}} {
		switch {
		case t.d == 0:
		case t.d < time.Minute || t.d%time.Second != 0:
			return nil, fmt.Errorf("%s %v: want whole seconds, at least a minute", t.name, t.d)
		default:
			opts = append(opts, testserver.WithSetting(t.name, t.d.String()))
		}
	}
	dir, err := os.MkdirTemp("", "cloudgatetest-")
	if err != nil {
		return nil, err
	}
	inner, err := testserver.Open(dir, opts...)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return &Server{URL: inner.URL, inner: inner, seed: *sd, dir: dir}, nil
}

// Close stops the server: it stops accepting connections, writes pending
// session activity, closes the database and removes its temporary files.
// It returns the first error met.
func (s *Server) Close() error {
	err := s.inner.Close()
	return errors.Join(err, os.RemoveAll(s.dir))
}

// APIURL returns URL + "/api", the address the Go SDK (govcd.NewVCDClient)
// and the Terraform provider (VCD_URL) expect.
func (s *Server) APIURL() *url.URL {
	u, _ := url.Parse(s.URL + "/api")
	return u
}

// HTTPClient returns an HTTP client that trusts the server's certificate
// (and no other).
func (s *Server) HTTPClient() *http.Client { return s.inner.Client() }

// Client returns a new Client with no session.
func (s *Server) Client() *Client { return NewClient(s.URL, s.HTTPClient()) }

// CertificatePEM returns the server's self-signed certificate in PEM, for
// clients in other processes that should verify it (SSL_CERT_FILE,
// curl --cacert) instead of skipping verification.
func (s *Server) CertificatePEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.certificate().Raw})
}

func (s *Server) certificate() *x509.Certificate { return s.inner.Certificate() }

// Seed returns the orgs and users the server was seeded with.
func (s *Server) Seed() Seed { return s.seed }

// Env returns the environment the Cloud Director Terraform provider and
// SDK-based tools read to log in as user@org: VCD_URL, VCD_ORG, VCD_USER,
// VCD_PASSWORD and VCD_ALLOW_UNVERIFIED_SSL=true (the certificate is
// self-signed), as "NAME=value" strings for exec.Cmd.Env.
func (s *Server) Env(user, password, org string) []string {
	return []string{"VCD_URL=" + s.APIURL().String(), "VCD_ORG=" + org, "VCD_USER=" + user,
		"VCD_PASSWORD=" + password, "VCD_ALLOW_UNVERIFIED_SSL=true"}
}

func (sd *Seed) internal() seed.File {
	var f seed.File
	for _, o := range sd.Orgs {
		so := seed.Org{Name: o.Name, FullName: o.FullName, Description: o.Description}
		for _, u := range o.Users {
			so.Users = append(so.Users, seed.User{Name: u.Name, Password: u.Password, Role: u.Role, FullName: u.FullName})
		}
		f.Orgs = append(f.Orgs, so)
	}
	return f
}

// realm is the OAuth realm of org: "provider" for System, else
// "tenant/ORG".
func realm(org string) string {
	if strings.EqualFold(org, SystemOrg) {
		return "provider"
	}
	return "tenant/" + org
}
