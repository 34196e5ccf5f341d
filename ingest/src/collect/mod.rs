//! The HTTP collector: apps `POST /v1/events`, and a 202 means their events are durable.
//!
//! - `http`: the routes, and the order of the checks of a request (token, media type, size,
//!   validation, scope, room) before anything is stored;
//! - [`tokens`]: bearer tokens, stored as hashes, each with its scope;
//! - `lake_sink`: lake mode, group commit through the same [`Ingestor`] as `pdn ingest`;
//! - `kafka_sink`: Kafka mode, an idempotent producer, 202 after every delivery report;
//! - `metrics`: the Prometheus exposition of `GET /metrics`;
//! - [`openapi`]: the OpenAPI document served at `GET /openapi.json`.
//!
//! Two rules hold whatever the mode:
//! - **durable before 202**: the answer is sent only once every event of the request is committed
//!   to the lake or acknowledged by all in-sync Kafka replicas; anything else (a crash, a storage
//!   or broker error: 503) leaves the client without a 202, and it re-sends with the same ids;
//! - **all or nothing**: a request with any invalid (400) or out-of-scope (403) event stores none
//!   of its events, so the app keeps its batch, fixes it and sends it again.
//!
//! [`run`] takes its listener and a shutdown future (as in tokio's mini-redis), so tests bind
//! port 0. On shutdown it stops accepting connections, answers the requests in flight (their
//! events are committed or delivered first), then commits what is pending and returns.

mod http;
mod kafka_sink;
mod lake_sink;
mod metrics;
pub mod openapi;
pub mod tokens;

use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Utc};
use pdn_schemas::Event;
use tokio::net::TcpListener;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

pub use kafka_sink::KafkaTarget;
pub use tokens::Tokens;

use crate::error::{IngestError, Result};
use crate::pipeline::Ingestor;
use kafka_sink::KafkaSink;
use lake_sink::LakeSink;
use metrics::Metrics;

/// What a request may hold, and how much may wait to become durable.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest request body, in bytes (413 beyond).
    pub max_body_bytes: usize,
    /// Most events in one request (413 beyond).
    pub max_request_events: usize,
    /// Most events waiting to become durable, all requests together (429 beyond).
    pub max_pending_events: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: 8 << 20,
            max_request_events: 10_000,
            max_pending_events: 100_000,
        }
    }
}

/// Where accepted events go.
pub enum Destination {
    /// Committed to a lake by this ingestor, as source `http:<name>`.
    Lake {
        ingestor: Box<Ingestor>,
        name: String,
    },
    /// Produced to a Kafka topic.
    Kafka(KafkaTarget),
}

/// How the collector is set up, whatever the destination.
pub struct Settings {
    pub tokens: Tokens,
    pub limits: Limits,
    /// Validate as if it were this instant (tests); `None`: the clock, read for each request.
    pub now: Option<DateTime<Utc>>,
}

/// What became of a request's events once durable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// Events of the request, all durable.
    pub accepted: usize,
    /// How many of them the lake already held (lake mode only: the ingest drops Kafka's).
    pub duplicates: Option<usize>,
    /// The lake version that holds them (lake mode only).
    pub version: Option<u64>,
}

/// A request's events durable, or the reason they may not be.
pub type StoreResult = std::result::Result<Receipt, Arc<IngestError>>;

enum Sink {
    Lake(LakeSink),
    Kafka(Arc<KafkaSink>),
}

impl Sink {
    async fn store(
        &self,
        events: Vec<(Vec<u8>, Event)>,
        valid_at: Instant,
        permit: OwnedSemaphorePermit,
    ) -> StoreResult {
        match self {
            Sink::Lake(s) => s.store(events, valid_at, permit).await,
            Sink::Kafka(s) => s.store(events, valid_at, permit).await,
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Sink::Lake(_) => "lake",
            Sink::Kafka(_) => "kafka",
        }
    }

    async fn healthy(&self) -> bool {
        match self {
            Sink::Lake(s) => s.healthy(),
            Sink::Kafka(s) => s.healthy().await,
        }
    }

    /// The collector is shutting down: stop batching for latency (lake mode).
    fn drain(&self) {
        if let Sink::Lake(s) = self {
            s.drain();
        }
    }

