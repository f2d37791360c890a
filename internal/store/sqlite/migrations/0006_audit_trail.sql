-- The audit trail becomes readable (GET /cloudapi/1.0.0/auditTrail,
-- cloudgate audit): events record the client's User-Agent, and the
-- queries by event type and by actor, and retention's oldest-first
-- pruning, have indexes. Events written before this migration have an
-- empty user agent. The PostgreSQL twin is postgres/migrations/0006.

ALTER TABLE audit ADD COLUMN user_agent TEXT NOT NULL DEFAULT '';
CREATE INDEX audit_type_at ON audit (type, at);
CREATE INDEX audit_actor_at ON audit (actor_id, at);
