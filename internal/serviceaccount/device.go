package serviceaccount

import (
	"context"
	"errors"
	"time"

	"github.com/cloudgate/cloudgate/internal/audit"
	"github.com/cloudgate/cloudgate/internal/grant"
	"github.com/cloudgate/cloudgate/internal/identity"
	"github.com/cloudgate/cloudgate/internal/secret"
	"github.com/cloudgate/cloudgate/internal/session"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
)

// maxPollInterval caps what slow_down raises the interval to, so that a
// client that keeps polling too fast is not told to wait for hours.
const maxPollInterval = 60

var (
	errUnknownClient = grant.Error(grant.CodeInvalidClient, "unknown client_id")
	errBadDevice     = grant.Error(grant.CodeInvalidGrant, "the device code is invalid, expired or already used")
	errExpired       = grant.Error(grant.CodeExpiredToken, "the device code expired; ask for a new device authorization")
	errDenied        = grant.Error(grant.CodeAccessDenied, "an administrator denied this device authorization")
	errActive        = grant.Error(grant.CodeInvalidRequest, "the service account is active; revoke it before authorizing it again")
	errOrgDisabled   = grant.Error(grant.CodeUnauthorizedClient, "the organization of this service account is disabled")
)

// DeviceAuthorization answers a device authorization request (RFC 8628
// §3.2). DeviceCode is shown only here; the store keeps its digest.
type DeviceAuthorization struct {
	AccountID  urn.UUID
	DeviceCode string
	UserCode   string // XXXX-XXXX
	ExpiresIn  time.Duration
	Interval   time.Duration
}

// Authorize starts a device authorization for the service account
// clientID (RFC 8628 §3.1): new device and user codes replace any earlier
// request, and the account is REQUESTED. No credential is needed: the
// user code still has to be approved by an administrator. An active
// account is refused (revoke it first). Errors: invalid_request,
// invalid_client (unknown id, or an account of another org than realm),
// unauthorized_client (org disabled), TooMany after the failure budget.
func (s *Service) Authorize(ctx context.Context, realm grant.Realm, clientID string, c grant.Client) (DeviceAuthorization, error) {
	var none DeviceAuthorization
	now := s.now()
	if clientID == "" {
		return none, grant.Error(grant.CodeInvalidRequest, "client_id is required")
	}
	if s.fails.Blocked(c.IP, now) {
		return none, grant.ErrThrottled
	}
	id, err := urn.ParseEither(clientID, urn.ServiceAccount)
	if err != nil {
		s.fails.Fail(c.IP, now)
		return none, errUnknownClient
	}
	row, err := s.store.ServiceAccountByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		s.fails.Fail(c.IP, now)
		return none, errUnknownClient
	}
	if err != nil {
		return none, storeErr(err, "service account")
	}
	if !realm.Admits(row.OrgName) {
		// Not counted: whoever sent it knows a real client id.
		return none, grant.Error(grant.CodeInvalidClient, "unknown client_id at /oauth/%s", realm)
	}
	if row.Status == store.AccountActive {
		return none, errActive
	}
	deviceCode, deviceDigest := secret.NewToken(secret.PrefixDevice)
	by := audit.Actor{ID: row.ID, Name: row.Name, OrgID: row.OrgID, ClientIP: c.IP, RequestID: c.RequestID, UserAgent: c.UserAgent}
	// A fresh user code may collide with another account's pending one
	// (34.6 bits); the unique index refuses it and a new one is drawn.
	var code string
	for attempt := 0; ; attempt++ {
		code = newUserCode()
		err = s.store.Update(ctx, func(tx store.Tx) error {
			cur, err := tx.LockServiceAccount(ctx, id)
			if errors.Is(err, store.ErrNotFound) {
				return errUnknownClient
			}
			if err != nil {
				return err
			}
			if cur.Status == store.AccountActive {
				return errActive
			}
			org, err := tx.OrgByID(ctx, cur.OrgID)
			if err != nil {
				return err
			}
			if !org.Enabled {
				return errOrgDisabled
			}
			cur.Status, cur.DeviceDigest, cur.UserCodeDigest = store.AccountRequested, deviceDigest, userCodeDigest(code)
			cur.RequestedAt, cur.CodeExpiresAt, cur.PollInterval = now, now.Add(s.life), int(s.interval/time.Second)
			cur.LastPollAt, cur.Denied, cur.GrantedBy, cur.GrantedAt, cur.UpdatedAt = time.Time{}, false, urn.UUID{}, time.Time{}, now
			if err := tx.UpdateServiceAccount(ctx, cur); err != nil {
				return err
			}
			return tx.InsertAudit(ctx, audit.Event(by, now, "serviceAccount.authorize", audit.Success, id.URN(urn.ServiceAccount), "device authorization requested"))
		})
		if errors.Is(err, store.ErrConflict) && attempt < 4 {
			continue
		}
		break
	}
	if err != nil {
		return none, storeErr(err, "service account")
	}
	return DeviceAuthorization{AccountID: id, DeviceCode: deviceCode, UserCode: FormatUserCode(code), ExpiresIn: s.life, Interval: s.interval}, nil
}