    /// Resolves when the sink has failed for good (the lake writer stopped on an error).
    async fn failed(&self) {
        match self {
            Sink::Lake(s) => s.failed().await,
            Sink::Kafka(_) => std::future::pending().await,
        }
    }

    fn gauges(&self) -> Vec<(&'static str, &'static str, f64)> {
        match self {
            Sink::Lake(s) => s.gauges(),
            Sink::Kafka(s) => s.gauges(),
        }
    }

    async fn close(&self) -> std::result::Result<(), Arc<IngestError>> {
        match self {
            Sink::Lake(s) => s.close().await,
            Sink::Kafka(s) => s.close().await,
        }
    }
}

/// What the request handlers share.
struct State {
    sink: Sink,
    tokens: Tokens,
    limits: Limits,
    now: Option<DateTime<Utc>>,
    /// One permit per event that may wait to become durable.
    pending: Arc<Semaphore>,
    metrics: Arc<Metrics>,
    /// The OpenAPI document, rendered once.
    openapi: String,
}

/// A collector ready to serve: its sink is open (the lake writer runs, or the producer exists).
pub struct Collector {
    state: Arc<State>,
}

impl Collector {
    /// Checks the settings and opens the destination.
    pub fn new(settings: Settings, destination: Destination) -> Result<Collector> {
        let limits = settings.limits;
        let invalid =
            |setting, reason: String| Err(IngestError::CollectorConfig { setting, reason });
        if limits.max_body_bytes == 0 {
            return invalid("max_body_bytes", "must be at least 1".into());
        }
        if limits.max_request_events == 0 || limits.max_request_events > limits.max_pending_events {
            return invalid(
                "max_request_events",
                format!(
                    "must be between 1 and max_pending_events ({})",
                    limits.max_pending_events
                ),
            );
        }
        if limits.max_pending_events > Semaphore::MAX_PERMITS.min(u32::MAX as usize) {
            return invalid("max_pending_events", "is too large".into());
        }
        let metrics = Arc::new(Metrics::default());
        let sink = match destination {
            Destination::Lake { ingestor, name } => {
                if !pdn_schemas::ids::is_identifier(&name) {
                    return invalid(
                        "name",
                        format!("{name:?}: expected 2 to 64 letters, digits, '.', '_', ':' or '-'"),
                    );
                }
                tracing::info!(lake = %ingestor.lake().root().display(), source = %format!("http:{name}"), "collecting into the lake");
                Sink::Lake(LakeSink::start(*ingestor, &name, metrics.clone())?)
            }
            Destination::Kafka(target) => {
                tracing::info!(brokers = %target.brokers, topic = %target.topic, "collecting into Kafka");
                Sink::Kafka(Arc::new(KafkaSink::new(
                    &target,
                    limits.max_pending_events,
                    metrics.clone(),
                )?))
            }
        };
        if settings.tokens.is_empty() {
            tracing::warn!("the tokens file holds no token: every request will be refused (401)");
        }
        Ok(Collector {
            state: Arc::new(State {
                sink,
                tokens: settings.tokens,
                pending: Arc::new(Semaphore::new(limits.max_pending_events)),
                limits,
                now: settings.now,
                metrics,
                openapi: openapi::render(),
            }),
        })
    }
}

/// Serves `collector` on `listener` until `shutdown` resolves (or the sink fails for good), then
/// answers the requests in flight, commits or flushes what is pending, and returns. An error
/// says why the collector could not go on; its requests without a 202 were not stored.
pub async fn run(
    listener: TcpListener,
    collector: Collector,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    let state = collector.state;
    let address = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_else(|_| "?".into());
    let watched = state.clone();
    let stop = async move {
        tokio::select! {
            () = shutdown => {
                tracing::info!("shutting down: answering the requests in flight");
                watched.sink.drain();
            }
            () = watched.sink.failed() => {}
        }
    };
    tracing::info!(%address, sink = state.sink.kind(), tokens = state.tokens.len(), "collector listening");
    let served = axum::serve(listener, http::router(state.clone()))
        .with_graceful_shutdown(stop)
        .await;
    let closed = state.sink.close().await;
    served.map_err(|source| IngestError::Serve { address, source })?;
    closed.map_err(IngestError::CollectorStopped)?;
    tracing::info!("collector stopped; every accepted event is durable");
    Ok(())
}
