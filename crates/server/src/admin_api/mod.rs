//! The admin REST API (`/admin/api/v1`, docs/product.md#admin-api): one file per resource,
//! every handler guarded by [`caller::AdminCaller`] and a thin adapter over
//! [`crate::admin_ops`], errors as RFC 9457 problem JSON. The routes are registered from the
//! handlers' own `#[utoipa::path]` attributes (`utoipa-axum`), so the router and the OpenAPI
//! document are one list and cannot drift; the document is committed as
//! `crates/server/openapi.json`, and a test fails when it changes unnoticed.

pub(crate) mod apis;
pub(crate) mod audit_events;
pub(crate) mod auth;
pub(crate) mod caller;
pub(crate) mod client_metadata;
pub(crate) mod clients;
pub(crate) mod conditional;
pub(crate) mod customers;
pub(crate) mod departments;
pub(crate) mod error;
pub(crate) mod extract;
pub(crate) mod identity_providers;
pub(crate) mod permissions;
pub(crate) mod secrets;
pub(crate) mod signing_keys;
pub(crate) mod users;

use axum::Router;
use axum::routing::get;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;

/// The OpenAPI document's description of the admin API; its paths come from the routes.
#[derive(Debug, OpenApi)]
#[openapi(
    info(title = "Tessera admin API", version = "1", description = "Manage a partition's client applications, permissions, APIs, accounts, identity providers, signing keys and audit log. Authorise with a bearer token from the partition's users realm carrying app.core.admin.manage (automation client) or core.admin.manage (Partition Administrator)."),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
)]
pub(crate) struct AdminApiDoc;

#[derive(Debug)]
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// Every admin route but the OpenAPI import, with its part of the document. Handlers sharing a
/// path are registered together (`routes!` needs one path per call).
fn resource_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(AdminApiDoc::openapi())
        .routes(routes!(clients::list, clients::create))
        .routes(routes!(clients::get, clients::update, clients::delete))
        .routes(routes!(secrets::list, secrets::create))
        .routes(routes!(secrets::delete))
        .routes(routes!(permissions::get, permissions::put))
        .routes(routes!(client_metadata::get))
        .routes(routes!(permissions::catalog))
        .routes(routes!(apis::list))
        .routes(routes!(apis::get))
        .routes(routes!(apis::assign))
        .routes(routes!(users::list, users::create))
        .routes(routes!(users::get, users::update, users::delete))
        .routes(routes!(users::end_sessions))
        .routes(routes!(customers::list, customers::create))
        .routes(routes!(
            customers::get,
            customers::update,
            customers::delete
        ))
        .routes(routes!(customers::end_sessions))
        .routes(routes!(departments::list, departments::create))
        .routes(routes!(departments::delete, departments::rename))
        .routes(routes!(
            identity_providers::list,
            identity_providers::create
        ))
        .routes(routes!(
            identity_providers::get,
            identity_providers::update,
            identity_providers::delete
        ))
        .routes(routes!(identity_providers::test))
        .routes(routes!(signing_keys::list))
        .routes(routes!(signing_keys::rotate))
        .routes(routes!(signing_keys::revoke))
        .routes(routes!(audit_events::list))
}

/// `POST apis/import`, kept apart because it accepts OpenAPI documents up to the import limit.
fn import_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(apis::import))
}

/// The OpenAPI document of the admin API, built from the routes themselves.
#[must_use]
pub(crate) fn openapi() -> utoipa::openapi::OpenApi {
    resource_routes().merge(import_routes()).into_openapi()
}

/// The generated document, as served at `/admin/api/v1/openapi.json`.
#[must_use]
pub(crate) fn openapi_json() -> String {
    openapi().to_pretty_json().unwrap_or_default()
}

async fn serve_openapi() -> impl axum::response::IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        openapi_json(),
    )
}

/// The admin routes (except the OpenAPI import, which takes a larger body: see [`import_router`]).
pub(crate) fn router() -> Router<AppState> {
    let (routes, _) = resource_routes().split_for_parts();
    routes.route("/admin/api/v1/openapi.json", get(serve_openapi))
}

/// `POST apis/import`, which accepts OpenAPI documents up to the import limit.
pub(crate) fn import_router() -> Router<AppState> {
    import_routes().split_for_parts().0
}

#[cfg(test)]
mod tests {
    /// The committed document is the one the routes generate: a change to the admin API shows
    /// in review as a change to `crates/server/openapi.json`. Set `TESSERA_UPDATE_OPENAPI=1` to
    /// rewrite the file after an intended change.
    #[test]
    fn committed_openapi_document_is_current() {
        let generated = super::openapi_json() + "\n";
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.json");
        if std::env::var_os("TESSERA_UPDATE_OPENAPI").is_some() {
            std::fs::write(path, &generated).unwrap();
        }
        let committed = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            committed == generated,
            "crates/server/openapi.json is not the generated document; run \
             `TESSERA_UPDATE_OPENAPI=1 cargo test -p tessera-server --lib committed_openapi` \
             and review the difference"
        );
    }
}
