//! The authorization code flow end to end with a real OpenID Connect relying party (the
//! `openidconnect` crate, configured from discovery) and a cookie-keeping test browser that
//! signs in on Tessera's login page: a Web app for an agent (`-U`) and for a customer (`-C`),
//! and a SPA with PKCE and no secret — ID token verification (signature, nonce, `at_hash`),
//! userinfo, refresh rotation with reuse detection, introspection, revocation, single sign-on,
//! `prompt`, and RP-initiated logout. Each runs on SQLite and on PostgreSQL.

use openidconnect::core::{
    CoreAuthPrompt, CoreAuthenticationFlow, CoreErrorResponseType, CoreIdToken,
    CoreIdTokenVerifier, CoreProviderMetadata, CoreRevocableToken, CoreTokenResponse,
};
use openidconnect::{
    AccessToken, AccessTokenHash, AuthorizationCode, CsrfToken, IssuerUrl, LogoutRequest, Nonce,
    NonceVerifier, OAuth2TokenResponse as _, PkceCodeChallenge, PostLogoutRedirectUrl, Scope,
    SubjectIdentifier, TokenIntrospectionResponse as _, TokenResponse as _,
};

use crate::code_flow_support::{
    App, Browser, DELEGATED, Oidc, PASSWORD, SPA_REDIRECT, WEB_POST_LOGOUT, create_customer,
    create_user, default_id_token_verifier, interactive_client, introspect_raw, jwt_claims,
    oauth_error, relying_party, tls_terminator, userinfo_raw, web_app,
};
use crate::support::{Backend, TestServer, postgres_url};

/// Who signs in, and what their tokens must say.
struct Person<'a> {
    realm: char,
    login: &'a str,
    id: String,
    name: &'a str,
    email: &'a str,
    /// `preferred_username` (users only).
    username: Option<&'a str>,
}

/// An authorization URL with PKCE, nonce and the usual scopes; returns what the app keeps.
fn authorization(
    rp: &Oidc,
    prompt: Option<CoreAuthPrompt>,
) -> (String, CsrfToken, Nonce, openidconnect::PkceCodeVerifier) {
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut req = rp
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("profile".into()))
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("offline_access".into()))
        .add_scope(Scope::new(DELEGATED.into()))
        .set_pkce_challenge(challenge);
    if let Some(p) = prompt {
        req = req.add_prompt(p);
    }
    let (url, state, nonce) = req.url();
    (url.to_string(), state, nonce, verifier)
}

/// Verifies an ID token with the library's verifier in its default configuration (RS256 only,
/// what a relying party assumes when it registered no algorithm) and checks `at_hash` against
/// the access token; returns the raw claims for the rest of the checks.
fn verify_id_token(
    verifier: &CoreIdTokenVerifier<'_>,
    id_token: &CoreIdToken,
    access_token: &AccessToken,
    nonce: impl NonceVerifier,
) -> serde_json::Value {
    let verifier = verifier.clone();
    let claims = id_token.claims(&verifier, nonce).expect("valid ID token");
    let expected = claims.access_token_hash().expect("at_hash");
    let actual = AccessTokenHash::from_token(
        access_token,
        id_token.signing_alg().unwrap(),
        id_token.signing_key(&verifier).unwrap(),
    )
    .unwrap();
    assert_eq!(&actual, expected, "at_hash must match the access token");
    assert!(claims.auth_time().is_some(), "auth_time is always present");
    jwt_claims(&id_token.to_string())
}

/// Checks an ID token's identity claims against `who`.
fn check_identity(claims: &serde_json::Value, who: &Person<'_>, app: &App, issuer: &str) {
    assert_eq!(claims["iss"], issuer);
    assert_eq!(claims["sub"], who.id.as_str());
    assert_eq!(claims["aud"], app.id.as_str());
    assert_eq!(claims["name"], who.name);
    assert_eq!(claims["email"], who.email);
    match who.username {
        Some(u) => assert_eq!(claims["preferred_username"], u),
        None => assert!(claims.get("preferred_username").is_none(), "{claims}"),
    }
    assert!(claims["sid"].as_str().is_some_and(|s| !s.is_empty()));
}

/// Redeems a code with PKCE through the library.
async fn redeem(
    s: &TestServer,
    rp: &Oidc,
    code: &str,
    verifier: openidconnect::PkceCodeVerifier,
) -> CoreTokenResponse {
    rp.exchange_code(AuthorizationCode::new(code.to_owned()))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request_async(&s.http)
        .await
        .expect("token response")
}

