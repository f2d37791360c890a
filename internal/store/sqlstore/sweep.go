package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
)

// Bounded housekeeping (store.SweepWriter). Each statement picks at most
// limit rows through an index (sessions_idle, sessions_ended,
// sessions_expires, the changes primary key) and changes only those.

func (q txQueries) EndIdleSessionsUpTo(ctx context.Context, cutoff, at time.Time, limit int) ([]urn.UUID, error) {
	rows, err := q.query(ctx, `SELECT id FROM sessions WHERE ended_at = 0 AND idle = ? AND last_active < ? ORDER BY id LIMIT ?`+q.lock(),
		true, store.Micros(cutoff), limit)
	ids, err := scanAll(q.queries, rows, err, func(r *sql.Rows) (urn.UUID, error) {
		var id urn.UUID
		return id, r.Scan(&id)
	})
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		if _, err := q.exec(ctx, `UPDATE sessions SET ended_at = ?, end_reason = 'idle' WHERE id = ? AND ended_at = 0 AND last_active < ?`,
			store.Micros(at), id, store.Micros(cutoff)); err != nil {
			return nil, err
		}
	}
	return ids, nil
}

func (q txQueries) PurgeSessionsUpTo(ctx context.Context, cutoff time.Time, limit int) (int, error) {
	c := store.Micros(cutoff)
	// Two index range scans (ended, then expired) rather than one OR that
	// a planner may turn into a table scan. Each is ordered by its index's
	// column: without ORDER BY, PostgreSQL scans the table whenever its
	// statistics say that many rows match (a backlog of expired sessions,
	// the very case batches are for) and stops at the limit, so each batch
	// first reads past every row the batches before it deleted. At 200,000
	// sessions the scan that found the last expired row read the whole
	// table (194 ms, `EXPLAIN (ANALYZE, BUFFERS)`) where the index scan
	// takes 0.2 ms; at 1 M such scans held the writer for over half a second.
	n, err := q.execN(ctx, `DELETE FROM sessions WHERE `+q.keyIn("id", `SELECT id FROM sessions WHERE ended_at > 0 AND ended_at < ? ORDER BY ended_at LIMIT ?`), c, limit)
	if err != nil || int(n) >= limit {
		return int(n), err
	}
	m, err := q.execN(ctx, `DELETE FROM sessions WHERE `+q.keyIn("id", `SELECT id FROM sessions WHERE expires_at < ? ORDER BY expires_at LIMIT ?`), c, limit-int(n))
	if err != nil || int(n+m) >= limit {
		return int(n + m), err
	}
	// The counters of buckets before the cutoff's (counts.go): never read
	// again, since a total reads only buckets after now's. They are not
	// sessions, so not in the count returned; a few per scope and bucket,
	// what one call leaves the next sweep deletes.
	key := "scope, bucket" // session_counts' primary key
	if q.db.cfg.Dialect.Name() == "postgres" {
		key += ", shard"
	}
	_, err = q.execN(ctx, `DELETE FROM session_counts WHERE (`+key+`) IN (SELECT `+key+` FROM session_counts WHERE bucket < ? ORDER BY bucket LIMIT ?)`,
		c/countBucket, limit-int(n+m))
	return int(n + m), err
}

// keyIn is "key IN (sub)". PostgreSQL plans that as a hash semi-join
// over a scan of the whole table (EXPLAIN, 200,000 rows: a sequential
// scan per batch, 0.9 s per 1,000-row batch at 20,000 sessions on a busy
// machine); key = ANY(ARRAY(sub)) makes it look the keys up in the
// primary key instead.
func (q queries) keyIn(key, sub string) string {
	if q.db.cfg.Dialect.Name() == "postgres" {
		return key + " = ANY(ARRAY(" + sub + "))"
	}
	return key + " IN (" + sub + ")"
}

func (q txQueries) PurgeChangesUpTo(ctx context.Context, cutoff time.Time, limit int) (int, error) {
	// The newest entry always stays, so ChangeBounds never goes back to 0
	// and a reader can still tell it fell behind.
	n, err := q.execN(ctx, `DELETE FROM changes WHERE `+q.keyIn("seq", `SELECT seq FROM changes WHERE at < ? AND seq < (SELECT MAX(seq) FROM changes) ORDER BY seq LIMIT ?`),
		store.Micros(cutoff), limit)
	return int(n), err
}
