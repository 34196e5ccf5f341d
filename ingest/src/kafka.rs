//! The Kafka source: a consumer-group member that ingests its partitions exactly once.
//!
//! Exactly-once rests on the lake, not on Kafka: the offsets of each batch are committed in the
//! lake's commit log together with its files (see `lake.rs`), and a batch whose offsets overlap what
//! the store already holds is refused as a whole. So:
//! - a record below the lake's next offset for its partition is already in the store: skipped, and
//!   the partition is sought forward;
//! - after a rebalance the new owner starts from Kafka's committed offset (which never passes the
//!   lake's, being committed after it) and skips forward as above;
//! - if two members briefly hold a partition, the second commit is refused: its batch is discarded
//!   and every partition it held is sought back to the lake's offset (or the batch's start).
//!
//! Offsets are committed to Kafka after each lake commit, so standard lag tools work.
//! Memory stays bounded: librdkafka's prefetch queue is capped, and batches are cut by size.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use rayon::prelude::*;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::message::Message;
use rdkafka::{Offset, TopicPartitionList};

use crate::dead_letter::Origin;
use crate::error::{IngestError, Result};
use crate::pipeline::Ingestor;
use crate::source::RunReport;

/// Messages validated together in parallel before being taken in order.
const CHUNK_MESSAGES: usize = 4096;
/// How long a metadata request to the broker may take.
const METADATA_TIMEOUT: Duration = Duration::from_secs(10);

/// Where and how to consume.
#[derive(Debug, Clone)]
pub struct KafkaSource {
    /// Bootstrap brokers, e.g. `localhost:9092`.
    pub brokers: String,
    pub topic: String,
    /// Consumer group: members of one group share the topic's partitions.
    pub group: String,
    /// Stop once every assigned partition is drained (for batch runs and tests).
    pub until_idle: bool,
    /// Extra librdkafka settings (`key=value`), applied last.
    pub settings: Vec<(String, String)>,
}

impl KafkaSource {
    /// The source key under which this topic's offsets are stored in the lake.
    pub fn key(&self) -> String {
        format!("kafka:{}", self.topic)
    }
}

fn kafka(context: &str) -> impl FnOnce(rdkafka::error::KafkaError) -> IngestError + '_ {
    move |source| IngestError::Kafka {
        context: context.to_owned(),
        source,
    }
}

/// Creates the group consumer for `source`, subscribed to its topic.
pub fn consumer(source: &KafkaSource) -> Result<BaseConsumer> {
    let mut config = ClientConfig::new();
    config
        .set("bootstrap.servers", &source.brokers)
        .set("group.id", &source.group)
        .set("enable.auto.commit", "false")
        .set("enable.auto.offset.store", "false")
        .set("auto.offset.reset", "earliest")
        .set("queued.max.messages.kbytes", "32768")
        .set("fetch.max.bytes", "16777216")
        .set("session.timeout.ms", "10000")
        .set("heartbeat.interval.ms", "1000")
        // At the end of a topic the broker holds each fetch this long; the watermark queries of
        // `--until-idle` wait behind it on the same connection (500 ms each at the default).
        .set("fetch.wait.max.ms", "100");
    for (key, value) in &source.settings {
        config.set(key, value);
    }
    let consumer: BaseConsumer = config.create().map_err(kafka("creating the consumer"))?;
    consumer
        .subscribe(&[&source.topic])
        .map_err(kafka("subscribing"))?;
    Ok(consumer)
}

struct OwnedMessage {
    partition: i32,
    offset: i64,
    key: Option<Vec<u8>>,
    payload: Vec<u8>,
}

