//! Writes audit events and secret `last_used_at` times in batches, off the request path.
//!
//! The token endpoint must not wait for a database write
//! (docs/design.md#audit-off-the-request-path), yet every issuance is audited. Requests hand
//! events to a bounded channel; one task writes them in batches (a transaction per batch),
//! retrying with back-off while the database is down, and drains the channel on shutdown so a
//! clean stop loses nothing.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use time::OffsetDateTime;
use tokio::sync::{mpsc, oneshot};

use tessera_domain::audit::AuditEvent;
use tessera_domain::store::Store;

/// Events buffered before senders wait (back-pressure instead of unbounded memory).
const CHANNEL_CAPACITY: usize = 8_192;
/// Largest batch written in one transaction.
const MAX_BATCH: usize = 1_000;
/// Longest an event waits for its batch.
const FLUSH_EVERY: Duration = Duration::from_millis(200);

enum Item {
    Audit(AuditEvent),
    SecretUsed(uuid::Uuid, OffsetDateTime),
    Close(oneshot::Sender<()>),
}

/// The sending side, cheap to clone.
#[derive(Clone, Debug)]
pub(crate) struct AuditSink {
    tx: mpsc::Sender<Item>,
}

impl std::fmt::Debug for Item {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Audit(e) => write!(f, "Audit({})", e.action),
            Self::SecretUsed(id, _) => write!(f, "SecretUsed({id})"),
            Self::Close(_) => f.write_str("Close"),
        }
    }
}

impl AuditSink {
    /// Starts the writer task.
    #[must_use]
    pub(crate) fn start(store: Arc<dyn Store>) -> Self {
        let (tx, rx) = mpsc::channel(CHANNEL_CAPACITY);
        tokio::spawn(run(store, rx));
        Self { tx }
    }

    /// Writes everything queued so far and stops the writer; call after the server has
    /// finished its in-flight requests.
    pub(crate) async fn close(&self) {
        let (ack, done) = oneshot::channel();
        if self.tx.send(Item::Close(ack)).await.is_ok() {
            let _ = done.await;
        }
    }

    /// Queues an event. Waits only when the queue is full.
    pub(crate) async fn record(&self, event: AuditEvent) {
        if self.tx.send(Item::Audit(event)).await.is_err() {
            tracing::error!("audit writer stopped; an audit event was not recorded");
        }
    }

    /// Queues a secret's last-used time.
    pub(crate) async fn secret_used(&self, secret: uuid::Uuid, at: OffsetDateTime) {
        let _ = self.tx.send(Item::SecretUsed(secret, at)).await;
    }
}

async fn run(store: Arc<dyn Store>, mut rx: mpsc::Receiver<Item>) {
    let mut events = Vec::new();
    let mut used: HashMap<uuid::Uuid, OffsetDateTime> = HashMap::new();
    let mut ack = None;
    loop {
        let closed = tokio::select! {
            item = rx.recv() => match item {
                Some(Item::Close(a)) => { ack = Some(a); true }
                Some(item) => { take(item, &mut events, &mut used); false }
                None => true,
            },
            () = tokio::time::sleep(FLUSH_EVERY), if !events.is_empty() || !used.is_empty() => false,
        };
        // Drain what is already queued without waiting.
        while !closed && events.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(Item::Close(a)) => {
                    ack = Some(a);
                    break;
                }
                Ok(item) => take(item, &mut events, &mut used),
                Err(_) => break,
            }
        }
        let closed = closed || ack.is_some();
        if !events.is_empty() || !used.is_empty() {
            flush(&*store, &mut events, &mut used, closed).await;
        }
        if closed {
            if let Some(a) = ack {
                let _ = a.send(());
            }
            return;
        }
    }
}

fn take(item: Item, events: &mut Vec<AuditEvent>, used: &mut HashMap<uuid::Uuid, OffsetDateTime>) {
    match item {
        Item::Audit(e) => events.push(e),
        Item::Close(_) => {}
        Item::SecretUsed(id, at) => {
            let slot = used.entry(id).or_insert(at);
            if *slot < at {
                *slot = at;
            }
        }
    }
}

async fn flush(
    store: &dyn Store,
    events: &mut Vec<AuditEvent>,
    used: &mut HashMap<uuid::Uuid, OffsetDateTime>,
    closing: bool,
) {
    let mut delay = Duration::from_millis(100);
    loop {
        let mut ok = true;
        if !events.is_empty() {
            match store.append_audit_events(events).await {
                Ok(()) => events.clear(),
                Err(e) => {
                    ok = false;
                    tracing::warn!(error = %e, pending = events.len(), "audit events not yet written; retrying");
                }
            }
        }
        if !used.is_empty() {
            let batch: Vec<_> = used.iter().map(|(k, v)| (*k, *v)).collect();
            match store.touch_client_secrets(&batch).await {
                Ok(()) => used.clear(),
                Err(e) => {
                    ok = false;
                    tracing::warn!(error = %e, "secret last-used times not yet written; retrying");
                }
            }
        }
        if ok {
            return;
        }
        if !closing && events.len() < MAX_BATCH * 50 {
            // Keep accepting events meanwhile; the next loop turn retries.
            return;
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(5));
        if closing && delay >= Duration::from_secs(5) {
            tracing::error!(
                lost = events.len(),
                "database unavailable at shutdown; audit events could not be written"
            );
            return;
        }
    }
}
