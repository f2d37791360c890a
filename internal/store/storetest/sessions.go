package storetest

import (
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/cloudgate/cloudgate/internal/fiql"
	"github.com/cloudgate/cloudgate/internal/secret"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
)

func testSessions(t *testing.T, s store.Store) {
	c := ctx(t)
	_, _, u := fixture(t, s, "acme", "alice")
	sess, tok := newSession(u)
	update(t, s, func(tx store.Tx) error { return tx.InsertSession(c, sess) })

	id, ok := secret.SessionID(tok)
	if !ok || id != sess.ID {
		t.Fatalf("the token does not name its session: %v %v", id, ok)
	}
	got, err := s.SessionByLegacyDigest(c, sess.LegacyDigest)
	must(t, err)
	if !reflect.DeepEqual(got, sess) {
		t.Fatalf("SessionByLegacyDigest = %+v, want %+v", got, sess)
	}
	got, err = s.SessionByID(c, sess.ID)
	must(t, err)
	if !reflect.DeepEqual(got, sess) {
		t.Fatalf("SessionByID = %+v", got)
	}
	_, err = s.SessionByLegacyDigest(c, secret.DigestOf("nope"))
	wantErr(t, err, store.ErrNotFound)
	_, err = s.SessionByLegacyDigest(c, sess.Digest)
	wantErr(t, err, store.ErrNotFound) // a bearer digest is not a legacy key

	// Ids and legacy digests are unique; a session without a legacy key
	// stores none (and many such sessions coexist).
	dup, _ := newSession(u)
	dup.ID = sess.ID
	wantErr(t, s.Update(c, func(tx store.Tx) error { return tx.InsertSession(c, dup) }), store.ErrConflict)
	dup, _ = newSession(u)
	dup.LegacyDigest = sess.LegacyDigest
	wantErr(t, s.Update(c, func(tx store.Tx) error { return tx.InsertSession(c, dup) }), store.ErrConflict)
	a, _ := newSession(u)
	b, _ := newSession(u)
	a.LegacyDigest, b.LegacyDigest = secret.Digest{}, secret.Digest{}
	b.TokenID, b.Origin, b.ParentID = urn.New(), store.OriginAPIToken, sess.ID
	update(t, s, func(tx store.Tx) error {
		if err := tx.InsertSession(c, a); err != nil {
			return err
		}
		return tx.InsertSession(c, b)
	})
	got, err = s.SessionByID(c, b.ID)
	must(t, err)
	if !reflect.DeepEqual(got, b) {
		t.Fatalf("session with token id = %+v, want %+v", got, b)
	}

	end := t0.Add(time.Hour)
	var ok1, ok2 bool
	update(t, s, func(tx store.Tx) error {
		var err error
		if ok1, err = tx.EndSession(c, sess.ID, end, "logout"); err != nil {
			return err
		}
		ok2, err = tx.EndSession(c, sess.ID, end.Add(time.Hour), "again")
		return err
	})
	if !ok1 || ok2 {
		t.Fatalf("EndSession reported %v then %v, want true then false", ok1, ok2)
	}
	got, err = s.SessionByID(c, sess.ID)
	must(t, err)
	if !got.EndedAt.Equal(end) || got.EndReason != "logout" {
		t.Fatalf("ended session = %+v", got)
	}
}

func testEndSessions(t *testing.T, s store.Store) {
	c := ctx(t)
	org, role, alice := fixture(t, s, "acme", "alice")
	bob := addUser(t, s, org, role, "bob")
	_, _, carol := fixture(t, s, "other", "carol")
	token := urn.New()

	var all []store.Session
	mk := func(u store.User, created time.Time, tokenID urn.UUID) store.Session {
		ss, _ := newSession(u)
		ss.CreatedAt, ss.TokenID = created, tokenID
		all = append(all, ss)
		return ss
	}
	a1 := mk(alice, t0, urn.UUID{})
	a2 := mk(alice, t0.Add(time.Hour), token)
	b1 := mk(bob, t0, token)
	c1 := mk(carol, t0, urn.UUID{})
	update(t, s, func(tx store.Tx) error {
		for _, ss := range all {
			if err := tx.InsertSession(c, ss); err != nil {
				return err
			}
		}
		return nil
	})
	endWith := func(sel store.SessionSelector) []urn.UUID {
		var ids []urn.UUID
		update(t, s, func(tx store.Tx) error {
			var err error
			ids, err = tx.EndSessions(c, sel, t0.Add(2*time.Hour), "test")
			return err
		})
		sort.Slice(ids, func(i, j int) bool { return ids[i].String() < ids[j].String() })
		return ids
	}
	same := func(got []urn.UUID, want ...store.Session) {
		t.Helper()
		var w []urn.UUID
		for _, ss := range want {
			w = append(w, ss.ID)
		}
		sort.Slice(w, func(i, j int) bool { return w[i].String() < w[j].String() })
		if len(got) != len(w) || (len(w) > 0 && !reflect.DeepEqual(got, w)) {
			t.Fatalf("ended %v, want %v", got, w)
		}
	}
	same(endWith(store.SessionSelector{UserID: alice.ID, CreatedBefore: t0.Add(time.Minute)}), a1)
	same(endWith(store.SessionSelector{TokenID: token}), a2, b1)
	same(endWith(store.SessionSelector{TokenID: token})) // already ended
	same(endWith(store.SessionSelector{OrgID: c1.OrgID}), c1)
	same(endWith(store.SessionSelector{}))
}

