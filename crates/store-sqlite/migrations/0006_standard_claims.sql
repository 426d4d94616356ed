-- The optional OpenID Connect standard claims of accounts (OIDC Core §5.1, docs/flows/
-- authorization-code.md): NULL where unknown; `address` holds the §5.1.1 JSON object as text.
-- Verification flags start false: an administrator sets them.
ALTER TABLE users ADD COLUMN given_name text;
ALTER TABLE users ADD COLUMN family_name text;
ALTER TABLE users ADD COLUMN locale text;
ALTER TABLE users ADD COLUMN zoneinfo text;
ALTER TABLE users ADD COLUMN phone_number text;
ALTER TABLE users ADD COLUMN address text;
ALTER TABLE users ADD COLUMN email_verified INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN phone_number_verified INTEGER NOT NULL DEFAULT 0;
ALTER TABLE customers ADD COLUMN given_name text;
ALTER TABLE customers ADD COLUMN family_name text;
ALTER TABLE customers ADD COLUMN locale text;
ALTER TABLE customers ADD COLUMN zoneinfo text;
ALTER TABLE customers ADD COLUMN phone_number text;
ALTER TABLE customers ADD COLUMN address text;
ALTER TABLE customers ADD COLUMN email_verified INTEGER NOT NULL DEFAULT 0;
ALTER TABLE customers ADD COLUMN phone_number_verified INTEGER NOT NULL DEFAULT 0;
