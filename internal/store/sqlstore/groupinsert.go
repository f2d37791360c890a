package sqlstore

import (
	"context"
	"errors"
	"strings"

	"github.com/cloudgate/cloudgate/internal/secret"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
)

// Guarded session inserts (CreateSession) are the bulk of a group-commit
// batch under exchanges. Instead of one INSERT ... SELECT per session
// inside a savepoint of its own, a batch checks each distinct guard once
// (an owner exchanging a thousand times a second appears in a batch once)
// and inserts the sessions that passed in multi-row statements. The write
// transaction was begun IMMEDIATE, so no other writer can change a guarded
// row between the check and the insert: the result is the same as the
// per-session statement's. Only when a multi-row statement fails is its
// chunk split, each row then in a savepoint of its own.

// sessionInsert is one CreateSession in a batch.
type sessionInsert struct {
	s        store.Session
	g        store.SessionGuard
	inserted bool
}

// ownerGuard and tokenGuard are the keys of the guards a batch checks.
type ownerGuard struct {
	user       urn.UUID
	validAfter int64
	hash       string
}

type tokenGuard struct {
	id     urn.UUID
	digest secret.Digest
}

const (
	sqlOwnerGuard = `SELECT 1 FROM users u JOIN orgs o ON o.id = u.org_id
		WHERE u.id = ? AND u.enabled AND o.enabled AND u.valid_after = ? AND u.password_hash = ?`
	sqlTokenGuard = `SELECT 1 FROM api_tokens t WHERE t.id = ? AND t.revoked_at = 0 AND t.digest = ?` // #nosec G101 -- SQL naming a digest column, no credential
	// sessionColumns is the number of values per inserted session.
	sessionColumns = 17
	// maxInsertRows bounds one statement; chunk sizes are powers of two
	// up to it, so a handful of statement texts is ever prepared.
	maxInsertRows = 32
)

func (q queries) ownerGuardSQL() string { return sqlOwnerGuard + q.share() }
func (q queries) tokenGuardSQL() string {
	return sqlTokenGuard + q.tokenGate("t.id", false) + q.share()
}

// multiInsertSQL is the INSERT of n sessions.
func multiInsertSQL(n int) string {
	i := strings.Index(sqlInsertSession, "VALUES")
	row := "(?" + strings.Repeat(", ?", sessionColumns-1) + ")"
	var b strings.Builder
	b.WriteString(sqlInsertSession[:i+len("VALUES ")])
	for k := 0; k < n; k++ {
		if k > 0 {
			b.WriteString(", ")
		}
		b.WriteString(row)
	}
	return b.String()
}

// insertStatements are the texts warm prepares.
func insertStatements() []string {
	var out []string
	for n := 2; n <= maxInsertRows; n *= 2 {
		out = append(out, multiInsertSQL(n))
	}
	return out
}

func appendSessionArgs(args []any, s store.Session) []any {
	return append(args, s.ID, s.Digest, s.LegacyDigest, s.UserID, s.OrgID, string(s.Origin), s.Dialect, s.TokenID, s.ParentID,
		s.ClientIP, s.UserAgent, store.Micros(s.CreatedAt), store.Micros(s.LastActive), store.Micros(s.ExpiresAt),
		s.Idle, store.Micros(s.EndedAt), s.EndReason)
}

// insertSessions runs the batch's guarded inserts: batch[i].ins for i in
// idx, results[i] receiving each one's error. It returns an error only
// when the transaction is in an unknown state and the batch must fail.
func (c *committer) insertSessions(ctx context.Context, tx *txQueries, batch []*unit, idx []int, results []error) error {
	owners := make(map[ownerGuard]bool, 2)
	tokens := make(map[tokenGuard]bool, 2)
	pass := idx[:0:0]
	for _, i := range idx {
		u := batch[i]
		if err := u.ctx.Err(); err != nil {
			results[i] = c.db.wrap(err)
			continue
		}
		in := u.ins
		ok, err := tx.guard(ctx, owners, tokens, in.s, in.g)
		if err != nil {
			results[i] = err
			continue
		}
		if ok {
			pass = append(pass, i)
		}
	}
	args := make([]any, 0, sessionColumns*maxInsertRows)
	for len(pass) > 0 {
		n := maxInsertRows
		for n > len(pass) {
			n /= 2
		}
		chunk := pass[:n]
		pass = pass[n:]
		args = args[:0]
		for _, i := range chunk {
			args = appendSessionArgs(args, batch[i].ins.s)
		}
		query := sqlInsertSession
		if n > 1 {
			query = multiInsertSQL(n)
		}
		if _, err := tx.exec(ctx, query, args...); err == nil {
			for _, i := range chunk {
				batch[i].ins.inserted = true
			}
			continue
		}
		// Split: each row alone, so one bad row fails only its own unit.
		for _, i := range chunk {
			if _, err := tx.exec(ctx, "SAVEPOINT unit"); err != nil {
				results[i] = c.db.wrap(err)
				continue
			}
			_, err := tx.exec(ctx, sqlInsertSession, appendSessionArgs(args[:0], batch[i].ins.s)...)
			if err != nil {
				results[i] = err
				if _, rbErr := tx.exec(ctx, "ROLLBACK TO unit"); rbErr != nil {
					return c.db.wrap(rbErr)
				}
			} else {
				batch[i].ins.inserted = true
			}
			if _, err := tx.exec(ctx, "RELEASE unit"); err != nil && results[i] == nil {
				results[i] = c.db.wrap(err)
			}
		}
	}
	return nil
}

// guard checks one session's guards, each distinct one once per batch.
func (q txQueries) guard(ctx context.Context, owners map[ownerGuard]bool, tokens map[tokenGuard]bool, s store.Session, g store.SessionGuard) (bool, error) {
	ok, seen := owners[ownerGuard{s.UserID, store.Micros(g.ValidAfter), g.PasswordHash}]
	if !seen {
		var err error
		if ok, err = q.exists(ctx, q.ownerGuardSQL(), s.UserID, store.Micros(g.ValidAfter), g.PasswordHash); err != nil {
			return false, err
		}
		owners[ownerGuard{s.UserID, store.Micros(g.ValidAfter), g.PasswordHash}] = ok
	}
	if !ok || g.TokenDigest.IsZero() {
		return ok, nil
	}
	k := tokenGuard{s.TokenID, g.TokenDigest}
	ok, seen = tokens[k]
	if !seen {
		var err error
		if ok, err = q.exists(ctx, q.tokenGuardSQL(), s.TokenID, g.TokenDigest); err != nil {
			return false, err
		}
		tokens[k] = ok
	}
	return ok, nil
}

// exists tells whether query finds a row.
func (q txQueries) exists(ctx context.Context, query string, args ...any) (bool, error) {
	var one int
	err := q.row(ctx, query, args...).Scan(&one)
	if err == nil {
		return true, nil
	}
	if err = q.db.wrap(err); errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	return false, err
}
