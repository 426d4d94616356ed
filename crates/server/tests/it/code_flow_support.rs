//! What the interactive-flow tests share: a test "browser" (a `reqwest` client with a cookie jar
//! that does not follow redirects, and reads Tessera's login page the way a person's browser
//! would submit it), accounts and client applications made through the admin API, and an
//! `openidconnect` relying party built from the realm's discovery document.

use std::collections::HashMap;

use openidconnect::core::{
    CoreAuthDisplay, CoreClaimName, CoreClaimType, CoreClient, CoreClientAuthMethod,
    CoreErrorResponseType, CoreGrantType, CoreIdTokenVerifier, CoreJsonWebKey,
    CoreJweContentEncryptionAlgorithm, CoreJweKeyManagementAlgorithm, CoreResponseMode,
    CoreResponseType, CoreSubjectIdentifierType,
};
use openidconnect::{
    AdditionalProviderMetadata, ClientId, ClientSecret, EndSessionUrl, EndpointMaybeSet,
    EndpointNotSet, EndpointSet, IntrospectionUrl, IssuerUrl, ProviderMetadata, RedirectUrl,
    RequestTokenError, RevocationUrl,
};
use reqwest::Method;
use reqwest::header::{HeaderMap, LOCATION};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::support::TestServer;

/// The Web app's redirect URL (as in the `serve --dev` demo client).
pub const WEB_REDIRECT: &str = "http://127.0.0.1:8081/callback";
/// The Web app's post-logout redirect URL.
pub const WEB_POST_LOGOUT: &str = "http://127.0.0.1:8081/";
/// The SPA's redirect URL.
pub const SPA_REDIRECT: &str = "http://127.0.0.1:5173/callback.html";
/// The SPA's origin.
pub const SPA_ORIGIN: &str = "http://127.0.0.1:5173";
/// The delegated permission the interactive clients are assigned.
pub const DELEGATED: &str = "knowledge.portalmgr.read";
/// Every test account's password.
pub const PASSWORD: &str = "a-long-password";

// ---------------------------------------------------------------------------------------------
// The browser.

/// A browser: a cookie jar, no automatic redirects.
pub struct Browser {
    pub http: reqwest::Client,
}

/// One response as the browser saw it.
#[derive(Debug)]
pub struct Page {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: String,
}

/// The login form on a page: where it posts and its hidden fields.
#[derive(Debug, Clone)]
pub struct LoginForm {
    pub action: String,
    pub request: String,
    pub csrf: String,
}

/// The redirect back to a client: its address without query, and the query parameters.
#[derive(Debug)]
pub struct Callback {
    pub base: String,
    pub params: HashMap<String, String>,
}

impl Callback {
    /// A parameter the redirect must carry.
    pub fn get(&self, name: &str) -> &str {
        self.params
            .get(name)
            .unwrap_or_else(|| panic!("the redirect has no {name}: {:?}", self.params))
    }
}

impl Browser {
    pub fn new() -> Self {
        Self {
            http: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
        }
    }

    async fn page(resp: reqwest::Response) -> Page {
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp.text().await.unwrap();
        Page {
            status,
            headers,
            body,
        }
    }

    /// GETs `url`.
    pub async fn get(&self, url: &str) -> Page {
        Self::page(self.http.get(url).send().await.unwrap()).await
    }

    /// Submits `form` with these credentials (and the form's own hidden fields).
    pub async fn submit(&self, form: &LoginForm, login: &str, password: &str) -> Page {
        self.post_form(
            &form.action,
            &[
                ("request", form.request.as_str()),
                ("csrf", form.csrf.as_str()),
                ("username", login),
                ("password", password),
            ],
        )
        .await
    }

    /// POSTs form fields to `url`.
    pub async fn post_form(&self, url: &str, fields: &[(&str, &str)]) -> Page {
        Self::page(self.http.post(url).form(fields).send().await.unwrap()).await
    }

    /// Opens the authorization URL, which must show the login page, and signs in; returns the
    /// redirect back to the client.
    pub async fn sign_in(&self, auth_url: &str, login: &str, password: &str) -> Callback {
        let page = self.get(auth_url).await;
        assert_eq!(page.status, 200, "expected the login page: {}", page.body);
        let form = page.login_form();
        let done = self.submit(&form, login, password).await;
        assert_eq!(
            done.status,
            303,
            "sign-in did not redirect: {:?}",
            done.alert()
        );
        done.callback()
    }

