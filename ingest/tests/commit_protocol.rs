//! The commit protocol: atomic versions, offsets that can never be committed twice, roll-forward of
//! a commit whose writer died before moving its files, removal of uncommitted staging files.

use std::collections::BTreeMap;
use std::path::Path;

use arrow::array::{Int32Array, RecordBatch};
use arrow::datatypes::{DataType, Field, Schema};
use pdn_ingest::lake::CommitDraft;
use pdn_ingest::log::OffsetRange;
use pdn_ingest::{IngestError, Lake};

fn batch(n: i32) -> RecordBatch {
    let schema = Schema::new(vec![Field::new("x", DataType::Int32, false)]);
    RecordBatch::try_new(
        schema.into(),
        vec![std::sync::Arc::new(Int32Array::from_iter_values(0..n))],
    )
    .unwrap()
}

fn draft(lake: &Lake, first: i64, last: i64) -> CommitDraft {
    let staged = lake
        .stage(
            "events/test",
            "year=2025/month=01",
            &batch((last - first + 1) as i32),
            Some(0),
        )
        .unwrap();
    let mut offsets = BTreeMap::new();
    offsets.insert(
        "kafka:events".to_owned(),
        BTreeMap::from([(0, OffsetRange { first, last })]),
    );
    CommitDraft {
        operation: "append".into(),
        files: vec![staged],
        offsets,
        events: (last - first + 1) as u64,
        ..CommitDraft::default()
    }
}

fn parquet_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                found.extend(parquet_files(&path));
            } else if path.extension().is_some_and(|e| e == "parquet") {
                found.push(path);
            }
        }
    }
    found
}

#[test]
fn offsets_already_committed_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = Lake::open(dir.path()).unwrap();
    let mut b = Lake::open(dir.path()).unwrap();
    let d = draft(&a, 0, 9);
    a.commit(d, "a").unwrap();
    // b has not seen a's commit and tries the same records: refused, nothing written.
    let d = draft(&b, 5, 14);
    match b.commit(d, "b") {
        Err(IngestError::OffsetConflict {
            partition: 0,
            first: 5,
            committed: 9,
            ..
        }) => {}
        other => panic!("expected an offset conflict, got {other:?}"),
    }
    let d = draft(&b, 10, 19);
    let commit = b.commit(d, "b").unwrap();
    assert_eq!(commit.version, 2);
    assert_eq!(b.take_unseen().len(), 1, "b learns of the file a committed");
    assert_eq!(b.state().next_offset("kafka:events", 0), Some(20));
    assert_eq!(parquet_files(&dir.path().join("events")).len(), 2);
}

