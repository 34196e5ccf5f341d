//! What the store holds, from the commit log (and, on request, from the files themselves).

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::error::{IngestError, Result};
use crate::lake::read_state;

/// One table's size.
#[derive(Debug, Default, Clone, Serialize, PartialEq, Eq)]
pub struct TableStatus {
    pub rows: u64,
    pub files: u64,
    pub bytes: u64,
}

/// The store's content at its last commit.
#[derive(Debug, Clone, Serialize)]
pub struct LakeStatus {
    pub version: u64,
    pub last_commit: Option<DateTime<Utc>>,
    /// Tables (`events/<family>`, `dead_letters`) by name.
    pub tables: BTreeMap<String, TableStatus>,
    /// Events in the event tables: each a distinct event id (per month of occurrence).
    pub events: u64,
    /// Distinct event ids counted by reading every file, when asked (`verify`).
    pub distinct_event_ids_verified: Option<u64>,
    /// Committed files found missing or damaged by `verify` (every file's size, checksum and
    /// pages checked); always empty without `verify`.
    pub damaged_files: Vec<DamagedFile>,
    pub dead_letters_by_reason: BTreeMap<String, u64>,
    pub duplicates_dropped: u64,
    /// Source → partition → last committed offset.
    pub offsets: BTreeMap<String, BTreeMap<i32, i64>>,
}

/// A committed file that cannot be read as committed.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct DamagedFile {
    pub path: String,
    pub reason: String,
}

/// Reads the status of the lake at `root`; with `verify`, also checks every committed file (size,
/// checksum, every page decoded, rows) and counts the distinct event ids of the readable ones.
pub fn lake_status(root: &Path, verify: bool) -> Result<LakeStatus> {
    let state = read_state(root)?;
    let mut tables: BTreeMap<String, TableStatus> = BTreeMap::new();
    for file in state.files.values() {
        let t = tables.entry(file.table.clone()).or_default();
        t.rows += file.rows;
        t.files += 1;
        t.bytes += file.bytes;
    }
    let mut damaged_files = Vec::new();
    let distinct_event_ids_verified = if verify {
        let mut ids = HashSet::new();
        for file in state.files.values() {
            let checked = crate::lake::readable(root, file)
                .and_then(|path| crate::integrity::verify(&path, file).map(|()| path));
            let path = match checked {
                Ok(path) => path,
                Err(IngestError::DamagedFile { path, reason }) => {
                    damaged_files.push(DamagedFile {
                        path: path.display().to_string(),
                        reason,
                    });
                    continue;
                }
                Err(IngestError::MissingFile { path }) => {
                    damaged_files.push(DamagedFile {
                        path: path.display().to_string(),
                        reason: "missing from the lake".to_owned(),
                    });
                    continue;
                }
                Err(other) => return Err(other),
            };
            if file.table.starts_with("events/") {
                crate::dedupe::read_id_pairs(&path, &file.partition, &mut ids)?;
            }
        }
        Some(ids.len() as u64)
    } else {
        None
    };
    Ok(LakeStatus {
        version: state.version,
        last_commit: state.last_commit,
        tables,
        events: state.events,
        distinct_event_ids_verified,
        damaged_files,
        dead_letters_by_reason: state.dead_letters,
        duplicates_dropped: state.duplicates,
        offsets: state.offsets,
    })
}
