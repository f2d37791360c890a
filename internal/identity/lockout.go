package identity

import (
	"time"

	"github.com/cloudgate/cloudgate/internal/store"
)

// Lockout rules (Cloud Director's password policy, with the NIST and ASVS
// ceilings from our security notes):
//   - a failure increments the consecutive-failure counter; a success resets it;
//   - the counter also resets when the last failure is older than failureReset;
//   - with the org policy on, every InvalidLogins-th consecutive failure locks
//     the account for IntervalMinutes (the counter is not reset by the lock
//     expiring, so a patient attacker is locked again sooner);
//   - hardLockAfter consecutive failures lock the account until an
//     administrator unlocks it, whatever the org policy says;
//   - System administrators are never locked (the provider must not lose its
//     only administrator); after throttleAfter failures they may try once per
//     throttleEvery, which keeps them under 100 attempts an hour.
const (
	failureReset  = 12 * time.Hour
	hardLockAfter = 100
	throttleAfter = 10
	throttleEvery = 36 * time.Second
)

// DefaultLockout is the policy of new orgs.
func DefaultLockout() store.Lockout {
	return store.Lockout{Enabled: true, InvalidLogins: 10, IntervalMinutes: 15}
}

// failures returns the effective consecutive failure count at now.
func failures(u store.User, now time.Time) int {
	if u.Failures > 0 && now.Sub(u.LastFailure) > failureReset {
		return 0
	}
	return u.Failures
}

// refused reports whether an attempt on u at now is refused without looking
// at the password: the account is locked, or a System administrator is
// being throttled.
func refused(u store.User, sysAdmin bool, now time.Time) bool {
	// A last failure after now means the clock went back: the wait is
	// over rather than lasting as long as the clock was ahead, which
	// could be years (a lock still starts again at the next failure).
	since := now.Sub(u.LastFailure)
	if sysAdmin {
		return failures(u, now) >= throttleAfter && since >= 0 && since < throttleEvery
	}
	return u.HardLocked || (now.Before(u.LockedUntil) && since >= 0)
}

// afterFailure returns u updated for a failed attempt at now.
func afterFailure(u store.User, p store.Lockout, sysAdmin bool, now time.Time) store.User {
	u.Failures = failures(u, now) + 1
	u.LastFailure = now
	u.UpdatedAt = now
	if sysAdmin {
		return u
	}
	if u.Failures >= hardLockAfter {
		u.HardLocked = true
		return u
	}
	if p.Enabled && p.InvalidLogins > 0 && u.Failures%p.InvalidLogins == 0 {
		u.LockedUntil = now.Add(time.Duration(p.IntervalMinutes) * time.Minute)
	}
	return u
}

// afterSuccess returns u with the failure state cleared.
func afterSuccess(u store.User, now time.Time) store.User {
	u.Failures, u.LastFailure, u.LockedUntil, u.HardLocked = 0, time.Time{}, time.Time{}, false
	u.UpdatedAt = now
	return u
}
