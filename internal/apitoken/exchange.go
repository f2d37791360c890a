package apitoken

import (
	"context"
	"errors"
	"time"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/identity"
	"github.com/cloudgate/cloudgate/internal/secret"
	"github.com/cloudgate/cloudgate/internal/session"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
)

// errThrottled refuses an address that used its failure budget.
var errThrottled = &apierr.Error{Kind: apierr.TooMany,
	Message: "too many failed token requests from this address; retry later", RetryAfter: time.Minute}

// Exchange is the refresh_token grant: it trades an API token for a new
// session of the token's owner, marked as made from that token (so it is
// restricted, and revoking the token ends it). clientID is optional; when
// given it must be the token's id (RFC 6749 §6: a refresh token is bound
// to its client). The token must be presented at its org's realm.
//
// It fails with invalid_request when refreshToken is missing, invalid_grant
// for an unknown, revoked or expired token, one of another client or realm,
// or one whose owner or org is disabled; TooMany once the caller's address
// used its failure budget; Unavailable when the store cannot answer.
//
// Nothing is written but the session: the token row is only pinned, so
// exchanges of one token run concurrently, and the last-use time is
// written behind.
func (s *Service) Exchange(ctx context.Context, realm Realm, refreshToken, clientID string, c Client) (Grant, error) {
	now := s.now()
	if refreshToken == "" {
		return Grant{}, oauthError(apierr.Invalid, CodeInvalidRequest, "the refresh_token grant needs refresh_token")
	}
	if s.fails.Blocked(c.IP, now) {
		return Grant{}, errThrottled
	}
	fail := func() (Grant, error) {
		s.fails.Fail(c.IP, now)
		return Grant{}, errInvalidGrant
	}
	// A string that cannot be an API token (a session token pasted by
	// mistake, garbage) is refused before any lookup.
	if !secret.HasPrefix(refreshToken, secret.PrefixAPIToken) {
		return fail()
	}
	d := secret.DigestOf(refreshToken)
	t, cached := s.grants.token(d)
	if !cached {
		var err error
		t, err = s.store.TokenByDigest(ctx, d)
		if errors.Is(err, store.ErrNotFound) {
			return fail()
		}
		if err != nil {
			return Grant{}, storeErr(err, "API token")
		}
		if t.RevokedAt.IsZero() {
			s.grants.putToken(d, t)
		}
	}
	if !secret.Equal(t.Digest, d) || !t.RevokedAt.IsZero() || expired(t, now) {
		if secret.Equal(t.Digest, d) && !t.RevokedAt.IsZero() {
			s.auditRevokedUse(ctx, t, c)
		}
		return fail()
	}
	if clientID != "" {
		if id, err := urn.ParseEither(clientID, urn.Token); err != nil || id != t.ID {
			return Grant{}, oauthError(apierr.Invalid, CodeInvalidGrant, "the API token was not issued to this client_id")
		}
	}
	acct, err := s.owner(ctx, t.OwnerID, false)
	if err != nil {
		return Grant{}, grantErr(err)
	}
	if !realm.Admits(acct.Org.Name) {
		// Not counted as a failure: whoever sent it holds a valid token.
		return Grant{}, oauthError(apierr.Invalid, CodeInvalidGrant, "the API token belongs to another organization than /oauth/%s", realm)
	}
	if !acct.User.Enabled || !acct.Org.Enabled {
		s.log.Info("API token of a disabled account refused", "token", t.ID.String(), "user", acct.User.Name, "org", acct.Org.Name)
		return Grant{}, errInvalidGrant
	}
	issued, err := s.create(ctx, acct, t, d, c)
	if err != nil && apierr.Is(err, apierr.Unauthenticated) {
		// The store refused: the token was revoked or the cached account
		// went stale (a password change, say) before the change feed said
		// so. Read both again and retry once.
		s.grants.dropToken(d)
		t, err = s.store.TokenByDigest(ctx, d)
		if errors.Is(err, store.ErrNotFound) {
			return fail()
		}
		if err != nil {
			return Grant{}, storeErr(err, "API token")
		}
		if !t.RevokedAt.IsZero() {
			return fail()
		}
		if acct, err = s.owner(ctx, t.OwnerID, true); err != nil {
			return Grant{}, grantErr(err)
		}
		if !acct.User.Enabled || !acct.Org.Enabled {
			return Grant{}, errInvalidGrant
		}
		issued, err = s.create(ctx, acct, t, d, c)
	}
	if err != nil {
		return Grant{}, grantErr(err)
	}
	s.used.touch(t.ID, now)
	return Grant{TokenID: t.ID, AccessToken: issued.Token, ExpiresIn: issued.Session.Expires.Sub(issued.Session.Created)}, nil
}

// owner returns the account owning a token, from the grant cache unless
// fresh is set.
func (s *Service) owner(ctx context.Context, id urn.UUID, fresh bool) (identity.Account, error) {
	if !fresh {
		if a, ok := s.grants.account(id); ok {
			return a, nil
		}
	}
	a, err := s.dir.UserByID(ctx, id)
	if err != nil {
		s.grants.dropAccount(id)
		return a, err
	}
	s.grants.putAccount(a)
	return a, nil
}

// create makes the session of a refresh_token grant. TokenDigest makes
// the store pin the token row in the transaction that inserts the session,
// with the owner and the org (store.Store.CreateSession): a revocation or
// disable committing meanwhile either waits for that transaction (and then
// ends the session it made) or is seen, and Create fails Unauthenticated.
func (s *Service) create(ctx context.Context, acct identity.Account, t store.APIToken, d secret.Digest, c Client) (session.Issued, error) {
	return s.sessions.Create(ctx, session.Spec{User: acct.User, Org: acct.Org, Role: acct.Role,
		Origin: store.OriginAPIToken, Dialect: "oauth", TokenID: t.ID, TokenDigest: d, ClientIP: c.IP, UserAgent: c.UserAgent})
}
