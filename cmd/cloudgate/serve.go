package main

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/cloudgate/cloudgate/internal/config"
	"github.com/cloudgate/cloudgate/internal/gate"
	"github.com/cloudgate/cloudgate/internal/secret"
	"github.com/cloudgate/cloudgate/internal/seed"
	"github.com/cloudgate/cloudgate/internal/server"
	"github.com/cloudgate/cloudgate/internal/store/backend"
	"github.com/cloudgate/cloudgate/internal/tlsutil"
)

// serve runs in four steps, each with one job: the flags are parsed
// (serveFlags, with the environment), validated into a serveConfig
// without opening anything, then the store and server are opened, then
// the listener runs until the context ends. A bad flag therefore never
// leaves a database open or a file written.

func serveCommand() *command {
	return &command{name: "serve", summary: "run the server (HTTPS on 127.0.0.1:8443 by default)",
		help: `On first start it creates administrator@System with the password of
CLOUDGATE_ADMIN_PASSWORD, or a generated one it prints once. SIGINT and
SIGTERM stop accepting connections, let requests in flight finish, write
pending session activity and close the database.`,
		flags: serveFlagsOf}
}

type serveFlags struct {
	store          *config.Store
	listen         string
	publicURL      string
	seed           string
	plainHTTP      bool
	tlsCert        string
	tlsKey         string
	dialects       string
	trustedProxies string
	logLevel       string
	logFormat      string
	hashWorkers    int
	debugListen    string
	metricsListen  string
	maxStale       time.Duration
	auditLog       string
	printEnv       bool
	gate           gateFlags
}

// serveFlagsOf registers serve's flags; the run it returns validates them,
// then opens and runs the server.
func serveFlagsOf(fs *flag.FlagSet) runFunc {
	f := &serveFlags{store: storeFlags(fs)}
	fs.StringVar(&f.listen, "listen", "127.0.0.1:8443", "`address` to listen on")
	fs.StringVar(&f.publicURL, "public-url", "", "scheme://host[:port] used in hrefs and LoginUrl (default: from each request)")
	fs.StringVar(&f.seed, "seed", "", "YAML `file` of orgs and users to create at start (idempotent)")
	fs.BoolVar(&f.plainHTTP, "http", false, "serve plain HTTP (only behind a TLS-terminating proxy)")
	fs.StringVar(&f.tlsCert, "tls-cert", "", "TLS certificate `file` (PEM); default: a self-signed one in <data>/tls")
	fs.StringVar(&f.tlsKey, "tls-key", "", "TLS private key `file` (PEM)")
	fs.StringVar(&f.dialects, "dialects", strings.Join(server.Dialects(), ","), "comma-separated dialects to serve")
	fs.StringVar(&f.trustedProxies, "trusted-proxies", "", "comma-separated CIDRs whose X-Forwarded-For is believed")
	fs.StringVar(&f.logLevel, "log-level", "info", "debug, info, warn or error")
	fs.StringVar(&f.logFormat, "log-format", "text", "text or json")
	fs.StringVar(&f.debugListen, "debug-listen", "", "loopback `address` for Go profiling (net/http/pprof); off by default")
	fs.StringVar(&f.metricsListen, "metrics-listen", defaultMetricsListen, "`address` serving Prometheus /metrics in plain HTTP (off: none); never the public listener")
	fs.IntVar(&f.hashWorkers, "hash-workers", 0, "password hashes computed at once, 1-64 (each holds 19 MiB and a core); 0: the number of CPUs")
	fs.DurationVar(&f.maxStale, "max-stale", server.DefaultMaxStale,
		"serve sessions from memory for at most this `duration` while the database cannot be read (then 503); 0 = without bound")
	fs.BoolVar(&f.printEnv, "print-env", false, "print the environment (VCD_URL, VCD_ORG, VCD_USER, ...) for the Go SDK and the Terraform provider at start")
	fs.StringVar(&f.auditLog, "audit-log", "", "also write audit events as JSON lines to this `file` (\"-\": standard output)")
	addGateFlags(fs, &f.gate)
	return func(ctx context.Context, a *app, _ []string) error {
		cfg, err := a.validateServe(f)
		if err != nil {
			return err
		}
		auditLog, closeAuditLog, err := a.openAuditLog(f.auditLog)
		if err != nil {
			return err
		}
		defer closeAuditLog()
		cfg.auditLog = auditLog
		// Made before the store opens: startup frees argon2id buffers,
		// and a ballast laid over freed pages would be zeroed, i.e. made
		// resident.
		ballast := heapBallast(os.Getenv)
		defer runtime.KeepAlive(ballast)
		srv, created, err := a.openServe(ctx, cfg)
		if err != nil {
			return err
		}
		defer srv.Close()
		return a.runServe(ctx, cfg, srv, created)
	}
}

