package session

import (
	"sync/atomic"
	"time"

	"github.com/cloudgate/cloudgate/internal/authz"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
)

// Session is a resolved session: who it belongs to, what it may do, and its
// bookkeeping. It is shared between requests and must not be modified.
type Session struct {
	ID        urn.UUID
	Principal authz.Principal
	RoleID    urn.UUID
	RoleName  string
	Origin    store.Origin
	Dialect   string
	ParentID  urn.UUID
	ClientIP  string
	UserAgent string
	Created   time.Time
	Expires   time.Time
	// IdleTimeout is the idle timeout that applies (zero: none).
	IdleTimeout time.Duration

	// memo holds a value a caller derived from this view alone (see Memo).
	memo atomic.Value
}

// Memo returns the value SetMemo last stored on this view, or nil. A view
// lives as long as the session's user, org and role stay as they were, so
// something derived from it (the gate's signed identity assertion and its
// headers) can be kept here and built once per view instead of once per
// request, and goes away with the view. One caller owns the slot: the gate.
func (s *Session) Memo() any { return s.memo.Load() }

// SetMemo stores v for Memo; v must always have the same concrete type.
func (s *Session) SetMemo(v any) { s.memo.Store(v) }

// cachedView is a Session built from particular states; it stays valid
// while the entry's refs hold exactly those states.
type cachedView struct {
	v    *Session
	u    *userState
	o    *orgState
	r    *roleState
	idle time.Duration
}

// view returns e's Session, reusing the one built for the same states:
// every request of a session would otherwise allocate its own.
func (m *Manager) view(e *entry, now time.Time) *Session {
	u, o := e.user.state.Load(), e.org.state.Load()
	if u == nil || o == nil {
		return nil
	}
	r := u.role.state.Load()
	var idle time.Duration
	if e.idle {
		idle = m.settings.Get().IdleTimeout
	}
	if c := e.view.Load(); c != nil && c.u == u && c.o == o && c.r == r && c.idle == idle {
		return c.v
	}
	v := &Session{ID: e.id, Principal: principalOf(e, u, o), Origin: e.origin, Dialect: e.dialect, ParentID: e.parent,
		ClientIP: e.ip, UserAgent: e.ua, Created: store.FromMicros(e.created), Expires: store.FromMicros(e.expires),
		IdleTimeout: idle}
	if r != nil {
		v.RoleID, v.RoleName = r.id, r.name
	}
	e.view.Store(&cachedView{v: v, u: u, o: o, r: r, idle: idle})
	return v
}

// IdleTimeout returns the idle timeout in effect.
func (m *Manager) IdleTimeout() time.Duration { return m.settings.Get().IdleTimeout }
