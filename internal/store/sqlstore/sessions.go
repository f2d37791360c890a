package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"slices"
	"time"

	"github.com/cloudgate/cloudgate/internal/secret"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
)

const sessionCols = `s.id, s.digest, s.legacy_digest, s.user_id, s.org_id, s.origin, s.dialect, s.token_id, s.parent_id,
	s.client_ip, s.user_agent, s.created_at, s.last_active, s.expires_at, s.idle, s.ended_at, s.end_reason`

func scanSession(r interface{ Scan(...any) error }, extra ...any) (store.Session, error) {
	var s store.Session
	var origin string
	var created, last, expires, ended int64
	dest := []any{&s.ID, &s.Digest, &s.LegacyDigest, &s.UserID, &s.OrgID, &origin, &s.Dialect, &s.TokenID, &s.ParentID,
		&s.ClientIP, &s.UserAgent, &created, &last, &expires, &s.Idle, &ended, &s.EndReason}
	err := r.Scan(append(dest, extra...)...)
	s.Origin = store.Origin(origin)
	s.CreatedAt = store.FromMicros(created)
	s.LastActive = store.FromMicros(last)
	s.ExpiresAt = store.FromMicros(expires)
	s.EndedAt = store.FromMicros(ended)
	return s, err
}

func (q queries) SessionByLegacyDigest(ctx context.Context, d secret.Digest) (store.Session, error) {
	s, err := scanSession(q.row(ctx, `SELECT `+sessionCols+` FROM sessions s WHERE s.legacy_digest = ?`, d))
	return s, q.db.wrap(err)
}

func (q queries) SessionByID(ctx context.Context, id urn.UUID) (store.Session, error) {
	s, err := scanSession(q.row(ctx, `SELECT `+sessionCols+` FROM sessions s WHERE s.id = ?`, id))
	return s, q.db.wrap(err)
}

func (q queries) Sessions(ctx context.Context, sq store.SessionQuery) ([]store.SessionRow, int, error) {
	where := `s.ended_at = 0 AND s.expires_at > ?`
	args := []any{store.Micros(sq.Now)}
	if !sq.UserID.IsZero() {
		where += ` AND s.user_id = ?`
		args = append(args, sq.UserID)
	}
	if !sq.OrgID.IsZero() {
		where += ` AND s.org_id = ?`
		args = append(args, sq.OrgID)
	}
	// The count leaves out the joins the filter does not read: a live
	// session's user and org exist (deleting either ends its sessions in
	// the same transaction), so they drop no row. With migration 0008 it
	// is a range count over (user_id | org_id | -, expires_at).
	count := countSpec{table: "sessions s", where: where, joins: []countJoin{
		{"u", "users u", "u.id = s.user_id"}, {"o", "orgs o", "o.id = s.org_id"}}}
	// Every session or one org's: the counters (counts.go). A user's own
	// sessions are few enough for the index count (and a counter per user
	// would be a page write per session).
	if sq.UserID.IsZero() {
		count.all, count.allArgs = countedTotal(sq.OrgID, store.Micros(sq.Now))
	}
	if !sq.IdleBefore.IsZero() {
		// Sessions idle past the cutoff are few (the sweeper ends them a
		// minute later), and sessions_idle holds only idle ones.
		count.rare = q.isTrue("s.idle") + ` AND s.last_active < ?`
		count.rareArgs = []any{store.Micros(sq.IdleBefore)}
		count.rareIndex = "sessions_idle"
	}
	list := listSpec{schema: store.SessionSchema(), filter: sq.Filter, sort: sq.Sort, page: sq.Page, tiebreak: "s.created_at DESC, s.id", count: count}
	from := ` FROM sessions s JOIN users u ON u.id = s.user_id JOIN orgs o ON o.id = s.org_id WHERE ` + where
	rows, total, err := runList(q, ctx, list, `SELECT `+sessionCols+`, u.name, o.name`, from, args,
		func(r *sql.Rows) (store.SessionRow, error) {
			var row store.SessionRow
			var err error
			row.Session, err = scanSession(r, &row.UserName, &row.OrgName)
			return row, err
		})
	return rows, total, err
}

