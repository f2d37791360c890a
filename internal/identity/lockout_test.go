package identity

import (
	"testing"
	"time"

	"github.com/cloudgate/cloudgate/internal/store"
)

func TestLockoutSequence(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	policy := DefaultLockout()
	type step struct {
		at          time.Duration // since now
		fail        bool          // else success
		wantRefused bool          // refused before the attempt
		wantLocked  bool          // temporarily locked after the attempt
		wantCount   int
	}
	for _, tc := range []struct {
		name     string
		sysAdmin bool
		policy   store.Lockout
		prep     func(*store.User)
		steps    []step
	}{
		{name: "nine failures then success resets", policy: policy, steps: []step{
			{0, true, false, false, 1}, {1 * time.Second, true, false, false, 2},
			{2 * time.Second, false, false, false, 0},
		}},
		{name: "tenth failure locks for the interval", policy: policy, prep: func(u *store.User) { u.Failures, u.LastFailure = 9, now }, steps: []step{
			{time.Second, true, false, true, 10},
			{14 * time.Minute, true, true, true, 10},   // refused while locked: not counted
			{16 * time.Minute, true, false, false, 11}, // lock over, counting goes on
			{17 * time.Minute, false, false, false, 0}, // success clears
		}},
		{name: "policy off never locks temporarily", policy: store.Lockout{}, prep: func(u *store.User) { u.Failures, u.LastFailure = 9, now }, steps: []step{
			{time.Second, true, false, false, 10}, {2 * time.Second, true, false, false, 11},
		}},
		{name: "failures older than the reset window are forgotten", policy: policy, prep: func(u *store.User) { u.Failures, u.LastFailure = 9, now }, steps: []step{
			{13 * time.Hour, true, false, false, 1},
		}},
		{name: "system admin is throttled, never locked", sysAdmin: true, policy: policy, prep: func(u *store.User) { u.Failures, u.LastFailure = 10, now }, steps: []step{
			{10 * time.Second, true, true, false, 10},
			{40 * time.Second, true, false, false, 11},
			{50 * time.Second, false, true, false, 11},
			{90 * time.Second, false, false, false, 0},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := store.User{Enabled: true}
			if tc.prep != nil {
				tc.prep(&u)
			}
			for i, s := range tc.steps {
				at := now.Add(s.at)
				if got := refused(u, tc.sysAdmin, at); got != s.wantRefused {
					t.Fatalf("step %d: refused = %v, want %v", i, got, s.wantRefused)
				}
				if !s.wantRefused {
					if s.fail {
						u = afterFailure(u, tc.policy, tc.sysAdmin, at)
					} else {
						u = afterSuccess(u, at)
					}
				}
				if locked := at.Before(u.LockedUntil); locked != s.wantLocked {
					t.Fatalf("step %d: locked = %v, want %v (until %v)", i, locked, s.wantLocked, u.LockedUntil)
				}
				if u.Failures != s.wantCount {
					t.Fatalf("step %d: failures = %d, want %d", i, u.Failures, s.wantCount)
				}
			}
		})
	}
}

func TestHardLockAtHundred(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	u := store.User{Enabled: true}
	for i := 0; i < 100; i++ {
		at := now.Add(time.Duration(i) * time.Hour) // never inside a temporary lock
		u = afterFailure(u, store.Lockout{Enabled: true, InvalidLogins: 1000, IntervalMinutes: 1}, false, at)
		if i < 99 && u.HardLocked {
			t.Fatalf("hard locked after %d failures", i+1)
		}
	}
	// 100 failures over 99 hours: each within 12h of the previous, so they
	// are consecutive and the account is locked until an admin unlocks it.
	if !u.HardLocked || !refused(u, false, now.Add(1000*time.Hour)) {
		t.Fatalf("not hard locked after 100 consecutive failures: %+v", u)
	}
	u = afterSuccess(u, now)
	if refused(u, false, now) {
		t.Fatal("unlock did not clear the hard lock")
	}
}
