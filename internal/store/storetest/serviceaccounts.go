package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/cloudgate/cloudgate/internal/fiql"
	"github.com/cloudgate/cloudgate/internal/secret"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
)

// newAccount inserts a service account (user row and account row) of org
// with role and returns it.
func newAccount(t *testing.T, s store.Store, org store.Org, role store.Role, name string, at time.Time) store.ServiceAccount {
	t.Helper()
	c := ctx(t)
	u := store.User{ID: urn.New(), OrgID: org.ID, Name: name, Kind: store.KindServiceAccount, RoleID: role.ID,
		Enabled: true, CreatedAt: at, UpdatedAt: at}
	a := store.ServiceAccount{ID: u.ID, OrgID: org.ID, SoftwareID: "sw-" + name, SoftwareVersion: "1.0",
		URI: "https://example.com/" + name, Status: store.AccountCreated, CreatedAt: at, UpdatedAt: at}
	update(t, s, func(tx store.Tx) error {
		if err := tx.InsertUser(c, u); err != nil {
			return err
		}
		return tx.InsertServiceAccount(c, a)
	})
	return a
}

func digest() secret.Digest {
	_, d := secret.NewToken(secret.PrefixSARefresh)
	return d
}

func testServiceAccounts(t *testing.T, s store.Store) {
	c := ctx(t)
	org, role, creator := fixture(t, s, "acme", "alice")
	a := newAccount(t, s, org, role, "robot", t0)

	row, err := s.ServiceAccountByID(c, a.ID)
	must(t, err)
	if !reflect.DeepEqual(row.ServiceAccount, a) || row.Name != "robot" || row.RoleID != role.ID || row.RoleName != role.Name || row.OrgName != "acme" {
		t.Fatalf("ServiceAccountByID = %+v, want %+v", row, a)
	}
	// The account is a user of its org: the name is taken for people too.
	dup := store.User{ID: urn.New(), OrgID: org.ID, Name: "ROBOT", Kind: store.KindUser, RoleID: role.ID, Enabled: true, CreatedAt: t0, UpdatedAt: t0}
	wantErr(t, s.Update(c, func(tx store.Tx) error { return tx.InsertUser(c, dup) }), store.ErrConflict)
	// An account row needs its user row.
	if err := s.Update(c, func(tx store.Tx) error {
		return tx.InsertServiceAccount(c, store.ServiceAccount{ID: urn.New(), OrgID: org.ID, Status: store.AccountCreated, CreatedAt: t0, UpdatedAt: t0})
	}); err == nil {
		t.Fatal("an account without a user row was inserted")
	}

	// Every mutable field round-trips (microsecond times, digests, flags).
	dev, code, ref := digest(), digest(), digest()
	a.SoftwareID, a.SoftwareVersion, a.URI, a.Status = "sw-2", "2.0", "", store.AccountGranted
	a.UpdatedAt, a.DeviceDigest, a.UserCodeDigest = t0.Add(time.Second), dev, code
	a.RequestedAt, a.CodeExpiresAt, a.PollInterval, a.LastPollAt = t0.Add(2*time.Second), t0.Add(10*time.Minute), 10, t0.Add(3*time.Second)
	a.Denied, a.GrantedBy, a.GrantedAt = true, creator.ID, t0.Add(4*time.Second)
	a.GrantID, a.RefreshDigest, a.Generation, a.ActivatedAt, a.LastUsedAt = urn.New(), ref, 7, t0.Add(5*time.Second), t0.Add(6*time.Second)
	update(t, s, func(tx store.Tx) error {
		locked, err := tx.LockServiceAccount(c, a.ID)
		if err != nil {
			return err
		}
		if locked.Status != store.AccountCreated {
			t.Errorf("LockServiceAccount read status %q", locked.Status)
		}
		return tx.UpdateServiceAccount(c, a)
	})
	row, err = s.ServiceAccountByID(c, a.ID)
	must(t, err)
	if !reflect.DeepEqual(row.ServiceAccount, a) {
		t.Fatalf("after update = %+v\nwant %+v", row.ServiceAccount, a)
	}
	for name, find := range map[string]func() (urn.UUID, error){
		"device":    func() (urn.UUID, error) { x, err := s.ServiceAccountByDevice(c, dev); return x.ID, err },
		"user code": func() (urn.UUID, error) { x, err := s.ServiceAccountByUserCode(c, code); return x.ID, err },
		"refresh":   func() (urn.UUID, error) { x, err := s.ServiceAccountByRefresh(c, ref); return x.ID, err },
	} {
		id, err := find()
		if err != nil || id != a.ID {
			t.Fatalf("by %s: %v %v", name, id, err)
		}
	}
	_, err = s.ServiceAccountByRefresh(c, digest())
	wantErr(t, err, store.ErrNotFound)
	_, err = s.ServiceAccountByID(c, urn.New())
	wantErr(t, err, store.ErrNotFound)
	wantErr(t, s.Update(c, func(tx store.Tx) error {
		return tx.UpdateServiceAccount(c, store.ServiceAccount{ID: urn.New(), Status: store.AccountCreated})
	}), store.ErrNotFound)

	// Two accounts cannot share a user code (or any other digest).
	b := newAccount(t, s, org, role, "robot-2", t0)
	b.UserCodeDigest = code
	wantErr(t, s.Update(c, func(tx store.Tx) error { return tx.UpdateServiceAccount(c, b) }), store.ErrConflict)

	// Retired tokens: found by digest, forgotten per account, purged by age.
	old1, old2, other := digest(), digest(), digest()
	update(t, s, func(tx store.Tx) error {
		for _, r := range []store.RetiredRefresh{
			{Digest: old1, AccountID: a.ID, Generation: 1, RetiredAt: t0},
			{Digest: old2, AccountID: a.ID, Generation: 2, RetiredAt: t0.Add(time.Hour)},
			{Digest: other, AccountID: b.ID, Generation: 1, RetiredAt: t0},
		} {
			if err := tx.RetireRefresh(c, r); err != nil {
				return err
			}
		}
		return nil
	})
	got, err := s.RetiredRefreshByDigest(c, old2)
	must(t, err)
	if got != (store.RetiredRefresh{Digest: old2, AccountID: a.ID, Generation: 2, RetiredAt: t0.Add(time.Hour)}) {
		t.Fatalf("RetiredRefreshByDigest = %+v", got)
	}
	var purged, forgotten int
	update(t, s, func(tx store.Tx) error {
		var err error
		if purged, err = tx.PurgeRetired(c, t0.Add(time.Minute)); err != nil {
			return err
		}
		forgotten, err = tx.ForgetRetired(c, a.ID)
		return err
	})
	if purged != 2 || forgotten != 1 {
		t.Fatalf("purged %d (want 2), forgotten %d (want 1)", purged, forgotten)
	}
	for _, d := range []secret.Digest{old1, old2, other} {
		_, err := s.RetiredRefreshByDigest(c, d)
		wantErr(t, err, store.ErrNotFound)
	}

	// Delete removes the account row and its retired tokens; then the user
	// row can go and the name is free again.
	update(t, s, func(tx store.Tx) error {
		return tx.RetireRefresh(c, store.RetiredRefresh{Digest: digest(), AccountID: a.ID, Generation: 8, RetiredAt: t0})
	})
	update(t, s, func(tx store.Tx) error {
		if err := tx.DeleteServiceAccount(c, a.ID); err != nil {
			return err
		}
		return tx.DeleteUser(c, a.ID)
	})
	_, err = s.ServiceAccountByID(c, a.ID)
	wantErr(t, err, store.ErrNotFound)
	wantErr(t, s.Update(c, func(tx store.Tx) error { return tx.DeleteServiceAccount(c, a.ID) }), store.ErrNotFound)
	newAccount(t, s, org, role, "robot", t0)
}

