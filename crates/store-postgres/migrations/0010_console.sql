-- The Administration Console (docs/product.md#console, docs/console.md).
--
-- Every partition's users realm has the console as a built-in public client with a fixed Client
-- ID (the same in every partition: client ids are unique per partition). Partitions created
-- before the console get it here; `tessera serve` fills in its redirect URLs from the configured
-- public URL at start, which SQL cannot know.
INSERT INTO client_applications (
    partition_id, client_id, name, resource_type, platform, redirect_urls,
    post_logout_redirect_urls, obo_enabled, token_exchange_enabled, access_token_ttl, enabled,
    created_at, updated_at)
SELECT p.id, '00000000-0000-4000-8000-00000000c0de', 'Administration Console', 'global', 'spa',
       '{}', '{}', false, false, 3600, true, p.created_at, p.created_at
FROM partitions p
WHERE NOT EXISTS (
    SELECT 1 FROM client_applications c
    WHERE c.partition_id = p.id
      AND (c.client_id = '00000000-0000-4000-8000-00000000c0de' OR c.name = 'Administration Console'))
ORDER BY p.seq;

-- The console's server-side sessions, found by the keyed hash of the cookie value (the value
-- itself is never stored). `last_seen_at` drives the idle limit, `expires_at` is the absolute
-- one; `realm_session_id` is the users realm's single sign-on session the console was signed in
-- through, which signing out of the console ends too.
CREATE TABLE console_sessions (
    partition_id     text        NOT NULL REFERENCES partitions (id),
    hash             bytea       NOT NULL,
    user_id          uuid        NOT NULL,
    realm_session_id uuid,
    created_at       timestamptz NOT NULL,
    last_seen_at     timestamptz NOT NULL,
    expires_at       timestamptz NOT NULL,
    CONSTRAINT console_sessions_pkey PRIMARY KEY (partition_id, hash)
);
CREATE INDEX console_sessions_by_expiry ON console_sessions (expires_at);
