//! What the Users and Customers pages ([`super::accounts`]) need to know about each kind of
//! account: its addresses and words, its row, and which admin operations read and change it —
//! as `admin_ops` shares one implementation through its `Account` trait, the console shares one
//! set of pages through [`AccountKind`].

use async_trait::async_trait;
use tessera_domain::customer::{Customer, CustomerChanges};
use tessera_domain::user::{User, UserChanges};

use super::actions::csrf_field;
use crate::admin_api::error::ApiError;
use crate::admin_ops::accounts::Account;
use crate::admin_ops::customers::NewCustomer;
use crate::admin_ops::users::NewUser;
use crate::console::people_ops as ops;
use crate::console::session::ConsoleUser;
use crate::state::AppState;

/// An account as the pages show it.
#[derive(Debug, Clone, Default)]
pub(crate) struct AccountRow {
    /// Its id.
    pub id: String,
    /// Username (users only).
    pub username: String,
    /// Email.
    pub email: String,
    /// Display name.
    pub display_name: String,
    /// Department (users only).
    pub department: String,
    /// Partition Administrator (users only).
    pub partition_admin: bool,
    /// Enabled.
    pub enabled: bool,
    /// Its last change, to tell a stale form.
    pub version: String,
}

/// The Add and edit form as typed (also what is shown again after an error).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub(crate) struct AccountForm {
    /// The session's CSRF token.
    pub csrf: Option<String>,
    /// Username (users only).
    #[serde(default)]
    pub username: String,
    /// Email.
    #[serde(default)]
    pub email: String,
    /// Display name.
    #[serde(default)]
    pub display_name: String,
    /// Department (users only).
    #[serde(default)]
    pub department: String,
    /// Initial or new password; empty on an edit keeps the password.
    #[serde(default)]
    pub password: String,
    /// Partition Administrator, `on` when ticked (users only).
    pub partition_admin: Option<String>,
    /// The account's version when the edit form was opened.
    #[serde(default)]
    pub version: String,
}

csrf_field!(AccountForm);

impl AccountForm {
    /// The form showing `row` (no password).
    #[must_use]
    pub(crate) fn of(row: &AccountRow) -> Self {
        Self {
            username: row.username.clone(),
            email: row.email.clone(),
            display_name: row.display_name.clone(),
            department: row.department.clone(),
            partition_admin: row.partition_admin.then(|| "on".to_owned()),
            version: row.version.clone(),
            ..Self::default()
        }
    }

    /// Whether Partition Administrator is ticked.
    #[must_use]
    pub(crate) const fn admin(&self) -> bool {
        self.partition_admin.is_some()
    }

    fn new_password(&self) -> Option<String> {
        (!self.password.is_empty()).then(|| self.password.clone())
    }
}

/// `Some(new)` when it differs from `old` (only changed fields are sent: an unchanged email
/// must not lose its verified mark).
fn changed(old: &str, new: &str) -> Option<String> {
    let new = new.trim();
    (old != new).then(|| new.to_owned())
}

/// A time as a stable version string.
fn version(t: time::OffsetDateTime) -> String {
    t.unix_timestamp_nanos().to_string()
}

/// A kind of account the console manages: the admin operations' [`Account`] (which reads,
/// changes, deletes and signs out either kind the same way) plus the pages' words and form.
#[async_trait]
pub(crate) trait AccountKind: Account + 'static {
    /// The address segment (`users`).
    const SEGMENT: &'static str;
    /// The list's title (`Users`).
    const TITLE: &'static str;
    /// One of them (`user`).
    const NOUN: &'static str;
    /// The realm's suffix (`-U`).
    const SUFFIX: &'static str;
    /// Agents have a username, a department and the Partition Administrator role.
    const AGENT: bool;

    /// The account as the pages show it.
    fn row(&self) -> AccountRow;
    /// The change set of what the form changed in `current`.
    fn changes(current: &Self, f: &AccountForm) -> Self::Changes;
    /// The change set that enables or disables the account.
    fn enabling(enabled: bool) -> Self::Changes;
    /// Adds one from the form.
    async fn create(state: &AppState, who: &ConsoleUser, f: &AccountForm)
    -> Result<Self, ApiError>;

    /// Every account of the partition.
    async fn all(state: &AppState, who: &ConsoleUser) -> Result<Vec<Self>, ApiError> {
        ops::all_accounts(state, who).await
    }
    /// One account.
    async fn get(state: &AppState, who: &ConsoleUser, id: &str) -> Result<Self, ApiError> {
        ops::account(state, who, id).await
    }
    /// Applies what the form changed.
    async fn update(
        state: &AppState,
        who: &ConsoleUser,
        current: &Self,
        f: &AccountForm,
    ) -> Result<Self, ApiError> {
        let id = current.id().to_string();
        ops::update_account(state, who, &id, Self::changes(current, f)).await
    }
    /// Enables or disables it.
    async fn set_enabled(
        state: &AppState,
        who: &ConsoleUser,
        id: &str,
        enabled: bool,
    ) -> Result<Self, ApiError> {
        ops::update_account(state, who, id, Self::enabling(enabled)).await
    }
    /// Deletes it.
    async fn delete(state: &AppState, who: &ConsoleUser, id: &str) -> Result<(), ApiError> {
        ops::delete_account::<Self>(state, who, id).await
    }
    /// Signs it out everywhere.
    async fn end_sessions(state: &AppState, who: &ConsoleUser, id: &str) -> Result<(), ApiError> {
        ops::end_account_sessions::<Self>(state, who, id).await
    }
}

