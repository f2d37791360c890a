package session

import (
	"sync"
	"sync/atomic"

	"github.com/cloudgate/cloudgate/internal/secret"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
)

// entry is one cached session. It is kept small: at a million sessions the
// cache (entry plus its map slots) must stay under 1 KiB each. Strings that
// repeat across sessions (user agents, dialects) are interned.
type entry struct {
	id      urn.UUID
	digest  secret.Digest
	legacy  secret.Digest // zero if the session has no legacy key
	user    *userRef
	org     *orgRef
	token   *tokenRef // nil for sessions not made from a token
	tokenID urn.UUID
	parent  urn.UUID
	origin  store.Origin
	dialect string
	ip      string
	ua      string
	created int64 // Unix microseconds
	expires int64
	idle    bool
	view    atomic.Pointer[cachedView]
	last    atomic.Int64 // last activity seen by this instance (max-merged with the store)
	queued  atomic.Int64 // last activity handed to the write-behind queue
	ended   atomic.Bool
}

// touch raises last to now (activity from concurrent requests may arrive
// out of order; the maximum wins).
func (e *entry) touch(now int64) {
	for {
		cur := e.last.Load()
		if now <= cur || e.last.CompareAndSwap(cur, now) {
			return
		}
	}
}

const shardCount = 64

// cache maps token digests (bearer and legacy) and session ids to entries.
// It is sharded so that lookups from many cores rarely share a lock.
type cache struct {
	byDigest [shardCount]digestShard
	byID     [shardCount]idShard
	size     atomic.Int64
	strings  interner
}

type digestShard struct {
	mu sync.RWMutex
	m  map[secret.Digest]*entry
}

type idShard struct {
	mu sync.Mutex
	m  map[urn.UUID]*entry
}

func newCache() *cache {
	c := &cache{strings: interner{m: map[string]string{}}}
	for i := range c.byDigest {
		c.byDigest[i].m = map[secret.Digest]*entry{}
		c.byID[i].m = map[urn.UUID]*entry{}
	}
	return c
}

func (c *cache) get(d secret.Digest) *entry {
	s := &c.byDigest[d[0]%shardCount]
	s.mu.RLock()
	e := s.m[d]
	s.mu.RUnlock()
	return e
}

func (c *cache) byIDGet(id urn.UUID) *entry {
	s := &c.byID[id[15]%shardCount]
	s.mu.Lock()
	e := s.m[id]
	s.mu.Unlock()
	return e
}

// put adds e; an entry already cached for the same id is replaced.
func (c *cache) put(e *entry) {
	e.ua = c.strings.intern(e.ua)
	e.dialect = c.strings.intern(e.dialect)
	is := &c.byID[e.id[15]%shardCount]
	is.mu.Lock()
	old := is.m[e.id]
	is.m[e.id] = e
	is.mu.Unlock()
	if old != nil {
		c.dropDigests(old)
	} else {
		c.size.Add(1)
	}
	c.putDigest(e.digest, e)
	if !e.legacy.IsZero() {
		c.putDigest(e.legacy, e)
	}
}

func (c *cache) putDigest(d secret.Digest, e *entry) {
	s := &c.byDigest[d[0]%shardCount]
	s.mu.Lock()
	s.m[d] = e
	s.mu.Unlock()
}

// remove drops e from every map (no-op if it was replaced or removed).
func (c *cache) remove(e *entry) {
	is := &c.byID[e.id[15]%shardCount]
	is.mu.Lock()
	cur := is.m[e.id]
	if cur == e {
		delete(is.m, e.id)
	}
	is.mu.Unlock()
	if cur != e {
		return
	}
	c.size.Add(-1)
	c.dropDigests(e)
}

func (c *cache) dropDigests(e *entry) {
	for _, d := range []secret.Digest{e.digest, e.legacy} {
		if d.IsZero() {
			continue
		}
		s := &c.byDigest[d[0]%shardCount]
		s.mu.Lock()
		if s.m[d] == e {
			delete(s.m, d)
		}
		s.mu.Unlock()
	}
}

// each calls fn for every entry, one shard at a time, without holding a
// shard lock while fn runs.
func (c *cache) each(fn func(*entry)) {
	var batch []*entry
	for i := range c.byID {
		s := &c.byID[i]
		s.mu.Lock()
		batch = batch[:0]
		for _, e := range s.m {
			batch = append(batch, e)
		}
		s.mu.Unlock()
		for _, e := range batch {
			fn(e)
		}
	}
}

// clear drops everything (resynchronisation).
func (c *cache) clear() {
	for i := range c.byID {
		c.byID[i].mu.Lock()
		c.byID[i].m = map[urn.UUID]*entry{}
		c.byID[i].mu.Unlock()
		c.byDigest[i].mu.Lock()
		c.byDigest[i].m = map[secret.Digest]*entry{}
		c.byDigest[i].mu.Unlock()
	}
	c.size.Store(0)
	c.strings.reset()
}

// interner shares the storage of strings that repeat across many sessions
// (a fleet of clients sends a handful of User-Agent values).
type interner struct {
	mu sync.Mutex
	m  map[string]string
}

const maxInterned = 4096

func (in *interner) intern(s string) string {
	in.mu.Lock()
	defer in.mu.Unlock()
	if v, ok := in.m[s]; ok {
		return v
	}
	if len(in.m) < maxInterned {
		in.m[s] = s
	}
	return s
}

func (in *interner) reset() {
	in.mu.Lock()
	in.m = map[string]string{}
	in.mu.Unlock()
}

// negative remembers digests that matched no session, so a client
// hammering with a bogus or ended token costs one store lookup, not one per
// request. Tokens are random: a digest that matched nothing can never match
// a session created later. Two generations bound the memory.
type negative struct {
	mu        sync.Mutex
	cur, prev map[secret.Digest]struct{}
	max       int
}

func newNegative(max int) *negative {
	return &negative{cur: map[secret.Digest]struct{}{}, prev: map[secret.Digest]struct{}{}, max: max}
}

func (n *negative) has(d secret.Digest) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if _, ok := n.cur[d]; ok {
		return true
	}
	_, ok := n.prev[d]
	return ok
}

func (n *negative) add(d secret.Digest) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if len(n.cur) >= n.max {
		n.prev, n.cur = n.cur, map[secret.Digest]struct{}{}
	}
	n.cur[d] = struct{}{}
}