/// Ingests from Kafka until `stop` is set, or, with `until_idle`, until the assigned partitions
/// are drained. `progress` is called after each commit.
pub fn ingest_kafka(
    ingestor: &mut Ingestor,
    source: &KafkaSource,
    stop: &AtomicBool,
    progress: &mut dyn FnMut(&RunReport),
) -> Result<RunReport> {
    let consumer = consumer(source)?;
    let key = source.key();
    let mut report = RunReport::default();
    // Per partition: the offset after the last record seen (taken, skipped or discarded).
    let mut seen_next: BTreeMap<i32, i64> = BTreeMap::new();
    let mut idle_since: Option<Instant> = None;
    while !stop.load(Ordering::Relaxed) {
        let wait = ingestor
            .due_in()
            .unwrap_or(Duration::from_millis(500))
            .min(Duration::from_millis(500));
        let mut chunk = Vec::new();
        let mut timeout = wait;
        while chunk.len() < CHUNK_MESSAGES {
            match consumer.poll(timeout) {
                None => break,
                Some(Err(e)) => {
                    tracing::warn!(error = %e, "Kafka consumer error (librdkafka retries)");
                    break;
                }
                Some(Ok(m)) => chunk.push(OwnedMessage {
                    partition: m.partition(),
                    offset: m.offset(),
                    key: m.key().map(<[u8]>::to_vec),
                    payload: m.payload().unwrap_or_default().to_vec(),
                }),
            }
            timeout = Duration::ZERO;
        }
        if chunk.is_empty() {
            idle_since.get_or_insert_with(Instant::now);
        } else {
            idle_since = None;
        }
        let validator = *ingestor.validator();
        let results: Vec<_> = chunk
            .par_iter()
            .map(|m| validator.validate(&m.payload))
            .collect();
        for (m, validated) in chunk.iter().zip(results) {
            let next = seen_next.entry(m.partition).or_insert(m.offset);
            if m.offset < *next {
                continue;
            }
            *next = m.offset + 1;
            if let Some(stored) = ingestor.next_offset(&key, m.partition) {
                if m.offset < stored {
                    report.already_committed += 1;
                    if stored - m.offset > 1 {
                        seek(&consumer, &source.topic, m.partition, stored);
                        *next = stored;
                    }
                    continue;
                }
            }
            let origin = Origin {
                source: &key,
                partition: m.partition,
                offset: m.offset,
                key: m.key.as_deref(),
            };
            ingestor.push_validated(origin, &m.payload, validated)?;
        }
        if ingestor.is_due()
            || (ingestor.pending() > 0 && source.until_idle && idle_since.is_some())
        {
            commit(ingestor, &consumer, source, &mut seen_next, &mut report)?;
            progress(&report);
        }
        if source.until_idle
            && ingestor.pending() == 0
            && idle_since.is_some()
            && drained(&consumer, source, ingestor, &seen_next)?
        {
            break;
        }
    }
    commit(ingestor, &consumer, source, &mut seen_next, &mut report)?;
    Ok(report)
}

fn seek(consumer: &BaseConsumer, topic: &str, partition: i32, offset: i64) {
    if let Err(e) = consumer.seek(topic, partition, Offset::Offset(offset), METADATA_TIMEOUT) {
        tracing::warn!(partition, offset, error = %e, "seek failed; records below the lake's offset will be skipped one by one");
    }
}

/// Commits the pending batch to the lake, then its offsets to Kafka. A batch refused because
/// another writer committed those offsets first, or some of its events (a partition that moved
/// between members), is discarded, and its partitions sought back: read again against the store
/// as it now is.
fn commit(
    ingestor: &mut Ingestor,
    consumer: &BaseConsumer,
    source: &KafkaSource,
    seen_next: &mut BTreeMap<i32, i64>,
    report: &mut RunReport,
) -> Result<()> {
    let key = source.key();
    let starts = ingestor.pending_starts(&key);
    match ingestor.commit("append") {
        Ok(None) => Ok(()),
        Ok(Some(commit)) => {
            report.add_commit(&commit);
            let mut offsets = TopicPartitionList::new();
            for (&partition, range) in commit.offsets.get(&key).into_iter().flatten() {
                offsets
                    .add_partition_offset(&source.topic, partition, Offset::Offset(range.last + 1))
                    .map_err(kafka("listing offsets"))?;
            }
            if offsets.count() > 0 {
                if let Err(e) = consumer.commit(&offsets, CommitMode::Async) {
                    tracing::warn!(error = %e, "offsets committed to the lake but not to Kafka (lag tools will lag)");
                }
            }
            Ok(())
        }
        Err(
            error @ (IngestError::OffsetConflict { .. } | IngestError::DuplicateConflict { .. }),
        ) => {
            tracing::warn!(%error, "batch discarded, seeking back to the lake's offsets");
            for (partition, first) in starts {
                let target = ingestor.next_offset(&key, partition).unwrap_or(first);
                seek(consumer, &source.topic, partition, target);
                seen_next.insert(partition, target);
            }
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// Whether every partition assigned to this member has been read to its end.
fn drained(
    consumer: &BaseConsumer,
    source: &KafkaSource,
    ingestor: &Ingestor,
    seen_next: &BTreeMap<i32, i64>,
) -> Result<bool> {
    let assignment = consumer
        .assignment()
        .map_err(kafka("reading the assignment"))?;
    if assignment.count() == 0 {
        return Ok(false);
    }
    for element in assignment.elements() {
        let partition = element.partition();
        let (low, high) = consumer
            .fetch_watermarks(&source.topic, partition, METADATA_TIMEOUT)
            .map_err(kafka("reading watermarks"))?;
        let position = seen_next
            .get(&partition)
            .copied()
            .max(ingestor.next_offset(&source.key(), partition))
            .unwrap_or(low)
            .max(low);
        if position < high {
            return Ok(false);
        }
    }
    Ok(true)
}
