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
//! memory as 96 bits of their 128-bit hash: sorted arrays (12 bytes per id, allocated to their exact
//! length, with a table of where each run of leading bits starts, a quarter byte per id, so that a
//! lookup reads one small bucket) for what was loaded, plus a small hash set for what was committed
//! since, merged into the arrays (a linear merge, not a new sort) as it grows. Months are evicted
//! least-recently-used once the cache holds more than its capacity in ids, after a load and after a
//! commit, so memory stays bounded whatever the history; the default capacity holds a national
//! year, which a backlog written department by department touches all at once.
//!
//! A month's files are those of the event tables and of `tombstones`, the ids of events erased on
//! request or by retention: an erased event that an app re-sends is a duplicate, and stays erased.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::path::Path;

use arrow::array::{Array, StringArray};
use parquet::arrow::ProjectionMask;

use crate::error::{decoding, open_parquet, parquet_error, IngestError, Result};
use crate::lake::readable;
use crate::log::{FileEntry, LogState};
use crate::maintenance::TOMBSTONES;

/// A time partition of the store: `year=YYYY/month=MM`.
pub type Month = String;

/// The default capacity of the cache, in ids (12 bytes each, so 137 MiB): a national year (the
/// generator's is 10 million events) with a margin.
pub const DEFAULT_CAPACITY_IDS: usize = 12_000_000;

/// 128 bits of an id (XXH3-128), of which the index keeps 96 ([`split`]). The index lives only in
/// memory and is rebuilt from the store, so the hash need not be stable across program versions.
pub fn id_hash(id: &str) -> u128 {
    xxhash_rust::xxh3::xxh3_128(id.as_bytes())
}

/// Hashes an [`id_hash`], which is already uniformly distributed, by taking its high 64 bits (which
/// the index keeps whole).
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
        self.0 = (i >> 64) as u64;
    }
}

/// A set of [`id_hash`]es.
pub type IdSet = HashSet<u128, BuildHasherDefault<IdHasher>>;

/// The ids of one month: the 96 bits kept of each hash ([`split`]), sorted, in two arrays of exactly
/// their length, with a table of where each run of leading bits starts in them; plus the hashes
/// added since they were sorted.
#[derive(Debug, Default)]
struct MonthIds {
    high: Vec<u64>,
    low: Vec<u32>,
    /// `starts[b]..starts[b + 1]` is the range of `high` whose leading `bits` bits equal `b`: a
    /// lookup reads one bucket of about 16 ids instead of binary-searching the whole month, whose
    /// steps each miss the cache at this size (a quarter byte per id).
    starts: Vec<u32>,
    bits: u32,
    recent: IdSet,
    last_used: u64,
}

/// Ids per bucket of [`MonthIds::starts`], on average: 2^4.
const BUCKET_SHIFT: u32 = 4;

/// The 96 bits of an [`id_hash`] the index keeps: its high 64 bits and the next 32. Two ids of one
/// month share them with a probability of about 2^-50 at ten million ids, 2^-37 at a billion (and
/// an event taken for a duplicate is listed as one in its commit, never silently dropped).
fn split(hash: u128) -> (u64, u32) {
    ((hash >> 64) as u64, (hash >> 32) as u32)
}

/// The 96 kept bits of `hash`, as a hash with its low 32 bits cleared (what `recent` holds).
fn kept(hash: u128) -> u128 {
    hash & !u128::from(u32::MAX)
}

impl MonthIds {
    fn from_unsorted(ids: Vec<u128>) -> MonthIds {
        let mut month = MonthIds::default();
        month.merge(ids);
        month
    }

    fn len(&self) -> usize {
        self.high.len() + self.recent.len()
    }

    /// The bucket of [`MonthIds::starts`] that `high` falls in.
    fn bucket(&self, high: u64) -> usize {
        high.checked_shr(64 - self.bits).unwrap_or(0) as usize
    }

