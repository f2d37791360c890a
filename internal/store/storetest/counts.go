package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/cloudgate/cloudgate/internal/secret"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
)

// testSessionCounts checks the unfiltered session totals, which backends
// may keep as counters beside the rows (sqlstore/counts.go), against a
// model of the sessions written, after every kind of write that makes or
// ends a live session: each insert path (a transaction, a guarded create,
// the bulk path), an end, ends by user, org and token, the idle sweep and
// the purge. Expiries straddle the edges of five-minute buckets and each
// total is read at instants on, just before and just after those edges,
// so both the counters and the exact part at now's bucket are checked.
func testSessionCounts(t *testing.T, s store.Store) {
	c := ctx(t)
	acme, alice, bob, carol := twoOrgs(t, s)
	tok, d := mintedToken(t, s, bob, "ci")

	type rec struct {
		org, user, token urn.UUID
		expires          time.Time
		ended            bool
	}
	model := map[urn.UUID]*rec{}
	// base is a bucket edge (a multiple of five minutes since the epoch).
	base := t0.Truncate(5 * time.Minute).Add(time.Hour)
	offsets := []time.Duration{-5 * time.Minute, -time.Microsecond, 0, time.Microsecond, 2 * time.Minute,
		5*time.Minute - time.Microsecond, 5 * time.Minute, 17 * time.Minute, 3 * time.Hour}
	var seq int
	session := func(u store.User) store.Session {
		ss, _ := newSession(u)
		ss.LegacyDigest = secret.Digest{}
		ss.ExpiresAt = base.Add(offsets[seq%len(offsets)])
		ss.Idle = seq%3 == 0
		seq++
		return ss
	}
	add := func(ss store.Session) {
		model[ss.ID] = &rec{org: ss.OrgID, user: ss.UserID, token: ss.TokenID, expires: ss.ExpiresAt, ended: !ss.EndedAt.IsZero()}
	}
	check := func(step string) {
		t.Helper()
		for _, off := range append([]time.Duration{-time.Hour, -10 * time.Minute}, offsets...) {
			now := base.Add(off)
			for _, scope := range []struct {
				name string
				org  urn.UUID
			}{{"all", urn.UUID{}}, {"acme", acme.ID}, {"beta", carol.OrgID}} {
				want := 0
				for _, r := range model {
					if !r.ended && r.expires.After(now) && (scope.org.IsZero() || r.org == scope.org) {
						want++
					}
				}
				_, got, err := s.Sessions(c, store.SessionQuery{OrgID: scope.org, Now: now, Page: store.Page{Limit: 1}})
				must(t, err)
				if got != want {
					t.Fatalf("after %s: total of %s at base%+v = %d, want %d", step, scope.name, off, got, want)
				}
			}
		}
	}
	check("nothing")

	// Inserts in a transaction, one of them already ended.
	update(t, s, func(tx store.Tx) error {
		for i := 0; i < 20; i++ {
			ss := session([]store.User{alice, bob, carol}[i%3])
			if i == 7 {
				ss.EndedAt = t0
			}
			if err := tx.InsertSession(c, ss); err != nil {
				return err
			}
			add(ss)
		}
		return nil
	})
	check("InsertSession")

	// The bulk path.
	var bulk []store.Session
	for i := 0; i < 40; i++ {
		ss := session([]store.User{alice, carol}[i%2])
		bulk = append(bulk, ss)
		add(ss)
	}
	update(t, s, func(tx store.Tx) error { return tx.InsertSessions(c, bulk) })
	check("InsertSessions")

	// Guarded creates, with and without a token, and one the guard refuses.
	g := store.SessionGuard{ValidAfter: bob.ValidAfter, PasswordHash: bob.PasswordHash, TokenDigest: d}
	for i := 0; i < 12; i++ {
		ss := session(bob)
		ss.ID = urn.NewTimeOrdered(t0)
		ss.TokenID, ss.Origin, ss.Dialect = tok.ID, store.OriginAPIToken, "oauth"
		in, err := s.CreateSession(c, ss, g)
		if err != nil || !in {
			t.Fatalf("CreateSession = %v, %v", in, err)
		}
		add(ss)
	}
	refused := session(bob)
	if in, err := s.CreateSession(c, refused, store.SessionGuard{ValidAfter: bob.ValidAfter, PasswordHash: "other"}); err != nil || in {
		t.Fatalf("CreateSession with a stale guard = %v, %v", in, err)
	}
	check("CreateSession")

	// One end, and ending an ended session again.
	var one urn.UUID
	for id, r := range model {
		if !r.ended && r.org == carol.OrgID {
			one = id
			break
		}
	}
	for range 2 {
		update(t, s, func(tx store.Tx) error { _, err := tx.EndSession(c, one, t0, "logout"); return err })
	}
	model[one].ended = true
	check("EndSession")

	// Ends by token, by user, by org.
	endBy := func(step string, sel store.SessionSelector, match func(*rec) bool) {
		t.Helper()
		var ended []urn.UUID
		update(t, s, func(tx store.Tx) error {
			var err error
			ended, err = tx.EndSessions(c, sel, t0, step)
			return err
		})
		want := 0
		for _, r := range model {
			if !r.ended && match(r) {
				r.ended = true
				want++
			}
		}
		if len(ended) != want {
			t.Fatalf("%s ended %d sessions, want %d", step, len(ended), want)
		}
		check(step)
	}
	endBy("end by token", store.SessionSelector{TokenID: tok.ID}, func(r *rec) bool { return r.token == tok.ID })
	endBy("end by user", store.SessionSelector{UserID: alice.ID}, func(r *rec) bool { return r.user == alice.ID })

	// More sessions, then the idle sweep ends the idle ones among them.
	var idle []urn.UUID
	update(t, s, func(tx store.Tx) error {
		for i := 0; i < 9; i++ {
			ss := session([]store.User{bob, carol}[i%2])
			ss.Idle, ss.LastActive = true, t0.Add(-time.Hour)
			if err := tx.InsertSession(c, ss); err != nil {
				return err
			}
			add(ss)
			idle = append(idle, ss.ID)
		}
		return nil
	})
	update(t, s, func(tx store.Tx) error {
		ids, err := tx.EndIdleSessionsUpTo(c, t0, t0, 100)
		for _, id := range ids {
			model[id].ended = true
		}
		if err == nil && len(ids) != len(idle) {
			t.Fatalf("the idle sweep ended %d sessions, want %d", len(ids), len(idle))
		}
		return err
	})
	check("EndIdleSessionsUpTo")

	// The purge deletes ended sessions and sessions expired unended.
	cutoff := base.Add(time.Minute)
	update(t, s, func(tx store.Tx) error {
		_, err := tx.PurgeSessionsUpTo(c, cutoff, 1000)
		return err
	})
	for id, r := range model {
		if r.ended || r.expires.Before(cutoff) {
			delete(model, id)
		}
	}
	check("PurgeSessionsUpTo")

	endBy("end by org", store.SessionSelector{OrgID: acme.ID}, func(r *rec) bool { return r.org == acme.ID })
}

