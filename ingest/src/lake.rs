//! The lake: the folder that holds the event store, its commit log and the dead letters.
//!
//! ```text
//! <lake>/
//!   events/<family>/year=YYYY/month=MM/part-<version>-<n>.parquet   one table per event family
//!   dead_letters/year=YYYY/month=MM/part-<version>-<n>.parquet      rejected records, raw bytes kept
//!   _pdn/log/<version>.json                                         the commit log (see log.rs)
//!   _pdn/checkpoints/<version>.json                                 folded log state
//!   _pdn/staging/<writer>/                                          files written, not yet committed
//! ```
//!
//! The commit protocol, for one batch:
//! 1. every file of the batch is written and synced in the writer's own staging folder, which is
//!    outside `events/` and `dead_letters/`, so no reader of those folders can see it;
//! 2. the commit entry naming the files (their staged and final paths) and the source offsets they
//!    cover is claimed as the next version of the log (atomic; the batch exists from then on);
//! 3. each staged file is hard-linked at its final path, that folder synced, then its staged name
//!    removed.
//!
//! A crash before 2 leaves only staging files, deleted when a writer next opens the lake; a crash
//! between 2 and 3 is rolled forward by the next writer, which links the files the log names.
//! Readers open committed files through [`readable`], which links a still-staged file itself, so
//! the path a reader holds never disappears under it.
//! Files are never modified once final: rewrites add new files and remove old ones in one commit.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{make_comparator, RecordBatch};
use arrow::compute::{sort_to_indices, take_record_batch, SortOptions};
use arrow::error::ArrowError;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::metadata::SortingColumn;
use parquet::file::properties::{EnabledStatistics, WriterProperties};

use crate::error::{io, IngestError, Result};
use crate::integrity::Checksummed;
use crate::log::{sync_dir, unique_suffix, Commit, CommitLog, FileEntry, LogState};

/// Files of at least this many rows (a compaction's, a month of a family) carry a bloom filter of
/// `event_id`: a lookup of a few ids (the targets of a day's corrections) skips the files that
/// cannot hold them. The small files of streaming batches are not worth it.
const BLOOM_MIN_ROWS: usize = 10_000;

/// The false positive rate of those filters (about 1.8 bytes per row): looking for 100 ids still
/// reads a file that holds none of them only one time in ten.
const BLOOM_FPP: f64 = 0.001;

/// How many times a writer retries claiming a version when others keep taking them first.
const MAX_COMMIT_ATTEMPTS: u32 = 1000;

/// A lake opened by a writer: its log state, and a staging folder locked by this process.
#[derive(Debug)]
pub struct Lake {
    root: PathBuf,
    log: CommitLog,
    state: LogState,
    staging: PathBuf,
    _staging_lock: File,
    /// Files other writers committed since a [`Lake::commit_checked`] last showed them.
    unseen: Vec<FileEntry>,
}

/// A file written to staging, waiting for its commit.
#[derive(Debug, Clone)]
pub struct StagedFile {
    pub table: String,
    pub partition: String,
    pub staged: String,
    pub rows: u64,
    pub bytes: u64,
    /// The checksum of its bytes (see [`crate::integrity`]).
    pub xxh3: String,
}

/// What a writer wants to commit; the version and final paths are decided by [`Lake::commit`].
#[derive(Debug, Clone, Default)]
pub struct CommitDraft {
    pub operation: String,
    pub files: Vec<StagedFile>,
    pub remove: Vec<String>,
    pub offsets: std::collections::BTreeMap<
        String,
        std::collections::BTreeMap<i32, crate::log::OffsetRange>,
    >,
    pub events: u64,
    pub dead_letters: std::collections::BTreeMap<String, u64>,
    pub duplicates: Vec<crate::log::Duplicate>,
    pub redriven: Vec<crate::log::DeadLetterRef>,
    /// Rows removed by an erasure, by table (see [`Commit::erased`]).
    pub erased: std::collections::BTreeMap<String, u64>,
    /// Dead letters removed by an erasure, by reason.
    pub erased_dead_letters: std::collections::BTreeMap<String, u64>,
}

