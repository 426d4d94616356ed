//! The Administration Console (docs/product.md#console, docs/console.md): server-rendered pages
//! at `/admin/` for Partition Administrators, signed in through their partition's users realm.
//!
//! It is a second adapter over the admin operations, with no rule of its own: every read and
//! change goes through [`ops`], which calls the admin API's handlers in process. The pages work
//! without JavaScript; forms carry a CSRF token bound to the session ([`csrf`]); the session is
//! server-side ([`session`], [`cookies`]); sign-in is the authorization code flow with PKCE
//! ([`signin`], [`callback`]); [`signout`] ends it and the realm's session.

pub(crate) mod builtin;
pub(crate) mod callback;
pub(crate) mod cookies;
pub(crate) mod csrf;
pub(crate) mod ops;
pub(crate) mod pages;
pub(crate) mod people_ops;
pub(crate) mod session;
pub(crate) mod signin;
pub(crate) mod signout;
pub(crate) mod view;

use axum::Router;
use axum::response::Redirect;
use axum::routing::{get, post};

use crate::state::AppState;

/// The console's routes.
pub(crate) fn router() -> Router<AppState> {
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
        .merge(people_routes())
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
pub(crate) fn import_router() -> Router<AppState> {
    Router::new().route(
        "/admin/{partition}/apis/import",
        post(pages::api_import::import),
    )
}

/// Users, customers (one set of pages for both: [`pages::accounts`]), departments and
/// identity providers.
fn people_routes() -> Router<AppState> {
    use pages::{accounts as a, departments as d, identity_providers as i};
    use tessera_domain::customer::Customer;
    use tessera_domain::user::User;
    fn accounts<K: pages::account_kinds::AccountKind>() -> Router<AppState> {
        let base = format!("/admin/{{partition}}/{}", K::SEGMENT);
        Router::new()
            .route(&base, get(a::list::<K>).post(a::create::<K>))
            .route(&format!("{base}/new"), get(a::new::<K>))
            .route(
                &format!("{base}/{{id}}"),
                get(a::detail::<K>).post(a::update::<K>),
            )
            .route(&format!("{base}/{{id}}/status"), post(a::status::<K>))
            .route(&format!("{base}/{{id}}/sign-out"), post(a::sign_out::<K>))
            .route(
                &format!("{base}/{{id}}/delete"),
                get(a::confirm_delete::<K>).post(a::delete::<K>),
            )
    }
    Router::new()
        .merge(accounts::<User>())
        .merge(accounts::<Customer>())
        .route("/admin/{partition}/departments", get(d::list).post(d::add))
        .route(
            "/admin/{partition}/departments/{name}/delete",
            post(d::delete),
        )
        .route(
            "/admin/{partition}/departments/{name}/rename",
            get(d::rename_form).post(d::rename),
        )
        .route(
            "/admin/{partition}/identity-providers",
            get(i::list).post(i::create),
        )
        .route("/admin/{partition}/identity-providers/new", get(i::new))
        .route(
            "/admin/{partition}/identity-providers/{id}",
            get(i::detail).post(i::update),
        )
        .route(
            "/admin/{partition}/identity-providers/{id}/test",
            post(i::test),
        )
        .route(
            "/admin/{partition}/identity-providers/{id}/delete",
            get(i::confirm_delete).post(i::delete),
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
