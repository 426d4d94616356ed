//! Delivering logout tokens to relying parties (OpenID Connect Back-Channel Logout 1.0 §2.5):
//! an HTTP POST of `logout_token=...` to the client's `backchannel_logout_uri`.
//!
//! Deliveries never hold up the response that ended the session, and one partition cannot crowd
//! out the others: the URI is chosen by whoever administers a partition, who could register
//! relying parties that never answer. So:
//! - at most `[logout] queue_capacity` deliveries are pending in all, and at most a quarter of
//!   them for one partition; past either limit a delivery is dropped (a logout must not wait on
//!   unreachable relying parties), which is logged and audited;
//! - at most `[logout] max_in_flight` requests are open at once, and at most a quarter of them
//!   for one partition; a delivery holds a slot only while its request is open, not while it
//!   waits to try again;
//! - §2.5 asks for a 200 (or 204, §2.8). A time-out, a connection failure or a 5xx is tried
//!   again after a doubling back-off, up to `attempts` times; a 3xx or 4xx is not (§2.8: 400 is
//!   the relying party refusing the token, and redirects are not followed); and nothing is
//!   attempted past `deadline_secs` after the session ended.
//!
//! The address is checked through [`crate::outbound`] before any connection (public addresses
//! only; loopback with `[logout] allow_loopback`), host names resolve only to allowed addresses,
//! and redirects are not followed (a redirect could move the token elsewhere). Every outcome is
//! an audit event `backchannel_logout` naming the client; the token is never logged or audited,
//! and neither are the addresses a refused host name resolved to (the partition's
//! administrators read its audit trail; the server log has them).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tessera_domain::address::OutboundPolicy;
use tessera_domain::audit::{Action, ObjectType, Outcome};
use tessera_domain::{ClientId, Clock, PartitionId, Rng};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::audit::AuditContext;
use crate::audit_sink::AuditSink;
use crate::config::LogoutConfig;
use crate::outbound::{self, Refused};

/// One logout token on its way to one relying party.
pub(crate) struct Delivery {
    /// The client's partition.
    pub partition: PartitionId,
    /// The client.
    pub client_id: ClientId,
    /// Its `backchannel_logout_uri`.
    pub uri: String,
    /// The signed logout token.
    pub token: String,
}

impl std::fmt::Debug for Delivery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Delivery")
            .field("partition", &self.partition)
            .field("client_id", &self.client_id)
            .field("uri", &self.uri)
            .field("token", &"<redacted>")
            .finish()
    }
}

/// How deliveries are made.
#[derive(Debug, Clone, Copy)]
struct Rules {
    policy: OutboundPolicy,
    attempts: u32,
    backoff: Duration,
    deadline: Duration,
}

/// The delivery service, cheap to clone.
#[derive(Debug, Clone)]
pub(crate) struct Backchannel {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    http: Option<reqwest::Client>,
    rules: Rules,
    recorder: Recorder,
    /// Open requests, all partitions.
    slots: Arc<Semaphore>,
    /// Pending deliveries (queued, waiting to retry or in flight) per partition, with the
    /// partition's own share of the open requests.
    pending: Mutex<Pending>,
    capacity: usize,
    partition_capacity: usize,
    partition_in_flight: usize,
}

#[derive(Debug, Default)]
struct Pending {
    total: usize,
    by_partition: HashMap<PartitionId, (usize, Arc<Semaphore>)>,
}

/// What audit events are made with.
struct Recorder {
    audit: AuditSink,
    clock: Arc<dyn Clock>,
    rng: Arc<dyn Rng>,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder").finish_non_exhaustive()
    }
}

/// One partition's share of a limit: a quarter, at least one.
fn share(limit: usize) -> usize {
    (limit / 4).max(1)
}