// DeviceGrant is the device_code grant (RFC 8628 §3.4), for the token
// endpoint's pipeline: the device polls with its device code until an
// administrator approved or denied the user code. Before that it is told
// authorization_pending (slow_down when it polls faster than the
// interval, which then grows by 5 s); after a deny access_denied; after
// the codes' lifetime expired_token. Once approved, exactly one poll gets
// a token response: a session of the account and its first refresh token;
// the account is ACTIVE and the device code is spent. A disabled org is
// unauthorized_client.
func (s *Service) DeviceGrant() *grant.Handler { return s.device }

func (s *Service) deviceGrant() *grant.Handler {
	return &grant.Handler{Type: grant.TypeDeviceCode, Label: "device_code",
		Needs: []string{"device_code", "client_id"}, Usage: "the device_code grant needs device_code and client_id",
		ClientKind: urn.ServiceAccount, Unbound: grant.Error(grant.CodeInvalidGrant, "the device code was not issued to this client_id"),
		Foreign:  "the device code belongs to another organization than /oauth/%s",
		Disabled: errOrgDisabled, Invalid: errBadDevice, Find: s.findDevice}
}

// findDevice reads the account whose device code was presented.
func (s *Service) findDevice(ctx context.Context, r grant.Request, _ bool) (grant.Found, error) {
	var none grant.Found
	deviceCode := r.Form["device_code"]
	d := secret.DigestOf(deviceCode)
	var a store.ServiceAccount
	err := store.ErrNotFound
	if secret.HasPrefix(deviceCode, secret.PrefixDevice) {
		a, err = s.store.ServiceAccountByDevice(ctx, d)
	}
	if errors.Is(err, store.ErrNotFound) || (err == nil && !secret.Equal(a.DeviceDigest, d)) {
		return none, grant.Miss(errBadDevice)
	}
	if err != nil {
		return none, storeErr(err, "service account")
	}
	acct, err := s.dir.UserByID(ctx, a.ID)
	if err != nil {
		return none, err
	}
	return grant.Found{Client: a.ID, Account: acct, Issuer: grant.IssueFunc(func(ctx context.Context) (grant.Result, error) {
		now := s.now()
		if a.Status == store.AccountRequested {
			granted, err := s.poll(ctx, a.ID, d, now)
			if !granted {
				return grant.Result{}, err
			}
		}
		return s.activate(ctx, acct, d, now, r.Client)
	})}, nil
}

// verdict is what a device code is worth now, for an account row locked in
// the caller's transaction: nil when the code is approved and may be
// redeemed, errPending while it waits for an administrator.
func verdict(cur store.ServiceAccount, d secret.Digest, now time.Time) error {
	switch {
	case !secret.Equal(cur.DeviceDigest, d):
		return errBadDevice // redeemed, or replaced by a newer request
	case !now.Before(cur.CodeExpiresAt):
		return errExpired
	case cur.Denied:
		return errDenied
	case cur.Status == store.AccountRequested:
		return errPending
	case cur.Status != store.AccountGranted:
		return errBadDevice
	}
	return nil
}

var errPending = grant.Error(grant.CodeAuthorizationPending, "the user code has not been approved yet; poll again after the interval")