func testSessionTouch(t *testing.T, s store.Store) {
	c := ctx(t)
	_, _, u := fixture(t, s, "acme", "alice")
	idle, _ := newSession(u)
	fixed, _ := newSession(u)
	fixed.Idle = false
	expired, _ := newSession(u)
	expired.ExpiresAt = t0.Add(time.Minute)
	update(t, s, func(tx store.Tx) error {
		for _, ss := range []store.Session{idle, fixed, expired} {
			if err := tx.InsertSession(c, ss); err != nil {
				return err
			}
		}
		return nil
	})
	// Touches merge with max: an older touch never lowers LastActive.
	later, earlier := t0.Add(10*time.Minute), t0.Add(5*time.Minute)
	update(t, s, func(tx store.Tx) error {
		return tx.TouchSessions(c, []store.Touch{{ID: idle.ID, At: later}, {ID: idle.ID, At: earlier}, {ID: urn.New(), At: later}})
	})
	got, err := s.SessionByID(c, idle.ID)
	must(t, err)
	if !got.LastActive.Equal(later) {
		t.Fatalf("LastActive = %v, want %v", got.LastActive, later)
	}
	// Idle expiry only ends sessions subject to it, idle since before cutoff.
	var ended []urn.UUID
	update(t, s, func(tx store.Tx) error {
		var err error
		ended, err = tx.EndIdleSessionsUpTo(c, t0.Add(8*time.Minute), t0.Add(40*time.Minute), 1000)
		return err
	})
	if len(ended) != 1 || ended[0] != expired.ID {
		t.Fatalf("EndIdleSessions ended %v, want only %v", ended, expired.ID)
	}
	got, _ = s.SessionByID(c, expired.ID)
	if got.EndReason != "idle" {
		t.Fatalf("end reason %q", got.EndReason)
	}
	// Purge deletes what ended or expired before the cutoff.
	var n int
	update(t, s, func(tx store.Tx) error {
		var err error
		n, err = tx.PurgeSessionsUpTo(c, t0.Add(time.Hour), 1000)
		return err
	})
	if n != 1 {
		t.Fatalf("PurgeSessions removed %d, want 1", n)
	}
	_, err = s.SessionByID(c, expired.ID)
	wantErr(t, err, store.ErrNotFound)
	if _, err := s.SessionByID(c, fixed.ID); err != nil {
		t.Fatalf("live session purged: %v", err)
	}
}

func testSessionList(t *testing.T, s store.Store) {
	c := ctx(t)
	org, role, alice := fixture(t, s, "acme", "alice")
	bob := addUser(t, s, org, role, "bob")
	var want []store.Session
	update(t, s, func(tx store.Tx) error {
		for i := 0; i < 7; i++ {
			u := alice
			if i%2 == 1 {
				u = bob
			}
			ss, _ := newSession(u)
			ss.CreatedAt = t0.Add(time.Duration(i) * time.Minute)
			ss.LastActive = ss.CreatedAt
			if i == 2 {
				ss.Idle = false // never idle-expired
			}
			if i == 6 {
				ss.EndedAt = t0 // ended: never listed
			}
			if i == 5 {
				ss.ExpiresAt = t0.Add(time.Hour) // expired at Now
			}
			if err := tx.InsertSession(c, ss); err != nil {
				return err
			}
			want = append(want, ss)
		}
		return nil
	})
	now := t0.Add(2 * time.Hour)
	rows, total, err := s.Sessions(c, store.SessionQuery{OrgID: org.ID, Now: now})
	must(t, err)
	if total != 5 || len(rows) != 5 {
		t.Fatalf("listed %d of %d, want 5 of 5", len(rows), total)
	}
	if rows[0].ID != want[4].ID || rows[0].UserName != "alice" || rows[0].OrgName != "acme" {
		t.Fatalf("default order is newest first with names: %+v", rows[0])
	}
	_, total, err = s.Sessions(c, store.SessionQuery{UserID: bob.ID, Now: now})
	must(t, err)
	if total != 2 {
		t.Fatalf("bob has %d live sessions, want 2", total)
	}
	f, err := fiql.Parse("user.name==ALI*")
	must(t, err)
	rows, total, err = s.Sessions(c, store.SessionQuery{OrgID: org.ID, Now: now, Filter: f,
		Sort: []store.Sort{{Field: "createdAt"}}, Page: store.Page{Offset: 1, Limit: 1}})
	must(t, err)
	if total != 3 || len(rows) != 1 || rows[0].ID != want[2].ID {
		t.Fatalf("filtered page = %d rows of %d: %+v", len(rows), total, rows)
	}
	// Idle-expired sessions (not yet ended) can be left out by the query.
	rows, total, err = s.Sessions(c, store.SessionQuery{OrgID: org.ID, Now: now, IdleBefore: t0.Add(150 * time.Second)})
	must(t, err)
	if total != 3 || len(rows) != 3 {
		t.Fatalf("with IdleBefore: %d rows of %d, want the 2 sessions active after it and the one without idle timeout", len(rows), total)
	}
	_, _, err = s.Sessions(c, store.SessionQuery{Now: now, Sort: []store.Sort{{Field: "nope"}}})
	wantErr(t, err, store.ErrInvalid)
}