impl Backchannel {
    /// The delivery service; deliveries run on the current tokio runtime.
    #[must_use]
    pub(crate) fn start(
        config: &LogoutConfig,
        audit: AuditSink,
        clock: Arc<dyn Clock>,
        rng: Arc<dyn Rng>,
    ) -> Self {
        let rules = Rules {
            policy: config.policy(),
            attempts: config.attempts.max(1),
            backoff: Duration::from_millis(config.retry_backoff_ms),
            deadline: Duration::from_secs(config.deadline_secs),
        };
        let http = outbound::build(
            rules.policy,
            Duration::from_millis(config.attempt_timeout_ms),
        );
        let http = match http {
            Ok(c) => Some(c),
            Err(e) => {
                tracing::error!(error = %e, "back-channel logout client unavailable; logout tokens will not be delivered");
                None
            }
        };
        let in_flight = config.max_in_flight.max(1);
        let capacity = config.queue_capacity.max(1);
        Self {
            inner: Arc::new(Inner {
                http,
                rules,
                recorder: Recorder { audit, clock, rng },
                slots: Arc::new(Semaphore::new(in_flight)),
                pending: Mutex::new(Pending::default()),
                capacity,
                partition_capacity: share(capacity),
                partition_in_flight: share(in_flight),
            }),
        }
    }

    /// Starts a delivery in the background, or drops it (logged and audited) when the queue, or
    /// the partition's share of it, is full. Never waits.
    pub(crate) fn send(&self, delivery: Delivery) {
        let inner = self.inner.clone();
        let admitted = inner.admit(&delivery.partition);
        tokio::spawn(async move {
            let Some(own_slots) = admitted else {
                let why = "dropped: too many logout deliveries are pending (for this partition or in all)";
                inner.recorder.record(&delivery, Err(why.to_owned())).await;
                return;
            };
            let queued = Instant::now();
            let outcome = match &inner.http {
                Some(c) => {
                    deliver(c, inner.rules, &delivery, queued, &own_slots, &inner.slots).await
                }
                None => Err("no HTTP client".to_owned()),
            };
            inner.recorder.record(&delivery, outcome).await;
            inner.release(&delivery.partition);
        });
    }
}

impl Inner {
    /// Counts a new pending delivery of `p`; its share of the open requests, or `None` when
    /// there is no room for it.
    fn admit(&self, p: &PartitionId) -> Option<Arc<Semaphore>> {
        let mut pending = self
            .pending
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        pending.admit(
            p,
            self.capacity,
            self.partition_capacity,
            self.partition_in_flight,
        )
    }

    /// A delivery of `p` is over.
    fn release(&self, p: &PartitionId) {
        let mut pending = self
            .pending
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        pending.release(p);
    }
}

impl Pending {
    fn admit(
        &mut self,
        p: &PartitionId,
        capacity: usize,
        partition_capacity: usize,
        partition_in_flight: usize,
    ) -> Option<Arc<Semaphore>> {
        if self.total >= capacity {
            return None;
        }
        let entry = self
            .by_partition
            .entry(p.clone())
            .or_insert_with(|| (0, Arc::new(Semaphore::new(partition_in_flight))));
        if entry.0 >= partition_capacity {
            return None;
        }
        entry.0 += 1;
        let own = entry.1.clone();
        self.total += 1;
        Some(own)
    }

    fn release(&mut self, p: &PartitionId) {
        self.total = self.total.saturating_sub(1);
        if let Some(entry) = self.by_partition.get_mut(p) {
            entry.0 = entry.0.saturating_sub(1);
            if entry.0 == 0 {
                self.by_partition.remove(p);
            }
        }
    }
}

impl Recorder {
    async fn record(&self, d: &Delivery, outcome: Result<u32, String>) {
        let (result, detail) = match &outcome {
            Ok(n) => {
                tracing::info!(partition = %d.partition, client_id = %d.client_id, attempts = n, "back-channel logout delivered");
                (Outcome::Success, format!("delivered (attempt {n})"))
            }
            Err(why) => {
                tracing::warn!(partition = %d.partition, client_id = %d.client_id, "back-channel logout not delivered: {why}");
                (
                    Outcome::Failure,
                    format!("not delivered: {}", for_audit(why)),
                )
            }
        };
        let event = AuditContext::system(Some(d.partition.clone())).event(
            &(&*self.clock, &*self.rng),
            Action::BackchannelLogout,
            ObjectType::ClientApplication,
            Some(d.client_id.to_string()),
            result,
            Some(detail),
        );
        self.audit.record(event).await;
    }
}

