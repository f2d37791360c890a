package apitoken

import (
	"context"
	"errors"
	"fmt"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/audit"
	"github.com/cloudgate/cloudgate/internal/authz"
	"github.com/cloudgate/cloudgate/internal/grant"
	"github.com/cloudgate/cloudgate/internal/identity"
	"github.com/cloudgate/cloudgate/internal/secret"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
)

// reach is the set of tokens a principal may see and revoke. The rules
// (Cloud Director's): "Manage user's own API token" reaches the caller's
// own tokens; "Manage all users' API tokens" every token of the caller's
// org; a System administrator holding it every token. Sessions made from
// an API token hold neither right (authz.Effective strips them), so they
// reach nothing and are told why.
type reach struct {
	all   bool
	org   urn.UUID
	owner urn.UUID
}

func reachOf(p *authz.Principal) (reach, error) {
	switch {
	case p.Can(identity.RightTokenManageAll) && p.SystemAdmin():
		return reach{all: true}, nil
	case p.Can(identity.RightTokenManageAll):
		return reach{org: p.OrgID}, nil
	case p.Can(identity.RightTokenManage):
		return reach{owner: p.UserID}, nil
	}
	return reach{}, p.Require(identity.RightTokenManage)
}

func (r reach) covers(t store.APIToken) bool {
	switch {
	case r.all:
		return true
	case !r.org.IsZero():
		return t.OrgID == r.org
	}
	return t.OwnerID == r.owner
}

func (r reach) narrow(q *store.TokenQuery) {
	switch {
	case r.all:
	case !r.org.IsZero():
		q.OrgID = r.org
	default:
		q.OwnerID = r.owner
	}
}

// notFound is the answer for a token that does not exist, is revoked, or
// is out of the caller's reach: the three are indistinguishable.
func notFound(raw string) error {
	return apierr.New(apierr.NotFound, "Access to resource %s is forbidden or it does not exist", raw)
}

// List returns the live tokens within p's reach that match q (q's owner
// and org are overridden by the reach), with the total before paging. It
// fails Forbidden when p may manage no token at all, Invalid for a filter
// the store cannot evaluate.
func (s *Service) List(ctx context.Context, p *authz.Principal, q store.TokenQuery) ([]store.TokenRow, int, error) {
	r, err := reachOf(p)
	if err != nil {
		return nil, 0, err
	}
	q.OwnerID, q.OrgID = urn.UUID{}, urn.UUID{}
	r.narrow(&q)
	return s.list(ctx, q)
}

func (s *Service) list(ctx context.Context, q store.TokenQuery) ([]store.TokenRow, int, error) {
	rows, total, err := s.store.Tokens(ctx, q)
	if err != nil {
		return nil, 0, storeErr(err, "API token")
	}
	for i := range rows {
		rows[i].APIToken = s.withUse(rows[i].APIToken)
	}
	return rows, total, nil
}

// Get returns a live token within p's reach. It fails NotFound (which
// Cloud Director dialects answer 403) for a token that is missing,
// revoked or out of reach, Forbidden when p may manage no token at all.
func (s *Service) Get(ctx context.Context, p *authz.Principal, id urn.UUID) (store.TokenRow, error) {
	r, err := reachOf(p)
	if err != nil {
		return store.TokenRow{}, err
	}
	t, err := s.live(ctx, id)
	if err != nil {
		return store.TokenRow{}, err
	}
	if !r.covers(t) {
		return store.TokenRow{}, notFound(id.URN(urn.Token))
	}
	return s.row(ctx, t)
}

func (s *Service) live(ctx context.Context, id urn.UUID) (store.APIToken, error) {
	t, err := s.store.TokenByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !t.RevokedAt.IsZero()) {
		return t, notFound(id.URN(urn.Token))
	}
	return t, storeErr(err, "API token")
}

func (s *Service) row(ctx context.Context, t store.APIToken) (store.TokenRow, error) {
	acct, err := s.dir.UserByID(ctx, t.OwnerID)
	if err != nil {
		return store.TokenRow{}, err
	}
	return store.TokenRow{APIToken: s.withUse(t), OwnerName: acct.User.Name, OrgName: acct.Org.Name}, nil
}

