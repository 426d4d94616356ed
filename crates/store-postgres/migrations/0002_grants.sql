-- Grants of the authorization code flow and browser sessions, PostgreSQL dialect (the SQLite
-- twin has the same tables and rules; conventions as in 0001_init.sql).
--
--   * codes, refresh tokens and session cookies are kept only as keyed hashes (bytea);
--   * a code, refresh token or issued access token references its grant by
--     (partition_id, grant_id), so it can never point into another partition;
--   * deleting a client deletes its grants and, through them, their codes and tokens;
--   * every table has an index on expires_at for the purge.

CREATE TABLE grants (
    partition_id text        NOT NULL REFERENCES partitions (id),
    id           uuid        NOT NULL,
    realm        text        NOT NULL CHECK (realm IN ('users', 'customers')),
    client_id    uuid        NOT NULL,
    subject_id   uuid        NOT NULL,
    scope        text        NOT NULL,
    session_id   uuid        NOT NULL,
    auth_time    timestamptz NOT NULL,
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    revoked_at   timestamptz,
    CONSTRAINT grants_pkey PRIMARY KEY (partition_id, id),
    CONSTRAINT grants_client_fkey FOREIGN KEY (partition_id, client_id)
        REFERENCES client_applications (partition_id, client_id) ON DELETE CASCADE
);
-- Deleting a client finds its grants without a scan.
CREATE INDEX grants_by_client ON grants (partition_id, client_id);
CREATE INDEX grants_by_expiry ON grants (expires_at);

CREATE TABLE authorization_codes (
    partition_id   text        NOT NULL,
    hash           bytea       NOT NULL,
    grant_id       uuid        NOT NULL,
    redirect_uri   text        NOT NULL,
    nonce          text,
    code_challenge text,
    created_at     timestamptz NOT NULL,
    expires_at     timestamptz NOT NULL,
    consumed_at    timestamptz,
    CONSTRAINT authorization_codes_pkey PRIMARY KEY (partition_id, hash),
    CONSTRAINT authorization_codes_grant_fkey FOREIGN KEY (partition_id, grant_id)
        REFERENCES grants (partition_id, id) ON DELETE CASCADE
);
CREATE INDEX authorization_codes_by_grant ON authorization_codes (partition_id, grant_id);
CREATE INDEX authorization_codes_by_expiry ON authorization_codes (expires_at);

-- Used tokens stay until they expire, so presenting one again is recognised as reuse.
CREATE TABLE refresh_tokens (
    partition_id text        NOT NULL,
    hash         bytea       NOT NULL,
    grant_id     uuid        NOT NULL,
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    used_at      timestamptz,
    CONSTRAINT refresh_tokens_pkey PRIMARY KEY (partition_id, hash),
    CONSTRAINT refresh_tokens_grant_fkey FOREIGN KEY (partition_id, grant_id)
        REFERENCES grants (partition_id, id) ON DELETE CASCADE
);
CREATE INDEX refresh_tokens_by_grant ON refresh_tokens (partition_id, grant_id);
CREATE INDEX refresh_tokens_by_expiry ON refresh_tokens (expires_at);

-- Access tokens issued from a grant, by jti: revoking the grant revokes them.
CREATE TABLE issued_access_tokens (
    partition_id text        NOT NULL,
    jti          uuid        NOT NULL,
    grant_id     uuid        NOT NULL,
    expires_at   timestamptz NOT NULL,
    CONSTRAINT issued_access_tokens_pkey PRIMARY KEY (partition_id, jti),
    CONSTRAINT issued_access_tokens_grant_fkey FOREIGN KEY (partition_id, grant_id)
        REFERENCES grants (partition_id, id) ON DELETE CASCADE
);
CREATE INDEX issued_access_tokens_by_grant ON issued_access_tokens (partition_id, grant_id);
CREATE INDEX issued_access_tokens_by_expiry ON issued_access_tokens (expires_at);

-- Access tokens revoked one by one, kept until their exp.
CREATE TABLE revoked_access_tokens (
    partition_id text        NOT NULL REFERENCES partitions (id),
    jti          uuid        NOT NULL,
    expires_at   timestamptz NOT NULL,
    CONSTRAINT revoked_access_tokens_pkey PRIMARY KEY (partition_id, jti)
);
CREATE INDEX revoked_access_tokens_by_expiry ON revoked_access_tokens (expires_at);

CREATE TABLE browser_sessions (
    partition_id text        NOT NULL REFERENCES partitions (id),
    id           uuid        NOT NULL,
    hash         bytea       NOT NULL,
    realm        text        NOT NULL CHECK (realm IN ('users', 'customers')),
    subject_id   uuid        NOT NULL,
    auth_time    timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    ended_at     timestamptz,
    CONSTRAINT browser_sessions_pkey PRIMARY KEY (partition_id, id),
    CONSTRAINT browser_sessions_hash_key UNIQUE (partition_id, hash)
);
CREATE INDEX browser_sessions_by_expiry ON browser_sessions (expires_at);
