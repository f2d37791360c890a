package apitoken

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/audit"
	"github.com/cloudgate/cloudgate/internal/authz"
	"github.com/cloudgate/cloudgate/internal/identity"
	"github.com/cloudgate/cloudgate/internal/secret"
	"github.com/cloudgate/cloudgate/internal/session"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
)

// Lifetime bounds of a token registered with an expiry.
const (
	MinLifetime = time.Hour
	MaxLifetime = 10 * 365 * 24 * time.Hour
)

// RegisterSpec describes a token to register.
type RegisterSpec struct {
	Name string
	// Lifetime, when set, makes the token stop working that long after
	// registration; zero means it never expires (Cloud Director's only
	// behaviour).
	Lifetime time.Duration
}

// CheckName validates a token name: 1 to 128 printable characters, no
// spaces at either end (they would be invisible in lists and filters).
func CheckName(name string) error {
	if name == "" || !utf8.ValidString(name) || utf8.RuneCountInString(name) > 128 {
		return oauthError(apierr.Invalid, CodeInvalidClientMeta, "client_name must be 1 to 128 characters of valid UTF-8")
	}
	if strings.TrimSpace(name) != name {
		return oauthError(apierr.Invalid, CodeInvalidClientMeta, "client_name must not start or end with a space")
	}
	for _, r := range name {
		if !unicode.IsPrint(r) {
			return oauthError(apierr.Invalid, CodeInvalidClientMeta, "client_name must not contain control characters")
		}
	}
	return nil
}

// Register registers a named token for the caller at realm. Its secret
// does not exist yet: Mint issues it once. It fails Forbidden for a
// session made from an API token or a caller without "Manage user's own
// API token", and for a realm that is not the caller's org; Invalid for a
// bad name or lifetime, or a caller at the per-user limit; Conflict when
// the caller has a live token of that name (ignoring case).
func (s *Service) Register(ctx context.Context, p *authz.Principal, realm Realm, spec RegisterSpec, c Client) (store.APIToken, error) {
	if err := p.RequireFull("Creating API tokens"); err != nil {
		return store.APIToken{}, err
	}
	if err := p.Require(identity.RightTokenManage); err != nil {
		return store.APIToken{}, err
	}
	if !realm.Admits(p.OrgName) {
		return store.APIToken{}, apierr.New(apierr.Forbidden, "API tokens are registered at the endpoint of your own organization, not at /oauth/%s", realm)
	}
	if err := CheckName(spec.Name); err != nil {
		return store.APIToken{}, err
	}
	if spec.Lifetime != 0 && (spec.Lifetime < MinLifetime || spec.Lifetime > MaxLifetime) {
		return store.APIToken{}, oauthError(apierr.Invalid, CodeInvalidClientMeta, "expires_in must be from %d to %d seconds, or absent for a token that never expires",
			int64(MinLifetime/time.Second), int64(MaxLifetime/time.Second))
	}
	now := s.now()
	t := store.APIToken{ID: urn.New(), Name: spec.Name, OwnerID: p.UserID, OrgID: p.OrgID, Type: store.TokenTypeRefresh, CreatedAt: now}
	if spec.Lifetime > 0 {
		t.ExpiresAt = now.Add(spec.Lifetime)
	}
	err := s.store.Update(ctx, func(tx store.Tx) error {
		// Counted in the transaction so concurrent registrations cannot
		// overshoot the limit on a store that serializes writers.
		_, n, err := tx.Tokens(ctx, store.TokenQuery{OwnerID: p.UserID, Page: store.Page{Limit: 1}})
		if err != nil {
			return err
		}
		if n >= s.maxPer {
			return oauthError(apierr.Invalid, CodeInvalidClientMeta, "you already have %d API tokens, the most one user may hold; revoke one first", n)
		}
		if err := tx.InsertToken(ctx, t); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return apierr.Wrap(apierr.Conflict, err, "you already have an API token named %q", t.Name).WithCode(CodeInvalidClientMeta)
			}
			return err
		}
		return tx.InsertAudit(ctx, audit.Event(actor(p, c), now, "token.register", audit.Success, t.ID.URN(urn.Token), t.Name))
	})
	if err != nil {
		return store.APIToken{}, storeErr(err, "API token")
	}
	return t, nil
}