/// The whole life of a sign-in for a Web app at `who.realm`.
async fn web_app_flow(s: &TestServer, app: &App, who: &Person<'_>) {
    let realm = who.realm;
    let issuer = s.issuer(realm);
    // Discovery through the library's own Core type works as well.
    let core =
        CoreProviderMetadata::discover_async(IssuerUrl::new(issuer.clone()).unwrap(), &s.http)
            .await
            .unwrap();
    assert_eq!(core.issuer().as_str(), issuer);
    let (rp, md) = relying_party(s, realm, app).await;
    let ids = default_id_token_verifier(app, &md);
    assert!(
        md.additional_metadata()
            .authorization_response_iss_parameter_supported
    );
    let browser = Browser::new();

    // Sign in.
    let (url, state, nonce, verifier) = authorization(&rp, None);
    let cb = browser.sign_in(&url, who.login, PASSWORD).await;
    assert_eq!(cb.base, app.redirect);
    assert_eq!(cb.get("state"), state.secret());
    assert_eq!(cb.get("iss"), issuer, "RFC 9207 iss");
    let token = redeem(s, &rp, cb.get("code"), verifier).await;

    // The ID token, verified by the library (signature, iss, aud, exp, nonce) and at_hash.
    let id_token = token.id_token().expect("id_token for openid");
    let claims = verify_id_token(&ids, id_token, token.access_token(), &nonce);
    check_identity(&claims, who, app, &issuer);
    assert_eq!(claims["nonce"], nonce.secret().as_str());
    let header = jsonwebtoken::decode_header(id_token.to_string()).unwrap();
    assert_eq!(header.typ.as_deref(), Some("JWT"));

    // The access token: a JWT a resource server verifies against the JWKS.
    let scopes: Vec<String> = token
        .scopes()
        .unwrap()
        .iter()
        .map(|s| s.to_string())
        .collect();
    for want in ["openid", "profile", "email", "offline_access", DELEGATED] {
        assert!(scopes.iter().any(|s| s == want), "{want} not in {scopes:?}");
    }
    let at = s.verify(token.access_token().secret(), realm).await;
    assert_eq!(at["sub"], who.id.as_str());
    assert_eq!(at["client_id"], app.id.as_str());
    assert_eq!(at["actor"], if realm == 'U' { "user" } else { "customer" });
    assert!(at["scope"].as_str().unwrap().contains(DELEGATED));
    let refresh = token
        .refresh_token()
        .expect("refresh token for offline_access")
        .clone();

    // Userinfo through the library (it checks `sub` against the ID token's).
    let info: openidconnect::core::CoreUserInfoClaims = rp
        .user_info(
            token.access_token().clone(),
            Some(SubjectIdentifier::new(who.id.clone())),
        )
        .unwrap()
        .request_async(&s.http)
        .await
        .expect("userinfo");
    assert_eq!(info.email().map(|e| e.as_str()), Some(who.email));
    assert_eq!(
        info.name().and_then(|n| n.get(None)).map(|n| n.as_str()),
        Some(who.name)
    );
    assert_eq!(info.preferred_username().map(|u| u.as_str()), who.username);

    // Introspection through the library.
    let intro = rp
        .introspect(token.access_token())
        .request_async(&s.http)
        .await
        .unwrap();
    assert!(intro.active());
    assert_eq!(intro.sub(), Some(who.id.as_str()));
    assert_eq!(intro.client_id().map(|c| c.as_str()), Some(app.id.as_str()));
    let intro = rp
        .introspect(&AccessToken::new(refresh.secret().clone()))
        .request_async(&s.http)
        .await
        .unwrap();
    assert!(intro.active(), "a refresh token is active for its client");

    // Refresh: a new refresh token, a new ID token for the same sign-in.
    let refreshed = rp
        .exchange_refresh_token(&refresh)
        .unwrap()
        .request_async(&s.http)
        .await
        .expect("refresh");
    let rotated = refreshed.refresh_token().expect("rotated").clone();
    assert_ne!(rotated.secret(), refresh.secret());
    let new_claims = verify_id_token(
        &ids,
        refreshed.id_token().expect("id_token on refresh"),
        refreshed.access_token(),
        |_: Option<&Nonce>| Ok(()),
    );
    assert_eq!(new_claims["sub"], claims["sub"]);
    assert_eq!(new_claims["auth_time"], claims["auth_time"]);
    assert_eq!(
        introspect_raw(s, realm, app, refreshed.access_token().secret()).await["active"],
        true
    );
    // The old refresh token again: refused, and the whole family is revoked.
    let (err, _) = oauth_error(
        rp.exchange_refresh_token(&refresh)
            .unwrap()
            .request_async(&s.http)
            .await,
    );
    assert_eq!(err, CoreErrorResponseType::InvalidGrant);
    let (err, _) = oauth_error(
        rp.exchange_refresh_token(&rotated)
            .unwrap()
            .request_async(&s.http)
            .await,
    );
    assert_eq!(err, CoreErrorResponseType::InvalidGrant, "family revoked");
    assert_eq!(
        introspect_raw(s, realm, app, refreshed.access_token().secret()).await["active"],
        false,
        "access tokens of a revoked family are inactive"
    );
    assert_eq!(
        userinfo_raw(s, realm, refreshed.access_token().secret())
            .await
            .0,
        401
    );

    // Single sign-on: a second authorization request comes straight back with a code.
    let (url, state, nonce, verifier) = authorization(&rp, None);
    let cb = browser.authorize_silently(&url).await;
    assert_eq!(cb.get("state"), state.secret());
    assert_eq!(cb.get("iss"), issuer);
    let token = redeem(s, &rp, cb.get("code"), verifier).await;
    let sso_claims = verify_id_token(
        &ids,
        token.id_token().unwrap(),
        token.access_token(),
        &nonce,
    );
    assert_eq!(sso_claims["sid"], claims["sid"], "same session");
    assert_eq!(sso_claims["auth_time"], claims["auth_time"]);

    // Revoking the refresh token revokes the grant: refresh refused, access token inactive.
    let rt = token.refresh_token().unwrap().clone();
    rp.revoke_token(CoreRevocableToken::RefreshToken(rt.clone()))
        .unwrap()
        .request_async(&tls_terminator)
        .await
        .expect("revoke");
    let (err, _) = oauth_error(
        rp.exchange_refresh_token(&rt)
            .unwrap()
            .request_async(&s.http)
            .await,
    );
    assert_eq!(err, CoreErrorResponseType::InvalidGrant);
    let intro = rp
        .introspect(token.access_token())
        .request_async(&s.http)
        .await
        .unwrap();
    assert!(!intro.active());

    // Revoking an access token: inactive at once, userinfo refuses it; the refresh token of
    // the same grant still works.
    let (url, _, _, verifier) = authorization(&rp, None);
    let cb = browser.authorize_silently(&url).await;
    let token = redeem(s, &rp, cb.get("code"), verifier).await;
    rp.revoke_token(CoreRevocableToken::AccessToken(
        token.access_token().clone(),
    ))
    .unwrap()
    .request_async(&tls_terminator)
    .await
    .expect("revoke");
    assert_eq!(
        introspect_raw(s, realm, app, token.access_token().secret()).await["active"],
        false
    );
    assert_eq!(
        userinfo_raw(s, realm, token.access_token().secret())
            .await
            .0,
        401
    );
    rp.exchange_refresh_token(token.refresh_token().unwrap())
        .unwrap()
        .request_async(&s.http)
        .await
        .expect("the grant itself was not revoked");

    // prompt=login: the login page again even with a session; signing in makes a new session.
    let (url, _, nonce, verifier) = authorization(&rp, Some(CoreAuthPrompt::Login));
    let cb = browser.sign_in(&url, who.login, PASSWORD).await;
    let token = redeem(s, &rp, cb.get("code"), verifier).await;
    let id_token = token.id_token().unwrap().clone();
    let relogin = verify_id_token(&ids, &id_token, token.access_token(), &nonce);
    assert_ne!(
        relogin["sid"], claims["sid"],
        "a new session on every sign-in"
    );

    // RP-initiated logout from discovery's end_session_endpoint.
    let logout = LogoutRequest::from(md.additional_metadata().end_session_endpoint.clone())
        .set_id_token_hint(&id_token)
        .set_post_logout_redirect_uri(PostLogoutRedirectUrl::new(WEB_POST_LOGOUT.into()).unwrap())
        .set_state(CsrfToken::new("bye-123".into()))
        .http_get_url();
    let page = browser.get(logout.as_str()).await;
    let cb = page.callback();
    assert_eq!(cb.base, WEB_POST_LOGOUT);
    assert_eq!(cb.get("state"), "bye-123");

    // Signed out: the next authorization request shows the login page...
    let (url, _, _, _) = authorization(&rp, None);
    let page = browser.get(&url).await;
    assert_eq!(page.status, 200);
    assert!(page.try_login_form().is_some(), "{}", page.body);
    // ...and prompt=none comes back with login_required.
    let (url, state, _, _) = authorization(&rp, Some(CoreAuthPrompt::None));
    let cb = browser.get(&url).await.callback();
    assert_eq!(cb.base, app.redirect);
    assert_eq!(cb.get("error"), "login_required");
    assert_eq!(cb.get("state"), state.secret());
    assert_eq!(cb.get("iss"), issuer);
}

