-- Tessera's schema, SQLite dialect (the PostgreSQL twin has the same tables and rules).
--
-- Conventions:
--   * every table is keyed by partition_id first: nothing is reachable across partitions;
--   * `seq` (INTEGER PRIMARY KEY AUTOINCREMENT, never reused) is the creation order that cursor
--     pagination resumes after;
--   * times are INTEGER microseconds since the Unix epoch (UTC), so comparisons are numeric and
--     round-trips exact;
--   * UUIDs are lower-case hyphenated TEXT; lists and documents are JSON TEXT;
--   * `*_key` columns hold the lower-cased form the case-insensitive uniqueness rules compare.

CREATE TABLE partitions (
    seq                   INTEGER PRIMARY KEY AUTOINCREMENT,
    id                    TEXT    NOT NULL UNIQUE,
    api_permission_prefix TEXT,
    created_at            INTEGER NOT NULL
);

CREATE TABLE departments (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    partition_id TEXT    NOT NULL REFERENCES partitions (id),
    name         TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    UNIQUE (partition_id, name)
);

CREATE TABLE users (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    partition_id    TEXT    NOT NULL REFERENCES partitions (id),
    id              TEXT    NOT NULL,
    username        TEXT    NOT NULL,
    username_key    TEXT    NOT NULL,
    email           TEXT    NOT NULL,
    email_key       TEXT    NOT NULL,
    display_name    TEXT    NOT NULL,
    department      TEXT    NOT NULL,
    partition_admin INTEGER NOT NULL CHECK (partition_admin IN (0, 1)),
    enabled         INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    password_hash   TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    UNIQUE (partition_id, id),
    UNIQUE (partition_id, username_key),
    FOREIGN KEY (partition_id, department) REFERENCES departments (partition_id, name)
);
CREATE INDEX users_by_email ON users (partition_id, email_key, seq);
CREATE INDEX users_by_department ON users (partition_id, department);

CREATE TABLE customers (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    partition_id  TEXT    NOT NULL REFERENCES partitions (id),
    id            TEXT    NOT NULL,
    email         TEXT    NOT NULL,
    email_key     TEXT    NOT NULL,
    display_name  TEXT    NOT NULL,
    enabled       INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    password_hash TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    UNIQUE (partition_id, id),
    UNIQUE (partition_id, email_key)
);

CREATE TABLE permissions (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    partition_id TEXT    NOT NULL REFERENCES partitions (id),
    name         TEXT    NOT NULL,
    hub          TEXT    NOT NULL CHECK (hub IN ('core', 'conversation', 'knowledge')),
    kind         TEXT    NOT NULL CHECK (kind IN ('delegated', 'delegated_obo', 'application')),
    description  TEXT    NOT NULL,
    anonymous    INTEGER NOT NULL CHECK (anonymous IN (0, 1)),
    UNIQUE (partition_id, name)
);

CREATE TABLE client_applications (
    seq                       INTEGER PRIMARY KEY AUTOINCREMENT,
    partition_id              TEXT    NOT NULL REFERENCES partitions (id),
    client_id                 TEXT    NOT NULL,
    name                      TEXT    NOT NULL,
    resource_type             TEXT    NOT NULL CHECK (resource_type IN ('global')),
    platform                  TEXT    NOT NULL CHECK (platform IN ('web', 'spa')),
    redirect_urls             TEXT    NOT NULL,
    post_logout_redirect_urls TEXT    NOT NULL,
    obo_enabled               INTEGER NOT NULL CHECK (obo_enabled IN (0, 1)),
    token_exchange_enabled    INTEGER NOT NULL CHECK (token_exchange_enabled IN (0, 1)),
    access_token_ttl          INTEGER NOT NULL,
    enabled                   INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    created_at                INTEGER NOT NULL,
    updated_at                INTEGER NOT NULL,
    UNIQUE (partition_id, client_id),
    UNIQUE (partition_id, name)
);

CREATE TABLE client_permissions (
    partition_id TEXT NOT NULL,
    client_id    TEXT NOT NULL,
    permission   TEXT NOT NULL,
    PRIMARY KEY (partition_id, client_id, permission),
    FOREIGN KEY (partition_id, client_id)
        REFERENCES client_applications (partition_id, client_id) ON DELETE CASCADE,
    FOREIGN KEY (partition_id, permission) REFERENCES permissions (partition_id, name)
);
CREATE INDEX client_permissions_by_permission ON client_permissions (partition_id, permission);

