package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/cloudgate/cloudgate/internal/fiql"
	"github.com/cloudgate/cloudgate/internal/store"
)

// testListTotals checks that a list's total counts exactly the rows the
// list itself returns, for every shape the count takes: no scope, an org
// or a user, filters on the listed table, on one joined table, on both,
// and sessions with and without the idle cutoff. The backends count
// through indexes and leave out joins (sqlstore/list.go), so the total is
// computed differently from the rows it must match. Each query has a
// deadline of its own: the 160 of them may take a while under -race.
func testListTotals(t *testing.T, s store.Store) {
	c := ctx(t)
	_, alice, bob, carol := twoOrgs(t, s)
	now := t0.Add(2 * time.Hour)
	update(t, s, func(tx store.Tx) error {
		for i := 0; i < 24; i++ {
			u := []store.User{alice, bob, carol}[i%3]
			ss, _ := newSession(u)
			ss.CreatedAt = t0.Add(time.Duration(i) * time.Minute)
			ss.LastActive = ss.CreatedAt
			ss.Idle = i%4 != 0 // a quarter never idle-expire
			if i%5 == 0 {
				ss.ClientIP = "192.0.2.9"
			}
			switch i % 8 {
			case 6:
				ss.EndedAt = t0.Add(time.Hour) // ended: never listed
			case 7:
				ss.ExpiresAt = t0.Add(time.Hour) // expired at now
			}
			if err := tx.InsertSession(c, ss); err != nil {
				return err
			}
		}
		for i := 0; i < 12; i++ {
			u := []store.User{alice, bob, carol}[i%3]
			tok := newToken(u, fmt.Sprintf("t%02d", i))
			if i%4 == 3 {
				tok.RevokedAt = t0 // revoked: never listed
			}
			if err := tx.InsertToken(c, tok); err != nil {
				return err
			}
		}
		return nil
	})
	filters := []string{"", "ip==192.0.2.9", "user.name==alice", "org.name==BETA", "user.name==alice;org.name==acme",
		"user.name==carol,ip==192.0.2.9", "user.id==urn:vcloud:user:" + bob.ID.String()}
	tokenFilters := []string{"", "name==t0*", "owner.name==alice", "org.name==beta", "owner.name==bob;org.name==acme",
		"owner.name==carol,name==t01"}
	parse := func(f string) fiql.Expr {
		if f == "" {
			return nil
		}
		e, err := fiql.Parse(f)
		must(t, err)
		return e
	}
	nonEmpty := 0
	for _, scope := range []struct {
		name       string
		org, owner store.User // zero: no scope; org uses the user's org
	}{{name: "all"}, {name: "org acme", org: alice}, {name: "user bob", owner: bob}, {name: "org beta", org: carol}} {
		for _, f := range filters {
			for _, idle := range []time.Time{{}, t0.Add(10 * time.Minute)} {
				q := store.SessionQuery{Now: now, OrgID: scope.org.OrgID, UserID: scope.owner.ID, Filter: parse(f), IdleBefore: idle}
				rows, _, err := s.Sessions(ctx(t), q)
				must(t, err)
				q.Page = store.Page{Limit: 1}
				_, total, err := s.Sessions(ctx(t), q)
				must(t, err)
				if total != len(rows) {
					t.Errorf("sessions of %s, filter %q, idle before %v: total %d, but %d rows listed", scope.name, f, idle, total, len(rows))
				}
				nonEmpty += min(total, 1)
			}
		}
		for _, f := range tokenFilters {
			q := store.TokenQuery{OrgID: scope.org.OrgID, OwnerID: scope.owner.ID, Filter: parse(f)}
			rows, _, err := s.Tokens(ctx(t), q)
			must(t, err)
			q.Page = store.Page{Limit: 1}
			_, total, err := s.Tokens(ctx(t), q)
			must(t, err)
			if total != len(rows) {
				t.Errorf("tokens of %s, filter %q: total %d, but %d rows listed", scope.name, f, total, len(rows))
			}
			nonEmpty += min(total, 1)
		}
	}
	if nonEmpty < 40 {
		t.Fatalf("only %d of the queries matched anything: the fixture does not exercise the counts", nonEmpty)
	}
}
