//! Sample data for store tests: a partition seed with one of every entity, audit events, fixed
//! microsecond-precise times (what both databases keep) and deterministic ids.

use std::sync::atomic::{AtomicU64, Ordering};

use tessera_oauth_types::SecurityScheme;
use time::OffsetDateTime;
use time::macros::datetime;

use crate::api::{Api, Operation, SecurityRequirement};
use crate::audit::{ActorKind, AuditEvent, Outcome};
use crate::auth_method::AuthMethod;
use crate::client::{ClientApplication, Platform, ResourceType};
use crate::customer::Customer;
use crate::department::{DEFAULT_DEPARTMENT, Department};
use crate::grant::{AuthorizationCode, Grant, IssuedAccessToken, RefreshToken};
use crate::identity_provider::{IdentityProvider, MatchAttribute};
use crate::ids::{ClientId, PartitionId, Realm};
use crate::partition::Partition;
use crate::permission::{Hub, Permission, PermissionKind};
use crate::secret::{ClientSecret, StoredSecret};
use crate::session::BrowserSession;
use crate::signing_key::{KeyState, SigningAlg, SigningKey};
use crate::store::{CustomerRecord, PartitionSeed, UserRecord};
use crate::user::User;

/// The suite's "now": microsecond precision, so values round-trip exactly on every backend.
pub const T0: OffsetDateTime = datetime!(2025-01-02 03:04:05.123456 UTC);

/// `T0` plus `secs` seconds.
#[must_use]
pub fn at(secs: i64) -> OffsetDateTime {
    T0 + time::Duration::seconds(secs)
}

/// Parses a partition id known to be valid.
///
/// # Panics
/// When `s` is not a valid partition id (a bug in the test).
#[must_use]
pub fn pid(s: &str) -> PartitionId {
    match PartitionId::parse(s) {
        Ok(p) => p,
        Err(e) => panic!("bad test partition id: {e}"),
    }
}

/// A deterministic id, distinct per partition (first 12 bytes) and per `n`.
#[must_use]
pub fn id(p: &PartitionId, n: u32) -> uuid::Uuid {
    let mut bytes = [0u8; 16];
    // FNV-1a over the partition id keeps ids of different partitions apart.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in p.as_str().bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    bytes[..8].copy_from_slice(&h.to_be_bytes());
    bytes[12..].copy_from_slice(&n.to_be_bytes());
    uuid::Uuid::from_bytes(bytes)
}

static EVENT_SEQ: AtomicU64 = AtomicU64::new(1);

/// A fresh, process-unique id for objects created by a test body.
#[must_use]
pub fn fresh_id() -> uuid::Uuid {
    uuid::Uuid::from_u128(
        0x7e55_e7a0_0000_0000_0000_0000_0000_0000
            | u128::from(EVENT_SEQ.fetch_add(1, Ordering::Relaxed)),
    )
}

/// An audit event by a user of `p`, at [`T0`].
#[must_use]
pub fn event(p: &PartitionId, action: &str, object_type: &str, object_id: &str) -> AuditEvent {
    AuditEvent {
        id: fresh_id(),
        partition: Some(p.clone()),
        actor_kind: ActorKind::User,
        actor_id: Some("admin".to_owned()),
        action: action.to_owned(),
        object_type: object_type.to_owned(),
        object_id: Some(object_id.to_owned()),
        at: T0,
        source_ip: Some("192.0.2.1".to_owned()),
        outcome: Outcome::Success,
        detail: None,
    }
}

/// A permission; the kind follows from the name.
#[must_use]
pub fn permission(name: &str, hub: Hub) -> Permission {
    Permission {
        name: name.to_owned(),
        hub,
        kind: PermissionKind::implied_by(name),
        description: format!("Allows {name}"),
        anonymous: false,
    }
}

