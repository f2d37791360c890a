package apitoken

import (
	"context"
	"sync"

	"github.com/cloudgate/cloudgate/internal/identity"
	"github.com/cloudgate/cloudgate/internal/secret"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
)

// grantCache remembers, for the refresh_token grant, which token a secret's
// digest names and the account that owns it, so that an exchange does not
// read four rows before its transaction. It is only a hint: the
// transaction that creates the session pins the token, the user and the
// org and refuses a revoked token or a changed account, whatever the cache
// says; the change feed drops entries that went stale. Both maps are
// bounded; when one is full it starts over.
type grantCache struct {
	mu       sync.RWMutex
	tokens   map[secret.Digest]store.APIToken
	accounts map[urn.UUID]identity.Account
	max      int
}

func newGrantCache(max int) *grantCache {
	return &grantCache{tokens: map[secret.Digest]store.APIToken{}, accounts: map[urn.UUID]identity.Account{}, max: max}
}

func (c *grantCache) token(d secret.Digest) (store.APIToken, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	t, ok := c.tokens[d]
	return t, ok
}

func (c *grantCache) putToken(d secret.Digest, t store.APIToken) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.tokens) >= c.max {
		c.tokens = map[secret.Digest]store.APIToken{}
	}
	c.tokens[d] = t
}

func (c *grantCache) dropToken(d secret.Digest) {
	c.mu.Lock()
	delete(c.tokens, d)
	c.mu.Unlock()
}

func (c *grantCache) account(id urn.UUID) (identity.Account, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	a, ok := c.accounts[id]
	return a, ok
}

func (c *grantCache) putAccount(a identity.Account) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.accounts) >= c.max {
		c.accounts = map[urn.UUID]identity.Account{}
	}
	c.accounts[a.User.ID] = a
}

func (c *grantCache) dropAccount(id urn.UUID) {
	c.mu.Lock()
	delete(c.accounts, id)
	c.mu.Unlock()
}

// Apply is the change-feed handler: it forgets what a change may have made
// stale. Org and role changes are rare; they clear every account.
func (c *grantCache) Apply(_ context.Context, ch store.Change) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch ch.Topic {
	case store.TopicTokenRevoked:
		for d, t := range c.tokens {
			if t.ID == ch.Subject {
				delete(c.tokens, d)
			}
		}
	case store.TopicUserChanged:
		delete(c.accounts, ch.Subject)
	case store.TopicOrgChanged, store.TopicRoleChanged:
		c.accounts = map[urn.UUID]identity.Account{}
	case store.TopicResync:
		c.accounts = map[urn.UUID]identity.Account{}
		c.tokens = map[secret.Digest]store.APIToken{}
	}
	return nil
}
