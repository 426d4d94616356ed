//! The rules of an authorization request (RFC 6749 §4.1.1, OIDC Core §3.1.2.1, RFC 7636,
//! RFC 9700 §2.1), apart from looking the client up and verifying an `id_token_hint`, which need
//! the store and the realm's keys.
//!
//! Validation runs in two phases. Until the client and its exact redirect URI are known, a
//! refusal ([`PageError`]) is shown to the person as a page: redirecting to an unverified
//! address would make the server an open redirector (RFC 6749 §4.1.2.1, RFC 9700 §4.1). After
//! that, a refusal ([`RequestError`]) goes back to the client on its redirect URI.
//! docs/flows/authorization-code.md describes the flow.

use std::collections::{HashMap, HashSet};

use time::{Duration, OffsetDateTime};

use crate::auth_method::ACR_VALUES_SUPPORTED;
use crate::claims_request::{ClaimsRequest, ClaimsRequestError};
use crate::client::{ClientApplication, Platform};
use crate::clock::Clock;
use crate::flow::Flow;
use crate::ids::ClientId;
use crate::permission::Permission;
use crate::pkce::{self, PkceError};
use crate::scope::{self, GrantedScopes, ScopeError, ScopeRequest};

/// Longest `state` and `nonce` accepted (they travel in URLs).
pub const MAX_ECHO_LEN: usize = 1024;

/// Longest `login_hint` kept (in characters); the rest is dropped.
pub const MAX_LOGIN_HINT: usize = 256;

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

/// Why a request cannot even be answered on the client's redirect URI: shown as a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PageError {
    /// No `client_id`.
    #[error("The request does not name a client application (client_id is missing).")]
    NoClientId,
    /// A `client_id` that names no enabled client of the partition.
    #[error(
        "The client application is unknown or disabled. Check the client_id the application sends."
    )]
    UnknownClient,
    /// No `redirect_uri`.
    #[error(
        "The request has no redirect_uri. The application must send one of its registered Redirect URLs."
    )]
    NoRedirectUri,
    /// A `redirect_uri` that is not exactly one the client registered (RFC 9700 §2.1).
    #[error(
        "The redirect_uri is not registered for this client application. Redirect URLs must match a registered one exactly; a Partition Administrator can add it under Integration → Client Application."
    )]
    UnregisteredRedirectUri,
}

/// Why a request is refused once its redirect URI is trusted: sent back to the client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    /// `state` over [`MAX_ECHO_LEN`].
    #[error("state is longer than {MAX_ECHO_LEN} characters")]
    StateTooLong,
    /// A request object (OIDC Core §6.1).
    #[error("request objects (the request parameter) are not supported")]
    RequestObject,
    /// A request object by reference (OIDC Core §6.2).
    #[error("the request_uri parameter is not supported")]
    RequestUri,
    /// No `response_type`.
    #[error("the response_type parameter is required; use response_type=code")]
    NoResponseType,
    /// A `response_type` other than `code` (the implicit and hybrid flows, RFC 9700 §2.1.2).
    #[error(
        "response_type {0:?} is not supported; only the authorization code flow (response_type=code) is"
    )]
    UnsupportedResponseType(String),
    /// A `response_mode` other than `query`.
    #[error("only response_mode=query is supported")]
    ResponseMode,
    /// The scope cannot be granted to this client.
    #[error("{0}")]
    Scope(ScopeError),
    /// Malformed or `plain` PKCE parameters (RFC 7636 §4.3, RFC 9700 §2.1.1).
    #[error("{0}")]
    Pkce(PkceError),
    /// A single-page application without PKCE (RFC 9700 §2.1.1).
    #[error(
        "a single-page application must use PKCE: send code_challenge and code_challenge_method=S256"
    )]
    SpaWithoutPkce,
    /// `nonce` over [`MAX_ECHO_LEN`].
    #[error("nonce is longer than {MAX_ECHO_LEN} characters")]
    NonceTooLong,
    /// `prompt=none` with other values (OIDC Core §3.1.2.1).
    #[error("prompt=none cannot be combined with other prompt values")]
    PromptNoneCombined,
    /// A `prompt` value OIDC does not define (cut to 40 characters).
    #[error("unsupported prompt value {0:?}; use none, login, consent or select_account")]
    UnsupportedPrompt(String),
    /// `max_age` not a number of seconds.
    #[error("max_age must be a non-negative number of seconds")]
    MaxAge,
    /// A malformed `claims` parameter (OIDC Core §5.5).
    #[error("{0}")]
    Claims(ClaimsRequestError),
    /// An essential `acr` no sign-in here reaches (OIDC Core §5.5.1.1).
    #[error(
        "the claims parameter asks for an essential acr that Tessera cannot reach; it supports {}",
        ACR_VALUES_SUPPORTED.join(", ")
    )]
    UnreachableAcr,
    /// An `id_token_hint` this issuer did not sign (OIDC Core §3.1.2.1); verified by the
    /// caller, who has the keys.
    #[error("id_token_hint is not an ID token issued by this issuer")]
    ForeignIdTokenHint,
}

