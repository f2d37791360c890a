package store

import (
	"context"
	"time"

	"github.com/cloudgate/cloudgate/internal/fiql"
	"github.com/cloudgate/cloudgate/internal/secret"
	"github.com/cloudgate/cloudgate/internal/urn"
)

// TokenTypeRefresh is the type Cloud Director reports for API tokens.
const TokenTypeRefresh = "REFRESH"

// APIToken is a user's named, long-lived API token (an OAuth refresh token).
// Its secret is minted once; only the digest is stored.
type APIToken struct {
	ID      urn.UUID // also the OAuth client_id
	Name    string   // unique among the owner's live tokens
	OwnerID urn.UUID
	OrgID   urn.UUID
	Type    string
	// Digest is zero until the secret is minted (jwt-bearer grant).
	Digest     secret.Digest
	CreatedAt  time.Time
	MintedAt   time.Time
	LastUsedAt time.Time
	ExpiresAt  time.Time // zero: never expires
	RevokedAt  time.Time // zero while live
}

// TokenRow is a live token with the names list endpoints show.
type TokenRow struct {
	APIToken
	OwnerName string
	OrgName   string
}

// TokenQuery selects live (unrevoked) tokens.
type TokenQuery struct {
	OwnerID urn.UUID // zero: any
	OrgID   urn.UUID // zero: any
	Filter  fiql.Expr
	Sort    []Sort
	Page    Page
}

// TokenReader reads API tokens.
type TokenReader interface {
	// TokenByID returns the token, revoked or not.
	TokenByID(ctx context.Context, id urn.UUID) (APIToken, error)
	// TokenByDigest returns the token whose minted secret has digest d.
	TokenByDigest(ctx context.Context, d secret.Digest) (APIToken, error)
	// Tokens lists live tokens with the total count before paging.
	Tokens(ctx context.Context, q TokenQuery) ([]TokenRow, int, error)
}

// TokenWriter changes API tokens.
type TokenWriter interface {
	// InsertToken returns ErrConflict when the owner has a live token of
	// that name.
	InsertToken(ctx context.Context, t APIToken) error
	// PinToken reads a token and holds a shared lock on its row until the
	// transaction ends (SELECT ... FOR SHARE). Exchanges pin the token they
	// use; a revocation updates the row, which waits for them. So either the
	// revocation sees (and ends) the new session, or the exchange sees the
	// revocation. Exchanges do not block each other.
	PinToken(ctx context.Context, id urn.UUID) (APIToken, error)
	// MintToken stores the digest of a token's secret if none is stored
	// yet; it reports false when the secret was minted already.
	MintToken(ctx context.Context, id urn.UUID, d secret.Digest, at time.Time) (bool, error)
	// RevokeToken marks a live token revoked; false if missing or revoked.
	// It waits for the exchanges that pin the token, and exchanges that
	// come after it wait for it: however busy the token, it is not
	// starved (on PostgreSQL a fair lock gates the row's pins and writes).
	RevokeToken(ctx context.Context, id urn.UUID, at time.Time) (bool, error)
	// TouchTokens raises LastUsedAt (maximum wins, as for sessions). Like
	// RevokeToken it queues fairly with the exchanges pinning each token,
	// and holds a lock per token until commit: keep batches to hundreds.
	TouchTokens(ctx context.Context, touches []Touch) error
}
