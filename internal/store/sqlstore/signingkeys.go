package sqlstore

import (
	"context"
	"database/sql"

	"github.com/cloudgate/cloudgate/internal/store"
)

const signingKeyCols = `id, algorithm, public_jwk, sealed, created_at`

// SigningKeys implements store.SigningKeys.
func (db *DB) SigningKeys(ctx context.Context) ([]store.SigningKey, error) {
	rows, err := db.query(ctx, `SELECT `+signingKeyCols+` FROM signing_keys ORDER BY created_at DESC, id`)
	return scanAll(db.queries, rows, err, func(r *sql.Rows) (store.SigningKey, error) {
		var k store.SigningKey
		var created int64
		err := r.Scan(&k.ID, &k.Algorithm, &k.Public, &k.Sealed, &created)
		k.CreatedAt = store.FromMicros(created)
		return k, err
	})
}

// InsertSigningKey implements store.SigningKeys.
func (db *DB) InsertSigningKey(ctx context.Context, k store.SigningKey) error {
	return db.Update(ctx, func(tx store.Tx) error {
		_, err := tx.(*txQueries).exec(ctx, `INSERT INTO signing_keys (`+signingKeyCols+`) VALUES (?, ?, ?, ?, ?)`,
			k.ID, k.Algorithm, k.Public, k.Sealed, store.Micros(k.CreatedAt))
		return err
	})
}

// DeleteSigningKey implements store.SigningKeys.
func (db *DB) DeleteSigningKey(ctx context.Context, id string) error {
	return db.Update(ctx, func(tx store.Tx) error {
		n, err := tx.(*txQueries).execN(ctx, `DELETE FROM signing_keys WHERE id = ?`, id)
		if err == nil && n == 0 {
			err = store.ErrNotFound
		}
		return err
	})
}