/// What the partition's audit trail says of a failure: a host name's refusal without the
/// addresses it resolved to (they would map the deployment's internal network for a partition
/// administrator; the server log keeps them). An address written in the URI is the
/// administrator's own and stays.
fn for_audit(why: &str) -> String {
    let Some(at) = why.find("resolves to no allowed address (") else {
        return why.to_owned();
    };
    // "… (10.20.0.5 private, ::1 loopback)": keep the classes, not the addresses.
    let found = why[at..]
        .split_once('(')
        .map_or("", |(_, rest)| rest.trim_end_matches(')'));
    let mut classes: Vec<&str> = found
        .split(", ")
        .filter_map(|a| a.rsplit_once(' ').map(|(_, class)| class))
        .collect();
    classes.dedup();
    format!(
        "refused before connecting: the host name resolves to no address Tessera may contact ({})",
        classes.join(", ")
    )
}

/// A slot of `own` (the partition's share) and one of `all`, held while one request is open.
async fn slot(
    own: &Arc<Semaphore>,
    all: &Arc<Semaphore>,
) -> Option<(OwnedSemaphorePermit, OwnedSemaphorePermit)> {
    let a = own.clone().acquire_owned().await.ok()?;
    let b = all.clone().acquire_owned().await.ok()?;
    Some((a, b))
}

/// Delivers `d`, holding a slot of `own` and of `all` only while a request is open; returns the
/// attempt that succeeded, or why none did.
async fn deliver(
    http: &reqwest::Client,
    rules: Rules,
    d: &Delivery,
    queued: Instant,
    own: &Arc<Semaphore>,
    all: &Arc<Semaphore>,
) -> Result<u32, String> {
    let url = reqwest::Url::parse(&d.uri)
        .map_err(|_| "the backchannel_logout_uri is not a URL".to_owned())?;
    outbound::check_url(&url, rules.policy).map_err(|e| e.to_string())?;
    let mut backoff = rules.backoff;
    let mut last = String::new();
    for attempt in 1..=rules.attempts {
        if attempt > 1 {
            let left = rules.deadline.saturating_sub(queued.elapsed());
            if left <= backoff {
                return Err(format!(
                    "{last}; deadline reached after {} attempt(s)",
                    attempt - 1
                ));
            }
            tokio::time::sleep(backoff).await;
            backoff = backoff.saturating_mul(2);
        }
        let Some(permits) = slot(own, all).await else {
            return Err("the delivery service has stopped".to_owned());
        };
        // Waiting for a slot may have used up the time the token is worth sending in.
        if queued.elapsed() >= rules.deadline {
            return Err(format!(
                "not attempted: no free slot before the deadline ({} attempt(s) made)",
                attempt - 1
            ));
        }
        let sent = http
            .post(url.clone())
            .form(&[("logout_token", d.token.as_str())])
            .send()
            .await;
        drop(permits);
        match sent {
            // §2.8: 200 OK; 204 No Content is also success.
            Ok(r) if matches!(r.status().as_u16(), 200 | 204) => return Ok(attempt),
            // A refusal (§2.8: 400 is a token the RP rejects) or a redirect (not followed)
            // would be answered the same way again.
            Ok(r) if r.status().is_client_error() || r.status().is_redirection() => {
                return Err(format!("answered {}; not tried again", r.status()));
            }
            Ok(r) => last = format!("answered {}", r.status()),
            Err(e) => {
                if let Some(refused) = refused(&e) {
                    // The resolver found no allowed address: trying again changes nothing.
                    return Err(refused);
                }
                last = if e.is_timeout() {
                    "timed out".to_owned()
                } else {
                    "connection failed".to_owned()
                };
            }
        }
    }
    Err(format!("{last}; {} attempt(s) made", rules.attempts))
}

