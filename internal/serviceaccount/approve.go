package serviceaccount

import (
	"context"
	"errors"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/audit"
	"github.com/cloudgate/cloudgate/internal/authz"
	"github.com/cloudgate/cloudgate/internal/grant"
	"github.com/cloudgate/cloudgate/internal/secret"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
)

var (
	errMalformedCode = apierr.New(apierr.Invalid, "userCode is not a user code: 8 letters, shown as XXXX-XXXX")
	errUnknownCode   = apierr.New(apierr.Invalid, "The user code is unknown, expired or already used; ask the device for its current code")
)

// Lookup returns the account that asks for authorization with userCode, so
// that the approving administrator sees which account (name, software)
// they are about to authorize (RFC 8628 §5.4). Nothing changes. The code is
// read ignoring case and punctuation. Errors: Forbidden without "Manage
// Service Accounts" or with a tenant context outside the caller's reach,
// Invalid for a malformed, unknown, expired or used code, or one of an
// account out of reach (the same answer), TooMany after too many misses.
func (s *Service) Lookup(ctx context.Context, p *authz.Principal, ctxOrg urn.UUID, userCode string, c grant.Client) (store.ServiceAccountRow, error) {
	row, _, err := s.pending(ctx, p, ctxOrg, userCode, c)
	return row, err
}

// Grant approves a pending device authorization: the account is GRANTED
// and the device's next poll of the token endpoint gets its tokens. The
// user code is used up. Failures are as for Lookup.
func (s *Service) Grant(ctx context.Context, p *authz.Principal, ctxOrg urn.UUID, userCode string, c grant.Client) error {
	return s.decide(ctx, p, ctxOrg, userCode, c, true)
}

// Deny refuses a pending device authorization: the account is CREATED
// again and the device is told access_denied until its codes expire.
func (s *Service) Deny(ctx context.Context, p *authz.Principal, ctxOrg urn.UUID, userCode string, c grant.Client) error {
	return s.decide(ctx, p, ctxOrg, userCode, c, false)
}

func (s *Service) decide(ctx context.Context, p *authz.Principal, ctxOrg urn.UUID, userCode string, c grant.Client, grant bool) error {
	row, d, err := s.pending(ctx, p, ctxOrg, userCode, c)
	if err != nil {
		return err
	}
	now := s.now()
	typ, detail := "serviceAccount.deny", "device authorization denied"
	if grant {
		typ, detail = "serviceAccount.grant", "device authorization granted"
	}
	return storeErr(s.store.Update(ctx, func(tx store.Tx) error {
		cur, err := tx.LockServiceAccount(ctx, row.ID)
		if errors.Is(err, store.ErrNotFound) {
			return errUnknownCode
		}
		if err != nil {
			return err
		}
		// Decided, replaced or revoked since the lookup: the code is gone.
		if !secret.Equal(cur.UserCodeDigest, d) || cur.Status != store.AccountRequested || !now.Before(cur.CodeExpiresAt) {
			return errUnknownCode
		}
		cur.UserCodeDigest, cur.UpdatedAt = secret.Digest{}, now
		if grant {
			cur.Status, cur.GrantedBy, cur.GrantedAt = store.AccountGranted, p.UserID, now
		} else {
			// The device code stays, marked denied, so that the device is
			// told access_denied rather than that its code is unknown.
			cur.Status, cur.Denied = store.AccountCreated, true
		}
		if err := tx.UpdateServiceAccount(ctx, cur); err != nil {
			return err
		}
		return tx.InsertAudit(ctx, audit.Event(actor(p, c), now, typ, audit.Success, row.ID.URN(urn.ServiceAccount), detail))
	}), "service account")
}

// pending finds the account whose pending authorization userCode belongs
// to, within p's reach, counting misses against the guess limits.
func (s *Service) pending(ctx context.Context, p *authz.Principal, ctxOrg urn.UUID, userCode string, c grant.Client) (store.ServiceAccountRow, secret.Digest, error) {
	var none store.ServiceAccountRow
	r, err := reachOf(p, ctxOrg, true)
	if err != nil {
		return none, secret.Digest{}, err
	}
	now := s.now()
	key := guessKey{addr: c.IP, caller: p.UserID.String(), org: r.key()}
	if err := s.misses.check(key, now); err != nil {
		return none, secret.Digest{}, err
	}
	norm, ok := NormalizeUserCode(userCode)
	if !ok {
		// Not counted: a malformed code cannot match, so it guesses nothing.
		return none, secret.Digest{}, errMalformedCode
	}
	d := userCodeDigest(norm)
	row, err := s.store.ServiceAccountByUserCode(ctx, d)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return none, d, storeErr(err, "service account")
	}
	if err != nil || !secret.Equal(row.UserCodeDigest, d) || row.Status != store.AccountRequested ||
		!now.Before(row.CodeExpiresAt) || !r.covers(row.OrgID) {
		s.misses.miss(key, now)
		return none, d, errUnknownCode
	}
	return row, d, nil
}
