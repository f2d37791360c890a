// Package apitoken owns users' API tokens (Cloud Director's long-lived
// OAuth refresh tokens): registering a named token, issuing its secret
// exactly once (the jwt-bearer grant), trading the secret for a session
// (the refresh_token grant), and listing and revoking tokens under Cloud
// Director's visibility rules. Revoking a token ends every session made
// from it, on this instance before the call returns and on others through
// the change feed.
//
// The package renders nothing: the /oauth and /cloudapi dialects call it
// and turn its *apierr.Error values into their own wire formats. Errors of
// the grants carry an RFC 6749 §5.2 code in apierr.Error.Code.
package apitoken

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/audit"
	"github.com/cloudgate/cloudgate/internal/authz"
	"github.com/cloudgate/cloudgate/internal/feed"
	"github.com/cloudgate/cloudgate/internal/identity"
	"github.com/cloudgate/cloudgate/internal/session"
	"github.com/cloudgate/cloudgate/internal/store"
)

// OAuth error codes (RFC 6749 §5.2, RFC 7591 §3.2.2, RFC 7009 §2.2.1) the
// service puts in apierr.Error.Code.
const (
	CodeInvalidRequest       = "invalid_request"
	CodeInvalidClient        = "invalid_client"
	CodeInvalidGrant         = "invalid_grant"
	CodeUnauthorizedClient   = "unauthorized_client"
	CodeUnsupportedGrantType = "unsupported_grant_type"
	CodeInvalidClientMeta    = "invalid_client_metadata"
	CodeUnsupportedTokenType = "unsupported_token_type"
)

// Grant types of the token endpoint.
const (
	GrantRefreshToken = "refresh_token"
	GrantJWTBearer    = "urn:ietf:params:oauth:grant-type:jwt-bearer" // #nosec G101 -- an RFC 7523 grant type name
)

// Config wires a Service.
type Config struct {
	Store     store.Store
	Directory *identity.Directory
	// Sessions makes the sessions grants return. Admin commands, which
	// only list and revoke, leave it nil.
	Sessions *session.Manager
	// Feed applies revocations to this process's memory before Revoke
	// returns; nil in admin commands (servers read the store's feed).
	Feed feed.Publisher
	Now  func() time.Time
	Log  *slog.Logger
	// FlushInterval is how often last-use times are written behind
	// (default 1s).
	FlushInterval time.Duration
	// MaxPerUser bounds the live tokens one user may hold (default 64).
	MaxPerUser int
	// FailureBudget failed grants per client address per FailureWindow
	// are allowed; then the address is refused until the window ends
	// (default 100 per 10 minutes; negative disables).
	FailureBudget int
	FailureWindow time.Duration
	// Failures, when set, is the budget to count in (shared with the
	// service-account grants of the same token endpoint); FailureBudget
	// and FailureWindow then do not apply.
	Failures *Limiter
}

// Service is the API-token domain service. Its methods are safe for
// concurrent use.
type Service struct {
	store    store.Store
	dir      *identity.Directory
	sessions *session.Manager
	feed     feed.Publisher
	now      func() time.Time
	log      *slog.Logger
	maxPer   int
	fails    *Limiter
	used     *usage
	flushEv  time.Duration
	grants   *grantCache

	stop      chan struct{}
	done      sync.WaitGroup
	startOnce sync.Once
	closeOnce sync.Once
}

