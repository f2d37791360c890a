package identity

import (
	"context"
	"errors"
	"strings"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/audit"
	"github.com/cloudgate/cloudgate/internal/names"
	"github.com/cloudgate/cloudgate/internal/secret"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
)

// Credentials are what a password login presents.
type Credentials struct {
	Org      string
	User     string
	Password string
	// ClientIP and RequestID are recorded in the audit log; ClientIP is
	// also what the per-address failure budget counts.
	ClientIP  string
	RequestID string
	// Dialect names the API the login came through, UserAgent the
	// client's User-Agent (both for the audit log).
	Dialect   string
	UserAgent string
}

// Account is an authenticated user with its org and role.
type Account struct {
	User store.User
	Org  store.Org
	Role store.Role
}

// ErrBadCredentials is the one error every failed login returns: unknown
// org, unknown user, wrong password, disabled or locked account all look
// the same to the client (same status, same body, similar time).
var ErrBadCredentials = &apierr.Error{Kind: apierr.Unauthenticated, Message: "Invalid username or password"}

// Outcome labels for metrics.
const (
	OutcomeSuccess     = "success"
	OutcomeBadPassword = "bad_credentials"
	OutcomeLocked      = "locked"
	OutcomeThrottled   = "throttled"
	OutcomeDisabled    = "disabled"
	OutcomeUnavailable = "unavailable"
)

// Authenticate checks a password login. It returns ErrBadCredentials for
// every kind of refusal, and Unavailable when the store or the hash
// workers cannot answer (the client should retry; it must not read that as
// a wrong password). outcome says what really happened, for metrics.
// Every refusal but Unavailable is also logged, rate-limited (failLog).
func (d *Directory) Authenticate(ctx context.Context, c Credentials) (Account, string, error) {
	var known string
	acct, outcome, err := d.authenticate(ctx, c, &known)
	if err != nil && outcome != OutcomeUnavailable {
		d.fails.record(d.now(), c, outcome, known)
	}
	return acct, outcome, err
}

// authenticate is Authenticate; it sets *known to "user@org" once the
// account is found.
func (d *Directory) authenticate(ctx context.Context, c Credentials, known *string) (acct Account, outcome string, err error) {
	now := d.now()
	// Failures are counted per account, whatever spelling named it.
	acctKey := d.ips.accountKey(names.Key(c.Org), names.Key(c.User))
	if d.ips.blocked(c.ClientIP, now) {
		// Not audited row by row: a flood from one address would otherwise
		// write a row per request. The metric counts these.
		return acct, OutcomeThrottled, ErrBadCredentials
	}
	if c.Org == "" || c.User == "" || len(c.Org) > 256 || len(c.User) > 512 || len(c.Password) > secret.MaxVerifyBytes {
		d.ips.fail(c.ClientIP, acctKey, now)
		return acct, OutcomeBadPassword, ErrBadCredentials
	}
	org, user, found, err := d.lookup(ctx, c.Org, c.User)
	if err != nil {
		return acct, OutcomeUnavailable, err
	}
	if found {
		*known = user.Name + "@" + org.Name
	}
	sysAdmin := found && d.isSysAdmin(user, org)
	phc := d.dummy
	if found && user.PasswordHash != "" {
		phc = user.PasswordHash
	}
	if found && refused(user, sysAdmin, now) {
		// Verify anyway, and discard the result, so a locked account takes
		// as long to refuse as a wrong password.
		if _, _, err := d.hasher.Verify(ctx, phc, c.Password); err != nil && apierr.Is(err, apierr.Unavailable) {
			return acct, OutcomeUnavailable, err
		}
		d.recordFailure(ctx, c, user, org, "locked")
		if sysAdmin {
			return acct, OutcomeThrottled, ErrBadCredentials
		}
		return acct, OutcomeLocked, ErrBadCredentials
	}
	ok, rehash, err := d.hasher.Verify(ctx, phc, c.Password)
	if err != nil {
		if apierr.Is(err, apierr.Unavailable) {
			return acct, OutcomeUnavailable, err
		}
		// A stored hash we cannot parse: refuse, and say so in the log.
		d.log.Error("stored password hash is unusable", "user", user.ID.String(), "err", err)
		ok = false
	}
	if !found || !ok {
		d.ips.fail(c.ClientIP, acctKey, now)
		if found {
			if err := d.countFailure(ctx, c, user, org, sysAdmin); err != nil {
				return acct, OutcomeUnavailable, err
			}
		} else {
			d.recordFailure(ctx, c, store.User{}, store.Org{}, "unknown user")
		}
		return acct, OutcomeBadPassword, ErrBadCredentials
	}
	if !user.Enabled || !org.Enabled || user.Kind != store.KindUser {
		d.recordFailure(ctx, c, user, org, "disabled")
		return acct, OutcomeDisabled, ErrBadCredentials
	}
	role, err := d.store.RoleByID(ctx, user.RoleID)
	if err != nil {
		return acct, OutcomeUnavailable, storeErr(err, "role")
	}
	d.ips.succeed(c.ClientIP, acctKey)
	if user.Failures > 0 || !user.LockedUntil.IsZero() || rehash {
		newHash := ""
		if rehash {
			if newHash, err = d.hasher.Hash(ctx, c.Password); err != nil {
				newHash = "" // keep the old hash; try again next login
			}
		}
		user, err = d.clearFailures(ctx, user, newHash)
		if err != nil {
			return acct, OutcomeUnavailable, err
		}
	}
	return Account{User: user, Org: org, Role: role}, OutcomeSuccess, nil
}