func testServiceAccountList(t *testing.T, s store.Store) {
	c := ctx(t)
	acme, role, _ := fixture(t, s, "acme", "alice")
	other, otherRole, _ := fixture(t, s, "other", "carol")
	for i, x := range []struct {
		org  store.Org
		role store.Role
		name string
	}{{acme, role, "b-robot"}, {acme, role, "a-robot"}, {other, otherRole, "c-robot"}, {acme, role, "d-robot"}} {
		a := newAccount(t, s, x.org, x.role, x.name, t0.Add(time.Duration(i)*time.Minute))
		if x.name == "d-robot" {
			a.Status, a.UpdatedAt = store.AccountActive, t0
			update(t, s, func(tx store.Tx) error { return tx.UpdateServiceAccount(c, a) })
		}
	}
	for _, tc := range []struct {
		query  store.ServiceAccountQuery
		filter string
		want   []string
	}{
		{store.ServiceAccountQuery{}, "", []string{"a-robot", "b-robot", "c-robot", "d-robot"}},
		{store.ServiceAccountQuery{OrgID: acme.ID}, "", []string{"a-robot", "b-robot", "d-robot"}},
		// Exactly the filter govcd's GetServiceAccountByName sends.
		{store.ServiceAccountQuery{OrgID: acme.ID}, "name==b-robot", []string{"b-robot"}},
		{store.ServiceAccountQuery{}, "status==ACTIVE", []string{"d-robot"}},
		{store.ServiceAccountQuery{}, "org.name==OTHER", []string{"c-robot"}},
		{store.ServiceAccountQuery{}, "role.name==" + otherRole.Name, []string{"c-robot"}},
		{store.ServiceAccountQuery{}, "softwareId==sw-a*", []string{"a-robot"}},
		{store.ServiceAccountQuery{}, "createdAt=ge=" + t0.Add(2*time.Minute).Format(time.RFC3339Nano), []string{"c-robot", "d-robot"}},
		{store.ServiceAccountQuery{Sort: []store.Sort{{Field: "createdAt", Desc: true}}, Page: store.Page{Offset: 1, Limit: 2}}, "", []string{"c-robot", "a-robot"}},
	} {
		q := tc.query
		if tc.filter != "" {
			f, err := fiql.Parse(tc.filter)
			must(t, err)
			q.Filter = f
		}
		rows, total, err := s.ServiceAccounts(c, q)
		must(t, err)
		var names []string
		for _, r := range rows {
			names = append(names, r.Name)
			if r.OrgName == "" || r.RoleName == "" || r.RoleID.IsZero() {
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

var errRotated = errors.New("rotated by someone else")

// rotate is one refresh as the service does it: swap the presented token
// for a successor (RotateRefresh takes the account's row lock), make a
// session and retire the presented token; all in one transaction.
func rotate(c context.Context, s store.Store, a store.ServiceAccount, presented secret.Digest, sess store.Session) (secret.Digest, error) {
	next := digest()
	err := s.Update(c, func(tx store.Tx) error {
		gen, err := tx.RotateRefresh(c, a.ID, a.GrantID, presented, next, t0)
		if errors.Is(err, store.ErrNotFound) {
			return errRotated
		}
		if err != nil {
			return err
		}
		if _, err := tx.PinUser(c, a.ID); err != nil {
			return err
		}
		if err := tx.InsertSession(c, sess); err != nil {
			return err
		}
		return tx.RetireRefresh(c, store.RetiredRefresh{Digest: presented, AccountID: a.ID, Generation: gen, RetiredAt: t0})
	})
	return next, err
}

// RotateRefresh swaps only the live token of the named grant of an active
// account in an enabled org, and reports the generation it had.
func testRotateRefresh(t *testing.T, s store.Store) {
	c := ctx(t)
	org, role, _ := fixture(t, s, "acme", "alice")
	a := newAccount(t, s, org, role, "robot", t0)
	cur := digest()
	a.Status, a.GrantID, a.RefreshDigest, a.Generation = store.AccountActive, urn.New(), cur, 3
	update(t, s, func(tx store.Tx) error { return tx.UpdateServiceAccount(c, a) })
	try := func(grant urn.UUID, presented secret.Digest) (secret.Digest, int64, error) {
		next := digest()
		var gen int64
		err := s.Update(c, func(tx store.Tx) error {
			var err error
			gen, err = tx.RotateRefresh(c, a.ID, grant, presented, next, t0.Add(time.Hour))
			return err
		})
		return next, gen, err
	}
	_, _, err := try(a.GrantID, digest())
	wantErr(t, err, store.ErrNotFound)
	_, _, err = try(urn.New(), cur)
	wantErr(t, err, store.ErrNotFound)
	next, gen, err := try(a.GrantID, cur)
	must(t, err)
	got, err := s.ServiceAccountByID(c, a.ID)
	must(t, err)
	if gen != 3 || got.Generation != 4 || got.RefreshDigest != next || !got.LastUsedAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("after RotateRefresh: gen %d, account %+v", gen, got.ServiceAccount)
	}
	_, _, err = try(a.GrantID, cur) // the old token again
	wantErr(t, err, store.ErrNotFound)
	// Not in a disabled org, not unless ACTIVE.
	org.Enabled = false
	update(t, s, func(tx store.Tx) error { return tx.UpdateOrg(c, org) })
	_, _, err = try(a.GrantID, next)
	wantErr(t, err, store.ErrNotFound)
	org.Enabled = true
	update(t, s, func(tx store.Tx) error { return tx.UpdateOrg(c, org) })
	got.Status = store.AccountCreated
	update(t, s, func(tx store.Tx) error { return tx.UpdateServiceAccount(c, got.ServiceAccount) })
	_, _, err = try(a.GrantID, next)
	wantErr(t, err, store.ErrNotFound)
}

// Rotation races: many transactions present the same refresh token at
// once; exactly one stores a successor, the others see the token retired.
// Repeated so that every backend's interleavings get a chance.
func testConcurrentRotation(t *testing.T, s store.Store) {
	c := ctx(t)
	org, role, _ := fixture(t, s, "acme", "alice")
	a := newAccount(t, s, org, role, "robot", t0)
	cur := digest()
	a.Status, a.GrantID, a.RefreshDigest, a.Generation = store.AccountActive, urn.New(), cur, 1
	update(t, s, func(tx store.Tx) error { return tx.UpdateServiceAccount(c, a) })
	user := store.User{ID: a.ID, OrgID: org.ID}
	for round := 0; round < 5; round++ {
		const n = 16
		var wg sync.WaitGroup
		wins := make([]secret.Digest, n)
		errs := make([]error, n)
		start := make(chan struct{})
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				sess, _ := newSession(user)
				sess.Origin, sess.TokenID = store.OriginServiceAccount, a.GrantID
				<-start
				wins[i], errs[i] = rotate(c, s, a, cur, sess)
			}(i)
		}
		close(start)
		wg.Wait()
		var winner secret.Digest
		won := 0
		for i := range errs {
			switch {
			case errs[i] == nil:
				won++
				winner = wins[i]
			case !errors.Is(errs[i], errRotated):
				t.Fatalf("round %d: rotation failed with %v", round, errs[i])
			}
		}
		if won != 1 {
			t.Fatalf("round %d: %d rotations succeeded, want exactly 1", round, won)
		}
		got, err := s.ServiceAccountByRefresh(c, winner)
		must(t, err)
		if got.Generation != int64(round+2) {
			t.Fatalf("round %d: generation %d", round, got.Generation)
		}
		if r, err := s.RetiredRefreshByDigest(c, cur); err != nil || r.AccountID != a.ID {
			t.Fatalf("round %d: presented token not retired: %+v %v", round, r, err)
		}
		cur = winner
	}
	rows, total, err := s.Sessions(c, store.SessionQuery{UserID: a.ID, Now: t0})
	must(t, err)
	if total != 5 || len(rows) != 5 {
		t.Fatalf("%d sessions, want one per successful rotation (5)", total)
	}
}

// Revocation against rotation: a revocation locks the account, returns it
// to CREATED and ends its sessions (every session of its user); a rotation
// racing it either finishes first (and its session is ended) or sees
// CREATED. No session survives.
func testRevokeVersusRotation(t *testing.T, s store.Store) {
	c := ctx(t)
	org, role, _ := fixture(t, s, "acme", "alice")
	for round := 0; round < 5; round++ {
		a := newAccount(t, s, org, role, fmt.Sprintf("robot-%d", round), t0)
		cur := digest()
		a.Status, a.GrantID, a.RefreshDigest, a.Generation = store.AccountActive, urn.New(), cur, 1
		update(t, s, func(tx store.Tx) error { return tx.UpdateServiceAccount(c, a) })
		user := store.User{ID: a.ID, OrgID: org.ID}
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				sess, _ := newSession(user)
				sess.Origin, sess.TokenID = store.OriginServiceAccount, a.GrantID
				<-start
				if _, err := rotate(c, s, a, cur, sess); err != nil && !errors.Is(err, errRotated) {
					t.Error(err)
				}
			}()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			update(t, s, func(tx store.Tx) error {
				acct, err := tx.LockServiceAccount(c, a.ID)
				if err != nil {
					return err
				}
				acct.Status, acct.RefreshDigest = store.AccountCreated, secret.Digest{}
				if err := tx.UpdateServiceAccount(c, acct); err != nil {
					return err
				}
				if _, err := tx.ForgetRetired(c, a.ID); err != nil {
					return err
				}
				_, err = tx.EndSessions(c, store.SessionSelector{UserID: a.ID}, t0, "revoked")
				return err
			})
		}()
		close(start)
		wg.Wait()
		_, live, err := s.Sessions(c, store.SessionQuery{UserID: a.ID, Now: t0})
		must(t, err)
		if live != 0 {
			t.Fatalf("round %d: %d sessions of a revoked account are live", round, live)
		}
		got, err := s.ServiceAccountByID(c, a.ID)
		must(t, err)
		if got.Status != store.AccountCreated || !got.RefreshDigest.IsZero() {
			t.Fatalf("round %d: account after revocation: %+v", round, got.ServiceAccount)
		}
	}
}