impl Lake {
    /// Opens (creating if needed) the lake at `root` for writing: loads the log, rolls forward the
    /// renames of any commit whose writer died, and deletes the staging files of dead writers.
    pub fn open(root: &Path) -> Result<Lake> {
        let meta = root.join("_pdn");
        let staging_root = meta.join("staging");
        fs::create_dir_all(&staging_root).map_err(io(&staging_root))?;
        let log = CommitLog::open(&meta)?;
        let (name, lock) = lock_new_staging(&staging_root)?;
        let staging = staging_root.join(&name);
        fs::create_dir_all(&staging).map_err(io(&staging))?;
        let state = log.load()?;
        let lake = Lake {
            root: root.to_owned(),
            log,
            state,
            staging,
            _staging_lock: lock,
            unseen: Vec::new(),
        };
        for file in lake.state.files.values() {
            lake.finalise(file)?;
        }
        lake.remove_dead_staging(&staging_root)?;
        Ok(lake)
    }

    /// The lake's root folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The state after the last commit this writer has seen.
    pub fn state(&self) -> &LogState {
        &self.state
    }

    /// Folds in the commits other writers made since. Files a later commit removed (a compaction,
    /// an erasure) are dropped from the unseen ones: they may already be deleted, and their ids are
    /// in the files or tombstones that replaced them.
    pub fn refresh(&mut self) -> Result<()> {
        for commit in self.log.catch_up(&mut self.state)? {
            self.unseen.retain(|f| !commit.remove.contains(&f.path));
            self.unseen.extend(commit.add);
        }
        Ok(())
    }

    fn remove_dead_staging(&self, staging_root: &Path) -> Result<()> {
        for entry in fs::read_dir(staging_root).map_err(io(staging_root))? {
            let path = entry.map_err(io(staging_root))?.path();
            if path == self.staging || path == self.staging.with_extension("lock") {
                continue;
            }
            if path.extension().is_some_and(|e| e == "lock") {
                // A writer killed between taking its lock and creating its folder leaves the lock
                // alone; one whose folder exists is handled with the folder.
                if !path.with_extension("").exists() && !held(&path) {
                    remove_if_present(&path)?;
                }
                continue;
            }
            let lock_path = path.with_extension("lock");
            if !held(&lock_path) {
                fs::remove_dir_all(&path).map_err(io(&path))?;
                remove_if_present(&lock_path)?;
            }
        }
        Ok(())
    }

