//! The person a browser sign-in is for: an agent at `-U`, a customer at `-C`.

use tessera_domain::customer::Customer;
use tessera_domain::user::User;
use tessera_domain::{PartitionId, Realm};
use tessera_oauth_types::{Actor, ProfileClaims};

use super::error::OAuthError;
use crate::state::AppState;

/// A signed-in user or customer.
#[derive(Debug, Clone)]
pub enum Person {
    /// An agent (users realm).
    User(User),
    /// An end customer (customers realm).
    Customer(Customer),
}

impl Person {
    /// Loads the realm's user or customer with `id`; `None` when it no longer exists.
    ///
    /// # Errors
    /// 503/500 when storage fails.
    pub async fn load(
        state: &AppState,
        p: &PartitionId,
        realm: Realm,
        id: uuid::Uuid,
    ) -> Result<Option<Self>, OAuthError> {
        Ok(match realm {
            Realm::Users => state.store.get_user(p, id).await?.map(Self::User),
            Realm::Customers => state.store.get_customer(p, id).await?.map(Self::Customer),
        })
    }

    /// The id (`sub`).
    #[must_use]
    pub fn id(&self) -> uuid::Uuid {
        match self {
            Self::User(u) => u.id,
            Self::Customer(c) => c.id,
        }
    }

    /// Whether the account may sign in and use its tokens.
    #[must_use]
    pub fn enabled(&self) -> bool {
        match self {
            Self::User(u) => u.enabled,
            Self::Customer(c) => c.enabled,
        }
    }

    /// The `actor` claim.
    #[must_use]
    pub fn actor(&self) -> Actor {
        match self {
            Self::User(_) => Actor::User,
            Self::Customer(_) => Actor::Customer,
        }
    }

    /// The profile claims released by `scope` (space-separated; `profile` and `email`).
    #[must_use]
    pub fn claims(&self, scope: &str) -> ProfileClaims {
        let has = |s: &str| scope.split(' ').any(|t| t == s);
        let (name, username, email) = match self {
            Self::User(u) => (&u.display_name, Some(&u.username), &u.email),
            Self::Customer(c) => (&c.display_name, None, &c.email),
        };
        ProfileClaims {
            name: has("profile").then(|| name.clone()),
            preferred_username: if has("profile") {
                username.cloned()
            } else {
                None
            },
            email: has("email").then(|| email.clone()),
        }
    }
}
