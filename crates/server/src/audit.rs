//! Building audit events with the request's context filled in once.

use tessera_domain::PartitionId;
use tessera_domain::audit::{Action, ActorKind, AuditEvent, ObjectType, Outcome};

/// Who is acting, from where, in which partition.
#[derive(Debug, Clone)]
pub struct AuditContext {
    /// Partition.
    pub partition: Option<PartitionId>,
    /// Actor kind.
    pub actor_kind: ActorKind,
    /// Actor id.
    pub actor_id: Option<String>,
    /// Source address.
    pub source_ip: Option<String>,
}

impl AuditContext {
    /// The system acting (CLI, start-up).
    #[must_use]
    pub fn system(partition: Option<PartitionId>) -> Self {
        Self {
            partition,
            actor_kind: ActorKind::System,
            actor_id: None,
            source_ip: None,
        }
    }

    /// Someone not (yet) known acting from `source_ip` at a public endpoint of `partition`.
    #[must_use]
    pub(crate) fn anonymous(partition: &PartitionId, source_ip: Option<String>) -> Self {
        Self {
            partition: Some(partition.clone()),
            actor_kind: ActorKind::Anonymous,
            actor_id: None,
            source_ip,
        }
    }

    /// A signed-in user or customer (`subject`) of `partition` acting in their browser.
    #[must_use]
    pub(crate) fn person(
        partition: &PartitionId,
        subject: uuid::Uuid,
        source_ip: Option<String>,
    ) -> Self {
        Self {
            partition: Some(partition.clone()),
            actor_kind: ActorKind::User,
            actor_id: Some(subject.to_string()),
            source_ip,
        }
    }

    /// An event of this context.
    #[must_use]
    pub fn event(
        &self,
        state_like: &dyn EventSource,
        action: Action,
        object_type: ObjectType,
        object_id: Option<String>,
        outcome: Outcome,
        detail: Option<String>,
    ) -> AuditEvent {
        AuditEvent {
            id: state_like.new_id(),
            partition: self.partition.clone(),
            actor_kind: self.actor_kind,
            actor_id: self.actor_id.clone(),
            action: action.as_str().to_owned(),
            object_type: object_type.as_str().to_owned(),
            object_id,
            at: state_like.now(),
            source_ip: self.source_ip.clone(),
            outcome,
            detail: detail.map(|d| d.chars().take(1000).collect()),
        }
    }
}

/// Where ids and times for events come from (the app state, or the CLI's clock and rng).
pub trait EventSource {
    /// A fresh event id.
    fn new_id(&self) -> uuid::Uuid;
    /// Now.
    fn now(&self) -> time::OffsetDateTime;
}

impl EventSource for (&dyn tessera_domain::Clock, &dyn tessera_domain::Rng) {
    fn new_id(&self) -> uuid::Uuid {
        self.1.uuid()
    }
    fn now(&self) -> time::OffsetDateTime {
        self.0.now()
    }
}