/// The `client_id` parameter as an id.
///
/// # Errors
/// [`PageError::NoClientId`] without one; [`PageError::UnknownClient`] when it is no id at all.
pub fn client_id(raw: Option<&str>) -> Result<ClientId, PageError> {
    let raw = raw.ok_or(PageError::NoClientId)?;
    uuid::Uuid::parse_str(raw).map_err(|_| PageError::UnknownClient)
}

/// Whether the request may be answered for `client`, found by its id: only while it is enabled
/// (a disabled client is as unknown as a missing one).
///
/// # Errors
/// [`PageError::UnknownClient`].
pub fn check_client(client: &ClientApplication) -> Result<(), PageError> {
    if client.enabled {
        Ok(())
    } else {
        Err(PageError::UnknownClient)
    }
}

/// The redirect URI to answer on: present, and exactly one `client` registered.
///
/// # Errors
/// [`PageError::NoRedirectUri`] or [`PageError::UnregisteredRedirectUri`].
pub fn redirect_uri<'a>(
    client: &ClientApplication,
    raw: Option<&'a str>,
) -> Result<&'a str, PageError> {
    let uri = raw.ok_or(PageError::NoRedirectUri)?;
    if client.has_redirect_url(uri) {
        Ok(uri)
    } else {
        Err(PageError::UnregisteredRedirectUri)
    }
}

/// The request's parameters besides `client_id` and `redirect_uri`, as sent.
#[derive(Debug, Clone, Copy, Default)]
pub struct Parameters<'a> {
    /// `state`.
    pub state: Option<&'a str>,
    /// `request` (a request object).
    pub request: Option<&'a str>,
    /// `request_uri`.
    pub request_uri: Option<&'a str>,
    /// `response_type`.
    pub response_type: Option<&'a str>,
    /// `response_mode`.
    pub response_mode: Option<&'a str>,
    /// `scope`.
    pub scope: Option<&'a str>,
    /// `code_challenge`.
    pub code_challenge: Option<&'a str>,
    /// `code_challenge_method`.
    pub code_challenge_method: Option<&'a str>,
    /// `nonce`.
    pub nonce: Option<&'a str>,
    /// `prompt`.
    pub prompt: Option<&'a str>,
    /// `forceLogin`, the modelled platform's name for `prompt=login`.
    pub force_login: Option<&'a str>,
    /// `max_age`.
    pub max_age: Option<&'a str>,
    /// `login_hint`.
    pub login_hint: Option<&'a str>,
    /// `claims`.
    pub claims: Option<&'a str>,
}

impl<'a> Parameters<'a> {
    /// Reads each parameter by name through `get`.
    pub fn from_lookup(get: impl Fn(&str) -> Option<&'a str>) -> Self {
        Self {
            state: get("state"),
            request: get("request"),
            request_uri: get("request_uri"),
            response_type: get("response_type"),
            response_mode: get("response_mode"),
            scope: get("scope"),
            code_challenge: get("code_challenge"),
            code_challenge_method: get("code_challenge_method"),
            nonce: get("nonce"),
            prompt: get("prompt"),
            force_login: get("forceLogin"),
            max_age: get("max_age"),
            login_hint: get("login_hint"),
            claims: get("claims"),
        }
    }
}

/// What the partition's catalog and the client's assignments allow (the consent: there is no
/// consent screen).
#[derive(Debug, Clone, Copy)]
pub struct Grantable<'a> {
    /// The partition's permission prefix.
    pub prefix: &'a str,
    /// The partition's permissions by short name.
    pub catalog: &'a HashMap<String, Permission>,
    /// The permissions assigned to the client.
    pub assigned: &'a HashSet<String>,
}

/// A request that passed [`check`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    /// The granted scope.
    pub scope: GrantedScopes,
    /// The PKCE challenge (S256) to bind to the code.
    pub code_challenge: Option<String>,
    /// OIDC nonce.
    pub nonce: Option<String>,
    /// What `prompt` (or `forceLogin`, or `max_age=0`) asks for.
    pub prompt: Prompt,
    /// OIDC `max_age`, seconds.
    pub max_age: Option<i64>,
    /// Login name to pre-fill, at most [`MAX_LOGIN_HINT`] characters.
    pub login_hint: Option<String>,
    /// The `claims` parameter, when it asks for anything Tessera understands.
    pub claims: Option<ClaimsRequest>,
}

