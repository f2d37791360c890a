-- cloudgate schema, SQLite flavour. Times are Unix microseconds (INTEGER),
-- ids canonical lowercase UUID text, booleans 0/1, token digests 32-byte
-- BLOBs (NULL when absent). name_key holds the case-folded name for unique
-- case-insensitive lookups.

CREATE TABLE orgs (
    id               TEXT PRIMARY KEY,
    name             TEXT NOT NULL,
    name_key         TEXT NOT NULL UNIQUE,
    full_name        TEXT NOT NULL DEFAULT '',
    description      TEXT NOT NULL DEFAULT '',
    enabled          INTEGER NOT NULL,
    lockout_enabled  INTEGER NOT NULL,
    lockout_attempts INTEGER NOT NULL,
    lockout_minutes  INTEGER NOT NULL,
    created_at       INTEGER NOT NULL
);

CREATE TABLE roles (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    name_key    TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    rights      TEXT NOT NULL,
    predefined  INTEGER NOT NULL,
    system_only INTEGER NOT NULL
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
    enabled       INTEGER NOT NULL,
    failures      INTEGER NOT NULL DEFAULT 0,
    last_failure  INTEGER NOT NULL DEFAULT 0,
    locked_until  INTEGER NOT NULL DEFAULT 0,
    hard_locked   INTEGER NOT NULL DEFAULT 0,
    valid_after   INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    UNIQUE (org_id, name_key)
);

CREATE TABLE sessions (
    id            TEXT PRIMARY KEY,
    digest        BLOB NOT NULL,
    legacy_digest BLOB,
    user_id       TEXT NOT NULL,
    org_id        TEXT NOT NULL,
    origin        TEXT NOT NULL,
    dialect       TEXT NOT NULL,
    token_id      TEXT,
    parent_id     TEXT,
    client_ip     TEXT NOT NULL,
    user_agent    TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    last_active   INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    idle          INTEGER NOT NULL,
    ended_at      INTEGER NOT NULL DEFAULT 0,
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
CREATE INDEX sessions_idle ON sessions (last_active) WHERE ended_at = 0 AND idle = 1;
CREATE INDEX sessions_expires ON sessions (expires_at);
CREATE INDEX sessions_ended ON sessions (ended_at) WHERE ended_at > 0;

CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    name_key     TEXT NOT NULL,
    owner_id     TEXT NOT NULL REFERENCES users (id),
    org_id       TEXT NOT NULL REFERENCES orgs (id),
    type         TEXT NOT NULL,
    digest       BLOB UNIQUE,
    created_at   INTEGER NOT NULL,
    minted_at    INTEGER NOT NULL DEFAULT 0,
    last_used_at INTEGER NOT NULL DEFAULT 0,
    expires_at   INTEGER NOT NULL DEFAULT 0,
    revoked_at   INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX api_tokens_owner_name ON api_tokens (owner_id, name_key) WHERE revoked_at = 0;
CREATE INDEX api_tokens_org ON api_tokens (org_id) WHERE revoked_at = 0;

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE changes (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    topic   TEXT NOT NULL,
    subject TEXT NOT NULL,
    at      INTEGER NOT NULL
);
CREATE INDEX changes_at ON changes (at);

CREATE TABLE audit (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    at         INTEGER NOT NULL,
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
