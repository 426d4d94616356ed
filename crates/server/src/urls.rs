//! Every public address Tessera serves, built in one place so the router, discovery documents,
//! metadata and CLI output can never disagree.

use tessera_domain::{PartitionId, Realm};

/// The realm issuer: `{public_url}/system/auth/{partition}-U|C`.
#[must_use]
pub fn issuer(public_url: &str, partition: &PartitionId, realm: Realm) -> String {
    format!("{public_url}/system/auth/{partition}-{}", realm.suffix())
}

/// An endpoint under a realm issuer, e.g. `oauth2/token`.
#[must_use]
pub fn endpoint(public_url: &str, partition: &PartitionId, realm: Realm, path: &str) -> String {
    format!("{}/{path}", issuer(public_url, partition, realm))
}

/// The anonymous-customer token address.
#[must_use]
pub fn anonymous_token(api_url: &str, partition: &PartitionId) -> String {
    format!(
        "{api_url}/core/authmgr/v3/oauth2/v2.0/anonymous/token?user_type=customer&domain_hint={partition}"
    )
}

/// The on-behalf-of compatibility token address.
#[must_use]
pub fn onbehalfof_token(api_url: &str, partition: &PartitionId, realm: Realm) -> String {
    let user_type = match realm {
        Realm::Users => "user",
        Realm::Customers => "customer",
    };
    format!(
        "{api_url}/core/authmgr/v4/oauth2/v2.0/onbehalfof/token?user_type={user_type}&tenantId={partition}"
    )
}

/// The tenant metadata address.
#[must_use]
pub fn tenant_metadata(api_url: &str, partition: &PartitionId) -> String {
    format!("{api_url}/core/authmgr/v3/metadata/tenant/{partition}")
}

/// The admin API audience.
#[must_use]
pub fn admin_audience(public_url: &str) -> String {
    format!("{public_url}/admin/api")
}

/// The Administration Console of a partition: `{public_url}/admin/{partition}/`
/// (docs/product.md#console).
#[must_use]
pub fn console_home(public_url: &str, partition: &PartitionId) -> String {
    format!("{public_url}/admin/{partition}/")
}

/// Where the users realm sends a console sign-in back (the built-in client's redirect URL).
#[must_use]
pub fn console_callback(public_url: &str, partition: &PartitionId) -> String {
    format!("{public_url}/admin/{partition}/callback")
}

/// Where the users realm sends the browser after the console signed out (its post-logout
/// redirect URL).
#[must_use]
pub fn console_signed_out(public_url: &str, partition: &PartitionId) -> String {
    format!("{public_url}/admin/{partition}/signed-out")
}
