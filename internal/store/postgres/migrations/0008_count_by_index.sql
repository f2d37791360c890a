-- List totals are exact counts (Cloud Director's resultTotal and the
-- pageCount clients derive from it). Counting live sessions read every
-- row for its expiry, so a first page cost grew with the table: 1.5-7.7 s
-- at 200,000 sessions. These indexes carry the expiry beside the list's
-- scope, so a count is a range scan of one index and reads no row:
--   every session:        sessions_expires (expires_at, ended_at)
--   one org's sessions:   sessions_org     (org_id, expires_at), live only
--   one user's sessions:  sessions_user    (user_id, expires_at), live only
-- They replace the indexes of the same names (same number of indexes, so
-- no extra cost per session written); the purge and EndSessions use the
-- leading columns as before.
DROP INDEX sessions_expires;
CREATE INDEX sessions_expires ON sessions (expires_at, ended_at);
DROP INDEX sessions_org;
CREATE INDEX sessions_org ON sessions (org_id, expires_at) WHERE ended_at = 0;
DROP INDEX sessions_user;
CREATE INDEX sessions_user ON sessions (user_id, expires_at) WHERE ended_at = 0;
