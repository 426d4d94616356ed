//! The operations. Authorization already happened in the guard layer; handlers only shape data
//! (and hide portals the caller's kind of actor may not browse).

use axum::Json;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tessera_guard::Authenticated;
use tessera_oauth_types::ProblemDetails;

use crate::data::{self, Article, Portal};

fn portal_json(p: &Portal) -> Value {
    json!({
        "id": p.id,
        "name": p.name,
        "description": p.description,
        "defaultLanguage": { "code": p.language },
    })
}

fn not_found(what: &str) -> Response {
    let problem =
        ProblemDetails::new(404, "Not Found", format!("{what} was not found")).with_code("404-101");
    (
        StatusCode::NOT_FOUND,
        [(CONTENT_TYPE, ProblemDetails::CONTENT_TYPE)],
        Json(problem),
    )
        .into_response()
}

/// `getMyPortals`.
pub(crate) async fn my_portals(Authenticated(claims): Authenticated) -> Json<Value> {
    let portals: Vec<Value> = data::portals_for(claims.actor).map(portal_json).collect();
    Json(json!({ "portal": portals }))
}

/// `getArticleById`: 404 for a portal the caller may not browse, as for one that does not exist,
/// so the answer does not reveal which portals exist.
pub(crate) async fn article(
    Authenticated(claims): Authenticated,
    Path((portal_id, article_id)): Path<(String, String)>,
) -> Response {
    let Some(portal) =
        data::portals_for(claims.actor).find(|p| p.id.eq_ignore_ascii_case(&portal_id))
    else {
        return not_found("The portal");
    };
    let Some(article) = data::article(&article_id).filter(|a| a.portals.contains(&portal.id))
    else {
        return not_found("The article");
    };
    Json(article_json(article, portal.id)).into_response()
}

fn article_json(a: &Article, portal_id: &str) -> Value {
    json!({
        "id": a.id,
        "name": a.name,
        "summary": a.summary,
        "portalId": portal_id,
    })
}

/// `getUserDetails`: the signed-in agent, from the token.
pub(crate) async fn user_details(Authenticated(claims): Authenticated) -> Json<Value> {
    Json(json!({
        "id": claims.sub,
        "tenant": claims.tenant,
        "actor": claims.actor,
        "clientId": claims.client_id,
        "onBehalfOf": claims.act.as_ref().map(|act| &act.sub),
    }))
}

/// `getArticleEditionDetails`.
pub(crate) async fn editions(Path(article_id): Path<String>) -> Response {
    let Some(article) = data::article(&article_id) else {
        return not_found("The article");
    };
    let editions: Vec<Value> = article
        .editions
        .iter()
        .map(|e| {
            json!({
                "id": e.id,
                "name": e.name,
                "language": { "code": e.language },
                "status": e.status,
            })
        })
        .collect();
    Json(json!({ "articleId": article.id, "edition": editions })).into_response()
}
