-- cloudgate schema, PostgreSQL flavour. It mirrors sqlite/migrations/0001
-- column for column, so the shared SQL in store/sqlstore runs unchanged:
-- times are Unix microseconds (BIGINT), ids canonical lowercase UUID text,
-- booleans BOOLEAN, token digests 32-byte BYTEA (NULL when absent). name_key
-- holds the case-folded name for unique case-insensitive lookups.

CREATE TABLE orgs (
    id               TEXT PRIMARY KEY,
    name             TEXT NOT NULL,
    name_key         TEXT NOT NULL UNIQUE,
    full_name        TEXT NOT NULL DEFAULT '',
    description      TEXT NOT NULL DEFAULT '',
    enabled          BOOLEAN NOT NULL,
    lockout_enabled  BOOLEAN NOT NULL,
    lockout_attempts INTEGER NOT NULL,
    lockout_minutes  INTEGER NOT NULL,
    created_at       BIGINT NOT NULL
);

CREATE TABLE roles (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    name_key    TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    rights      TEXT NOT NULL,
    predefined  BOOLEAN NOT NULL,
    system_only BOOLEAN NOT NULL
);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES orgs (id),
    name          TEXT NOT NULL,
    name_key      TEXT NOT NULL,
    full_name     TEXT NOT NULL DEFAULT '',
    kind          TEXT NOT NULL,
    role_id       TEXT NOT NULL REFERENCES roles (id),
    password_hash TEXT NOT NULL DEFAULT '',
    enabled       BOOLEAN NOT NULL,
    failures      INTEGER NOT NULL DEFAULT 0,
    last_failure  BIGINT NOT NULL DEFAULT 0,
    locked_until  BIGINT NOT NULL DEFAULT 0,
    hard_locked   BOOLEAN NOT NULL DEFAULT FALSE,
    valid_after   BIGINT NOT NULL DEFAULT 0,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    UNIQUE (org_id, name_key)
);

CREATE TABLE sessions (
    id            TEXT PRIMARY KEY,
    digest        BYTEA NOT NULL,
    legacy_digest BYTEA,
    user_id       TEXT NOT NULL,
    org_id        TEXT NOT NULL,
    origin        TEXT NOT NULL,
    dialect       TEXT NOT NULL,
    token_id      TEXT,
    parent_id     TEXT,
    client_ip     TEXT NOT NULL,
    user_agent    TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    last_active   BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL,
    idle          BOOLEAN NOT NULL,
    ended_at      BIGINT NOT NULL DEFAULT 0,
    end_reason    TEXT NOT NULL DEFAULT ''
);
-- Bearer tokens carry their session's id (the primary key); their digest
-- is compared, never searched, so it has no index: a random-keyed index
-- would cost a random page write for every new session. Legacy keys are
-- found by digest.
CREATE UNIQUE INDEX sessions_legacy ON sessions (legacy_digest) WHERE legacy_digest IS NOT NULL;
CREATE INDEX sessions_user ON sessions (user_id) WHERE ended_at = 0;
CREATE INDEX sessions_org ON sessions (org_id) WHERE ended_at = 0;
CREATE INDEX sessions_token ON sessions (token_id) WHERE ended_at = 0 AND token_id IS NOT NULL;
CREATE INDEX sessions_idle ON sessions (last_active) WHERE ended_at = 0 AND idle;
CREATE INDEX sessions_expires ON sessions (expires_at);
CREATE INDEX sessions_ended ON sessions (ended_at) WHERE ended_at > 0;

CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    name_key     TEXT NOT NULL,
    owner_id     TEXT NOT NULL REFERENCES users (id),
    org_id       TEXT NOT NULL REFERENCES orgs (id),
    type         TEXT NOT NULL,
    digest       BYTEA UNIQUE,
    created_at   BIGINT NOT NULL,
    minted_at    BIGINT NOT NULL DEFAULT 0,
    last_used_at BIGINT NOT NULL DEFAULT 0,
    expires_at   BIGINT NOT NULL DEFAULT 0,
    revoked_at   BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX api_tokens_owner_name ON api_tokens (owner_id, name_key) WHERE revoked_at = 0;
CREATE INDEX api_tokens_org ON api_tokens (org_id) WHERE revoked_at = 0;

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- seq comes from a sequence: numbers are handed out at insert and a
-- transaction may commit after a later-numbered one, so readers track gaps
-- (internal/feed).
CREATE TABLE changes (
    seq     BIGSERIAL PRIMARY KEY,
    topic   TEXT NOT NULL,
    subject TEXT NOT NULL,
    at      BIGINT NOT NULL
);
CREATE INDEX changes_at ON changes (at);

-- Every transaction that appends to the feed wakes the instances that
-- LISTEN on cloudgate_changes. A statement trigger with a constant payload:
-- PostgreSQL folds identical notifications of one transaction into one, and
-- delivers it only at commit, so a listener never reads ahead of the data.
CREATE FUNCTION cloudgate_notify_changes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('cloudgate_changes', '');
    RETURN NULL;
END;
$$;

CREATE TRIGGER changes_notify AFTER INSERT ON changes
    FOR EACH STATEMENT EXECUTE FUNCTION cloudgate_notify_changes();

CREATE TABLE audit (
    seq        BIGSERIAL PRIMARY KEY,
    at         BIGINT NOT NULL,
    type       TEXT NOT NULL,
    outcome    TEXT NOT NULL,
    org_id     TEXT,
    actor_id   TEXT,
    actor_name TEXT NOT NULL DEFAULT '',
    subject    TEXT NOT NULL DEFAULT '',
    client_ip  TEXT NOT NULL DEFAULT '',
    request_id TEXT NOT NULL DEFAULT '',
    detail     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_org_at ON audit (org_id, at);
CREATE INDEX audit_at ON audit (at);
