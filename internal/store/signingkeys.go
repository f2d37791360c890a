package store

import (
	"context"
	"time"
)

// SigningKey is a key the gate signs identity assertions with. Every
// instance sharing the database signs with the same keys, so an upstream
// verifies an assertion whichever instance made it.
type SigningKey struct {
	// ID is the JWS key id ("kid"); unique.
	ID string
	// Algorithm is the JWS algorithm ("ES256").
	Algorithm string
	// Public is the public key as a JWK (JSON), published at
	// /.well-known/jwks.json.
	Public []byte
	// Sealed is the private key encrypted by the gate with a secret that
	// is not in the database (a database read alone does not yield it).
	Sealed    []byte
	CreatedAt time.Time
}

// SigningKeys keeps the gate's signing keys. Each method is its own
// transaction: keys change rarely and never together with other records.
type SigningKeys interface {
	// SigningKeys returns every key, newest first (ties by ID).
	SigningKeys(ctx context.Context) ([]SigningKey, error)
	// InsertSigningKey adds k; ErrConflict when its ID is taken.
	InsertSigningKey(ctx context.Context, k SigningKey) error
	// DeleteSigningKey removes a key; ErrNotFound when there is none.
	DeleteSigningKey(ctx context.Context, id string) error
}
