// Package serviceaccount owns service accounts: Cloud Director 10.4's
// identities for automation. An administrator registers one with a role;
// the automation asks for authorization with the RFC 8628 device grant;
// an administrator approves its user code; the automation redeems its
// device code once for an access token and a refresh token. Every refresh
// returns a new refresh token and retires the old one, in the transaction
// that makes the new session; presenting a retired token again is a replay
// and revokes the whole grant.
//
// A service account has a user row with the same id (store.KindServiceAccount),
// so its sessions are ordinary sessions of that "user", made with origin
// store.OriginServiceAccount: restricted like API-token sessions, holding
// exactly the account's role. Each authorization is a grant with an id of
// its own, which the sessions carry as their TokenID; the one revocation
// path ends every session of the account and puts store.TopicTokenRevoked
// with the grant's id on the change feed. (Not the account's id: an
// account may be authorized again, and a revocation delivered late must
// not refuse the new grant's sessions.)
//
// Like internal/apitoken, the package renders nothing: the /oauth and
// /cloudapi dialects turn its *apierr.Error values into their wire formats.
// Errors of the OAuth endpoints carry an RFC 6749 / RFC 8628 code in
// apierr.Error.Code.
package serviceaccount

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

// Store is what the service needs of the store: reads of orgs, roles and
// service accounts outside transactions, and transactions.
type Store interface {
	store.OrgReader
	store.ServiceAccountReader
	store.Updater
}

// Config wires a Service.
type Config struct {
	Store     Store
	Directory *identity.Directory
	// Sessions makes the sessions grants return.
	Sessions *session.Manager
	// Feed applies revocations to this process's memory before the
	// revoking call returns.
	Feed feed.Publisher
	Now  func() time.Time
	Log  *slog.Logger
	// Failures is the token endpoint's failure budget per client address
	// (apitoken.Service.Failures); unknown device codes, client ids and
	// refresh tokens count in it. Nil: a budget of its own (100 per 10
	// minutes).
	Failures *grant.Limiter
	// CodeLifetime is how long a device authorization's codes live (600 s)
	// and PollInterval the interval the device is told (5 s).
	CodeLifetime time.Duration
	PollInterval time.Duration
	// CodeMisses unknown user codes per client address and per approving
	// account, and OrgCodeMisses per org searched, are allowed per
	// CodeMissWindow (10, 30, 10 minutes); then deviceLookup answers 429.
	CodeMisses     int
	OrgCodeMisses  int
	CodeMissWindow time.Duration
	// MaxPerOrg bounds the service accounts of one org (256).
	MaxPerOrg int
	// RetiredFor is how long a rotated refresh token is remembered to
	// recognise its replay (30 days); PurgeInterval how often older ones
	// are dropped (10 minutes).
	RetiredFor    time.Duration
	PurgeInterval time.Duration
	// RaceWindow is how long after its rotation a retired refresh token
	// counts as a concurrent use rather than a replay (5 s): it is refused
	// either way (it never works again), but only a replay revokes the
	// grant. Two requests sent together with one token are not a theft,
	// and the one that arrives after the other committed must not revoke
	// the successor the first just received.
	RaceWindow time.Duration
}

// Service is the service-account domain service. Its methods are safe for
// concurrent use.
type Service struct {
	store    Store
	dir      *identity.Directory
	sessions *session.Manager
	feed     feed.Publisher
	now      func() time.Time
	log      *slog.Logger
	fails    *grant.Limiter
	misses   guessLimits
	life     time.Duration
	interval time.Duration
	maxPer   int
	retired  time.Duration
	purgeEv  time.Duration
	race     time.Duration
	// refresh and device are the service's grants of the token endpoint.
	refresh, device *grant.Handler

	stop      chan struct{}
	done      sync.WaitGroup
	startOnce sync.Once
	closeOnce sync.Once
}

// New returns a Service; Start runs its housekeeping, Close stops it.
func New(cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Failures == nil {
		cfg.Failures = grant.NewLimiter(100, 10*time.Minute)
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&cfg.CodeLifetime, 10*time.Minute)
	def(&cfg.PollInterval, 5*time.Second)
	def(&cfg.CodeMissWindow, 10*time.Minute)
	def(&cfg.RetiredFor, 30*24*time.Hour)
	def(&cfg.PurgeInterval, 10*time.Minute)
	def(&cfg.RaceWindow, 5*time.Second)
	if cfg.CodeMisses == 0 {
		cfg.CodeMisses = 10
	}
	if cfg.OrgCodeMisses == 0 {
		cfg.OrgCodeMisses = 30
	}
	if cfg.MaxPerOrg <= 0 {
		cfg.MaxPerOrg = 256
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
		log: cfg.Log, fails: cfg.Failures, misses: newGuessLimits(cfg.CodeMisses, cfg.OrgCodeMisses, cfg.CodeMissWindow),
		life: cfg.CodeLifetime, interval: cfg.PollInterval, maxPer: cfg.MaxPerOrg, retired: cfg.RetiredFor,
		purgeEv: cfg.PurgeInterval, race: cfg.RaceWindow, stop: make(chan struct{})}
	s.refresh, s.device = s.refreshGrant(), s.deviceGrant()
	return s
}

// Start drops expired retired tokens every PurgeInterval until Close.
func (s *Service) Start() {
	s.startOnce.Do(func() {
		s.done.Add(1)
		go func() {
			defer s.done.Done()
			t := time.NewTicker(s.purgeEv)
			defer t.Stop()
			for {
				select {
				case <-s.stop:
					return
				case <-t.C:
					ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
					if _, err := s.Purge(ctx); err != nil {
						s.log.Warn("could not purge retired service-account tokens; will retry", "err", err)
					}
					cancel()
				}
			}
		}()
	})
}

// Close stops the housekeeping. Call it before closing the store.
func (s *Service) Close() {
	s.closeOnce.Do(func() {
		close(s.stop)
		s.done.Wait()
	})
}

// Purge forgets refresh tokens retired longer than RetiredFor ago; a replay
// of one is then an unknown token (invalid_grant without revocation).
func (s *Service) Purge(ctx context.Context) (int, error) {
	var n int
	err := s.store.Update(ctx, func(tx store.Tx) error {
		var err error
		n, err = tx.PurgeRetired(ctx, s.now().Add(-s.retired))
		return err
	})
	return n, storeErr(err, "service account")
}

func (s *Service) publish(ctx context.Context, changes ...store.Change) {
	s.feed.Publish(ctx, changes...)
}

func actor(p *authz.Principal, c grant.Client) audit.Actor {
	return audit.Actor{ID: p.UserID, Name: p.UserName, OrgID: p.OrgID, ClientIP: c.IP, RequestID: c.RequestID, UserAgent: c.UserAgent}
}

// storeErr maps store failures to API errors; what names the object.
func storeErr(err error, what string) error { return store.APIError(err, what) }