// The default session list is newest first, ties broken by id ascending,
// for every row whatever its id: random (version 4) ids of sessions made
// before ids were time-ordered, time-ordered ids whose millisecond
// disagrees with created_at (bulk-loaded or imported rows), and sessions
// that share a created_at. Read whole and page by page, in every scope.
func testSessionListOrder(t *testing.T, s store.Store) {
	c := ctx(t)
	org, role, alice := fixture(t, s, "acme", "alice")
	bob := addUser(t, s, org, role, "bob")
	idAt := func(i int, at time.Time) urn.UUID {
		if i%3 == 0 {
			return urn.New()
		}
		return urn.NewTimeOrdered(at)
	}
	var all []store.Session
	update(t, s, func(tx store.Tx) error {
		for i := 0; i < 24; i++ {
			u := alice
			if i%2 == 1 {
				u = bob
			}
			ss, _ := newSession(u)
			// Four sessions share each created_at; ids from a clock that
			// runs backwards against it, or random ones.
			ss.CreatedAt = t0.Add(time.Duration(i/4) * time.Second)
			ss.ID = idAt(i, t0.Add(-time.Duration(i)*time.Minute))
			ss.LastActive = ss.CreatedAt
			ss.LegacyDigest = secret.Digest{}
			if i == 7 {
				ss.EndedAt = t0 // ended: never listed
			}
			if err := tx.InsertSession(c, ss); err != nil {
				return err
			}
			all = append(all, ss)
		}
		return nil
	})
	order := func(keep func(store.Session) bool) []urn.UUID {
		var want []store.Session
		for _, ss := range all {
			if ss.EndedAt.IsZero() && keep(ss) {
				want = append(want, ss)
			}
		}
		sort.Slice(want, func(i, j int) bool {
			if !want[i].CreatedAt.Equal(want[j].CreatedAt) {
				return want[i].CreatedAt.After(want[j].CreatedAt)
			}
			return want[i].ID.String() < want[j].ID.String()
		})
		ids := make([]urn.UUID, len(want))
		for i, ss := range want {
			ids[i] = ss.ID
		}
		return ids
	}
	now := t0.Add(time.Hour)
	for _, tc := range []struct {
		name string
		q    store.SessionQuery
		want []urn.UUID
	}{
		{"every session", store.SessionQuery{Now: now}, order(func(store.Session) bool { return true })},
		{"org", store.SessionQuery{Now: now, OrgID: org.ID}, order(func(store.Session) bool { return true })},
		{"user", store.SessionQuery{Now: now, UserID: bob.ID}, order(func(ss store.Session) bool { return ss.UserID == bob.ID })},
	} {
		rows, total, err := s.Sessions(c, tc.q)
		must(t, err)
		got := make([]urn.UUID, len(rows))
		for i, r := range rows {
			got[i] = r.ID
		}
		if total != len(tc.want) || !reflect.DeepEqual(got, tc.want) {
			t.Fatalf("%s: %d of %d rows\n got %v\nwant %v", tc.name, len(rows), total, got, tc.want)
		}
		for _, limit := range []int{1, 3, 5} {
			var paged []urn.UUID
			for off := 0; off < len(tc.want)+limit; off += limit {
				q := tc.q
				q.Page = store.Page{Offset: off, Limit: limit}
				rows, _, err := s.Sessions(c, q)
				must(t, err)
				for _, r := range rows {
					paged = append(paged, r.ID)
				}
			}
			if !reflect.DeepEqual(paged, tc.want) {
				t.Fatalf("%s, pages of %d:\n got %v\nwant %v", tc.name, limit, paged, tc.want)
			}
		}
	}
}
