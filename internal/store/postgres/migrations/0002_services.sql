-- Compute services (the vCloud Air dialect's subscriptions) and their
-- virtual datacenters; the PostgreSQL twin of sqlite/migrations/0002.

CREATE TABLE compute_services (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES orgs (id),
    name         TEXT NOT NULL,
    name_key     TEXT NOT NULL,
    region       TEXT NOT NULL,
    service_type TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    UNIQUE (org_id, name_key)
);

CREATE TABLE vdcs (
    id         TEXT PRIMARY KEY,
    service_id TEXT NOT NULL REFERENCES compute_services (id),
    org_id     TEXT NOT NULL REFERENCES orgs (id),
    name       TEXT NOT NULL,
    name_key   TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (service_id, name_key)
);
CREATE INDEX vdcs_org ON vdcs (org_id);

-- Orgs created before this migration get the default service every new org
-- gets: serviceId = org name, one VDC of the same name; not the System org.
-- gen_random_uuid() (built in since PostgreSQL 13) gives canonical lowercase
-- version-4 UUIDs.
INSERT INTO compute_services (id, org_id, name, name_key, region, service_type, created_at)
SELECT gen_random_uuid()::text, o.id, o.name, o.name_key, 'default', 'compute:vpc', o.created_at
FROM orgs o WHERE o.name_key <> 'system';

INSERT INTO vdcs (id, service_id, org_id, name, name_key, created_at)
SELECT gen_random_uuid()::text, s.id, s.org_id, s.name, s.name_key, s.created_at
FROM compute_services s;