/// Checks the parameters of a request for `client`, in a fixed order (the first refusal is the
/// one the client reads).
///
/// # Errors
/// The first [`RequestError`] that applies.
pub fn check(
    params: &Parameters<'_>,
    client: &ClientApplication,
    grantable: Grantable<'_>,
) -> Result<Checked, RequestError> {
    if params.state.is_some_and(|s| s.len() > MAX_ECHO_LEN) {
        return Err(RequestError::StateTooLong);
    }
    if params.request.is_some() {
        return Err(RequestError::RequestObject);
    }
    if params.request_uri.is_some() {
        return Err(RequestError::RequestUri);
    }
    match params.response_type {
        None => return Err(RequestError::NoResponseType),
        Some("code") => {}
        Some(other) => {
            return Err(RequestError::UnsupportedResponseType(
                other.chars().take(40).collect(),
            ));
        }
    }
    if params.response_mode.is_some_and(|m| m != "query") {
        return Err(RequestError::ResponseMode);
    }
    let scope = scope::resolve(
        ScopeRequest {
            flow: Flow::AuthorizationCode,
            requested: params.scope,
            prefix: grantable.prefix,
        },
        grantable.catalog,
        grantable.assigned,
    )
    .map_err(RequestError::Scope)?;
    let code_challenge = pkce::check_challenge(params.code_challenge, params.code_challenge_method)
        .map_err(RequestError::Pkce)?;
    if client.platform == Platform::Spa && code_challenge.is_none() {
        return Err(RequestError::SpaWithoutPkce);
    }
    if params.nonce.is_some_and(|n| n.len() > MAX_ECHO_LEN) {
        return Err(RequestError::NonceTooLong);
    }
    let mut prompt = parse_prompt(params.prompt)?;
    if params
        .force_login
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
        && prompt == Prompt::Default
    {
        prompt = Prompt::Login;
    }
    let max_age = match params.max_age {
        None => None,
        Some(v) => Some(
            v.parse::<u32>()
                .map(i64::from)
                .map_err(|_| RequestError::MaxAge)?,
        ),
    };
    // OIDC Core §3.1.2.1: max_age=0 is prompt=login (an elapsed time of 0 s is not "greater").
    if max_age == Some(0) && prompt == Prompt::Default {
        prompt = Prompt::Login;
    }
    let login_hint = params
        .login_hint
        .map(|h| h.chars().take(MAX_LOGIN_HINT).collect());
    let claims = params
        .claims
        .map(ClaimsRequest::parse)
        .transpose()
        .map_err(RequestError::Claims)?
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
        return Err(RequestError::UnreachableAcr);
    }
    Ok(Checked {
        scope,
        code_challenge,
        nonce: params.nonce.map(str::to_owned),
        prompt,
        max_age,
        login_hint,
        claims,
    })
}

/// Reads `prompt` (OIDC Core §3.1.2.1). There is no consent screen (assigned permissions are
/// the consent) and one account per realm and browser, so choosing an account means signing in
/// again.
///
/// # Errors
/// [`RequestError::PromptNoneCombined`] or [`RequestError::UnsupportedPrompt`].
pub fn parse_prompt(raw: Option<&str>) -> Result<Prompt, RequestError> {
    let Some(raw) = raw else {
        return Ok(Prompt::Default);
    };
    let values: Vec<&str> = raw.split(' ').filter(|v| !v.is_empty()).collect();
    if values.contains(&"none") && values.len() > 1 {
        return Err(RequestError::PromptNoneCombined);
    }
    let mut out = Prompt::Default;
    for v in values {
        match v {
            "none" => out = Prompt::None,
            "login" | "select_account" => out = Prompt::Login,
            "consent" => {}
            other => {
                return Err(RequestError::UnsupportedPrompt(
                    other.chars().take(40).collect(),
                ));
            }
        }
    }
    Ok(out)
}

/// Whether a sign-in at `auth_time` may answer a request with `max_age` (OIDC Core §3.1.2.1: a
/// new sign-in is needed "if the elapsed time is greater than this value"). Compared as
/// durations: rounding the elapsed time down to whole seconds would let a sign-in up to a
/// second older than `max_age` pass.
#[must_use]
pub fn within_max_age(max_age: Option<i64>, auth_time: OffsetDateTime, clock: &dyn Clock) -> bool {
    max_age.is_none_or(|max| clock.now() - auth_time <= Duration::seconds(max))
}

/// Why a signed-in account cannot answer a request: the request names another one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OtherAccount {
    /// `id_token_hint` names another account (OIDC Core §3.1.2.1).
    Hint,
    /// The `claims` parameter asks for an ID token whose `sub` has another value (§5.5.1).
    ClaimsSub,
}

/// Whether the request names an account other than `subject`, by the `sub` of its
/// `id_token_hint` or by the `claims` parameter's `sub` value: then `subject`'s session cannot
/// answer it, and neither can a sign-in as `subject`.
#[must_use]
pub fn other_account(
    hint_subject: Option<&str>,
    claims: Option<&ClaimsRequest>,
    subject: uuid::Uuid,
) -> Option<OtherAccount> {
    let subject = subject.to_string();
    if hint_subject.is_some_and(|h| h != subject) {
        return Some(OtherAccount::Hint);
    }
    if claims.is_some_and(|c| c.excludes_subject(&subject)) {
        return Some(OtherAccount::ClaimsSub);
    }
    None
}

#[cfg(test)]
mod tests;
