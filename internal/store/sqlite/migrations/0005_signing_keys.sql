-- The gate's signing keys for identity assertions (ES256), shared by every
-- instance on the database. public_jwk is the published JWK; sealed is
-- the private key encrypted with a secret kept outside the database
-- (see docs/gate.md), so reading the database alone does not yield it.

CREATE TABLE signing_keys (
    id         TEXT PRIMARY KEY,
    algorithm  TEXT NOT NULL,
    public_jwk BLOB NOT NULL,
    sealed     BLOB NOT NULL,
    created_at INTEGER NOT NULL
);
