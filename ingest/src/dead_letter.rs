//! Dead letters: every rejected record, kept with its raw bytes, where it came from and why.
//!
//! The table `dead_letters/year=YYYY/month=MM/` (partitioned by the month the record was received)
//! is committed in the same commit as the events of its batch, so the invariant holds at every
//! version: each consumed offset is an event row, a dead letter, or a listed duplicate.
//!
//! Dead letters may hold exactly what the pipeline refuses to store (a name, a phone number in a
//! rejected event): they are quarantine, never exposed to evaluators' SQL, and only operators read
//! them (`pdn dlq list` shows reasons and paths, not the raw bytes unless asked).

use std::sync::Arc;

use arrow::array::{
    ArrayRef, BinaryBuilder, Int32Builder, Int64Builder, RecordBatch, StringBuilder,
    TimestampMicrosecondBuilder,
};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use chrono::{DateTime, Utc};
use pdn_schemas::arrow::instant_type;
use pdn_schemas::Rejection;

/// The dead-letter table's path in the lake.
pub const TABLE: &str = "dead_letters";

/// The schema of the dead-letter table.
pub fn schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("received_at", instant_type(), false),
        Field::new("source", DataType::Utf8, false),
        Field::new("partition", DataType::Int32, false),
        Field::new("offset", DataType::Int64, false),
        Field::new("key", DataType::Binary, true),
        Field::new("raw", DataType::Binary, false),
        Field::new("reason", DataType::Utf8, false),
        Field::new("path", DataType::Utf8, false),
        Field::new("expected", DataType::Utf8, false),
        Field::new("found", DataType::Utf8, false),
        Field::new("event_id", DataType::Utf8, true),
    ]))
}

/// Where a record came from.
#[derive(Debug, Clone, Copy)]
pub struct Origin<'a> {
    /// `kafka:<topic>` or `file:<path>`.
    pub source: &'a str,
    pub partition: i32,
    pub offset: i64,
    pub key: Option<&'a [u8]>,
}

/// Accumulates dead letters of one batch.
pub struct DeadLetterBuilder {
    received_at: TimestampMicrosecondBuilder,
    source: StringBuilder,
    partition: Int32Builder,
    offset: Int64Builder,
    key: BinaryBuilder,
    raw: BinaryBuilder,
    reason: StringBuilder,
    path: StringBuilder,
    expected: StringBuilder,
    found: StringBuilder,
    event_id: StringBuilder,
}

impl Default for DeadLetterBuilder {
    fn default() -> Self {
        DeadLetterBuilder {
            received_at: TimestampMicrosecondBuilder::new().with_timezone("UTC"),
            source: StringBuilder::new(),
            partition: Int32Builder::new(),
            offset: Int64Builder::new(),
            key: BinaryBuilder::new(),
            raw: BinaryBuilder::new(),
            reason: StringBuilder::new(),
            path: StringBuilder::new(),
            expected: StringBuilder::new(),
            found: StringBuilder::new(),
            event_id: StringBuilder::new(),
        }
    }
}

impl DeadLetterBuilder {
    /// Appends one rejected record.
    pub fn push(
        &mut self,
        received_at: DateTime<Utc>,
        origin: Origin<'_>,
        raw: &[u8],
        rejection: &Rejection,
    ) {
        self.received_at
            .append_value(received_at.timestamp_micros());
        self.source.append_value(origin.source);
        self.partition.append_value(origin.partition);
        self.offset.append_value(origin.offset);
        self.key.append_option(origin.key);
        self.raw.append_value(raw);
        self.reason.append_value(rejection.reason.code());
        self.path.append_value(&rejection.path);
        self.expected.append_value(&rejection.expected);
        self.found.append_value(&rejection.found);
        self.event_id.append_option(rejection.event_id.as_deref());
    }

    /// The rows as a batch; the builder is empty again afterwards.
    pub fn finish(&mut self) -> RecordBatch {
        let columns: Vec<ArrayRef> = vec![
            Arc::new(self.received_at.finish()),
            Arc::new(self.source.finish()),
            Arc::new(self.partition.finish()),
            Arc::new(self.offset.finish()),
            Arc::new(self.key.finish()),
            Arc::new(self.raw.finish()),
            Arc::new(self.reason.finish()),
            Arc::new(self.path.finish()),
            Arc::new(self.expected.finish()),
            Arc::new(self.found.finish()),
            Arc::new(self.event_id.finish()),
        ];
        RecordBatch::try_new(schema(), columns).expect("columns follow the dead-letter schema")
    }
}
