package storetest

import (
	"reflect"
	"testing"
	"time"

	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
)

// testOrgSettingsAndProfiles: settings and profiles read back exactly as
// written, a second write replaces the first, and a missing one is
// ErrNotFound.
func testOrgSettingsAndProfiles(t *testing.T, s store.Store) {
	c := ctx(t)
	acme, role, alice := fixture(t, s, "acme", "alice")
	other, _, carol := fixture(t, s, "other", "carol")

	_, err := s.OrgSettings(c, acme.ID)
	wantErr(t, err, store.ErrNotFound)
	set := store.OrgSettings{OrgID: acme.ID,
		General:       store.OrgGeneral{CanPublishCatalogs: true, DeployedVMQuota: 5, StoredVMQuota: 7, DelayAfterPowerOnSeconds: 3},
		VAppLease:     store.VAppLease{DeploymentLeaseSeconds: 3600, StorageLeaseSeconds: 7200, PowerOffOnRuntimeLeaseExpiration: true},
		TemplateLease: store.TemplateLease{DeleteOnStorageLeaseExpiration: true, StorageLeaseSeconds: 60}}
	update(t, s, func(tx store.Tx) error { return tx.PutOrgSettings(c, set) })
	got, err := s.OrgSettings(c, acme.ID)
	must(t, err)
	if !reflect.DeepEqual(got, set) {
		t.Fatalf("OrgSettings = %+v, want %+v", got, set)
	}
	set.General = store.OrgGeneral{CanSubscribe: true}
	update(t, s, func(tx store.Tx) error { return tx.PutOrgSettings(c, set) })
	if got, _ = s.OrgSettings(c, acme.ID); !reflect.DeepEqual(got, set) {
		t.Fatalf("replaced OrgSettings = %+v, want %+v", got, set)
	}
	_, err = s.OrgSettings(c, other.ID)
	wantErr(t, err, store.ErrNotFound)

	_, err = s.UserProfile(c, alice.ID)
	wantErr(t, err, store.ErrNotFound)
	pa := store.UserProfile{UserID: alice.ID, Email: "alice@example.com", Telephone: "+1 555 0100", Description: "ops", IM: "@alice"}
	bob := addUser(t, s, acme, role, "bob")
	pb := store.UserProfile{UserID: bob.ID, Email: "bob@example.com"}
	pc := store.UserProfile{UserID: carol.ID, Telephone: "3"}
	update(t, s, func(tx store.Tx) error {
		for _, p := range []store.UserProfile{pa, pb, pc} {
			if err := tx.PutUserProfile(c, p); err != nil {
				return err
			}
		}
		return nil
	})
	pa.Email = "a@example.org"
	update(t, s, func(tx store.Tx) error { return tx.PutUserProfile(c, pa) })
	one, err := s.UserProfile(c, alice.ID)
	must(t, err)
	if one != pa {
		t.Fatalf("UserProfile = %+v, want %+v", one, pa)
	}
	all, err := s.UserProfiles(c, acme.ID)
	must(t, err)
	if len(all) != 2 || all[alice.ID] != pa || all[bob.ID] != pb {
		t.Fatalf("UserProfiles(acme) = %+v", all)
	}
	wantErr(t, s.Update(c, func(tx store.Tx) error {
		return tx.PutUserProfile(c, store.UserProfile{UserID: urn.New(), Email: "x"})
	}), store.ErrNotFound)
}

