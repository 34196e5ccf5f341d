//! Store maintenance: rewrites of committed files, each one commit of the log.
//!
//! - [`compact`]: merges the many small files of streaming ingest into one sorted file per
//!   partition, and vacuums the files that rewrites removed once no reader can still need them;
//! - [`forget`]: erases youths' events (on request, or for retention) and records their ids as
//!   tombstones so that a re-send does not bring them back;
//! - [`retention`]: finds the youths whose last contact is older than the retention period.
//!
//! Invariants every rewrite keeps:
//! - a rewrite is one commit that adds the new files and removes exactly the files it read;
//!   [`crate::Lake::commit`] refuses it if another writer removed one of those files meanwhile, so
//!   two rewrites of a file never both commit (the second would duplicate rows or bring back erased
//!   ones), while files committed meanwhile by an ingest are left alone;
//! - a removed file stays on disk for readers that opened an older version, until a vacuum deletes
//!   it (after the grace period for compaction, at once for an erasure);
//! - the audit trail (`_pdn/audit.jsonl`) and the log hold counts only, never whom an erasure was
//!   about.

pub mod compact;
pub mod forget;
pub mod retention;
mod scrub;

use std::collections::BTreeMap;
use std::fs::OpenOptions;
use std::io::Write;
use std::path::Path;

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::error::{decoding, open_parquet, parquet_error, IngestError, Result};

/// The table of erased event ids (`event_id`, `month`), partitioned like the events were.
pub const TOMBSTONES: &str = "tombstones";

/// The audit trail of erasures, one JSON object a line, relative to the lake root.
pub const AUDIT_FILE: &str = "_pdn/audit.jsonl";

/// Reads a whole Parquet file of the lake: its schema and its rows, decoded as one batch (its row
/// count as the batch size) rather than the reader's default batches of 1,024 rows, which the
/// callers join anyway.
pub fn read_batches(path: &Path) -> Result<(SchemaRef, Vec<RecordBatch>)> {
    let builder = open_parquet(path)?;
    let schema = builder.schema().clone();
    let rows = builder.metadata().file_metadata().num_rows().max(1) as usize;
    let reader = builder
        .with_batch_size(rows)
        .build()
        .map_err(parquet_error(path))?;
    let batches = reader
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(decoding(path))?;
    Ok((schema, batches))
}

/// Concatenates a file's batches into one.
pub(crate) fn concat(
    path: &Path,
    schema: &SchemaRef,
    batches: &[RecordBatch],
) -> Result<RecordBatch> {
    arrow::compute::concat_batches(schema, batches).map_err(|e| IngestError::UnexpectedLayout {
        path: path.to_owned(),
        reason: e.to_string(),
    })
}

/// The column a table's files are sorted by: `occurred_at` for events, `received_at` for dead
/// letters; tombstones are not sorted.
pub(crate) fn sort_column(table: &str) -> Option<usize> {
    if table.starts_with("events/") {
        Some(crate::pipeline::OCCURRED_AT_COLUMN)
    } else if table == crate::dead_letter::TABLE {
        Some(0)
    } else {
        None
    }
}

/// One line of the audit trail: what a maintenance run did, in counts.
#[derive(Debug, Clone, Serialize)]
pub struct AuditRecord {
    pub time: DateTime<Utc>,
    /// `forget` or `retention`.
    pub operation: String,
    /// The version committed, `None` if there was nothing to erase.
    pub version: Option<u64>,
    /// How many youths the run was about.
    pub youths: u64,
    /// Rows removed by table (`events/<family>`, `dead_letters`).
    pub rows_removed: BTreeMap<String, u64>,
    /// Accompaniment rows kept with the youth taken out of their lists.
    pub rows_edited: u64,
    /// Files replaced by a rewritten file, and files dropped because nothing was left in them.
    pub files_rewritten: u64,
    pub files_dropped: u64,
    /// Files deleted from disk right after the commit (including older rewrites' leftovers).
    pub files_deleted: u64,
}

/// Appends `record` to the lake's audit trail, synced.
pub(crate) fn append_audit(root: &Path, record: &AuditRecord) -> Result<()> {
    let path = root.join(AUDIT_FILE);
    let mut line = serde_json::to_vec(record).expect("audit records serialise");
    line.push(b'\n');
    let io = |source| IngestError::Io {
        path: path.clone(),
        source,
    };
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(io)?;
    file.write_all(&line).map_err(io)?;
    file.sync_all().map_err(io)
}

/// Deletes files of the lake (paths relative to its root); files already gone are fine. Returns
/// how many were deleted.
pub(crate) fn delete_files<'a>(
    root: &Path,
    paths: impl IntoIterator<Item = &'a str>,
) -> Result<u64> {
    let mut deleted = 0;
    let mut dirs = std::collections::BTreeSet::new();
    for path in paths {
        let full = root.join(path);
        match std::fs::remove_file(&full) {
            Ok(()) => {
                deleted += 1;
                if let Some(dir) = full.parent() {
                    dirs.insert(dir.to_owned());
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => return Err(IngestError::Io { path: full, source }),
        }
    }
    for dir in dirs {
        crate::log::sync_dir(&dir)?;
    }
    Ok(deleted)
}