/// A user in `department`.
#[must_use]
pub fn user(p: &PartitionId, id: uuid::Uuid, username: &str, department: &str) -> UserRecord {
    UserRecord {
        user: User {
            id,
            partition: p.clone(),
            username: username.to_owned(),
            email: format!("{}@example.test", username.to_lowercase()),
            display_name: format!("User {username}"),
            department: department.to_owned(),
            partition_admin: false,
            enabled: true,
            claims: crate::standard_claims::StandardClaims::default(),
            created_at: T0,
            updated_at: at(1),
        },
        password_hash: format!("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA${username}"),
    }
}

/// A customer.
#[must_use]
pub fn customer(p: &PartitionId, id: uuid::Uuid, email: &str) -> CustomerRecord {
    CustomerRecord {
        customer: Customer {
            id,
            partition: p.clone(),
            email: email.to_owned(),
            display_name: format!("Customer {email}"),
            enabled: true,
            claims: crate::standard_claims::StandardClaims::default(),
            created_at: T0,
            updated_at: T0,
        },
        password_hash: format!("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA${email}"),
    }
}

/// A Web client with no permissions.
#[must_use]
pub fn web_client(p: &PartitionId, client_id: ClientId, name: &str) -> ClientApplication {
    ClientApplication {
        partition: p.clone(),
        client_id,
        name: name.to_owned(),
        resource_type: ResourceType::Global,
        platform: Platform::Web,
        redirect_urls: vec![
            "https://app.example/cb".to_owned(),
            "http://localhost:3000/cb".to_owned(),
        ],
        post_logout_redirect_urls: vec!["https://app.example/bye".to_owned()],
        obo_enabled: true,
        token_exchange_enabled: true,
        access_token_ttl: 900,
        enabled: true,
        id_token_signed_response_alg: SigningAlg::RS256,
        backchannel_logout_uri: None,
        backchannel_logout_session_required: true,
        frontchannel_logout_uri: None,
        frontchannel_logout_session_required: true,
        permissions: Vec::new(),
        created_at: T0,
        updated_at: at(2),
    }
}

/// A secret of `client`, expiring at `expires_at`.
#[must_use]
pub fn secret(
    p: &PartitionId,
    client: ClientId,
    id: uuid::Uuid,
    expires_at: Option<OffsetDateTime>,
) -> StoredSecret {
    StoredSecret {
        secret: ClientSecret {
            id,
            partition: p.clone(),
            client_id: client,
            name: format!("secret {id}"),
            hint: "…abcd".to_owned(),
            created_at: T0,
            expires_at,
            last_used_at: None,
        },
        hash: id.as_bytes().to_vec(),
    }
}

/// A signing key.
#[must_use]
pub fn signing_key(p: &PartitionId, kid: &str, realm: Realm, state: KeyState) -> SigningKey {
    SigningKey {
        kid: kid.to_owned(),
        partition: p.clone(),
        realm,
        alg: SigningAlg::ES256,
        state,
        public_jwk: serde_json::json!({
            "kty": "EC", "crv": "P-256", "kid": kid, "use": "sig", "alg": "ES256",
            "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
            "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"
        }),
        private_key_encrypted: kid.bytes().chain([0, 1, 2, 255]).collect(),
        created_at: T0,
        retired_at: None,
    }
}

/// An identity provider (inline JWKS when `inline`, else a JWKS URI).
#[must_use]
pub fn identity_provider(
    p: &PartitionId,
    id: uuid::Uuid,
    name: &str,
    inline: bool,
) -> IdentityProvider {
    IdentityProvider {
        id,
        partition: p.clone(),
        name: name.to_owned(),
        issuer: format!("https://{}.idp.example", name.to_lowercase()),
        jwks_uri: (!inline).then(|| "https://idp.example/jwks".to_owned()),
        jwks: inline.then(|| serde_json::json!({"keys": [{"kty": "oct", "kid": "k1"}]})),
        audiences: vec!["api://tessera".to_owned(), "api://other".to_owned()],
        realm: Realm::Users,
        match_claim: "email".to_owned(),
        match_attribute: MatchAttribute::Email,
        require_email_verified: true,
        enabled: true,
        created_at: T0,
        updated_at: T0,
    }
}

