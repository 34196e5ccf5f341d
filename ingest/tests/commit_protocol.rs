//! The commit protocol: atomic versions, offsets that can never be committed twice, roll-forward of
//! a commit whose writer died before moving its files, readers never holding a path that vanishes,
//! removal of uncommitted staging files.

use std::collections::BTreeMap;
use std::path::Path;

use arrow::array::{Int32Array, RecordBatch};
use arrow::datatypes::{DataType, Field, Schema};
use pdn_ingest::lake::{readable, CommitDraft};
use pdn_ingest::log::{FileEntry, LogState, OffsetRange};
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
    let mut shown = Vec::new();
    let mut show = |_: &Path, _: &LogState, files: &[FileEntry]| {
        shown.extend(files.iter().map(|f| f.path.clone()));
        Ok(())
    };
    let d = draft(&b, 5, 14);
    match b.commit_checked(d, "b", &mut show) {
        Err(IngestError::OffsetConflict {
            partition: 0,
            first: 5,
            committed: 9,
            ..
        }) => {}
        other => panic!("expected an offset conflict, got {other:?}"),
    }
    assert!(
        parquet_files(&dir.path().join("_pdn/staging")).is_empty(),
        "the refused batch's staged file is deleted"
    );
    let d = draft(&b, 10, 19);
    let commit = b.commit_checked(d, "b", &mut show).unwrap();
    assert_eq!(commit.version, 2);
    assert_eq!(shown.len(), 1, "b is shown the file a committed, once");
    assert_eq!(b.state().next_offset("kafka:events", 0), Some(20));
    assert_eq!(parquet_files(&dir.path().join("events")).len(), 2);
}

