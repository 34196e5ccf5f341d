//! The lake's commit log: the single source of truth of what the event store holds.
//!
//! A commit is one JSON file `_pdn/log/<version, 20 digits>.json`. It lists the data files it adds
//! (and removes, for rewrites), the source offsets it covers and what became of every consumed
//! record (written, dead letter or duplicate). Versions are claimed atomically: the entry is written
//! to a temporary file, synced, then hard-linked to its final name, which fails if another writer
//! took that version first (optimistic concurrency, as in Delta Lake). Data files become part of the
//! store exactly when the entry naming them exists.
//!
//! Every [`CHECKPOINT_INTERVAL`] versions the folded state is written to
//! `_pdn/checkpoints/<version>.json`, so that opening the lake reads one checkpoint and the commits
//! after it rather than the whole history.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{io, IngestError, Result};

/// How many versions between two checkpoints.
pub const CHECKPOINT_INTERVAL: u64 = 100;

/// One data file of a commit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileEntry {
    /// Path relative to the lake root, e.g. `events/contact/year=2025/month=03/part-…parquet`.
    pub path: String,
    /// Where the file was written before the commit (relative to the lake root); moved to `path`
    /// right after the commit, or by recovery if the writer died in between.
    pub staged: String,
    /// The table: `events/<family>` or `dead_letters`.
    pub table: String,
    /// The time partition, e.g. `year=2025/month=03`.
    pub partition: String,
    pub rows: u64,
    pub bytes: u64,
    /// XXH3-128 of the file's bytes (hex), computed while it was written; absent in commits made
    /// before checksums existed (see [`crate::integrity`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub xxh3: Option<String>,
}

/// The offsets of one source partition covered by a commit, inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OffsetRange {
    pub first: i64,
    pub last: i64,
}

/// A consumed record dropped because its event id was already in the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Duplicate {
    pub source: String,
    pub partition: i32,
    pub offset: i64,
    pub event_id: String,
}

/// A dead letter, named by where its record came from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct DeadLetterRef {
    pub source: String,
    pub partition: i32,
    pub offset: i64,
}

/// One commit of the log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Commit {
    pub version: u64,
    pub committed_at: DateTime<Utc>,
    /// Who committed: command, process id and host.
    pub writer: String,
    /// What the commit does: `append`, `redrive`, `compact`, `forget`...
    pub operation: String,
    #[serde(default)]
    pub add: Vec<FileEntry>,
    /// Paths of files this commit removes from the store (rewrites).
    #[serde(default)]
    pub remove: Vec<String>,
    /// Source (e.g. `kafka:events` or `file:/data/x.ndjson`) → partition → offsets covered.
    #[serde(default)]
    pub offsets: BTreeMap<String, BTreeMap<i32, OffsetRange>>,
    /// Events written to the event tables.
    pub events: u64,
    /// Dead letters by reason code.
    #[serde(default)]
    pub dead_letters: BTreeMap<String, u64>,
    /// Consumed records that were already in the store.
    #[serde(default)]
    pub duplicates: Vec<Duplicate>,
    /// Dead letters that this commit re-validated and took in (`pdn dlq redrive`).
    #[serde(default)]
    pub redriven: Vec<DeadLetterRef>,
    /// Rows an erasure (`forget`, `retention`) removed, by table: counts only, never whom.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub erased: BTreeMap<String, u64>,
    /// Dead letters an erasure removed, by reason code.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub erased_dead_letters: BTreeMap<String, u64>,
}

/// The state of the store after a version: the fold of every commit up to it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LogState {
    /// The last version folded in (0: empty lake).
    pub version: u64,
    /// Live files by path.
    pub files: BTreeMap<String, FileEntry>,
    /// Source → partition → last offset committed.
    pub offsets: BTreeMap<String, BTreeMap<i32, i64>>,
    pub events: u64,
    pub dead_letters: BTreeMap<String, u64>,
    pub duplicates: u64,
    /// Dead letters already taken in by a redrive: never taken again.
    #[serde(default)]
    pub redriven: std::collections::BTreeSet<DeadLetterRef>,
    pub last_commit: Option<DateTime<Utc>>,
}

impl LogState {
    /// Folds one commit (the next version) into the state.
    pub fn apply(&mut self, commit: &Commit) {
        debug_assert_eq!(commit.version, self.version + 1);
        for path in &commit.remove {
            self.files.remove(path);
        }
        for file in &commit.add {
            self.files.insert(file.path.clone(), file.clone());
        }
        for (source, partitions) in &commit.offsets {
            let known = self.offsets.entry(source.clone()).or_default();
            for (&partition, range) in partitions {
                let last = known.entry(partition).or_insert(range.last);
                *last = (*last).max(range.last);
            }
        }
        self.events += commit.events;
        let erased_events: u64 = commit
            .erased
            .iter()
            .filter(|(table, _)| table.starts_with("events/"))
            .map(|(_, n)| n)
            .sum();
        self.events = self.events.saturating_sub(erased_events);
        for (reason, n) in &commit.dead_letters {
            *self.dead_letters.entry(reason.clone()).or_default() += n;
        }
        for (reason, n) in &commit.erased_dead_letters {
            if let Some(count) = self.dead_letters.get_mut(reason) {
                *count = count.saturating_sub(*n);
                if *count == 0 {
                    self.dead_letters.remove(reason);
                }
            }
        }
        self.duplicates += commit.duplicates.len() as u64;
        self.redriven.extend(commit.redriven.iter().cloned());
        self.version = commit.version;
        self.last_commit = Some(commit.committed_at);
    }

    /// The next offset to consume for a source partition, if anything was committed for it.
    pub fn next_offset(&self, source: &str, partition: i32) -> Option<i64> {
        self.offsets
            .get(source)?
            .get(&partition)
            .map(|last| last + 1)
    }

