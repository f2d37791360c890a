// Package session owns sessions: creating them, resolving a presented
// token to a session on every request, ending them, and timing them out.
//
// Validation is the hot path and never writes to the store: every instance
// keeps the sessions it has seen in memory, with shared per-user, per-org
// and per-token states the change feed updates, and writes last-activity
// times behind in batches. A token this instance has not seen is looked up
// in the store once. Nothing lets an expired or revoked session through:
// expiry is checked on every lookup, and revocations reach memory before
// the revoking request is answered (this instance) or within the feed's
// delay (other instances).
package session

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/authz"
	"github.com/cloudgate/cloudgate/internal/feed"
	"github.com/cloudgate/cloudgate/internal/secret"
	"github.com/cloudgate/cloudgate/internal/settings"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
)

// Store is the part of the store a Manager uses: sessions and the users,
// orgs and roles they are resolved against, the one-statement session
// insert, and transactions for ending, touching and sweeping.
type Store interface {
	store.OrgReader
	store.UserReader
	store.SessionReader
	store.SessionCreator
	store.Updater
}

// Config wires a Manager.
type Config struct {
	Store    Store
	Settings *settings.Holder
	Feed     feed.Publisher
	Now      func() time.Time
	Log      *slog.Logger
	// FlushInterval is how often last-activity times are written behind
	// (default 1s); TouchGranularity is how much newer activity must be
	// than what was last queued to be queued again (default 5s).
	FlushInterval    time.Duration
	TouchGranularity time.Duration
	// SweepInterval is how often expired sessions leave memory and the
	// store (default 30s).
	SweepInterval time.Duration
	// SyncedAt reports when the change feed last read everything committed
	// (feed.Feed.SyncedAt). With MaxStale > 0, cached sessions are refused
	// with 503 while the feed is older than MaxStale: an instance cut off
	// from its database cannot hear revocations other instances acknowledge,
	// and must not honour them for longer than that. Nil or 0: no bound.
	SyncedAt func() time.Time
	MaxStale time.Duration
}

// Manager creates, resolves and ends sessions.
type Manager struct {
	store    Store
	settings *settings.Holder
	feed     feed.Publisher
	now      func() time.Time
	log      *slog.Logger

	cache    *cache
	reg      *registry
	negative *negative

	// applyMu and gen order the change feed against cache fills: a fill
	// reads the store, then inserts under applyMu.RLock only if no change
	// was applied since it started reading (gen unchanged); otherwise it
	// reads again. Applying a change takes applyMu and bumps gen. Without
	// this, a fill that read a session just before its revocation could
	// insert it just after the revocation was applied.
	applyMu sync.RWMutex
	gen     atomic.Uint64

	syncedAt func() time.Time
	maxStale time.Duration

	touches   touchQueue
	flushEv   time.Duration
	granule   int64 // microseconds
	sweepEv   time.Duration
	stop      chan struct{}
	stopped   sync.WaitGroup
	closeOnce sync.Once
}

// New returns a Manager; call Start to run its background work.
func New(cfg Config) *Manager {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.FlushInterval <= 0 {
		cfg.FlushInterval = time.Second
	}
	if cfg.TouchGranularity <= 0 {
		cfg.TouchGranularity = 5 * time.Second
	}
	if cfg.SweepInterval <= 0 {
		cfg.SweepInterval = 30 * time.Second
	}
	m := &Manager{store: cfg.Store, settings: cfg.Settings, feed: cfg.Feed, now: cfg.Now, log: cfg.Log,
		cache: newCache(), reg: newRegistry(), negative: newNegative(1 << 16),
		flushEv: cfg.FlushInterval, granule: cfg.TouchGranularity.Microseconds(), sweepEv: cfg.SweepInterval,
		syncedAt: cfg.SyncedAt, maxStale: cfg.MaxStale, stop: make(chan struct{})}
	if m.feed == nil {
		// No feed (an admin command): what this process ends, it forgets.
		m.feed = feed.PublisherFunc(m.applyAll)
	}
	return m
}

// Publisher is what a service sharing this manager publishes its changes
// on when the process has no feed: they are applied to this manager.
func (m *Manager) Publisher() feed.Publisher { return feed.PublisherFunc(m.applyAll) }

// applyAll applies changes this process made when there is no feed to
// publish them on.
func (m *Manager) applyAll(ctx context.Context, changes ...store.Change) {
	for _, c := range changes {
		_ = m.Apply(ctx, c)
	}
}

