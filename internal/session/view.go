package session

import (
	"time"

	"cloudgate/internal/authz"
	"cloudgate/internal/store"
	"cloudgate/internal/urn"
)

// Session is a resolved session as one request sees it: who it belongs to,
// what it may do, and its bookkeeping.
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
	// LastActive is the latest activity this instance knows of (this
	// request included).
	LastActive time.Time
	Expires    time.Time
	// IdleTimeout is the idle timeout that applies (zero: none).
	IdleTimeout time.Duration
}

func (m *Manager) view(e *entry, now time.Time) *Session {
	u, o := e.user.state.Load(), e.org.state.Load()
	if u == nil || o == nil {
		return nil
	}
	v := &Session{ID: e.id, Principal: principalOf(e, u, o), Origin: e.origin, Dialect: e.dialect, ParentID: e.parent,
		ClientIP: e.ip, UserAgent: e.ua, Created: store.FromMicros(e.created), LastActive: store.FromMicros(e.last.Load()),
		Expires: store.FromMicros(e.expires)}
	if r := u.role.state.Load(); r != nil {
		v.RoleID, v.RoleName = r.id, r.name
	}
	if e.idle {
		v.IdleTimeout = m.settings.Get().IdleTimeout
	}
	return v
}

// IdleTimeout returns the idle timeout in effect.
func (m *Manager) IdleTimeout() time.Duration { return m.settings.Get().IdleTimeout }