async fn run_users(backend: Backend) {
    let s = TestServer::start_on(backend).await;
    let id = create_user(&s, "Agent7", "a7@acme.test", "Agent Seven").await;
    let app = web_app(&s, "Agent desk").await;
    let who = Person {
        realm: 'U',
        login: "Agent7",
        id,
        name: "Agent Seven",
        email: "a7@acme.test",
        username: Some("Agent7"),
    };
    web_app_flow(&s, &app, &who).await;
    // The email address is a sign-in name at -U too.
    let (rp, _) = relying_party(&s, 'U', &app).await;
    let (url, _, _, verifier) = authorization(&rp, None);
    let cb = Browser::new().sign_in(&url, "a7@acme.test", PASSWORD).await;
    let token = redeem(&s, &rp, cb.get("code"), verifier).await;
    assert_eq!(
        jwt_claims(token.access_token().secret())["sub"],
        who.id.as_str()
    );
}

async fn run_customers(backend: Backend) {
    let s = TestServer::start_on(backend).await;
    let id = create_customer(&s, "c7@example.test", "Cleo Seven").await;
    let app = web_app(&s, "Customer portal").await;
    let who = Person {
        realm: 'C',
        login: "c7@example.test",
        id,
        name: "Cleo Seven",
        email: "c7@example.test",
        username: None,
    };
    web_app_flow(&s, &app, &who).await;
}

