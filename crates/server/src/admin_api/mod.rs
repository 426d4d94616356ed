//! The admin REST API (`/admin/api/v1`, docs/product.md#admin-api): one file per resource,
//! every handler guarded by [`caller::AdminCaller`], errors as RFC 9457 problem JSON, and an
//! OpenAPI document generated from the handlers themselves.

pub mod apis;
pub mod audit_events;
pub mod auth;
pub mod caller;
pub mod client_metadata;
pub mod clients;
pub mod customers;
pub mod departments;
pub mod error;
pub mod extract;
pub mod identity_providers;
pub mod permissions;
pub mod secrets;
pub mod signing_keys;
pub mod users;

use axum::Router;
use axum::routing::{get, post};
use utoipa::OpenApi;

use crate::state::AppState;

const P: &str = "/admin/api/v1/partitions/{partition}";

/// The OpenAPI document of the admin API.
#[derive(Debug, OpenApi)]
#[openapi(
    info(title = "Tessera admin API", version = "1", description = "Manage a partition's client applications, permissions, APIs, accounts, identity providers, signing keys and audit log. Authorise with a bearer token from the partition's users realm carrying app.core.admin.manage (automation client) or core.admin.manage (Partition Administrator)."),
    paths(
        clients::list, clients::create, clients::get, clients::update, clients::delete,
        secrets::list, secrets::create, secrets::delete,
        permissions::catalog, permissions::get, permissions::put,
        client_metadata::get,
        apis::list, apis::get, apis::import,
        users::list, users::create, users::get, users::update, users::delete, users::end_sessions,
        customers::list, customers::create, customers::get, customers::update, customers::delete, customers::end_sessions,
        departments::list, departments::create, departments::delete,
        identity_providers::list, identity_providers::create, identity_providers::get, identity_providers::update, identity_providers::delete,
        signing_keys::list, signing_keys::rotate, signing_keys::revoke,
        audit_events::list,
    ),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
)]
pub struct AdminApiDoc;

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

/// The generated document, as served at `/admin/api/v1/openapi.json`.
#[must_use]
pub fn openapi_json() -> String {
    AdminApiDoc::openapi().to_pretty_json().unwrap_or_default()
}

async fn openapi() -> impl axum::response::IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        openapi_json(),
    )
}

/// The admin routes (except the OpenAPI import, which takes a larger body: see [`import_router`]).
pub fn router() -> Router<AppState> {
    let r = |s: &str| format!("{P}{s}");
    Router::new()
        .route("/admin/api/v1/openapi.json", get(openapi))
        .route(
            &r("/client-applications"),
            get(clients::list).post(clients::create),
        )
        .route(
            &r("/client-applications/{client_id}"),
            get(clients::get)
                .patch(clients::update)
                .delete(clients::delete),
        )
        .route(
            &r("/client-applications/{client_id}/secrets"),
            get(secrets::list).post(secrets::create),
        )
        .route(
            &r("/client-applications/{client_id}/secrets/{secret_id}"),
            axum::routing::delete(secrets::delete),
        )
        .route(
            &r("/client-applications/{client_id}/permissions"),
            get(permissions::get).put(permissions::put),
        )
        .route(
            &r("/client-applications/{client_id}/metadata"),
            get(client_metadata::get),
        )
        .route(&r("/permissions"), get(permissions::catalog))
        .route(&r("/apis"), get(apis::list))
        .route(&r("/apis/{api_id}"), get(apis::get))
        .route(&r("/users"), get(users::list).post(users::create))
        .route(
            &r("/users/{user_id}"),
            get(users::get).patch(users::update).delete(users::delete),
        )
        .route(
            &r("/users/{user_id}/sessions"),
            axum::routing::delete(users::end_sessions),
        )
        .route(
            &r("/customers"),
            get(customers::list).post(customers::create),
        )
        .route(
            &r("/customers/{customer_id}"),
            get(customers::get)
                .patch(customers::update)
                .delete(customers::delete),
        )
        .route(
            &r("/customers/{customer_id}/sessions"),
            axum::routing::delete(customers::end_sessions),
        )
        .route(
            &r("/departments"),
            get(departments::list).post(departments::create),
        )
        .route(
            &r("/departments/{name}"),
            axum::routing::delete(departments::delete),
        )
        .route(
            &r("/identity-providers"),
            get(identity_providers::list).post(identity_providers::create),
        )
        .route(
            &r("/identity-providers/{id}"),
            get(identity_providers::get)
                .patch(identity_providers::update)
                .delete(identity_providers::delete),
        )
        .route(&r("/signing-keys"), get(signing_keys::list))
        .route(&r("/signing-keys/rotate"), post(signing_keys::rotate))
        .route(&r("/signing-keys/{kid}/revoke"), post(signing_keys::revoke))
        .route(&r("/audit-events"), get(audit_events::list))
}

/// `POST apis/import`, which accepts OpenAPI documents up to the import limit.
pub fn import_router() -> Router<AppState> {
    Router::new().route(&format!("{P}/apis/import"), post(apis::import))
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