/// The sample API: two operations, the second with two security alternatives.
#[must_use]
pub fn sample_api() -> Api {
    Api {
        id: "knowledge-portalmgr-v4".to_owned(),
        name: "Portal Manager".to_owned(),
        hub: Hub::Knowledge,
        base_path: "/knowledge/portalmgr/v4".to_owned(),
        audience: "https://api.example/knowledge/portalmgr".to_owned(),
        operations: vec![
            Operation {
                operation_id: "listPortals".to_owned(),
                method: "GET".to_owned(),
                path: "/portals".to_owned(),
                summary: "List portals".to_owned(),
                security: vec![SecurityRequirement {
                    scheme: SecurityScheme::OAuthUser,
                    scopes: vec!["knowledge.portalmgr.read".to_owned()],
                }],
            },
            Operation {
                operation_id: "getPortal".to_owned(),
                method: "GET".to_owned(),
                path: "/portals/{id}".to_owned(),
                summary: "Get a portal".to_owned(),
                security: vec![
                    SecurityRequirement {
                        scheme: SecurityScheme::OAuthOnBehalfOfUser,
                        scopes: vec![
                            "knowledge.portalmgr.onbehalfof.read".to_owned(),
                            "knowledge.portalmgr.read".to_owned(),
                        ],
                    },
                    SecurityRequirement {
                        scheme: SecurityScheme::OAuthClient,
                        scopes: vec![".default".to_owned()],
                    },
                ],
            },
        ],
    }
}

/// Ids used by [`sample_seed`], so tests can reach its objects.
#[derive(Debug, Clone)]
pub struct SeedIds {
    /// The Partition Administrator.
    pub admin: uuid::Uuid,
    /// An agent in `Sales`.
    pub agent: uuid::Uuid,
    /// A customer.
    pub customer: uuid::Uuid,
    /// The Web client (with a secret and two permissions).
    pub web: ClientId,
    /// The SPA client.
    pub spa: ClientId,
    /// The Web client's secret.
    pub secret: uuid::Uuid,
}

/// The ids [`sample_seed`] uses for partition `p`.
#[must_use]
pub fn seed_ids(p: &PartitionId) -> SeedIds {
    SeedIds {
        admin: id(p, 1),
        agent: id(p, 2),
        customer: id(p, 3),
        web: id(p, 4),
        spa: id(p, 5),
        secret: id(p, 6),
    }
}

/// A partition with one of everything: departments `Service` and `Sales`, five permissions
/// (delegated, anonymous, OBO, application), the sample API, an administrator and an agent, a
/// customer, a Web client with a secret and permissions, a SPA, and an active and a next key per
/// realm (kids `{p}-users-active`, `{p}-users-next`, …).
#[must_use]
pub fn sample_seed(p: &PartitionId) -> PartitionSeed {
    let ids = seed_ids(p);
    let mut admin = user(p, ids.admin, "PA.Admin", DEFAULT_DEPARTMENT);
    admin.user.partition_admin = true;
    let mut agent = user(p, ids.agent, "agent1", "Sales");
    agent.user.enabled = false;
    let mut anonymous = permission("knowledge.portalmgr.read", Hub::Knowledge);
    anonymous.anonymous = true;
    let mut web = web_client(p, ids.web, "Portal");
    web.permissions = vec![
        "app.core.usermgr.read".to_owned(),
        "knowledge.portalmgr.read".to_owned(),
    ];
    let spa = ClientApplication {
        platform: Platform::Spa,
        obo_enabled: false,
        token_exchange_enabled: false,
        access_token_ttl: 3600,
        post_logout_redirect_urls: Vec::new(),
        permissions: vec!["knowledge.portalmgr.read".to_owned()],
        id_token_signed_response_alg: SigningAlg::ES256,
        ..web_client(p, ids.spa, "Portal SPA")
    };
    let mut stored = secret(p, ids.web, ids.secret, Some(at(86_400 * 90)));
    stored.secret.last_used_at = Some(at(5));
    let mut signing_keys = Vec::new();
    for realm in Realm::ALL {
        for state in [KeyState::Active, KeyState::Next] {
            let kid = format!("{p}-{}-{}", realm.as_str(), state.as_str());
            signing_keys.push(signing_key(p, &kid, realm, state));
        }
    }
    PartitionSeed {
        partition: Partition {
            id: p.clone(),
            api_permission_prefix: Some("https://api.example/auth/".to_owned()),
            created_at: T0,
        },
        departments: vec![
            Department {
                name: DEFAULT_DEPARTMENT.to_owned(),
                created_at: T0,
            },
            Department {
                name: "Sales".to_owned(),
                created_at: at(1),
            },
        ],
        permissions: vec![
            anonymous,
            permission("knowledge.portalmgr.onbehalfof.read", Hub::Knowledge),
            permission("app.core.usermgr.read", Hub::Core),
            permission("core.admin.manage", Hub::Core),
            permission("conversation.messaging.write", Hub::Conversation),
        ],
        apis: vec![sample_api()],
        users: vec![admin, agent],
        customers: vec![customer(p, ids.customer, "C1@Example.test")],
        clients: vec![web, spa],
        secrets: vec![stored],
        signing_keys,
    }
}

