-- The newest-first session list (ORDER BY created_at DESC, id) reads
-- sessions_live_created. As (created_at DESC, id), every new session
-- entered that index at its left edge, where SQLite's B-tree splits leave
-- pages half full and rewrite their neighbours: 3 of the ~22 pages a
-- group commit of 15 sessions wrote to the WAL were that index's leaves,
-- one more an interior page. As (created_at, id DESC) the same order is
-- the index read backwards (EXPLAIN QUERY PLAN: the same index, no sort),
-- and new sessions are appended at its right edge: 1.5 pages fewer per
-- commit. The order is the same for every row, whatever its id, because
-- it is still created_at and then id; only the direction of the scan
-- changed. The PostgreSQL index is unchanged.
DROP INDEX sessions_live_created;
CREATE INDEX sessions_live_created ON sessions (created_at, id DESC) WHERE ended_at = 0;
