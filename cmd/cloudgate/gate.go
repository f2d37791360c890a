package main

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cloudgate/cloudgate/internal/gate"
	"github.com/cloudgate/cloudgate/internal/secret"
)

// gateFlags are serve's gate settings (docs/gate.md).
type gateFlags struct {
	upstream        string
	routes          listFlag
	audiences       listFlag
	connectTimeout  time.Duration
	responseTimeout time.Duration
	idleTimeout     time.Duration
	secretFile      string
}

// listFlag is a repeatable flag; one value (or its environment variable)
// may also hold several, separated by commas.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	for _, part := range strings.Split(v, ",") {
		if part = strings.TrimSpace(part); part != "" {
			*l = append(*l, part)
		}
	}
	return nil
}

func addGateFlags(fs *flag.FlagSet, f *gateFlags) {
	fs.StringVar(&f.upstream, "upstream", "", "`URL` every path cloudgate does not answer itself is passed to (with a live session)")
	fs.Var(&f.routes, "route", "`PREFIX=URL`: paths under PREFIX go to URL (repeatable; longest prefix wins)")
	fs.Var(&f.audiences, "audience", "`PREFIX=AUDIENCE`: the aud of identity assertions for paths under PREFIX (repeatable)")
	fs.DurationVar(&f.connectTimeout, "upstream-connect-timeout", 5*time.Second, "bound on connecting to an upstream (then 504)")
	fs.DurationVar(&f.responseTimeout, "upstream-timeout", 60*time.Second, "bound on waiting for an upstream's response headers (then 504)")
	fs.DurationVar(&f.idleTimeout, "upstream-idle-timeout", 60*time.Second, "bound on a pause in a proxied body, either way (then the exchange is cut: 408 for a stalled upload)")
	fs.StringVar(&f.secretFile, "signing-secret-file", "", "`file` with the secret sealing the signing keys in the database (default <data>/signing-secret, created if missing; instances sharing a database need the same)")
}

// options turns the flags into gate options, reading (or creating) the
// signing secret.
func (f *gateFlags) options(dataDir string) (*gate.Options, error) {
	o := &gate.Options{ConnectTimeout: f.connectTimeout, ResponseTimeout: f.responseTimeout, IdleTimeout: f.idleTimeout}
	if f.connectTimeout <= 0 || f.responseTimeout <= 0 || f.idleTimeout <= 0 {
		return nil, usagef("--upstream-connect-timeout, --upstream-timeout and --upstream-idle-timeout must be positive")
	}
	if f.upstream != "" {
		u, err := gate.ParseUpstream(f.upstream)
		if err != nil {
			return nil, usagef("--upstream: %v", err)
		}
		o.Routes = append(o.Routes, gate.Route{Prefix: "/", Upstream: u})
	}
	for _, spec := range f.routes {
		r, err := gate.ParseRoute(spec)
		if err != nil {
			return nil, usagef("--route: %v", err)
		}
		o.Routes = append(o.Routes, r)
	}
	for _, spec := range f.audiences {
		p, a, err := gate.ParseAudience(spec)
		if err != nil {
			return nil, usagef("--audience: %v", err)
		}
		if o.Audiences == nil {
			o.Audiences = map[string]string{}
		}
		o.Audiences[p] = a
	}
	var err error
	if o.KeySecret, err = signingSecret(f.secretFile, dataDir); err != nil {
		return nil, err
	}
	return o, nil
}

// signingSecret reads the secret file, creating <data>/signing-secret
// (0600, random) when no file was named and it does not exist yet.
func signingSecret(file, dataDir string) ([]byte, error) {
	named := file != ""
	if !named {
		file = filepath.Join(dataDir, "signing-secret")
	}
	b, err := os.ReadFile(file) // #nosec G304 -- the operator names this file (--signing-secret-file) or it is in the data directory
	if err == nil {
		s := []byte(strings.TrimSpace(string(b)))
		if len(s) < gate.MinSecretLen {
			return nil, fmt.Errorf("signing secret %s: want at least %d characters", file, gate.MinSecretLen)
		}
		return s, nil
	}
	if named || !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("signing secret: %w", err)
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, err
	}
	s := []byte(fmt.Sprintf("%x", secret.RandomBytes(32)))
	fd, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600) // #nosec G304 -- the data directory's own file
	if errors.Is(err, fs.ErrExist) {
		return signingSecret(file, dataDir) // another process made it first
	}
	if err != nil {
		return nil, fmt.Errorf("signing secret: %w", err)
	}
	if _, err := fd.Write(append(s, '\n')); err != nil {
		_ = fd.Close() // the write error is the one to report
		return nil, err
	}
	return s, fd.Close()
}