// serveConfig is serve's validated configuration.
type serveConfig struct {
	flags         *serveFlags
	log           *slog.Logger
	dialects      []string
	proxies       []netip.Prefix
	adminPassword string
	generated     bool // adminPassword was generated, not from the environment
	seed          seed.File
	maxStale      time.Duration
	hashWorkers   int
	cert          *tls.Certificate // nil for --http
	selfSigned    bool
	gate          *gate.Options
	auditLog      io.Writer // nil: no audit stream
}

// validateServe checks every flag and reads the files they name; it opens
// no database and no listener. Misuse is a usageError (exit status 2).
func (a *app) validateServe(f *serveFlags) (*serveConfig, error) {
	c := &serveConfig{flags: f}
	var err error
	if c.log, err = a.logger(f.logLevel, f.logFormat); err != nil {
		return nil, err
	}
	if c.dialects, err = server.ParseDialects(f.dialects); err != nil {
		return nil, usageError{err.Error()}
	}
	if c.proxies, err = server.ParseProxies(f.trustedProxies); err != nil {
		return nil, usageError{err.Error()}
	}
	if f.publicURL != "" {
		u, err := url.Parse(f.publicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, usagef("--public-url %q: want scheme://host[:port]", f.publicURL)
		}
	}
	if _, _, err := net.SplitHostPort(f.listen); err != nil {
		return nil, usagef("--listen %q: %v", f.listen, err)
	}
	if f.debugListen != "" {
		if err := checkDebugAddr(f.debugListen); err != nil {
			return nil, err
		}
	}
	if !metricsOff(f.metricsListen) {
		if _, _, err := net.SplitHostPort(f.metricsListen); err != nil {
			return nil, usagef("--metrics-listen %q: %v (want host:port, or off)", f.metricsListen, err)
		}
	}
	switch c.hashWorkers = f.hashWorkers; {
	case c.hashWorkers == 0:
		c.hashWorkers = min(runtime.NumCPU(), 64)
	case c.hashWorkers < 1 || c.hashWorkers > 64:
		return nil, usagef("--hash-workers must be 1-64 (or 0: the number of CPUs)")
	}
	switch {
	case f.maxStale < 0:
		return nil, usagef("--max-stale must not be negative")
	case f.maxStale == 0:
		c.maxStale = -1 // server.Options: negative = no bound
	default:
		c.maxStale = f.maxStale
	}
	if (f.tlsCert == "") != (f.tlsKey == "") {
		return nil, usagef("--tls-cert and --tls-key go together")
	}
	if f.plainHTTP && f.tlsCert != "" {
		return nil, usagef("--http and --tls-cert exclude each other")
	}
	c.adminPassword = a.getenv("CLOUDGATE_ADMIN_PASSWORD")
	if c.adminPassword != "" {
		if err := secret.CheckNewPassword(c.adminPassword, secret.MinPasswordRunes); err != nil {
			return nil, usagef("CLOUDGATE_ADMIN_PASSWORD: %v", err)
		}
	} else {
		c.adminPassword, c.generated = generatePassword(), true
	}
	if f.seed != "" {
		if c.seed, err = seed.Load(f.seed); err != nil {
			return nil, fmt.Errorf("seed: %w", err)
		}
	}
	if c.gate, err = f.gate.options(f.store.DataDir); err != nil {
		return nil, err
	}
	if !f.plainHTTP {
		cert, selfSigned, err := a.certificate(f)
		if err != nil {
			return nil, err
		}
		c.cert, c.selfSigned = &cert, selfSigned
	}
	return c, nil
}

// openServe opens the store and builds the server, then makes sure the
// administrator exists and applies the seed. It reports whether it created
// the administrator. On error nothing is left open.
func (a *app) openServe(ctx context.Context, c *serveConfig) (*server.Server, bool, error) {
	st, err := backend.Open(ctx, c.flags.store.ResolvedDSN(), backend.WithLog(c.log))
	if err != nil {
		return nil, false, err
	}
	srv, err := server.New(ctx, server.Options{Store: st, PublicURL: c.flags.publicURL, TrustedProxies: c.proxies,
		Dialects: c.dialects, Log: c.log, Build: "cloudgate-" + buildVersion(), MaxStale: c.maxStale,
		Hasher: secret.HasherConfig{Workers: c.hashWorkers}, Gate: c.gate, AuditLog: c.auditLog})
	if err != nil {
		st.Close()
		return nil, false, err
	}
	created, err := srv.Directory().EnsureAdmin(ctx, c.adminPassword)
	if err != nil {
		srv.Close()
		return nil, false, fmt.Errorf("creating the administrator: %w", err)
	}
	if c.flags.seed != "" {
		rep, err := seed.Apply(ctx, srv.Directory(), c.seed)
		if err != nil {
			srv.Close()
			return nil, false, fmt.Errorf("seed %s: %w", c.flags.seed, err)
		}
		c.log.Info("seed applied", "file", c.flags.seed, "result", rep.String())
	}
	return srv, created, nil
}

