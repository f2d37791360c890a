-- The total of a session list (Cloud Director's resultTotal) is exact. With
-- 0008 it is a range count over an index, which still reads an index entry
-- per live session: 32/158 ms (p50/p99) for the provider's first page at
-- 1,000,000 sessions. session_counts keeps the number of sessions that are
-- not ended, per scope and per five minutes of expiry (a bucket),
-- maintained by the triggers below in the same transaction as every write
-- to sessions. A list total is then the sum of the buckets after the
-- current one plus an index count of the current bucket's live rows
-- (sqlstore/counts.go): one counter row per bucket of the session
-- lifetime (288 for a day) and five minutes of sessions, whatever the
-- table holds.
--
-- scope is '' (every session) or 'o:' and the org id. A user's sessions
-- are counted with sessions_user as before: a counter per user would be a
-- randomly placed row written by every new session of every user, a page
-- write per session. bucket is expires_at (microseconds) divided by
-- 300,000,000 (sqlstore.countBucket). Rows of buckets that have passed
-- are never summed; the sweeper deletes them (session_counts_bucket). Counts may go below zero there, when a session
-- that expired unended is purged.
CREATE TABLE session_counts (
    scope  TEXT NOT NULL,
    bucket INTEGER NOT NULL,
    n      INTEGER NOT NULL,
    PRIMARY KEY (scope, bucket)
) WITHOUT ROWID;
CREATE INDEX session_counts_bucket ON session_counts (bucket);

INSERT INTO session_counts (scope, bucket, n)
    SELECT '', expires_at / 300000000, COUNT(*) FROM sessions WHERE ended_at = 0 GROUP BY expires_at / 300000000;
INSERT INTO session_counts (scope, bucket, n)
    SELECT 'o:' || org_id, expires_at / 300000000, COUNT(*) FROM sessions WHERE ended_at = 0 GROUP BY org_id, expires_at / 300000000;

-- A session counts while ended_at = 0. Every change is covered: a new
-- session, an end, a delete, and (for completeness; nothing does it today)
-- a change of expiry or org, or an ended session made live again.
CREATE TRIGGER session_counts_insert AFTER INSERT ON sessions WHEN NEW.ended_at = 0
BEGIN
    INSERT INTO session_counts (scope, bucket, n)
        VALUES ('', NEW.expires_at / 300000000, 1), ('o:' || NEW.org_id, NEW.expires_at / 300000000, 1)
        ON CONFLICT (scope, bucket) DO UPDATE SET n = n + excluded.n; END;

CREATE TRIGGER session_counts_update_old AFTER UPDATE OF ended_at, expires_at, org_id ON sessions WHEN OLD.ended_at = 0
BEGIN
    INSERT INTO session_counts (scope, bucket, n)
        VALUES ('', OLD.expires_at / 300000000, -1), ('o:' || OLD.org_id, OLD.expires_at / 300000000, -1)
        ON CONFLICT (scope, bucket) DO UPDATE SET n = n + excluded.n; END;

CREATE TRIGGER session_counts_update_new AFTER UPDATE OF ended_at, expires_at, org_id ON sessions WHEN NEW.ended_at = 0
BEGIN
    INSERT INTO session_counts (scope, bucket, n)
        VALUES ('', NEW.expires_at / 300000000, 1), ('o:' || NEW.org_id, NEW.expires_at / 300000000, 1)
        ON CONFLICT (scope, bucket) DO UPDATE SET n = n + excluded.n; END;

CREATE TRIGGER session_counts_delete AFTER DELETE ON sessions WHEN OLD.ended_at = 0
BEGIN
    INSERT INTO session_counts (scope, bucket, n)
        VALUES ('', OLD.expires_at / 300000000, -1), ('o:' || OLD.org_id, OLD.expires_at / 300000000, -1)
        ON CONFLICT (scope, bucket) DO UPDATE SET n = n + excluded.n; END;
