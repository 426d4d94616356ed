//! Delivering logout tokens to relying parties (OpenID Connect Back-Channel Logout 1.0 §2.5):
//! an HTTP POST of `logout_token=...` to the client's `backchannel_logout_uri`.
//!
//! Deliveries never hold up the response that ended the session: they go to a bounded queue
//! (`[logout] queue_capacity`; when it is full a delivery is dropped with a warning, since a
//! logout must not wait on an unreachable relying party) and are worked off with at most
//! `[logout] max_in_flight` at once. §2.5 asks only for a 200 (or 204, §2.8) answer; anything
//! else — another status, a time-out, a connection failure — is tried again after a doubling
//! back-off, up to `attempts` times and never past `deadline_secs` after the session ended.
//!
//! The URI is chosen by whoever administers a partition, so it is contacted through
//! [`crate::outbound`]: the address is checked before any connection (public
//! addresses only; loopback with `[logout] allow_loopback`), host names resolve only to allowed
//! addresses, and redirects are not followed (§2.5 does not ask to, and a redirect could move
//! the token elsewhere). Every outcome is an audit event `backchannel_logout` naming the client;
//! the token itself is never logged or audited.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tessera_domain::address::OutboundPolicy;
use tessera_domain::audit::Outcome;
use tessera_domain::{ClientId, Clock, PartitionId, Rng};
use tokio::sync::{Semaphore, mpsc};

use crate::audit::AuditContext;
use crate::audit_sink::AuditSink;
use crate::config::LogoutConfig;
use crate::outbound::{self, Refused};

/// One logout token on its way to one relying party.
pub struct Delivery {
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

/// The sending side of the delivery queue, cheap to clone.
#[derive(Debug, Clone)]
pub struct Backchannel {
    tx: mpsc::Sender<(Delivery, Instant)>,
}

/// What audit events are made with.
struct Recorder {
    audit: AuditSink,
    clock: Arc<dyn Clock>,
    rng: Arc<dyn Rng>,
}

impl Backchannel {
    /// Starts the worker that delivers what is queued.
    #[must_use]
    pub fn start(
        config: &LogoutConfig,
        audit: AuditSink,
        clock: Arc<dyn Clock>,
        rng: Arc<dyn Rng>,
    ) -> Self {
        let (tx, rx) = mpsc::channel(config.queue_capacity.max(1));
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
        let recorder = Arc::new(Recorder { audit, clock, rng });
        tokio::spawn(run(
            rx,
            http,
            rules,
            recorder,
            Arc::new(Semaphore::new(config.max_in_flight.max(1))),
        ));
        Self { tx }
    }

    /// Queues a delivery; when the queue is full it is dropped with a warning (never waits).
    pub fn send(&self, delivery: Delivery) {
        let (partition, client) = (delivery.partition.clone(), delivery.client_id);
        if let Err(e) = self.tx.try_send((delivery, Instant::now())) {
            let why = match e {
                mpsc::error::TrySendError::Full(_) => "the delivery queue is full",
                mpsc::error::TrySendError::Closed(_) => "the delivery worker has stopped",
            };
            tracing::warn!(
                partition = %partition,
                client_id = %client,
                "a back-channel logout token was dropped: {why}"
            );
        }
    }
}

async fn run(
    mut rx: mpsc::Receiver<(Delivery, Instant)>,
    http: Option<reqwest::Client>,
    rules: Rules,
    recorder: Arc<Recorder>,
    slots: Arc<Semaphore>,
) {
    while let Some((delivery, queued)) = rx.recv().await {
        // The semaphore is never closed, so this waits for a free slot.
        let Ok(permit) = slots.clone().acquire_owned().await else {
            return;
        };
        let http = http.clone();
        let recorder = recorder.clone();
        tokio::spawn(async move {
            let outcome = match http {
                Some(c) => deliver(&c, rules, &delivery, queued).await,
                None => Err("no HTTP client".to_owned()),
            };
            recorder.record(&delivery, outcome).await;
            drop(permit);
        });
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
                (Outcome::Failure, format!("not delivered: {why}"))
            }
        };
        let event = AuditContext::system(Some(d.partition.clone())).event(
            &(&*self.clock, &*self.rng),
            "backchannel_logout",
            "client_application",
            Some(d.client_id.to_string()),
            result,
            Some(detail),
        );
        self.audit.record(event).await;
    }
}

/// Delivers `d`; returns the attempt that succeeded, or why none did.
async fn deliver(
    http: &reqwest::Client,
    rules: Rules,
    d: &Delivery,
    queued: Instant,
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
        match http
            .post(url.clone())
            .form(&[("logout_token", d.token.as_str())])
            .send()
            .await
        {
            // §2.8: 200 OK; 204 No Content is also success.
            Ok(r) if matches!(r.status().as_u16(), 200 | 204) => return Ok(attempt),
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
            let err = deliver(&http, STRICT, &delivery(uri), Instant::now())
                .await
                .unwrap_err();
            assert!(err.contains("refused before connecting"), "{uri}: {err}");
            // No back-off was waited for: nothing was attempted.
            assert!(started.elapsed() < Duration::from_secs(5), "{uri}");
        }
    }

    #[test]
    fn the_token_stays_out_of_debug_output() {
        let shown = format!("{:?}", delivery("https://rp.example/bc"));
        assert!(!shown.contains("secret-token"), "{shown}");
    }
}
