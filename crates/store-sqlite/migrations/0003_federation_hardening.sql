-- Token exchange links accounts by email only when the identity provider says the address is
-- verified (`email_verified: true`), unless a registration switches that off. Existing
-- registrations get the safe default.
ALTER TABLE identity_providers
    ADD COLUMN require_email_verified INTEGER NOT NULL DEFAULT 1
        CHECK (require_email_verified IN (0, 1));