/// The address refusal inside a request error (from [`outbound::PolicyResolver`]), if that
/// is what it was.
fn refused(e: &reqwest::Error) -> Option<String> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(r) = err.downcast_ref::<Refused>() {
            return Some(r.to_string());
        }
        // The connector may wrap the resolver's error in a type of its own.
        let text = err.to_string();
        if let Some(at) = text.find("refused before connecting") {
            return Some(text[at..].to_owned());
        }
        cur = err.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delivery(uri: &str) -> Delivery {
        Delivery {
            partition: PartitionId::parse("acme").unwrap(),
            client_id: uuid::Uuid::nil(),
            uri: uri.to_owned(),
            token: "secret-token".to_owned(),
        }
    }

    const STRICT: Rules = Rules {
        policy: OutboundPolicy {
            allow_loopback: false,
        },
        attempts: 3,
        backoff: Duration::from_secs(60),
        deadline: Duration::from_secs(30),
    };

    #[tokio::test]
    async fn refused_addresses_are_never_contacted() {
        let http = outbound::build(STRICT.policy, Duration::from_secs(5)).unwrap();
        for uri in [
            "https://10.0.0.1/bc",
            "https://169.254.169.254/latest",
            "https://127.0.0.1/bc",
            "http://localhost:9/bc",
            "https://[::1]/bc",
        ] {
            let started = Instant::now();
            let (own, all) = (Arc::new(Semaphore::new(1)), Arc::new(Semaphore::new(1)));
            let err = deliver(&http, STRICT, &delivery(uri), Instant::now(), &own, &all)
                .await
                .unwrap_err();
            assert!(err.contains("refused before connecting"), "{uri}: {err}");
            // No back-off was waited for: nothing was attempted.
            assert!(started.elapsed() < Duration::from_secs(5), "{uri}");
        }
    }

    /// One partition fills at most its share of the queue; another still gets in; a finished
    /// delivery frees its place; the whole queue is bounded too.
    #[test]
    fn one_partition_cannot_take_the_whole_queue() {
        let (evil, other) = (
            PartitionId::parse("evil").unwrap(),
            PartitionId::parse("other").unwrap(),
        );
        let mut pending = Pending::default();
        let (capacity, share_of_it) = (8, share(8));
        assert_eq!(share_of_it, 2);
        assert!(pending.admit(&evil, capacity, share_of_it, 1).is_some());
        assert!(pending.admit(&evil, capacity, share_of_it, 1).is_some());
        assert!(pending.admit(&evil, capacity, share_of_it, 1).is_none());
        assert!(pending.admit(&other, capacity, share_of_it, 1).is_some());
        pending.release(&evil);
        assert!(pending.admit(&evil, capacity, share_of_it, 1).is_some());
        // The total bounds the sum over partitions.
        let mut full = Pending::default();
        for i in 0..8 {
            let p = PartitionId::parse(&format!("part{i}")).unwrap();
            assert!(full.admit(&p, 4, 4, 1).is_some() || i >= 4);
        }
        assert_eq!(full.total, 4);
        // A partition's open requests share one semaphore of its own.
        let a = pending.admit(&other, capacity, share_of_it, 1).unwrap();
        assert_eq!(a.available_permits(), 1);
    }

    #[test]
    fn audited_refusals_leave_out_the_resolved_addresses() {
        let why = "refused before connecting: rp.corp.example resolves to no allowed address (10.20.0.5 private)";
        assert_eq!(
            for_audit(why),
            "refused before connecting: the host name resolves to no address Tessera may contact (private)"
        );
        let literal = "refused before connecting: 10.0.0.1 is a private address";
        assert_eq!(for_audit(literal), literal);
        assert_eq!(
            for_audit("answered 500 Internal Server Error"),
            "answered 500 Internal Server Error"
        );
    }

    #[test]
    fn the_token_stays_out_of_debug_output() {
        let shown = format!("{:?}", delivery("https://rp.example/bc"));
        assert!(!shown.contains("secret-token"), "{shown}");
    }
}
