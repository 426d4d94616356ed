//! A sample confidential Web client that signs users in against Tessera with the OpenID Connect
//! authorization code flow (PKCE S256, state, nonce), using the `openidconnect` crate.
//!
//! Sessions live in memory, keyed by a random `HttpOnly; SameSite=Lax` cookie; tokens never reach
//! the browser. See `README.md` beside this crate for how to run it against `tessera serve --dev`.

mod config;
mod error;
mod html;
mod session;

use std::collections::HashMap;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{Html, Redirect, Response};
use axum::routing::{get, post};
use axum::{Router, serve};
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreUserInfoClaims};
use openidconnect::{
    AccessTokenHash, AuthorizationCode, CsrfToken, EndSessionUrl, EndpointMaybeSet, EndpointNotSet,
    EndpointSet, IssuerUrl, LogoutRequest, Nonce, OAuth2TokenResponse, PkceCodeChallenge,
    PostLogoutRedirectUrl, ProviderMetadataWithLogout, RedirectUrl, Scope, SubjectIdentifier,
    TokenResponse, reqwest,
};
use serde::Deserialize;
use tokio::sync::Mutex;

use crate::config::Config;
use crate::error::{Error, chain};
use crate::html::{HOME_LINK, esc, page};
use crate::session::{Pending, Session, Tokens, new_session, session_id};

/// Asked for besides `openid` (which the client adds itself): profile and email claims, a refresh
/// token, and one delegated permission (the Demo Web App has every non-admin one assigned).
const SCOPES: &str = "profile email offline_access knowledge.portalmgr.read";

