//! Detecting damaged files: every committed file carries its size and an XXH3-128 checksum of its
//! bytes in the commit log, computed while it was written.
//!
//! Invariant: pdn never reads a committed file whose size or checksum differs from the log's — a
//! reader gets [`IngestError::DamagedFile`] naming the file instead. Files are immutable, so a
//! process checks each file's checksum once and remembers it (a file damaged after that, during
//! the process's life, is caught by the next process or by `pdn status --verify`). Files committed
//! before checksums existed are checked by size only.

use std::collections::HashSet;
use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{LazyLock, Mutex};

use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use xxhash_rust::xxh3::Xxh3;

use crate::error::{io, IngestError, Result};
use crate::log::FileEntry;

/// A writer that computes the checksum of everything written through it.
pub struct Checksummed<W> {
    inner: W,
    hasher: Xxh3,
}

impl<W: Write> Checksummed<W> {
    pub fn new(inner: W) -> Checksummed<W> {
        Checksummed {
            inner,
            hasher: Xxh3::new(),
        }
    }

    /// The inner writer and the checksum of what went through, as the log records it.
    pub fn finish(self) -> (W, String) {
        (self.inner, hex(self.hasher.digest128()))
    }
}

impl<W: Write> Write for Checksummed<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let written = self.inner.write(buf)?;
        self.hasher.update(&buf[..written]);
        Ok(written)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

fn hex(digest: u128) -> String {
    format!("{digest:032x}")
}

/// The checksum of the file at `path`.
pub fn checksum(path: &Path) -> Result<String> {
    let mut file = File::open(path).map_err(io(path))?;
    let mut hasher = Xxh3::new();
    let mut buffer = vec![0; 1 << 20];
    loop {
        let read = file.read(&mut buffer).map_err(io(path))?;
        if read == 0 {
            return Ok(hex(hasher.digest128()));
        }
        hasher.update(&buffer[..read]);
    }
}

/// Files whose checksum this process has already checked, with the checksum it matched.
static CHECKED: LazyLock<Mutex<HashSet<(PathBuf, String)>>> = LazyLock::new(Default::default);

/// Checks that the file at `path` is the one `entry` committed: its size, then (once per process)
/// its checksum.
pub fn check(path: &Path, entry: &FileEntry) -> Result<()> {
    let bytes = std::fs::metadata(path).map_err(io(path))?.len();
    if bytes != entry.bytes {
        return Err(IngestError::DamagedFile {
            path: path.to_owned(),
            reason: format!(
                "it has {bytes} bytes where the commit log says {}",
                entry.bytes
            ),
        });
    }
    let Some(expected) = &entry.xxh3 else {
        return Ok(());
    };
    let key = (path.to_owned(), expected.clone());
    if CHECKED.lock().expect("not poisoned").contains(&key) {
        return Ok(());
    }
    let found = checksum(path)?;
    if &found != expected {
        return Err(IngestError::DamagedFile {
            path: path.to_owned(),
            reason: format!(
                "its bytes changed since the commit (checksum {found}, the commit log says {expected})"
            ),
        });
    }
    CHECKED.lock().expect("not poisoned").insert(key);
    Ok(())
}

/// The thorough check of `pdn status --verify`: [`check`], then every page of the file decoded and
/// its rows counted against the log.
pub fn verify(path: &Path, entry: &FileEntry) -> Result<()> {
    check(path, entry)?;
    let damaged = |reason: String| IngestError::DamagedFile {
        path: path.to_owned(),
        reason,
    };
    let file = File::open(path).map_err(io(path))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(|e| damaged(format!("its Parquet footer cannot be read: {e}")))?;
    let rows = builder.metadata().file_metadata().num_rows() as u64;
    if rows != entry.rows {
        return Err(damaged(format!(
            "it holds {rows} rows where the commit log says {}",
            entry.rows
        )));
    }
    let reader = builder
        .build()
        .map_err(|e| damaged(format!("its pages cannot be read: {e}")))?;
    let mut decoded = 0u64;
    for batch in reader {
        let batch = batch.map_err(|e| damaged(format!("after {decoded} rows: {e}")))?;
        decoded += batch.num_rows() as u64;
    }
    if decoded != entry.rows {
        return Err(damaged(format!(
            "{decoded} rows decode where the commit log says {}",
            entry.rows
        )));
    }
    Ok(())
}
