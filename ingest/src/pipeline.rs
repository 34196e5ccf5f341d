//! The one path every record takes into the store, whatever its source (file, Kafka, collector):
//! validate and upcast, deduplicate by event id, batch, then commit files and offsets together.
//!
//! Invariant, at every commit: each record consumed in the batch is exactly one of an event row, a
//! dead letter, or a listed duplicate, and the commit's offset ranges cover exactly those records.

use std::collections::BTreeMap;
use std::io::ErrorKind;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{Datelike, Utc};
use pdn_schemas::{Event, Family, Rejection, Validator};
use rayon::prelude::*;

use crate::dead_letter::{self, DeadLetterBuilder, Origin};
use crate::dedupe::{id_hash, DedupeIndex, IdSet};
use crate::error::{IngestError, Result};
use crate::lake::{month_partition, CommitDraft, Lake};
use crate::log::{Commit, DeadLetterRef, Duplicate, OffsetRange};
use crate::rows::TableBuilder;

/// Column of `occurred_at` in every event table: files are sorted by it.
pub(crate) const OCCURRED_AT_COLUMN: usize = 3;

/// How batches are cut.
#[derive(Debug, Clone)]
pub struct BatchConfig {
    /// Commit once this many records are pending.
    pub max_batch_events: usize,
    /// Commit once the oldest pending record has waited this long.
    pub max_latency: Duration,
    /// Commit once pending dead letters hold this many raw bytes.
    pub max_dead_letter_bytes: usize,
    /// Ids kept in memory by the deduplication cache.
    pub dedupe_capacity: usize,
}

impl Default for BatchConfig {
    fn default() -> Self {
        BatchConfig {
            max_batch_events: 100_000,
            max_latency: Duration::from_secs(2),
            max_dead_letter_bytes: 32 << 20,
            dedupe_capacity: crate::dedupe::DEFAULT_CAPACITY_IDS,
        }
    }
}

/// What became of one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Written,
    DeadLetter(pdn_schemas::Reason),
    Duplicate,
}

/// The records accepted since the last commit.
#[derive(Default)]
struct Pending {
    /// By family, then month partition (the order of the commit's files).
    tables: BTreeMap<Family, BTreeMap<String, TableBuilder>>,
    dead: BTreeMap<String, DeadLetterBuilder>,
    dead_bytes: usize,
    offsets: BTreeMap<String, BTreeMap<i32, OffsetRange>>,
    events: u64,
    dead_reasons: BTreeMap<String, u64>,
    duplicates: Vec<Duplicate>,
    redriven: Vec<DeadLetterRef>,
    /// Ids of the events of this batch, by month: added to the dedupe index once committed.
    ids: BTreeMap<String, IdSet>,
    records: usize,
    since: Option<Instant>,
}