// Revoke revokes a live token within p's reach and ends every session made
// from it; when it returns nil, this instance refuses those sessions
// already and other instances do within their feed interval. Failures are
// as for Get.
func (s *Service) Revoke(ctx context.Context, p *authz.Principal, id urn.UUID, c grant.Client) error {
	r, err := reachOf(p)
	if err != nil {
		return err
	}
	t, err := s.live(ctx, id)
	if err != nil {
		return err
	}
	if !r.covers(t) {
		return notFound(id.URN(urn.Token))
	}
	reason := "revoked by its owner"
	if t.OwnerID != p.UserID {
		reason = "revoked by " + p.UserName + "@" + p.OrgName
	}
	return s.revoke(ctx, t, actor(p, c), reason)
}

// RevokeSecret is RFC 7009 revocation by the token itself: whoever holds
// an API token may revoke it. An unknown, malformed or already revoked
// token is not an error (§2.2: no oracle for scanning); a live token of
// another org than realm is refused with invalid_request so that a client
// at the wrong endpoint does not believe a live token is gone.
func (s *Service) RevokeSecret(ctx context.Context, realm grant.Realm, token string, c grant.Client) error {
	now := s.now()
	if s.fails.Blocked(c.IP, now) {
		return grant.ErrThrottled
	}
	if !secret.HasPrefix(token, secret.PrefixAPIToken) {
		s.fails.Fail(c.IP, now)
		return nil
	}
	d := secret.DigestOf(token)
	t, err := s.store.TokenByDigest(ctx, d)
	if errors.Is(err, store.ErrNotFound) {
		s.fails.Fail(c.IP, now)
		return nil
	}
	if err != nil {
		return storeErr(err, "API token")
	}
	if !secret.Equal(t.Digest, d) || !t.RevokedAt.IsZero() {
		return nil
	}
	acct, err := s.dir.UserByID(ctx, t.OwnerID)
	if err != nil {
		return err
	}
	if !realm.Admits(acct.Org.Name) {
		return grant.Error(grant.CodeInvalidRequest, "the token belongs to another organization than /oauth/%s; it was not revoked", realm)
	}
	by := audit.Actor{ID: acct.User.ID, Name: acct.User.Name, OrgID: acct.Org.ID, ClientIP: c.IP, RequestID: c.RequestID, UserAgent: c.UserAgent}
	err = s.revoke(ctx, t, by, "revoked with its secret (RFC 7009)")
	if apierr.Is(err, apierr.NotFound) {
		return nil // revoked concurrently
	}
	return err
}

// AdminList lists live tokens of every org, for the host's administrator
// (the cloudgate token command); q is used as given.
func (s *Service) AdminList(ctx context.Context, q store.TokenQuery) ([]store.TokenRow, int, error) {
	return s.list(ctx, q)
}

// AdminRevoke revokes any live token, for the host's administrator. It
// fails NotFound for a missing or revoked token.
func (s *Service) AdminRevoke(ctx context.Context, by audit.Actor, id urn.UUID) error {
	t, err := s.live(ctx, id)
	if err != nil {
		return err
	}
	return s.revoke(ctx, t, by, "revoked by "+by.Name)
}

// revoke is the one revocation: in one transaction the token is marked
// revoked, every session made from it ends, the change is put on the feed
// and the event audited; then the change is applied to this process's
// memory before returning, so the caller's answer goes out only once the
// token's sessions are refused here.
func (s *Service) revoke(ctx context.Context, t store.APIToken, by audit.Actor, reason string) error {
	now := s.now()
	change := store.Change{Topic: store.TopicTokenRevoked, Subject: t.ID, At: now}
	var revoked bool
	err := s.store.Update(ctx, func(tx store.Tx) error {
		var err error
		if revoked, err = tx.RevokeToken(ctx, t.ID, now); err != nil || !revoked {
			return err
		}
		ended, err := tx.EndSessions(ctx, store.SessionSelector{TokenID: t.ID}, now, "token revoked")
		if err != nil {
			return err
		}
		if err := tx.Emit(ctx, change); err != nil {
			return err
		}
		detail := fmt.Sprintf("%s; %d sessions ended", reason, len(ended))
		return tx.InsertAudit(ctx, audit.Event(by, now, "token.revoke", audit.Success, t.ID.URN(urn.Token), detail))
	})
	if err != nil {
		return storeErr(err, "API token")
	}
	// Applied even when another caller revoked it first (possibly through
	// another process whose change this one has not polled yet): the
	// change is idempotent and closes that window too.
	s.publish(ctx, change)
	if !revoked {
		return notFound(t.ID.URN(urn.Token))
	}
	s.log.Info("API token revoked", "token", t.ID.String(), "by", by.Name, "reason", reason)
	return nil
}
