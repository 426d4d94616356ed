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
use tessera_domain::auth_method::ACR_VALUES_SUPPORTED;
use tessera_domain::claims_request::ClaimsRequest;
use tessera_domain::client::Platform;
use tessera_domain::flow::Flow;
use tessera_domain::scope::{GrantedScopes, ScopeRequest, resolve};
use tessera_domain::{PartitionId, Realm, pkce};
use tessera_oauth_types::ErrorCode;

use crate::oauth::error::OAuthError;
use crate::oauth::form::Params;
use crate::oauth::id_token_hint;
use crate::state::{AppState, ClientView, PartitionContext};
use crate::urls;

/// Longest `state` and `nonce` accepted (they travel in URLs).
const MAX_ECHO_LEN: usize = 1024;

/// What `prompt` asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prompt {
    /// Use a session when there is one.
    Default,
    /// Never show a page: fail with `login_required` without a session.
    None,
    /// Always ask for the password again.
    Login,
}

/// A valid authorization request.
#[derive(Debug, Clone)]
pub struct AuthorizationRequest {
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

/// Why a signed-in account cannot answer this request: the request names another one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OtherAccount {
    /// `id_token_hint` names another account (OIDC Core §3.1.2.1).
    Hint,
    /// The `claims` parameter asks for an ID token whose `sub` has another value (§5.5.1).
    ClaimsSub,
}

impl OtherAccount {
    /// The error for the client when `account` signed in (or was signed in, with
    /// `prompt=none`) and is not the one asked for: `login_required` for a hint, the error
    /// §3.1.2.1 suggests; `access_denied` for `sub`, since §5.5.1 forbids answering for anyone
    /// else.
    #[must_use]
    pub fn error(self, prompt_none: bool) -> OAuthError {
        match (self, prompt_none) {
            (Self::Hint, true) => OAuthError::new(
                ErrorCode::LoginRequired,
                "prompt=none was requested but the signed-in user is not the one id_token_hint names",
            ),
            (Self::Hint, false) => OAuthError::new(
                ErrorCode::LoginRequired,
                "the user who signed in is not the one id_token_hint names",
            ),
            (Self::ClaimsSub, true) => OAuthError::new(
                ErrorCode::LoginRequired,
                "prompt=none was requested but the signed-in user is not the sub the claims parameter asks for",
            ),
            (Self::ClaimsSub, false) => OAuthError::new(
                ErrorCode::AccessDenied,
                "the user who signed in is not the sub the claims parameter asks for",
            ),
        }
    }
}

impl AuthorizationRequest {
    /// Whether the request names an account other than `subject` (by `id_token_hint` or by
    /// the `claims` parameter's `sub` value): then `subject`'s session cannot answer it, and
    /// neither can a sign-in as `subject`.
    #[must_use]
    pub fn other_account(&self, subject: uuid::Uuid) -> Option<OtherAccount> {
        let subject = subject.to_string();
        if self.hint_subject.as_ref().is_some_and(|h| *h != subject) {
            return Some(OtherAccount::Hint);
        }
        if self
            .claims
            .as_ref()
            .is_some_and(|c| c.excludes_subject(&subject))
        {
            return Some(OtherAccount::ClaimsSub);
        }
        None
    }
}