    /// Opens the authorization URL with a live session: must redirect straight back.
    pub async fn authorize_silently(&self, auth_url: &str) -> Callback {
        let page = self.get(auth_url).await;
        assert_eq!(
            page.status, 303,
            "expected a redirect with a code: {}",
            page.body
        );
        page.callback()
    }
}

/// The attributes of the first `<tag ...>` of `html` whose attributes satisfy `want`.
fn find_tag(
    html: &str,
    tag: &str,
    want: impl Fn(&HashMap<String, String>) -> bool,
) -> Option<HashMap<String, String>> {
    let open = format!("<{tag}");
    let mut rest = html;
    while let Some(i) = rest.find(&open) {
        let after = &rest[i + open.len()..];
        let end = after.find('>')?;
        let attrs = parse_attrs(&after[..end]);
        if want(&attrs) {
            return Some(attrs);
        }
        rest = &after[end..];
    }
    None
}

/// `name="value"` pairs of a tag (double-quoted values, as Tessera writes them), unescaped.
fn parse_attrs(s: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let mut rest = s.trim_start();
    while !rest.is_empty() {
        let name_end = rest
            .find(|c: char| c == '=' || c.is_whitespace())
            .unwrap_or(rest.len());
        let name = rest[..name_end].to_owned();
        rest = &rest[name_end..];
        if let Some(r) = rest.strip_prefix("=\"") {
            let close = r.find('"').expect("closing quote");
            out.insert(name, unescape(&r[..close]));
            rest = r[close + 1..].trim_start();
        } else {
            out.insert(name, String::new());
            rest = rest.trim_start();
        }
    }
    out
}

/// Reverses Tessera's HTML escaping.
pub fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

impl Page {
    /// The login form; panics when the page has none.
    pub fn login_form(&self) -> LoginForm {
        self.try_login_form()
            .unwrap_or_else(|| panic!("no login form on the page ({}): {}", self.status, self.body))
    }

    /// The login form, if the page is the login page.
    pub fn try_login_form(&self) -> Option<LoginForm> {
        let form = find_tag(&self.body, "form", |a| {
            a.get("method").map(String::as_str) == Some("post")
        })?;
        let hidden = |name: &str| {
            find_tag(&self.body, "input", |a| {
                a.get("name").map(String::as_str) == Some(name)
            })
            .and_then(|a| a.get("value").cloned())
        };
        // The visible inputs the contract promises.
        find_tag(&self.body, "input", |a| {
            a.get("id").map(String::as_str) == Some("username")
                && a.get("name").map(String::as_str) == Some("username")
        })?;
        find_tag(&self.body, "input", |a| {
            a.get("id").map(String::as_str) == Some("password")
                && a.get("type").map(String::as_str) == Some("password")
        })?;
        Some(LoginForm {
            action: form.get("action")?.clone(),
            request: hidden("request")?,
            csrf: hidden("csrf")?,
        })
    }

    /// The text of the `role="alert"` paragraph, if any.
    pub fn alert(&self) -> Option<String> {
        let start = self.body.find("role=\"alert\">")? + "role=\"alert\">".len();
        let len = self.body[start..].find("</p>")?;
        Some(unescape(&self.body[start..start + len]))
    }

    /// The `Location` header.
    pub fn location(&self) -> Option<&str> {
        self.headers.get(LOCATION).map(|v| v.to_str().unwrap())
    }

