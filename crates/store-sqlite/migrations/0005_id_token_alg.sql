-- Each client application chooses how its ID tokens are signed (OpenID Connect Dynamic Client
-- Registration `id_token_signed_response_alg`); RS256 is the default every relying party assumes
-- (OIDC Core §15.1), so existing clients get it (docs/flows/authorization-code.md).
ALTER TABLE client_applications
    ADD COLUMN id_token_signed_response_alg TEXT NOT NULL DEFAULT 'RS256'
    CHECK (id_token_signed_response_alg IN ('ES256', 'RS256', 'EdDSA'));

-- A realm keeps one key family per algorithm (its default key and an RSA key for ID tokens),
-- each with its own active and next key: the one-active/one-next rule holds per algorithm.
DROP INDEX signing_keys_one_active;
DROP INDEX signing_keys_one_next;
CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys (partition_id, realm, alg) WHERE state = 'active';
CREATE UNIQUE INDEX signing_keys_one_next ON signing_keys (partition_id, realm, alg) WHERE state = 'next';
