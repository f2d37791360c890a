package storetest

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
)

func testOrgs(t *testing.T, s store.Store) {
	c := ctx(t)
	a := store.Org{ID: urn.New(), Name: "Acme", FullName: "Acme Corporation", Description: "d", Enabled: true,
		Lockout: store.Lockout{Enabled: true, InvalidLogins: 10, IntervalMinutes: 15}, CreatedAt: t0}
	update(t, s, func(tx store.Tx) error { return tx.InsertOrg(c, a) })

	for _, name := range []string{"Acme", "acme", "ACME"} {
		got, err := s.OrgByName(c, name)
		must(t, err)
		if !reflect.DeepEqual(got, a) {
			t.Fatalf("OrgByName(%q) = %+v, want %+v", name, got, a)
		}
	}
	got, err := s.OrgByID(c, a.ID)
	must(t, err)
	if !reflect.DeepEqual(got, a) {
		t.Fatalf("OrgByID = %+v, want %+v", got, a)
	}
	_, err = s.OrgByID(c, urn.New())
	wantErr(t, err, store.ErrNotFound)
	_, err = s.OrgByName(c, "nope")
	wantErr(t, err, store.ErrNotFound)

	dup := a
	dup.ID, dup.Name = urn.New(), "aCmE"
	wantErr(t, s.Update(c, func(tx store.Tx) error { return tx.InsertOrg(c, dup) }), store.ErrConflict)

	b := store.Org{ID: urn.New(), Name: "beta", Enabled: true, CreatedAt: t0}
	update(t, s, func(tx store.Tx) error { return tx.InsertOrg(c, b) })
	a.Enabled, a.FullName, a.Lockout.InvalidLogins = false, "Acme Ltd", 3
	update(t, s, func(tx store.Tx) error { return tx.UpdateOrg(c, a) })
	got, err = s.OrgByID(c, a.ID)
	must(t, err)
	if got.Enabled || got.FullName != "Acme Ltd" || got.Lockout.InvalidLogins != 3 {
		t.Fatalf("update not applied: %+v", got)
	}
	b.Name = "ACME"
	wantErr(t, s.Update(c, func(tx store.Tx) error { return tx.UpdateOrg(c, b) }), store.ErrConflict)
	wantErr(t, s.Update(c, func(tx store.Tx) error { return tx.UpdateOrg(c, store.Org{ID: urn.New(), Name: "x"}) }), store.ErrNotFound)

	orgs, err := s.Orgs(c)
	must(t, err)
	if len(orgs) != 2 || orgs[0].ID != a.ID || orgs[1].ID != b.ID {
		t.Fatalf("Orgs = %+v", orgs)
	}
}

func testRoles(t *testing.T, s store.Store) {
	c := ctx(t)
	r := store.Role{ID: urn.New(), Name: "vApp Author", Description: "authors", Rights: []string{"Token: Manage", "vApp: Create"}, Predefined: true}
	empty := store.Role{ID: urn.New(), Name: "Nothing", Rights: nil, SystemOnly: true}
	update(t, s, func(tx store.Tx) error {
		if err := tx.InsertRole(c, r); err != nil {
			return err
		}
		return tx.InsertRole(c, empty)
	})
	got, err := s.RoleByName(c, "VAPP AUTHOR")
	must(t, err)
	if !reflect.DeepEqual(got, r) {
		t.Fatalf("RoleByName = %+v, want %+v", got, r)
	}
	got, err = s.RoleByID(c, empty.ID)
	must(t, err)
	if len(got.Rights) != 0 || !got.SystemOnly {
		t.Fatalf("RoleByID = %+v", got)
	}
	wantErr(t, s.Update(c, func(tx store.Tx) error {
		return tx.InsertRole(c, store.Role{ID: urn.New(), Name: "vapp author"})
	}), store.ErrConflict)
	r.Rights = append(r.Rights, "New Right")
	update(t, s, func(tx store.Tx) error { return tx.UpdateRole(c, r) })
	got, err = s.RoleByID(c, r.ID)
	must(t, err)
	if len(got.Rights) != 3 {
		t.Fatalf("rights not updated: %v", got.Rights)
	}
	roles, err := s.Roles(c)
	must(t, err)
	if len(roles) != 2 || roles[0].Name != "Nothing" {
		t.Fatalf("Roles = %+v", roles)
	}
}

