//! End-to-end tests: the real server on a real socket, driven by real OAuth clients.
//!
//! Table of contents:
//! - `support`: start a server on a fresh database (SQLite, or PostgreSQL when
//!   `TESSERA_TEST_POSTGRES_URL` is set for the `_pg` variants).
//! - `client_credentials`: the grant through the `oauth2` crate, token verification against the
//!   published JWKS, and every refusal.
//! - `admin_api`: the admin REST API end to end, its problem JSON and its authorisation.
//! - `keys`: rotation never breaks a token still valid.
//! - `id_token_alg`: ID tokens signed with each client's algorithm (RS256 by default), the RSA
//!   key family beside the default one, discovery, rotation and logout hints.
//! - `http_errors`: errors no handler wrote (body limit, 404, 405) in each endpoint's format,
//!   and the no-store headers of the admin API and the token endpoints.
//! - `metrics`: `/metrics` off by default, on its own listener, behind a bearer token.
//! - `guard_e2e`: the sample Knowledge API protected by the guard, with server-issued tokens.
//! - `code_flow`: the authorization code flow with the `openidconnect` crate and a test browser
//!   (Web app at both realms, SPA), on SQLite and PostgreSQL; `code_flow_refusals`: every
//!   refusal of the interactive flows; `code_flow_support`: the browser and relying party.
//!   `client_address`: budgets per client behind a trusted proxy, forged headers ignored
//!   `jwks_fetch`: the providers' keys are fetched from public addresses only.
//!   otherwise; `password_concurrency`: 503 with `Retry-After` when hashing is at its limit.
//!   permissions, revoked sign-ins and demoted administrators.
//! - `dev_server`: `tessera serve --dev` as a child process, for the tests that need the binary.
//! - `junk_tokens`: a flood of junk tokens and invented partitions leaves memory flat.
//! - `log_hygiene`: no secret, password or token reaches the logs, at `debug`, in any flow.
//! - `login_backoff`: parallel and cross-name guessing against the login back-off;
//! - `token_exchange`: RFC 8693 with external identity providers and how accounts are linked;
//! - `token_standing`: the admin API honours revocation, disabled and deleted clients, withdrawn
#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the first surprise"
)]
#![expect(
    unreachable_pub,
    reason = "test helpers are pub for the sibling modules of this binary"
)]

mod admin_api;
mod anonymous;
mod cli;
mod client_address;
mod client_credentials;
mod code_binding;
mod code_flow;
mod code_flow_refusals;
mod code_flow_support;
mod cookies;
mod dev_server;
mod guard_e2e;
mod http_errors;
mod id_token_alg;
mod junk_tokens;
mod jwks_fetch;
mod key_withdrawal;
mod keys;
mod log_hygiene;
mod login_backoff;
mod logout_hint;
mod metrics;
mod on_behalf_of;
mod password_change;
mod password_concurrency;
mod spa_browser;
mod support;
mod token_exchange;
mod token_standing;