    /// Gives a committed file its final name, if that is not done yet, then drops its staged name.
    /// The final name is synced before the staged one is removed: a crash in between leaves both
    /// names, never neither. A file already final (every file but the last commit's, when a
    /// writer opens the lake) costs two lookups.
    fn finalise(&self, file: &FileEntry) -> Result<()> {
        let target = self.root.join(&file.path);
        let staged = self.root.join(&file.staged);
        if !staged.exists() {
            if target.is_file() {
                return Ok(());
            }
            return Err(IngestError::MissingFile { path: target });
        }
        link_final(&staged, &target)?;
        sync_dir(target.parent().expect("files live in a folder"))?;
        match fs::remove_file(&staged) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(source) => Err(IngestError::Io {
                path: staged,
                source,
            }),
        }
    }

    /// Writes `batch` sorted by `sort_column` (if any) as a ZSTD Parquet file in this writer's
    /// staging folder, synced to disk.
    pub fn stage(
        &self,
        table: &str,
        partition: &str,
        batch: &RecordBatch,
        sort_column: Option<usize>,
    ) -> Result<StagedFile> {
        let arrow_error = |source| IngestError::Arrow {
            table: table.to_owned(),
            source,
        };
        let batch = match sort_column {
            Some(column) => sorted(batch, column).map_err(arrow_error)?,
            None => batch.clone(),
        };
        let name = format!("{}.parquet", unique_suffix());
        let path = self.staging.join(&name);
        let parquet_error = |source| IngestError::Parquet {
            path: path.clone(),
            source,
        };
        // ZSTD level 1: measured on 1M generated events, level 3 cost about a tenth more of the
        // ingest's CPU for files no smaller. `event_id` is unique per row: a dictionary of it only
        // costs hashing and a page as large as the data.
        let mut props = WriterProperties::builder()
            .set_compression(Compression::ZSTD(
                ZstdLevel::try_new(1).expect("valid zstd level"),
            ))
            .set_column_dictionary_enabled("event_id".into(), false)
            .set_statistics_enabled(EnabledStatistics::Page)
            .set_max_row_group_row_count(Some(1 << 20));
        if batch.num_rows() >= BLOOM_MIN_ROWS
            && batch.schema().column_with_name("event_id").is_some()
        {
            props = props
                .set_column_bloom_filter_fpp("event_id".into(), BLOOM_FPP)
                .set_column_bloom_filter_max_ndv("event_id".into(), batch.num_rows() as u64);
        }
        if let Some(column) = sort_column {
            props = props.set_sorting_columns(Some(vec![SortingColumn {
                column_idx: column as i32,
                descending: false,
                nulls_first: false,
            }]));
        }
        let file = Checksummed::new(File::create(&path).map_err(io(&path))?);
        let mut writer = ArrowWriter::try_new(file, batch.schema(), Some(props.build()))
            .map_err(parquet_error)?;
        writer.write(&batch).map_err(parquet_error)?;
        let (file, xxh3) = writer.into_inner().map_err(parquet_error)?.finish();
        file.sync_all().map_err(io(&path))?;
        let bytes = file.metadata().map_err(io(&path))?.len();
        let staged = path
            .strip_prefix(&self.root)
            .expect("staging is inside the lake")
            .to_string_lossy()
            .into_owned();
        Ok(StagedFile {
            table: table.to_owned(),
            partition: partition.to_owned(),
            staged,
            rows: batch.num_rows() as u64,
            bytes,
            xxh3,
        })
    }

    /// Commits a draft as the next version: checks that its offsets follow those already in the
    /// store (so two writers can never both commit the same records) and that the files it removes
    /// are still live (so two rewrites of the same file cannot both commit: the second would bring
    /// back rows the first removed, or duplicate them), claims the version, then moves its files
    /// into place.
    pub fn commit(&mut self, draft: CommitDraft, writer: &str) -> Result<Arc<Commit>> {
        self.commit_checked(draft, writer, |_, _, _| Ok(()))
    }

    /// [`Lake::commit`], with `check` shown the files other writers committed since it was last
    /// shown any (files a later commit removed left out), and the state they belong to, after
    /// each read of the log and before each claim of a version: an error from it refuses the
    /// commit. The version claimed is the one after every file `check` has seen, so what it
    /// verified still holds when the commit lands. A refused draft's staged files are deleted, as
    /// are those of a draft the log could not be read for. (An error while claiming the version
    /// leaves them: the claim may have landed, and the next writer to open the lake moves them.)
    pub fn commit_checked(
        &mut self,
        draft: CommitDraft,
        writer: &str,
        mut check: impl FnMut(&Path, &LogState, &[FileEntry]) -> Result<()>,
    ) -> Result<Arc<Commit>> {
        for attempt in 0..MAX_COMMIT_ATTEMPTS {
            // No attempt of this draft has landed yet (each lost its race): its staged files are
            // deleted on any refusal, the log's own errors included.
            let refused = match self.refresh() {
                Err(error) => Some(error),
                Ok(()) => check(&self.root, &self.state, &std::mem::take(&mut self.unseen))
                    .err()
                    .or_else(|| self.conflict(&draft)),
            };
            if let Some(error) = refused {
                self.discard(&draft.files);
                return Err(error);
            }
            let version = self.state.version + 1;
            let add = draft
                .files
                .iter()
                .enumerate()
                .map(|(i, f)| FileEntry {
                    path: format!(
                        "{}/{}/part-{version:020}-{i:03}.parquet",
                        f.table, f.partition
                    ),
                    staged: f.staged.clone(),
                    table: f.table.clone(),
                    partition: f.partition.clone(),
                    rows: f.rows,
                    bytes: f.bytes,
                    xxh3: Some(f.xxh3.clone()),
                })
                .collect();
            let commit = Commit {
                version,
                committed_at: chrono::Utc::now(),
                writer: writer.to_owned(),
                operation: draft.operation.clone(),
                add,
                remove: draft.remove.clone(),
                offsets: draft.offsets.clone(),
                events: draft.events,
                dead_letters: draft.dead_letters.clone(),
                duplicates: draft.duplicates.clone(),
                redriven: draft.redriven.clone(),
                erased: draft.erased.clone(),
                erased_dead_letters: draft.erased_dead_letters.clone(),
            };
            if self.log.try_commit(&commit)? {
                self.state.apply(&commit);
                for file in &commit.add {
                    self.finalise(file)?;
                }
                self.log.maybe_checkpoint(&self.state)?;
                tracing::debug!(version, attempt, events = commit.events, "committed");
                return Ok(Arc::new(commit));
            }
        }
        self.discard(&draft.files);
        Err(IngestError::CommitContention {
            attempts: MAX_COMMIT_ATTEMPTS,
        })
    }

    /// Why `draft` cannot follow the state read last, if it cannot: a range of its offsets does
    /// not start right after the store's, or a file it removes is no longer live.
    fn conflict(&self, draft: &CommitDraft) -> Option<IngestError> {
        for (source, partitions) in &draft.offsets {
            for (&partition, range) in partitions {
                if let Some(next) = self.state.next_offset(source, partition) {
                    if range.first != next {
                        return Some(IngestError::OffsetConflict {
                            source_key: source.clone(),
                            partition,
                            first: range.first,
                            committed: next - 1,
                        });
                    }
                }
            }
        }
        let gone = draft
            .remove
            .iter()
            .find(|path| !self.state.files.contains_key(*path))?;
        Some(IngestError::RewriteConflict {
            path: gone.clone(),
            version: self.state.version,
        })
    }

    /// Deletes the staged files of a draft that will not be committed (what is left, if this
    /// fails, goes with the staging folder when the writer stops).
    fn discard(&self, files: &[StagedFile]) {
        for file in files {
            if let Err(error) = fs::remove_file(self.root.join(&file.staged)) {
                tracing::debug!(file = %file.staged, %error, "staged file of a refused batch left");
            }
        }
    }
}