    /// Whether the sorted arrays hold the kept bits `(high, low)`.
    fn sorted_contains(&self, (high, low): (u64, u32)) -> bool {
        let bucket = self.bucket(high);
        let Some(&[from, to]) = self.starts.get(bucket..bucket + 2) else {
            return false;
        };
        let (from, to) = (from as usize, to as usize);
        let start = from + self.high[from..to].partition_point(|&h| h < high);
        self.high[start..to]
            .iter()
            .zip(&self.low[start..to])
            .take_while(|(&h, _)| h == high)
            .any(|(_, &l)| l == low)
    }

    /// Rebuilds [`MonthIds::starts`] for the sorted arrays as they are.
    fn index(&mut self) {
        let len = self.high.len();
        self.bits = (usize::BITS - len.leading_zeros()).saturating_sub(BUCKET_SHIFT + 1);
        let buckets = 1usize << self.bits;
        let mut starts = Vec::with_capacity(buckets + 1);
        let mut at = 0;
        for b in 0..buckets {
            while at < len && self.bucket(self.high[at]) < b {
                at += 1;
            }
            starts.push(at as u32);
        }
        starts.push(len as u32);
        self.starts = starts;
    }

    fn contains(&self, hash: u128) -> bool {
        self.recent.contains(&kept(hash)) || self.sorted_contains(split(hash))
    }

    /// Adds `ids`, returning how many were new.
    fn extend(&mut self, ids: impl IntoIterator<Item = u128>) -> usize {
        let before = self.len();
        for id in ids {
            if !self.sorted_contains(split(id)) {
                self.recent.insert(kept(id));
            }
        }
        if self.recent.len() * 8 > self.high.len() {
            let recent: Vec<u128> = std::mem::take(&mut self.recent).into_iter().collect();
            self.merge(recent);
        }
        self.len() - before
    }

    /// Merges `ids` (in any order, possibly repeated) into the sorted arrays, which are replaced by
    /// arrays of exactly the merged length.
    fn merge(&mut self, mut ids: Vec<u128>) {
        for id in &mut ids {
            *id = kept(*id);
        }
        ids.sort_unstable();
        ids.dedup();
        let capacity = self.high.len() + ids.len();
        let (mut high, mut low) = (Vec::with_capacity(capacity), Vec::with_capacity(capacity));
        let mut old = self
            .high
            .iter()
            .copied()
            .zip(self.low.iter().copied())
            .peekable();
        let mut new = ids.into_iter().map(split).peekable();
        loop {
            let next = match (old.peek(), new.peek()) {
                (Some(a), Some(b)) if a < b => old.next(),
                (Some(a), Some(b)) if a == b => {
                    new.next();
                    old.next()
                }
                (Some(_), Some(_)) | (None, Some(_)) => new.next(),
                (Some(_), None) => old.next(),
                (None, None) => break,
            };
            let (h, l) = next.expect("a side was not empty");
            high.push(h);
            low.push(l);
        }
        high.shrink_to_fit();
        low.shrink_to_fit();
        self.high = high;
        self.low = low;
        self.index();
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
        if let Some(entry) = self.months.get_mut(month) {
            entry.last_used = self.clock;
            return Ok(entry.contains(hash));
        }
        let mut ids = load_month(root, state, month)?;
        ids.last_used = self.clock;
        let found = ids.contains(hash);
        self.total += ids.len();
        self.months.insert(month.to_owned(), ids);
        self.evict(month);
        Ok(found)
    }

