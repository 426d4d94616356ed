//! End-to-end tests: the real server on a real socket, driven by real OAuth clients.
//!
//! Table of contents:
//! - `support`: start a server on a fresh database (SQLite, or PostgreSQL when
//!   `TESSERA_TEST_POSTGRES_URL` is set for the `_pg` variants), optionally on a `MockClock`; `dev_server`: `tessera serve
//!   --dev` as a child process, for the tests that need the binary itself.
//! - `client_credentials`: the grant through the `oauth2` crate, token verification against the
//!   published JWKS, and every refusal.
//! - `anonymous`, `on_behalf_of`, `token_exchange`: the other token flows (token exchange also
//!   covers how accounts are linked); `jwks_fetch`: identity providers' keys are fetched from
//!   public addresses only.
//! - `code_flow`: the authorization code flow with the `openidconnect` crate and a test browser
//!   (Web app at both realms, SPA), on SQLite and PostgreSQL; `code_flow_refusals`: each shape
//!   a refusal of the interactive flows takes — `pages` (HTML, never redirected, and the login
//!   page's), `redirects` (back to the client), `token` (JSON), `endpoints` (CORS, discovery,
//!   logout); the causes are unit tests in the domain crate; `code_flow_support`: the browser and relying party;
//!   `spa_browser`: the SPA example with oidc-client-ts in headless Chromium; `openid_client`:
//!   the Node `openid-client` library, unmodified, at both realms behind TLS; `node_e2e`:
//!   running those Node.js halves;
//!   `standard_claims`: the standard scopes and claims at userinfo, by GET and POST;
//!   `auth_context`: `auth_time`, `amr` and `acr` in ID tokens, across refresh and SSO;
//!   `claims_request`: the `claims` parameter (ID token and userinfo, refresh, refusals) and
//!   `id_token_hint` at the authorization endpoint.
//! - `code_binding`: a code's bindings are checked before it is consumed; `logout_hint`: logout
//!   asks unless the hint is the browser's own session; `cookies`: `__Host-` cookies and keyed
//!   CSRF tokens; `password_change`: a new password signs the account out everywhere;
//!   `channel_logout`: back-channel logout tokens (RP-initiated logout, admin sign-out, a new
//!   password, disabling; retries; refused addresses) and front-channel frames.
//! - `login_backoff`: parallel and cross-name guessing against the back-off; `client_address`:
//!   budgets per client behind a trusted proxy, forged headers ignored otherwise;
//!   `password_concurrency`: 503 with `Retry-After` when password hashing is at its limit;
//!   `rate_limits`: 429 with `Retry-After` and `X-RateLimit-*` from the per-client token limit,
//!   the anonymous-token limit and the login back-off;
//!   `slow_clients`: slowloris, idle keep-alive, the connection cap, slow bodies, header floods.
//! - `admin_api`: the admin REST API end to end, its problem JSON and its authorisation;
//!   `token_standing`: the admin API honours revocation, disabled and deleted clients, withdrawn
//!   permissions, revoked sign-ins and demoted administrators.
//! - `keys`: rotation never breaks a token still valid; `key_withdrawal`: a withdrawn key stops
//!   verifying everywhere; `id_token_alg`: ID tokens signed with each client's algorithm (RS256
//!   by default), the RSA key family beside the default one, discovery, rotation and hints.
//! - `console`: the Administration Console in headless Chromium with axe-core (sign-in, the
//!   path to Client Application, Add with its messages, CSRF, sign-out, a non-administrator
//!   refused) and its built-in client, which the admin API cannot change; `console_picker`:
//!   the Security Details page's choice of application, searched and paged, over plain HTTP.
//! - `guard_e2e`: the sample Knowledge API protected by the guard, with server-issued tokens.
//! - `http_errors`: errors no handler wrote (body limit, 404, 405) in each endpoint's format, and
//!   the no-store headers; `metrics`: `/metrics` off by default, on its own listener, behind a
//!   bearer token.
//! - `repeated_params`: every OAuth endpoint and compatibility address refuses a repeated
//!   parameter; `unknown_issuer`: an issuer path naming no realm, answered in each surface's
//!   format.
//! - `junk_tokens`: a flood of junk tokens and invented partitions leaves memory flat;
//!   `log_hygiene`: no secret, password or token reaches the logs, at `debug`, in any flow.
//! - `scale_out`: several `tessera serve` processes on one PostgreSQL database behave as one
//!   server (tokens, codes, refresh races, admin changes within 1 s) and ride out a database
//!   outage.
//! - `cli`: the `tessera` binary's commands and their output; `module_graph`: the server's
//!   modules have no dependency cycle; `file_sizes`: no source file over 600 lines;
//!   `doc_citations`: every test the documents cite exists.
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
mod auth_context;
mod channel_logout;
mod claims_request;
mod cli;
mod client_address;
mod client_credentials;
mod client_revisions;
mod code_binding;
mod code_flow;
mod code_flow_refusals;
mod code_flow_support;
mod console;
mod console_picker;
mod cookies;
mod dev_server;
mod doc_citations;
mod file_sizes;
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
mod module_graph;
mod node_e2e;
mod on_behalf_of;
mod openid_client;
mod operation_assign;
mod password_change;
mod password_concurrency;
mod people_ops;
mod rate_limits;
mod repeated_params;
mod scale_out;
mod slow_clients;
mod spa_browser;
mod standard_claims;
mod support;
mod token_exchange;
mod token_standing;
mod unknown_issuer;