// poll records one poll of a pending authorization and answers it. It
// reports granted when the code was approved since the caller read it.
func (s *Service) poll(ctx context.Context, id urn.UUID, d secret.Digest, now time.Time) (granted bool, outcome error) {
	err := s.store.Update(ctx, func(tx store.Tx) error {
		cur, err := tx.LockServiceAccount(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			outcome = errBadDevice
			return nil
		}
		if err != nil {
			return err
		}
		outcome = verdict(cur, d, now)
		if outcome == nil {
			granted = true
			return nil
		}
		if outcome != errPending {
			return nil
		}
		// RFC 8628 §3.5: polling faster than the interval is slow_down,
		// and the interval grows by 5 seconds for every later poll.
		interval := time.Duration(cur.PollInterval) * time.Second
		if !cur.LastPollAt.IsZero() && now.Sub(cur.LastPollAt) < interval {
			cur.PollInterval = min(cur.PollInterval+5, maxPollInterval)
			outcome = grant.Error(grant.CodeSlowDown, "polling too fast; wait at least %d seconds between requests", cur.PollInterval)
		}
		cur.LastPollAt = now
		return tx.UpdateServiceAccount(ctx, cur)
	})
	if err != nil {
		return false, storeErr(err, "service account")
	}
	return granted, outcome
}

// activate redeems an approved device code: in one transaction, with the
// account row locked, the code is checked again, the session is made, the
// first refresh token stored and the account made ACTIVE. Of two polls
// racing here, the second finds the code spent.
func (s *Service) activate(ctx context.Context, acct identity.Account, d secret.Digest, now time.Time, c grant.Client) (grant.Result, error) {
	id := acct.User.ID
	refresh, rd := secret.NewToken(secret.PrefixSARefresh)
	grantID := urn.New()
	var cur store.ServiceAccount
	issued, err := s.sessions.Create(ctx, session.Spec{User: acct.User, Org: acct.Org, Role: acct.Role,
		Origin: store.OriginServiceAccount, Dialect: "oauth", TokenID: grantID, ClientIP: c.IP, UserAgent: c.UserAgent,
		Guard: func(ctx context.Context, tx store.Tx) error {
			var err error
			if cur, err = tx.LockServiceAccount(ctx, id); errors.Is(err, store.ErrNotFound) {
				return errBadDevice
			} else if err != nil {
				return err
			}
			if err := verdict(cur, d, now); err != nil {
				return err
			}
			return orgEnabled(ctx, tx, cur.OrgID)
		},
		Also: func(ctx context.Context, tx store.Tx, sess store.Session) error {
			cur.Status, cur.DeviceDigest, cur.UserCodeDigest = store.AccountActive, secret.Digest{}, secret.Digest{}
			cur.GrantID, cur.RefreshDigest, cur.Generation, cur.ActivatedAt, cur.LastUsedAt = grantID, rd, 1, now, now
			cur.LastPollAt, cur.UpdatedAt = now, now
			if err := tx.UpdateServiceAccount(ctx, cur); err != nil {
				return err
			}
			by := audit.Actor{ID: id, Name: acct.User.Name, OrgID: acct.Org.ID, ClientIP: c.IP, RequestID: c.RequestID, UserAgent: c.UserAgent}
			return tx.InsertAudit(ctx, audit.Event(by, now, "serviceAccount.activate", audit.Success, id.URN(urn.ServiceAccount),
				"device code redeemed; session "+sess.ID.URN(urn.Session)))
		}})
	if err != nil {
		return grant.Result{}, err
	}
	return grant.Result{TokenID: id, AccessToken: issued.Token, ExpiresIn: issued.Session.Expires.Sub(issued.Session.Created),
		RefreshToken: refresh}, nil
}

// orgEnabled refuses, inside a grant's transaction, an org disabled since
// the grant read it: disabling ends the org's sessions in its transaction,
// and a session made just after would be refused on first use anyway.
func orgEnabled(ctx context.Context, tx store.Tx, orgID urn.UUID) error {
	org, err := tx.OrgByID(ctx, orgID)
	if err != nil {
		return err
	}
	if !org.Enabled {
		return errOrgDisabled
	}
	return nil
}
