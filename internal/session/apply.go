package session

import (
	"context"
	"errors"

	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
)

// Apply is the change-feed handler: it brings memory in line with a change
// committed by this or another process. It is idempotent. When the change
// needs a store read that fails, the affected principal is refused (503)
// until a later delivery succeeds: never honour what may be revoked.
func (m *Manager) Apply(ctx context.Context, c store.Change) error {
	switch c.Topic {
	case store.TopicSessionEnded:
		m.applyMu.Lock()
		m.gen.Add(1)
		if e := m.cache.byIDGet(c.Subject); e != nil {
			m.dropEntry(e)
		}
		m.applyMu.Unlock()

	case store.TopicTokenRevoked:
		m.applyMu.Lock()
		m.gen.Add(1)
		m.reg.mu.Lock()
		if ref := m.reg.tokens[c.Subject]; ref != nil {
			ref.revoked.Store(true)
		}
		m.reg.mu.Unlock()
		m.applyMu.Unlock()

	case store.TopicUserChanged:
		return m.applyUser(ctx, c)

	case store.TopicOrgChanged:
		m.reg.mu.Lock()
		ref := m.reg.orgs[c.Subject]
		m.reg.mu.Unlock()
		o, err := m.store.OrgByID(ctx, c.Subject)
		m.applyMu.Lock()
		defer m.applyMu.Unlock()
		m.gen.Add(1)
		if ref == nil {
			return nil
		}
		switch {
		case errors.Is(err, store.ErrNotFound):
			ref.state.Store(&orgState{id: c.Subject}) // disabled
		case err != nil:
			ref.state.Store(nil)
			return err
		default:
			ref.state.Store(newOrgState(o))
		}

	case store.TopicRoleChanged:
		m.reg.mu.Lock()
		ref := m.reg.roles[c.Subject]
		m.reg.mu.Unlock()
		ro, err := m.store.RoleByID(ctx, c.Subject)
		m.applyMu.Lock()
		defer m.applyMu.Unlock()
		m.gen.Add(1)
		if ref == nil {
			return nil
		}
		switch {
		case errors.Is(err, store.ErrNotFound):
			ref.state.Store(newRoleState(store.Role{ID: c.Subject})) // no rights
		case err != nil:
			// Keep the old rights until the read succeeds: a role change is
			// not a revocation of the session.
			return err
		default:
			ref.state.Store(newRoleState(ro))
		}

	case store.TopicResync:
		m.applyMu.Lock()
		m.gen.Add(1)
		m.cache.clear()
		m.reg.mu.Lock()
		m.reg.reset()
		m.reg.mu.Unlock()
		m.applyMu.Unlock()
	}
	return nil
}

func (m *Manager) applyUser(ctx context.Context, c store.Change) error {
	m.reg.mu.Lock()
	ref := m.reg.users[c.Subject]
	m.reg.mu.Unlock()
	u, err := m.store.UserByID(ctx, c.Subject)
	var role *roleRef
	var roleErr error
	if err == nil && ref != nil {
		role, roleErr = m.roleRef(ctx, u.RoleID)
	}
	m.applyMu.Lock()
	defer m.applyMu.Unlock()
	m.gen.Add(1)
	if ref == nil {
		return nil
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		ref.state.Store(&userState{id: c.Subject, role: &roleRef{}}) // deleted: disabled
	case err != nil:
		ref.state.Store(nil)
		return err
	case roleErr != nil:
		ref.state.Store(nil)
		return roleErr
	default:
		ref.state.Store(newUserState(u, role))
	}
	return nil
}

// roleRef returns the shared ref of a role, loading it if needed (a user
// moved to a role no cached session had yet).
func (m *Manager) roleRef(ctx context.Context, id urn.UUID) (*roleRef, error) {
	m.reg.mu.Lock()
	ref := m.reg.roles[id]
	m.reg.mu.Unlock()
	if ref != nil {
		return ref, nil
	}
	ro, err := m.store.RoleByID(ctx, id)
	if err != nil {
		return nil, err
	}
	m.reg.mu.Lock()
	defer m.reg.mu.Unlock()
	if ref = m.reg.roles[id]; ref == nil {
		ref = &roleRef{}
		ref.state.Store(newRoleState(ro))
		m.reg.roles[id] = ref
	}
	return ref, nil
}
