//! A POST to a realm's endpoint as the handlers take it: what names the realm (the issuer in the
//! path), the request's metadata, its headers and its body — extracted in that order, as the
//! separate extractors did, so a refusal (unknown issuer, unreadable body) is the same. The
//! token, revocation and introspection endpoints take it with the issuer required; the
//! authorization and login forms with the issuer's refusal kept (`Result`), to answer with a
//! page; the compatibility token addresses with the URI, whose query names the partition.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};

use super::client_auth::{self, Authenticated};
use super::error::OAuthError;
use super::form::Params;
use super::realm_issuer::RealmIssuer;
use crate::audit::AuditContext;
use crate::request_meta::RequestMeta;
use crate::state::AppState;

/// A POST to `{issuer}/oauth2/…` (or a compatibility token address).
#[derive(Debug)]
pub(crate) struct RealmPost<I = RealmIssuer> {
    /// What names the realm: the issuer in the path (or its refusal), or the URI.
    pub(crate) at: I,
    /// The client's address.
    pub(crate) meta: RequestMeta,
    /// The request's headers.
    pub(crate) headers: HeaderMap,
    /// The body, unread.
    pub(crate) body: Bytes,
}

impl<I> FromRequest<AppState> for RealmPost<I>
where
    I: FromRequestParts<AppState> + Send,
{
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let at = I::from_request_parts(&mut parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let meta = RequestMeta::from_request_parts(&mut parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let headers = parts.headers.clone();
        let body = Bytes::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(Self {
            at,
            meta,
            headers,
            body,
        })
    }
}

/// A form from an authenticated client (revocation and introspection, RFC 7009 §2.1 and
/// RFC 7662 §2.1): the form read, the client authenticated, the audit context started.
#[derive(Debug)]
pub(crate) struct ClientForm {
    /// The issuer the form was sent to.
    pub(crate) issuer: RealmIssuer,
    /// The form.
    pub(crate) params: Params,
    /// The client and how it authenticated.
    pub(crate) auth: Authenticated,
    /// The audit context, with the client's address.
    pub(crate) audit: AuditContext,
}

impl RealmPost {
    /// Reads the form and authenticates the client.
    ///
    /// # Errors
    /// A malformed form, a failed client authentication.
    pub(crate) async fn client_form(self, state: &AppState) -> Result<ClientForm, OAuthError> {
        let partition = &self.at.partition;
        let params = Params::from_body(&self.headers, &self.body)?;
        let mut audit = AuditContext::anonymous(partition, self.meta.source_ip);
        let auth =
            client_auth::authenticate_request(state, partition, &self.headers, &params, &mut audit)
                .await?;
        Ok(ClientForm {
            issuer: self.at,
            params,
            auth,
            audit,
        })
    }
}
