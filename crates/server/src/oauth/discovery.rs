//! OpenID Connect discovery and RFC 8414 metadata, and the realm JWKS. Both list only what this
//! server implements, so clients never try a feature that is not there.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use tessera_domain::api::Catalog;
use tessera_domain::auth_method::ACR_VALUES_SUPPORTED;
use tessera_domain::signing_key::SigningAlg;
use tessera_domain::{PartitionId, Realm};
use tessera_oauth_types::discovery::ProviderMetadata;

use super::error::OAuthError;
use super::realm_issuer::RealmIssuer;
use crate::state::{AppState, RealmDocuments, RealmKeys};
use crate::urls;

/// The realm's two public documents: serialised by the first request after the partition's
/// context was loaded (`AppState::partition`), which happens whenever its catalog, keys or the
/// configuration can have changed; every later request only clones the bytes. Serialising the
/// discovery document per request cost half the endpoint's throughput (docs/performance.md).
fn documents<'c>(
    public_url: &str,
    issuer: &'c RealmIssuer,
) -> Result<&'c RealmDocuments, OAuthError> {
    let (Some(keys), Some(slot)) = (
        issuer.ctx.realms.get(&issuer.realm),
        issuer.ctx.documents.get(&issuer.realm),
    ) else {
        return Err(OAuthError::unknown_issuer());
    };
    if let Some(built) = slot.get() {
        return Ok(built);
    }
    let meta = metadata(
        public_url,
        &issuer.ctx.catalog,
        Some(keys),
        &issuer.partition,
        issuer.realm,
    );
    let built = RealmDocuments {
        discovery: Bytes::from(serde_json::to_vec(&meta).map_err(|e| OAuthError::internal(&e))?),
        jwks: Bytes::from(serde_json::to_vec(&*keys.jwks).map_err(|e| OAuthError::internal(&e))?),
    };
    // Two first requests at once both build; either result is the same bytes.
    Ok(slot.get_or_init(|| built))
}

/// The metadata document of a realm whose keys are `keys`.
#[must_use]
pub(crate) fn metadata(
    public: &str,
    catalog: &Catalog,
    keys: Option<&RealmKeys>,
    partition: &PartitionId,
    realm: Realm,
) -> ProviderMetadata {
    let mut scopes: Vec<String> = catalog.permissions.keys().cloned().collect();
    scopes.sort();
    // The algorithms an ID token can really be signed with here: those of the realm's active
    // keys (a key that is only published, or retired, signs nothing).
    let mut algs: Vec<String> = keys
        .map(|r| r.id_token.keys().map(|a| a.as_str().to_owned()).collect())
        .unwrap_or_default();
    if algs.is_empty() {
        algs.push(SigningAlg::default().as_str().to_owned());
    }
    algs.sort();
    algs.dedup();
    // Client credentials are served only at -U (docs/product.md#flows). On-behalf-of reuses
    // `password` but is not the resource owner password grant, so it is not advertised as such.
    let mut grant_types = vec!["authorization_code".to_owned(), "refresh_token".to_owned()];
    if realm == Realm::Users {
        grant_types.push("client_credentials".to_owned());
    }
    grant_types.push(tessera_oauth_types::grant_type::TOKEN_EXCHANGE.to_owned());
    let mut oidc: Vec<String> = tessera_domain::scope::OIDC_SCOPES
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    oidc.append(&mut scopes);
    let scopes = oidc;
    let endpoint = |path: &str| urls::endpoint(public, partition, realm, path);
    let strs = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let client_auth = strs(&["client_secret_basic", "client_secret_post", "none"]);
    ProviderMetadata {
        issuer: urls::issuer(public, partition, realm),
        authorization_endpoint: Some(endpoint(urls::AUTHORIZE)),
        token_endpoint: endpoint(urls::TOKEN),
        jwks_uri: endpoint(urls::KEYS),
        userinfo_endpoint: Some(endpoint(urls::USERINFO)),
        revocation_endpoint: Some(endpoint(urls::REVOKE)),
        introspection_endpoint: Some(endpoint(urls::INTROSPECT)),
        end_session_endpoint: Some(endpoint(urls::LOGOUT)),
        scopes_supported: scopes,
        response_types_supported: strs(&["code"]),
        grant_types_supported: grant_types,
        token_endpoint_auth_methods_supported: client_auth.clone(),
        subject_types_supported: vec!["public".to_owned()],
        id_token_signing_alg_values_supported: algs,
        code_challenge_methods_supported: strs(&["S256"]),
        claims_supported: [
            "iss",
            "sub",
            "aud",
            "exp",
            "iat",
            "nbf",
            "jti",
            "client_id",
            "scope",
            "tenant",
            "actor",
            "act",
            "idp",
            "auth_time",
            "amr",
            "acr",
            "nonce",
            "at_hash",
            "sid",
            "name",
            "given_name",
            "family_name",
            "preferred_username",
            "locale",
            "zoneinfo",
            "updated_at",
            "email",
            "email_verified",
            "address",
            "phone_number",
            "phone_number_verified",
        ]
        .into_iter()
        .map(str::to_owned)
        .collect(),
        authorization_response_iss_parameter_supported: true,
        response_modes_supported: strs(&["query"]),
        prompt_values_supported: strs(&["none", "login", "consent", "select_account"]),
        revocation_endpoint_auth_methods_supported: client_auth,
        introspection_endpoint_auth_methods_supported: strs(&[
            "client_secret_basic",
            "client_secret_post",
        ]),
        acr_values_supported: strs(ACR_VALUES_SUPPORTED),
        claims_parameter_supported: true,
        request_parameter_supported: false,
        request_uri_parameter_supported: false,
        // Sessions that end notify their applications (oauth/session_end.rs), with `sid`.
        backchannel_logout_supported: true,
        backchannel_logout_session_supported: true,
        frontchannel_logout_supported: true,
        frontchannel_logout_session_supported: true,
    }
}

/// A public JSON document from its prepared bytes: only reference counts and static headers.
fn public_json(body: Bytes) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            // Discovery and keys are public: any origin may read them (docs/product.md#cors).
            (
                header::ACCESS_CONTROL_ALLOW_ORIGIN,
                HeaderValue::from_static("*"),
            ),
            // Short max-age: after a rotation, resource servers see the new next key quickly;
            // the guard also refetches on an unknown `kid`.
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=300"),
            ),
        ],
        body,
    )
        .into_response()
}

/// `GET {issuer}/.well-known/openid-configuration`.
pub(crate) async fn openid_configuration(
    State(state): State<AppState>,
    issuer: RealmIssuer,
) -> Response {
    match documents(&state.config.public_url, &issuer) {
        Ok(d) => public_json(d.discovery.clone()),
        Err(e) => e.into_response(),
    }
}

/// `GET {issuer}/oauth2/keys`.
pub(crate) async fn jwks(State(state): State<AppState>, issuer: RealmIssuer) -> Response {
    match documents(&state.config.public_url, &issuer) {
        Ok(d) => public_json(d.jwks.clone()),
        Err(e) => e.into_response(),
    }
}
