package session

import (
	"strings"
	"sync"
	"sync/atomic"

	"github.com/cloudgate/cloudgate/internal/authz"
	"github.com/cloudgate/cloudgate/internal/identity"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
)

// The registry holds one shared, updatable state per user, org, role and
// token that cached sessions point to. The change feed replaces a state in
// one place and every session of that principal sees it on its next
// request: disabling a user or revoking a token needs no scan of the cache.
// States are immutable; refs are swapped atomically.

type userState struct {
	id         urn.UUID
	name       string
	kind       store.UserKind
	enabled    bool
	validAfter int64 // Unix microseconds
	role       *roleRef
}

type userRef struct {
	state atomic.Pointer[userState] // nil: being reloaded; refuse with 503
}

type orgState struct {
	id       urn.UUID
	name     string
	enabled  bool
	provider bool
}

type orgRef struct{ state atomic.Pointer[orgState] }

type roleState struct {
	id         urn.UUID
	name       string
	full       authz.Set
	restricted authz.Set
	withheld   authz.Set
}

type roleRef struct{ state atomic.Pointer[roleState] }

type tokenRef struct{ revoked atomic.Bool }

func newUserState(u store.User, role *roleRef) *userState {
	return &userState{id: u.ID, name: u.Name, kind: u.Kind, enabled: u.Enabled, validAfter: store.Micros(u.ValidAfter), role: role}
}

func newOrgState(o store.Org) *orgState {
	return &orgState{id: o.ID, name: o.Name, enabled: o.Enabled, provider: strings.EqualFold(o.Name, identity.SystemOrgName)}
}

func newRoleState(r store.Role) *roleState {
	full, _ := authz.Effective(r.Rights, false)
	restricted, withheld := authz.Effective(r.Rights, true)
	return &roleState{id: r.ID, name: r.Name, full: full, restricted: restricted, withheld: withheld}
}

// registry maps ids to refs. Its lock is taken when sessions enter the
// cache and when changes are applied, never on the validation path.
type registry struct {
	mu     sync.Mutex
	users  map[urn.UUID]*userRef
	orgs   map[urn.UUID]*orgRef
	roles  map[urn.UUID]*roleRef
	tokens map[urn.UUID]*tokenRef
}

func newRegistry() *registry {
	r := &registry{}
	r.reset()
	return r
}

func (r *registry) reset() {
	r.users = map[urn.UUID]*userRef{}
	r.orgs = map[urn.UUID]*orgRef{}
	r.roles = map[urn.UUID]*roleRef{}
	r.tokens = map[urn.UUID]*tokenRef{}
}

// refs returns the refs for a session's principal. Missing refs are
// created with the states just read; existing refs keep their states,
// which the change feed maintains.
func (r *registry) refs(u store.User, o store.Org, ro store.Role, tokenID urn.UUID) (*userRef, *orgRef, *tokenRef) {
	r.mu.Lock()
	defer r.mu.Unlock()
	rr := r.roles[ro.ID]
	if rr == nil {
		rr = &roleRef{}
		rr.state.Store(newRoleState(ro))
		r.roles[ro.ID] = rr
	}
	ur := r.users[u.ID]
	if ur == nil {
		ur = &userRef{}
		ur.state.Store(newUserState(u, rr))
		r.users[u.ID] = ur
	}
	or := r.orgs[o.ID]
	if or == nil {
		or = &orgRef{}
		or.state.Store(newOrgState(o))
		r.orgs[o.ID] = or
	}
	var tr *tokenRef
	if !tokenID.IsZero() {
		if tr = r.tokens[tokenID]; tr == nil {
			tr = &tokenRef{}
			r.tokens[tokenID] = tr
		}
	}
	return ur, or, tr
}

// keepOnly drops refs no cached session uses any more.
func (r *registry) keepOnly(users map[*userRef]bool, orgs map[*orgRef]bool, tokens map[*tokenRef]bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	roles := map[*roleRef]bool{}
	for id, ref := range r.users {
		if !users[ref] {
			delete(r.users, id)
		} else if st := ref.state.Load(); st != nil {
			roles[st.role] = true
		}
	}
	for id, ref := range r.orgs {
		if !orgs[ref] {
			delete(r.orgs, id)
		}
	}
	for id, ref := range r.tokens {
		if !tokens[ref] {
			delete(r.tokens, id)
		}
	}
	for id, ref := range r.roles {
		if !roles[ref] {
			delete(r.roles, id)
		}
	}
}

// privateRefs builds refs that no registry holds, for a session answered
// once without being cached.
func privateRefs(p principalRecs, tokenID urn.UUID) (*userRef, *orgRef, *tokenRef) {
	rr := &roleRef{}
	rr.state.Store(newRoleState(p.role))
	ur := &userRef{}
	ur.state.Store(newUserState(p.user, rr))
	or := &orgRef{}
	or.state.Store(newOrgState(p.org))
	var tr *tokenRef
	if !tokenID.IsZero() {
		tr = &tokenRef{}
	}
	return ur, or, tr
}
