package storetest

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/cloudgate/cloudgate/internal/store"
)

// Bulk inserts store every row as the single-row inserts would, and a
// conflicting row fails the call with nothing of it stored.
func testBulkInsert(t *testing.T, s store.Store) {
	c := ctx(t)
	_, _, u := fixture(t, s, "acme", "alice")
	var ss []store.Session
	for i := 0; i < 77; i++ { // 64 + 8 + 4 + 1: every chunk size path
		sess, _ := newSession(u)
		ss = append(ss, sess)
	}
	var ts []store.APIToken
	for i := 0; i < 45; i++ {
		ts = append(ts, newToken(u, fmt.Sprintf("bulk-%d", i)))
	}
	update(t, s, func(tx store.Tx) error {
		if err := tx.InsertSessions(c, ss); err != nil {
			return err
		}
		return tx.InsertTokens(c, ts)
	})
	for _, want := range []store.Session{ss[0], ss[40], ss[76]} {
		got, err := s.SessionByID(c, want.ID)
		must(t, err)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("stored %+v, want %+v", got, want)
		}
	}
	for _, want := range []store.APIToken{ts[0], ts[44]} {
		got, err := s.TokenByID(c, want.ID)
		must(t, err)
		if got.ID != want.ID || got.Name != want.Name || got.OwnerID != want.OwnerID {
			t.Fatalf("stored token %+v, want %+v", got, want)
		}
	}

	fresh, _ := newSession(u)
	err := s.Update(c, func(tx store.Tx) error { return tx.InsertSessions(c, []store.Session{fresh, ss[3]}) })
	wantErr(t, err, store.ErrConflict)
	if _, err := s.SessionByID(c, fresh.ID); err == nil {
		t.Fatal("a session of the failed bulk insert was stored")
	}
}
