package sqlstore

import (
	"context"
	"time"

	"github.com/cloudgate/cloudgate/internal/store"
)

// The guarded insert of a session: one INSERT ... SELECT whose rows come
// from locking sub-selects of the owner (user joined with org) and, for a
// session made from an API token, of the token. The session's values are
// selected only if every sub-select finds its row as the caller checked
// it, and the rows found are locked shared until the transaction ends.
// Under READ COMMITTED, a sub-select that meets a row being changed waits
// for that transaction and re-checks its WHERE against the new version,
// so a revocation or disable that commits first is seen (nothing is
// inserted), and one that starts later waits for this insert and then
// ends the session. The parameters' types come from the INSERT's columns.
const (
	sqlGuardedInsertHead = `INSERT INTO sessions (id, digest, legacy_digest, user_id, org_id, origin, dialect, token_id, parent_id,
		client_ip, user_agent, created_at, last_active, expires_at, idle, ended_at, end_reason)
		SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?
		FROM (SELECT u.id FROM users u JOIN orgs o ON o.id = u.org_id
			WHERE u.id = ? AND u.enabled AND o.enabled AND u.valid_after = ? AND u.password_hash = ?`
	sqlGuardedInsertToken = `, (SELECT t.id FROM api_tokens t WHERE t.id = ? AND t.revoked_at = 0 AND t.digest = ?` // #nosec G101 -- SQL with placeholders
)

// guardedInsertSQL is the statement's text, with or without the token
// guard (stmts.go prepares both when the store opens).
func (q queries) guardedInsertSQL(withToken bool) string {
	share := q.share()
	query := sqlGuardedInsertHead + share + `) owner`
	if withToken {
		query += sqlGuardedInsertToken + q.tokenGate("t.id", false) + share + `) token`
	}
	return query
}

// guardedInsert returns the statement and its arguments for s under g.
func (q queries) guardedInsert(s store.Session, g store.SessionGuard) (string, []any) {
	query := q.guardedInsertSQL(!g.TokenDigest.IsZero())
	args := []any{s.ID, s.Digest, s.LegacyDigest, s.UserID, s.OrgID, string(s.Origin), s.Dialect, s.TokenID, s.ParentID,
		s.ClientIP, s.UserAgent, store.Micros(s.CreatedAt), store.Micros(s.LastActive), store.Micros(s.ExpiresAt),
		s.Idle, store.Micros(s.EndedAt), s.EndReason,
		s.UserID, store.Micros(g.ValidAfter), g.PasswordHash}
	if !g.TokenDigest.IsZero() {
		args = append(args, s.TokenID, g.TokenDigest)
	}
	return query, args
}

// CreateSession implements store.Store.
//
// Where writers are group-committed (SQLite) it joins a batch like any
// Update. Otherwise the one statement runs as a transaction of its own on
// the write pool: the server commits it before answering (with
// synchronous_commit on, after the WAL flush), so a PostgreSQL session is
// created in one round trip instead of four or five (BEGIN, the pins, the
// insert, COMMIT). A deadlock or serialization failure is retried as
// Update retries.
func (db *DB) CreateSession(ctx context.Context, s store.Session, g store.SessionGuard) (bool, error) {
	if db.group != nil {
		return db.group.insert(ctx, s, g)
	}
	ctx, cancel := db.bound(ctx)
	defer cancel()
	query, args := db.queries.guardedInsert(s, g)
	query = db.rebind(query)
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		var n int64
		if n, err = execN(ctx, db, query, args); err == nil {
			return n > 0, nil
		}
		if !db.cfg.Dialect.Retryable(err) {
			return false, err
		}
		select {
		case <-ctx.Done():
			return false, err
		case <-time.After(time.Duration(attempt+1) * 5 * time.Millisecond):
		}
	}
	return false, err
}

// execN runs one statement on the write pool outside any transaction.
func execN(ctx context.Context, db *DB, query string, args []any) (int64, error) {
	r, err := db.cfg.Write.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, db.wrap(err)
	}
	n, err := r.RowsAffected()
	return n, db.wrap(err)
}
