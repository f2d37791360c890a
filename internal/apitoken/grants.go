package apitoken

import (
	"context"
	"errors"
	"time"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/audit"
	"github.com/cloudgate/cloudgate/internal/authz"
	"github.com/cloudgate/cloudgate/internal/grant"
	"github.com/cloudgate/cloudgate/internal/identity"
	"github.com/cloudgate/cloudgate/internal/secret"
	"github.com/cloudgate/cloudgate/internal/session"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
)

// errUnknownClient answers a jwt-bearer grant naming no token of the
// assertion's user: an unknown id and another user's look the same.
var errUnknownClient = grant.Error(grant.CodeInvalidClient, "unknown client_id")

// MintGrant is the jwt-bearer grant, for the token endpoint's pipeline:
// it issues the secret of the registered token client_id to its owner,
// exactly once, with a session made from it. The assertion must be a live
// password session of the owner, at the realm of the owner's org. Besides
// the pipeline's answers it fails invalid_client for an unknown client_id
// or one of another user, invalid_grant for an assertion that is no live
// password session or a token already issued, revoked or expired, and
// unauthorized_client when the session's role may not manage tokens.
func (s *Service) MintGrant() *grant.Handler { return s.mint }

// RefreshGrant is the refresh_token grant of API tokens, for the token
// endpoint's pipeline: it trades an API token for a new session of the
// token's owner, marked as made from that token (so it is restricted, and
// revoking the token ends it). Every unusable token (unknown, revoked,
// expired, of a disabled owner) is the same invalid_grant.
//
// Nothing is written but the session: the token row is only pinned, so
// exchanges of one token run concurrently, and the last-use time is
// written behind.
func (s *Service) RefreshGrant() *grant.Handler { return s.refresh }

// Mint runs MintGrant outside the token endpoint (the token page issues
// tokens with it), with the pipeline's checks and failure budget.
func (s *Service) Mint(ctx context.Context, realm grant.Realm, assertion, clientID string, c grant.Client) (grant.Result, error) {
	return s.pipe.Run(ctx, s.mint, grant.Request{Form: grant.Params("assertion", assertion, "client_id", clientID), Realm: realm, Client: c})
}

// Exchange runs RefreshGrant outside the token endpoint.
func (s *Service) Exchange(ctx context.Context, realm grant.Realm, refreshToken, clientID string, c grant.Client) (grant.Result, error) {
	return s.pipe.Run(ctx, s.refresh, grant.Request{Form: grant.Params("refresh_token", refreshToken, "client_id", clientID), Realm: realm, Client: c})
}

func (s *Service) mintGrant() *grant.Handler {
	return &grant.Handler{Type: grant.TypeJWTBearer, Label: "jwt_bearer",
		Needs: []string{"assertion", "client_id"}, Usage: "the jwt-bearer grant needs assertion and client_id",
		ClientKind: urn.Token, Unbound: errUnknownClient,
		Foreign:  "the assertion is a session of another organization than /oauth/%s",
		Disabled: errInvalidGrant, Invalid: errInvalidGrant, Find: s.findMint}
}

func (s *Service) refreshGrant() *grant.Handler {
	return &grant.Handler{Type: grant.TypeRefreshToken, Label: "refresh_token",
		Needs: []string{"refresh_token"}, Usage: "the refresh_token grant needs refresh_token",
		ClientKind: urn.Token, Unbound: grant.Error(grant.CodeInvalidGrant, "the API token was not issued to this client_id"),
		Foreign:  "the API token belongs to another organization than /oauth/%s",
		Disabled: errInvalidGrant, Invalid: errInvalidGrant, Find: s.findRefresh}
}

// findMint reads the assertion's session and its user; the token
// client_id names is read in Issue, once the pipeline has checked the
// assertion's realm.
func (s *Service) findMint(ctx context.Context, r grant.Request, _ bool) (grant.Found, error) {
	id, err := urn.ParseEither(r.Form["client_id"], urn.Token)
	if err != nil {
		return grant.Found{}, errUnknownClient
	}
	sess, err := s.sessions.Resolve(ctx, r.Form["assertion"])
	if err != nil {
		if apierr.Is(err, apierr.Unavailable) {
			return grant.Found{}, err
		}
		return grant.Found{}, grant.Miss(grant.Error(grant.CodeInvalidGrant, "the assertion is not a live session"))
	}
	p := &sess.Principal
	if p.Restricted {
		return grant.Found{}, grant.Error(grant.CodeInvalidGrant, "the assertion is a session created from an API token or service account; API tokens are issued only to sessions made with a password")
	}
	acct, err := s.dir.UserByID(ctx, p.UserID)
	if err != nil {
		return grant.Found{}, err
	}
	return grant.Found{Client: id, Account: acct, Issuer: grant.IssueFunc(func(ctx context.Context) (grant.Result, error) {
		return s.issue(ctx, p, acct, id, r.Client)
	})}, nil
}

