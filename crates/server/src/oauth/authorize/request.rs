//! Parsing and validating an authorization request (RFC 6749 §4.1.1, OIDC Core §3.1.2.1,
//! RFC 7636, RFC 9700 §2.1), with the `claims` parameter (OIDC Core §5.5) and `id_token_hint`.
//!
//! Validation runs in two phases. Until the client and its exact redirect URI are known, an
//! error is shown as a page: redirecting to an unverified address would make Tessera an open
//! redirector. After that, errors go back to the client as `error`, `error_description`,
//! `state` and `iss` (RFC 9207) on its redirect URI.

use std::sync::Arc;

use axum::http::StatusCode;
use serde_json::Value;
use tessera_domain::authorization_request::{
    self as rules, Checked, Grantable, PageError, Parameters, RequestError,
};
pub(crate) use tessera_domain::authorization_request::{OtherAccount, Prompt};
use tessera_domain::claims_request::ClaimsRequest;
use tessera_domain::scope::GrantedScopes;
use tessera_domain::{PartitionId, Realm};

use crate::oauth::error::OAuthError;
use crate::oauth::form::Params;
use crate::oauth::id_token_hint;
use crate::state::{AppState, ClientView, PartitionContext};
use crate::urls;

/// A valid authorization request.
#[derive(Debug, Clone)]
pub(crate) struct AuthorizationRequest {
    /// The client.
    pub client: Arc<ClientView>,
    /// The redirect URI (registered, exact).
    pub redirect_uri: String,
    /// `state`, echoed back.
    pub state: Option<String>,
    /// Granted scope.
    pub scope: GrantedScopes,
    /// OIDC nonce.
    pub nonce: Option<String>,
    /// PKCE challenge (S256).
    pub code_challenge: Option<String>,
    /// What `prompt` (or `forceLogin`) asked for.
    pub prompt: Prompt,
    /// OIDC `max_age`, seconds.
    pub max_age: Option<i64>,
    /// Login name to pre-fill.
    pub login_hint: Option<String>,
    /// The `claims` parameter as far as Tessera understands it (OIDC Core §5.5); `None` when
    /// there was none, or nothing in it Tessera knows.
    pub claims: Option<ClaimsRequest>,
    /// The account a valid `id_token_hint` names (its `sub`, OIDC Core §3.1.2.1).
    pub hint_subject: Option<String>,
}

impl AuthorizationRequest {
    /// Whether the request names an account other than `subject` (by `id_token_hint` or by
    /// the `claims` parameter's `sub` value): then `subject`'s session cannot answer it, and
    /// neither can a sign-in as `subject`.
    #[must_use]
    pub(crate) fn other_account(&self, subject: uuid::Uuid) -> Option<OtherAccount> {
        rules::other_account(self.hint_subject.as_deref(), self.claims.as_ref(), subject)
    }
}

/// Why an authorization request failed.
#[derive(Debug)]
pub(crate) enum AuthorizeError {
    /// Before the redirect URI is trusted: an HTML error page.
    Page {
        /// Status code.
        status: StatusCode,
        /// What went wrong, for the person looking at the page.
        message: String,
    },
    /// After: back to the client.
    Redirect(ErrorRedirect),
}

/// An error response to send to the client's redirect URI.
#[derive(Debug)]
pub(crate) struct ErrorRedirect {
    /// The verified redirect URI.
    pub redirect_uri: String,
    /// `state` from the request.
    pub state: Option<String>,
    /// The error.
    pub error: OAuthError,
}

impl From<OAuthError> for AuthorizeError {
    fn from(e: OAuthError) -> Self {
        // Refusals and storage failures before the client is known: a page, never a redirect.
        Self::Page {
            status: e.status,
            message: e.description,
        }
    }
}

/// Validates `params` for `partition`'s `realm`: the rules are
/// `tessera_domain::authorization_request`'s; this adds the client look-up and the
/// `id_token_hint` check, which need the store and the realm's keys.
///
/// # Errors
/// [`AuthorizeError`] as described in the module documentation.
pub(crate) async fn parse(
    state: &AppState,
    ctx: &PartitionContext,
    realm: Realm,
    params: &Params,
) -> Result<AuthorizationRequest, AuthorizeError> {
    // Phase 1: client and redirect URI.
    let id = rules::client_id(params.get("client_id")).map_err(OAuthError::from)?;
    let client = state
        .client(&ctx.partition.id, id)
        .await
        .map_err(OAuthError::from)?
        .ok_or(PageError::UnknownClient)
        .and_then(|c| rules::check_client(&c.client).map(|()| c))
        .map_err(OAuthError::from)?;
    let redirect_uri = rules::redirect_uri(&client.client, params.get("redirect_uri"))
        .map_err(OAuthError::from)?
        .to_owned();
    let req_state = params.get("state").map(str::to_owned);

    // Phase 2: everything else goes back to the client.
    let fail = |e: RequestError| {
        AuthorizeError::Redirect(ErrorRedirect {
            redirect_uri: redirect_uri.clone(),
            state: req_state.clone(),
            error: e.into(),
        })
    };
    let Checked {
        scope,
        code_challenge,
        nonce,
        prompt,
        max_age,
        login_hint,
        claims,
    } = rules::check(
        &Parameters::from_lookup(|name| params.get(name)),
        &client.client,
        Grantable {
            prefix: &ctx.prefix,
            catalog: &ctx.catalog.permissions,
            assigned: &client.assigned,
        },
    )
    .map_err(fail)?;
    // §3.1.2.1: verified as at logout (this realm's keys and issuer, `typ: JWT`, expired
    // accepted); it only says whom the relying party expects.
    let hint_subject = match params.get("id_token_hint") {
        None => None,
        Some(t) => {
            let sub = id_token_hint::verify(state, ctx, &ctx.partition.id, realm, t)
                .ok()
                .and_then(|c| c.get("sub").and_then(Value::as_str).map(str::to_owned));
            Some(sub.ok_or_else(|| fail(RequestError::ForeignIdTokenHint))?)
        }
    };
    Ok(AuthorizationRequest {
        client,
        redirect_uri,
        state: req_state,
        scope,
        nonce,
        code_challenge,
        prompt,
        max_age,
        login_hint,
        claims,
        hint_subject,
    })
}

/// The redirect carrying `pairs` (plus `state` and `iss`) to `redirect_uri`.
#[must_use]
pub(crate) fn redirect_url(
    redirect_uri: &str,
    pairs: &[(&str, &str)],
    state_param: Option<&str>,
    public_url: &str,
    partition: &PartitionId,
    realm: Realm,
) -> String {
    let Ok(mut url) = url::Url::parse(redirect_uri) else {
        // Registered URLs are validated absolute URLs; this cannot happen, and if it did the
        // safest answer is to send nothing anywhere.
        return "about:blank".to_owned();
    };
    {
        let mut q = url.query_pairs_mut();
        for (k, v) in pairs {
            q.append_pair(k, v);
        }
        if let Some(s) = state_param {
            q.append_pair("state", s);
        }
        q.append_pair("iss", &urls::issuer(public_url, partition, realm));
    }
    url.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirects_keep_the_registered_query_and_add_iss() {
        let p = PartitionId::parse("acme").unwrap();
        let u = redirect_url(
            "https://app.example/cb?x=1",
            &[("code", "abc")],
            Some("s t"),
            "https://id.example",
            &p,
            Realm::Users,
        );
        assert_eq!(
            u,
            "https://app.example/cb?x=1&code=abc&state=s+t&iss=https%3A%2F%2Fid.example%2Fsystem%2Fauth%2Facme-U"
        );
    }
}
