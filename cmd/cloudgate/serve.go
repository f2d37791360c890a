package main

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/cloudgate/cloudgate/internal/config"
	"github.com/cloudgate/cloudgate/internal/secret"
	"github.com/cloudgate/cloudgate/internal/seed"
	"github.com/cloudgate/cloudgate/internal/server"
	"github.com/cloudgate/cloudgate/internal/store/backend"
	"github.com/cloudgate/cloudgate/internal/tlsutil"
)

type serveFlags struct {
	store          config.Store
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
	maxStale       time.Duration
	auditLog       string
}

func (a *app) serve(ctx context.Context, args []string) error {
	var f serveFlags
	fs := a.newFlags("serve", "serve [flags]")
	config.AddStoreFlags(fs, &f.store)
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
	fs.IntVar(&f.hashWorkers, "hash-workers", runtime.NumCPU(), "password hashes computed at once (each holds 19 MiB and a core)")
	fs.DurationVar(&f.maxStale, "max-stale", server.DefaultMaxStale,
		"serve sessions from memory for at most this `long` while the database cannot be read (then 503); 0 = without bound")
	fs.StringVar(&f.auditLog, "audit-log", "", "also write audit events as JSON lines to this `file` (\"-\": standard output)")
	if _, err := a.parse(fs, args, 0, 0); err != nil {
		return err
	}
	auditLog, closeAuditLog, err := a.openAuditLog(f.auditLog)
	if err != nil {
		return err
	}
	defer closeAuditLog()
	log, err := a.logger(f.logLevel, f.logFormat)
	if err != nil {
		return err
	}
	dialects, err := server.ParseDialects(f.dialects)
	if err != nil {
		return usageError{err.Error()}
	}
	proxies, err := server.ParseProxies(f.trustedProxies)
	if err != nil {
		return usageError{err.Error()}
	}
	if (f.tlsCert == "") != (f.tlsKey == "") {
		return usagef("--tls-cert and --tls-key go together")
	}
	adminPassword := a.getenv("CLOUDGATE_ADMIN_PASSWORD")
	if adminPassword != "" {
		if err := secret.CheckNewPassword(adminPassword, secret.MinPasswordRunes); err != nil {
			return usagef("CLOUDGATE_ADMIN_PASSWORD: %v", err)
		}
	}
	var seedFile seed.File
	if f.seed != "" {
		if seedFile, err = seed.Load(f.seed); err != nil {
			return fmt.Errorf("seed: %w", err)
		}
	}

	if f.hashWorkers < 1 || f.hashWorkers > 64 {
		return usagef("--hash-workers must be 1-64")
	}
	st, err := backend.Open(ctx, f.store.ResolvedDSN(), backend.WithLog(log))
	if err != nil {
		return err
	}
	if f.maxStale < 0 {
		return usagef("--max-stale must not be negative")
	}
	maxStale := f.maxStale
	if maxStale == 0 {
		maxStale = -1 // server.Options: negative = no bound
	}
	srv, err := server.New(ctx, server.Options{Store: st, PublicURL: f.publicURL, TrustedProxies: proxies,
		Dialects: dialects, Log: log, Build: "cloudgate-" + version, MaxStale: maxStale,
		Hasher: secret.HasherConfig{Workers: f.hashWorkers}, AuditLog: auditLog})
	if err != nil {
		st.Close()
		return err
	}
	defer srv.Close()

	generated := false
	if adminPassword == "" {
		adminPassword, generated = generatePassword(), true
	}
	created, err := srv.Directory().EnsureAdmin(ctx, adminPassword)
	if err != nil {
		return fmt.Errorf("creating the administrator: %w", err)
	}
	if f.seed != "" {
		rep, err := seed.Apply(ctx, srv.Directory(), seedFile)
		if err != nil {
			return fmt.Errorf("seed %s: %w", f.seed, err)
		}
		log.Info("seed applied", "file", f.seed, "result", rep.String())
	}

	hs := srv.HTTPServer()
	scheme := "http"
	if !f.plainHTTP {
		scheme = "https"
		cert, err := a.certificate(f)
		if err != nil {
			return err
		}
		hs.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	if f.debugListen != "" {
		if err := startDebug(f.debugListen, log); err != nil {
			return err
		}
	}
	ln, err := net.Listen("tcp", f.listen)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "cloudgate %s listening on %s://%s (store: %s)\n", version, scheme, ln.Addr(), st.Backend())
	if created {
		if generated {
			fmt.Fprintf(a.stdout, "created user administrator@System; its password, shown only this once:\n    %s\n", adminPassword)
		} else {
			fmt.Fprintln(a.stdout, "created user administrator@System with the password from CLOUDGATE_ADMIN_PASSWORD")
		}
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
	// and close the store (deferred srv.Close).
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		log.Warn("shutdown did not finish cleanly", "err", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func (a *app) certificate(f serveFlags) (tls.Certificate, error) {
	if f.tlsCert != "" {
		cert, err := tls.LoadX509KeyPair(f.tlsCert, f.tlsKey)
		if err != nil {
			return cert, fmt.Errorf("loading --tls-cert/--tls-key: %w", err)
		}
		return cert, nil
	}
	dir := filepath.Join(f.store.DataDir, "tls")
	cert, created, err := tlsutil.SelfSigned(dir)
	if err != nil {
		return cert, fmt.Errorf("self-signed certificate in %s: %w", dir, err)
	}
	verb := "using"
	if created {
		verb = "generated"
	}
	fmt.Fprintf(a.stdout, "%s self-signed TLS certificate %s\n    SHA-256 fingerprint %s\n", verb, filepath.Join(dir, "cert.pem"), tlsutil.Fingerprint(cert))
	return cert, nil
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