func testUsers(t *testing.T, s store.Store) {
	c := ctx(t)
	org, role, alice := fixture(t, s, "acme", "Alice")
	other, _, _ := fixture(t, s, "other", "Alice")

	got, err := s.UserByName(c, org.ID, "ALICE")
	must(t, err)
	if !reflect.DeepEqual(got, alice) {
		t.Fatalf("UserByName = %+v, want %+v", got, alice)
	}
	_, err = s.UserByName(c, other.ID, "bob")
	wantErr(t, err, store.ErrNotFound)
	dup := alice
	dup.ID, dup.Name = urn.New(), "alice"
	wantErr(t, s.Update(c, func(tx store.Tx) error { return tx.InsertUser(c, dup) }), store.ErrConflict)

	sa := store.User{ID: urn.New(), OrgID: org.ID, Name: "robot", Kind: store.KindServiceAccount, RoleID: role.ID, Enabled: true, CreatedAt: t0, UpdatedAt: t0}
	update(t, s, func(tx store.Tx) error { return tx.InsertUser(c, sa) })
	users, err := s.Users(c, org.ID, false)
	must(t, err)
	if len(users) != 1 || users[0].ID != alice.ID {
		t.Fatalf("Users without service accounts = %+v", users)
	}
	users, err = s.Users(c, org.ID, true)
	must(t, err)
	if len(users) != 2 {
		t.Fatalf("Users with service accounts = %d", len(users))
	}
	all, err := s.Users(c, urn.UUID{}, false)
	must(t, err)
	if len(all) != 2 {
		t.Fatalf("Users of every org = %d, want 2", len(all))
	}

	// Every mutable field round-trips with microsecond precision.
	alice.Failures, alice.LastFailure = 4, t0.Add(time.Minute)
	alice.LockedUntil, alice.HardLocked = t0.Add(15*time.Minute), true
	alice.ValidAfter, alice.UpdatedAt = t0.Add(time.Hour), t0.Add(2*time.Hour)
	alice.PasswordHash, alice.Enabled, alice.FullName = "$argon2id$new", false, "Alice A."
	update(t, s, func(tx store.Tx) error {
		locked, err := tx.LockUser(c, alice.ID)
		if err != nil {
			return err
		}
		if locked.Name != "Alice" {
			t.Errorf("LockUser read %+v", locked)
		}
		return tx.UpdateUser(c, alice)
	})
	got, err = s.UserByID(c, alice.ID)
	must(t, err)
	if !reflect.DeepEqual(got, alice) {
		t.Fatalf("after update got %+v, want %+v", got, alice)
	}
	// PinOwner reads the user's session-relevant state and its org's.
	update(t, s, func(tx store.Tx) error {
		o, err := tx.PinOwner(c, alice.ID)
		if err != nil {
			return err
		}
		if o.Enabled || !o.OrgEnabled || o.Kind != store.KindUser || !o.ValidAfter.Equal(alice.ValidAfter) || o.PasswordHash != alice.PasswordHash {
			t.Errorf("PinOwner = %+v", o)
		}
		_, err = tx.PinOwner(c, urn.New())
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("PinOwner of a missing user: %v", err)
		}
		return nil
	})
	update(t, s, func(tx store.Tx) error { return tx.DeleteUser(c, sa.ID) })
	_, err = s.UserByID(c, sa.ID)
	wantErr(t, err, store.ErrNotFound)
	wantErr(t, s.Update(c, func(tx store.Tx) error { return tx.DeleteUser(c, sa.ID) }), store.ErrNotFound)
}
