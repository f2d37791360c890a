package apitoken

import (
	"context"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/authz"
	"github.com/cloudgate/cloudgate/internal/grant"
	"github.com/cloudgate/cloudgate/internal/session"
)

// Caller returns the principal of the session whose access token is tok:
// registration at /oauth is made by a session, as in Cloud Director. It
// fails Unauthenticated for a missing token or an unknown, ended or
// expired session, Unavailable when the store cannot answer.
func (s *Service) Caller(ctx context.Context, tok string) (*authz.Principal, error) {
	if tok == "" {
		return nil, session.ErrInvalid
	}
	sess, err := s.sessions.Resolve(ctx, tok)
	if err != nil {
		return nil, err
	}
	return &sess.Principal, nil
}

// RevokeAccess is RFC 7009 revocation of an access token: it ends the
// session tok belongs to. A session that is unknown or already gone is not
// an error (§2.2); one of another org than realm is refused with
// invalid_request, so that a client at the wrong endpoint does not believe
// a live session ended.
func (s *Service) RevokeAccess(ctx context.Context, realm grant.Realm, tok string) error {
	sess, err := s.sessions.Resolve(ctx, tok)
	if apierr.Is(err, apierr.Unauthenticated) {
		return nil
	}
	if err != nil {
		return err
	}
	if !realm.Admits(sess.Principal.OrgName) {
		return grant.Error(grant.CodeInvalidRequest, "the token belongs to another organization than /oauth/%s; it was not revoked", realm)
	}
	err = s.sessions.End(ctx, sess.ID, "revoked (RFC 7009)")
	if apierr.Is(err, apierr.Unauthenticated) {
		return nil
	}
	return err
}
