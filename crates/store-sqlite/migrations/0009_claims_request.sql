-- The authorization request's `claims` parameter (OIDC Core §5.5; docs/flows/
-- authorization-code.md), as far as Tessera understands it, kept with each grant so the ID
-- token of its code, every refreshed ID token and userinfo answer it. NULL: no claims request
-- (every earlier grant).
ALTER TABLE grants ADD COLUMN claims_request text;