// testPurge: removing a user takes its tokens and profile; removing an org
// takes everything of the org and nothing of another.
func testPurge(t *testing.T, s store.Store) {
	c := ctx(t)
	acme, role, alice := fixture(t, s, "acme", "alice")
	other, orole, carol := fixture(t, s, "other", "carol")
	bob := addUser(t, s, acme, role, "bob")
	update(t, s, func(tx store.Tx) error {
		for _, tok := range []store.APIToken{newToken(alice, "a"), newToken(bob, "b"), newToken(carol, "c")} {
			if err := tx.InsertToken(c, tok); err != nil {
				return err
			}
		}
		for _, p := range []store.UserProfile{{UserID: alice.ID, Email: "a"}, {UserID: bob.ID}, {UserID: carol.ID}} {
			if err := tx.PutUserProfile(c, p); err != nil {
				return err
			}
		}
		for _, o := range []store.Org{acme, other} {
			if err := tx.PutOrgSettings(c, store.OrgSettings{OrgID: o.ID}); err != nil {
				return err
			}
		}
		for _, svc := range []store.ComputeService{newService(acme, "a", "v1"), newService(other, "o", "v2")} {
			if err := tx.InsertComputeService(c, svc); err != nil {
				return err
			}
		}
		return nil
	})
	newAccount(t, s, acme, role, "robot", t0)
	newAccount(t, s, other, orole, "robot", t0)

	update(t, s, func(tx store.Tx) error { return tx.PurgeUser(c, alice.ID) })
	_, err := s.UserByID(c, alice.ID)
	wantErr(t, err, store.ErrNotFound)
	_, err = s.UserProfile(c, alice.ID)
	wantErr(t, err, store.ErrNotFound)
	if toks, _, err := s.Tokens(c, store.TokenQuery{OwnerID: alice.ID}); err != nil || len(toks) != 0 {
		t.Fatalf("tokens of a purged user: %v %v", toks, err)
	}
	wantErr(t, s.Update(c, func(tx store.Tx) error { return tx.PurgeUser(c, alice.ID) }), store.ErrNotFound)

	update(t, s, func(tx store.Tx) error { return tx.PurgeOrg(c, acme.ID) })
	_, err = s.OrgByID(c, acme.ID)
	wantErr(t, err, store.ErrNotFound)
	if users, err := s.Users(c, acme.ID, true); err != nil || len(users) != 0 {
		t.Fatalf("users of a purged org: %v %v", users, err)
	}
	if svcs, err := s.ComputeServices(c, acme.ID); err != nil || len(svcs) != 0 {
		t.Fatalf("services of a purged org: %v %v", svcs, err)
	}
	_, err = s.OrgSettings(c, acme.ID)
	wantErr(t, err, store.ErrNotFound)
	wantErr(t, s.Update(c, func(tx store.Tx) error { return tx.PurgeOrg(c, acme.ID) }), store.ErrNotFound)

	// The other org is whole.
	if users, err := s.Users(c, other.ID, true); err != nil || len(users) != 2 {
		t.Fatalf("users of the other org: %v %v", users, err)
	}
	if toks, total, err := s.Tokens(c, store.TokenQuery{OrgID: other.ID}); err != nil || total != 1 || len(toks) != 1 {
		t.Fatalf("tokens of the other org: %v %v", toks, err)
	}
	if _, err := s.OrgSettings(c, other.ID); err != nil {
		t.Fatalf("settings of the other org: %v", err)
	}
	if _, err := s.UserProfile(c, carol.ID); err != nil {
		t.Fatalf("profile in the other org: %v", err)
	}
	// The role stays: roles are not an org's.
	if _, err := s.RoleByID(c, role.ID); err != nil {
		t.Fatalf("role of the purged org: %v", err)
	}
}

// testDeleteRoleAndTasks: a role held by a user cannot be deleted; tasks
// read back as written and are purged by age.
func testDeleteRoleAndTasks(t *testing.T, s store.Store) {
	c := ctx(t)
	acme, role, alice := fixture(t, s, "acme", "alice")
	wantErr(t, s.Update(c, func(tx store.Tx) error { return tx.DeleteRole(c, role.ID) }), store.ErrConflict)
	spare := store.Role{ID: urn.New(), Name: "spare", Rights: []string{"A"}}
	update(t, s, func(tx store.Tx) error { return tx.InsertRole(c, spare) })
	update(t, s, func(tx store.Tx) error { return tx.DeleteRole(c, spare.ID) })
	_, err := s.RoleByID(c, spare.ID)
	wantErr(t, err, store.ErrNotFound)
	wantErr(t, s.Update(c, func(tx store.Tx) error { return tx.DeleteRole(c, spare.ID) }), store.ErrNotFound)

	old := store.Task{ID: urn.New(), OrgID: acme.ID, Operation: "Deleted User bob", OperationName: "userDelete",
		OwnerKind: "user", OwnerID: urn.New(), OwnerName: "bob", UserID: alice.ID, UserName: alice.Name,
		Status: "success", StartedAt: t0, EndedAt: t0}
	recent := old
	recent.ID, recent.StartedAt, recent.EndedAt = urn.New(), t0.Add(time.Hour), t0.Add(time.Hour+time.Second)
	update(t, s, func(tx store.Tx) error {
		if err := tx.InsertTask(c, old); err != nil {
			return err
		}
		return tx.InsertTask(c, recent)
	})
	wantErr(t, s.Update(c, func(tx store.Tx) error { return tx.InsertTask(c, old) }), store.ErrConflict)
	got, err := s.TaskByID(c, recent.ID)
	must(t, err)
	if got != recent {
		t.Fatalf("TaskByID = %+v, want %+v", got, recent)
	}
	var n int
	update(t, s, func(tx store.Tx) error {
		var err error
		n, err = tx.PurgeTasks(c, t0.Add(time.Minute))
		return err
	})
	if n != 1 {
		t.Fatalf("PurgeTasks removed %d, want 1", n)
	}
	_, err = s.TaskByID(c, old.ID)
	wantErr(t, err, store.ErrNotFound)
	if _, err := s.TaskByID(c, recent.ID); err != nil {
		t.Fatalf("recent task purged: %v", err)
	}
}
