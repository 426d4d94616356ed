//! Verifying JWTs that arrive from outside: Tessera's own tokens coming back (access tokens at
//! userinfo, introspection and the admin API; ID tokens as hints) against the realm's published
//! keys ([`own`]), and external identity providers' tokens at token exchange against their key
//! sets ([`external`]). The application state holds both key caches, so this module depends on
//! no endpoint module.

pub mod external;
pub mod own;
