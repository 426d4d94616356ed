-- Tessera's schema, PostgreSQL dialect (the SQLite twin has the same tables and rules).
--
-- Conventions:
--   * every key starts with partition_id: nothing is reachable across partitions;
--   * `seq` (an identity column) is the creation order that cursor pagination resumes after;
--   * times are timestamptz (microsecond precision), ids uuid, flags boolean, URL and audience
--     lists text[], documents jsonb;
--   * `*_key` columns hold the lower-cased form the case-insensitive uniqueness rules compare
--     (computed by the application with Unicode case folding, so both backends agree);
--   * unique constraints are named `<table>_<field>_key`: the store reports the field of a
--     violation from the constraint name.

CREATE TABLE partitions (
    id                    text        NOT NULL,
    api_permission_prefix text,
    created_at            timestamptz NOT NULL,
    seq                   bigint      GENERATED ALWAYS AS IDENTITY,
    CONSTRAINT partitions_pkey PRIMARY KEY (id),
    CONSTRAINT partitions_seq_key UNIQUE (seq)
);

CREATE TABLE departments (
    partition_id text        NOT NULL REFERENCES partitions (id),
    name         text        NOT NULL,
    created_at   timestamptz NOT NULL,
    seq          bigint      GENERATED ALWAYS AS IDENTITY,
    CONSTRAINT departments_name_key PRIMARY KEY (partition_id, name)
);
CREATE INDEX departments_by_seq ON departments (partition_id, seq);

CREATE TABLE users (
    partition_id    text        NOT NULL REFERENCES partitions (id),
    id              uuid        NOT NULL,
    username        text        NOT NULL,
    username_key    text        NOT NULL,
    email           text        NOT NULL,
    email_key       text        NOT NULL,
    display_name    text        NOT NULL,
    department      text        NOT NULL,
    partition_admin boolean     NOT NULL,
    enabled         boolean     NOT NULL,
    password_hash   text        NOT NULL,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    seq             bigint      GENERATED ALWAYS AS IDENTITY,
    CONSTRAINT users_pkey PRIMARY KEY (partition_id, id),
    CONSTRAINT users_username_key UNIQUE (partition_id, username_key),
    CONSTRAINT users_department_fkey FOREIGN KEY (partition_id, department)
        REFERENCES departments (partition_id, name)
);
CREATE INDEX users_by_seq ON users (partition_id, seq);
CREATE INDEX users_by_email ON users (partition_id, email_key, seq);
CREATE INDEX users_by_department ON users (partition_id, department);

CREATE TABLE customers (
    partition_id  text        NOT NULL REFERENCES partitions (id),
    id            uuid        NOT NULL,
    email         text        NOT NULL,
    email_key     text        NOT NULL,
    display_name  text        NOT NULL,
    enabled       boolean     NOT NULL,
    password_hash text        NOT NULL,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    seq           bigint      GENERATED ALWAYS AS IDENTITY,
    CONSTRAINT customers_pkey PRIMARY KEY (partition_id, id),
    CONSTRAINT customers_email_key UNIQUE (partition_id, email_key)
);
CREATE INDEX customers_by_seq ON customers (partition_id, seq);

CREATE TABLE permissions (
    partition_id text    NOT NULL REFERENCES partitions (id),
    name         text    NOT NULL,
    hub          text    NOT NULL CHECK (hub IN ('core', 'conversation', 'knowledge')),
    kind         text    NOT NULL CHECK (kind IN ('delegated', 'delegated_obo', 'application')),
    description  text    NOT NULL,
    anonymous    boolean NOT NULL,
    seq          bigint  GENERATED ALWAYS AS IDENTITY,
    CONSTRAINT permissions_name_key PRIMARY KEY (partition_id, name)
);

CREATE TABLE client_applications (
    partition_id              text        NOT NULL REFERENCES partitions (id),
    client_id                 uuid        NOT NULL,
    name                      text        NOT NULL,
    resource_type             text        NOT NULL CHECK (resource_type IN ('global')),
    platform                  text        NOT NULL CHECK (platform IN ('web', 'spa')),
    redirect_urls             text[]      NOT NULL,
    post_logout_redirect_urls text[]      NOT NULL,
    obo_enabled               boolean     NOT NULL,
    token_exchange_enabled    boolean     NOT NULL,
    access_token_ttl          integer     NOT NULL CHECK (access_token_ttl >= 0),
    enabled                   boolean     NOT NULL,
    created_at                timestamptz NOT NULL,
    updated_at                timestamptz NOT NULL,
    seq                       bigint      GENERATED ALWAYS AS IDENTITY,
    CONSTRAINT client_applications_pkey PRIMARY KEY (partition_id, client_id),
    CONSTRAINT client_applications_name_key UNIQUE (partition_id, name)
);
CREATE INDEX client_applications_by_seq ON client_applications (partition_id, seq);

CREATE TABLE client_permissions (
    partition_id text NOT NULL,
    client_id    uuid NOT NULL,
    permission   text NOT NULL,
    CONSTRAINT client_permissions_pkey PRIMARY KEY (partition_id, client_id, permission),
    CONSTRAINT client_permissions_client_fkey FOREIGN KEY (partition_id, client_id)
        REFERENCES client_applications (partition_id, client_id) ON DELETE CASCADE,
    CONSTRAINT client_permissions_permission_fkey FOREIGN KEY (partition_id, permission)
        REFERENCES permissions (partition_id, name)
);
CREATE INDEX client_permissions_by_permission ON client_permissions (partition_id, permission);

