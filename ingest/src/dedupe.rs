//! Deduplication by event id, exact and in bounded memory.
//!
//! The guarantee: an event whose id is already in the store **in the same month of occurrence**
//! (UTC year and month of `occurred_at`, the store's time partition) is not written again. A
//! producer's retry or an app's re-send carries the same envelope, hence the same month, so every
//! such duplicate is caught, across restarts too, however old the original. Two events with the same
//! id in different months are both kept: ids are producer-chosen and only unique per producer fact.
//!
//! The store itself is the index: the ids of a month are read from the `event_id` column of that
//! month's files (a few bytes per row, one column) the first time the month is needed, then kept in
//! memory as 128-bit hashes: a sorted array (16 bytes per id) for what was loaded, plus a small hash
//! set for what was committed since, merged into the array as it grows. Months are evicted
//! least-recently-used once the cache holds more than its capacity in ids, so memory stays bounded
//! whatever the history; the default capacity holds a national year, which a backlog written
//! department by department touches all at once.
//!
//! A month's files are those of the event tables and of `tombstones`, the ids of events erased on
//! request or by retention: an erased event that an app re-sends is a duplicate, and stays erased.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::path::Path;

use arrow::array::{Array, StringArray};
use parquet::arrow::ProjectionMask;

use crate::error::{decoding, open_parquet, parquet_error, IngestError, Result};
use crate::log::{FileEntry, LogState};
use crate::maintenance::TOMBSTONES;

/// A time partition of the store: `year=YYYY/month=MM`.
pub type Month = String;

/// The default capacity of the cache, in ids (16 bytes each, so 128 MiB): a national year.
pub const DEFAULT_CAPACITY_IDS: usize = 8_000_000;

/// 128 bits of an id (XXH3-128). The index lives only in memory and is rebuilt from the store, so
/// the hash need not be stable across program versions; collisions are negligible (2^-64 at a
/// billion ids per month).
pub fn id_hash(id: &str) -> u128 {
    xxhash_rust::xxh3::xxh3_128(id.as_bytes())
}

/// Hashes an [`id_hash`], which is already uniformly distributed, by taking its low 64 bits.
#[derive(Default)]
pub struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.0 ^= u64::from_le_bytes(word);
        }
    }

    fn write_u128(&mut self, i: u128) {
        self.0 = i as u64;
    }
}

/// A set of [`id_hash`]es.
pub type IdSet = HashSet<u128, BuildHasherDefault<IdHasher>>;

/// The ids of one month: sorted hashes, plus those added since they were sorted.
#[derive(Debug, Default)]
struct MonthIds {
    sorted: Vec<u128>,
    recent: IdSet,
    last_used: u64,
}

impl MonthIds {
    fn from_unsorted(mut ids: Vec<u128>) -> MonthIds {
        ids.sort_unstable();
        ids.dedup();
        MonthIds {
            sorted: ids,
            ..MonthIds::default()
        }
    }

    fn len(&self) -> usize {
        self.sorted.len() + self.recent.len()
    }

    fn contains(&self, hash: u128) -> bool {
        self.recent.contains(&hash) || self.sorted.binary_search(&hash).is_ok()
    }

    /// Adds `ids`, returning how many were new.
    fn extend(&mut self, ids: impl IntoIterator<Item = u128>) -> usize {
        let before = self.len();
        for id in ids {
            if self.sorted.binary_search(&id).is_err() {
                self.recent.insert(id);
            }
        }
        if self.recent.len() * 8 > self.sorted.len() {
            let recent = std::mem::take(&mut self.recent);
            self.sorted.extend(recent);
            self.sorted.sort_unstable();
        }
        self.len() - before
    }
}

/// The ids already in the store (or in the pending batch), by month.
#[derive(Debug)]
pub struct DedupeIndex {
    months: HashMap<Month, MonthIds>,
    capacity: usize,
    total: usize,
    clock: u64,
}

impl DedupeIndex {
    /// An empty index keeping at most about `capacity` ids in memory.
    pub fn new(capacity: usize) -> DedupeIndex {
        DedupeIndex {
            months: HashMap::new(),
            capacity,
            total: 0,
            clock: 0,
        }
    }

