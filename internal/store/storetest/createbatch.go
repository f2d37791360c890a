package storetest

import (
	"sync"
	"testing"

	"github.com/cloudgate/cloudgate/internal/secret"
	"github.com/cloudgate/cloudgate/internal/store"
)

// Many CreateSession calls at once (on SQLite they share group-commit
// batches, whose guards are checked once per distinct owner and token and
// whose rows go in multi-row statements): each call gets its own outcome,
// a refused guard or a duplicate id affects only its own session, and
// every session reported inserted is stored.
func testCreateSessionBatch(t *testing.T, s store.Store) {
	c := ctx(t)
	_, _, u := fixture(t, s, "acme", "alice")
	tok, d := mintedToken(t, s, u, "ci")
	revoked, rd := mintedToken(t, s, u, "revoked")
	update(t, s, func(tx store.Tx) error { _, err := tx.RevokeToken(c, revoked.ID, t0); return err })
	ok := store.SessionGuard{ValidAfter: u.ValidAfter, PasswordHash: u.PasswordHash, TokenDigest: d}
	taken := tokenSession(u, tok)
	if in, err := s.CreateSession(c, taken, ok); err != nil || !in {
		t.Fatalf("first session: %v, %v", in, err)
	}

	type call struct {
		name     string
		sess     store.Session
		g        store.SessionGuard
		inserted bool
		err      error
	}
	var calls []*call
	for i := 0; i < 120; i++ {
		cl := &call{name: "valid", sess: tokenSession(u, tok), g: ok, inserted: true}
		switch i % 6 {
		case 1:
			cl.name, cl.g.TokenDigest = "wrong digest", secret.Digest{1}
			cl.inserted = false
		case 2:
			cl.name, cl.g.PasswordHash = "stale password", "$argon2id$changed"
			cl.inserted = false
		case 3:
			cl.name, cl.sess, cl.g.TokenDigest = "revoked token", tokenSession(u, revoked), rd
			cl.inserted = false
		case 4:
			cl.name, cl.sess.ID = "duplicate id", taken.ID
			cl.inserted, cl.err = false, store.ErrConflict
		}
		calls = append(calls, cl)
	}
	type result struct {
		inserted bool
		err      error
	}
	got := make([]result, len(calls))
	var wg sync.WaitGroup
	for i, cl := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in, err := s.CreateSession(c, cl.sess, cl.g)
			got[i] = result{in, err}
		}()
	}
	wg.Wait()
	for i, cl := range calls {
		r := got[i]
		if cl.err != nil {
			wantErr(t, r.err, cl.err)
			continue
		}
		if r.err != nil || r.inserted != cl.inserted {
			t.Errorf("%s (call %d): CreateSession = %v, %v; want %v, nil", cl.name, i, r.inserted, r.err, cl.inserted)
			continue
		}
		_, err := s.SessionByID(c, cl.sess.ID)
		if cl.inserted && err != nil {
			t.Errorf("%s (call %d): reported inserted but not stored: %v", cl.name, i, err)
		}
		if !cl.inserted && err == nil {
			t.Errorf("%s (call %d): refused but stored", cl.name, i)
		}
	}
}
