-- Service accounts (Cloud Director 10.4's automation identities, RFC 8628
-- device grant). An account's id is also the id of its user row (kind
-- 'serviceAccount'), which holds its name and role. Digests are 32-byte
-- SHA-256 BLOBs, NULL when absent; times are Unix microseconds; booleans
-- 0/1. The PostgreSQL twin is postgres/migrations/0003.

CREATE TABLE service_accounts (
    id               TEXT PRIMARY KEY REFERENCES users (id),
    org_id           TEXT NOT NULL REFERENCES orgs (id),
    software_id      TEXT NOT NULL,
    software_version TEXT NOT NULL DEFAULT '',
    uri              TEXT NOT NULL DEFAULT '',
    status           TEXT NOT NULL,
    created_by       TEXT,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    device_digest    BLOB UNIQUE,
    user_code_digest BLOB UNIQUE,
    requested_at     INTEGER NOT NULL DEFAULT 0,
    code_expires_at  INTEGER NOT NULL DEFAULT 0,
    poll_interval    INTEGER NOT NULL DEFAULT 0,
    last_poll_at     INTEGER NOT NULL DEFAULT 0,
    denied           INTEGER NOT NULL DEFAULT 0,
    granted_by       TEXT,
    granted_at       INTEGER NOT NULL DEFAULT 0,
    grant_id         TEXT,
    refresh_digest   BLOB UNIQUE,
    generation       INTEGER NOT NULL DEFAULT 0,
    activated_at     INTEGER NOT NULL DEFAULT 0,
    last_used_at     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX service_accounts_org ON service_accounts (org_id);

-- Refresh tokens rotation replaced, kept to recognise a replay (a stolen
-- copy presented after the real client rotated, or the other way round).
-- WITHOUT ROWID: rows live in the digest's b-tree, one b-tree fewer to
-- write on every refresh (the PostgreSQL twin is an ordinary table).
CREATE TABLE retired_refresh_tokens (
    digest     BLOB PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES service_accounts (id),
    generation INTEGER NOT NULL,
    retired_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX retired_refresh_tokens_account ON retired_refresh_tokens (account_id);
CREATE INDEX retired_refresh_tokens_at ON retired_refresh_tokens (retired_at);
