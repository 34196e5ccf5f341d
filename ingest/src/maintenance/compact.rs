//! Compaction: the many small files that streaming ingest commits (one per family and month at
//! each commit) merged into one file per partition, and the vacuum of files rewrites removed.
//!
//! Invariants:
//! - one compaction is one commit (operation `compact`, no events, no offsets) that adds the
//!   merged files and removes exactly the files merged. Rows are unchanged (same ids, so the
//!   deduplication index reads the same months), only their files change; a file an ingest commits
//!   into the same partition meanwhile is not among the removed ones and stays;
//! - merged files are written like any batch ([`Lake::stage`]: ZSTD, page statistics), sorted by
//!   `occurred_at` (dead letters by `received_at`) and declared so;
//! - a partition is rewritten only if it has at least two files under the target size, so a
//!   second run with nothing new commits nothing;
//! - removed files are not deleted at once: a reader that opened an older version reads exactly
//!   the files that version names, so they are deleted by [`vacuum`] only once the commit that
//!   removed them is older than the grace period.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{concat, delete_files, read_batches, sort_column};
use crate::error::{IngestError, Result};
use crate::lake::{read_state, readable, CommitDraft, Lake};
use crate::log::{write_atomically, CommitLog, FileEntry};

/// The operation of compaction commits. Their files hold exactly the rows of the files they
/// remove: readers deriving state from events (the projector) may pass them over.
pub const OPERATION: &str = "compact";

/// Files at least this large are left alone by default (128 MiB).
pub const DEFAULT_TARGET_FILE_BYTES: u64 = 128 << 20;

/// How long files removed by a rewrite are kept for readers of older versions, by default.
pub const DEFAULT_RETAIN_REMOVED: Duration = Duration::from_secs(3600);

/// What a compaction run did.
#[derive(Debug, Default, Clone, Serialize, PartialEq, Eq)]
pub struct CompactReport {
    /// The version committed, `None` if no partition needed it.
    pub version: Option<u64>,
    pub partitions: u64,
    pub files_removed: u64,
    pub files_added: u64,
    pub rows: u64,
    /// Files deleted by the vacuum step.
    pub vacuumed: u64,
}

/// Merges, in every table, the partitions holding at least two files smaller than
/// `target_file_bytes`, in one commit; then vacuums the files removed by commits older than
/// `retain_removed`.
pub fn compact(
    lake: &mut Lake,
    writer: &str,
    target_file_bytes: u64,
    retain_removed: Duration,
) -> Result<CompactReport> {
    let mut report = CompactReport::default();
    let root = lake.root().to_owned();
    let mut groups: BTreeMap<(String, String), Vec<FileEntry>> = BTreeMap::new();
    for file in lake.state().files.values() {
        if file.bytes < target_file_bytes {
            groups
                .entry((file.table.clone(), file.partition.clone()))
                .or_default()
                .push(file.clone());
        }
    }
    let mut draft = CommitDraft {
        operation: OPERATION.to_owned(),
        ..CommitDraft::default()
    };
    for ((table, partition), files) in groups.into_iter().filter(|(_, f)| f.len() >= 2) {
        let mut schema = None;
        let mut batches = Vec::new();
        for file in &files {
            let (file_schema, file_batches) = read_batches(&readable(&root, file)?)?;
            schema.get_or_insert(file_schema);
            batches.extend(file_batches);
        }
        let first = root.join(&files[0].path);
        let schema = schema.expect("at least two files");
        let merged = concat(&first, &schema, &batches)?;
        drop(batches);
        let staged = lake.stage(&table, &partition, &merged, sort_column(&table))?;
        tracing::info!(
            table = %table,
            partition = %partition,
            files = files.len(),
            rows = staged.rows,
            bytes = staged.bytes,
            "compacted a partition"
        );
        report.partitions += 1;
        report.files_removed += files.len() as u64;
        report.rows += staged.rows;
        draft.files.push(staged);
        draft.remove.extend(files.into_iter().map(|f| f.path));
    }
    if !draft.files.is_empty() {
        report.files_added = draft.files.len() as u64;
        let commit = lake.commit(draft, writer)?;
        tracing::info!(
            version = commit.version,
            partitions = report.partitions,
            files_removed = report.files_removed,
            files_added = report.files_added,
            "compaction committed"
        );
        report.version = Some(commit.version);
    } else {
        tracing::info!("nothing to compact");
    }
    report.vacuumed = vacuum(&root, retain_removed, Utc::now())?;
    Ok(report)
}

/// How far the vacuum has gone: every file removed by a commit up to this version is deleted.
#[derive(Debug, Default, Serialize, Deserialize)]
struct VacuumMark {
    version: u64,
}

const VACUUM_MARK: &str = "_pdn/vacuum.json";

/// Deletes the files removed by the commits made more than `grace` before `now` (oldest first,
/// stopping at the first younger one), and remembers how far it went so the next vacuum starts
/// there. A file still live (never the case: paths are not reused) is kept. Returns how many files
/// were deleted.
pub fn vacuum(root: &Path, grace: Duration, now: DateTime<Utc>) -> Result<u64> {
    let grace = chrono::Duration::from_std(grace).map_err(|_| IngestError::MaintenanceConfig {
        setting: "retain-removed",
        reason: "too long".to_owned(),
    })?;
    let cutoff = now - grace;
    let mark_path = root.join(VACUUM_MARK);
    let mut mark: VacuumMark = match std::fs::read(&mark_path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| IngestError::CorruptLog {
            path: mark_path.clone(),
            reason: e.to_string(),
        })?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => VacuumMark::default(),
        Err(source) => {
            return Err(IngestError::Io {
                path: mark_path,
                source,
            })
        }
    };
    let state = read_state(root)?;
    let log = CommitLog::open(&root.join("_pdn"))?;
    let start = mark.version;
    let mut deleted = 0;
    while mark.version < state.version {
        let Some(commit) = log.read(mark.version + 1)? else {
            break;
        };
        if commit.committed_at > cutoff {
            break;
        }
        let gone = commit
            .remove
            .iter()
            .filter(|p| !state.files.contains_key(*p))
            .map(String::as_str);
        deleted += delete_files(root, gone)?;
        mark.version = commit.version;
    }
    if mark.version > start {
        write_atomically(
            &mark_path,
            &serde_json::to_vec(&mark).expect("marks serialise"),
        )?;
    }
    if deleted > 0 {
        tracing::info!(
            files = deleted,
            up_to_version = mark.version,
            "vacuumed removed files"
        );
    }
    Ok(deleted)
}