CREATE TABLE client_secrets (
    partition_id text        NOT NULL,
    client_id    uuid        NOT NULL,
    id           uuid        NOT NULL,
    name         text        NOT NULL,
    hint         text        NOT NULL,
    hash         bytea       NOT NULL,
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz,
    last_used_at timestamptz,
    seq          bigint      GENERATED ALWAYS AS IDENTITY,
    CONSTRAINT client_secrets_pkey PRIMARY KEY (partition_id, id),
    CONSTRAINT client_secrets_client_fkey FOREIGN KEY (partition_id, client_id)
        REFERENCES client_applications (partition_id, client_id) ON DELETE CASCADE
);
CREATE INDEX client_secrets_by_client ON client_secrets (partition_id, client_id, seq);
-- touch_client_secrets arrives with secret ids only (batched from the token endpoint).
CREATE INDEX client_secrets_by_id ON client_secrets (id);

CREATE TABLE apis (
    partition_id text   NOT NULL REFERENCES partitions (id),
    id           text   NOT NULL,
    name         text   NOT NULL,
    hub          text   NOT NULL CHECK (hub IN ('core', 'conversation', 'knowledge')),
    base_path    text   NOT NULL,
    audience     text   NOT NULL,
    seq          bigint GENERATED ALWAYS AS IDENTITY,
    CONSTRAINT apis_pkey PRIMARY KEY (partition_id, id)
);
CREATE INDEX apis_by_seq ON apis (partition_id, seq);

-- An API's operations in their catalog order (`position`); `security` is the ordered JSON list
-- of alternatives [{"scheme": ..., "scopes": [...]}], always read and written whole.
CREATE TABLE api_operations (
    partition_id text    NOT NULL,
    api_id       text    NOT NULL,
    position     integer NOT NULL,
    operation_id text    NOT NULL,
    method       text    NOT NULL,
    path         text    NOT NULL,
    summary      text    NOT NULL,
    security     jsonb   NOT NULL,
    CONSTRAINT api_operations_pkey PRIMARY KEY (partition_id, api_id, position),
    CONSTRAINT api_operations_api_fkey FOREIGN KEY (partition_id, api_id)
        REFERENCES apis (partition_id, id) ON DELETE CASCADE
);

CREATE TABLE identity_providers (
    partition_id    text        NOT NULL REFERENCES partitions (id),
    id              uuid        NOT NULL,
    name            text        NOT NULL,
    issuer          text        NOT NULL,
    jwks_uri        text,
    jwks            jsonb,
    audiences       text[]      NOT NULL,
    realm           text        NOT NULL CHECK (realm IN ('users', 'customers')),
    match_claim     text        NOT NULL,
    match_attribute text        NOT NULL CHECK (match_attribute IN ('email', 'username')),
    enabled         boolean     NOT NULL,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    seq             bigint      GENERATED ALWAYS AS IDENTITY,
    CONSTRAINT identity_providers_pkey PRIMARY KEY (partition_id, id),
    CONSTRAINT identity_providers_name_key UNIQUE (partition_id, name)
);
CREATE INDEX identity_providers_by_seq ON identity_providers (partition_id, seq);

CREATE TABLE signing_keys (
    partition_id          text        NOT NULL REFERENCES partitions (id),
    kid                   text        NOT NULL,
    realm                 text        NOT NULL CHECK (realm IN ('users', 'customers')),
    alg                   text        NOT NULL,
    state                 text        NOT NULL CHECK (state IN ('next', 'active', 'retired')),
    public_jwk            jsonb       NOT NULL,
    private_key_encrypted bytea       NOT NULL,
    created_at            timestamptz NOT NULL,
    retired_at            timestamptz,
    seq                   bigint      GENERATED ALWAYS AS IDENTITY,
    CONSTRAINT signing_keys_kid_key PRIMARY KEY (partition_id, kid)
);
CREATE INDEX signing_keys_by_seq ON signing_keys (partition_id, seq);
-- At most one signing key and one published-ahead key per realm: a botched rotation fails
-- instead of leaving two keys signing.
CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys (partition_id, realm) WHERE state = 'active';
CREATE UNIQUE INDEX signing_keys_one_next ON signing_keys (partition_id, realm) WHERE state = 'next';
CREATE INDEX signing_keys_retired ON signing_keys (retired_at) WHERE state = 'retired';

-- No foreign key to partitions: deployment-wide events have no partition, and the trail must
-- outlive whatever it describes.
CREATE TABLE audit_events (
    seq          bigint      GENERATED ALWAYS AS IDENTITY,
    id           uuid        NOT NULL,
    partition_id text,
    actor_kind   text        NOT NULL,
    actor_id     text,
    action       text        NOT NULL,
    object_type  text        NOT NULL,
    object_id    text,
    at           timestamptz NOT NULL,
    source_ip    text,
    outcome      text        NOT NULL CHECK (outcome IN ('success', 'failure')),
    detail       text,
    CONSTRAINT audit_events_pkey PRIMARY KEY (seq),
    CONSTRAINT audit_events_id_key UNIQUE (id)
);
CREATE INDEX audit_events_by_partition ON audit_events (partition_id, seq);