// Spec describes a session to create.
type Spec struct {
	User    store.User
	Org     store.Org
	Role    store.Role
	Origin  store.Origin
	Dialect string
	// TokenID is the API token or service account the session comes from.
	TokenID urn.UUID
	// Hold is what else must still hold when the session is inserted, in
	// the store's terms (an API-token grant names its token there). Create
	// fills in the user's part (ValidAfter, PasswordHash) and hands the
	// rest to the store unread: the store pins the rows it names in the
	// creating transaction, so a change to them either waits and ends the
	// session or is seen.
	Hold     store.SessionGuard
	ParentID urn.UUID
	// ClientIP and UserAgent are recorded (and shown in session lists).
	ClientIP  string
	UserAgent string
	// Legacy also issues a 32-hex key for the x-vcloud-authorization header.
	Legacy bool
	// Lifetime overrides the absolute lifetime setting; NoIdle exempts the
	// session from the idle timeout (session-listing dialect tokens).
	Lifetime time.Duration
	NoIdle   bool
	// Guard runs inside the creating transaction before the insert; an
	// error aborts the creation (a mint marks its token issued there, and
	// refuses one issued already).
	Guard func(ctx context.Context, tx store.Tx) error
	// Also runs inside the creating transaction after the insert (a
	// service-account refresh records the token it retired there).
	Also func(ctx context.Context, tx store.Tx, s store.Session) error
	// Audit events are written in the creating transaction (a login is
	// recorded exactly when its session exists).
	Audit []store.AuditEvent
}

// Issued is a new session with its secrets, which exist nowhere else.
type Issued struct {
	Token     string // bearer token (longer than 32 characters)
	LegacyKey string // 32 hex characters, if Spec.Legacy
	Session   *Session
}

// errStale: the user changed between the credential check and the insert.
var errStale = &apierr.Error{Kind: apierr.Unauthenticated, Message: "Invalid username or password"}

// Create makes a session durable and caches it. It fails Unauthenticated if
// the user or org was disabled, the password changed or anything else
// spec.Hold names changed after the credentials were checked; Unavailable
// if the store cannot commit.
func (m *Manager) Create(ctx context.Context, spec Spec) (Issued, error) {
	now := m.now()
	set := m.settings.Get()
	life := set.MaxLifetime
	if spec.Lifetime > 0 {
		life = spec.Lifetime
	}
	id := urn.NewTimeOrdered(now)
	tok, digest := secret.NewSessionToken(id)
	var legacy string
	var legacyDigest secret.Digest
	if spec.Legacy {
		legacy, legacyDigest = secret.NewLegacyKey()
	}
	rec := store.Session{ID: id, Digest: digest, LegacyDigest: legacyDigest, UserID: spec.User.ID,
		OrgID: spec.Org.ID, Origin: spec.Origin, Dialect: spec.Dialect, TokenID: spec.TokenID, ParentID: spec.ParentID,
		ClientIP: clean(spec.ClientIP, 64), UserAgent: clean(spec.UserAgent, 512), CreatedAt: now, LastActive: now,
		ExpiresAt: now.Add(life), Idle: !spec.NoIdle}

	hold := spec.Hold
	hold.ValidAfter, hold.PasswordHash = spec.User.ValidAfter, spec.User.PasswordHash
	g0 := m.gen.Load()
	var err error
	if spec.Guard == nil && spec.Also == nil && len(spec.Audit) == 0 {
		err = m.createAlone(ctx, rec, hold)
	} else {
		err = m.createWith(ctx, spec, rec, hold)
	}
	if err != nil {
		return Issued{}, storeErr(err)
	}
	e, err := m.insert(ctx, rec, principalRecs{spec.User, spec.Org, spec.Role}, g0)
	if err != nil {
		return Issued{}, err
	}
	return Issued{Token: tok, LegacyKey: legacy, Session: m.view(e, now)}, nil
}

// createAlone writes a session that is the only thing its transaction
// writes (API-token exchanges; logins of dialects that audit none): the
// store checks and pins what hold names and inserts the session in one
// statement.
func (m *Manager) createAlone(ctx context.Context, rec store.Session, hold store.SessionGuard) error {
	ok, err := m.store.CreateSession(ctx, rec, hold)
	if err == nil && !ok {
		return errStale
	}
	return err
}

// createWith writes a session together with the spec's guard, audit
// events and extra writes, in one transaction.
func (m *Manager) createWith(ctx context.Context, spec Spec, rec store.Session, hold store.SessionGuard) error {
	return m.store.Update(ctx, func(tx store.Tx) error {
		if spec.Guard != nil {
			if err := spec.Guard(ctx, tx); err != nil {
				return err
			}
		}
		// The user must be as it was when the credentials were checked:
		// a password change or a disable committed in between ends the
		// user's sessions, and this one must not slip past it. A disabled
		// org ends its sessions the same way.
		if ok, err := hold.Pin(ctx, tx, rec); err != nil {
			return err
		} else if !ok {
			return errStale
		}
		if err := tx.InsertSession(ctx, rec); err != nil {
			return err
		}
		for _, ev := range spec.Audit {
			ev.Subject = rec.ID.URN(urn.Session)
			if err := tx.InsertAudit(ctx, ev); err != nil {
				return err
			}
		}
		if spec.Also != nil {
			return spec.Also(ctx, tx, rec)
		}
		return nil
	})
}