    /// A header's value ("" when absent).
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .map_or("", |v| v.to_str().unwrap_or_default())
    }

    /// The redirect this page is (303 with a `Location`), parsed.
    pub fn callback(&self) -> Callback {
        assert_eq!(self.status, 303, "not a redirect: {}", self.body);
        let url = url::Url::parse(self.location().expect("Location")).unwrap();
        let params = url.query_pairs().into_owned().collect();
        let mut base = url.clone();
        base.set_query(None);
        Callback {
            base: base.to_string(),
            params,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Accounts and client applications.

/// Creates an enabled user; returns its id.
pub async fn create_user(s: &TestServer, username: &str, email: &str, name: &str) -> String {
    create_user_with(s, username, email, name, true).await
}

/// Creates a user, enabled or not; returns its id.
pub async fn create_user_with(
    s: &TestServer,
    username: &str,
    email: &str,
    name: &str,
    enabled: bool,
) -> String {
    let (st, u) = s
        .admin_json(
            Method::POST,
            "/users",
            Some(
                json!({"username": username, "email": email, "display_name": name,
                "password": PASSWORD, "enabled": enabled}),
            ),
        )
        .await;
    assert_eq!(st, 201, "{u}");
    u["id"].as_str().unwrap().to_owned()
}

/// Creates a customer; returns its id.
pub async fn create_customer(s: &TestServer, email: &str, name: &str) -> String {
    let (st, c) = s
        .admin_json(
            Method::POST,
            "/customers",
            Some(json!({"email": email, "display_name": name, "password": PASSWORD})),
        )
        .await;
    assert_eq!(st, 201, "{c}");
    c["id"].as_str().unwrap().to_owned()
}

/// A registered interactive client.
#[derive(Debug, Clone)]
pub struct App {
    pub id: String,
    pub secret: Option<String>,
    pub redirect: String,
}

/// Registers a client application for the code flow; a Web app also gets a secret.
pub async fn interactive_client(
    s: &TestServer,
    name: &str,
    platform: &str,
    redirect: &str,
    post_logout: &[&str],
    permissions: &[&str],
) -> App {
    let (st, c) = s
        .admin_json(
            Method::POST,
            "/client-applications",
            Some(
                json!({"name": name, "platform": platform, "redirect_urls": [redirect],
                "post_logout_redirect_urls": post_logout}),
            ),
        )
        .await;
    assert_eq!(st, 201, "{c}");
    let id = c["client_id"].as_str().unwrap().to_owned();
    let (st, b) = s
        .admin_json(
            Method::PUT,
            &format!("/client-applications/{id}/permissions"),
            Some(json!({"permissions": permissions})),
        )
        .await;
    assert_eq!(st, 200, "{b}");
    let secret = if platform == "web" {
        let (st, sec) = s
            .admin_json(
                Method::POST,
                &format!("/client-applications/{id}/secrets"),
                Some(json!({"name": "test"})),
            )
            .await;
        assert_eq!(st, 201, "{sec}");
        Some(sec["value"].as_str().unwrap().to_owned())
    } else {
        None
    };
    App {
        id,
        secret,
        redirect: redirect.to_owned(),
    }
}

/// The usual Web app: [`WEB_REDIRECT`], [`WEB_POST_LOGOUT`], the delegated permission.
pub async fn web_app(s: &TestServer, name: &str) -> App {
    interactive_client(
        s,
        name,
        "web",
        WEB_REDIRECT,
        &[WEB_POST_LOGOUT],
        &[DELEGATED],
    )
    .await
}

/// An admin API call on another partition (made with [`TestServer::other_partition`]).
pub async fn admin_json_in(
    s: &TestServer,
    partition: &str,
    created: &tessera_server::provision::Created,
    method: Method,
    path: &str,
    body: Value,
) -> (u16, Value) {
    let resp = s
        .client_credentials_at(
            &format!("{}/system/auth/{partition}-U/oauth2/token", s.base),
            &created.automation_client_id,
            &created.automation_client_secret,
            "app.core.admin.manage",
        )
        .await;
    assert_eq!(resp.status(), 200);
    let token = resp.json::<Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let resp = s
        .http
        .request(
            method,
            format!("{}/admin/api/v1/partitions/{partition}{path}", s.base),
        )
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap())
}

// ---------------------------------------------------------------------------------------------
// The relying party.

/// Discovery fields beyond OpenID Connect Core that the tests use.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct MoreEndpoints {
    pub end_session_endpoint: EndSessionUrl,
    pub revocation_endpoint: RevocationUrl,
    pub introspection_endpoint: IntrospectionUrl,
    pub authorization_response_iss_parameter_supported: bool,
    pub code_challenge_methods_supported: Vec<String>,
}
impl AdditionalProviderMetadata for MoreEndpoints {}

/// Tessera's discovery document as `openidconnect` reads it.
pub type Metadata = ProviderMetadata<
    MoreEndpoints,
    CoreAuthDisplay,
    CoreClientAuthMethod,
    CoreClaimName,
    CoreClaimType,
    CoreGrantType,
    CoreJweContentEncryptionAlgorithm,
    CoreJweKeyManagementAlgorithm,
    CoreJsonWebKey,
    CoreResponseMode,
    CoreResponseType,
    CoreSubjectIdentifierType,
>;

/// A client built from discovery, with revocation and introspection configured.
pub type Oidc = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointSet,
    EndpointSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// Discovers the realm (`'U'` or `'C'`).
pub async fn discover(s: &TestServer, realm: char) -> Metadata {
    Metadata::discover_async(IssuerUrl::new(s.issuer(realm)).unwrap(), &s.http)
        .await
        .unwrap()
}

