//! A client application's Metadata: the addresses and the permission prefix a developer copies,
//! from the admin API's metadata operation, and a ready `curl` per flow the application can use.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::{Layout, page};
use crate::console::ops;
use crate::console::session::ConsoleUser;
use crate::state::AppState;

/// One copyable value.
#[derive(Debug, Clone)]
pub(crate) struct Field {
    /// The element id (the copy button's target).
    pub id: &'static str,
    /// Its label, the contract's name.
    pub label: &'static str,
    /// The value.
    pub value: String,
}

#[derive(Template)]
#[template(path = "console/metadata.html")]
pub(super) struct Metadata {
    pub(super) l: Layout,
    pub(super) name: String,
    pub(super) client_id: String,
    pub(super) fields: Vec<Field>,
    /// A ready request per flow the application can use.
    pub(super) curls: Vec<super::curl::Curl>,
}

/// `GET /admin/{partition}/client-applications/{client_id}/metadata`.
pub(crate) async fn show(
    State(state): State<AppState>,
    who: ConsoleUser,
    Path((_, id)): Path<(String, String)>,
) -> Response {
    let (client, m) = match (
        ops::client(&state, &who, &id).await,
        ops::metadata(&state, &who, &id).await,
    ) {
        (Ok(c), Ok(m)) => (c, m),
        (Err(e), _) | (_, Err(e)) => return super::clients::api_error(&who, e),
    };
    let curls = super::curl::requests(&client, &m.authorization_url, &m.access_token_url);
    let fields = vec![
        Field {
            id: "authorization-url",
            label: "Authorization URL",
            value: m.authorization_url,
        },
        Field {
            id: "access-token-url",
            label: "Access Token URL",
            value: m.access_token_url,
        },
        Field {
            id: "domain-url",
            label: "Domain URL",
            value: m.domain_url,
        },
        Field {
            id: "metadata-url",
            label: "Metadata URL",
            value: m.metadata_url,
        },
        Field {
            id: "api-permission-prefix",
            label: "API Permission Prefix",
            value: m.api_permission_prefix,
        },
    ];
    let l = super::layout(&who, "Metadata").path(3, Some(&client.name));
    page(
        StatusCode::OK,
        &Metadata {
            l,
            name: client.name,
            client_id: client.client_id.to_string(),
            fields,
            curls,
        },
    )
}
