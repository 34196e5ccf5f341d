//! Erasure: a youth's events removed from the store, on request (`pdn forget`) or when the
//! retention period is over (`pdn retention`).
//!
//! Invariants:
//! - one erasure is one commit: every file holding a row to remove (see [`super::scrub`] for the
//!   rules) is replaced by its rewrite without those rows, or dropped if nothing is left; the ids
//!   of the removed events are committed in the same commit as `tombstones` rows (`event_id`,
//!   `month`), which the deduplication index reads like event ids, so an erased event an app
//!   re-sends is a duplicate and does not come back;
//! - the commit and the audit trail hold counts only (rows removed per table), never a pseudonym;
//! - right after the commit, every file removed by any commit so far is deleted (a vacuum without
//!   grace period): privacy wins over old snapshots, and a reader that opened an older version may
//!   then fail on a missing file. Re-running the same erasure after a crash finishes that deletion;
//! - rows committed after the erasure's version are not touched: an event about the youth that
//!   is new (not a re-send) is a new fact.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use arrow::array::{RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use chrono::Utc;
use serde::Serialize;

use super::compact::vacuum;
use super::scrub::{self, Knowledge, Verdict};
use super::{append_audit, concat, read_batches, sort_column, AuditRecord, TOMBSTONES};
use crate::dead_letter;
use crate::error::{IngestError, Result};
use crate::lake::{CommitDraft, Lake, StagedFile};
use crate::log::FileEntry;

/// How many times an erasure plans again when a concurrent rewrite removed a file it read.
const ATTEMPTS: u32 = 5;

/// The families whose rows can name a youth (or depend on one that does).
const YOUTH_FAMILIES: [&str; 5] = [
    "contact",
    "attendance",
    "prevention",
    "referral",
    "accompaniment",
];

/// The youths an erasure is about: everywhere (a request), or in one department each (retention
/// is counted per department, since each department's coordinator holds its own key).
#[derive(Debug, Default, Clone)]
pub struct Subjects {
    everywhere: HashSet<String>,
    in_department: HashSet<(String, String)>,
    pseudonyms: HashSet<String>,
}

impl Subjects {
    /// These youths, in every department. Each must be a well-formed pseudonym.
    pub fn everywhere(youths: impl IntoIterator<Item = String>) -> Result<Subjects> {
        let mut subjects = Subjects::default();
        for youth in youths {
            subjects.add_pseudonym(&youth)?;
            subjects.everywhere.insert(youth);
        }
        Ok(subjects)
    }

    /// These (department, youth) pairs.
    pub fn in_departments(pairs: impl IntoIterator<Item = (String, String)>) -> Result<Subjects> {
        let mut subjects = Subjects::default();
        for (department, youth) in pairs {
            subjects.add_pseudonym(&youth)?;
            subjects.in_department.insert((department, youth));
        }
        Ok(subjects)
    }

    fn add_pseudonym(&mut self, youth: &str) -> Result<()> {
        if !pdn_schemas::ids::is_youth_pseudonym(youth) {
            return Err(IngestError::MaintenanceConfig {
                setting: "youth",
                reason: format!(
                    "not a youth pseudonym ({})",
                    pdn_schemas::ids::YOUTH_PATTERN
                ),
            });
        }
        self.pseudonyms.insert(youth.to_owned());
        Ok(())
    }

