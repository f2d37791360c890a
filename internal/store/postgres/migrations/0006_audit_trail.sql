-- The audit trail becomes readable; the PostgreSQL twin of
-- sqlite/migrations/0006, column for column.

ALTER TABLE audit ADD COLUMN user_agent TEXT NOT NULL DEFAULT '';
CREATE INDEX audit_type_at ON audit (type, at);
CREATE INDEX audit_actor_at ON audit (actor_id, at);