    /// Live files of a table.
    pub fn files_of<'a>(&'a self, table: &'a str) -> impl Iterator<Item = &'a FileEntry> + 'a {
        self.files.values().filter(move |f| f.table == table)
    }
}

/// Reads and appends the commit log of a lake.
#[derive(Debug, Clone)]
pub struct CommitLog {
    log_dir: PathBuf,
    checkpoint_dir: PathBuf,
}

fn version_file(dir: &Path, version: u64) -> PathBuf {
    dir.join(format!("{version:020}.json"))
}

/// Writes `bytes` to `path` durably: a synced temporary file renamed into place, then the folder
/// synced. Readers see the old content or the new, never a part.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().expect("files live in a folder");
    let tmp = dir.join(format!(".tmp-{}-{}", std::process::id(), unique_suffix()));
    let mut file = File::create(&tmp).map_err(io(&tmp))?;
    file.write_all(bytes).map_err(io(&tmp))?;
    file.sync_all().map_err(io(&tmp))?;
    fs::rename(&tmp, path).map_err(io(path))?;
    sync_dir(dir)
}

/// Syncs a folder so that renames and new names in it survive a crash.
pub fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir).and_then(|d| d.sync_all()).map_err(io(dir))
}

/// A suffix unique within this process and very likely across processes.
pub fn unique_suffix() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{nanos:x}-{}", COUNTER.fetch_add(1, Ordering::Relaxed))
}

impl CommitLog {
    /// The log under `meta_dir` (`<lake>/_pdn`), created if missing.
    pub fn open(meta_dir: &Path) -> Result<CommitLog> {
        let log_dir = meta_dir.join("log");
        let checkpoint_dir = meta_dir.join("checkpoints");
        for dir in [&log_dir, &checkpoint_dir] {
            fs::create_dir_all(dir).map_err(io(dir))?;
        }
        Ok(CommitLog {
            log_dir,
            checkpoint_dir,
        })
    }

    /// Reads commit `version`, `None` if it does not exist yet.
    pub fn read(&self, version: u64) -> Result<Option<Commit>> {
        let path = version_file(&self.log_dir, version);
        match fs::read(&path) {
            Ok(bytes) => {
                serde_json::from_slice(&bytes)
                    .map(Some)
                    .map_err(|e| IngestError::CorruptLog {
                        path,
                        reason: e.to_string(),
                    })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(IngestError::Io { path, source }),
        }
    }

    /// The latest state: the newest checkpoint, then every commit after it.
    pub fn load(&self) -> Result<LogState> {
        let mut state = self.latest_checkpoint()?.unwrap_or_default();
        self.catch_up(&mut state)?;
        Ok(state)
    }

    /// Folds into `state` the commits made since it was read (by this or another writer), and
    /// returns them.
    pub fn catch_up(&self, state: &mut LogState) -> Result<Vec<Commit>> {
        let mut folded = Vec::new();
        while let Some(commit) = self.read(state.version + 1)? {
            if commit.version != state.version + 1 {
                return Err(IngestError::CorruptLog {
                    path: version_file(&self.log_dir, state.version + 1),
                    reason: format!("holds version {}", commit.version),
                });
            }
            state.apply(&commit);
            folded.push(commit);
        }
        Ok(folded)
    }

    fn latest_checkpoint(&self) -> Result<Option<LogState>> {
        let mut newest: Option<(u64, PathBuf)> = None;
        for entry in fs::read_dir(&self.checkpoint_dir).map_err(io(&self.checkpoint_dir))? {
            let entry = entry.map_err(io(&self.checkpoint_dir))?;
            let name = entry.file_name();
            let Some(version) = name
                .to_str()
                .and_then(|n| n.strip_suffix(".json"))
                .and_then(|n| n.parse::<u64>().ok())
            else {
                continue;
            };
            if newest.as_ref().is_none_or(|(v, _)| version > *v) {
                newest = Some((version, entry.path()));
            }
        }
        match newest {
            None => Ok(None),
            Some((_, path)) => {
                let bytes = fs::read(&path).map_err(io(&path))?;
                serde_json::from_slice(&bytes)
                    .map(Some)
                    .map_err(|e| IngestError::CorruptLog {
                        path,
                        reason: e.to_string(),
                    })
            }
        }
    }

    /// Tries to commit `commit` as version `commit.version`. Returns `false`, writing nothing, if
    /// another writer already took that version.
    pub fn try_commit(&self, commit: &Commit) -> Result<bool> {
        let bytes = serde_json::to_vec_pretty(commit).expect("commits serialise");
        let tmp = self
            .log_dir
            .join(format!(".tmp-{}-{}", std::process::id(), unique_suffix()));
        let mut file = File::create(&tmp).map_err(io(&tmp))?;
        file.write_all(&bytes).map_err(io(&tmp))?;
        file.sync_all().map_err(io(&tmp))?;
        drop(file);
        let target = version_file(&self.log_dir, commit.version);
        let linked = fs::hard_link(&tmp, &target);
        fs::remove_file(&tmp).map_err(io(&tmp))?;
        match linked {
            Ok(()) => {
                sync_dir(&self.log_dir)?;
                Ok(true)
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
            Err(source) => Err(IngestError::Io {
                path: target,
                source,
            }),
        }
    }

    /// Writes a checkpoint of `state` if its version is a multiple of [`CHECKPOINT_INTERVAL`].
    pub fn maybe_checkpoint(&self, state: &LogState) -> Result<()> {
        if !state.version.is_multiple_of(CHECKPOINT_INTERVAL) {
            return Ok(());
        }
        let bytes = serde_json::to_vec(state).expect("states serialise");
        write_atomically(&version_file(&self.checkpoint_dir, state.version), &bytes)
    }
}