/// A grant of `client` to the partition's administrator (see [`seed_ids`]) for `openid profile`,
/// made at [`T0`] in a fresh session, expiring at `expires_at`.
#[must_use]
pub fn grant(p: &PartitionId, client: ClientId, expires_at: OffsetDateTime) -> Grant {
    Grant {
        id: fresh_id(),
        partition: p.clone(),
        realm: Realm::Users,
        client_id: client,
        subject: seed_ids(p).admin,
        scope: "openid profile".to_owned(),
        session_id: fresh_id(),
        auth_time: T0,
        auth_method: AuthMethod::Password,
        claims_request: None,
        created_at: at(1),
        expires_at,
        revoked_at: None,
    }
}

/// The code that starts `grant`, stored as `hash`, created at [`T0`] and expiring 60 s later.
#[must_use]
pub fn authorization_code(grant: &Grant, hash: &[u8]) -> AuthorizationCode {
    AuthorizationCode {
        hash: hash.to_vec(),
        partition: grant.partition.clone(),
        grant_id: grant.id,
        redirect_uri: "https://app.example/cb".to_owned(),
        nonce: Some("n-0S6_WzA2Mj".to_owned()),
        code_challenge: Some("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".to_owned()),
        created_at: T0,
        expires_at: at(60),
    }
}

/// An unused refresh token of `grant`, stored as `hash`, expiring at `expires_at`.
#[must_use]
pub fn refresh_token(grant: &Grant, hash: &[u8], expires_at: OffsetDateTime) -> RefreshToken {
    RefreshToken {
        hash: hash.to_vec(),
        partition: grant.partition.clone(),
        grant_id: grant.id,
        created_at: at(2),
        expires_at,
        used_at: None,
    }
}

/// An access token issued from `grant` with a fresh `jti`, expiring at `expires_at`.
#[must_use]
pub fn issued_access_token(grant: &Grant, expires_at: OffsetDateTime) -> IssuedAccessToken {
    IssuedAccessToken {
        jti: fresh_id(),
        partition: grant.partition.clone(),
        grant_id: grant.id,
        expires_at,
    }
}

/// A live browser session of the partition's administrator (see [`seed_ids`]) in `realm`, its
/// cookie stored as `hash`, expiring at `expires_at`.
#[must_use]
pub fn browser_session(
    p: &PartitionId,
    realm: Realm,
    hash: &[u8],
    expires_at: OffsetDateTime,
) -> BrowserSession {
    BrowserSession {
        id: fresh_id(),
        hash: hash.to_vec(),
        partition: p.clone(),
        realm,
        subject: seed_ids(p).admin,
        auth_time: T0,
        auth_method: AuthMethod::Password,
        expires_at,
        ended_at: None,
    }
}