/// The relying party of `app` at the realm, from discovery.
pub async fn relying_party(s: &TestServer, realm: char, app: &App) -> (Oidc, Metadata) {
    let md = discover(s, realm).await;
    let client = CoreClient::from_provider_metadata(
        md.clone(),
        ClientId::new(app.id.clone()),
        app.secret.clone().map(ClientSecret::new),
    )
    .set_redirect_uri(RedirectUrl::new(app.redirect.clone()).unwrap())
    .set_revocation_url(as_https(&md.additional_metadata().revocation_endpoint))
    .set_introspection_url(md.additional_metadata().introspection_endpoint.clone());
    (client, md)
}

/// The library's ID token verifier for `app` in its default configuration: the realm's keys
/// from discovery, and no allowed-algorithm list, so only RS256 is accepted — what a relying
/// party that registered no `id_token_signed_response_alg` expects (OIDC Core §15.1).
pub fn default_id_token_verifier(app: &App, md: &Metadata) -> CoreIdTokenVerifier<'static> {
    let id = ClientId::new(app.id.clone());
    let issuer = md.issuer().clone();
    let keys = md.jwks().clone();
    match &app.secret {
        Some(secret) => CoreIdTokenVerifier::new_confidential_client(
            id,
            ClientSecret::new(secret.clone()),
            issuer,
            keys,
        ),
        None => CoreIdTokenVerifier::new_public_client(id, issuer, keys),
    }
}

/// The `oauth2` crate refuses a revocation endpoint that is not https (RFC 7009 §2), and the
/// test server speaks plain http: the client is given the https address and sends revocation
/// requests through [`tls_terminator`], which plays the TLS-terminating proxy in front of
/// Tessera.
fn as_https(url: &RevocationUrl) -> RevocationUrl {
    let url = url.as_str();
    assert!(url.starts_with("http://"), "{url}");
    RevocationUrl::new(url.replacen("http://", "https://", 1)).unwrap()
}

/// An HTTP client for `openidconnect` requests to the https addresses of [`as_https`]: sends
/// them to the test server over plain http.
pub async fn tls_terminator(
    mut request: openidconnect::HttpRequest,
) -> Result<openidconnect::HttpResponse, openidconnect::HttpClientError<reqwest::Error>> {
    use openidconnect::AsyncHttpClient as _;
    let plain = request.uri().to_string().replacen("https://", "http://", 1);
    *request.uri_mut() = plain.parse().unwrap();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    http.call(request).await
}

/// The OAuth error code of a failed token request.
pub fn oauth_error<T: std::fmt::Debug>(
    result: Result<
        T,
        RequestTokenError<
            openidconnect::HttpClientError<reqwest::Error>,
            openidconnect::StandardErrorResponse<CoreErrorResponseType>,
        >,
    >,
) -> (CoreErrorResponseType, String) {
    match result {
        Err(RequestTokenError::ServerResponse(e)) => (
            e.error().clone(),
            e.error_description().cloned().unwrap_or_default(),
        ),
        other => panic!("expected an OAuth error response, got {other:?}"),
    }
}

/// The claims of a JWT, unverified (for claims the typed libraries do not expose).
pub fn jwt_claims(token: &str) -> Value {
    use base64::Engine as _;
    let payload = token.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

/// POSTs to the realm's token endpoint with a raw form (and optional Basic credentials).
pub async fn token_request(
    s: &TestServer,
    realm: char,
    app: &App,
    form: &[(&str, &str)],
) -> (u16, Value) {
    let mut req = s
        .http
        .post(format!("{}/oauth2/token", s.issuer(realm)))
        .form(form);
    if let Some(secret) = &app.secret {
        req = req.basic_auth(&app.id, Some(secret));
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap())
}

/// Introspects `token` at the realm as the Web app `app`.
pub async fn introspect_raw(s: &TestServer, realm: char, app: &App, token: &str) -> Value {
    let resp = s
        .http
        .post(format!("{}/oauth2/introspect", s.issuer(realm)))
        .basic_auth(&app.id, app.secret.as_deref())
        .form(&[("token", token)])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    resp.json().await.unwrap()
}

/// Calls the realm's userinfo endpoint with `token`; returns status and body.
pub async fn userinfo_raw(s: &TestServer, realm: char, token: &str) -> (u16, String) {
    let resp = s
        .http
        .get(format!("{}/oauth2/userinfo", s.issuer(realm)))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}
