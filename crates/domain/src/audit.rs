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
}
