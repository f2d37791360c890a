package sqlstore

import (
	"strings"

	"github.com/cloudgate/cloudgate/internal/secret"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
)

// Guarded session inserts (CreateSession) are the bulk of a group-commit
// batch under exchanges. Instead of one INSERT ... SELECT per session
// inside a savepoint of its own, a batch checks each distinct guard once
// (an owner exchanging a thousand times a second appears in a batch once;
// owner and token in one statement) and inserts the sessions that passed
// in one multi-row statement of up to maxInsertRows rows. The write
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
	// maxInsertRows bounds one statement. The group committer prepares a
	// statement for each row count it meets (at most maxInsertRows of
	// them); bulk inserts use powers of two.
	maxInsertRows = 32
)

// guardSQL checks an owner guard, and a token guard when withToken, in
// one statement that always returns one row: one EXISTS per guard.
func (q queries) guardSQL(withToken bool) string {
	query := `SELECT EXISTS (` + sqlOwnerGuard + q.share() + `)`
	if withToken {
		query += `, EXISTS (` + sqlTokenGuard + q.tokenGate("t.id", false) + q.share() + `)`
	}
	return query
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
