//! What the store holds, from the commit log (and, on request, from the files themselves).

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::error::Result;
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
    pub dead_letters_by_reason: BTreeMap<String, u64>,
    pub duplicates_dropped: u64,
    /// Source → partition → last committed offset.
    pub offsets: BTreeMap<String, BTreeMap<i32, i64>>,
}

/// Reads the status of the lake at `root`; with `verify`, also reads every event file's ids.
pub fn lake_status(root: &Path, verify: bool) -> Result<LakeStatus> {
    let state = read_state(root)?;
    let mut tables: BTreeMap<String, TableStatus> = BTreeMap::new();
    for file in state.files.values() {
        let t = tables.entry(file.table.clone()).or_default();
        t.rows += file.rows;
        t.files += 1;
        t.bytes += file.bytes;
    }
    let distinct_event_ids_verified = if verify {
        let mut ids = HashSet::new();
        for file in state
            .files
            .values()
            .filter(|f| f.table.starts_with("events/"))
        {
            let path = crate::lake::readable(root, file)?;
            crate::dedupe::read_id_pairs(&path, &file.partition, &mut ids)?;
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
        dead_letters_by_reason: state.dead_letters,
        duplicates_dropped: state.duplicates,
        offsets: state.offsets,
    })
}
