// Package storetest is the conformance suite every store backend passes.
// Each subtest gets a fresh, empty, migrated store from the backend's open
// function, so tests never see each other's rows.
package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cloudgate/cloudgate/internal/secret"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
)

// Opener returns a fresh, empty, migrated store and arranges (t.Cleanup)
// for it to be closed and removed.
type Opener func(t *testing.T) store.Store

// Run runs the whole suite.
func Run(t *testing.T, open Opener) {
	for _, tc := range []struct {
		name string
		fn   func(*testing.T, store.Store)
	}{
		{"Orgs", testOrgs},
		{"Roles", testRoles},
		{"Users", testUsers},
		{"Sessions", testSessions},
		{"EndSessions", testEndSessions},
		{"SessionTouchAndExpiry", testSessionTouch},
		{"SessionList", testSessionList},
		{"SessionListOrder", testSessionListOrder},
		{"ListTotals", testListTotals},
		{"SessionCounts", testSessionCounts},
		{"ConcurrentSessionCounts", testConcurrentSessionCounts},
		{"Tokens", testTokens},
		{"TokenList", testTokenList},
		{"Services", testServices},
		{"Settings", testSettings},
		{"Changes", testChanges},
		{"Audit", testAudit},
		{"AuditTrail", testAuditTrail},
		{"UpdateRollback", testUpdateRollback},
		{"UpdateIsolation", testUpdateIsolation},
		{"ConcurrentCounters", testConcurrentCounters},
		{"ConcurrentRevokeAndExchange", testRevokeVersusExchange},
		{"ServiceAccounts", testServiceAccounts},
		{"ServiceAccountList", testServiceAccountList},
		{"RotateRefresh", testRotateRefresh},
		{"ConcurrentRotation", testConcurrentRotation},
		{"ConcurrentRevokeAndRotation", testRevokeVersusRotation},
		{"CreateSession", testCreateSession},
		{"CreateSessionBatch", testCreateSessionBatch},
		{"SweepBatches", testSweepBatches},
		{"BulkInsert", testBulkInsert},
		{"CreateSessionWaitsForRevocation", testCreateSessionWaitsForRevocation},
		{"ConcurrentRevokeAndCreateSession", testCreateSessionVersusRevoke},
		{"RevocationQueuesAheadOfLaterPins", testRevocationQueuesAheadOfLaterPins},
		{"SigningKeys", testSigningKeys},
		{"OrgSettingsAndProfiles", testOrgSettingsAndProfiles}, {"Purge", testPurge}, {"DeleteRoleAndTasks", testDeleteRoleAndTasks},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, open(t))
		})
	}
}

// t0 is a fixed instant with microsecond precision (what stores keep).
var t0 = time.Date(2026, 3, 4, 5, 6, 7, 891011000, time.UTC)

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

func update(t *testing.T, s store.Store, fn func(store.Tx) error) {
	t.Helper()
	if err := s.Update(ctx(t), fn); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

func wantErr(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("got error %v, want %v", err, want)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// fixture creates an org, a role and a user and returns them.
func fixture(t *testing.T, s store.Store, orgName, userName string) (store.Org, store.Role, store.User) {
	t.Helper()
	org := store.Org{ID: urn.New(), Name: orgName, FullName: orgName + " Inc", Enabled: true,
		Lockout: store.Lockout{Enabled: true, InvalidLogins: 10, IntervalMinutes: 15}, CreatedAt: t0}
	role := store.Role{ID: urn.New(), Name: "role-" + orgName + "-" + userName, Rights: []string{"A", "B"}}
	// #nosec G101 -- a placeholder hash no password matches
	user := store.User{ID: urn.New(), OrgID: org.ID, Name: userName, Kind: store.KindUser, RoleID: role.ID,
		PasswordHash: "$argon2id$x", Enabled: true, CreatedAt: t0, UpdatedAt: t0}
	update(t, s, func(tx store.Tx) error {
		if err := tx.InsertOrg(ctx(t), org); err != nil {
			return err
		}
		if err := tx.InsertRole(ctx(t), role); err != nil {
			return err
		}
		return tx.InsertUser(ctx(t), user)
	})
	return org, role, user
}

// newSession returns a live session of u made at t0 and lasting a day.
func newSession(u store.User) (store.Session, string) {
	id := urn.NewTimeOrdered(t0)
	tok, d := secret.NewSessionToken(id)
	_, ld := secret.NewLegacyKey()
	return store.Session{ID: id, Digest: d, LegacyDigest: ld, UserID: u.ID, OrgID: u.OrgID,
		Origin: store.OriginPassword, Dialect: "cloudapi", ClientIP: "192.0.2.1", UserAgent: "test/1.0",
		CreatedAt: t0, LastActive: t0, ExpiresAt: t0.Add(24 * time.Hour), Idle: true}, tok
}

// twoOrgs stores the list tests' fixture: alice and bob in acme, carol
// in beta.
func twoOrgs(t *testing.T, s store.Store) (acme store.Org, alice, bob, carol store.User) {
	t.Helper()
	acme, role, alice := fixture(t, s, "acme", "alice")
	bob = addUser(t, s, acme, role, "bob")
	_, _, carol = fixture(t, s, "beta", "carol")
	return acme, alice, bob, carol
}

// addUser adds another user with role to org.
func addUser(t *testing.T, s store.Store, org store.Org, role store.Role, name string) store.User {
	t.Helper()
	u := store.User{ID: urn.New(), OrgID: org.ID, Name: name, Kind: store.KindUser, RoleID: role.ID,
		Enabled: true, CreatedAt: t0, UpdatedAt: t0}
	update(t, s, func(tx store.Tx) error { return tx.InsertUser(ctx(t), u) })
	return u
}