/// The time partition of an instant: `year=YYYY/month=MM` (UTC).
pub fn month_partition(t: chrono::DateTime<chrono::Utc>) -> String {
    use chrono::Datelike;
    format!("year={:04}/month={:02}", t.year(), t.month())
}

/// The path a reader opens to read committed `file` of the lake at `root`: its final path, stable
/// until a commit removes the file and the grace period ends.
///
/// Right after a commit, a file may still be at its staged path (its writer is about to move it, or
/// died first). The reader then gives it its final name itself, as a hard link: idempotent, so it
/// does not matter whether the writer links it first, and the staged name it would otherwise open
/// may vanish at any moment. A lake the reader cannot write (a read-only copy, which nobody moves
/// files in) is read at the staged path. The file is checked to be the one committed (size and
/// checksum, see [`crate::integrity`]): a damaged file is an error naming it, never read.
pub fn readable(root: &Path, file: &FileEntry) -> Result<PathBuf> {
    let path = located(root, file)?;
    crate::integrity::check(&path, file)?;
    Ok(path)
}

/// Where the committed `file` is, linking it at its final path if it is still staged.
fn located(root: &Path, file: &FileEntry) -> Result<PathBuf> {
    let target = root.join(&file.path);
    if target.is_file() {
        return Ok(target);
    }
    let staged = root.join(&file.staged);
    match link_final(&staged, &target) {
        Err(IngestError::Io { source, .. }) if read_only(&source) && staged.is_file() => Ok(staged),
        Err(IngestError::Io { source, .. }) if read_only(&source) => {
            Err(IngestError::MissingFile { path: target })
        }
        linked => linked.map(|()| target),
    }
}