// runServe listens and serves until ctx ends, then shuts down gracefully.
func (a *app) runServe(ctx context.Context, c *serveConfig, srv *server.Server, created bool) error {
	hs := srv.HTTPServer()
	scheme := "http"
	if c.cert != nil {
		scheme = "https"
		hs.TLSConfig = &tls.Config{Certificates: []tls.Certificate{*c.cert}, MinVersion: tls.VersionTLS12}
	}
	if c.flags.debugListen != "" {
		if err := startDebug(c.flags.debugListen, c.log); err != nil {
			return err
		}
	}
	ln, err := net.Listen("tcp", c.flags.listen)
	if err != nil {
		return err
	}
	if !metricsOff(c.flags.metricsListen) {
		ms, maddr, err := startMetrics(c.flags.metricsListen, srv.MetricsHandler(), c.log)
		if err != nil {
			ln.Close()
			return err
		}
		defer ms.Close()
		fmt.Fprintf(a.stdout, "metrics on http://%s/metrics\n", maddr)
	}
	fmt.Fprintf(a.stdout, "cloudgate %s listening on %s://%s (store: %s)\n", buildVersion(), scheme, ln.Addr(), srv.Store().Backend())
	fmt.Fprintf(a.stdout, "open %s://%s/provider/ in a browser to sign in (tenants: /tenant/ORG/)\n", scheme, ln.Addr())
	if created {
		if c.generated {
			fmt.Fprintf(a.stdout, "created user administrator@System; its password, shown only this once:\n    %s\n", c.adminPassword)
		} else {
			fmt.Fprintln(a.stdout, "created user administrator@System with the password from CLOUDGATE_ADMIN_PASSWORD")
		}
	}
	if c.flags.printEnv {
		a.printEnv(c, scheme, ln.Addr(), created)
	}

	errc := make(chan error, 1)
	go func() {
		if hs.TLSConfig != nil {
			errc <- hs.ServeTLS(ln, "", "")
		} else {
			errc <- hs.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// Stop accepting, let requests in flight finish, then flush sessions
	// and close the store (the caller's srv.Close).
	c.log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		c.log.Warn("shutdown did not finish cleanly", "err", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// printEnv prints what the Go SDK's users and the Terraform provider
// (VCD_* variables) need to reach this server as administrator@System.
// The password appears only when it is the generated one printed just
// above; one from CLOUDGATE_ADMIN_PASSWORD is never echoed.
func (a *app) printEnv(c *serveConfig, scheme string, addr net.Addr, created bool) {
	base := c.flags.publicURL
	if base == "" {
		host, port, _ := net.SplitHostPort(addr.String())
		if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
			host = "127.0.0.1"
		}
		base = scheme + "://" + net.JoinHostPort(host, port)
	}
	fmt.Fprintln(a.stdout, "# for the Go SDK (govcd.NewVCDClient) and the Terraform provider:")
	fmt.Fprintf(a.stdout, "export VCD_URL=%s/api\n", strings.TrimSuffix(base, "/"))
	fmt.Fprintln(a.stdout, "export VCD_ORG=System")
	fmt.Fprintln(a.stdout, "export VCD_USER=administrator")
	switch {
	case created && c.generated:
		fmt.Fprintf(a.stdout, "export VCD_PASSWORD=%s\n", c.adminPassword)
	case c.generated:
		fmt.Fprintln(a.stdout, "# VCD_PASSWORD: the password printed when administrator@System was created")
	default:
		fmt.Fprintln(a.stdout, "# VCD_PASSWORD: the value of CLOUDGATE_ADMIN_PASSWORD at the first start")
	}
	if c.selfSigned {
		fmt.Fprintln(a.stdout, "export VCD_ALLOW_UNVERIFIED_SSL=true   # self-signed certificate; govcd.NewVCDClient(url, true)")
	}
}

// certificate loads --tls-cert/--tls-key, or makes (or reuses) the
// self-signed certificate in <data>/tls; it reports which.
func (a *app) certificate(f *serveFlags) (tls.Certificate, bool, error) {
	if f.tlsCert != "" {
		cert, err := tls.LoadX509KeyPair(f.tlsCert, f.tlsKey)
		if err != nil {
			return cert, false, usagef("loading --tls-cert/--tls-key: %v", err)
		}
		return cert, false, nil
	}
	dir := filepath.Join(f.store.DataDir, "tls")
	cert, created, err := tlsutil.SelfSigned(dir)
	if err != nil {
		return cert, true, fmt.Errorf("self-signed certificate in %s: %w", dir, err)
	}
	verb := "using"
	if created {
		verb = "generated"
	}
	fmt.Fprintf(a.stdout, "%s self-signed TLS certificate %s\n    SHA-256 fingerprint %s\n", verb, filepath.Join(dir, "cert.pem"), tlsutil.Fingerprint(cert))
	return cert, true, nil
}

func generatePassword() string {
	return base64.RawURLEncoding.EncodeToString(secret.RandomBytes(15))
}

func (a *app) logger(level, format string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, usagef("--log-level %q: want debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(a.stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(a.stderr, opts)), nil
	}
	return nil, usagef("--log-format %q: want text or json", format)
}
