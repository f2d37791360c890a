package sqlstore

import (
	"context"
	"strings"

	"github.com/cloudgate/cloudgate/internal/store"
)

// Bulk inserts (store.BulkWriter): multi-row INSERTs of up to
// maxInsertRows rows, in the power-of-two sizes the group committer's
// session inserts use (so their statements are already prepared).

func (q txQueries) InsertSessions(ctx context.Context, ss []store.Session) error {
	args := make([]any, 0, sessionColumns*maxInsertRows)
	for len(ss) > 0 {
		n := chunkSize(len(ss))
		args = args[:0]
		for _, s := range ss[:n] {
			args = appendSessionArgs(args, s)
		}
		query := sqlInsertSession
		if n > 1 {
			query = multiInsertSQL(n)
		}
		if _, err := q.exec(ctx, query, args...); err != nil {
			return err
		}
		ss = ss[n:]
	}
	return nil
}

const (
	sqlInsertTokenHead = `INSERT INTO api_tokens (id, name, name_key, owner_id, org_id, type, digest, created_at, minted_at,
		last_used_at, expires_at, revoked_at) VALUES ` // #nosec G101 -- SQL naming a digest column, no credential
	tokenColumns = 12
)

func (q txQueries) InsertTokens(ctx context.Context, ts []store.APIToken) error {
	row := "(?" + strings.Repeat(", ?", tokenColumns-1) + ")"
	args := make([]any, 0, tokenColumns*maxInsertRows)
	for len(ts) > 0 {
		n := chunkSize(len(ts))
		args = args[:0]
		for _, t := range ts[:n] {
			args = append(args, t.ID, t.Name, nameKey(t.Name), t.OwnerID, t.OrgID, t.Type, t.Digest, store.Micros(t.CreatedAt),
				store.Micros(t.MintedAt), store.Micros(t.LastUsedAt), store.Micros(t.ExpiresAt), store.Micros(t.RevokedAt))
		}
		query := sqlInsertTokenHead + row + strings.Repeat(", "+row, n-1)
		if _, err := q.exec(ctx, query, args...); err != nil {
			return err
		}
		ts = ts[n:]
	}
	return nil
}

// chunkSize is the largest power of two up to maxInsertRows not above n.
func chunkSize(n int) int {
	c := maxInsertRows
	for c > n {
		c /= 2
	}
	return c
}