// issue mints token id for the assertion's user p: its secret, stored as
// a digest once, and a session made from it.
func (s *Service) issue(ctx context.Context, p *authz.Principal, acct identity.Account, id urn.UUID, c grant.Client) (grant.Result, error) {
	if !p.Can(identity.RightTokenManage) {
		return grant.Result{}, grant.Error(grant.CodeUnauthorizedClient, "the session's role lacks the right %q", identity.RightTokenManage)
	}
	t, err := s.store.TokenByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && t.OwnerID != p.UserID) {
		return grant.Result{}, errUnknownClient
	}
	if err != nil {
		return grant.Result{}, storeErr(err, "API token")
	}
	now := s.now()
	if !t.RevokedAt.IsZero() || expired(t, now) {
		return grant.Result{}, grant.Error(grant.CodeInvalidGrant, "the API token is revoked or expired")
	}
	secretText, digest := secret.NewToken(secret.PrefixAPIToken)
	issued, err := s.sessions.Create(ctx, session.Spec{User: acct.User, Org: acct.Org, Role: acct.Role,
		Origin: store.OriginAPIToken, Dialect: "oauth", TokenID: t.ID, ClientIP: c.IP, UserAgent: c.UserAgent,
		Guard: func(ctx context.Context, tx store.Tx) error {
			// The conditional update is the once-only check: of two
			// concurrent mints exactly one stores its digest.
			ok, err := tx.MintToken(ctx, t.ID, digest, now)
			if err != nil {
				return err
			}
			if !ok {
				return grant.Error(grant.CodeInvalidGrant, "the API token was already issued or is revoked; register a new one")
			}
			return tx.InsertAudit(ctx, audit.Event(actor(p, c), now, "token.mint", audit.Success, t.ID.URN(urn.Token), t.Name))
		}})
	if err != nil {
		return grant.Result{}, err
	}
	s.used.touch(t.ID, now)
	return grant.Result{TokenID: t.ID, AccessToken: issued.Token, ExpiresIn: issued.Session.Expires.Sub(issued.Session.Created),
		RefreshToken: secretText}, nil
}

// findRefresh reads the token a refresh_token names and its owner, from
// the grant cache unless fresh.
func (s *Service) findRefresh(ctx context.Context, r grant.Request, fresh bool) (grant.Found, error) {
	tok := r.Form["refresh_token"]
	// A string that cannot be an API token (a session token pasted by
	// mistake, garbage) is refused before any lookup.
	if !secret.HasPrefix(tok, secret.PrefixAPIToken) {
		return grant.Found{}, grant.Miss(errInvalidGrant)
	}
	d := secret.DigestOf(tok)
	t, err := s.tokenOf(ctx, d, fresh)
	if errors.Is(err, store.ErrNotFound) {
		return grant.Found{}, grant.Miss(errInvalidGrant)
	}
	if err != nil {
		return grant.Found{}, storeErr(err, "API token")
	}
	now := s.now()
	if !secret.Equal(t.Digest, d) || !t.RevokedAt.IsZero() || expired(t, now) {
		// A revoked token found on the fresh read was live a moment ago:
		// its revocation raced this request, which is no sign of a leak.
		if secret.Equal(t.Digest, d) && !t.RevokedAt.IsZero() && !fresh {
			s.auditRevokedUse(ctx, t, r.Client)
		}
		return grant.Found{}, grant.Miss(errInvalidGrant)
	}
	x := &exchange{s: s, t: t, d: d, now: now, c: r.Client}
	if x.acct, err = s.owner(ctx, t.OwnerID, fresh); err != nil {
		return grant.Found{}, err
	}
	return grant.Found{Client: t.ID, Account: x.acct, Issuer: x}, nil
}

// exchange is a refresh_token grant whose token was found good: what its
// Issue needs, in one allocation (the exchange is the hot grant).
type exchange struct {
	s    *Service
	acct identity.Account
	t    store.APIToken
	d    secret.Digest
	now  time.Time
	c    grant.Client
}

// Issue makes the session. Hold makes the store pin the token row, live
// with this digest, in the statement that inserts the session
// (store.SessionGuard): a revocation committing meanwhile either waits for
// it (and then ends the session it made) or is seen, and Create fails
// Unauthenticated.
func (x *exchange) Issue(ctx context.Context) (grant.Result, error) {
	issued, err := x.s.sessions.Create(ctx, session.Spec{User: x.acct.User, Org: x.acct.Org, Role: x.acct.Role,
		Origin: store.OriginAPIToken, Dialect: "oauth", TokenID: x.t.ID, ClientIP: x.c.IP, UserAgent: x.c.UserAgent,
		Hold: store.SessionGuard{TokenDigest: x.d}})
	if err != nil {
		return grant.Result{}, err
	}
	x.s.used.touch(x.t.ID, x.now)
	return grant.Result{TokenID: x.t.ID, AccessToken: issued.Token, ExpiresIn: issued.Session.Expires.Sub(issued.Session.Created)}, nil
}

// tokenOf returns the token whose secret has digest d, from the grant
// cache unless fresh (a fresh read replaces the cached entry).
func (s *Service) tokenOf(ctx context.Context, d secret.Digest, fresh bool) (store.APIToken, error) {
	if fresh {
		s.cache.dropToken(d)
	} else if t, ok := s.cache.token(d); ok {
		return t, nil
	}
	t, err := s.store.TokenByDigest(ctx, d)
	if err == nil && t.RevokedAt.IsZero() {
		s.cache.putToken(d, t)
	}
	return t, err
}

// owner returns the account owning a token, from the grant cache unless
// fresh is set.
func (s *Service) owner(ctx context.Context, id urn.UUID, fresh bool) (identity.Account, error) {
	if !fresh {
		if a, ok := s.cache.account(id); ok {
			return a, nil
		}
	}
	a, err := s.dir.UserByID(ctx, id)
	if err != nil {
		s.cache.dropAccount(id)
		return a, err
	}
	s.cache.putAccount(a)
	return a, nil
}