// Grant is what a successful grant returns: a session made from the token
// and, from Mint only, the token's secret.
type Grant struct {
	TokenID     urn.UUID
	AccessToken string
	// ExpiresIn is the session's absolute lifetime.
	ExpiresIn time.Duration
	// RefreshToken is the API token itself; empty on exchanges.
	RefreshToken string
}

// Mint is the jwt-bearer grant: it issues the secret of the registered
// token clientID to its owner, exactly once, and a session made from it.
// The assertion must be a live password session of the owner in realm's
// org. It fails with invalid_request for missing parameters,
// invalid_client for an unknown client_id or one of another user (the two
// look the same), invalid_grant for a bad assertion or a token already
// issued, revoked or expired, and Unavailable when the store is down.
func (s *Service) Mint(ctx context.Context, realm Realm, assertion, clientID string, c Client) (Grant, error) {
	if assertion == "" || clientID == "" {
		return Grant{}, oauthError(apierr.Invalid, CodeInvalidRequest, "the jwt-bearer grant needs assertion and client_id")
	}
	id, err := urn.ParseEither(clientID, urn.Token)
	unknownClient := oauthError(apierr.Invalid, CodeInvalidClient, "unknown client_id")
	if err != nil {
		return Grant{}, unknownClient
	}
	sess, err := s.sessions.Resolve(ctx, assertion)
	if err != nil {
		if apierr.Is(err, apierr.Unavailable) {
			return Grant{}, err
		}
		return Grant{}, oauthError(apierr.Invalid, CodeInvalidGrant, "the assertion is not a live session")
	}
	p := &sess.Principal
	if p.Restricted {
		return Grant{}, oauthError(apierr.Invalid, CodeInvalidGrant, "the assertion is a session created from an API token or service account; API tokens are issued only to sessions made with a password")
	}
	if !realm.Admits(p.OrgName) {
		return Grant{}, oauthError(apierr.Invalid, CodeInvalidGrant, "the assertion is a session of another organization than /oauth/%s", realm)
	}
	if !p.Can(identity.RightTokenManage) {
		return Grant{}, oauthError(apierr.Invalid, CodeUnauthorizedClient, "the session's role lacks the right %q", identity.RightTokenManage)
	}
	t, err := s.store.TokenByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && t.OwnerID != p.UserID) {
		return Grant{}, unknownClient
	}
	if err != nil {
		return Grant{}, storeErr(err, "API token")
	}
	now := s.now()
	if !t.RevokedAt.IsZero() || expired(t, now) {
		return Grant{}, oauthError(apierr.Invalid, CodeInvalidGrant, "the API token is revoked or expired")
	}
	acct, err := s.dir.UserByID(ctx, t.OwnerID)
	if err != nil {
		return Grant{}, grantErr(err)
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
				return oauthError(apierr.Invalid, CodeInvalidGrant, "the API token was already issued or is revoked; register a new one")
			}
			return tx.InsertAudit(ctx, audit.Event(actor(p, c), now, "token.mint", audit.Success, t.ID.URN(urn.Token), t.Name))
		}})
	if err != nil {
		return Grant{}, grantErr(err)
	}
	s.used.touch(t.ID, now)
	return Grant{TokenID: t.ID, AccessToken: issued.Token, ExpiresIn: issued.Session.Expires.Sub(issued.Session.Created),
		RefreshToken: secretText}, nil
}

// grantErr keeps OAuth-coded and unavailable errors and turns everything
// else about the token's owner (gone, disabled, password changed since
// the check) into invalid_grant.
func grantErr(err error) error {
	e := apierr.As(err)
	switch {
	case e.Code != "" && e.Kind == apierr.Invalid:
		return err
	case e.Kind == apierr.Unavailable || e.Kind == apierr.Internal:
		return err
	}
	return errInvalidGrant
}

func expired(t store.APIToken, now time.Time) bool {
	return !t.ExpiresAt.IsZero() && !now.Before(t.ExpiresAt)
}
