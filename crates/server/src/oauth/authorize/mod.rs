//! The authorization endpoint (`{issuer}/oauth2/authorize`) and the realm login page behind it.
//!
//! A browser arrives with an authorization request. With a live single sign-on session for the
//! realm (and no `prompt=login` or stale `max_age`) it goes straight back to the client with a
//! code; otherwise it sees the login page, whose form posts to `{issuer}/oauth2/login` carrying
//! the original request, which is validated again there. There is no consent screen: the
//! permissions a Partition Administrator assigned to the client are the consent.
//!
//! A request may name the account it is for — by `id_token_hint` (OIDC Core §3.1.2.1) or by a
//! `sub` value in the `claims` parameter (§5.5.1). A session of another account then counts as
//! none, and a sign-in as another account gets no code.

pub(crate) mod request;

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tessera_domain::audit::{Action, ActorKind, ObjectType, Outcome};
use tessera_domain::auth_method::AuthMethod;
use tessera_domain::authorization_request::within_max_age;
use tessera_domain::grant::{AuthorizationCode, Grant};
use tessera_domain::session::BrowserSession;
use tessera_domain::{PartitionId, Realm};
use tessera_oauth_types::ErrorCode;
use time::Duration;

use self::request::{AuthorizationRequest, AuthorizeError, ErrorRedirect, Prompt, redirect_url};
use super::browser::{self, Cookie, FormPage};
use super::error::OAuthError;
use super::form::Params;
use super::realm_issuer::{IssuerRejection, RealmIssuer};
use super::realm_post::RealmPost;
use super::refusals;
use super::subject::Person;
use crate::audit::AuditContext;
use crate::crypto::password::PasswordError;
use crate::crypto::rng::random_token;
use crate::login_backoff::{Account, account_key, address_key};
use crate::pages::{self, LoginView, Refusal};
use crate::request_meta::RequestMeta;
use crate::state::AppState;
use crate::urls;

/// `GET {issuer}/oauth2/authorize`.
pub(crate) async fn get(
    State(state): State<AppState>,
    issuer: Result<RealmIssuer, IssuerRejection>,
    meta: RequestMeta,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let issuer = match issuer {
        Ok(i) => i,
        Err(e) => return e.page(error_page),
    };
    let raw = query.unwrap_or_default();
    let params = match Params::parse(raw.as_bytes()) {
        Ok(p) => p,
        Err(e) => return error_page(StatusCode::BAD_REQUEST, &e.description),
    };
    authorize(&state, issuer, &meta, &headers, &params, &raw).await
}

/// `POST {issuer}/oauth2/authorize` (form-encoded, OIDC Core §3.1.2.1).
pub(crate) async fn post(State(state): State<AppState>, post: FormPost) -> Response {
    let params = match Params::from_body(&post.headers, &post.body) {
        Ok(p) => p,
        Err(e) => return error_page(StatusCode::BAD_REQUEST, &e.description),
    };
    let issuer = match post.at {
        Ok(i) => i,
        Err(e) => return e.page(error_page),
    };
    // The login page carries the request on as it came; a form the parser took is UTF-8.
    let Ok(raw) = std::str::from_utf8(&post.body) else {
        return error_page(StatusCode::BAD_REQUEST, "the form body is not valid UTF-8");
    };
    authorize(&state, issuer, &post.meta, &post.headers, &params, raw).await
}

/// A browser's form POST: an unknown issuer is answered with a page, not JSON.
type FormPost = RealmPost<Result<RealmIssuer, IssuerRejection>>;

fn error_page(status: StatusCode, message: &str) -> Response {
    Refusal::SIGN_IN.page(status, message)
}