// lookup finds org and user; found is false when either does not exist.
func (d *Directory) lookup(ctx context.Context, orgName, userName string) (store.Org, store.User, bool, error) {
	org, err := d.store.OrgByName(ctx, orgName)
	if errors.Is(err, store.ErrNotFound) {
		return org, store.User{}, false, nil
	}
	if err != nil {
		return org, store.User{}, false, storeErr(err, "organization")
	}
	user, err := d.store.UserByName(ctx, org.ID, userName)
	if errors.Is(err, store.ErrNotFound) || (err == nil && user.Kind != store.KindUser) {
		// A service account has no password: for a password login its
		// name is as unknown as any other (and no failure is counted on
		// its row).
		return org, store.User{}, false, nil
	}
	if err != nil {
		return org, user, false, storeErr(err, "user")
	}
	return org, user, true, nil
}

// countFailure increments the user's failure counter atomically (the row
// is locked, so instances counting at once lose nothing) and records the
// failure.
func (d *Directory) countFailure(ctx context.Context, c Credentials, user store.User, org store.Org, sysAdmin bool) error {
	now := d.now()
	var locked bool
	err := d.store.Update(ctx, func(tx store.Tx) error {
		cur, err := tx.LockUser(ctx, user.ID)
		if err != nil {
			return err
		}
		next := afterFailure(cur, org.Lockout, sysAdmin, now)
		locked = (next.HardLocked && !cur.HardLocked) || next.LockedUntil.After(cur.LockedUntil)
		if err := tx.UpdateUser(ctx, next); err != nil {
			return err
		}
		by := audit.Actor{ID: user.ID, Name: user.Name, OrgID: org.ID, ClientIP: c.ClientIP, RequestID: c.RequestID, UserAgent: c.UserAgent}
		if err := tx.InsertAudit(ctx, audit.Event(by, now, "login", audit.Failure, user.ID.URN(urn.User), c.Dialect+": wrong password")); err != nil {
			return err
		}
		if locked {
			detail := "temporary lockout"
			if next.HardLocked {
				detail = "locked until an administrator unlocks the account"
			}
			return tx.InsertAudit(ctx, audit.Event(by, now, "lockout", audit.Success, user.ID.URN(urn.User), detail))
		}
		return nil
	})
	if locked {
		d.log.Warn("account locked", "org", org.Name, "user", user.Name, "ip", c.ClientIP)
	}
	return storeErr(err, "user")
}

// recordFailure writes a failed login that changes no counter. A store
// failure here is logged, not returned: the login is refused either way.
func (d *Directory) recordFailure(ctx context.Context, c Credentials, user store.User, org store.Org, detail string) {
	by := audit.Actor{ID: user.ID, Name: user.Name, OrgID: org.ID, ClientIP: c.ClientIP, RequestID: c.RequestID, UserAgent: c.UserAgent}
	if user.ID.IsZero() {
		// Client-supplied text: bounded and made valid UTF-8 (PostgreSQL
		// refuses invalid UTF-8 in text columns).
		by.Name = strings.ToValidUTF8(truncate(c.User, 128)+"@"+truncate(c.Org, 128), "?")
	}
	err := d.store.Update(ctx, func(tx store.Tx) error {
		return tx.InsertAudit(ctx, audit.Event(by, d.now(), "login", audit.Failure, "", c.Dialect+": "+detail))
	})
	if err != nil {
		d.log.Warn("audit write failed", "err", err)
	}
}

func (d *Directory) clearFailures(ctx context.Context, user store.User, newHash string) (store.User, error) {
	now := d.now()
	err := d.store.Update(ctx, func(tx store.Tx) error {
		cur, err := tx.LockUser(ctx, user.ID)
		if err != nil {
			return err
		}
		user = afterSuccess(cur, now)
		if newHash != "" {
			user.PasswordHash = newHash
		}
		return tx.UpdateUser(ctx, user)
	})
	return user, storeErr(err, "user")
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
