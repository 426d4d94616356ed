//! What the store writes beside a domain object: accounts with their password hash (never
//! printed by `Debug`), and everything a new partition starts with.

use crate::api::Api;
use crate::client::ClientApplication;
use crate::customer::Customer;
use crate::department::Department;
use crate::partition::Partition;
use crate::permission::Permission;
use crate::secret::StoredSecret;
use crate::signing_key::SigningKey;
use crate::user::User;

/// A user with the Argon2id hash of their password (PHC string).
#[derive(Clone, PartialEq, Eq)]
pub struct UserRecord {
    /// The user.
    pub user: User,
    /// PHC-format password hash.
    pub password_hash: String,
}

impl std::fmt::Debug for UserRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserRecord")
            .field("user", &self.user)
            .field("password_hash", &"<redacted>")
            .finish()
    }
}

/// A customer with the Argon2id hash of their password.
#[derive(Clone, PartialEq, Eq)]
pub struct CustomerRecord {
    /// The customer.
    pub customer: Customer,
    /// PHC-format password hash.
    pub password_hash: String,
}

impl std::fmt::Debug for CustomerRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CustomerRecord")
            .field("customer", &self.customer)
            .field("password_hash", &"<redacted>")
            .finish()
    }
}

/// Everything a new partition starts with, written in one transaction.
#[derive(Debug, Clone)]
pub struct PartitionSeed {
    /// The partition.
    pub partition: Partition,
    /// Departments (at least `Service`).
    pub departments: Vec<Department>,
    /// The permission catalog.
    pub permissions: Vec<Permission>,
    /// The API catalog.
    pub apis: Vec<Api>,
    /// Users (the first Partition Administrator, demo users).
    pub users: Vec<UserRecord>,
    /// Customers (demo data).
    pub customers: Vec<CustomerRecord>,
    /// Client applications with their assigned permissions.
    pub clients: Vec<ClientApplication>,
    /// Client secrets.
    pub secrets: Vec<StoredSecret>,
    /// One active and one next key per realm.
    pub signing_keys: Vec<SigningKey>,
}