    /// How many youths (a youth counted once per department for retention).
    pub fn len(&self) -> usize {
        self.everywhere.len() + self.in_department.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether a row of `department` naming `youth` is about one of these youths.
    pub(crate) fn matches(&self, department: &str, youth: &str) -> bool {
        self.pseudonyms.contains(youth)
            && (self.everywhere.contains(youth)
                || self
                    .in_department
                    .contains(&(department.to_owned(), youth.to_owned())))
    }

    /// Whether `bytes` hold one of the pseudonyms (in any department).
    pub(crate) fn named_in(&self, bytes: &[u8]) -> bool {
        const PREFIX: &[u8] = b"yp1_";
        let len = 4 + 32;
        (0..bytes.len().saturating_sub(len - 1)).any(|i| {
            bytes[i..].starts_with(PREFIX)
                && std::str::from_utf8(&bytes[i..i + len])
                    .is_ok_and(|s| self.pseudonyms.contains(s))
        })
    }
}

/// What an erasure did (or, planned without `apply`, would do).
#[derive(Debug, Default, Clone, Serialize)]
pub struct ErasureReport {
    /// The version committed; `None` if nothing was found (or not applied).
    pub version: Option<u64>,
    pub youths: u64,
    /// Rows removed by table (`events/<family>`, `dead_letters`).
    pub rows_removed: BTreeMap<String, u64>,
    /// Accompaniment (or correction) rows kept with the youth taken out of their lists.
    pub rows_edited: u64,
    pub tombstones: u64,
    pub files_rewritten: u64,
    pub files_dropped: u64,
    /// Files deleted from disk after the commit.
    pub files_deleted: u64,
}

impl ErasureReport {
    /// Events removed, over every event table.
    pub fn events_removed(&self) -> u64 {
        self.rows_removed
            .iter()
            .filter(|(t, _)| t.starts_with("events/"))
            .map(|(_, n)| n)
            .sum()
    }
}

/// Erases `subjects` from the store at its latest version, in one commit named `operation`; with
/// `apply` false, only counts what would be erased. Appends an audit record when applied.
pub fn erase(
    lake: &mut Lake,
    writer: &str,
    operation: &str,
    subjects: &Subjects,
    apply: bool,
) -> Result<ErasureReport> {
    let mut attempt = 1;
    let mut report = loop {
        lake.refresh()?;
        let (report, draft) = plan(lake, operation, subjects, apply)?;
        if !apply || draft.remove.is_empty() {
            break report;
        }
        match lake.commit(draft, writer) {
            Ok(commit) => {
                break ErasureReport {
                    version: Some(commit.version),
                    ..report
                }
            }
            Err(IngestError::RewriteConflict { path, .. }) if attempt < ATTEMPTS => {
                tracing::info!(%path, attempt, "a concurrent rewrite removed a file: planning again");
                attempt += 1;
            }
            Err(e) => return Err(e),
        }
    };
    if apply {
        report.files_deleted = vacuum(lake.root(), std::time::Duration::ZERO, Utc::now())?;
        append_audit(
            lake.root(),
            &AuditRecord {
                time: Utc::now(),
                operation: operation.to_owned(),
                version: report.version,
                youths: report.youths,
                rows_removed: report.rows_removed.clone(),
                rows_edited: report.rows_edited,
                files_rewritten: report.files_rewritten,
                files_dropped: report.files_dropped,
                files_deleted: report.files_deleted,
            },
        )?;
        tracing::info!(
            version = report.version,
            events = report.events_removed(),
            files_deleted = report.files_deleted,
            "erasure done"
        );
    }
    Ok(report)
}

/// Finds every row to remove or edit and, with `apply`, stages the rewritten files and the
/// tombstones; returns the counts and the commit to make.
fn plan(
    lake: &Lake,
    operation: &str,
    subjects: &Subjects,
    apply: bool,
) -> Result<(ErasureReport, CommitDraft)> {
    let root = lake.root().to_owned();
    let files: Vec<FileEntry> = lake.state().files.values().cloned().collect();
    let family = |f: &FileEntry| f.table.strip_prefix("events/").map(str::to_owned);
    // Which events go: those naming a youth, then those linked to them (the linked ones may sit
    // in files read before the row they depend on, hence the second pass).
    let mut knowledge = Knowledge::default();
    for linked_pass in [false, true] {
        for file in &files {
            let Some(name) = family(file) else { continue };
            let linkable = matches!(name.as_str(), "referral" | "accompaniment");
            if YOUTH_FAMILIES.contains(&name.as_str()) && (!linked_pass || linkable) {
                let (batch, _) = read(&root, file)?;
                scrub::events(&name, &batch, subjects, &mut knowledge, true);
            }
        }
    }
    let mut report = ErasureReport {
        youths: subjects.len() as u64,
        ..ErasureReport::default()
    };
    let mut draft = CommitDraft {
        operation: operation.to_owned(),
        ..CommitDraft::default()
    };
    let mut tombstones: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for file in &files {
        let name = family(file);
        let relevant = match &name {
            Some(name) => YOUTH_FAMILIES.contains(&name.as_str()) || name == "correction",
            None => file.table == dead_letter::TABLE,
        };
        if !relevant {
            continue;
        }
        let (batch, path) = read(&root, file)?;
        let verdict = match &name {
            Some(name) => scrub::events(name, &batch, subjects, &mut knowledge, false),
            None => scrub::dead_letters(&batch, subjects),
        };
        if !verdict.changes_anything() {
            continue;
        }
        count(
            file,
            &batch,
            &verdict,
            &mut report,
            &mut draft,
            &mut tombstones,
        );
        let kept = verdict
            .apply(&batch)
            .map_err(|e| IngestError::UnexpectedLayout {
                path,
                reason: e.to_string(),
            })?;
        if kept.num_rows() == 0 {
            report.files_dropped += 1;
        } else {
            report.files_rewritten += 1;
            if apply {
                draft.files.push(lake.stage(
                    &file.table,
                    &file.partition,
                    &kept,
                    sort_column(&file.table),
                )?);
            }
        }
        draft.remove.push(file.path.clone());
    }
    report.tombstones = tombstones.values().map(|ids| ids.len() as u64).sum();
    if apply {
        for (partition, ids) in tombstones {
            draft.files.push(stage_tombstones(lake, &partition, ids)?);
        }
    }
    draft.erased = report.rows_removed.clone();
    Ok((report, draft))
}

fn read(root: &std::path::Path, file: &FileEntry) -> Result<(RecordBatch, std::path::PathBuf)> {
    let path = root.join(&file.path);
    let (schema, batches) = read_batches(&path)?;
    Ok((concat(&path, &schema, &batches)?, path))
}

/// Adds the rows `verdict` removes from `file` to the report, the draft's counts and the
/// tombstones (events only).
fn count(
    file: &FileEntry,
    batch: &RecordBatch,
    verdict: &Verdict,
    report: &mut ErasureReport,
    draft: &mut CommitDraft,
    tombstones: &mut BTreeMap<String, Vec<String>>,
) {
    report.rows_edited += verdict.edited_rows;
    let erased = verdict.erased() as u64;
    if erased == 0 {
        return;
    }
    *report.rows_removed.entry(file.table.clone()).or_default() += erased;
    let column = |name: &str| {
        batch
            .column_by_name(name)
            .and_then(|c| c.as_any().downcast_ref::<StringArray>())
    };
    let rows = (0..batch.num_rows()).filter(|&r| verdict.erase[r]);
    if file.table == dead_letter::TABLE {
        if let Some(reasons) = column("reason") {
            for row in rows {
                *draft
                    .erased_dead_letters
                    .entry(reasons.value(row).to_owned())
                    .or_default() += 1;
            }
        }
    } else if let Some(ids) = column("event_id") {
        let month = tombstones.entry(file.partition.clone()).or_default();
        month.extend(rows.map(|row| ids.value(row).to_owned()));
    }
}

/// Stages the tombstones of one month: `event_id`, then `month` (`YYYY-MM`).
fn stage_tombstones(lake: &Lake, partition: &str, ids: Vec<String>) -> Result<StagedFile> {
    let month = partition.replace("year=", "").replace("/month=", "-");
    let schema = Arc::new(Schema::new(vec![
        Field::new("event_id", DataType::Utf8, false),
        Field::new("month", DataType::Utf8, false),
    ]));
    let months = StringArray::from_iter_values(std::iter::repeat_n(month, ids.len()));
    let batch = RecordBatch::try_new(
        schema,
        vec![
            Arc::new(StringArray::from_iter_values(ids)),
            Arc::new(months),
        ],
    )
    .map_err(|source| IngestError::Arrow {
        table: TOMBSTONES.to_owned(),
        source,
    })?;
    lake.stage(TOMBSTONES, partition, &batch, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    const X: &str = "yp1_0123456789abcdef0123456789abcdef";
    const Y: &str = "yp1_fedcba9876543210fedcba9876543210";

    #[test]
    fn subjects_match_by_department_when_asked_and_are_found_in_raw_bytes() {
        let everywhere = Subjects::everywhere([X.to_owned()]).unwrap();
        assert!(everywhere.matches("82", X) && everywhere.matches("33", X));
        assert!(!everywhere.matches("82", Y));
        let local = Subjects::in_departments([("82".to_owned(), X.to_owned())]).unwrap();
        assert!(local.matches("82", X) && !local.matches("33", X));
        let raw = format!(r#"{{"payload":{{"youth":"{X}","note":"a b"}}}}"#);
        assert!(local.named_in(raw.as_bytes()));
        assert!(local.named_in(X.as_bytes()));
        assert!(!local.named_in(&X.as_bytes()[..35]));
        assert!(!local.named_in(Y.as_bytes()));
        assert!(Subjects::everywhere(["DOSSIER-4521".to_owned()]).is_err());
    }
}