#[async_trait]
impl AccountKind for User {
    const SEGMENT: &'static str = "users";
    const TITLE: &'static str = "Users";
    const NOUN: &'static str = "user";
    const SUFFIX: &'static str = "-U";
    const AGENT: bool = true;

    fn row(&self) -> AccountRow {
        AccountRow {
            id: self.id.to_string(),
            username: self.username.clone(),
            email: self.email.clone(),
            display_name: self.display_name.clone(),
            department: self.department.clone(),
            partition_admin: self.partition_admin,
            enabled: self.enabled,
            version: version(self.updated_at),
        }
    }

    fn changes(current: &Self, f: &AccountForm) -> UserChanges {
        UserChanges {
            username: changed(&current.username, &f.username),
            email: changed(&current.email, &f.email),
            display_name: changed(&current.display_name, &f.display_name),
            department: changed(&current.department, &f.department),
            password: f.new_password(),
            partition_admin: (current.partition_admin != f.admin()).then_some(f.admin()),
            ..UserChanges::default()
        }
    }

    fn enabling(enabled: bool) -> UserChanges {
        UserChanges {
            enabled: Some(enabled),
            ..UserChanges::default()
        }
    }

    async fn create(
        state: &AppState,
        who: &ConsoleUser,
        f: &AccountForm,
    ) -> Result<Self, ApiError> {
        let new = NewUser {
            username: f.username.trim().to_owned(),
            email: f.email.trim().to_owned(),
            display_name: f.display_name.trim().to_owned(),
            password: f.password.clone(),
            department: f.department.clone(),
            partition_admin: f.admin(),
            enabled: true,
            claims: tessera_domain::standard_claims::StandardClaims::default(),
        };
        ops::create_user(state, who, new).await
    }
}

#[async_trait]
impl AccountKind for Customer {
    const SEGMENT: &'static str = "customers";
    const TITLE: &'static str = "Customers";
    const NOUN: &'static str = "customer";
    const SUFFIX: &'static str = "-C";
    const AGENT: bool = false;

    fn row(&self) -> AccountRow {
        AccountRow {
            id: self.id.to_string(),
            email: self.email.clone(),
            display_name: self.display_name.clone(),
            enabled: self.enabled,
            version: version(self.updated_at),
            ..AccountRow::default()
        }
    }

    fn changes(current: &Self, f: &AccountForm) -> CustomerChanges {
        CustomerChanges {
            email: changed(&current.email, &f.email),
            display_name: changed(&current.display_name, &f.display_name),
            password: f.new_password(),
            ..CustomerChanges::default()
        }
    }

    fn enabling(enabled: bool) -> CustomerChanges {
        CustomerChanges {
            enabled: Some(enabled),
            ..CustomerChanges::default()
        }
    }

    async fn create(
        state: &AppState,
        who: &ConsoleUser,
        f: &AccountForm,
    ) -> Result<Self, ApiError> {
        let new = NewCustomer {
            email: f.email.trim().to_owned(),
            display_name: f.display_name.trim().to_owned(),
            password: f.password.clone(),
            enabled: true,
            claims: tessera_domain::standard_claims::StandardClaims::default(),
        };
        ops::create_customer(state, who, new).await
    }
}
