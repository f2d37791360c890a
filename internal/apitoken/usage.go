package apitoken

import (
	"context"
	"sync"
	"time"

	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
)

// touchChunk bounds how many tokens one write-behind transaction touches.
const touchChunk = 200

// usage keeps the last exchange time of each token in memory and writes it
// behind in batches. Writing it inside the exchange transaction would
// update the token row, and a row update takes the lock every concurrent
// exchange of the same token pins (store.TokenWriter.PinToken): exchanges
// of one token would queue behind each other. The store keeps the maximum
// of what instances write (TouchTokens), so order does not matter. A
// process killed between two flushes loses at most one interval of
// last-use times, never a token, a revocation or a session.
type usage struct {
	mu       sync.Mutex
	pending  map[urn.UUID]time.Time
	flushing map[urn.UUID]time.Time // being written; still shown in lists
}

func newUsage() *usage {
	return &usage{pending: map[urn.UUID]time.Time{}}
}

func (u *usage) touch(id urn.UUID, at time.Time) {
	u.mu.Lock()
	if at.After(u.pending[id]) {
		u.pending[id] = at
	}
	u.mu.Unlock()
}

// latest returns the newest unwritten use of id (zero if none).
func (u *usage) latest(id urn.UUID) time.Time {
	u.mu.Lock()
	defer u.mu.Unlock()
	t := u.pending[id]
	if f := u.flushing[id]; f.After(t) {
		t = f
	}
	return t
}

// Flush writes pending last-use times to the store. On failure they are
// kept and written by a later flush.
func (s *Service) Flush(ctx context.Context) error {
	u := s.used
	u.mu.Lock()
	if len(u.pending) == 0 || u.flushing != nil {
		u.mu.Unlock()
		return nil
	}
	batch := u.pending
	u.pending, u.flushing = map[urn.UUID]time.Time{}, batch
	u.mu.Unlock()

	touches := make([]store.Touch, 0, len(batch))
	for id, at := range batch {
		touches = append(touches, store.Touch{ID: id, At: at})
	}
	// In chunks: on PostgreSQL each token written takes a lock (its gate,
	// see store.TokenWriter.TouchTokens) that is held until commit, and a
	// transaction must not hold thousands. Chunks already written stay
	// written if a later one fails; writing them again is harmless.
	var err error
	for rest := touches; len(rest) > 0 && err == nil; {
		chunk := rest[:min(len(rest), touchChunk)]
		rest = rest[len(chunk):]
		err = s.store.Update(ctx, func(tx store.Tx) error { return tx.TouchTokens(ctx, chunk) })
	}

	u.mu.Lock()
	u.flushing = nil
	if err != nil {
		for id, at := range batch {
			if at.After(u.pending[id]) {
				u.pending[id] = at
			}
		}
	}
	u.mu.Unlock()
	return storeErr(err, "API token")
}

// withUse returns t with LastUsedAt raised to what this instance has not
// written yet.
func (s *Service) withUse(t store.APIToken) store.APIToken {
	if l := s.used.latest(t.ID); l.After(t.LastUsedAt) {
		t.LastUsedAt = l
	}
	return t
}