/// Why an authorization request failed.
#[derive(Debug)]
pub enum AuthorizeError {
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
pub struct ErrorRedirect {
    /// The verified redirect URI.
    pub redirect_uri: String,
    /// `state` from the request.
    pub state: Option<String>,
    /// The error.
    pub error: OAuthError,
}

impl From<OAuthError> for AuthorizeError {
    fn from(e: OAuthError) -> Self {
        // Storage failures before the client is known: a page, never a redirect.
        Self::Page {
            status: e.status,
            message: e.description,
        }
    }
}

fn page(message: impl Into<String>) -> AuthorizeError {
    AuthorizeError::Page {
        status: StatusCode::BAD_REQUEST,
        message: message.into(),
    }
}

/// Validates `params` for `partition`'s `realm`.
///
/// # Errors
/// [`AuthorizeError`] as described in the module documentation.
pub async fn parse(
    state: &AppState,
    ctx: &PartitionContext,
    realm: Realm,
    params: &Params,
) -> Result<AuthorizationRequest, AuthorizeError> {
    // Phase 1: client and redirect URI.
    let client_id = params.get("client_id").ok_or_else(|| {
        page("The request does not name a client application (client_id is missing).")
    })?;
    let unknown = || {
        page(
            "The client application is unknown or disabled. Check the client_id the application sends.",
        )
    };
    let id = uuid::Uuid::parse_str(client_id).map_err(|_| unknown())?;
    let client = state
        .client(&ctx.partition.id, id)
        .await
        .map_err(OAuthError::from)?
        .filter(|c| c.client.enabled)
        .ok_or_else(unknown)?;
    let redirect_uri = params
        .get("redirect_uri")
        .ok_or_else(|| page("The request has no redirect_uri. The application must send one of its registered Redirect URLs."))?;
    if !client.client.has_redirect_url(redirect_uri) {
        return Err(page(
            "The redirect_uri is not registered for this client application. Redirect URLs must match a registered one exactly; a Partition Administrator can add it under Integration → Client Application.",
        ));
    }
    let redirect_uri = redirect_uri.to_owned();
    let req_state = params.get("state").map(str::to_owned);

    // Phase 2: everything else goes back to the client.
    let fail = |code: ErrorCode, description: String| {
        AuthorizeError::Redirect(ErrorRedirect {
            redirect_uri: redirect_uri.clone(),
            state: req_state.clone(),
            error: OAuthError::new(code, description),
        })
    };
    if req_state.as_ref().is_some_and(|s| s.len() > MAX_ECHO_LEN) {
        return Err(fail(
            ErrorCode::InvalidRequest,
            format!("state is longer than {MAX_ECHO_LEN} characters"),
        ));
    }
    if params.get("request").is_some() {
        return Err(fail(
            ErrorCode::RequestNotSupported,
            "request objects (the request parameter) are not supported".into(),
        ));
    }
    if params.get("request_uri").is_some() {
        return Err(fail(
            ErrorCode::RequestUriNotSupported,
            "the request_uri parameter is not supported".into(),
        ));
    }
    match params.get("response_type") {
        None => {
            return Err(fail(
                ErrorCode::InvalidRequest,
                "the response_type parameter is required; use response_type=code".into(),
            ));
        }
        Some("code") => {}
        Some(other) => {
            return Err(fail(
                ErrorCode::UnsupportedResponseType,
                format!(
                    "response_type {:?} is not supported; only the authorization code flow (response_type=code) is",
                    other.chars().take(40).collect::<String>()
                ),
            ));
        }
    }
    if let Some(mode) = params.get("response_mode")
        && mode != "query"
    {
        return Err(fail(
            ErrorCode::InvalidRequest,
            "only response_mode=query is supported".into(),
        ));
    }
    let scope = resolve(
        ScopeRequest {
            flow: Flow::AuthorizationCode,
            requested: params.get("scope"),
            prefix: &ctx.prefix,
        },
        &ctx.catalog.permissions,
        &client.assigned,
    )
    .map_err(|e| fail(ErrorCode::InvalidScope, e.describe()))?;
    let code_challenge = pkce::check_challenge(
        params.get("code_challenge"),
        params.get("code_challenge_method"),
    )
    .map_err(|e| fail(ErrorCode::InvalidRequest, e.to_string()))?;
    if client.client.platform == Platform::Spa && code_challenge.is_none() {
        return Err(fail(
            ErrorCode::InvalidRequest,
            "a single-page application must use PKCE: send code_challenge and code_challenge_method=S256".into(),
        ));
    }
    let nonce = params.get("nonce").map(str::to_owned);
    if nonce.as_ref().is_some_and(|n| n.len() > MAX_ECHO_LEN) {
        return Err(fail(
            ErrorCode::InvalidRequest,
            format!("nonce is longer than {MAX_ECHO_LEN} characters"),
        ));
    }
    let mut prompt =
        parse_prompt(params.get("prompt")).map_err(|d| fail(ErrorCode::InvalidRequest, d))?;
    // The modelled platform's clients send forceLogin=true for what OIDC calls prompt=login.
    if params
        .get("forceLogin")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
        && prompt == Prompt::Default
    {
        prompt = Prompt::Login;
    }
    let max_age = match params.get("max_age") {
        None => None,
        Some(v) => Some(v.parse::<u32>().map(i64::from).map_err(|_| {
            fail(
                ErrorCode::InvalidRequest,
                "max_age must be a non-negative number of seconds".into(),
            )
        })?),
    };
    // OIDC Core §3.1.2.1: max_age=0 is prompt=login (an elapsed time of 0 s is not "greater").
    if max_age == Some(0) && prompt == Prompt::Default {
        prompt = Prompt::Login;
    }
    let login_hint = params
        .get("login_hint")
        .map(|h| h.chars().take(256).collect());
    let claims = match params.get("claims") {
        None => None,
        Some(raw) => Some(
            ClaimsRequest::parse(raw)
                .map_err(|e| fail(ErrorCode::InvalidRequest, e.to_string()))?,
        ),
    }
    .filter(|c| !c.is_empty());
    // §5.5.1.1: an essential `acr` with values the sign-in cannot reach fails the request.
    // Every sign-in reaches every class Tessera supports (there is one method, a password), so
    // checking the supported classes here is checking the session; a second method would
    // move this check to where the session's method is known.
    if claims.as_ref().is_some_and(|c| {
        ACR_VALUES_SUPPORTED
            .iter()
            .all(|acr| c.essential_acr_unmet_by(acr))
    }) {
        return Err(fail(
            ErrorCode::UnmetAuthenticationRequirements,
            format!(
                "the claims parameter asks for an essential acr that Tessera cannot reach; it supports {}",
                ACR_VALUES_SUPPORTED.join(", ")
            ),
        ));
    }
    // §3.1.2.1: verified as at logout (this realm's keys and issuer, `typ: JWT`, expired
    // accepted); it only says whom the relying party expects.
    let hint_subject = match params.get("id_token_hint") {
        None => None,
        Some(t) => {
            let sub = id_token_hint::verify(state, ctx, &ctx.partition.id, realm, t)
                .ok()
                .and_then(|c| c.get("sub").and_then(Value::as_str).map(str::to_owned));
            Some(sub.ok_or_else(|| {
                fail(
                    ErrorCode::InvalidRequest,
                    "id_token_hint is not an ID token issued by this issuer".into(),
                )
            })?)
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

fn parse_prompt(raw: Option<&str>) -> Result<Prompt, String> {
    let Some(raw) = raw else {
        return Ok(Prompt::Default);
    };
    let values: Vec<&str> = raw.split(' ').filter(|v| !v.is_empty()).collect();
    if values.contains(&"none") && values.len() > 1 {
        return Err("prompt=none cannot be combined with other prompt values".into());
    }
    let mut out = Prompt::Default;
    for v in values {
        match v {
            "none" => out = Prompt::None,
            // There is no consent screen (assigned permissions are the consent) and one account
            // per realm and browser, so choosing an account means signing in again.
            "login" | "select_account" => out = Prompt::Login,
            "consent" => {}
            other => {
                return Err(format!(
                    "unsupported prompt value {:?}; use none, login, consent or select_account",
                    other.chars().take(40).collect::<String>()
                ));
            }
        }
    }
    Ok(out)
}

/// The redirect carrying `pairs` (plus `state` and `iss`) to `redirect_uri`.
#[must_use]
pub fn redirect_url(
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
    fn prompt_values() {
        assert_eq!(parse_prompt(None), Ok(Prompt::Default));
        assert_eq!(parse_prompt(Some("none")), Ok(Prompt::None));
        assert_eq!(parse_prompt(Some("login consent")), Ok(Prompt::Login));
        assert_eq!(parse_prompt(Some("select_account")), Ok(Prompt::Login));
        assert!(parse_prompt(Some("none login")).is_err());
        assert!(parse_prompt(Some("bogus")).is_err());
    }

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