/// The rows of one file of a commit.
enum FileRows<'a> {
    /// Events of one table and month, sorted by `occurred_at` when written.
    Events(&'a mut TableBuilder),
    /// Dead letters of one month, in arrival order.
    DeadLetters(&'a mut DeadLetterBuilder),
}

/// Validates, deduplicates, batches and commits records into a lake.
pub struct Ingestor {
    lake: Lake,
    validator: Validator,
    config: BatchConfig,
    dedupe: DedupeIndex,
    pending: Pending,
    writer: String,
    /// The month partition of the last event taken: consecutive events mostly share it, so its
    /// name is formatted once per change, not once per event.
    month: ((i32, u32), String),
}

impl Ingestor {
    /// An ingestor writing to `lake`, signing its commits as `writer`.
    pub fn new(lake: Lake, validator: Validator, config: BatchConfig, writer: String) -> Ingestor {
        let dedupe = DedupeIndex::new(config.dedupe_capacity);
        Ingestor {
            lake,
            validator,
            config,
            dedupe,
            pending: Pending::default(),
            writer,
            month: ((0, 0), String::new()),
        }
    }

    /// The lake written to.
    pub fn lake(&self) -> &Lake {
        &self.lake
    }

    /// The validator records are checked with.
    pub fn validator(&self) -> &Validator {
        &self.validator
    }

    /// The first offset not yet in the store for a source partition, if any was committed.
    pub fn next_offset(&self, source: &str, partition: i32) -> Option<i64> {
        self.lake.state().next_offset(source, partition)
    }

    /// Validates and takes one record.
    pub fn push(&mut self, origin: Origin<'_>, raw: &[u8]) -> Result<Outcome> {
        let validated = self.validator.validate(raw);
        self.push_validated(origin, raw, validated)
    }

    /// Takes one record already validated (sources validate in parallel, then push in order).
    pub fn push_validated(
        &mut self,
        origin: Origin<'_>,
        raw: &[u8],
        validated: std::result::Result<Event, Rejection>,
    ) -> Result<Outcome> {
        let p = &mut self.pending;
        p.since.get_or_insert_with(Instant::now);
        p.records += 1;
        // The source's name is copied once per batch, not once per record.
        let partitions = match p.offsets.get_mut(origin.source) {
            Some(partitions) => partitions,
            None => p.offsets.entry(origin.source.to_owned()).or_default(),
        };
        let range = partitions.entry(origin.partition).or_insert(OffsetRange {
            first: origin.offset,
            last: origin.offset,
        });
        range.last = origin.offset;
        match validated {
            Err(rejection) => {
                let now = Utc::now();
                p.dead
                    .entry(month_partition(now))
                    .or_default()
                    .push(now, origin, raw, &rejection);
                p.dead_bytes += raw.len();
                *p.dead_reasons
                    .entry(rejection.reason.code().to_owned())
                    .or_default() += 1;
                Ok(Outcome::DeadLetter(rejection.reason))
            }
            Ok(event) => self.take_event(origin.source, origin.partition, origin.offset, event),
        }
    }

    /// Takes a dead letter that now validates (a redrive): it is written (or found to be a
    /// duplicate) and marked redriven in the commit; source offsets are left untouched.
    pub fn push_redriven(&mut self, letter: DeadLetterRef, event: Event) -> Result<Outcome> {
        let p = &mut self.pending;
        p.since.get_or_insert_with(Instant::now);
        p.records += 1;
        let key = letter.clone();
        p.redriven.push(letter);
        self.take_event(&key.source, key.partition, key.offset, event)
    }

    fn take_event(
        &mut self,
        source: &str,
        partition: i32,
        offset: i64,
        event: Event,
    ) -> Result<Outcome> {
        let utc = event.envelope.occurred_at.to_utc();
        let key = (utc.year(), utc.month());
        if self.month.0 != key {
            self.month = (key, month_partition(utc));
        }
        let month = &self.month.1;
        let hash = id_hash(event.envelope.event_id.as_str());
        // A file of this writer's state may have been deleted since: a rewrite replaced it (an
        // erasure, a compaction vacuumed at once). Then read the month again from the store as it
        // is now.
        let mut attempt = 1;
        let stored = loop {
            match self
                .dedupe
                .contains(self.lake.root(), self.lake.state(), month, hash)
            {
                Err(IngestError::Io { source, .. })
                    if source.kind() == ErrorKind::NotFound && attempt < 3 =>
                {
                    self.lake.refresh()?;
                    attempt += 1;
                }
                other => break other?,
            }
        };
        let p = &mut self.pending;
        let new = !stored
            && match p.ids.get_mut(month) {
                Some(ids) => ids.insert(hash),
                None => p.ids.entry(month.clone()).or_default().insert(hash),
            };
        if !new {
            p.duplicates.push(Duplicate {
                source: source.to_owned(),
                partition,
                offset,
                event_id: event.envelope.event_id.0.clone(),
            });
            return Ok(Outcome::Duplicate);
        }
        let family = event.family();
        let tables = p.tables.entry(family).or_default();
        let builder = match tables.get_mut(month) {
            Some(builder) => builder,
            None => tables
                .entry(month.clone())
                .or_insert_with(|| TableBuilder::new(family)),
        };
        builder.push(&event);
        p.events += 1;
        Ok(Outcome::Written)
    }

    /// The first pending offset of each partition of `source` (where to seek back to if the batch
    /// is discarded).
    pub fn pending_starts(&self, source: &str) -> Vec<(i32, i64)> {
        self.pending
            .offsets
            .get(source)
            .map(|parts| parts.iter().map(|(&p, r)| (p, r.first)).collect())
            .unwrap_or_default()
    }

    /// Records taken since the last commit.
    pub fn pending(&self) -> usize {
        self.pending.records
    }

    /// Whether the pending batch should be committed now (size, age or dead-letter bytes).
    pub fn is_due(&self) -> bool {
        self.is_full()
            || self
                .pending
                .since
                .is_some_and(|t| t.elapsed() >= self.config.max_latency)
    }

    /// Whether the pending batch should be committed now by its size (records or dead-letter
    /// bytes): [`Ingestor::is_due`] without reading the clock, for a source that checks after each
    /// record and reads the clock once per chunk of records.
    pub fn is_full(&self) -> bool {
        let p = &self.pending;
        p.records >= self.config.max_batch_events
            || p.dead_bytes >= self.config.max_dead_letter_bytes
    }

    /// How long until the pending batch is due by age (`None` if nothing is pending).
    pub fn due_in(&self) -> Option<Duration> {
        self.pending
            .since
            .map(|t| self.config.max_latency.saturating_sub(t.elapsed()))
    }

    /// Writes the pending batch and commits it with its offsets. `None` if nothing was pending.
    ///
    /// On error the batch is discarded whole (nothing of it is in the store): a source that can
    /// re-read its records (Kafka) seeks back to [`Ingestor::next_offset`] and goes on.
    pub fn commit(&mut self, operation: &str) -> Result<Option<Arc<Commit>>> {
        if self.pending.records == 0 {
            return Ok(None);
        }
        let mut pending = std::mem::take(&mut self.pending);
        // Each file is encoded and synced on its own, in parallel: the commit's wall time is
        // that of its largest files rather than of all of them in turn. Each table's rows are
        // taken from its builder only when its file is written, and freed right after.
        let mut files = Vec::new();
        for (family, months) in pending.tables.iter_mut() {
            let table = format!("events/{}", family.name());
            for (month, builder) in months.iter_mut() {
                files.push((table.clone(), month.as_str(), FileRows::Events(builder)));
            }
        }
        for (month, builder) in pending.dead.iter_mut() {
            let rows = FileRows::DeadLetters(builder);
            files.push((dead_letter::TABLE.to_owned(), month.as_str(), rows));
        }
        let lake = &self.lake;
        let files = files
            .into_par_iter()
            .map(|(table, month, rows)| {
                let (batch, sort_column) = match rows {
                    FileRows::Events(builder) => (builder.finish(), Some(OCCURRED_AT_COLUMN)),
                    FileRows::DeadLetters(builder) => (builder.finish(), None),
                };
                lake.stage(&table, month, &batch, sort_column)
            })
            .collect::<Result<Vec<_>>>()?;
        let draft = CommitDraft {
            operation: operation.to_owned(),
            files,
            remove: Vec::new(),
            offsets: pending.offsets,
            events: pending.events,
            dead_letters: pending.dead_reasons,
            duplicates: pending.duplicates,
            redriven: pending.redriven,
            ..CommitDraft::default()
        };
        // The ids of other writers' commits join the index, and the batch is refused if one of
        // its events is among them (taken by two writers, stored first by the other): its source
        // reads it again, and finds that event a duplicate.
        let (dedupe, batch_ids) = (&mut self.dedupe, &pending.ids);
        let commit = self
            .lake
            .commit_checked(draft, &self.writer, |root, state, foreign| {
                dedupe.absorb(root, foreign)?;
                match dedupe.stored_meanwhile(root, state, foreign, batch_ids)? {
                    Some((month, events)) => Err(IngestError::DuplicateConflict { month, events }),
                    None => Ok(()),
                }
            })?;
        for (month, ids) in pending.ids {
            self.dedupe.extend(&month, ids);
        }
        Ok(Some(commit))
    }
}
