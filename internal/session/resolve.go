package session

import (
	"context"
	"errors"
	"time"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/secret"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
)

// ErrInvalid is returned for a missing, unknown, ended, expired or revoked
// session. Every dialect answers it with 401.
var ErrInvalid = &apierr.Error{Kind: apierr.Unauthenticated, Message: "Session is not valid or has expired"}

// Resolve returns the session a bearer token or legacy key belongs to, and
// counts the request as activity (sliding the idle timeout). It fails with
// ErrInvalid, or Unavailable when the answer needs a store that is down.
func (m *Manager) Resolve(ctx context.Context, token string) (*Session, error) {
	if !secret.Plausible(token) {
		return nil, ErrInvalid
	}
	d := secret.DigestOf(token)
	e := m.cache.get(d)
	if e == nil {
		// Bearer tokens name their session; legacy keys are found by digest.
		k := lookup{digest: d}
		k.id, _ = secret.SessionID(token)
		var err error
		if e, err = m.load(ctx, k); err != nil {
			return nil, err
		}
	}
	// The map is keyed by digest; compare again in constant time so that no
	// path compares secret-derived bytes with an early exit.
	if !secret.Equal(e.digest, d) && !secret.Equal(e.legacy, d) {
		return nil, ErrInvalid
	}
	now := m.now()
	if err := m.check(ctx, e, now); err != nil {
		return nil, err
	}
	us := now.UnixMicro()
	// Activity is stamped at most once per touchStep: each stamp writes a
	// cache line that every core serving the session shares, and the idle
	// limit (minutes) loses nothing by it: a session can look idle up to
	// touchStep early, never late.
	if us-e.last.Load() >= touchStep {
		e.touch(us)
	}
	if us-e.queued.Load() >= m.granule {
		e.queued.Store(us)
		m.touches.add(e)
	}
	v := m.view(e, now)
	if v == nil {
		return nil, unavailable
	}
	return v, nil
}

// touchStep is the resolution of a session's in-memory last activity, in
// microseconds.
const touchStep = 1000

var unavailable = &apierr.Error{Kind: apierr.Unavailable, Message: "session state is being refreshed, retry shortly", RetryAfter: time.Second}

// stale: the change feed has not been read for longer than MaxStale.
var stale = &apierr.Error{Kind: apierr.Unavailable, Message: "the database is unavailable, retry shortly", RetryAfter: 2 * time.Second}

// check refuses an ended, revoked, disabled or expired session.
func (m *Manager) check(ctx context.Context, e *entry, now time.Time) error {
	if e.ended.Load() {
		return ErrInvalid
	}
	// Real (monotonic) time, not m.now: the feed stamps it with time.Now.
	// (now's own monotonic reading will not do: a test clock made by
	// adding to time.Now carries one that has moved on with the test.)
	if m.maxStale > 0 && m.syncedAt != nil && time.Since(m.syncedAt()) > m.maxStale {
		return stale
	}
	u, o := e.user.state.Load(), e.org.state.Load()
	if u == nil || o == nil {
		// A change to this user or org could not be read yet: refuse
		// rather than risk honouring a revoked session.
		return unavailable
	}
	if !u.enabled || !o.enabled || e.created <= u.validAfter || (e.token != nil && e.token.revoked.Load()) {
		return ErrInvalid
	}
	us := now.UnixMicro()
	if us >= e.expires {
		return ErrInvalid
	}
	if clockWentBack(e, us) {
		return m.endForClock(ctx, e)
	}
	if e.idle {
		idle := m.settings.Get().IdleTimeout.Microseconds()
		if us-e.last.Load() > idle {
			return m.checkIdle(ctx, e, now, idle)
		}
	}
	return nil
}

// checkIdle is reached when this instance has not seen the session used
// for longer than the idle timeout. Another instance may have, so the
// store's (max-merged) last activity decides before the session ends.
func (m *Manager) checkIdle(ctx context.Context, e *entry, now time.Time, idle int64) error {
	rec, err := m.store.SessionByID(ctx, e.id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		m.dropEntry(e)
		return ErrInvalid
	case err != nil:
		return storeErr(err)
	}
	if !rec.EndedAt.IsZero() {
		m.dropEntry(e)
		return ErrInvalid
	}
	e.touch(store.Micros(rec.LastActive))
	if now.UnixMicro()-e.last.Load() <= idle {
		return nil
	}
	if err := m.end(ctx, e.id, "idle", nil); err != nil && !apierr.Is(err, apierr.Unauthenticated) {
		m.log.Warn("could not record idle expiry", "session", e.id.String(), "err", err)
	}
	m.dropEntry(e)
	return ErrInvalid
}

func (m *Manager) dropEntry(e *entry) {
	e.ended.Store(true)
	m.cache.remove(e)
}

// lookup says how to find a presented token's session: by the id a bearer
// token carries, or by digest for a legacy key (zero id).
type lookup struct {
	id     urn.UUID
	digest secret.Digest
}

// load fetches a session this instance has not cached.
func (m *Manager) load(ctx context.Context, k lookup) (*entry, error) {
	if m.negative.has(k.digest) {
		return nil, ErrInvalid
	}
	g0 := m.gen.Load()
	rec, p, ok, err := m.fetch(ctx, k)
	if err != nil {
		return nil, err
	}
	if !ok {
		m.negative.add(k.digest)
		return nil, ErrInvalid
	}
	return m.insert(ctx, rec, p, g0)
}

// fetch reads a session and its principal from the store; ok is false when
// it does not exist, is no longer live, or the token is not its own (a
// forged token naming a real session id fails the digest comparison).
func (m *Manager) fetch(ctx context.Context, k lookup) (rec store.Session, p principalRecs, ok bool, err error) {
	if k.id.IsZero() {
		rec, err = m.store.SessionByLegacyDigest(ctx, k.digest)
	} else {
		rec, err = m.store.SessionByID(ctx, k.id)
	}
	if errors.Is(err, store.ErrNotFound) {
		return rec, p, false, nil
	}
	if err != nil {
		return rec, p, false, storeErr(err)
	}
	if !secret.Equal(rec.Digest, k.digest) && !secret.Equal(rec.LegacyDigest, k.digest) {
		return rec, p, false, nil
	}
	if !rec.EndedAt.IsZero() || !m.now().Before(rec.ExpiresAt) {
		return rec, p, false, nil
	}
	if p.user, err = m.store.UserByID(ctx, rec.UserID); errors.Is(err, store.ErrNotFound) {
		return rec, p, false, nil
	} else if err != nil {
		return rec, p, false, storeErr(err)
	}
	if p.org, err = m.store.OrgByID(ctx, rec.OrgID); err != nil {
		return rec, p, false, storeErr(err)
	}
	if p.role, err = m.store.RoleByID(ctx, p.user.RoleID); err != nil {
		return rec, p, false, storeErr(err)
	}
	return rec, p, true, nil
}
