//! One table for every place a JWT is verified: the admin API's guard (access tokens), this
//! realm's access tokens at userinfo, introspection and revocation
//! ([`own::access_token_policy`]), `id_token_hint` ([`own::id_token_hint_policy`]) and an
//! identity provider's subject token at token exchange ([`ExternalKeys::verify`], its JWKS
//! fetched from a loopback server through `outbound`). Each row is one attack or mistake; each
//! use must refuse it, in its own words, or (a valid token, an expired hint) accept it.

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use tessera_domain::address::OutboundPolicy;
use tessera_domain::clock::MockClock;
use tessera_domain::identity_provider::{IdentityProvider, MatchAttribute};
use tessera_domain::signing_key::SigningAlg;
use tessera_domain::{Clock, PartitionId, Realm};
use tessera_guard::{Guard, Rejection, StaticKeySource};
use tessera_oauth_types::{Jwk, JwkSet};

use super::external::ExternalKeys;
use super::own::{self, Verifier};
use crate::crypto::jwt::JwsKey;
use crate::crypto::signing::{Signer, generate};

const TESSERA_ISS: &str = "http://127.0.0.1:8080/system/auth/acme-U";
const API_AUD: &str = "http://127.0.0.1:8080/system/admin/v1";
const IDP_ISS: &str = "https://idp.example";
const IDP_AUD: &str = "api://tessera";

/// Which verifier a column is.
#[derive(Debug, Clone, Copy)]
enum Use {
    Guard,
    OwnAccessToken,
    IdTokenHint,
    External,
}

const USES: [Use; 4] = [
    Use::Guard,
    Use::OwnAccessToken,
    Use::IdTokenHint,
    Use::External,
];

impl Use {
    /// The issuer and the `typ` a valid token of this use has, and one it must not have.
    fn shape(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Self::Guard | Self::OwnAccessToken => (TESSERA_ISS, "at+jwt", "JWT"),
            Self::IdTokenHint => (TESSERA_ISS, "JWT", "at+jwt"),
            Self::External => (IDP_ISS, "JWT", "logout+jwt"),
        }
    }

    /// Valid claims at `now`.
    fn claims(self, now: i64) -> Value {
        let (iss, _, _) = self.shape();
        match self {
            Self::Guard | Self::OwnAccessToken => json!({
                "iss": iss, "sub": "u1", "aud": [API_AUD], "exp": now + 600, "iat": now,
                "nbf": now, "jti": "j1", "client_id": "c1", "scope": "core.admin.manage",
                "tenant": "acme", "actor": "user",
            }),
            Self::IdTokenHint => json!({
                "iss": iss, "sub": "u1", "aud": "c1", "exp": now + 600, "iat": now,
                "sid": "s1",
            }),
            Self::External => json!({
                "iss": iss, "sub": "ext-1", "aud": IDP_AUD, "exp": now + 600, "iat": now,
                "email": "sso1@acme.test",
            }),
        }
    }
}

/// The rows: what each use must answer, `None` for accepted, else a fragment of its refusal.
type Row = (&'static str, [Option<&'static str>; 4]);

const TABLE: [Row; 6] = [
    ("valid", [None, None, None, None]),
    (
        "alg none",
        [
            Some("not a signed JWT"),
            Some("malformed or not signed by this issuer"),
            Some("malformed or not signed by this issuer"),
            Some("not a valid JWT"),
        ],
    ),
    (
        "HS256 with the public key as secret",
        [
            Some("algorithm is not accepted"),
            Some("malformed or not signed by this issuer"),
            Some("malformed or not signed by this issuer"),
            Some("HS256 is not allowed"),
        ],
    ),
    (
        "wrong typ",
        [
            Some("typ must be at+jwt"),
            Some("of another type"),
            Some("of another type"),
            Some("logout or security event token"),
        ],
    ),
    (
        "expired",
        [
            Some("expired"),
            Some("expired"),
            // Hints are honoured past `exp` (RP-Initiated Logout 1.0 §2).
            None,
            Some("expired"),
        ],
    ),
    (
        "unknown kid",
        [
            Some("signing key is unknown"),
            Some("malformed or not signed by this issuer"),
            Some("malformed or not signed by this issuer"),
            Some("does not publish"),
        ],
    ),
];