/// A log that cannot be read (here, another writer's commit file is not a commit) refuses the
/// commit, and the draft's staged file is deleted, not left in the staging folder.
#[test]
fn a_log_that_cannot_be_read_refuses_the_commit_and_deletes_the_staged_files() {
    let dir = tempfile::tempdir().unwrap();
    let mut lake = Lake::open(dir.path()).unwrap();
    let d = draft(&lake, 0, 9);
    assert_eq!(parquet_files(&dir.path().join("_pdn/staging")).len(), 1);
    let next = dir.path().join(format!("_pdn/log/{:020}.json", 1));
    std::fs::write(&next, b"not a commit").unwrap();
    match lake.commit(d, "a") {
        Err(IngestError::CorruptLog { path, .. }) => assert_eq!(path, next),
        other => panic!("expected a corrupt log, got {other:?}"),
    }
    assert!(
        parquet_files(&dir.path().join("_pdn/staging")).is_empty(),
        "the staged file is deleted"
    );
    assert!(parquet_files(&dir.path().join("events")).is_empty());
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
fn a_reader_finding_a_committed_file_still_staged_reads_it_at_a_final_path_that_stays() {
    let dir = tempfile::tempdir().unwrap();
    let mut lake = Lake::open(dir.path()).unwrap();
    let commit = lake.commit(draft(&lake, 0, 9), "w").unwrap();
    let file = &commit.add[0];
    let (staged, target) = (dir.path().join(&file.staged), dir.path().join(&file.path));
    // The writer is between claiming the version and moving the file.
    std::fs::create_dir_all(staged.parent().unwrap()).unwrap();
    std::fs::rename(&target, &staged).unwrap();

    let read_at = readable(dir.path(), file).unwrap();
    assert_eq!(read_at, target);
    // The writer finishes (here: the next writer rolls the commit forward): the staged name goes,
    // the path the reader holds stays, with the same bytes.
    std::mem::forget(lake);
    Lake::open(dir.path()).unwrap();
    assert!(!staged.exists());
    assert_eq!(std::fs::metadata(&read_at).unwrap().len(), file.bytes);
    // A committed file found under neither name is reported, never read as empty.
    std::fs::remove_file(&target).unwrap();
    assert!(matches!(
        readable(dir.path(), file),
        Err(IngestError::MissingFile { path }) if path == target
    ));
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
    let mut shown = Vec::new();
    let show = |_: &Path, _: &LogState, files: &[FileEntry]| {
        shown.extend(files.iter().map(|f| f.path.clone()));
        Ok(())
    };
    match b.commit_checked(d, "b", show) {
        Err(IngestError::RewriteConflict { path, version: 2 }) => assert_eq!(path, first),
        other => panic!("expected a rewrite conflict, got {other:?}"),
    }
    let state = pdn_ingest::lake::read_state(dir.path()).unwrap();
    assert_eq!((state.version, state.files.len()), (2, 1));
    assert_eq!(shown.len(), 1, "b is shown the rewrite's file");
    assert!(!shown.contains(&first), "a removed file is not shown");
}

/// Large files carry a bloom filter of `event_id` that answers "absent" for nearly every id they do
/// not hold (and never for one they hold); small ones carry none.
#[test]
fn large_files_carry_a_bloom_filter_of_event_ids() {
    use arrow::array::StringArray;
    use parquet::file::properties::ReaderProperties;
    use parquet::file::reader::{FileReader, SerializedFileReader};
    use parquet::file::serialized_reader::ReadOptionsBuilder;

    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::open(dir.path()).unwrap();
    let ids = |range: std::ops::Range<usize>| -> Vec<String> {
        range
            .map(|i| format!("{i:08x}-0538-4a49-b21b-09f8174aa513"))
            .collect()
    };
    let bloom_of = |rows: usize| {
        let schema = Schema::new(vec![Field::new("event_id", DataType::Utf8, false)]);
        let column = StringArray::from(ids(0..rows));
        let batch = RecordBatch::try_new(schema.into(), vec![std::sync::Arc::new(column)]).unwrap();
        let staged = lake
            .stage("events/test", "year=2025/month=01", &batch, None)
            .unwrap();
        let file = std::fs::File::open(dir.path().join(&staged.staged)).unwrap();
        let options = ReadOptionsBuilder::new()
            .with_reader_properties(
                ReaderProperties::builder()
                    .set_read_bloom_filter(true)
                    .build(),
            )
            .build();
        let reader = SerializedFileReader::new_with_options(file, options).unwrap();
        let row_group = reader.get_row_group(0).unwrap();
        row_group.get_column_bloom_filter(0).cloned()
    };
    assert!(bloom_of(100).is_none(), "a small file has no bloom filter");
    let bloom = bloom_of(20_000).expect("a large file has a bloom filter");
    assert!(ids(0..20_000).iter().all(|id| bloom.check(&id.as_str())));
    let false_positives = ids(20_000..120_000)
        .iter()
        .filter(|id| bloom.check(&id.as_str()))
        .count();
    assert!(
        false_positives < 500,
        "{false_positives} of 100,000 absent ids may be present"
    );
}

/// A file is written sorted by its sort column, whether its batch came sorted (kept as it is) or
/// not (sorted first).
#[test]
fn files_are_written_in_the_order_of_their_sort_column() {
    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::open(dir.path()).unwrap();
    for values in [vec![3, 1, 2, 2, 0], vec![0, 1, 1, 5, 7]] {
        let schema = Schema::new(vec![Field::new("x", DataType::Int32, false)]);
        let column = Int32Array::from(values.clone());
        let batch = RecordBatch::try_new(schema.into(), vec![std::sync::Arc::new(column)]).unwrap();
        let staged = lake
            .stage("events/test", "year=2025/month=01", &batch, Some(0))
            .unwrap();
        let file = std::fs::File::open(dir.path().join(&staged.staged)).unwrap();
        let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
            .unwrap()
            .build()
            .unwrap();
        let written: Vec<i32> = reader
            .flat_map(|b| {
                let b = b.unwrap();
                let x = b.column(0).as_any().downcast_ref::<Int32Array>().unwrap();
                x.values().to_vec()
            })
            .collect();
        let mut expected = values;
        expected.sort();
        assert_eq!(written, expected);
    }
}