    /// Whether the id whose [`id_hash`] is `hash` is already in the store in `month` (loading the
    /// month's ids if needed).
    pub fn contains(
        &mut self,
        root: &Path,
        state: &LogState,
        month: &str,
        hash: u128,
    ) -> Result<bool> {
        self.clock += 1;
        if !self.months.contains_key(month) {
            let ids = load_month(root, state, month)?;
            self.total += ids.len();
            self.months.insert(month.to_owned(), ids);
            self.evict(month);
        }
        let entry = self.months.get_mut(month).expect("month loaded above");
        entry.last_used = self.clock;
        Ok(entry.contains(hash))
    }

    /// Records ids just committed to `month` (a month not in memory will be read from the store
    /// when needed, and will include them).
    pub fn extend(&mut self, month: &str, ids: impl IntoIterator<Item = u128>) {
        if let Some(entry) = self.months.get_mut(month) {
            self.total += entry.extend(ids);
        }
    }

    /// Adds the ids of files other writers committed (events and tombstones), for the months held
    /// in memory. A file already deleted was removed by a rewrite committed since (a compaction
    /// vacuumed at once, an erasure): its ids are in the files or tombstones that replaced it,
    /// which come with that later commit, so it is skipped.
    pub fn absorb(&mut self, root: &Path, files: &[FileEntry]) -> Result<()> {
        for file in files.iter().filter(|f| holds_ids(f)) {
            if let Some(entry) = self.months.get_mut(&file.partition) {
                let mut ids = Vec::new();
                match read_ids(&root.join(&file.path), &mut ids) {
                    Err(IngestError::Io { source, .. })
                        if source.kind() == std::io::ErrorKind::NotFound => {}
                    other => other?,
                }
                self.total += entry.extend(ids);
            }
        }
        Ok(())
    }

    fn evict(&mut self, keep: &str) {
        while self.total > self.capacity && self.months.len() > 1 {
            let oldest = self
                .months
                .iter()
                .filter(|(m, _)| m.as_str() != keep)
                .min_by_key(|(_, ids)| ids.last_used)
                .map(|(m, _)| m.clone())
                .expect("more than one month held");
            let removed = self.months.remove(&oldest).expect("month present");
            self.total -= removed.len();
            tracing::debug!(month = %oldest, ids = removed.len(), "dedupe cache evicted a month");
        }
    }
}

/// Whether a file's first column holds ids the index must know: an event table's, or the
/// tombstones of erased events (so that an erased event re-sent by an app counts as a duplicate
/// and does not come back).
fn holds_ids(file: &FileEntry) -> bool {
    file.table.starts_with("events/") || file.table == TOMBSTONES
}

fn load_month(root: &Path, state: &LogState, month: &str) -> Result<MonthIds> {
    let mut ids = Vec::new();
    for file in state
        .files
        .values()
        .filter(|f| f.partition == month && holds_ids(f))
    {
        read_ids(&root.join(&file.path), &mut ids)?;
    }
    Ok(MonthIds::from_unsorted(ids))
}

/// Reads the `event_id` column (the first) of a Parquet file into `ids`, as hashes.
fn read_ids(path: &Path, ids: &mut Vec<u128>) -> Result<()> {
    for_each_id(path, |id| ids.push(id_hash(id)))
}

/// Reads the `event_id` column of a Parquet file of `month` into `ids`, as (month, id) pairs: the
/// exact deduplication key, for verification.
pub fn read_id_pairs(path: &Path, month: &str, ids: &mut HashSet<(String, String)>) -> Result<()> {
    for_each_id(path, |id| {
        ids.insert((month.to_owned(), id.to_owned()));
    })
}

fn for_each_id(path: &Path, mut f: impl FnMut(&str)) -> Result<()> {
    let builder = open_parquet(path)?;
    let mask = ProjectionMask::roots(builder.parquet_schema(), [0]);
    let reader = builder
        .with_projection(mask)
        .build()
        .map_err(parquet_error(path))?;
    for batch in reader {
        let batch = batch.map_err(decoding(path))?;
        let column = batch
            .column(0)
            .as_any()
            .downcast_ref::<StringArray>()
            .ok_or_else(|| {
                parquet_error(path)(parquet::errors::ParquetError::General(
                    "event_id is not a string column".into(),
                ))
            })?;
        column.iter().flatten().for_each(&mut f);
    }
    Ok(())
}