/// An authorization request (`raw`, parsed into `params`) at `issuer`.
async fn authorize(
    state: &AppState,
    issuer: RealmIssuer,
    meta: &RequestMeta,
    headers: &HeaderMap,
    params: &Params,
    raw: &str,
) -> Response {
    let RealmIssuer {
        ctx,
        partition,
        realm,
    } = issuer;
    let req = match request::parse(state, &ctx, realm, params).await {
        Ok(r) => r,
        Err(e) => return refuse(state, &partition, realm, e),
    };
    let session = if req.prompt == Prompt::Login {
        None
    } else {
        match browser::current_session(state, &partition, realm, headers).await {
            Ok(s) => s,
            Err(e) => return refuse(state, &partition, realm, redirect_error(&req, e)),
        }
    };
    // A session of another account than the one `id_token_hint` or the claims parameter's
    // `sub` names cannot answer (OIDC Core §3.1.2.1, §5.5.1): as if there were none, so the
    // person signs in again, or, with prompt=none, the client learns that someone must.
    let other = session
        .as_ref()
        .and_then(|(s, _)| req.other_account(s.subject));
    let session = session.filter(|_| other.is_none());
    let fresh_enough =
        |s: &BrowserSession| within_max_age(req.max_age, s.auth_time, state.clock.as_ref());
    match session {
        Some((s, person)) if fresh_enough(&s) => {
            match issue_code(state, &partition, realm, &req, &s, &person, meta).await {
                Ok(url) => redirect(&url, None),
                Err(e) => refuse(state, &partition, realm, redirect_error(&req, e)),
            }
        }
        _ if req.prompt == Prompt::None => refuse(
            state,
            &partition,
            realm,
            redirect_error(
                &req,
                match other {
                    Some(o) => refusals::other_account(o, true),
                    None => OAuthError::new(
                        ErrorCode::LoginRequired,
                        "prompt=none was requested but the user is not signed in (or max_age requires a new sign-in)",
                    ),
                },
            ),
        ),
        _ => LoginPage {
            state,
            partition: &partition,
            realm,
            headers,
            req: &req,
            raw,
        }
        .render(
            req.login_hint.as_deref().unwrap_or_default(),
            None,
            StatusCode::OK,
        ),
    }
}

fn redirect_error(req: &AuthorizationRequest, error: OAuthError) -> AuthorizeError {
    AuthorizeError::Redirect(ErrorRedirect {
        redirect_uri: req.redirect_uri.clone(),
        state: req.state.clone(),
        error,
    })
}

fn refuse(state: &AppState, partition: &PartitionId, realm: Realm, e: AuthorizeError) -> Response {
    match e {
        AuthorizeError::Page { status, message } => error_page(status, &message),
        AuthorizeError::Redirect(r) => {
            // A server error is reported with its generic text (RFC 6749 §4.1.2.1 server_error).
            let url = redirect_url(
                &r.redirect_uri,
                &[
                    ("error", r.error.code.as_str()),
                    ("error_description", &r.error.description),
                ],
                r.state.as_deref(),
                &state.config.public_url,
                partition,
                realm,
            );
            redirect(&url, None)
        }
    }
}

/// A `303 See Other` to `url` (never cached), setting `cookie` when given.
pub(crate) fn redirect(url: &str, cookie: Option<HeaderValue>) -> Response {
    let mut resp = StatusCode::SEE_OTHER.into_response();
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(url) {
        h.insert(header::LOCATION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some(c) = cookie {
        h.append(header::SET_COOKIE, c);
    }
    resp
}

fn origin_of(url: &str) -> Option<String> {
    url::Url::parse(url)
        .ok()
        .map(|u| u.origin().ascii_serialization())
}

/// One authorization request's login page, shown again with the name entered and a message
/// after each refused attempt.
struct LoginPage<'a> {
    state: &'a AppState,
    partition: &'a PartitionId,
    realm: Realm,
    headers: &'a HeaderMap,
    req: &'a AuthorizationRequest,
    /// The request as it came, carried on by the form.
    raw: &'a str,
}

impl LoginPage<'_> {
    /// The page with `login` filled in and `error` shown, answered with `status`.
    fn render(&self, login: &str, error: Option<&str>, status: StatusCode) -> Response {
        let form = FormPage {
            state: self.state,
            headers: self.headers,
            partition: self.partition,
            realm: self.realm,
            purpose: "login",
            endpoint: urls::LOGIN,
            title: "Sign in",
            target: origin_of(&self.req.redirect_uri),
        };
        form.render(status, |action, csrf| {
            pages::login(&LoginView {
                action,
                customers: self.realm == Realm::Customers,
                partition: self.partition.as_str(),
                client_name: &self.req.client.client.name,
                request: self.raw,
                csrf,
                login,
                error,
            })
        })
    }
}

