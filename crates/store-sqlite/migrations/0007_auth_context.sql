-- How a person authenticated (OIDC Core §2 `amr`/`acr`, RFC 8176; docs/flows/
-- authorization-code.md), kept with the browser session and each grant made in it, so a later
-- method (`otp`, `hwk`) is told apart. Every earlier sign-in checked a password: `pwd`.
ALTER TABLE browser_sessions ADD COLUMN auth_method text NOT NULL DEFAULT 'pwd';
ALTER TABLE grants ADD COLUMN auth_method text NOT NULL DEFAULT 'pwd';
