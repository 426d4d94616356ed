//! Audit events: who did what to which object, when, from where, with what outcome.
//! They never carry a secret, password or token.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::ids::PartitionId;

/// Who acted.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActorKind {
    /// A user (by id).
    User,
    /// A client application (by client id).
    Client,
    /// Tessera itself (CLI, start-up).
    System,
    /// Nobody authenticated.
    Anonymous,
}

impl ActorKind {
    /// Stored name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Client => "client",
            Self::System => "system",
            Self::Anonymous => "anonymous",
        }
    }

    /// Parses a stored name.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "user" => Some(Self::User),
            "client" => Some(Self::Client),
            "system" => Some(Self::System),
            "anonymous" => Some(Self::Anonymous),
            _ => None,
        }
    }
}

/// Whether the action succeeded.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Done.
    Success,
    /// Refused.
    Failure,
}

impl Outcome {
    /// Stored name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Failure => "failure",
        }
    }

    /// Parses a stored name.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "success" => Some(Self::Success),
            "failure" => Some(Self::Failure),
            _ => None,
        }
    }
}

/// Declares a list of audit names: an enum, its stored strings, and the list of every value.
macro_rules! audit_names {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => $text:literal,)+ }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vdoc])* $variant,)+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant,)+];

            /// The name written to the audit log (and read by filters, tests and docs).
            #[must_use]
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text,)+
                }
            }

            /// Parses a stored name.
            #[must_use]
            pub fn parse(s: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

audit_names! {
    /// What was done: the dotted `action` of an [`AuditEvent`]. Every event Tessera records
    /// names one of these, so the actions a filter or a reader may meet are listed here.
    Action {
        /// A partition was created with its seed.
        PartitionCreate => "partition.create",
        /// A client application was registered.
        ClientApplicationCreate => "client_application.create",
        /// A client application was changed.
        ClientApplicationUpdate => "client_application.update",
        /// A client application was deleted.
        ClientApplicationDelete => "client_application.delete",
        /// A client application's assigned permissions were replaced.
        ClientPermissionsReplace => "client_application.permissions.replace",
        /// A client secret was added.
        ClientSecretCreate => "client_secret.create",
        /// A client secret was deleted.
        ClientSecretDelete => "client_secret.delete",
        /// A user was created.
        UserCreate => "user.create",
        /// A user was changed.
        UserUpdate => "user.update",
        /// A user was deleted.
        UserDelete => "user.delete",
        /// Every session of a user was ended by an administrator.
        UserSessionsEnd => "user.sessions.end",
        /// A customer was created.
        CustomerCreate => "customer.create",
        /// A customer was changed.
        CustomerUpdate => "customer.update",
        /// A customer was deleted.
        CustomerDelete => "customer.delete",
        /// Every session of a customer was ended by an administrator.
        CustomerSessionsEnd => "customer.sessions.end",
        /// A department was added.
        DepartmentCreate => "department.create",
        /// A department was removed.
        DepartmentDelete => "department.delete",
        /// A department was renamed (its users moved with it).
        DepartmentRename => "department.rename",
        /// An identity provider was registered.
        IdentityProviderCreate => "identity_provider.create",
        /// An identity provider was changed.
        IdentityProviderUpdate => "identity_provider.update",
        /// An identity provider was deleted.
        IdentityProviderDelete => "identity_provider.delete",
        /// An identity provider's signing keys could not be fetched during a token exchange.
        IdentityProviderKeysUnavailable => "identity_provider.keys_unavailable",
        /// A realm's signing keys were rotated.
        SigningKeyRotate => "signing_key.rotate",
        /// A retired signing key was withdrawn.
        SigningKeyRevoke => "signing_key.revoke",
        /// An OpenAPI document was imported into the catalog.
        ApiImport => "api.import",
        /// A token was issued.
        TokenIssue => "token.issue",
        /// A token request was refused.
        TokenRefuse => "token.refuse",
        /// A token was revoked (RFC 7009).
        TokenRevoke => "token.revoke",
        /// An authorization code was issued.
        AuthorizeCode => "authorize.code",
        /// A sign-in succeeded.
        LoginSuccess => "login.success",
        /// A sign-in was refused.
        LoginRefuse => "login.refuse",
        /// A browser session was ended by its holder (RP-initiated logout).
        Logout => "logout",
        /// A back-channel logout token was delivered, or could not be.
        BackchannelLogout => "backchannel_logout",
        /// A Partition Administrator signed in to the Administration Console, or was refused.
        ConsoleSignIn => "console.sign_in",
        /// The Administration Console was signed out of.
        ConsoleSignOut => "console.sign_out",
    }
}

audit_names! {
    /// The kind of object acted on: the `object_type` of an [`AuditEvent`].
    ObjectType {
        /// A partition.
        Partition => "partition",
        /// A client application.
        ClientApplication => "client_application",
        /// A client secret.
        ClientSecret => "client_secret",
        /// A user.
        User => "user",
        /// A customer.
        Customer => "customer",
        /// A department.
        Department => "department",
        /// An identity provider.
        IdentityProvider => "identity_provider",
        /// A signing key.
        SigningKey => "signing_key",
        /// An API of the catalog.
        Api => "api",
        /// A browser session.
        Session => "session",
        /// An access token.
        AccessToken => "access_token",
        /// A refresh token.
        RefreshToken => "refresh_token",
    }
}

/// One audit record.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    /// Event id.
    pub id: uuid::Uuid,
    /// Partition concerned (`None` for deployment-wide events).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub partition: Option<PartitionId>,
    /// Kind of actor.
    pub actor_kind: ActorKind,
    /// Actor id (user id, client id), when known.
    pub actor_id: Option<String>,
    /// What was done, dotted: `client_application.create`, `token.issue`.
    pub action: String,
    /// Kind of object acted on.
    pub object_type: String,
    /// Id of the object acted on.
    pub object_id: Option<String>,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// Source address of the request.
    pub source_ip: Option<String>,
    /// Outcome.
    pub outcome: Outcome,
    /// Non-secret detail (e.g. the refusal reason or the granted scopes).
    pub detail: Option<String>,
}

/// Filters for listing audit events.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Only this action.
    pub action: Option<String>,
    /// Only this object type.
    pub object_type: Option<String>,
    /// Only this object id.
    pub object_id: Option<String>,
    /// Only this actor id.
    pub actor_id: Option<String>,
    /// Only this outcome.
    pub outcome: Option<Outcome>,
    /// Only at or after.
    pub since: Option<OffsetDateTime>,
    /// Only before.
    pub until: Option<OffsetDateTime>,
    /// Newest first (the console's audit log) instead of oldest first; the cursor then resumes
    /// before the last event returned, so paging stays stable while new events are written.
    pub newest_first: bool,
}

#[cfg(test)]
mod tests {
    use super::{Action, ObjectType};

    #[test]
    fn names_are_unique_and_parse_back() {
        for (i, a) in Action::ALL.iter().enumerate() {
            assert_eq!(Action::parse(a.as_str()), Some(*a));
            assert!(!Action::ALL[..i].iter().any(|b| b.as_str() == a.as_str()));
        }
        for (i, o) in ObjectType::ALL.iter().enumerate() {
            assert_eq!(ObjectType::parse(o.as_str()), Some(*o));
            assert!(
                !ObjectType::ALL[..i]
                    .iter()
                    .any(|b| b.as_str() == o.as_str())
            );
        }
        assert_eq!(Action::parse("token.nope"), None);
        assert_eq!(Action::TokenIssue.to_string(), "token.issue");
    }
}
