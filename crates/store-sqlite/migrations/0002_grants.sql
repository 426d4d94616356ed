-- Grants of the authorization code flow and browser sessions, SQLite dialect (the PostgreSQL
-- twin has the same tables and rules; conventions as in 0001_init.sql).
--
--   * codes, refresh tokens and session cookies are kept only as keyed hashes (BLOB);
--   * a code, refresh token or issued access token references its grant by
--     (partition_id, grant_id), so it can never point into another partition;
--   * deleting a client deletes its grants and, through them, their codes and tokens;
--   * every table has an index on expires_at for the purge.

CREATE TABLE grants (
    partition_id TEXT    NOT NULL REFERENCES partitions (id),
    id           TEXT    NOT NULL,
    realm        TEXT    NOT NULL CHECK (realm IN ('users', 'customers')),
    client_id    TEXT    NOT NULL,
    subject_id   TEXT    NOT NULL,
    scope        TEXT    NOT NULL,
    session_id   TEXT    NOT NULL,
    auth_time    INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    revoked_at   INTEGER,
    PRIMARY KEY (partition_id, id),
    FOREIGN KEY (partition_id, client_id)
        REFERENCES client_applications (partition_id, client_id) ON DELETE CASCADE
);
-- Deleting a client finds its grants without a scan.
CREATE INDEX grants_by_client ON grants (partition_id, client_id);
CREATE INDEX grants_by_expiry ON grants (expires_at);

CREATE TABLE authorization_codes (
    partition_id   TEXT    NOT NULL,
    hash           BLOB    NOT NULL,
    grant_id       TEXT    NOT NULL,
    redirect_uri   TEXT    NOT NULL,
    nonce          TEXT,
    code_challenge TEXT,
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL,
    consumed_at    INTEGER,
    PRIMARY KEY (partition_id, hash),
    FOREIGN KEY (partition_id, grant_id) REFERENCES grants (partition_id, id) ON DELETE CASCADE
);
CREATE INDEX authorization_codes_by_grant ON authorization_codes (partition_id, grant_id);
CREATE INDEX authorization_codes_by_expiry ON authorization_codes (expires_at);

-- Used tokens stay until they expire, so presenting one again is recognised as reuse.
CREATE TABLE refresh_tokens (
    partition_id TEXT    NOT NULL,
    hash         BLOB    NOT NULL,
    grant_id     TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    used_at      INTEGER,
    PRIMARY KEY (partition_id, hash),
    FOREIGN KEY (partition_id, grant_id) REFERENCES grants (partition_id, id) ON DELETE CASCADE
);
CREATE INDEX refresh_tokens_by_grant ON refresh_tokens (partition_id, grant_id);
CREATE INDEX refresh_tokens_by_expiry ON refresh_tokens (expires_at);

-- Access tokens issued from a grant, by jti: revoking the grant revokes them.
CREATE TABLE issued_access_tokens (
    partition_id TEXT    NOT NULL,
    jti          TEXT    NOT NULL,
    grant_id     TEXT    NOT NULL,
    expires_at   INTEGER NOT NULL,
    PRIMARY KEY (partition_id, jti),
    FOREIGN KEY (partition_id, grant_id) REFERENCES grants (partition_id, id) ON DELETE CASCADE
);
CREATE INDEX issued_access_tokens_by_grant ON issued_access_tokens (partition_id, grant_id);
CREATE INDEX issued_access_tokens_by_expiry ON issued_access_tokens (expires_at);

-- Access tokens revoked one by one, kept until their exp.
CREATE TABLE revoked_access_tokens (
    partition_id TEXT    NOT NULL REFERENCES partitions (id),
    jti          TEXT    NOT NULL,
    expires_at   INTEGER NOT NULL,
    PRIMARY KEY (partition_id, jti)
);
CREATE INDEX revoked_access_tokens_by_expiry ON revoked_access_tokens (expires_at);

CREATE TABLE browser_sessions (
    partition_id TEXT    NOT NULL REFERENCES partitions (id),
    id           TEXT    NOT NULL,
    hash         BLOB    NOT NULL,
    realm        TEXT    NOT NULL CHECK (realm IN ('users', 'customers')),
    subject_id   TEXT    NOT NULL,
    auth_time    INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    ended_at     INTEGER,
    PRIMARY KEY (partition_id, id),
    UNIQUE (partition_id, hash)
);
CREATE INDEX browser_sessions_by_expiry ON browser_sessions (expires_at);
