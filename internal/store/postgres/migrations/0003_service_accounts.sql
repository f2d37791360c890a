-- Service accounts; the PostgreSQL twin of sqlite/migrations/0003, column
-- for column: times BIGINT Unix microseconds, digests BYTEA (NULL when
-- absent), booleans BOOLEAN.

CREATE TABLE service_accounts (
    id               TEXT PRIMARY KEY REFERENCES users (id),
    org_id           TEXT NOT NULL REFERENCES orgs (id),
    software_id      TEXT NOT NULL,
    software_version TEXT NOT NULL DEFAULT '',
    uri              TEXT NOT NULL DEFAULT '',
    status           TEXT NOT NULL,
    created_by       TEXT,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    device_digest    BYTEA UNIQUE,
    user_code_digest BYTEA UNIQUE,
    requested_at     BIGINT NOT NULL DEFAULT 0,
    code_expires_at  BIGINT NOT NULL DEFAULT 0,
    poll_interval    INTEGER NOT NULL DEFAULT 0,
    last_poll_at     BIGINT NOT NULL DEFAULT 0,
    denied           BOOLEAN NOT NULL DEFAULT FALSE,
    granted_by       TEXT,
    granted_at       BIGINT NOT NULL DEFAULT 0,
    grant_id         TEXT,
    refresh_digest   BYTEA UNIQUE,
    generation       BIGINT NOT NULL DEFAULT 0,
    activated_at     BIGINT NOT NULL DEFAULT 0,
    last_used_at     BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX service_accounts_org ON service_accounts (org_id);

CREATE TABLE retired_refresh_tokens (
    digest     BYTEA PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES service_accounts (id),
    generation BIGINT NOT NULL,
    retired_at BIGINT NOT NULL
);
CREATE INDEX retired_refresh_tokens_account ON retired_refresh_tokens (account_id);
CREATE INDEX retired_refresh_tokens_at ON retired_refresh_tokens (retired_at);
