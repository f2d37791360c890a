package sqlstore

import "github.com/cloudgate/cloudgate/internal/urn"

// Session totals from counters. A list's total is exact (resultTotal, from
// which clients derive pageCount), and counting every live session through
// an index grew with the table (docs/performance.md, "Cost as the store
// grows"). The migrations (SQLite 0010, PostgreSQL 0009) keep
// session_counts: per scope (every session, or one org) and per bucket of
// expiry, the number of sessions not ended, maintained by triggers in the
// transaction of every insert, end and delete. A session is live while it
// is not ended and its expiry is after now, so the live total is
//
//	the counters of the buckets after now's bucket
//	+ the live sessions expiring in now's bucket (an index range count)
//
// which reads one counter row per bucket of the session lifetime (and per
// shard on PostgreSQL) and at most one bucket's sessions, however many the
// table holds. Buckets before now's are never read; their rows are deleted
// with the purge of old sessions.

// countBucket is the width of a bucket in microseconds: the divisor of
// expires_at in the migrations' triggers. Five minutes: a day's lifetime is
// 288 buckets, and the exact part counts five minutes of expiries.
const countBucket = 300_000_000

// countedTotal returns the statement and arguments that count the live
// sessions of org (zero: every session) at now (Unix microseconds).
func countedTotal(org urn.UUID, now int64) (string, []any) {
	bucket := now / countBucket
	scope, exact, args := "", "", []any{"", bucket}
	if !org.IsZero() {
		// The exact part in the shape sessions_org serves.
		scope, exact = "o:"+org.String(), "s.org_id = ? AND "
		args = []any{scope, bucket, org}
	}
	query := `SELECT COALESCE((SELECT SUM(c.n) FROM session_counts c WHERE c.scope = ? AND c.bucket > ?), 0) +
		(SELECT COUNT(*) FROM sessions s WHERE ` + exact + `s.ended_at = 0 AND s.expires_at > ? AND s.expires_at < ?)`
	return query, append(args, now, (bucket+1)*countBucket)
}
