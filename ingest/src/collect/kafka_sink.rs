//! Kafka mode: each event is produced to the topic, and the request is acknowledged once every
//! one of its delivery reports is OK.
//!
//! The producer is idempotent with `acks=all`: a delivery report is OK only once every in-sync
//! replica has the message, and librdkafka's own retries never write it twice. Messages are keyed
//! by event id (even spread over partitions; the ingest deduplicates by id whatever the partition)
//! and carry the bytes the app sent: `pdn ingest` validates and upcasts them again, exactly as for
//! any other producer.
//!
//! If a delivery fails, the request is answered 503: its other events may already be in the
//! topic, and the app's retry re-sends them with the same ids, which the ingest drops as
//! duplicates. So "nothing stored" holds for the events that reach the lake.

use std::sync::Arc;
use std::time::{Duration, Instant};

use pdn_schemas::Event;
use rdkafka::config::ClientConfig;
use rdkafka::producer::{FutureProducer, FutureRecord, Producer};
use tokio::sync::OwnedSemaphorePermit;

use super::metrics::Metrics;
use super::{Receipt, StoreResult};
use crate::error::{IngestError, Result};

/// How long a health check may wait for the broker's metadata.
const HEALTH_TIMEOUT: Duration = Duration::from_secs(2);
/// How long closing waits for the messages still in the producer's queue.
const FLUSH_TIMEOUT: Duration = Duration::from_secs(30);

/// Where to produce.
#[derive(Debug, Clone)]
pub struct KafkaTarget {
    /// Bootstrap brokers, e.g. `localhost:9092`.
    pub brokers: String,
    pub topic: String,
    /// Extra librdkafka settings (`key=value`), applied last.
    pub settings: Vec<(String, String)>,
}

/// The producer requests share.
pub struct KafkaSink {
    producer: FutureProducer,
    topic: String,
    metrics: Arc<Metrics>,
}

fn kafka(context: String) -> impl FnOnce(rdkafka::error::KafkaError) -> IngestError {
    move |source| IngestError::Kafka { context, source }
}

impl KafkaSink {
    /// Creates the idempotent producer; its queue holds up to `max_pending_events` messages, so
    /// the requests the collector admits never find it full.
    pub fn new(
        target: &KafkaTarget,
        max_pending_events: usize,
        metrics: Arc<Metrics>,
    ) -> Result<KafkaSink> {
        let mut config = ClientConfig::new();
        config
            .set("bootstrap.servers", &target.brokers)
            .set("enable.idempotence", "true")
            .set("acks", "all")
            .set(
                "queue.buffering.max.messages",
                max_pending_events.max(1).to_string(),
            )
            .set("linger.ms", "5")
            .set("message.timeout.ms", "30000");
        for (key, value) in &target.settings {
            config.set(key, value);
        }
        let producer: FutureProducer = config
            .create()
            .map_err(kafka("creating the producer".into()))?;
        Ok(KafkaSink {
            producer,
            topic: target.topic.clone(),
            metrics,
        })
    }

    /// Produces the events of one request and waits for all their delivery reports. The work
    /// runs in its own task, holding `permit` until every report is in, so a client that hangs up
    /// early does not free room the producer's queue still uses.
    pub async fn store(
        self: &Arc<Self>,
        events: Vec<(Vec<u8>, Event)>,
        valid_at: Instant,
        permit: OwnedSemaphorePermit,
    ) -> StoreResult {
        let sink = self.clone();
        let task = tokio::spawn(async move {
            let result = sink.produce(&events).await;
            if result.is_ok() {
                sink.metrics.accepted(events.len(), 0);
                sink.metrics.durable_after(valid_at.elapsed());
            }
            drop(permit);
            result
        });
        task.await.unwrap_or_else(|e| {
            Err(Arc::new(IngestError::Kafka {
                context: format!("producing to topic {} (the task failed: {e})", self.topic),
                source: rdkafka::error::KafkaError::Canceled,
            }))
        })
    }

    /// Queues every event, then waits for every delivery report of those queued (even after a
    /// failure, so the permit is released only once the producer's queue no longer holds them).
    async fn produce(&self, events: &[(Vec<u8>, Event)]) -> StoreResult {
        let mut deliveries = Vec::with_capacity(events.len());
        let mut first_error = None;
        for (raw, event) in events {
            let id = event.envelope.event_id.as_str();
            let record = FutureRecord::to(&self.topic).key(id).payload(raw);
            match self.producer.send_result(record) {
                Ok(delivery) => deliveries.push((id, delivery)),
                Err((e, _)) => {
                    first_error = Some(kafka(format!(
                        "queueing event {id} for topic {}",
                        self.topic
                    ))(e));
                    break;
                }
            }
        }
        for (id, delivery) in deliveries {
            let error = match delivery.await {
                Ok(Ok(_)) => continue,
                Ok(Err((e, _))) => e,
                Err(_) => rdkafka::error::KafkaError::Canceled,
            };
            first_error.get_or_insert_with(|| {
                kafka(format!("delivering event {id} to topic {}", self.topic))(error)
            });
        }
        match first_error {
            Some(e) => Err(Arc::new(e)),
            None => Ok(Receipt {
                accepted: events.len(),
                duplicates: None,
                version: None,
            }),
        }
    }

    /// Whether the broker answers and knows the topic.
    pub async fn healthy(self: &Arc<Self>) -> bool {
        let sink = self.clone();
        tokio::task::spawn_blocking(move || {
            match sink
                .producer
                .client()
                .fetch_metadata(Some(&sink.topic), HEALTH_TIMEOUT)
            {
                Ok(metadata) => metadata.topics().iter().any(|t| {
                    t.name() == sink.topic && t.error().is_none() && !t.partitions().is_empty()
                }),
                Err(e) => {
                    tracing::warn!(error = %e, topic = %sink.topic, "Kafka health check failed");
                    false
                }
            }
        })
        .await
        .unwrap_or(false)
    }

    /// Gauges for the metrics: messages produced but not yet acknowledged by the broker.
    pub fn gauges(&self) -> Vec<(&'static str, &'static str, f64)> {
        vec![(
            "pdn_collect_kafka_in_flight_messages",
            "Messages in the producer's queue or in flight to the broker.",
            f64::from(self.producer.in_flight_count()),
        )]
    }

    /// Waits for the messages still queued (every request has been answered by then).
    pub async fn close(self: &Arc<Self>) -> Result<(), Arc<IngestError>> {
        let sink = self.clone();
        tokio::task::spawn_blocking(move || sink.producer.flush(FLUSH_TIMEOUT))
            .await
            .map_err(|e| {
                Arc::new(IngestError::Kafka {
                    context: format!("flushing the producer (the task failed: {e})"),
                    source: rdkafka::error::KafkaError::Canceled,
                })
            })?
            .map_err(|e| Arc::new(kafka(format!("flushing to topic {}", self.topic))(e)))
    }
}
