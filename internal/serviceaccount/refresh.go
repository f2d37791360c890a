package serviceaccount

import (
	"context"
	"errors"
	"fmt"

	"github.com/cloudgate/cloudgate/internal/audit"
	"github.com/cloudgate/cloudgate/internal/grant"
	"github.com/cloudgate/cloudgate/internal/secret"
	"github.com/cloudgate/cloudgate/internal/session"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
)

var (
	// errBadRefresh is the one answer to every unusable refresh token
	// (unknown, of a revoked grant, of a disabled org): nothing tells which.
	errBadRefresh = grant.Error(grant.CodeInvalidGrant, "the refresh token is invalid, expired or revoked")
	// errConcurrent: a concurrent request rotated the token first (it was
	// live when this request read it, or was retired less than RaceWindow
	// ago). The other request holds the successor; nothing is revoked, but
	// using this token again later is a replay.
	errConcurrent = grant.Error(grant.CodeInvalidGrant,
		"the refresh token was just used by a concurrent request, which received its successor; use that one")
	// errReplay: a retired token came back. Someone else holds a copy of
	// the chain; the grant is revoked (RFC 6749 §10.4, security.md §1.11.7).
	errReplay = grant.Error(grant.CodeInvalidGrant,
		"the refresh token was already used; its reuse means it was copied, so every token and session of the service account is revoked and the account must be authorized again")
)

// RefreshGrant is the refresh_token grant for service accounts, for the
// token endpoint's pipeline (it serves refresh tokens with the service
// accounts' prefix): it trades the account's refresh token for a new
// session and a new refresh token. The successor replaces the token and
// the old one is retired in the same transaction that makes the session,
// so a token is good for exactly one refresh.
//
// Presenting a retired token is a replay: invalid_grant, and the grant is
// revoked (every session of the account ends, the account is CREATED
// again) through the revocation path, applied here before answering. Of
// concurrent refreshes with one token, one wins and the others get
// invalid_grant without a revocation: those that read the token while it
// was live, and those that arrive less than RaceWindow after its rotation.
func (s *Service) RefreshGrant() *grant.Handler { return s.refresh }

func (s *Service) refreshGrant() *grant.Handler {
	return &grant.Handler{Type: grant.TypeRefreshToken, Label: "service_account_refresh",
		// The prefix tells a service account's rotating token from an API
		// token without a lookup.
		Claims: func(r grant.Request) bool { return secret.HasPrefix(r.Form["refresh_token"], secret.PrefixSARefresh) },
		Needs:  []string{"refresh_token"}, Usage: "the refresh_token grant needs refresh_token",
		ClientKind: urn.ServiceAccount, Unbound: grant.Error(grant.CodeInvalidGrant, "the refresh token was not issued to this client_id"),
		// Not a replay: the token stays good at its own endpoint.
		Foreign:  "the refresh token belongs to another organization than /oauth/%s",
		Disabled: errBadRefresh, Invalid: errBadRefresh, Find: s.findRefresh}
}