/// Creates the grant and its code, and returns the client's redirect URL carrying the code.
async fn issue_code(
    state: &AppState,
    partition: &PartitionId,
    realm: Realm,
    req: &AuthorizationRequest,
    session: &BrowserSession,
    person: &Person,
    meta: &RequestMeta,
) -> Result<String, OAuthError> {
    let now = state.clock.now();
    let tokens = &state.config.tokens;
    let grant = Grant {
        id: state.rng.uuid(),
        partition: partition.clone(),
        realm,
        client_id: req.client.client.client_id,
        subject: person.id(),
        scope: req.scope.to_scope_string(),
        session_id: session.id,
        auth_time: session.auth_time,
        auth_method: session.auth_method,
        claims_request: req.claims.clone(),
        created_at: now,
        expires_at: now + Duration::seconds(i64::from(tokens.refresh_token_absolute_ttl)),
        revoked_at: None,
    };
    let value = random_token(&*state.rng, 32);
    let code = AuthorizationCode {
        hash: state.secrets.hash(&value),
        partition: partition.clone(),
        grant_id: grant.id,
        redirect_uri: req.redirect_uri.clone(),
        nonce: req.nonce.clone(),
        code_challenge: req.code_challenge.clone(),
        created_at: now,
        expires_at: now + Duration::seconds(i64::from(tokens.authorization_code_ttl)),
    };
    state.store.create_grant(&grant, &code).await?;
    let audit = AuditContext::person(partition, person.id(), meta.source_ip.clone());
    let event = audit.event(
        state,
        Action::AuthorizeCode,
        ObjectType::ClientApplication,
        Some(grant.client_id.to_string()),
        Outcome::Success,
        Some(format!("realm={} scope={}", realm.as_str(), grant.scope)),
    );
    state.audit.record(event).await;
    Ok(redirect_url(
        &req.redirect_uri,
        &[("code", &value)],
        req.state.as_deref(),
        &state.config.public_url,
        partition,
        realm,
    ))
}

/// `POST {issuer}/oauth2/login`: the login form.
pub(crate) async fn login(State(state): State<AppState>, post: FormPost) -> Response {
    let RealmIssuer {
        ctx,
        partition,
        realm,
    } = match post.at {
        Ok(i) => i,
        Err(e) => return e.page(error_page),
    };
    let form = match Params::from_body(&post.headers, &post.body) {
        Ok(f) => f,
        Err(e) => return error_page(StatusCode::BAD_REQUEST, &e.description),
    };
    let raw = form.get("request").unwrap_or_default().to_owned();
    let params = match Params::parse(raw.as_bytes()) {
        Ok(p) => p,
        Err(e) => return error_page(StatusCode::BAD_REQUEST, &e.description),
    };
    let req = match request::parse(&state, &ctx, realm, &params).await {
        Ok(r) => r,
        Err(e) => return refuse(&state, &partition, realm, e),
    };
    let login = form.get("username").unwrap_or_default().trim().to_owned();
    let page = LoginPage {
        state: &state,
        partition: &partition,
        realm,
        headers: &post.headers,
        req: &req,
        raw: &raw,
    };
    let again = |error: &str, status: StatusCode| page.render(&login, Some(error), status);
    if !browser::csrf_ok(
        &state,
        &post.headers,
        &partition,
        realm,
        "login",
        form.get("csrf"),
    ) {
        return again(
            "This sign-in form has expired or was opened in another window. Please sign in again.",
            StatusCode::BAD_REQUEST,
        );
    }
    let password = form.get("password").unwrap_or_default();
    if login.is_empty() || password.is_empty() || login.len() > 256 || password.len() > 1024 {
        return again(
            "Enter your sign-in name and password.",
            StatusCode::BAD_REQUEST,
        );
    }
    let found = match find_account(&state, &partition, realm, &login).await {
        Ok(f) => f,
        Err(e) => return error_page(e.status, &e.description),
    };
    let whose = match &found {
        Some((person, _)) => Account::Known(person.id()),
        None => Account::Unknown(&login),
    };
    // Counted before the password is checked, so parallel guesses cannot outrun the count.
    let now = state.clock.now();
    let attempt = match state
        .login_backoff
        .reserve(
            account_key(&partition, realm, &whose),
            post.meta.ip.map(address_key),
            now,
        )
        .await
    {
        Ok(a) => a,
        Err(locked) => {
            // The headers say when the lock ends; the "limit" is the free attempts of the key
            // that is locked (docs/operations.md#abuse-limits).
            let quota = crate::rate_window::Quota {
                limit: locked.free,
                remaining: 0,
                reset: locked.until,
            };
            let secs = quota.retry_after(now);
            let mut resp = again(
                &format!("Too many failed sign-in attempts. Wait {secs} seconds and try again."),
                StatusCode::TOO_MANY_REQUESTS,
            );
            quota.refusal_headers(resp.headers_mut(), now);
            return resp;
        }
    };
    let mut audit = AuditContext::anonymous(&partition, post.meta.source_ip.clone());
    let (person, hash) = found.unzip();
    let right = match state.passwords.verify(password, hash.as_deref()).await {
        Ok(right) => right,
        Err(PasswordError::Busy(busy)) => {
            state.login_backoff.unchecked(attempt).await;
            return retry_after(
                again(
                    "Too many sign-ins are being checked at this moment. Please try again in a few seconds.",
                    StatusCode::SERVICE_UNAVAILABLE,
                ),
                busy.retry_after.as_secs().max(1),
            );
        }
        Err(PasswordError::Crypto(e)) => {
            let e = OAuthError::internal(&e);
            return error_page(e.status, &e.description);
        }
    };
    let Some(person) = person.filter(|_| right) else {
        // The attempt stays counted.
        drop(attempt);
        refused_login(
            &state,
            &audit,
            Some(format!("realm={} wrong name or password", realm.as_str())),
        )
        .await;
        let message = match realm {
            Realm::Users => "Incorrect username or password.",
            Realm::Customers => "Incorrect email or password.",
        };
        return again(message, StatusCode::UNAUTHORIZED);
    };
    // The password was right (even if the account turns out to be disabled).
    state.login_backoff.succeeded(attempt).await;
    audit.actor_kind = ActorKind::User;
    audit.actor_id = Some(person.id().to_string());
    if !person.enabled() {
        refused_login(&state, &audit, Some("account disabled".into())).await;
        return again(
            "This account is disabled. Ask your administrator to enable it.",
            StatusCode::FORBIDDEN,
        );
    }
    // The request named another account (OIDC Core §3.1.2.1, §5.5.1): the password was right,
    // but no code is issued for this person, and the browser's sessions stay as they were.
    if let Some(other) = req.other_account(person.id()) {
        refused_login(
            &state,
            &audit,
            Some("not the account the request names".into()),
        )
        .await;
        return refuse(
            &state,
            &partition,
            realm,
            redirect_error(&req, refusals::other_account(other, false)),
        );
    }
    let now = state.clock.now();
    let cookie_value = random_token(&*state.rng, 32);
    let session = BrowserSession {
        id: state.rng.uuid(),
        hash: state.secrets.hash(&cookie_value),
        partition: partition.clone(),
        realm,
        subject: person.id(),
        auth_time: now,
        auth_method: AuthMethod::Password,
        expires_at: now + Duration::seconds(i64::from(state.config.tokens.session_ttl)),
        ended_at: None,
    };
    let result = async {
        // A new session on every sign-in (no fixation); the browser's previous one ends, and
        // its applications are told as at logout (back-channel; no page shows frames here).
        if let Some((old, _)) =
            browser::current_session(&state, &partition, realm, &post.headers).await?
        {
            super::session_end::end(
                &state,
                &partition,
                realm,
                super::session_end::Ending::Session(&old),
            )
            .await?;
        }
        state.store.create_session(&session).await?;
        issue_code(
            &state, &partition, realm, &req, &session, &person, &post.meta,
        )
        .await
    }
    .await;
    match result {
        Ok(url) => {
            let event = audit.event(
                &state,
                Action::LoginSuccess,
                ObjectType::Session,
                Some(session.id.to_string()),
                Outcome::Success,
                Some(format!("realm={}", realm.as_str())),
            );
            state.audit.record(event).await;
            let cookie = browser::set_cookie(
                &state,
                Cookie::Session,
                &partition,
                realm,
                &cookie_value,
                None,
            );
            redirect(&url, cookie)
        }
        Err(e) => refuse(&state, &partition, realm, redirect_error(&req, e)),
    }
}

