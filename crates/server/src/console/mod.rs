//! The Administration Console (docs/product.md#console, docs/console.md): server-rendered pages
//! at `/admin/` for Partition Administrators, signed in through their partition's users realm.
//!
//! It is a second adapter over the admin operations, with no rule of its own: every read and
//! change goes through [`ops`], which calls the admin API's handlers in process. The pages work
//! without JavaScript; forms carry a CSRF token bound to the session ([`csrf`]); the session is
//! server-side ([`session`], [`cookies`]); sign-in is the authorization code flow with PKCE
//! ([`signin`], [`callback`]); [`signout`] ends it and the realm's session.

pub mod builtin;
pub mod callback;
pub mod cookies;
pub mod csrf;
pub mod ops;
pub mod pages;
pub mod session;
pub mod signin;
pub mod signout;
pub mod view;

use axum::Router;
use axum::response::Redirect;
use axum::routing::{get, post};

use crate::state::AppState;

/// The console's routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin", get(|| async { Redirect::permanent("/admin/") }))
        .route("/admin/", get(pages::home::partitions))
        .route("/admin/{partition}", get(to_home))
        .route("/admin/{partition}/", get(pages::home::home))
        .route("/admin/{partition}/callback", get(callback::callback))
        .route("/admin/{partition}/sign-out", post(signout::sign_out))
        .route("/admin/{partition}/signed-out", get(signout::signed_out))
        .route("/admin/{partition}/partition", get(pages::home::partition))
        .route(
            "/admin/{partition}/integration",
            get(pages::home::integration),
        )
        .route(
            "/admin/{partition}/client-applications",
            get(pages::clients::list).post(pages::clients::create),
        )
        .route(
            "/admin/{partition}/client-applications/new",
            get(pages::clients::new),
        )
        .route(
            "/admin/{partition}/client-applications/{client_id}",
            get(pages::clients::detail),
        )
        .route(
            "/admin/{partition}/client-applications/{client_id}/edit",
            get(pages::client_edit::show).post(pages::client_edit::save),
        )
        .route(
            "/admin/{partition}/client-applications/{client_id}/enabled",
            post(pages::client_state::set_enabled),
        )
        .route(
            "/admin/{partition}/client-applications/{client_id}/delete",
            get(pages::client_state::confirm).post(pages::client_state::delete),
        )
        .route(
            "/admin/{partition}/client-applications/{client_id}/metadata",
            get(pages::metadata::show),
        )
        .route(
            "/admin/{partition}/client-applications/{client_id}/permissions",
            get(pages::permissions::show).post(pages::permissions::save),
        )
        .route(
            "/admin/{partition}/client-applications/{client_id}/secrets",
            get(pages::secrets::show).post(pages::secrets::add),
        )
        .route(
            "/admin/{partition}/client-applications/{client_id}/secrets/{secret_id}/delete",
            post(pages::secrets::delete),
        )
        .merge(security_routes())
}

/// APIs, signing keys and the audit log (the OpenAPI import's POST is in [`import_router`]).
fn security_routes() -> Router<AppState> {
    Router::new()
        .route("/admin/{partition}/apis", get(pages::apis::catalog))
        .route(
            "/admin/{partition}/apis/import",
            get(pages::api_import::form),
        )
        .route(
            "/admin/{partition}/apis/{api_id}/operations/{operation_id}",
            get(pages::apis::details),
        )
        .route(
            "/admin/{partition}/apis/{api_id}/operations/{operation_id}/assign",
            post(pages::apis::assign),
        )
        .route(
            "/admin/{partition}/signing-keys",
            get(pages::signing_keys::list),
        )
        .route(
            "/admin/{partition}/signing-keys/rotate",
            post(pages::signing_keys::rotate),
        )
        .route(
            "/admin/{partition}/signing-keys/{kid}/withdraw",
            get(pages::signing_keys::confirm).post(pages::signing_keys::withdraw),
        )
        .route("/admin/{partition}/audit-log", get(pages::audit_log::show))
}

/// The console's OpenAPI import, which accepts documents up to the import limit like the admin
/// API's.
pub fn import_router() -> Router<AppState> {
    Router::new().route(
        "/admin/{partition}/apis/import",
        post(pages::api_import::import),
    )
}

/// `/admin/{partition}` → `/admin/{partition}/`.
async fn to_home(axum::extract::Path(p): axum::extract::Path<String>) -> axum::response::Response {
    use axum::response::IntoResponse as _;
    match tessera_domain::PartitionId::parse(&p) {
        Ok(p) => Redirect::permanent(&format!("/admin/{p}/")).into_response(),
        Err(_) => view::not_found(),
    }
}
