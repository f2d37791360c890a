package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/cloudgate/cloudgate/internal/secret"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
)

const tokenCols = `t.id, t.name, t.owner_id, t.org_id, t.type, t.digest, t.created_at, t.minted_at, t.last_used_at, t.expires_at, t.revoked_at` // #nosec G101 -- column names

func scanToken(r interface{ Scan(...any) error }, extra ...any) (store.APIToken, error) {
	var t store.APIToken
	var created, minted, used, expires, revoked int64
	dest := []any{&t.ID, &t.Name, &t.OwnerID, &t.OrgID, &t.Type, &t.Digest, &created, &minted, &used, &expires, &revoked}
	err := r.Scan(append(dest, extra...)...)
	t.CreatedAt = store.FromMicros(created)
	t.MintedAt = store.FromMicros(minted)
	t.LastUsedAt = store.FromMicros(used)
	t.ExpiresAt = store.FromMicros(expires)
	t.RevokedAt = store.FromMicros(revoked)
	return t, err
}

func (q queries) TokenByID(ctx context.Context, id urn.UUID) (store.APIToken, error) {
	t, err := scanToken(q.row(ctx, `SELECT `+tokenCols+` FROM api_tokens t WHERE t.id = ?`, id))
	return t, q.db.wrap(err)
}

func (q queries) TokenByDigest(ctx context.Context, d secret.Digest) (store.APIToken, error) {
	t, err := scanToken(q.row(ctx, `SELECT `+tokenCols+` FROM api_tokens t WHERE t.digest = ?`, d))
	return t, q.db.wrap(err)
}

func (q queries) Tokens(ctx context.Context, tq store.TokenQuery) ([]store.TokenRow, int, error) {
	where := `t.revoked_at = 0`
	var args []any
	if !tq.OwnerID.IsZero() {
		where += ` AND t.owner_id = ?`
		args = append(args, tq.OwnerID)
	}
	if !tq.OrgID.IsZero() {
		where += ` AND t.org_id = ?`
		args = append(args, tq.OrgID)
	}
	// Foreign keys keep every token's owner and org, so the count joins
	// only what the filter reads, and an index of live tokens answers it.
	count := countSpec{table: "api_tokens t", where: where, joins: []countJoin{
		{"u", "users u", "u.id = t.owner_id"}, {"o", "orgs o", "o.id = t.org_id"}}}
	list := listSpec{schema: store.TokenSchema(), filter: tq.Filter, sort: tq.Sort, page: tq.Page, tiebreak: "t.created_at, t.id", count: count}
	from := ` FROM api_tokens t JOIN users u ON u.id = t.owner_id JOIN orgs o ON o.id = t.org_id WHERE ` + where
	return runList(q, ctx, list, `SELECT `+tokenCols+`, u.name, o.name`, from, args,
		func(r *sql.Rows) (store.TokenRow, error) {
			var row store.TokenRow
			var err error
			row.APIToken, err = scanToken(r, &row.OwnerName, &row.OrgName)
			return row, err
		})
}

func (q txQueries) InsertToken(ctx context.Context, t store.APIToken) error {
	_, err := q.exec(ctx, `INSERT INTO api_tokens (id, name, name_key, owner_id, org_id, type, digest, created_at, minted_at,
		last_used_at, expires_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.ID, t.Name, nameKey(t.Name), t.OwnerID, t.OrgID, t.Type, t.Digest, store.Micros(t.CreatedAt),
		store.Micros(t.MintedAt), store.Micros(t.LastUsedAt), store.Micros(t.ExpiresAt), store.Micros(t.RevokedAt))
	return err
}

const sqlPinToken = `SELECT ` + tokenCols + ` FROM api_tokens t WHERE t.id = ?`

// gateTokens is the Dialect.Gate class of api_tokens rows ("cgtk").
const gateTokens = 0x6367746b

// tokenGate is the gate condition of the api_tokens row whose id is key.
func (q queries) tokenGate(key string, exclusive bool) string {
	return q.db.cfg.Dialect.Gate(gateTokens, key, exclusive)
}

func (q txQueries) PinToken(ctx context.Context, id urn.UUID) (store.APIToken, error) {
	t, err := scanToken(q.row(ctx, sqlPinToken+q.tokenGate("t.id", false)+q.share(), id))
	return t, q.db.wrap(err)
}

func (q txQueries) MintToken(ctx context.Context, id urn.UUID, d secret.Digest, at time.Time) (bool, error) {
	n, err := q.execN(ctx, `UPDATE api_tokens SET digest = ?, minted_at = ? WHERE id = ? AND digest IS NULL AND revoked_at = 0`,
		d, store.Micros(at), id)
	return n > 0, err
}

// Writes of a token row that exchanges pin go through the exclusive gate:
// a revocation of a token exchanged thousands of times a second would
// otherwise wait until no exchange happens to hold the row.

func (q txQueries) RevokeToken(ctx context.Context, id urn.UUID, at time.Time) (bool, error) {
	n, err := q.execN(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at = 0`+q.tokenGate("id", true),
		store.Micros(at), id)
	return n > 0, err
}

func (q txQueries) TouchTokens(ctx context.Context, touches []store.Touch) error {
	for _, t := range sortedTouches(touches) {
		if _, err := q.exec(ctx, `UPDATE api_tokens SET last_used_at = ? WHERE id = ? AND last_used_at < ?`+q.tokenGate("id", true),
			store.Micros(t.At), t.ID, store.Micros(t.At)); err != nil {
			return err
		}
	}
	return nil
}