// principalRecs are the store records a session's principal is built from.
type principalRecs struct {
	user store.User
	org  store.Org
	role store.Role
}

// insert caches a session read or written under generation g0. If a change
// was applied since g0, the session and its principal are read again first
// (the session may have been ended, the user disabled). Registry states
// that already exist are kept: the feed keeps them current, and a read made
// before the latest applied change must not overwrite them.
func (m *Manager) insert(ctx context.Context, rec store.Session, p principalRecs, g0 uint64) (*entry, error) {
	for attempt := 0; ; attempt++ {
		m.applyMu.RLock()
		if m.gen.Load() == g0 {
			ur, or, tr := m.reg.refs(p.user, p.org, p.role, rec.TokenID)
			e := newEntry(rec, ur, or, tr)
			m.cache.put(e)
			m.applyMu.RUnlock()
			return e, nil
		}
		m.applyMu.RUnlock()
		g0 = m.gen.Load()
		var ok bool
		var err error
		rec, p, ok, err = m.fetch(ctx, lookup{id: rec.ID, digest: rec.Digest})
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, ErrInvalid
		}
		if attempt == 4 {
			// Changes keep arriving faster than a fill completes. Answer
			// this request from the read just made, on states of its own,
			// without caching: the next request tries again.
			ur, or, tr := privateRefs(p, rec.TokenID)
			return newEntry(rec, ur, or, tr), nil
		}
	}
}

// newEntry builds a cache entry for rec bound to its principal refs.
func newEntry(rec store.Session, ur *userRef, or *orgRef, tr *tokenRef) *entry {
	e := &entry{id: rec.ID, digest: rec.Digest, legacy: rec.LegacyDigest, user: ur, org: or, token: tr, tokenID: rec.TokenID,
		parent: rec.ParentID, origin: rec.Origin, dialect: rec.Dialect, ip: rec.ClientIP, ua: rec.UserAgent,
		created: store.Micros(rec.CreatedAt), expires: store.Micros(rec.ExpiresAt), idle: rec.Idle}
	e.last.Store(store.Micros(rec.LastActive))
	e.queued.Store(store.Micros(rec.LastActive))
	return e
}

// storeErr maps store failures to API errors.
func storeErr(err error) error {
	var ae *apierr.Error
	switch {
	case errors.As(err, &ae):
		return err
	case errors.Is(err, store.ErrFull):
		return store.FullError(err)
	case errors.Is(err, store.ErrUnavailable):
		return &apierr.Error{Kind: apierr.Unavailable, Message: "the database is unavailable, retry shortly", RetryAfter: 2 * time.Second, Err: err}
	case errors.Is(err, store.ErrNotFound):
		return apierr.Wrap(apierr.Unauthenticated, err, "Session is not valid or has expired")
	}
	return apierr.Wrap(apierr.Internal, err, "internal error")
}

// clean bounds client-supplied text and makes it valid UTF-8 without
// control characters, so it can be stored (PostgreSQL refuses invalid
// UTF-8) and shown in listings without forging lines.
func clean(s string, max int) string {
	// Nearly always the text is short printable ASCII, which the loop
	// below would copy unchanged: return it as it is (two allocations per
	// call, four per session made, otherwise).
	if len(s) <= max && printableASCII(s) {
		return s
	}
	out := make([]rune, 0, len(s))
	for _, r := range s {
		if r == '\uFFFD' || r < 0x20 || r == 0x7f {
			r = '?'
		}
		out = append(out, r)
		if len(out) >= max {
			break
		}
	}
	return string(out)
}

// printableASCII reports whether s holds only bytes 0x20-0x7e.
func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return true
}

// Active returns how many sessions this instance has in memory.
func (m *Manager) Active() int64 { return m.cache.size.Load() }

// principal builds the authorization view of e for one request.
func principalOf(e *entry, u *userState, o *orgState) authz.Principal {
	r := u.role.state.Load()
	p := authz.Principal{UserID: u.id, UserName: u.name, OrgID: o.id, OrgName: o.name, Provider: o.provider,
		ServiceAccount: u.kind == store.KindServiceAccount, TokenID: e.tokenID}
	p.Restricted = e.origin == store.OriginAPIToken || e.origin == store.OriginServiceAccount
	if r != nil {
		if p.Restricted {
			p.Rights, p.Withheld = r.restricted, r.withheld
		} else {
			p.Rights = r.full
		}
	}
	return p
}