// isTrue is the condition "column is true" spelled as the partial indexes
// on it are (SQLite stores booleans as 0/1, PostgreSQL as BOOLEAN); a
// planner uses a partial index only for a condition it can match to the
// index's own, and SQLite never matches a bound parameter.
func (q queries) isTrue(column string) string {
	if q.db.cfg.Dialect.Name() == "postgres" {
		return column
	}
	return column + " = 1"
}

// Statements of the hot write path (prepared when the store opens).
const (
	sqlInsertSession = `INSERT INTO sessions (id, digest, legacy_digest, user_id, org_id, origin, dialect, token_id, parent_id,
		client_ip, user_agent, created_at, last_active, expires_at, idle, ended_at, end_reason)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	sqlEndSession   = `UPDATE sessions SET ended_at = ?, end_reason = ? WHERE id = ? AND ended_at = 0`
	sqlTouchSession = `UPDATE sessions SET last_active = ? WHERE id = ? AND last_active < ?`
)

func (q txQueries) InsertSession(ctx context.Context, s store.Session) error {
	_, err := q.exec(ctx, sqlInsertSession,
		s.ID, s.Digest, s.LegacyDigest, s.UserID, s.OrgID, string(s.Origin), s.Dialect, s.TokenID, s.ParentID,
		s.ClientIP, s.UserAgent, store.Micros(s.CreatedAt), store.Micros(s.LastActive), store.Micros(s.ExpiresAt),
		s.Idle, store.Micros(s.EndedAt), s.EndReason)
	return err
}

func (q txQueries) EndSession(ctx context.Context, id urn.UUID, at time.Time, reason string) (bool, error) {
	n, err := q.execN(ctx, sqlEndSession, store.Micros(at), reason, id)
	return n > 0, err
}

func (q txQueries) EndSessions(ctx context.Context, sel store.SessionSelector, at time.Time, reason string) ([]urn.UUID, error) {
	var cond string
	var args []any
	switch {
	case !sel.UserID.IsZero():
		cond, args = `user_id = ?`, []any{sel.UserID}
	case !sel.OrgID.IsZero():
		cond, args = `org_id = ?`, []any{sel.OrgID}
	case !sel.TokenID.IsZero():
		cond, args = `token_id = ?`, []any{sel.TokenID}
	default:
		return nil, nil
	}
	if !sel.CreatedBefore.IsZero() {
		cond += ` AND created_at < ?`
		args = append(args, store.Micros(sel.CreatedBefore))
	}
	// One statement, whatever the number of sessions (a busy API token has
	// thousands): the sub-select locks the rows in id order, so concurrent
	// transactions ending overlapping sets cannot deadlock, and RETURNING
	// gives the ids the caller tells other instances about.
	rows, err := q.query(ctx, `UPDATE sessions SET ended_at = ?, end_reason = ?
		WHERE id IN (SELECT id FROM sessions WHERE ended_at = 0 AND `+cond+` ORDER BY id`+q.lock()+`)
		RETURNING id`, append([]any{store.Micros(at), reason}, args...)...)
	ids, err := scanAll(q.queries, rows, err, func(r *sql.Rows) (urn.UUID, error) {
		var id urn.UUID
		return id, r.Scan(&id)
	})
	if err != nil {
		return nil, err
	}
	// RETURNING's order is unspecified; callers get the ids sorted.
	slices.SortFunc(ids, func(a, b urn.UUID) int { return bytes.Compare(a[:], b[:]) })
	return ids, nil
}

func (q txQueries) TouchSessions(ctx context.Context, touches []store.Touch) error {
	// Update in id order so that instances writing behind overlapping sets
	// at once lock rows in the same order (no deadlock on PostgreSQL).
	touches = sortedTouches(touches)
	for _, t := range touches {
		if _, err := q.exec(ctx, sqlTouchSession, store.Micros(t.At), t.ID, store.Micros(t.At)); err != nil {
			return err
		}
	}
	return nil
}

// sortedTouches returns touches ordered by id, one per id with the latest
// time (the caller's slice is left alone).
func sortedTouches(touches []store.Touch) []store.Touch {
	out := slices.Clone(touches)
	slices.SortFunc(out, func(a, b store.Touch) int {
		if c := bytes.Compare(a.ID[:], b.ID[:]); c != 0 {
			return c
		}
		return b.At.Compare(a.At) // latest first, kept by the compaction below
	})
	return slices.CompactFunc(out, func(a, b store.Touch) bool { return a.ID == b.ID })
}