/// A SPA: PKCE and no secret, refresh with `client_id` only, its origin allowed by CORS.
async fn run_spa(backend: Backend) {
    let s = TestServer::start_on(backend).await;
    let id = create_user(&s, "Agent8", "a8@acme.test", "Agent Eight").await;
    let app = interactive_client(&s, "Agent SPA", "spa", SPA_REDIRECT, &[], &[DELEGATED]).await;
    assert!(app.secret.is_none());
    let (rp, md) = relying_party(&s, 'U', &app).await;
    let ids = default_id_token_verifier(&app, &md);
    let browser = Browser::new();
    let (url, state, nonce, verifier) = authorization(&rp, None);
    let cb = browser.sign_in(&url, "Agent8", PASSWORD).await;
    assert_eq!(cb.base, SPA_REDIRECT);
    assert_eq!(cb.get("state"), state.secret());
    let token = redeem(&s, &rp, cb.get("code"), verifier).await;
    let claims = verify_id_token(
        &ids,
        token.id_token().unwrap(),
        token.access_token(),
        &nonce,
    );
    assert_eq!(claims["sub"], id.as_str());
    assert_eq!(claims["aud"], app.id.as_str());
    let refreshed = rp
        .exchange_refresh_token(token.refresh_token().unwrap())
        .unwrap()
        .request_async(&s.http)
        .await
        .expect("a SPA refreshes with its client_id");
    assert!(refreshed.refresh_token().is_some());
    // A SPA revokes with its client_id too.
    rp.revoke_token(CoreRevocableToken::RefreshToken(
        refreshed.refresh_token().unwrap().clone(),
    ))
    .unwrap()
    .request_async(&tls_terminator)
    .await
    .expect("revoke");
    let (err, _) = oauth_error(
        rp.exchange_refresh_token(refreshed.refresh_token().unwrap())
            .unwrap()
            .request_async(&s.http)
            .await,
    );
    assert_eq!(err, CoreErrorResponseType::InvalidGrant);

    // Without PKCE the request goes back with invalid_request.
    let (url, _, _) = rp
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            || CsrfToken::new("no-pkce".into()),
            Nonce::new_random,
        )
        .url();
    let cb = browser.get(url.as_str()).await.callback();
    assert_eq!(cb.base, SPA_REDIRECT);
    assert_eq!(cb.get("error"), "invalid_request");
    assert_eq!(cb.get("state"), "no-pkce");
    assert!(cb.get("error_description").contains("PKCE"));
}

#[tokio::test]
async fn web_app_signs_in_a_user() {
    run_users(Backend::Sqlite).await;
}

#[tokio::test]
async fn web_app_signs_in_a_user_on_postgres() {
    if postgres_url().is_some() {
        run_users(Backend::Postgres).await;
    }
}

#[tokio::test]
async fn web_app_signs_in_a_customer() {
    run_customers(Backend::Sqlite).await;
}

#[tokio::test]
async fn web_app_signs_in_a_customer_on_postgres() {
    if postgres_url().is_some() {
        run_customers(Backend::Postgres).await;
    }
}

#[tokio::test]
async fn spa_uses_pkce_without_a_secret() {
    run_spa(Backend::Sqlite).await;
}

#[tokio::test]
async fn spa_uses_pkce_without_a_secret_on_postgres() {
    if postgres_url().is_some() {
        run_spa(Backend::Postgres).await;
    }
}
