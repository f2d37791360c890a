-- What the Cloud Director admin API stores beside orgs and users: an org's
-- general and lease settings (JSON of store.OrgSettings, kept as given),
-- a user's contact details, and the tasks admin operations report.

CREATE TABLE org_settings (
    org_id   TEXT PRIMARY KEY REFERENCES orgs (id),
    settings TEXT NOT NULL
);

CREATE TABLE user_profiles (
    user_id     TEXT PRIMARY KEY REFERENCES users (id),
    org_id      TEXT NOT NULL REFERENCES orgs (id),
    email       TEXT NOT NULL DEFAULT '',
    telephone   TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    im          TEXT NOT NULL DEFAULT ''
);
CREATE INDEX user_profiles_org ON user_profiles (org_id);

-- Tasks outlive what they acted on (a deleted org's task is still read
-- after the delete), so they reference nothing.
CREATE TABLE tasks (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL,
    operation      TEXT NOT NULL,
    operation_name TEXT NOT NULL,
    owner_kind     TEXT NOT NULL,
    owner_id       TEXT NOT NULL,
    owner_name     TEXT NOT NULL,
    user_id        TEXT NOT NULL,
    user_name      TEXT NOT NULL,
    status         TEXT NOT NULL,
    started_at     INTEGER NOT NULL,
    ended_at       INTEGER NOT NULL
);
CREATE INDEX tasks_ended ON tasks (ended_at);
