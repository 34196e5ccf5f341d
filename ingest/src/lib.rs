//! Getting events in, exactly once.
//!
//! - [`lake`]: the event store's folder layout and its commit protocol (see the module docs);
//! - [`log`]: the commit log, where data files and source offsets are committed together;
//! - [`rows`]: events to Arrow record batches, one table per family;
//! - [`dedupe`]: exact deduplication by event id in bounded memory;
//! - [`dead_letter`]: rejected records, kept with their raw bytes and reason;
//! - [`dlq`]: listing dead letters and redriving them after a fix;
//! - [`pipeline`]: the one path every record takes (validate, dedupe, batch, commit);
//! - [`source`]: the embedded NDJSON source;
//! - [`kafka`]: the Kafka source (consumer groups, exactly once through the lake's log);
//! - [`collect`]: the HTTP collector (apps post events; 202 once they are durable);
//! - [`maintenance`]: compaction, vacuum, erasure (forget, retention) and their audit trail;
//! - [`status`]: what the store holds.

pub mod collect;
pub mod dead_letter;
pub mod dedupe;
pub mod dlq;
mod error;
pub mod integrity;
pub mod kafka;
pub mod lake;
pub mod log;
pub mod maintenance;
pub mod pipeline;
pub mod rows;
pub mod source;
pub mod status;

pub use error::{IngestError, Result};
pub use lake::Lake;
pub use pipeline::{BatchConfig, Ingestor, Outcome};
pub use source::{ingest_ndjson, RunReport};