// findRefresh reads the account whose live refresh token was presented;
// a retired one is a concurrent use or a replay.
func (s *Service) findRefresh(ctx context.Context, r grant.Request, _ bool) (grant.Found, error) {
	var none grant.Found
	now := s.now()
	tok := r.Form["refresh_token"]
	if !secret.HasPrefix(tok, secret.PrefixSARefresh) {
		return none, grant.Miss(errBadRefresh)
	}
	d := secret.DigestOf(tok)
	a, err := s.store.ServiceAccountByRefresh(ctx, d)
	if errors.Is(err, store.ErrNotFound) {
		old, err := s.store.RetiredRefreshByDigest(ctx, d)
		switch {
		case err == nil && secret.Equal(old.Digest, d) && now.Before(old.RetiredAt.Add(s.race)):
			return none, errConcurrent
		case err == nil && secret.Equal(old.Digest, d):
			return none, s.replayed(ctx, old, r.Client)
		case err != nil && !errors.Is(err, store.ErrNotFound):
			return none, storeErr(err, "service account")
		}
		return none, grant.Miss(errBadRefresh)
	}
	if err != nil {
		return none, storeErr(err, "service account")
	}
	if !secret.Equal(a.RefreshDigest, d) || a.Status != store.AccountActive {
		return none, grant.Miss(errBadRefresh)
	}
	acct, err := s.dir.UserByID(ctx, a.ID)
	if err != nil {
		return none, err
	}
	return grant.Found{Client: a.ID, Account: acct, Issuer: grant.IssueFunc(func(ctx context.Context) (grant.Result, error) {
		c := r.Client
		next, nd := secret.NewToken(secret.PrefixSARefresh)
		var gen int64
		issued, err := s.sessions.Create(ctx, session.Spec{User: acct.User, Org: acct.Org, Role: acct.Role,
			Origin: store.OriginServiceAccount, Dialect: "oauth", TokenID: a.GrantID, ClientIP: c.IP, UserAgent: c.UserAgent,
			// The swap is the transaction's first statement and takes the
			// account's row lock: refreshes, revocations, updates and deletes of
			// one account queue on that row, before the session pins the user
			// row (docs/postgres.md). It only matches the live token of this
			// grant in an enabled org, so of concurrent refreshes one swaps.
			Guard: func(ctx context.Context, tx store.Tx) error {
				var err error
				gen, err = tx.RotateRefresh(ctx, a.ID, a.GrantID, d, nd, now)
				if errors.Is(err, store.ErrNotFound) {
					return lostSwap(ctx, tx, a, d)
				}
				return err
			},
			Also: func(ctx context.Context, tx store.Tx, _ store.Session) error {
				// Stamped now, close to the commit: RaceWindow counts from here.
				return tx.RetireRefresh(ctx, store.RetiredRefresh{Digest: d, AccountID: a.ID, Generation: gen, RetiredAt: s.now()})
			}})
		if err != nil {
			return grant.Result{}, err
		}
		return grant.Result{TokenID: a.ID, AccessToken: issued.Token, ExpiresIn: issued.Session.Expires.Sub(issued.Session.Created),
			RefreshToken: next}, nil
	})}, nil
}

// lostSwap tells why a refresh's swap matched nothing: a concurrent
// refresh rotated the token first (it is retired, the grant still live),
// or the grant ended or changed, or the org was disabled, since the
// refresh read the account.
func lostSwap(ctx context.Context, tx store.Tx, a store.ServiceAccount, d secret.Digest) error {
	cur, err := tx.ServiceAccountByID(ctx, a.ID)
	if errors.Is(err, store.ErrNotFound) {
		return errBadRefresh
	}
	if err != nil {
		return err
	}
	if cur.Status != store.AccountActive || cur.GrantID != a.GrantID {
		return errBadRefresh
	}
	if r, err := tx.RetiredRefreshByDigest(ctx, d); err == nil && r.AccountID == a.ID {
		return errConcurrent
	} else if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return errBadRefresh
}

// replayed handles a retired refresh token presented again: the grant it
// belonged to is revoked, audited as a replay, and the revocation applied
// to this process before the caller answers invalid_grant. If the grant
// ended meanwhile (its retired tokens are forgotten then), nothing is left
// to revoke.
func (s *Service) replayed(ctx context.Context, r store.RetiredRefresh, c grant.Client) error {
	now := s.now()
	var change *store.Change
	var name string
	var ended int
	err := s.store.Update(ctx, func(tx store.Tx) error {
		change, name = nil, ""
		cur, err := tx.LockServiceAccount(ctx, r.AccountID)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if _, err := tx.RetiredRefreshByDigest(ctx, r.Digest); errors.Is(err, store.ErrNotFound) {
			return nil
		} else if err != nil {
			return err
		}
		u, err := tx.UserByID(ctx, cur.ID)
		if err != nil {
			return err
		}
		name = u.Name
		by := audit.Actor{ClientIP: c.IP, RequestID: c.RequestID, OrgID: cur.OrgID, UserAgent: c.UserAgent}
		detail := fmt.Sprintf("refresh token of generation %d presented again after rotation (current generation %d)", r.Generation, cur.Generation)
		if err := tx.InsertAudit(ctx, audit.Event(by, now, "serviceAccount.replay", audit.Denied, cur.ID.URN(urn.ServiceAccount), detail)); err != nil {
			return err
		}
		ch, n, err := endGrant(ctx, tx, &cur, now)
		if err != nil {
			return err
		}
		change, ended = ch, n
		return tx.InsertAudit(ctx, audit.Event(by, now, "serviceAccount.revoke", audit.Success, cur.ID.URN(urn.ServiceAccount),
			fmt.Sprintf("refresh token replay detected; %d sessions ended", n)))
	})
	if err != nil {
		return storeErr(err, "service account")
	}
	if change != nil {
		s.publish(ctx, *change)
	}
	if name != "" {
		s.log.Warn("service-account refresh token replayed; its grant is revoked", "account", r.AccountID.String(),
			"name", name, "generation", r.Generation, "client_ip", c.IP, "sessions_ended", ended)
	}
	return errReplay
}