// testConcurrentSessionCounts writes sessions from many goroutines at
// once (guarded creates, transactions of several sessions in different
// buckets, ends one by one and by user), so that PostgreSQL's counter rows
// are contended and deadlocks among them are retried, then compares the
// totals with the rows each list returns.
func testConcurrentSessionCounts(t *testing.T, s store.Store) {
	c := ctx(t)
	acme, alice, bob, carol := twoOrgs(t, s)
	users := []store.User{alice, bob, carol}
	now := t0.Truncate(5 * time.Minute).Add(2*time.Minute + 30*time.Second)
	session := func(u store.User, i int) store.Session {
		ss, _ := newSession(u)
		ss.ID = urn.NewTimeOrdered(t0)
		ss.LegacyDigest = secret.Digest{}
		// Now's bucket (both sides of now), the next ones, and the past.
		ss.ExpiresAt = now.Add(time.Duration(i%7-2) * 100 * time.Second)
		return ss
	}
	var wg sync.WaitGroup
	for w := 0; w < 12; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []urn.UUID
			for i := 0; i < 20; i++ {
				u := users[(w+i)%len(users)]
				var err error
				switch i % 5 {
				case 0, 1:
					ss := session(u, w+i)
					var in bool
					in, err = s.CreateSession(c, ss, store.SessionGuard{ValidAfter: u.ValidAfter, PasswordHash: u.PasswordHash})
					if err == nil && !in {
						t.Errorf("CreateSession refused a session of %s", u.Name)
					}
					mine = append(mine, ss.ID)
				case 2:
					err = s.Update(c, func(tx store.Tx) error {
						for k := 0; k < 3; k++ {
							ss := session(users[(w+k)%len(users)], w+i+k)
							if err := tx.InsertSession(c, ss); err != nil {
								return err
							}
						}
						return nil
					})
				case 3:
					if len(mine) > 0 {
						id := mine[len(mine)-1]
						mine = mine[:len(mine)-1]
						err = s.Update(c, func(tx store.Tx) error { _, err := tx.EndSession(c, id, t0, "logout"); return err })
					}
				case 4:
					if w%4 == 0 {
						err = s.Update(c, func(tx store.Tx) error {
							_, err := tx.EndSessions(c, store.SessionSelector{UserID: u.ID}, t0, "disabled")
							return err
						})
					}
				}
				if err != nil {
					t.Errorf("worker %d, step %d: %v", w, i, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	for _, org := range []urn.UUID{{}, acme.ID, carol.OrgID} {
		for _, at := range []time.Time{now, now.Add(-3 * time.Minute), now.Add(4 * time.Minute)} {
			rows, _, err := s.Sessions(c, store.SessionQuery{OrgID: org, Now: at})
			must(t, err)
			_, total, err := s.Sessions(c, store.SessionQuery{OrgID: org, Now: at, Page: store.Page{Limit: 1}})
			must(t, err)
			if total != len(rows) {
				t.Fatalf("org %v at %v: total %d, but the list has %d sessions", org, at, total, len(rows))
			}
		}
	}
}
