package storetest

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/cloudgate/cloudgate/internal/fiql"
	"github.com/cloudgate/cloudgate/internal/secret"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
)

func newToken(u store.User, name string) store.APIToken {
	return store.APIToken{ID: urn.New(), Name: name, OwnerID: u.ID, OrgID: u.OrgID, Type: store.TokenTypeRefresh, CreatedAt: t0}
}

func testTokens(t *testing.T, s store.Store) {
	c := ctx(t)
	_, _, u := fixture(t, s, "acme", "alice")
	tok := newToken(u, "ci")
	update(t, s, func(tx store.Tx) error { return tx.InsertToken(c, tok) })
	got, err := s.TokenByID(c, tok.ID)
	must(t, err)
	if !reflect.DeepEqual(got, tok) {
		t.Fatalf("TokenByID = %+v, want %+v", got, tok)
	}
	// Names are unique per owner among live tokens, ignoring case.
	wantErr(t, s.Update(c, func(tx store.Tx) error { return tx.InsertToken(c, newToken(u, "CI")) }), store.ErrConflict)

	// The secret is minted once.
	_, d := secret.NewToken(secret.PrefixAPIToken)
	var first, second bool
	update(t, s, func(tx store.Tx) error {
		var err error
		if first, err = tx.MintToken(c, tok.ID, d, t0.Add(time.Second)); err != nil {
			return err
		}
		_, d2 := secret.NewToken(secret.PrefixAPIToken)
		second, err = tx.MintToken(c, tok.ID, d2, t0.Add(2*time.Second))
		return err
	})
	if !first || second {
		t.Fatalf("MintToken = %v then %v, want true then false", first, second)
	}
	got, err = s.TokenByDigest(c, d)
	must(t, err)
	if got.ID != tok.ID || !got.MintedAt.Equal(t0.Add(time.Second)) {
		t.Fatalf("TokenByDigest = %+v", got)
	}
	update(t, s, func(tx store.Tx) error {
		locked, err := tx.PinToken(c, tok.ID)
		if err != nil {
			return err
		}
		if locked.Digest != d {
			t.Error("PinToken did not read the digest")
		}
		return tx.TouchTokens(c, []store.Touch{{ID: tok.ID, At: t0.Add(time.Hour)}, {ID: tok.ID, At: t0.Add(time.Minute)}})
	})
	got, _ = s.TokenByID(c, tok.ID)
	if !got.LastUsedAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("LastUsedAt = %v", got.LastUsedAt)
	}
	var r1, r2 bool
	update(t, s, func(tx store.Tx) error {
		var err error
		if r1, err = tx.RevokeToken(c, tok.ID, t0.Add(2*time.Hour)); err != nil {
			return err
		}
		r2, err = tx.RevokeToken(c, tok.ID, t0.Add(3*time.Hour))
		return err
	})
	if !r1 || r2 {
		t.Fatalf("RevokeToken = %v then %v", r1, r2)
	}
	got, _ = s.TokenByID(c, tok.ID)
	if !got.RevokedAt.Equal(t0.Add(2 * time.Hour)) {
		t.Fatalf("RevokedAt = %v", got.RevokedAt)
	}
	// A revoked token frees its name and can no longer be minted.
	update(t, s, func(tx store.Tx) error { return tx.InsertToken(c, newToken(u, "ci")) })
	_, err = s.TokenByID(c, urn.New())
	wantErr(t, err, store.ErrNotFound)
}

func testTokenList(t *testing.T, s store.Store) {
	c := ctx(t)
	org, role, alice := fixture(t, s, "acme", "alice")
	bob := addUser(t, s, org, role, "bob")
	_, _, carol := fixture(t, s, "other", "carol")
	update(t, s, func(tx store.Tx) error {
		for i, u := range []store.User{alice, alice, bob, carol, alice} {
			tok := newToken(u, fmt.Sprintf("tok-%d", i))
			tok.CreatedAt = t0.Add(time.Duration(i) * time.Minute)
			if err := tx.InsertToken(c, tok); err != nil {
				return err
			}
			if i == 4 {
				if _, err := tx.RevokeToken(c, tok.ID, t0); err != nil {
					return err
				}
			}
		}
		return nil
	})
	for _, tc := range []struct {
		query  store.TokenQuery
		filter string
		want   []string
	}{
		{store.TokenQuery{}, "", []string{"tok-0", "tok-1", "tok-2", "tok-3"}},
		{store.TokenQuery{OrgID: org.ID}, "", []string{"tok-0", "tok-1", "tok-2"}},
		{store.TokenQuery{OwnerID: alice.ID}, "", []string{"tok-0", "tok-1"}},
		// Exactly the filter govcd's GetTokenByNameAndUsername sends.
		{store.TokenQuery{}, "(name==tok-2;owner.name==bob;(type==PROXY,type==REFRESH))", []string{"tok-2"}},
		{store.TokenQuery{}, "org.name==OTHER", []string{"tok-3"}},
		{store.TokenQuery{}, "owner.id==" + carol.ID.URN("user"), []string{"tok-3"}},
		{store.TokenQuery{OrgID: org.ID}, "name!=tok-1", []string{"tok-0", "tok-2"}},
		{store.TokenQuery{Sort: []store.Sort{{Field: "name", Desc: true}}, Page: store.Page{Offset: 1, Limit: 2}}, "", []string{"tok-2", "tok-1"}},
	} {
		q := tc.query
		if tc.filter != "" {
			f, err := fiql.Parse(tc.filter)
			must(t, err)
			q.Filter = f
		}
		rows, total, err := s.Tokens(c, q)
		must(t, err)
		var names []string
		for _, r := range rows {
			names = append(names, r.Name)
			if r.OwnerName == "" || r.OrgName == "" {
				t.Fatalf("row without names: %+v", r)
			}
		}
		if !reflect.DeepEqual(names, tc.want) {
			t.Errorf("%q %+v: got %v, want %v", tc.filter, tc.query.Page, names, tc.want)
		}
		if q.Page.Limit == 0 && total != len(tc.want) {
			t.Errorf("%q: total %d, want %d", tc.filter, total, len(tc.want))
		}
		if q.Page.Limit > 0 && total != 4 {
			t.Errorf("paged total %d, want 4", total)
		}
	}
}
