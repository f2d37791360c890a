-- Compute services (the vCloud Air dialect's subscriptions) and their
-- virtual datacenters. service_key / name_key hold case-folded names for
-- case-insensitive uniqueness, as in 0001.

CREATE TABLE compute_services (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES orgs (id),
    name         TEXT NOT NULL,
    name_key     TEXT NOT NULL,
    region       TEXT NOT NULL,
    service_type TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    UNIQUE (org_id, name_key)
);

CREATE TABLE vdcs (
    id         TEXT PRIMARY KEY,
    service_id TEXT NOT NULL REFERENCES compute_services (id),
    org_id     TEXT NOT NULL REFERENCES orgs (id),
    name       TEXT NOT NULL,
    name_key   TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (service_id, name_key)
);
CREATE INDEX vdcs_org ON vdcs (org_id);

-- Orgs created before this migration get the default service every new
-- org gets (identity.DefaultService): serviceId = org name, one VDC of the
-- same name. The System org (the provider) has none. Ids are random
-- version-4 UUIDs in canonical lowercase form.
INSERT INTO compute_services (id, org_id, name, name_key, region, service_type, created_at)
SELECT lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2)
       || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2)
       || '-' || lower(hex(randomblob(6))),
       o.id, o.name, o.name_key, 'default', 'compute:vpc', o.created_at
FROM orgs o WHERE o.name_key <> 'system';

INSERT INTO vdcs (id, service_id, org_id, name, name_key, created_at)
SELECT lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2)
       || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2)
       || '-' || lower(hex(randomblob(6))),
       s.id, s.org_id, s.name, s.name_key, s.created_at
FROM compute_services s;
