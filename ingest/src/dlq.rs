//! Reading the dead letters, and redriving them once a fix makes them valid.

use std::path::Path;

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{Int32Type, Int64Type, TimestampMicrosecondType};
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::dead_letter::TABLE;
use crate::error::{decoding, open_parquet, parquet_error, Result};
use crate::log::{DeadLetterRef, LogState};
use crate::pipeline::{Ingestor, Outcome};

/// One dead letter as stored.
#[derive(Debug, Clone, Serialize)]
pub struct DeadLetter {
    pub received_at: DateTime<Utc>,
    #[serde(flatten)]
    pub origin: DeadLetterRef,
    #[serde(skip)]
    pub raw: Vec<u8>,
    pub reason: String,
    pub path: String,
    pub expected: String,
    pub found: String,
    pub event_id: Option<String>,
    /// Taken into the store by an earlier redrive.
    pub redriven: bool,
}

/// Calls `f` with every dead letter of the store, oldest file first.
pub fn for_each(
    root: &Path,
    state: &LogState,
    mut f: impl FnMut(DeadLetter) -> Result<()>,
) -> Result<()> {
    let mut files: Vec<_> = state.files_of(TABLE).collect();
    files.sort_by(|a, b| a.path.cmp(&b.path));
    for entry in files {
        let path = root.join(&entry.path);
        let reader = open_parquet(&path)?.build().map_err(parquet_error(&path))?;
        for batch in reader {
            let batch = batch.map_err(decoding(&path))?;
            for letter in rows(&batch, state) {
                f(letter)?;
            }
        }
    }
    Ok(())
}

fn rows(batch: &RecordBatch, state: &LogState) -> Vec<DeadLetter> {
    let col = |name: &str| batch.column_by_name(name).expect("dead-letter column");
    let received = col("received_at").as_primitive::<TimestampMicrosecondType>();
    let source = col("source").as_string::<i32>();
    let partition = col("partition").as_primitive::<Int32Type>();
    let offset = col("offset").as_primitive::<Int64Type>();
    let raw = col("raw").as_binary::<i32>();
    let reason = col("reason").as_string::<i32>();
    let path = col("path").as_string::<i32>();
    let expected = col("expected").as_string::<i32>();
    let found = col("found").as_string::<i32>();
    let event_id = col("event_id").as_string::<i32>();
    (0..batch.num_rows())
        .map(|i| {
            let origin = DeadLetterRef {
                source: source.value(i).to_owned(),
                partition: partition.value(i),
                offset: offset.value(i),
            };
            DeadLetter {
                received_at: DateTime::from_timestamp_micros(received.value(i)).unwrap_or_default(),
                redriven: state.redriven.contains(&origin),
                origin,
                raw: raw.value(i).to_vec(),
                reason: reason.value(i).to_owned(),
                path: path.value(i).to_owned(),
                expected: expected.value(i).to_owned(),
                found: found.value(i).to_owned(),
                event_id: (!event_id.is_null(i)).then(|| event_id.value(i).to_owned()),
            }
        })
        .collect()
}

/// What a redrive did.
#[derive(Debug, Default, Clone, Serialize, PartialEq, Eq)]
pub struct RedriveReport {
    /// Dead letters not redriven before.
    pub considered: u64,
    /// Now valid and written to the store.
    pub written: u64,
    /// Now valid, but their event id was already in the store.
    pub duplicates: u64,
    /// Still invalid: they stay dead letters.
    pub still_invalid: u64,
}

/// Re-validates every dead letter not redriven yet and takes in those now valid, exactly once:
/// the commit marks them redriven, so a later redrive skips them.
pub fn redrive(ingestor: &mut Ingestor) -> Result<RedriveReport> {
    let root = ingestor.lake().root().to_owned();
    let state = ingestor.lake().state().clone();
    let validator = *ingestor.validator();
    let mut report = RedriveReport::default();
    for_each(&root, &state, |letter| {
        if letter.redriven {
            return Ok(());
        }
        report.considered += 1;
        match validator.validate(&letter.raw) {
            Err(_) => report.still_invalid += 1,
            Ok(event) => match ingestor.push_redriven(letter.origin, event)? {
                Outcome::Duplicate => report.duplicates += 1,
                _ => report.written += 1,
            },
        }
        if ingestor.is_due() {
            ingestor.commit("redrive")?;
        }
        Ok(())
    })?;
    ingestor.commit("redrive")?;
    Ok(report)
}