// New returns a Service; Start runs its write-behind, Close flushes it.
func New(cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.FlushInterval <= 0 {
		cfg.FlushInterval = time.Second
	}
	if cfg.MaxPerUser <= 0 {
		cfg.MaxPerUser = 64
	}
	if cfg.FailureBudget == 0 {
		cfg.FailureBudget = 100
	}
	if cfg.FailureWindow <= 0 {
		cfg.FailureWindow = 10 * time.Minute
	}
	if cfg.Failures == nil {
		cfg.Failures = NewLimiter(cfg.FailureBudget, cfg.FailureWindow)
	}
	if cfg.Feed == nil {
		// No feed (an admin command): apply revocations to the session
		// manager this process holds, if any.
		cfg.Feed = feed.Discard{}
		if cfg.Sessions != nil {
			cfg.Feed = cfg.Sessions.Publisher()
		}
	}
	return &Service{store: cfg.Store, dir: cfg.Directory, sessions: cfg.Sessions, feed: cfg.Feed, now: cfg.Now,
		log: cfg.Log, maxPer: cfg.MaxPerUser, fails: cfg.Failures,
		used: newUsage(), flushEv: cfg.FlushInterval, grants: newGrantCache(100_000), stop: make(chan struct{})}
}

// Apply is the change-feed handler of the service's caches.
func (s *Service) Apply(ctx context.Context, c store.Change) error { return s.grants.Apply(ctx, c) }

// Failures returns the token endpoint's failure budget, for the other
// grants served there to count in.
func (s *Service) Failures() *Limiter { return s.fails }

// Realm is the organization an /oauth endpoint serves: /oauth/provider is
// the System org, /oauth/tenant/{org} a tenant. A token, an assertion or a
// registration of one org is refused at another org's endpoint.
type Realm struct {
	Provider bool
	Org      string // tenant org name as written in the path
}

// Admits reports whether an account of org orgName belongs at r. Org
// names are unique ignoring case. The System org is only served at
// /oauth/provider, as Cloud Director's logins serve it only at
// /sessions/provider.
func (r Realm) Admits(orgName string) bool {
	system := strings.EqualFold(orgName, identity.SystemOrgName)
	if r.Provider {
		return system
	}
	return !system && r.Org != "" && strings.EqualFold(r.Org, orgName)
}

// String renders the path segment ("provider" or "tenant/acme").
func (r Realm) String() string {
	if r.Provider {
		return "provider"
	}
	return "tenant/" + r.Org
}

// Client describes the caller of a grant or a change, for the audit log,
// the per-address failure budget and the session record.
type Client struct {
	IP        string
	UserAgent string
	RequestID string
}

func actor(p *authz.Principal, c Client) audit.Actor {
	return audit.Actor{ID: p.UserID, Name: p.UserName, OrgID: p.OrgID, ClientIP: c.IP, RequestID: c.RequestID, UserAgent: c.UserAgent}
}

// oauthError is an error of a grant or registration with its RFC code.
func oauthError(kind apierr.Kind, code, format string, args ...any) *apierr.Error {
	return apierr.New(kind, format, args...).WithCode(code)
}

// errInvalidGrant is the one answer to every unusable API token (unknown,
// revoked, expired, of a disabled owner): the caller learns nothing about
// which. RFC 6749 §5.2 makes this 400, never 401.
var errInvalidGrant = oauthError(apierr.Invalid, CodeInvalidGrant, "the API token is invalid, expired or revoked")

// storeErr maps store failures to API errors; what names the object.
func storeErr(err error, what string) error { return store.APIError(err, what) }

func (s *Service) publish(ctx context.Context, c store.Change) {
	s.feed.Publish(ctx, c)
}

// Start runs the write-behind of last-use times until Close.
func (s *Service) Start() {
	s.startOnce.Do(func() {
		s.done.Add(1)
		go func() {
			defer s.done.Done()
			t := time.NewTicker(s.flushEv)
			defer t.Stop()
			for {
				select {
				case <-s.stop:
					return
				case <-t.C:
					ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
					if err := s.Flush(ctx); err != nil {
						s.log.Warn("could not record API token use; will retry", "err", err)
					}
					cancel()
				}
			}
		}()
	})
}

// Close stops the write-behind and writes what is pending. Call it before
// closing the store.
func (s *Service) Close() {
	s.closeOnce.Do(func() {
		close(s.stop)
		s.done.Wait()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Flush(ctx); err != nil {
			s.log.Warn("could not record API token use at shutdown", "err", err)
		}
	})
}
