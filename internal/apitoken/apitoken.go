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
	"sync"
	"time"

	"github.com/cloudgate/cloudgate/internal/audit"
	"github.com/cloudgate/cloudgate/internal/authz"
	"github.com/cloudgate/cloudgate/internal/feed"
	"github.com/cloudgate/cloudgate/internal/grant"
	"github.com/cloudgate/cloudgate/internal/identity"
	"github.com/cloudgate/cloudgate/internal/session"
	"github.com/cloudgate/cloudgate/internal/store"
)

// Store is what the service needs of the store: token reads outside
// transactions, and transactions.
type Store interface {
	store.TokenReader
	store.Updater
}

// Config wires a Service.
type Config struct {
	Store     Store
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
	Failures *grant.Limiter
}

// Service is the API-token domain service. Its methods are safe for
// concurrent use.
type Service struct {
	store    Store
	dir      *identity.Directory
	sessions *session.Manager
	feed     feed.Publisher
	now      func() time.Time
	log      *slog.Logger
	maxPer   int
	fails    *grant.Limiter
	used     *usage
	flushEv  time.Duration
	cache    *grantCache
	// mint and refresh are the service's grants; pipe runs them when
	// they are called outside the token endpoint (Mint, Exchange).
	mint, refresh *grant.Handler
	pipe          *grant.Pipeline

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
		cfg.Failures = grant.NewLimiter(cfg.FailureBudget, cfg.FailureWindow)
	}
	if cfg.Feed == nil {
		// No feed (an admin command): apply revocations to the session
		// manager this process holds, if any.
		cfg.Feed = feed.Discard{}
		if cfg.Sessions != nil {
			cfg.Feed = cfg.Sessions.Publisher()
		}
	}
	s := &Service{store: cfg.Store, dir: cfg.Directory, sessions: cfg.Sessions, feed: cfg.Feed, now: cfg.Now,
		log: cfg.Log, maxPer: cfg.MaxPerUser, fails: cfg.Failures,
		used: newUsage(), flushEv: cfg.FlushInterval, cache: newGrantCache(100_000), stop: make(chan struct{})}
	s.mint, s.refresh = s.mintGrant(), s.refreshGrant()
	s.pipe = grant.New(grant.Config{Failures: s.fails, Now: s.now, Log: s.log}, s.mint, s.refresh)
	return s
}

// Apply is the change-feed handler of the service's caches.
func (s *Service) Apply(ctx context.Context, c store.Change) error { return s.cache.Apply(ctx, c) }

// Failures returns the token endpoint's failure budget, for the other
// grants served there to count in.
func (s *Service) Failures() *grant.Limiter { return s.fails }

// Clock returns the service's clock, which the failure budget's windows
// are counted on (the server's, which tests may set).
func (s *Service) Clock() func() time.Time { return s.now }

func actor(p *authz.Principal, c grant.Client) audit.Actor {
	return audit.Actor{ID: p.UserID, Name: p.UserName, OrgID: p.OrgID, ClientIP: c.IP, RequestID: c.RequestID, UserAgent: c.UserAgent}
}

// errInvalidGrant is the one answer to every unusable API token (unknown,
// revoked, expired, of a disabled owner): the caller learns nothing about
// which. RFC 6749 §5.2 makes this 400, never 401.
var errInvalidGrant = grant.Error(grant.CodeInvalidGrant, "the API token is invalid, expired or revoked")

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
