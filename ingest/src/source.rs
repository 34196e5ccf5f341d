//! The embedded source: NDJSON from a file or standard input, through the same path as Kafka.
//!
//! A line's offset is its 1-based line number, so dead letters and `pdn validate` name the same
//! line. Blank lines are not records. For a named file the source key is `file:<canonical path>`
//! and ingestion resumes after the last line committed for it: re-running an interrupted ingest of
//! the same file neither repeats nor skips anything. Standard input has no identity and always
//! starts from its first line (deduplication still keeps events exactly once).

use std::io::BufRead;

use rayon::prelude::*;

use crate::dead_letter::Origin;
use crate::error::{IngestError, Result};
use crate::pipeline::{Ingestor, Outcome};

/// Lines validated together in parallel before being taken in order.
const CHUNK_LINES: usize = 8192;

/// What an ingest run did.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RunReport {
    /// Records read (non-blank lines, or messages).
    pub records: u64,
    pub written: u64,
    pub dead_letters: u64,
    pub duplicates: u64,
    /// Records skipped because an earlier run already committed them.
    pub already_committed: u64,
    pub commits: u64,
}

impl RunReport {
    /// Counts the records of a commit (sources whose batches may be discarded count this way).
    pub fn add_commit(&mut self, commit: &crate::log::Commit) {
        let dead: u64 = commit.dead_letters.values().sum();
        let duplicates = commit.duplicates.len() as u64;
        self.records += commit.events + dead + duplicates;
        self.written += commit.events;
        self.dead_letters += dead;
        self.duplicates += duplicates;
        self.commits += 1;
    }

    /// Counts one record's outcome.
    pub fn count(&mut self, outcome: &Outcome) {
        self.records += 1;
        match outcome {
            Outcome::Written => self.written += 1,
            Outcome::DeadLetter(_) => self.dead_letters += 1,
            Outcome::Duplicate => self.duplicates += 1,
        }
    }
}

/// Ingests NDJSON from `reader`, identified as `source`, committing as batches fill up and at the
/// end. `progress` is called with the number of lines read after each chunk.
pub fn ingest_ndjson(
    ingestor: &mut Ingestor,
    mut reader: impl BufRead,
    source: &str,
    progress: &mut dyn FnMut(u64),
) -> Result<RunReport> {
    let resume_after = ingestor.next_offset(source, 0).unwrap_or(1) - 1;
    let mut report = RunReport::default();
    let mut line_number: i64 = 0;
    let mut eof = false;
    // One buffer for a chunk's lines (reused from chunk to chunk), and each line's number and
    // bytes in it.
    let mut text: Vec<u8> = Vec::new();
    let mut lines: Vec<(i64, std::ops::Range<usize>)> = Vec::with_capacity(CHUNK_LINES);
    while !eof {
        text.clear();
        lines.clear();
        while lines.len() < CHUNK_LINES {
            let start = text.len();
            let read = reader
                .read_until(b'\n', &mut text)
                .map_err(|source_error| IngestError::Input {
                    what: source.to_owned(),
                    offset: line_number + 1,
                    source: source_error,
                })?;
            if read == 0 {
                eof = true;
                break;
            }
            line_number += 1;
            let mut end = text.len();
            while end > start && matches!(text[end - 1], b'\n' | b'\r') {
                end -= 1;
            }
            let line = &text[start..end];
            if line.iter().all(u8::is_ascii_whitespace) {
                text.truncate(start);
                continue;
            }
            if line_number <= resume_after {
                report.already_committed += 1;
                text.truncate(start);
                continue;
            }
            lines.push((line_number, start..end));
        }
        let validator = *ingestor.validator();
        let results: Vec<_> = lines
            .par_iter()
            .map(|(_, range)| validator.validate(&text[range.clone()]))
            .collect();
        for ((offset, range), validated) in lines.iter().zip(results) {
            let origin = Origin {
                source,
                partition: 0,
                offset: *offset,
                key: None,
            };
            let outcome = ingestor.push_validated(origin, &text[range.clone()], validated)?;
            report.count(&outcome);
            if ingestor.is_full() {
                commit(ingestor, &mut report)?;
            }
        }
        // A chunk's records are taken at once, so its age is checked once, after them.
        if ingestor.is_due() {
            commit(ingestor, &mut report)?;
        }
        progress(line_number as u64);
    }
    commit(ingestor, &mut report)?;
    Ok(report)
}

/// Commits the pending batch, counting the commit if there was one.
fn commit(ingestor: &mut Ingestor, report: &mut RunReport) -> Result<()> {
    if ingestor.commit("append")?.is_some() {
        report.commits += 1;
    }
    Ok(())
}
