//! The person a browser sign-in is for: an agent at `-U`, a customer at `-C`.

use serde_json::{Map, Value};
use tessera_domain::customer::Customer;
use tessera_domain::store::StoreError;
use tessera_domain::user::User;
use tessera_domain::{PartitionId, Realm};
use tessera_oauth_types::{Actor, ProfileClaims};

use crate::state::AppState;

/// A signed-in user or customer.
#[derive(Debug, Clone)]
pub(crate) enum Person {
    /// An agent (users realm).
    User(User),
    /// An end customer (customers realm).
    Customer(Customer),
}

impl Person {
    /// Loads the realm's user or customer with `id`; `None` when it no longer exists.
    ///
    /// # Errors
    /// When storage fails.
    pub(crate) async fn load(
        state: &AppState,
        p: &PartitionId,
        realm: Realm,
        id: uuid::Uuid,
    ) -> Result<Option<Self>, StoreError> {
        Ok(match realm {
            Realm::Users => state.store.get_user(p, id).await?.map(Self::User),
            Realm::Customers => state.store.get_customer(p, id).await?.map(Self::Customer),
        })
    }

    /// The id (`sub`).
    #[must_use]
    pub(crate) fn id(&self) -> uuid::Uuid {
        match self {
            Self::User(u) => u.id,
            Self::Customer(c) => c.id,
        }
    }

    /// Whether the account may sign in and use its tokens.
    #[must_use]
    pub(crate) fn enabled(&self) -> bool {
        match self {
            Self::User(u) => u.enabled,
            Self::Customer(c) => c.enabled,
        }
    }

    /// The `actor` claim.
    #[must_use]
    pub(crate) fn actor(&self) -> Actor {
        match self {
            Self::User(_) => Actor::User,
            Self::Customer(_) => Actor::Customer,
        }
    }

    /// The ID token's profile claims released by `scope` (space-separated; `profile` and
    /// `email`): kept to the few a relying party needs at sign-in, the rest is at userinfo.
    #[must_use]
    pub(crate) fn claims(&self, scope: &str) -> ProfileClaims {
        let has = |s: &str| scope.split(' ').any(|t| t == s);
        let (name, username, email, verified) = match self {
            Self::User(u) => (
                &u.display_name,
                Some(&u.username),
                &u.email,
                u.claims.email_verified,
            ),
            Self::Customer(c) => (&c.display_name, None, &c.email, c.claims.email_verified),
        };
        ProfileClaims {
            name: has("profile").then(|| name.clone()),
            preferred_username: if has("profile") {
                username.cloned()
            } else {
                None
            },
            email: has("email").then(|| email.clone()),
            email_verified: has("email").then_some(verified),
        }
    }

    /// Every standard claim the account has a value for (OIDC Core §5.1), as userinfo would
    /// release them with every scope: what a `claims` request (§5.5) picks from.
    #[must_use]
    pub(crate) fn standard_claims(&self) -> Map<String, Value> {
        self.userinfo_claims("profile email address phone")
    }

    /// Every standard claim `scope` releases at userinfo (OIDC Core §5.4), `sub` aside: only
    /// claims that have a value, `updated_at` in seconds since the epoch (§5.1).
    #[must_use]
    pub(crate) fn userinfo_claims(&self, scope: &str) -> Map<String, Value> {
        let has = |s: &str| scope.split(' ').any(|t| t == s);
        let (name, username, email, extra, updated_at) = match self {
            Self::User(u) => (
                &u.display_name,
                Some(&u.username),
                &u.email,
                &u.claims,
                u.updated_at,
            ),
            Self::Customer(c) => (&c.display_name, None, &c.email, &c.claims, c.updated_at),
        };
        let mut out = Map::new();
        let mut text = |k: &str, v: Option<&String>| {
            if let Some(v) = v {
                out.insert(k.to_owned(), Value::String(v.clone()));
            }
        };
        if has("profile") {
            text("name", Some(name));
            text("given_name", extra.given_name.as_ref());
            text("family_name", extra.family_name.as_ref());
            text("preferred_username", username);
            text("locale", extra.locale.as_ref());
            text("zoneinfo", extra.zoneinfo.as_ref());
        }
        if has("email") {
            text("email", Some(email));
        }
        if has("phone") {
            text("phone_number", extra.phone_number.as_ref());
        }
        if has("profile") {
            out.insert("updated_at".into(), updated_at.unix_timestamp().into());
        }
        if has("email") {
            out.insert("email_verified".into(), extra.email_verified.into());
        }
        if has("phone") && extra.phone_number.is_some() {
            out.insert(
                "phone_number_verified".into(),
                extra.phone_number_verified.into(),
            );
        }
        let address = extra.address.as_ref().filter(|_| has("address"));
        if let Some(v) = address.and_then(|a| serde_json::to_value(a).ok()) {
            out.insert("address".into(), v);
        }
        out
    }
}
