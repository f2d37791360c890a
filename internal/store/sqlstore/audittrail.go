package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/cloudgate/cloudgate/internal/store"
)

const auditTrailCols = `e.seq, e.at, e.type, e.outcome, e.org_id, e.actor_id, e.actor_name, e.subject, e.client_ip,
	e.request_id, e.detail, e.user_agent, COALESCE(o.name, '')`

func (q queries) AuditTrail(ctx context.Context, aq store.AuditTrailQuery) ([]store.AuditRow, int, error) {
	from := ` FROM audit e LEFT JOIN orgs o ON o.id = e.org_id WHERE e.seq > ?`
	args := []any{aq.AfterSeq}
	if !aq.OrgID.IsZero() {
		from += ` AND e.org_id = ?`
		args = append(args, aq.OrgID)
	}
	tiebreak := "e.seq DESC"
	if aq.Ascending {
		tiebreak = "e.seq ASC"
	}
	list := listSpec{schema: store.AuditSchema(), filter: aq.Filter, sort: aq.Sort, page: aq.Page, tiebreak: tiebreak}
	return runList(q, ctx, list, `SELECT `+auditTrailCols, from, args, func(r *sql.Rows) (store.AuditRow, error) {
		var e store.AuditRow
		var at int64
		err := r.Scan(&e.Seq, &at, &e.Type, &e.Outcome, &e.OrgID, &e.ActorID, &e.ActorName, &e.Subject, &e.ClientIP,
			&e.RequestID, &e.Detail, &e.UserAgent, &e.OrgName)
		e.At = store.FromMicros(at)
		return e, err
	})
}

func (q queries) LastAuditSeq(ctx context.Context) (int64, error) {
	var n sql.NullInt64
	err := q.row(ctx, `SELECT MAX(seq) FROM audit`).Scan(&n)
	return n.Int64, q.db.wrap(err)
}

func (q txQueries) PruneAudit(ctx context.Context, cutoff time.Time, limit int) (int, error) {
	if limit <= 0 {
		return 0, nil
	}
	// The subquery walks audit_at from the oldest end, so each batch
	// costs about limit index entries however large the table is.
	n, err := q.execN(ctx, `DELETE FROM audit WHERE seq IN (SELECT seq FROM audit WHERE at < ? ORDER BY at, seq LIMIT ?)`,
		store.Micros(cutoff), limit)
	return int(n), err
}
