//! Token exchange (RFC 8693) with an external identity provider served on a loopback socket:
//! the success path and every refusal the issue lists. The providers run on 127.0.0.1, so these
//! servers set the development switch `[federation] allow_loopback`.

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::Method;
use serde_json::{Value, json};
use tessera_domain::signing_key::SigningAlg;
use tessera_oauth_types::JwkSet;
use tessera_server::crypto::jwt::JwsKey;
use tessera_server::crypto::signing::{Signer, generate};

use crate::support::{Backend, TestServer, postgres_url};

/// A server that may fetch keys from loopback, where these tests run their providers.
pub async fn start_allowing_loopback(backend: Backend) -> TestServer {
    TestServer::start_with(backend, |c| c.federation.allow_loopback = true).await
}

pub const ISS: &str = "https://idp.example.test";
pub const AUD: &str = "api://tessera";
const TE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
const AT: &str = "urn:ietf:params:oauth:token-type:access_token";

/// An external provider: a signing key, its JWKS on a loopback server, and a key it does not publish.
pub struct Idp {
    pub key: JwsKey,
    stranger: JwsKey,
    pub jwks_uri: String,
    public: Value,
}

pub async fn idp() -> Idp {
    let g = generate(SigningAlg::ES256, "idp-1").unwrap();
    let key = JwsKey::new(
        "idp-1".into(),
        Signer::from_pkcs8(SigningAlg::ES256, &g.pkcs8).unwrap(),
        "JWT",
    );
    let s = generate(SigningAlg::ES256, "idp-2").unwrap();
    let stranger = JwsKey::new(
        "idp-2".into(),
        Signer::from_pkcs8(SigningAlg::ES256, &s.pkcs8).unwrap(),
        "JWT",
    );
    let set = Arc::new(JwkSet {
        keys: vec![g.jwk.clone()],
    });
    let app = axum::Router::new().route(
        "/jwks",
        axum::routing::get(move || {
            let set = set.clone();
            async move { axum::Json((*set).clone()) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Idp {
        key,
        stranger,
        jwks_uri: format!("http://{addr}/jwks"),
        public: serde_json::to_value(&g.jwk).unwrap(),
    }
}

fn now() -> i64 {
    i64::try_from(jsonwebtoken::get_current_timestamp()).unwrap()
}

/// A provider token for `email`, which the provider says it verified.
pub fn claims(email: &str) -> Value {
    json!({"iss": ISS, "aud": AUD, "sub": "ext-123", "email": email, "email_verified": true, "iat": now(), "exp": now() + 300})
}

pub async fn exchange(
    s: &TestServer,
    url: &str,
    id: &str,
    secret: &str,
    token: &str,
    registration: &str,
) -> (u16, Value) {
    exchange_with(s, url, id, secret, token, registration, None).await
}

/// [`exchange`] with a `scope` parameter when `scope` is given.
async fn exchange_with(
    s: &TestServer,
    url: &str,
    id: &str,
    secret: &str,
    token: &str,
    registration: &str,
    scope: Option<&str>,
) -> (u16, Value) {
    let mut form = vec![
        ("grant_type", TE),
        ("subject_token", token),
        ("subject_token_type", AT),
        ("registration_id", registration),
    ];
    if let Some(scope) = scope {
        form.push(("scope", scope));
    }
    let resp = s
        .http
        .post(url)
        .basic_auth(id, Some(secret))
        .form(&form)
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

#[tokio::test]
async fn token_exchange_success_and_refusals() {
    run_token_exchange(Backend::Sqlite).await;
}

#[tokio::test]
async fn token_exchange_on_postgres() {
    if postgres_url().is_some() {
        run_token_exchange(Backend::Postgres).await;
    }
}

async fn run_token_exchange(backend: Backend) {
    let s = start_allowing_loopback(backend).await;
    let idp = idp().await;
    let (st, reg) = s
        .admin_json(Method::POST, "/identity-providers", Some(json!({"name":"Okta","issuer":ISS,"jwks_uri":idp.jwks_uri,"audiences":[AUD],"realm":"users","match_claim":"email","match_attribute":"email"})))
        .await;
    assert_eq!(st, 201, "{reg}");
    let reg_id = reg["id"].as_str().unwrap().to_owned();
    let (st, user) = s.admin_json(Method::POST, "/users", Some(json!({"username":"sso1","email":"sso1@acme.test","display_name":"SSO One","password":"a-long-password"}))).await;
    assert_eq!(st, 201);
    let (id, secret) = s
        .web_client(
            "SSO bridge",
            &[
                "knowledge.portalmgr.read",
                "knowledge.portalmgr.manage",
                "app.core.usermgr.read",
            ],
        )
        .await;
    let (st, _) = s
        .admin_json(
            Method::PATCH,
            &format!("/client-applications/{id}"),
            Some(json!({"token_exchange_enabled": true, "access_token_ttl": 1200})),
        )
        .await;
    assert_eq!(st, 200);
    let url = s.token_url();

    // Success: no scope → every assigned delegated permission; the client's lifetime; `idp`.
    let good = idp.key.sign(&claims("SSO1@acme.test")).unwrap();
    let (st, t) = exchange(&s, &url, &id, &secret, &good, &reg_id).await;
    assert_eq!(st, 200, "{t}");
    assert_eq!(t["issued_token_type"], AT);
    assert_eq!(t["expires_in"], 1200);
    assert_eq!(
        t["scope"],
        "knowledge.portalmgr.manage knowledge.portalmgr.read"
    );
    let c = s.verify(t["access_token"].as_str().unwrap(), 'U').await;
    assert_eq!(
        (c["sub"].as_str(), c["actor"].as_str(), c["idp"].as_str()),
        (user["id"].as_str(), Some("user"), Some(reg_id.as_str()))
    );

    // Refusals, each naming its reason.
    let mut wrong_aud = claims("sso1@acme.test");
    wrong_aud["aud"] = json!("api://other");
    let mut wrong_iss = claims("sso1@acme.test");
    wrong_iss["iss"] = json!("https://evil.example");
    let mut expired = claims("sso1@acme.test");
    expired["exp"] = json!(now() - 600);
    let header_none = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let body = URL_SAFE_NO_PAD.encode(claims("sso1@acme.test").to_string());
    let alg_none = format!("{header_none}.{body}.");
    // HS256 "signed" with the provider's public key bytes: the classic algorithm-confusion attack.
    let hs = jsonwebtoken::encode(
        &jsonwebtoken::Header {
            kid: Some("idp-1".into()),
            ..jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256)
        },
        &claims("sso1@acme.test"),
        &jsonwebtoken::EncodingKey::from_secret(idp.public.to_string().as_bytes()),
    )
    .unwrap();
    let cases: Vec<(String, &str, &str)> = vec![
        (
            idp.key.sign(&wrong_aud).unwrap(),
            "invalid_grant",
            "audience",
        ),
        (idp.key.sign(&wrong_iss).unwrap(), "invalid_grant", "issuer"),
        (idp.key.sign(&expired).unwrap(), "invalid_grant", "expired"),
        (
            idp.stranger.sign(&claims("sso1@acme.test")).unwrap(),
            "invalid_grant",
            "does not publish",
        ),
        (alg_none, "invalid_grant", "not a valid JWT"),
        (hs, "invalid_grant", "not allowed"),
        (
            idp.key.sign(&claims("nobody@acme.test")).unwrap(),
            "invalid_grant",
            "no enabled account",
        ),
        ("garbage".into(), "invalid_grant", "not a valid JWT"),
    ];
    for (token, error, text) in cases {
        let (st, v) = exchange(&s, &url, &id, &secret, &token, &reg_id).await;
        assert_eq!((st, v["error"].as_str()), (400, Some(error)), "{text}: {v}");
        let d = v["error_description"].as_str().unwrap();
        assert!(d.contains(text), "{text}: {d}");
        assert!(
            !d.contains(idp.public["x"].as_str().unwrap()),
            "no key material in errors"
        );
    }
    // A customers-realm provider: exchanged at -C for the customer, refused at -U.
    let (st, creg) = s
        .admin_json(Method::POST, "/identity-providers", Some(json!({"name":"Customer SSO","issuer":ISS,"jwks_uri":idp.jwks_uri,"audiences":[AUD],"realm":"customers"})))
        .await;
    assert_eq!(st, 201, "{creg}");
    let (st, customer) = s.admin_json(Method::POST, "/customers", Some(json!({"email":"cust@example.test","display_name":"Cust","password":"a-long-password"}))).await;
    assert_eq!(st, 201);
    let ctoken = idp.key.sign(&claims("cust@example.test")).unwrap();
    let creg_id = creg["id"].as_str().unwrap();
    let (st, t) = exchange(
        &s,
        &format!("{}/oauth2/token", s.issuer('C')),
        &id,
        &secret,
        &ctoken,
        creg_id,
    )
    .await;
    assert_eq!(st, 200, "{t}");
    let c = s.verify(t["access_token"].as_str().unwrap(), 'C').await;
    assert_eq!(
        (c["sub"].as_str(), c["actor"].as_str()),
        (customer["id"].as_str(), Some("customer"))
    );
    let (st, v) = exchange(&s, &url, &id, &secret, &ctoken, creg_id).await;
    assert_eq!(
        (st, v["error"].as_str()),
        (400, Some("invalid_request")),
        "{v}"
    );
    // Unknown registration, a registration of another partition, the client switch off.
    let (st, v) = exchange(
        &s,
        &url,
        &id,
        &secret,
        &good,
        "00000000-0000-0000-0000-000000000000",
    )
    .await;
    assert_eq!(
        (st, v["error"].as_str()),
        (400, Some("invalid_request")),
        "{v}"
    );
    let beta = s.other_partition("beta").await;
    let beta_token: Value = s
        .client_credentials_at(
            &format!("{}/system/auth/beta-U/oauth2/token", s.base),
            &beta.automation_client_id,
            &beta.automation_client_secret,
            "app.core.admin.manage",
        )
        .await
        .json()
        .await
        .unwrap();
    let beta_reg: Value = s
        .http
        .post(format!(
            "{}/admin/api/v1/partitions/beta/identity-providers",
            s.base
        ))
        .bearer_auth(beta_token["access_token"].as_str().unwrap())
        .json(&json!({"name":"Okta","issuer":ISS,"jwks_uri":idp.jwks_uri,"audiences":[AUD]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let (st, v) = exchange(
        &s,
        &url,
        &id,
        &secret,
        &good,
        beta_reg["id"].as_str().unwrap(),
    )
    .await;
    assert_eq!(
        (st, v["error"].as_str()),
        (400, Some("invalid_request")),
        "{v}"
    );
    let (st, _) = s
        .admin_json(
            Method::PATCH,
            &format!("/client-applications/{id}"),
            Some(json!({"token_exchange_enabled": false})),
        )
        .await;
    assert_eq!(st, 200);
    let (st, v) = exchange(&s, &url, &id, &secret, &good, &reg_id).await;
    assert_eq!(
        (st, v["error"].as_str()),
        (400, Some("unauthorized_client")),
        "{v}"
    );
}

/// A second Tessera partition as the external identity provider: its real tokens, verified
/// against its real JWKS over HTTP. Tessera's access tokens carry no email, so the registration
/// matches the token's `sub` (beta's client id) to an acme username.
#[tokio::test]
async fn another_tessera_partition_as_identity_provider() {
    let s = start_allowing_loopback(Backend::Sqlite).await;
    let beta = s.other_partition("beta").await;
    let beta_issuer = format!("{}/system/auth/beta-U", s.base);
    let (st, reg) = s
        .admin_json(
            Method::POST,
            "/identity-providers",
            Some(json!({"name":"Beta","issuer":beta_issuer,"jwks_uri":format!("{beta_issuer}/oauth2/keys"),
                "audiences":[format!("{}/admin/api", s.base)],"realm":"users","match_claim":"sub","match_attribute":"username"})),
        )
        .await;
    assert_eq!(st, 201, "{reg}");
    let (st, user) = s
        .admin_json(Method::POST, "/users", Some(json!({"username": beta.automation_client_id, "email":"bridge@acme.test","display_name":"Beta bridge","password":"a-long-password"})))
        .await;
    assert_eq!(st, 201, "{user}");
    let (id, secret) = s
        .token_exchange_client("Beta bridge", &["knowledge.portalmgr.read"])
        .await;
    let external: Value = s
        .client_credentials_at(
            &format!("{beta_issuer}/oauth2/token"),
            &beta.automation_client_id,
            &beta.automation_client_secret,
            "app.core.admin.manage",
        )
        .await
        .json()
        .await
        .unwrap();
    let external = external["access_token"].as_str().unwrap();
    let (st, t) = exchange(
        &s,
        &s.token_url(),
        &id,
        &secret,
        external,
        reg["id"].as_str().unwrap(),
    )
    .await;
    assert_eq!(st, 200, "{t}");
    let c = s.verify(t["access_token"].as_str().unwrap(), 'U').await;
    assert_eq!(c["sub"], user["id"]);
    assert_eq!(c["tenant"], "acme");
    assert_eq!(c["scope"], "knowledge.portalmgr.read");
    // After beta rotates its keys, a token from its new key is fetched and accepted.
    let beta_admin: Value = s
        .client_credentials_at(
            &format!("{beta_issuer}/oauth2/token"),
            &beta.automation_client_id,
            &beta.automation_client_secret,
            "app.core.admin.manage",
        )
        .await
        .json()
        .await
        .unwrap();
    let resp = s
        .http
        .post(format!(
            "{}/admin/api/v1/partitions/beta/signing-keys/rotate",
            s.base
        ))
        .bearer_auth(beta_admin["access_token"].as_str().unwrap())
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let rotated: Value = s
        .client_credentials_at(
            &format!("{beta_issuer}/oauth2/token"),
            &beta.automation_client_id,
            &beta.automation_client_secret,
            "app.core.admin.manage",
        )
        .await
        .json()
        .await
        .unwrap();
    let (st, t) = exchange(
        &s,
        &s.token_url(),
        &id,
        &secret,
        rotated["access_token"].as_str().unwrap(),
        reg["id"].as_str().unwrap(),
    )
    .await;
    assert_eq!(st, 200, "{t}");
}

/// `node e2e/oidc-provider/server.mjs`, killed when dropped.
struct NodeIdp {
    child: std::process::Child,
    issuer: String,
}

impl Drop for NodeIdp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the third-party provider, or `None` (skip) where its npm packages are not installed
/// outside CI. `.ci/run` installs them, and in CI their absence fails the test.
fn start_oidc_provider() -> Option<NodeIdp> {
    use std::io::BufRead as _;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../e2e/oidc-provider");
    if !dir.join("node_modules/oidc-provider").exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "e2e/oidc-provider has no node_modules: run `npm ci --prefix e2e/oidc-provider` (.ci/run does)"
        );
        eprintln!(
            "skipping: e2e/oidc-provider is not installed (npm ci --prefix e2e/oidc-provider)"
        );
        return None;
    }
    let mut child = std::process::Command::new("node")
        .arg("server.mjs")
        .current_dir(&dir)
        .env("PORT", "0")
        .env("SUBJECT_EMAIL", "sso2@acme.test")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("node is installed");
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    std::io::BufReader::new(stdout)
        .read_line(&mut line)
        .unwrap();
    let issuer = line
        .trim()
        .strip_prefix("listening ")
        .unwrap_or_else(|| panic!("unexpected output: {line}"))
        .to_owned();
    Some(NodeIdp { child, issuer })
}

/// panva/oidc-provider, a widely used OpenID provider, issues a JWT access token to a client
/// (obtained with the `oauth2` crate), and Tessera exchanges it.
#[tokio::test]
async fn oidc_provider_tokens_are_exchanged() {
    use oauth2::basic::BasicClient;
    use oauth2::{ClientId, ClientSecret, Scope, TokenResponse as _, TokenUrl};
    let Some(op) = start_oidc_provider() else {
        return;
    };
    let s = start_allowing_loopback(Backend::Sqlite).await;
    let (st, reg) = s
        .admin_json(Method::POST, "/identity-providers", Some(json!({"name":"oidc-provider","issuer":op.issuer,"jwks_uri":format!("{}/jwks", op.issuer),"audiences":[AUD]})))
        .await;
    assert_eq!(st, 201, "{reg}");
    let (st, user) = s.admin_json(Method::POST, "/users", Some(json!({"username":"sso2","email":"sso2@acme.test","display_name":"SSO Two","password":"a-long-password"}))).await;
    assert_eq!(st, 201);
    let (id, secret) = s
        .token_exchange_client("OP bridge", &["knowledge.portalmgr.read"])
        .await;
    let op_client = BasicClient::new(ClientId::new("svc".into()))
        .set_client_secret(ClientSecret::new("svc-secret".into()))
        .set_token_uri(TokenUrl::new(format!("{}/token", op.issuer)).unwrap());
    let external = op_client
        .exchange_client_credentials()
        .add_scope(Scope::new("api:read".into()))
        .request_async(&s.http)
        .await
        .expect("oidc-provider token");
    let (st, t) = exchange(
        &s,
        &s.token_url(),
        &id,
        &secret,
        external.access_token().secret(),
        reg["id"].as_str().unwrap(),
    )
    .await;
    assert_eq!(st, 200, "{t}");
    let c = s.verify(t["access_token"].as_str().unwrap(), 'U').await;
    assert_eq!(c["sub"], user["id"]);
    assert_eq!(c["idp"], reg["id"]);
    // Its token for another audience is refused.
    let (st, reg2) = s
        .admin_json(Method::POST, "/identity-providers", Some(json!({"name":"op-other-aud","issuer":op.issuer,"jwks_uri":format!("{}/jwks", op.issuer),"audiences":["api://elsewhere"]})))
        .await;
    assert_eq!(st, 201);
    let (st, v) = exchange(
        &s,
        &s.token_url(),
        &id,
        &secret,
        external.access_token().secret(),
        reg2["id"].as_str().unwrap(),
    )
    .await;
    assert_eq!(
        (st, v["error"].as_str()),
        (400, Some("invalid_grant")),
        "{v}"
    );
}

/// A JWKS endpoint that never answers must not hang the token endpoint: the fetch gives up
/// within its timeout and the exchange is answered 503 `temporarily_unavailable`.
#[tokio::test]
async fn a_hanging_jwks_endpoint_is_bounded() {
    let s = start_allowing_loopback(Backend::Sqlite).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    // Accepts connections and never writes a byte.
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((sock, _)) = listener.accept().await {
            held.push(sock);
        }
    });
    let (st, reg) = s
        .admin_json(Method::POST, "/identity-providers", Some(json!({"name":"Hang","issuer":ISS,"jwks_uri":format!("http://{addr}/jwks"),"audiences":[AUD]})))
        .await;
    assert_eq!(st, 201, "{reg}");
    let (id, secret) = s
        .token_exchange_client("Hang bridge", &["knowledge.portalmgr.read"])
        .await;
    let idp = idp().await;
    let token = idp.key.sign(&claims("sso1@acme.test")).unwrap();
    let started = std::time::Instant::now();
    let (st, v) = exchange(
        &s,
        &s.token_url(),
        &id,
        &secret,
        &token,
        reg["id"].as_str().unwrap(),
    )
    .await;
    assert!(
        started.elapsed() < std::time::Duration::from_secs(10),
        "bounded by the fetch timeout"
    );
    assert_eq!(
        (st, v["error"].as_str()),
        (503, Some("temporarily_unavailable")),
        "{v}"
    );
}

/// A users-realm provider on a loopback JWKS, a Web client with token exchange on and
/// `permissions`, and the partition's token URL.
struct Bridge {
    idp: Idp,
    reg_id: String,
    id: String,
    secret: String,
}

async fn bridge(s: &TestServer, permissions: &[&str]) -> Bridge {
    let idp = idp().await;
    let (st, reg) = s
        .admin_json(
            Method::POST,
            "/identity-providers",
            Some(json!({"name":"Okta","issuer":ISS,"jwks_uri":idp.jwks_uri,"audiences":[AUD]})),
        )
        .await;
    assert_eq!(st, 201, "{reg}");
    assert_eq!(reg["require_email_verified"], true, "safe by default");
    let (id, secret) = s.token_exchange_client("SSO bridge", permissions).await;
    Bridge {
        idp,
        reg_id: reg["id"].as_str().unwrap().to_owned(),
        id,
        secret,
    }
}

#[tokio::test]
async fn unverified_emails_do_not_link_accounts() {
    run_unverified_emails(Backend::Sqlite).await;
}

#[tokio::test]
async fn unverified_emails_do_not_link_accounts_pg() {
    if postgres_url().is_some() {
        run_unverified_emails(Backend::Postgres).await;
    }
}

async fn run_unverified_emails(backend: Backend) {
    let s = start_allowing_loopback(backend).await;
    let b = bridge(&s, &["knowledge.portalmgr.read"]).await;
    let (st, user) = s.admin_json(Method::POST, "/users", Some(json!({"username":"kim","email":"kim@acme.test","display_name":"Kim","password":"a-long-password"}))).await;
    assert_eq!(st, 201, "{user}");
    let url = s.token_url();
    let with_verified = |v: Option<Value>| {
        let mut c = claims("kim@acme.test");
        match v {
            Some(v) => c["email_verified"] = v,
            None => {
                c.as_object_mut().unwrap().remove("email_verified");
            }
        }
        b.idp.key.sign(&c).unwrap()
    };
    // Missing, false, or not a JSON boolean: refused.
    for v in [
        None,
        Some(json!(false)),
        Some(json!("true")),
        Some(json!(1)),
    ] {
        let token = with_verified(v.clone());
        let (st, t) = exchange(&s, &url, &b.id, &b.secret, &token, &b.reg_id).await;
        assert_eq!(
            (st, t["error"].as_str()),
            (400, Some("invalid_grant")),
            "{v:?}: {t}"
        );
        assert!(
            t["error_description"]
                .as_str()
                .unwrap()
                .contains("email_verified"),
            "{t}"
        );
    }
    let token = with_verified(Some(json!(true)));
    let (st, t) = exchange(&s, &url, &b.id, &b.secret, &token, &b.reg_id).await;
    assert_eq!(st, 200, "{t}");
    // A registration may switch the requirement off (documented as unsafe); it is stored.
    let (st, reg) = s
        .admin_json(
            Method::PATCH,
            &format!("/identity-providers/{}", b.reg_id),
            Some(json!({"require_email_verified": false})),
        )
        .await;
    assert_eq!((st, &reg["require_email_verified"]), (200, &json!(false)));
    let (_, reg) = s
        .admin_json(
            Method::GET,
            &format!("/identity-providers/{}", b.reg_id),
            None,
        )
        .await;
    assert_eq!(reg["require_email_verified"], false);
    for v in [None, Some(json!(false))] {
        let token = with_verified(v.clone());
        let (st, t) = exchange(&s, &url, &b.id, &b.secret, &token, &b.reg_id).await;
        assert_eq!(st, 200, "{v:?}: {t}");
        let c = s.verify(t["access_token"].as_str().unwrap(), 'U').await;
        assert_eq!(c["sub"], user["id"]);
    }
    // Creating with the switch off works too.
    let (st, reg) = s
        .admin_json(Method::POST, "/identity-providers", Some(json!({"name":"Lax","issuer":ISS,"jwks_uri":b.idp.jwks_uri,"audiences":[AUD],"require_email_verified":false})))
        .await;
    assert_eq!((st, &reg["require_email_verified"]), (201, &json!(false)));
}

#[tokio::test]
async fn look_alike_emails_do_not_link_accounts() {
    let s = start_allowing_loopback(Backend::Sqlite).await;
    let b = bridge(&s, &["knowledge.portalmgr.read"]).await;
    let (st, kim) = s.admin_json(Method::POST, "/users", Some(json!({"username":"kim","email":"kim@acme.test","display_name":"Kim","password":"a-long-password"}))).await;
    assert_eq!(st, 201, "{kim}");
    // An account whose own email carries a look-alike (KELVIN SIGN): its plain twin must not
    // reach it either.
    let (st, kelvin) = s.admin_json(Method::POST, "/users", Some(json!({"username":"key","email":"\u{212A}ey@acme.test","display_name":"Key","password":"a-long-password"}))).await;
    assert_eq!(st, 201, "{kelvin}");
    let url = s.token_url();
    for (email, why) in [
        ("\u{212A}im@acme.test", "KELVIN SIGN lowercases to k"),
        ("\u{FF4B}im@acme.test", "FULLWIDTH k"),
        ("kim@\u{FF41}cme.test", "FULLWIDTH a in the domain"),
    ] {
        let token = b.idp.key.sign(&claims(email)).unwrap();
        let (st, t) = exchange(&s, &url, &b.id, &b.secret, &token, &b.reg_id).await;
        assert_eq!(
            (st, t["error"].as_str()),
            (400, Some("invalid_grant")),
            "{why}: {t}"
        );
        assert!(
            t["error_description"].as_str().unwrap().contains("NFKC"),
            "{why}: {t}"
        );
    }
    let token = b.idp.key.sign(&claims("key@acme.test")).unwrap();
    let (st, t) = exchange(&s, &url, &b.id, &b.secret, &token, &b.reg_id).await;
    assert_eq!(
        (st, t["error"].as_str()),
        (400, Some("invalid_grant")),
        "{t}"
    );
    assert!(
        t["error_description"]
            .as_str()
            .unwrap()
            .contains("no enabled account"),
        "{t}"
    );
    // Plain addresses still match case-insensitively.
    let token = b.idp.key.sign(&claims("KIM@Acme.Test")).unwrap();
    let (st, t) = exchange(&s, &url, &b.id, &b.secret, &token, &b.reg_id).await;
    assert_eq!(st, 200, "{t}");
    let c = s.verify(t["access_token"].as_str().unwrap(), 'U').await;
    assert_eq!(c["sub"], kim["id"]);
}

#[tokio::test]
async fn the_admin_permission_is_granted_only_when_requested() {
    let s = start_allowing_loopback(Backend::Sqlite).await;
    let b = bridge(&s, &["knowledge.portalmgr.read", "core.admin.manage"]).await;
    let (st, _) = s.admin_json(Method::POST, "/users", Some(json!({"username":"kim","email":"kim@acme.test","display_name":"Kim","password":"a-long-password"}))).await;
    assert_eq!(st, 201);
    let url = s.token_url();
    let token = b.idp.key.sign(&claims("kim@acme.test")).unwrap();
    for scope in [None, Some(".default")] {
        let (st, t) = exchange_with(&s, &url, &b.id, &b.secret, &token, &b.reg_id, scope).await;
        assert_eq!(st, 200, "{scope:?}: {t}");
        assert_eq!(t["scope"], "knowledge.portalmgr.read", "{scope:?}");
        let c = s.verify(t["access_token"].as_str().unwrap(), 'U').await;
        assert_eq!(c["scope"], "knowledge.portalmgr.read", "{scope:?}");
    }
    // Named explicitly (and assigned), it is granted.
    let (st, t) = exchange_with(
        &s,
        &url,
        &b.id,
        &b.secret,
        &token,
        &b.reg_id,
        Some("core.admin.manage knowledge.portalmgr.read"),
    )
    .await;
    assert_eq!(st, 200, "{t}");
    assert_eq!(t["scope"], "core.admin.manage knowledge.portalmgr.read");
}
