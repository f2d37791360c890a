package sqlstore

import (
	"context"
	"database/sql"
	"strings"

	"github.com/cloudgate/cloudgate/internal/store"
)

func (q queries) Settings(ctx context.Context) (map[string]string, error) {
	rows, err := q.query(ctx, `SELECT key, value FROM settings`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, q.db.wrap(err)
		}
		out[k] = v
	}
	return out, q.db.wrap(rows.Err())
}

func (q txQueries) SetSetting(ctx context.Context, key, value string) error {
	_, err := q.exec(ctx, `INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	return err
}

func (q queries) Changes(ctx context.Context, after int64, also []int64, limit int) ([]store.Change, error) {
	query := `SELECT seq, topic, subject, at FROM changes WHERE seq > ?`
	args := []any{after}
	if len(also) > 0 {
		query += ` OR seq IN (?` + strings.Repeat(", ?", len(also)-1) + `)`
		for _, s := range also {
			args = append(args, s)
		}
	}
	query += ` ORDER BY seq LIMIT ?`
	args = append(args, limit)
	rows, err := q.query(ctx, query, args...)
	return scanAll(q, rows, err, func(r *sql.Rows) (store.Change, error) {
		var c store.Change
		var at int64
		err := r.Scan(&c.Seq, &c.Topic, &c.Subject, &at)
		c.At = store.FromMicros(at)
		return c, err
	})
}

func (q queries) ChangeBounds(ctx context.Context) (first, last int64, err error) {
	var f, l sql.NullInt64
	err = q.row(ctx, `SELECT MIN(seq), MAX(seq) FROM changes`).Scan(&f, &l)
	return f.Int64, l.Int64, q.db.wrap(err)
}

func (q txQueries) Emit(ctx context.Context, c store.Change) error {
	// subject is NOT NULL: the zero id (settings) is stored as ''.
	subject := ""
	if !c.Subject.IsZero() {
		subject = c.Subject.String()
	}
	_, err := q.exec(ctx, sqlEmit, c.Topic, subject, store.Micros(c.At))
	return err
}

const auditCols = `seq, at, type, outcome, org_id, actor_id, actor_name, subject, client_ip, request_id, detail, user_agent`

func (q queries) AuditEvents(ctx context.Context, aq store.AuditQuery) ([]store.AuditEvent, int, error) {
	from := ` FROM audit WHERE at >= ?`
	args := []any{store.Micros(aq.Since)}
	if !aq.OrgID.IsZero() {
		from += ` AND org_id = ?`
		args = append(args, aq.OrgID)
	}
	if aq.Type != "" {
		from += ` AND type = ?`
		args = append(args, aq.Type)
	}
	list := listSpec{page: aq.Page, tiebreak: "seq DESC"}
	return runList(q, ctx, list, `SELECT `+auditCols, from, args, func(r *sql.Rows) (store.AuditEvent, error) {
		var e store.AuditEvent
		var at int64
		err := r.Scan(&e.Seq, &at, &e.Type, &e.Outcome, &e.OrgID, &e.ActorID, &e.ActorName, &e.Subject, &e.ClientIP, &e.RequestID, &e.Detail, &e.UserAgent)
		e.At = store.FromMicros(at)
		return e, err
	})
}

const (
	sqlEmit        = `INSERT INTO changes (topic, subject, at) VALUES (?, ?, ?)`
	sqlInsertAudit = `INSERT INTO audit (at, type, outcome, org_id, actor_id, actor_name, subject, client_ip, request_id, detail, user_agent)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
)

func (q txQueries) InsertAudit(ctx context.Context, e store.AuditEvent) error {
	_, err := q.exec(ctx, sqlInsertAudit,
		store.Micros(e.At), e.Type, e.Outcome, e.OrgID, e.ActorID, e.ActorName, e.Subject, e.ClientIP, e.RequestID, e.Detail, e.UserAgent)
	return err
}