fn read_only(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem
    )
}

/// Links `staged` at `target` unless `target` already exists (final paths are unique, so it is
/// the same file). Neither name existing means the store lost a committed file.
fn link_final(staged: &Path, target: &Path) -> Result<()> {
    let dir = target.parent().expect("files live in a folder");
    let mut linked = fs::hard_link(staged, target);
    if matches!(&linked, Err(e) if e.kind() == std::io::ErrorKind::NotFound) && !target.is_file() {
        // The partition's first file: its folder is made then, not tried for every file. Made
        // whether or not it exists by now: another writer may be making it and not yet have
        // linked the file, so its existence alone says nothing.
        fs::create_dir_all(dir).map_err(io(dir))?;
        linked = fs::hard_link(staged, target);
    }
    match linked {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && target.is_file() => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(IngestError::MissingFile {
            path: target.to_owned(),
        }),
        Err(source) => Err(IngestError::Io {
            path: target.to_owned(),
            source,
        }),
    }
}

/// Creates and locks `<name>.lock` for a new staging folder. The lock is held for the writer's life
/// and tells other writers this staging folder is alive. A dead writer's lock is free, and its
/// folder is removed by the next writer that opens the lake; if that happens between our creating
/// the lock file and locking it, the path no longer names our file and we start again.
fn lock_new_staging(staging_root: &Path) -> Result<(String, File)> {
    use std::os::unix::fs::MetadataExt;
    loop {
        let name = format!("{}-{}", std::process::id(), unique_suffix());
        let lock_path = staging_root.join(format!("{name}.lock"));
        let lock = File::create(&lock_path).map_err(io(&lock_path))?;
        lock.lock().map_err(io(&lock_path))?;
        let ours = lock.metadata().map_err(io(&lock_path))?.ino();
        if fs::metadata(&lock_path).is_ok_and(|m| m.ino() == ours) {
            return Ok((name, lock));
        }
    }
}

impl Drop for Lake {
    /// A writer that stops cleanly leaves no staging folder behind (one that dies leaves it to the
    /// next writer, see [`Lake::open`]).
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.staging);
        let _ = fs::remove_file(self.staging.with_extension("lock"));
    }
}

/// Whether a live writer holds the staging lock at `path`.
fn held(path: &Path) -> bool {
    match File::open(path) {
        Ok(f) => f.try_lock().is_err(),
        Err(_) => false,
    }
}

/// Removes the file at `path`, which another writer may have removed first.
fn remove_if_present(path: &Path) -> Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(IngestError::Io {
            path: path.to_owned(),
            source: e,
        }),
        _ => Ok(()),
    }
}

/// Reads the log state of the lake at `root` without writing anything (for status and readers).
pub fn read_state(root: &Path) -> Result<LogState> {
    let meta = root.join("_pdn");
    if !meta.join("log").is_dir() {
        return Ok(LogState::default());
    }
    CommitLog::open(&meta)?.load()
}

/// `batch` in ascending order of `column`, nulls first (the order of `sort_to_indices`): as it is
/// when it already is, which a batch from a time-ordered source mostly is, without copying it.
fn sorted(batch: &RecordBatch, column: usize) -> std::result::Result<RecordBatch, ArrowError> {
    let values = batch.column(column);
    let compare = make_comparator(values, values, SortOptions::default())?;
    if (1..batch.num_rows()).all(|i| compare(i - 1, i).is_le()) {
        return Ok(batch.clone());
    }
    let indices = sort_to_indices(values, None, None)?;
    take_record_batch(batch, &indices)
}