    /// Records ids just committed to `month` (a month not in memory will be read from the store
    /// when needed, and will include them).
    pub fn extend(&mut self, month: &str, ids: impl IntoIterator<Item = u128>) {
        if let Some(entry) = self.months.get_mut(month) {
            self.total += entry.extend(ids);
            self.evict(month);
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
                match readable(root, file).and_then(|path| read_ids(&path, &mut ids)) {
                    Err(IngestError::MissingFile { .. }) => {}
                    Err(IngestError::Io { source, .. })
                        if source.kind() == std::io::ErrorKind::NotFound => {}
                    other => other?,
                }
                self.total += entry.extend(ids);
                self.evict(&file.partition);
            }
        }
        Ok(())
    }

    /// Of the ids of a pending `batch` (by month), counts those now in the store in the months of
    /// `files` (just committed by other writers, and [absorbed](DedupeIndex::absorb)): events of
    /// the batch that another writer stored after this index read their month. Returns the first
    /// such month with its count, if any.
    pub fn stored_meanwhile(
        &mut self,
        root: &Path,
        state: &LogState,
        files: &[FileEntry],
        batch: &BTreeMap<Month, IdSet>,
    ) -> Result<Option<(Month, usize)>> {
        let months: BTreeSet<&str> = files
            .iter()
            .filter(|f| holds_ids(f))
            .map(|f| f.partition.as_str())
            .collect();
        for month in months {
            let Some(ids) = batch.get(month) else {
                continue;
            };
            let mut stored = 0;
            for &hash in ids {
                stored += usize::from(self.contains(root, state, month, hash)?);
            }
            if stored > 0 {
                return Ok(Some((month.to_owned(), stored)));
            }
        }
        Ok(None)
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
        read_ids(&readable(root, file)?, &mut ids)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(range: std::ops::Range<u32>) -> Vec<u128> {
        range.map(|i| id_hash(&format!("id-{i}"))).collect()
    }

    #[test]
    fn a_month_knows_exactly_the_ids_loaded_and_added() {
        let mut month = MonthIds::from_unsorted([ids(0..1000), ids(500..1500)].concat());
        assert_eq!(month.len(), 1500);
        assert_eq!((month.high.capacity(), month.low.capacity()), (1500, 1500));
        assert!(ids(0..1500).into_iter().all(|id| month.contains(id)));
        assert!(!ids(1500..3000).into_iter().any(|id| month.contains(id)));

        // Added in small steps (kept apart), then in a step that merges them all.
        assert_eq!(month.extend(ids(1400..1600)), 100);
        assert_eq!(month.recent.len(), 100);
        assert_eq!(month.extend(ids(1600..2000)), 400);
        assert!(month.recent.is_empty());
        assert_eq!(month.len(), 2000);
        assert!(month.high.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(month.starts.len(), (1 << month.bits) + 1);
        assert!(month.bits > 0, "2000 ids are spread over several buckets");
        assert!(ids(0..2000).into_iter().all(|id| month.contains(id)));
        assert!(!ids(2000..4000).into_iter().any(|id| month.contains(id)));
    }

    #[test]
    fn ids_sharing_their_high_bits_are_told_apart() {
        let base = 0xabcd_u128 << 64;
        let same_high = [base | (1 << 32), base | (3 << 32), base | (2 << 32)];
        let mut month = MonthIds::from_unsorted(same_high[..2].to_vec());
        assert!(month.contains(same_high[0]) && month.contains(same_high[1]));
        assert!(!month.contains(same_high[2]));
        month.merge(vec![same_high[2], same_high[0]]);
        assert_eq!(month.low, [1, 2, 3]);
        assert!(same_high.iter().all(|&id| month.contains(id)));
    }

    #[test]
    fn the_cache_stays_within_its_capacity_as_commits_add_ids() {
        let mut index = DedupeIndex::new(1000);
        for (i, month) in ["year=2025/month=01", "year=2025/month=02"]
            .iter()
            .enumerate()
        {
            index
                .months
                .insert((*month).to_owned(), MonthIds::from_unsorted(Vec::new()));
            index.months.get_mut(*month).expect("inserted").last_used = i as u64;
        }
        index.extend("year=2025/month=02", ids(0..600));
        index.extend("year=2025/month=01", ids(600..1200));
        assert!(index.total <= 1000);
        assert_eq!(index.months.len(), 1);
        assert!(index.months.contains_key("year=2025/month=01"));
    }
}
