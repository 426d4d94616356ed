-- The optional OpenID Connect standard claims of accounts (OIDC Core §5.1, docs/flows/
-- authorization-code.md): NULL where unknown; `address` holds the §5.1.1 JSON object.
-- Verification flags start false: an administrator sets them.
ALTER TABLE users ADD COLUMN given_name text;
ALTER TABLE users ADD COLUMN family_name text;
ALTER TABLE users ADD COLUMN locale text;
ALTER TABLE users ADD COLUMN zoneinfo text;
ALTER TABLE users ADD COLUMN phone_number text;
ALTER TABLE users ADD COLUMN address jsonb;
ALTER TABLE users ADD COLUMN email_verified boolean NOT NULL DEFAULT false;
ALTER TABLE users ADD COLUMN phone_number_verified boolean NOT NULL DEFAULT false;
ALTER TABLE customers ADD COLUMN given_name text;
ALTER TABLE customers ADD COLUMN family_name text;
ALTER TABLE customers ADD COLUMN locale text;
ALTER TABLE customers ADD COLUMN zoneinfo text;
ALTER TABLE customers ADD COLUMN phone_number text;
ALTER TABLE customers ADD COLUMN address jsonb;
ALTER TABLE customers ADD COLUMN email_verified boolean NOT NULL DEFAULT false;
ALTER TABLE customers ADD COLUMN phone_number_verified boolean NOT NULL DEFAULT false;