CREATE TABLE client_secrets (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    partition_id TEXT    NOT NULL,
    client_id    TEXT    NOT NULL,
    id           TEXT    NOT NULL,
    name         TEXT    NOT NULL,
    hint         TEXT    NOT NULL,
    hash         BLOB    NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER,
    last_used_at INTEGER,
    UNIQUE (partition_id, id),
    FOREIGN KEY (partition_id, client_id)
        REFERENCES client_applications (partition_id, client_id) ON DELETE CASCADE
);
CREATE INDEX client_secrets_by_client ON client_secrets (partition_id, client_id, seq);
-- touch_client_secrets arrives with secret ids only (batched from the token endpoint).
CREATE INDEX client_secrets_by_id ON client_secrets (id);

CREATE TABLE apis (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    partition_id TEXT NOT NULL REFERENCES partitions (id),
    id           TEXT NOT NULL,
    name         TEXT NOT NULL,
    hub          TEXT NOT NULL CHECK (hub IN ('core', 'conversation', 'knowledge')),
    base_path    TEXT NOT NULL,
    audience     TEXT NOT NULL,
    UNIQUE (partition_id, id)
);

-- An API's operations in their catalog order (`position`); `security` is the ordered JSON list
-- of alternatives [{"scheme": ..., "scopes": [...]}], always read and written whole.
CREATE TABLE api_operations (
    partition_id TEXT    NOT NULL,
    api_id       TEXT    NOT NULL,
    position     INTEGER NOT NULL,
    operation_id TEXT    NOT NULL,
    method       TEXT    NOT NULL,
    path         TEXT    NOT NULL,
    summary      TEXT    NOT NULL,
    security     TEXT    NOT NULL,
    PRIMARY KEY (partition_id, api_id, position),
    FOREIGN KEY (partition_id, api_id) REFERENCES apis (partition_id, id) ON DELETE CASCADE
);

CREATE TABLE identity_providers (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    partition_id    TEXT    NOT NULL REFERENCES partitions (id),
    id              TEXT    NOT NULL,
    name            TEXT    NOT NULL,
    issuer          TEXT    NOT NULL,
    jwks_uri        TEXT,
    jwks            TEXT,
    audiences       TEXT    NOT NULL,
    realm           TEXT    NOT NULL CHECK (realm IN ('users', 'customers')),
    match_claim     TEXT    NOT NULL,
    match_attribute TEXT    NOT NULL CHECK (match_attribute IN ('email', 'username')),
    enabled         INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    UNIQUE (partition_id, id),
    UNIQUE (partition_id, name)
);

CREATE TABLE signing_keys (
    seq                   INTEGER PRIMARY KEY AUTOINCREMENT,
    partition_id          TEXT    NOT NULL REFERENCES partitions (id),
    kid                   TEXT    NOT NULL,
    realm                 TEXT    NOT NULL CHECK (realm IN ('users', 'customers')),
    alg                   TEXT    NOT NULL,
    state                 TEXT    NOT NULL CHECK (state IN ('next', 'active', 'retired')),
    public_jwk            TEXT    NOT NULL,
    private_key_encrypted BLOB    NOT NULL,
    created_at            INTEGER NOT NULL,
    retired_at            INTEGER,
    UNIQUE (partition_id, kid)
);
-- At most one signing key and one published-ahead key per realm: a botched rotation fails
-- instead of leaving two keys signing.
CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys (partition_id, realm) WHERE state = 'active';
CREATE UNIQUE INDEX signing_keys_one_next ON signing_keys (partition_id, realm) WHERE state = 'next';
CREATE INDEX signing_keys_retired ON signing_keys (retired_at) WHERE state = 'retired';

-- No foreign key to partitions: deployment-wide events have no partition, and the trail must
-- outlive whatever it describes.
CREATE TABLE audit_events (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    id           TEXT    NOT NULL UNIQUE,
    partition_id TEXT,
    actor_kind   TEXT    NOT NULL,
    actor_id     TEXT,
    action       TEXT    NOT NULL,
    object_type  TEXT    NOT NULL,
    object_id    TEXT,
    at           INTEGER NOT NULL,
    source_ip    TEXT,
    outcome      TEXT    NOT NULL CHECK (outcome IN ('success', 'failure')),
    detail       TEXT
);
CREATE INDEX audit_events_by_partition ON audit_events (partition_id, seq);