/// Records a refused sign-in (`detail` says why; never the password).
async fn refused_login(state: &AppState, audit: &AuditContext, detail: Option<String>) {
    let event = audit.event(
        state,
        Action::LoginRefuse,
        ObjectType::Session,
        None,
        Outcome::Failure,
        detail,
    );
    state.audit.record(event).await;
}

/// The person signing in as `login` with their password hash, `None` when no account has
/// that name (users: username, or email; customers: email).
async fn find_account(
    state: &AppState,
    partition: &PartitionId,
    realm: Realm,
    login: &str,
) -> Result<Option<(Person, String)>, OAuthError> {
    Ok(match realm {
        Realm::Users => {
            let mut rec = state.store.find_user_by_username(partition, login).await?;
            if rec.is_none()
                && login.contains('@')
                && let Some(u) = state.store.find_user_by_email(partition, login).await?
            {
                rec = state
                    .store
                    .find_user_by_username(partition, &u.username)
                    .await?;
            }
            rec.map(|r| (Person::User(r.user), r.password_hash))
        }
        Realm::Customers => state
            .store
            .find_customer_by_email(partition, login)
            .await?
            .map(|r| (Person::Customer(r.customer), r.password_hash)),
    })
}

/// Adds `Retry-After: secs` (RFC 9110 §10.2.3) to a refusal that a later retry may pass.
fn retry_after(mut resp: Response, secs: u64) -> Response {
    resp.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    resp
}
