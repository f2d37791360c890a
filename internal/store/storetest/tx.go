package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
)

// An error from fn is returned unchanged and nothing fn wrote is kept.
func testUpdateRollback(t *testing.T, s store.Store) {
	c := ctx(t)
	boom := errors.New("boom")
	org := store.Org{ID: urn.New(), Name: "gone", Enabled: true, CreatedAt: t0}
	err := s.Update(c, func(tx store.Tx) error {
		if err := tx.InsertOrg(c, org); err != nil {
			return err
		}
		if _, err := tx.OrgByID(c, org.ID); err != nil {
			return fmt.Errorf("own write not visible inside the transaction: %w", err)
		}
		return boom
	})
	if err != boom {
		t.Fatalf("Update returned %v, want the function's own error", err)
	}
	_, err = s.OrgByID(c, org.ID)
	wantErr(t, err, store.ErrNotFound)
}

// Concurrent updates where some fail: the failures roll back alone (a group
// commit must not let one unit's failure touch another's writes).
func testUpdateIsolation(t *testing.T, s store.Store) {
	c := ctx(t)
	const n = 64
	var wg sync.WaitGroup
	errs := make([]error, n)
	orgs := make([]store.Org, n)
	for i := range orgs {
		orgs[i] = store.Org{ID: urn.New(), Name: fmt.Sprintf("org-%02d", i), Enabled: true, CreatedAt: t0}
	}
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			errs[i] = s.Update(c, func(tx store.Tx) error {
				if err := tx.InsertOrg(c, orgs[i]); err != nil {
					return err
				}
				if i%3 == 0 {
					return errors.New("fail on purpose")
				}
				if i%3 == 1 {
					// A constraint violation after a successful write.
					return tx.InsertOrg(c, store.Org{ID: urn.New(), Name: orgs[i].Name, CreatedAt: t0})
				}
				return nil
			})
		}(i)
	}
	wg.Wait()
	for i := 0; i < n; i++ {
		_, err := s.OrgByID(c, orgs[i].ID)
		switch i % 3 {
		case 0:
			if errs[i] == nil || !errors.Is(err, store.ErrNotFound) {
				t.Errorf("unit %d: Update=%v, lookup=%v; want failure and no row", i, errs[i], err)
			}
		case 1:
			if !errors.Is(errs[i], store.ErrConflict) || !errors.Is(err, store.ErrNotFound) {
				t.Errorf("unit %d: Update=%v, lookup=%v; want conflict and no row", i, errs[i], err)
			}
		case 2:
			if errs[i] != nil || err != nil {
				t.Errorf("unit %d: Update=%v, lookup=%v; want success", i, errs[i], err)
			}
		}
	}
}

// Read-modify-write under LockUser is atomic: no increment is lost.
func testConcurrentCounters(t *testing.T, s store.Store) {
	c := ctx(t)
	_, _, u := fixture(t, s, "acme", "alice")
	const n = 50
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := s.Update(c, func(tx store.Tx) error {
				cur, err := tx.LockUser(c, u.ID)
				if err != nil {
					return err
				}
				cur.Failures++
				return tx.UpdateUser(c, cur)
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	got, err := s.UserByID(c, u.ID)
	must(t, err)
	if got.Failures != n {
		t.Fatalf("Failures = %d, want %d", got.Failures, n)
	}
}

// The exchange/revoke race: exchanges lock the token, check it is live and
// insert a session; a revocation revokes the token and ends its sessions.
// Whatever the interleaving, no session of a revoked token stays live.
func testRevokeVersusExchange(t *testing.T, s store.Store) {
	c := ctx(t)
	_, _, u := fixture(t, s, "acme", "alice")
	tok := newToken(u, "race")
	update(t, s, func(tx store.Tx) error { return tx.InsertToken(c, tok) })
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			sess, _ := newSession(u)
			sess.TokenID, sess.Origin = tok.ID, store.OriginAPIToken
			_ = s.Update(c, func(tx store.Tx) error {
				cur, err := tx.PinToken(c, tok.ID)
				if err != nil {
					return err
				}
				if !cur.RevokedAt.IsZero() {
					return errors.New("revoked")
				}
				return tx.InsertSession(c, sess)
			})
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		<-start
		time.Sleep(time.Millisecond)
		update(t, s, func(tx store.Tx) error {
			if _, err := tx.RevokeToken(c, tok.ID, t0); err != nil {
				return err
			}
			_, err := tx.EndSessions(c, store.SessionSelector{TokenID: tok.ID}, t0, "token revoked")
			return err
		})
	}()
	close(start)
	wg.Wait()
	rows, _, err := s.Sessions(c, store.SessionQuery{UserID: u.ID, Now: t0})
	must(t, err)
	if len(rows) != 0 {
		t.Fatalf("%d sessions of the revoked token are still live", len(rows))
	}
}
