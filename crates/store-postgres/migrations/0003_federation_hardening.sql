-- Token exchange links accounts by email only when the identity provider says the address is
-- verified (`email_verified: true`), unless a registration switches that off. Existing
-- registrations get the safe default.
ALTER TABLE identity_providers
    ADD COLUMN require_email_verified boolean NOT NULL DEFAULT true;