#[test]
fn concurrent_writers_get_distinct_versions() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_owned();
    let handles: Vec<_> = (0..4)
        .map(|w| {
            let root = root.clone();
            std::thread::spawn(move || {
                let mut lake = Lake::open(&root).unwrap();
                for i in 0..10 {
                    let first = (w * 1000 + i * 10) as i64;
                    let mut d = draft(&lake, first, first + 9);
                    d.offsets = BTreeMap::from([(
                        format!("kafka:t{w}"),
                        BTreeMap::from([(
                            0,
                            OffsetRange {
                                first,
                                last: first + 9,
                            },
                        )]),
                    )]);
                    lake.commit(d, "w").unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let state = pdn_ingest::lake::read_state(&root).unwrap();
    assert_eq!(state.version, 40);
    assert_eq!(state.events, 400);
    assert_eq!(state.files.len(), 40);
    assert_eq!(parquet_files(&root.join("events")).len(), 40);
}

#[test]
fn a_commit_whose_files_were_not_moved_is_rolled_forward() {
    let dir = tempfile::tempdir().unwrap();
    let mut lake = Lake::open(dir.path()).unwrap();
    let commit = lake.commit(draft(&lake, 0, 9), "w").unwrap();
    let file = &commit.add[0];
    // Simulate a writer that died between writing the log entry and renaming: move the file back.
    let staged = dir.path().join(&file.staged);
    std::fs::create_dir_all(staged.parent().unwrap()).unwrap();
    std::fs::rename(dir.path().join(&file.path), &staged).unwrap();
    // The writer "dies": no clean-up runs (its staging lock stays held by the leaked handle).
    std::mem::forget(lake);
    Lake::open(dir.path()).unwrap();
    assert!(dir.path().join(&file.path).exists());
}

#[test]
fn uncommitted_staging_files_of_dead_writers_are_removed_and_never_visible() {
    let dir = tempfile::tempdir().unwrap();
    let staging_root = dir.path().join("_pdn/staging");
    std::fs::create_dir_all(staging_root.join("12345-dead")).unwrap();
    std::fs::write(staging_root.join("12345-dead/x.parquet"), b"partial").unwrap();
    std::fs::write(staging_root.join("12345-dead.lock"), b"").unwrap();
    let lake = Lake::open(dir.path()).unwrap();
    assert!(!staging_root.join("12345-dead").exists());
    assert!(!staging_root.join("12345-dead.lock").exists());
    let staged = lake
        .stage("events/test", "year=2025/month=01", &batch(3), None)
        .unwrap();
    assert!(
        parquet_files(&dir.path().join("events")).is_empty(),
        "a staged file is visible: {staged:?}"
    );
    drop(lake);
    assert_eq!(std::fs::read_dir(&staging_root).unwrap().count(), 0);
}

#[test]
fn a_missing_committed_file_is_reported_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let mut lake = Lake::open(dir.path()).unwrap();
    let commit = lake.commit(draft(&lake, 0, 9), "w").unwrap();
    drop(lake);
    std::fs::remove_file(dir.path().join(&commit.add[0].path)).unwrap();
    match Lake::open(dir.path()) {
        Err(IngestError::MissingFile { path }) => assert!(path.ends_with(&commit.add[0].path)),
        other => panic!("expected a missing-file error, got {other:?}"),
    }
}

#[test]
fn a_corrupt_log_entry_is_reported_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let mut lake = Lake::open(dir.path()).unwrap();
    lake.commit(draft(&lake, 0, 9), "w").unwrap();
    drop(lake);
    let entry = dir.path().join("_pdn/log/00000000000000000001.json");
    let text = std::fs::read(&entry).unwrap();
    std::fs::write(&entry, &text[..text.len() / 2]).unwrap();
    let err = pdn_ingest::lake::read_state(dir.path()).unwrap_err();
    assert!(
        err.to_string().contains("00000000000000000001.json"),
        "{err}"
    );
}

#[test]
fn two_rewrites_of_the_same_file_cannot_both_commit() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = Lake::open(dir.path()).unwrap();
    let mut b = Lake::open(dir.path()).unwrap();
    let d = draft(&a, 0, 9);
    let first = a.commit(d, "a").unwrap().add[0].path.clone();
    b.refresh().unwrap();
    let rewrite = |lake: &Lake| CommitDraft {
        operation: "compact".into(),
        files: vec![lake
            .stage("events/test", "year=2025/month=01", &batch(10), Some(0))
            .unwrap()],
        remove: vec![first.clone()],
        ..CommitDraft::default()
    };
    let d = rewrite(&a);
    a.commit(d, "a").unwrap();
    // b read the same file and rewrote it too: committing would hold its rows twice.
    let d = rewrite(&b);
    match b.commit(d, "b") {
        Err(IngestError::RewriteConflict { path, version: 2 }) => assert_eq!(path, first),
        other => panic!("expected a rewrite conflict, got {other:?}"),
    }
    let state = pdn_ingest::lake::read_state(dir.path()).unwrap();
    assert_eq!((state.version, state.files.len()), (2, 1));
    assert!(
        b.take_unseen().iter().all(|f| f.path != first),
        "a removed file stays unseen"
    );
}
