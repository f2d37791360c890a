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
	"github.com/cloudgate/cloudgate/internal/grant"
	"github.com/cloudgate/cloudgate/internal/identity"
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
		return grant.Error(grant.CodeInvalidClientMeta, "client_name must be 1 to 128 characters of valid UTF-8")
	}
	if strings.TrimSpace(name) != name {
		return grant.Error(grant.CodeInvalidClientMeta, "client_name must not start or end with a space")
	}
	for _, r := range name {
		if !unicode.IsPrint(r) {
			return grant.Error(grant.CodeInvalidClientMeta, "client_name must not contain control characters")
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
func (s *Service) Register(ctx context.Context, p *authz.Principal, realm grant.Realm, spec RegisterSpec, c grant.Client) (store.APIToken, error) {
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
		return store.APIToken{}, grant.Error(grant.CodeInvalidClientMeta, "expires_in must be from %d to %d seconds, or absent for a token that never expires",
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
			return grant.Error(grant.CodeInvalidClientMeta, "you already have %d API tokens, the most one user may hold; revoke one first", n)
		}
		if err := tx.InsertToken(ctx, t); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return apierr.Wrap(apierr.Conflict, err, "you already have an API token named %q", t.Name).WithCode(grant.CodeInvalidClientMeta)
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

func expired(t store.APIToken, now time.Time) bool {
	return !t.ExpiresAt.IsZero() && !now.Before(t.ExpiresAt)
}