/// The client after discovery: authorization URL set, token and userinfo URLs as discovered.
type OidcClient = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;
#[derive(Debug)]
struct App {
    issuer: IssuerUrl,
    client: OidcClient,
    http: reqwest::Client,
    end_session: Option<EndSessionUrl>,
    base_url: String,
    sessions: Mutex<HashMap<String, Session>>,
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .init();
    if let Err(e) = run().await {
        tracing::error!("{e}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

async fn run() -> Result<(), Error> {
    let config = Config::from_vars(|name| std::env::var(name).ok())?;
    let startup = |e: &dyn std::error::Error| Error::Startup(chain(e));
    // Following redirects on the back channel would open the client to SSRF.
    let http = reqwest::ClientBuilder::new().redirect(reqwest::redirect::Policy::none());
    let http = http.build().map_err(|e| startup(&e))?;
    let discovery = ProviderMetadataWithLogout::discover_async(config.issuer.clone(), &http).await;
    let metadata = discovery.map_err(|e| {
        let issuer = &*config.issuer;
        Error::Startup(format!(
            "discovery at {issuer} failed (is Tessera running?): {}",
            chain(&e)
        ))
    })?;
    let end_session = metadata.additional_metadata().end_session_endpoint.clone();
    let base_url = config.base_url();
    let redirect = RedirectUrl::new(format!("{base_url}/callback")).map_err(|e| startup(&e))?;
    let client =
        CoreClient::from_provider_metadata(metadata, config.client_id, Some(config.client_secret))
            .set_redirect_uri(redirect);
    let issuer = config.issuer;
    tracing::info!("signing in at {}; open {base_url}", *issuer);
    let sessions = Mutex::default();
    let app = App {
        issuer,
        client,
        http,
        end_session,
        base_url,
        sessions,
    };
    let router = Router::new()
        .route("/", get(home))
        .route("/login", get(login))
        .route("/callback", get(callback))
        .route("/userinfo", get(userinfo))
        .route("/refresh", post(refresh))
        .route("/logout", post(logout))
        .with_state(Arc::new(app));
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| startup(&e))?;
    serve(listener, router).await.map_err(|e| startup(&e))
}

/// `/`: who is signed in, or the sign-in link. After RP-initiated logout Tessera comes back here
/// with the `state` we sent.
async fn home(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Html<String> {
    let id = session_id(&headers);
    let mut sessions = app.sessions.lock().await;
    let session = id.and_then(|id| sessions.get(id));
    if let Some(tokens) = session.and_then(|s| s.tokens.as_ref()) {
        return signed_in(tokens, "");
    }
    let note = match (
        session.and_then(|s| s.logout_state.as_ref()),
        q.get("state"),
    ) {
        (Some(sent), Some(got)) if sent == got => "<p id=\"signed-out\">You have signed out.</p>",
        (_, Some(_)) => "<p class=\"error\">The sign-out response has an unexpected state.</p>",
        _ => "",
    };
    if let Some(id) = id.filter(|_| !note.is_empty()) {
        sessions.remove(id);
    }
    let body = format!("{note}<p><a id=\"login\" href=\"/login\">Sign in with Tessera</a></p>");
    page("Tessera web-app sample", &body)
}

/// `/login`: a new session holding PKCE verifier, state and nonce, then off to Tessera.
async fn login(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let flow = CoreAuthenticationFlow::AuthorizationCode;
    let (url, state, nonce) = (app.client)
        .authorize_url(flow, CsrfToken::new_random, Nonce::new_random)
        .add_scopes(SCOPES.split(' ').map(|s| Scope::new(s.to_owned())))
        .set_pkce_challenge(challenge)
        .url();
    let mut sessions = app.sessions.lock().await;
    if let Some(old) = session_id(&headers) {
        sessions.remove(old);
    }
    let pending = Some(Pending {
        state,
        nonce,
        verifier,
    });
    let session = Session {
        pending,
        ..Session::default()
    };
    new_session(&mut sessions, session, Redirect::to(url.as_str()))
}

/// The authorization response's query.
#[derive(Debug, Deserialize)]
struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    iss: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// `/callback`: checks state and issuer, redeems the code with the PKCE verifier, verifies the ID
/// token (signature, iss, aud, exp, nonce, at_hash) and keeps the tokens in a new session.
async fn callback(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Query(q): Query<CallbackQuery>,
) -> Result<Response, Error> {
    let old_id = session_id(&headers).ok_or(Error::NoPendingLogin)?;
    let pending = (app.sessions.lock().await)
        .get_mut(old_id)
        .and_then(|s| s.pending.take())
        .ok_or(Error::NoPendingLogin)?;
    if q.state.as_deref() != Some(pending.state.secret().as_str()) {
        return Err(Error::StateMismatch);
    }
    // RFC 9207: Tessera names itself in the response, which defeats mix-up attacks.
    if let Some(iss) = q.iss.filter(|iss| iss.as_str() != app.issuer.as_str()) {
        return Err(Error::IssuerMismatch(iss));
    }
    if let Some(error) = q.error {
        let description = q
            .error_description
            .unwrap_or_else(|| "(no description)".into());
        return Err(Error::Authorization(error, description));
    }
    let code = AuthorizationCode::new(q.code.ok_or(Error::MissingCode)?);
    let request = app.client.exchange_code(code).map_err(Error::token)?;
    let request = request.set_pkce_verifier(pending.verifier);
    let response = request
        .request_async(&app.http)
        .await
        .map_err(Error::token)?;
    let id_token = response
        .id_token()
        .ok_or(Error::IdToken("none in the response".into()))?;
    let verifier = app.client.id_token_verifier();
    let claims = id_token
        .claims(&verifier, &pending.nonce)
        .map_err(Error::id_token)?;
    // OIDC Core §3.1.3.8. Tessera always sends at_hash, so a missing one is an error here.
    let expected = claims
        .access_token_hash()
        .ok_or(Error::IdToken("no at_hash".into()))?;
    let alg = id_token.signing_alg().map_err(Error::id_token)?;
    let key = id_token.signing_key(&verifier).map_err(Error::id_token)?;
    let access_token = response.access_token();
    let actual = AccessTokenHash::from_token(access_token, alg, key).map_err(Error::id_token)?;
    if actual != *expected {
        return Err(Error::IdToken(
            "at_hash does not match the access token".into(),
        ));
    }
    let mut tokens = Tokens {
        sub: claims.subject().to_string(),
        name: claims
            .name()
            .and_then(|n| n.get(None))
            .map(|n| n.to_string()),
        preferred_username: claims.preferred_username().map(|u| u.to_string()),
        email: claims.email().map(|e| e.to_string()),
        id_token: id_token.clone(),
        access_token: access_token.clone(),
        refresh_token: None,
        scope: String::new(),
        expires_at: None,
    };
    tokens.update(&response);
    // A new session id once signed in, so an id planted before sign-in is worthless after it.
    let mut sessions = app.sessions.lock().await;
    sessions.remove(old_id);
    let session = Session {
        tokens: Some(tokens),
        ..Session::default()
    };
    Ok(new_session(&mut sessions, session, Redirect::to("/")))
}

/// `/userinfo`: calls the userinfo endpoint with the access token and shows the claims.
async fn userinfo(State(app): State<Arc<App>>, headers: HeaderMap) -> Result<Html<String>, Error> {
    let (access_token, sub) = {
        let sessions = app.sessions.lock().await;
        let tokens = signed_in_tokens(&sessions, &headers)?;
        (tokens.access_token.clone(), tokens.sub.clone())
    };
    // Passing the ID token's subject makes the client check that userinfo is about the same user.
    let request = app
        .client
        .user_info(access_token, Some(SubjectIdentifier::new(sub)));
    let claims: CoreUserInfoClaims = request
        .map_err(Error::userinfo)?
        .request_async(&app.http)
        .await
        .map_err(Error::userinfo)?;
    let json = serde_json::to_string_pretty(&claims).map_err(Error::userinfo)?;
    Ok(page(
        "Userinfo",
        &format!("<pre id=\"userinfo\">{}</pre>{HOME_LINK}", esc(&json)),
    ))
}

/// `/refresh` (POST, so a cross-site page cannot trigger it: the cookie is `SameSite=Lax`):
/// redeems the refresh token and keeps the new, rotated, tokens.
async fn refresh(State(app): State<Arc<App>>, headers: HeaderMap) -> Result<Html<String>, Error> {
    let (refresh_token, sub) = {
        let sessions = app.sessions.lock().await;
        let tokens = signed_in_tokens(&sessions, &headers)?;
        (
            tokens.refresh_token.clone().ok_or(Error::NoRefreshToken)?,
            tokens.sub.clone(),
        )
    };
    let request = app.client.exchange_refresh_token(&refresh_token);
    let request = request.map_err(Error::token)?;
    let response = request
        .request_async(&app.http)
        .await
        .map_err(Error::token)?;
    if let Some(id_token) = response.id_token() {
        // A refreshed ID token has no new nonce (OIDC Core §12.2) but must be about the same user.
        let any_nonce = |_: Option<&Nonce>| Ok(());
        let verifier = app.client.id_token_verifier();
        let claims = id_token
            .claims(&verifier, any_nonce)
            .map_err(Error::id_token)?;
        if claims.subject().as_str() != sub {
            return Err(Error::IdToken(
                "the refreshed one names another subject".into(),
            ));
        }
    }
    let mut sessions = app.sessions.lock().await;
    let id = session_id(&headers).ok_or(Error::NotSignedIn)?;
    let tokens = sessions
        .get_mut(id)
        .and_then(|s| s.tokens.as_mut())
        .ok_or(Error::NotSignedIn)?;
    tokens.update(&response);
    let rotated = if response.refresh_token().is_some() {
        "rotated"
    } else {
        "kept"
    };
    let note =
        format!("<p id=\"refreshed\">Tokens refreshed; the refresh token was {rotated}.</p>");
    Ok(signed_in(tokens, &note))
}

/// `/logout` (POST, like `/refresh`): forgets the tokens here, then RP-initiated logout at
/// Tessera, which ends its SSO session and comes back to `/` with our `state`.
async fn logout(State(app): State<Arc<App>>, headers: HeaderMap) -> Redirect {
    let mut sessions = app.sessions.lock().await;
    let Some(session) = session_id(&headers).and_then(|id| sessions.get_mut(id)) else {
        return Redirect::to("/");
    };
    let post_logout = PostLogoutRedirectUrl::new(format!("{}/", app.base_url));
    let (Some(tokens), Some(end_session), Ok(post_logout)) =
        (session.tokens.take(), app.end_session.clone(), post_logout)
    else {
        return Redirect::to("/");
    };
    let state = CsrfToken::new_random();
    session.logout_state = Some(state.secret().clone());
    let url = LogoutRequest::from(end_session)
        .set_id_token_hint(&tokens.id_token)
        .set_post_logout_redirect_uri(post_logout)
        .set_state(state)
        .http_get_url();
    Redirect::to(url.as_str())
}

/// The signed-in user's tokens, or [`Error::NotSignedIn`].
fn signed_in_tokens<'s>(
    sessions: &'s HashMap<String, Session>,
    headers: &HeaderMap,
) -> Result<&'s Tokens, Error> {
    let session = session_id(headers).and_then(|id| sessions.get(id));
    session
        .and_then(|s| s.tokens.as_ref())
        .ok_or(Error::NotSignedIn)
}

/// The page for a signed-in user: ID token claims, access token scope and lifetime, actions.
fn signed_in(t: &Tokens, note: &str) -> Html<String> {
    let opt = |v: &Option<String>| esc(v.as_deref().unwrap_or("—"));
    let expires = t.expires_at.map_or("not stated".to_owned(), |at| {
        format!(
            "in {} s",
            at.saturating_duration_since(Instant::now()).as_secs()
        )
    });
    let body = format!(
        "{note}<p>Signed in as <strong id=\"name\">{}</strong>.</p>\n<table>\n\
         <tr><th>sub</th><td id=\"sub\">{}</td></tr>\n\
         <tr><th>preferred_username</th><td id=\"username\">{}</td></tr>\n\
         <tr><th>email</th><td id=\"email\">{}</td></tr>\n\
         <tr><th>access token scope</th><td id=\"scope\">{}</td></tr>\n\
         <tr><th>access token expires</th><td id=\"expires\">{}</td></tr>\n</table>\n\
         <p><a href=\"/userinfo\">Call userinfo</a></p>\n\
         <form method=\"post\" action=\"/refresh\"><button>Refresh tokens</button></form>\n\
         <form method=\"post\" action=\"/logout\"><button>Sign out</button></form>",
        opt(&t.name),
        esc(&t.sub),
        opt(&t.preferred_username),
        opt(&t.email),
        esc(&t.scope),
        esc(&expires),
    );
    page("Tessera web-app sample", &body)
}