struct Fixture {
    now: i64,
    /// The published key, signing with the right `typ` per use through `retyped`.
    key: JwsKey,
    /// Its public JWK, also the "secret" of the HMAC forgery.
    jwk: Jwk,
    /// A key nobody publishes.
    stranger: JwsKey,
    guard: Guard,
    own: Verifier,
    clock: Arc<dyn Clock>,
    external: ExternalKeys,
    idp: IdentityProvider,
}

async fn fixture() -> Fixture {
    let clock: Arc<dyn Clock> = Arc::new(MockClock::new(
        time::OffsetDateTime::from_unix_timestamp(1_900_000_000).unwrap(),
    ));
    let now = clock.now().unix_timestamp();
    let generated = generate(SigningAlg::ES256, "k1").unwrap();
    let signer = Signer::from_pkcs8(SigningAlg::ES256, &generated.pkcs8).unwrap();
    let key = JwsKey::new("k1".into(), signer, "at+jwt");
    let other = generate(SigningAlg::ES256, "k2").unwrap();
    let stranger = JwsKey::new(
        "k2".into(),
        Signer::from_pkcs8(SigningAlg::ES256, &other.pkcs8).unwrap(),
        "at+jwt",
    );
    let jwks = JwkSet {
        keys: vec![generated.jwk.clone()],
    };
    let guard = Guard::builder()
        .issuer_with_key_source(TESSERA_ISS, StaticKeySource::shared(jwks.clone()))
        .audience(API_AUD)
        .clock(super::clock(&clock))
        .build()
        .unwrap();
    // The provider's JWKS on loopback, fetched the way token exchange fetches it.
    let served = jwks.clone();
    let app = axum::Router::new().route(
        "/jwks",
        axum::routing::get(move || {
            let served = served.clone();
            async move { axum::Json(served) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    let external = ExternalKeys::new(
        OutboundPolicy {
            allow_loopback: true,
        },
        super::clock(&clock),
    );
    let idp = IdentityProvider {
        id: uuid::Uuid::from_u128(7),
        partition: PartitionId::parse("acme").unwrap(),
        name: "SSO".into(),
        issuer: IDP_ISS.into(),
        jwks_uri: Some(format!("http://{addr}/jwks")),
        jwks: None,
        audiences: vec![IDP_AUD.into()],
        realm: Realm::Users,
        match_claim: "email".into(),
        match_attribute: MatchAttribute::Email,
        require_email_verified: false,
        enabled: true,
        created_at: clock.now(),
        updated_at: clock.now(),
    };
    Fixture {
        now,
        key,
        jwk: generated.jwk,
        stranger,
        guard,
        own: Verifier::new(&jwks),
        clock,
        external,
        idp,
    }
}

fn unsigned(header: &Value, claims: &Value) -> String {
    format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    )
}

impl Fixture {
    /// The token of row `case` for `use_`.
    fn token(&self, case: &str, use_: Use) -> String {
        let (_, typ, wrong_typ) = use_.shape();
        let claims = use_.claims(self.now);
        match case {
            "valid" => self.key.retyped(typ).sign(&claims).unwrap(),
            "alg none" => {
                let header = json!({"alg": "none", "typ": typ, "kid": "k1"});
                format!("{}.", unsigned(&header, &claims))
            }
            "HS256 with the public key as secret" => {
                // The classic algorithm confusion (RFC 8725 §2.1): the verifier's public key,
                // which anyone can read, used as an HMAC secret.
                let header = json!({"alg": "HS256", "typ": typ, "kid": "k1"});
                let input = unsigned(&header, &claims);
                let secret = serde_json::to_vec(&self.jwk).unwrap();
                let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, &secret);
                let tag = aws_lc_rs::hmac::sign(&key, input.as_bytes());
                format!("{input}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref()))
            }
            "wrong typ" => self.key.retyped(wrong_typ).sign(&claims).unwrap(),
            "expired" => {
                let mut claims = claims;
                claims["exp"] = json!(self.now - 3600);
                claims["iat"] = json!(self.now - 7200);
                if claims.get("nbf").is_some() {
                    claims["nbf"] = json!(self.now - 7200);
                }
                self.key.retyped(typ).sign(&claims).unwrap()
            }
            "unknown kid" => self.stranger.retyped(typ).sign(&claims).unwrap(),
            other => unreachable!("no row {other}"),
        }
    }

    /// What `use_` answers: `Ok` when it accepts, else its refusal's text.
    async fn verdict(&self, use_: Use, token: &str) -> Result<(), String> {
        match use_ {
            Use::Guard => match self.guard.validate(token).await {
                Ok(_) => Ok(()),
                Err(Rejection::InvalidToken(why)) => Err(why),
                Err(other) => Err(format!("not an invalid_token refusal: {other}")),
            },
            Use::OwnAccessToken => {
                let policy = own::access_token_policy(super::clock(&self.clock));
                self.own
                    .verify(token, &policy, TESSERA_ISS)
                    .map(drop)
                    .map_err(|e| e.to_string())
            }
            Use::IdTokenHint => {
                let policy = own::id_token_hint_policy(super::clock(&self.clock));
                self.own
                    .verify(token, &policy, TESSERA_ISS)
                    .map(drop)
                    .map_err(|e| e.to_string())
            }
            Use::External => self
                .external
                .verify(&self.idp, token)
                .await
                .map(drop)
                .map_err(|e| e.to_string()),
        }
    }
}

#[tokio::test]
async fn every_verifier_refuses_the_same_tokens() {
    let f = fixture().await;
    let mut failures = Vec::new();
    let mut accepted = 0;
    for (case, expected) in TABLE {
        for (use_, want) in USES.into_iter().zip(expected) {
            let token = f.token(case, use_);
            let got = f.verdict(use_, &token).await;
            match (want, &got) {
                (None, Ok(())) => accepted += 1,
                (Some(fragment), Err(why)) if why.contains(fragment) => {}
                _ => failures.push(format!("{case} at {use_:?}: wanted {want:?}, got {got:?}")),
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    // A valid token per use plus the expired hint: the table cannot pass by refusing all.
    assert_eq!(accepted, USES.len() + 1);
}

#[tokio::test]
async fn the_clock_decides_expiry_everywhere() {
    let f = fixture().await;
    let mock = MockClock::new(f.clock.now());
    let tokens: Vec<(Use, String)> = USES.iter().map(|u| (*u, f.token("valid", *u))).collect();
    // The same tokens an hour later by the server's clock (not the system's): expired, but
    // for the hint.
    mock.advance(time::Duration::hours(1));
    let later: Arc<dyn Clock> = Arc::new(mock);
    let f = Fixture {
        guard: Guard::builder()
            .issuer_with_key_source(
                TESSERA_ISS,
                StaticKeySource::shared(JwkSet {
                    keys: vec![f.jwk.clone()],
                }),
            )
            .audience(API_AUD)
            .clock(super::clock(&later))
            .build()
            .unwrap(),
        external: ExternalKeys::new(
            OutboundPolicy {
                allow_loopback: true,
            },
            super::clock(&later),
        ),
        clock: later,
        ..f
    };
    for (use_, token) in tokens {
        let got = f.verdict(use_, &token).await;
        match use_ {
            Use::IdTokenHint => assert_eq!(got, Ok(()), "{use_:?}"),
            _ => assert!(
                got.as_ref().is_err_and(|why| why.contains("expired")),
                "{use_:?}: {got:?}"
            ),
        }
    }
}
