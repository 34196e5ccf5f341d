//! Damage, exhaustion and crashes: a damaged Parquet file or commit-log entry is detected and
//! named, never read; a full disk during ingestion loses nothing and duplicates nothing once space
//! is back; a projector killed at random moments while events keep arriving leaves read models
//! equal to a rebuild's. (Killed ingests and collectors and broker restarts: tests/it/ingest.rs,
//! kafka.rs, collect.rs.)

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::support::{
    assert_datafusion_counts_match_truth, assert_no_staging_left, assert_store_matches_truth,
    generate_with_truth, ingest_in_batches, kill_once_the_log_passes, log_versions, ok, pdn, NOW,
};

/// A lake of a small department-year ingested in several commits, with the generator's truth.
fn small_lake(dir: &Path, events: &str) -> (PathBuf, serde_json::Value) {
    let (file, truth) = generate_with_truth(
        dir,
        &[
            "--events",
            events,
            "--invalid-rate",
            "0.02",
            "--duplicate-rate",
            "0.05",
        ],
    );
    let lake = dir.join("lake");
    ingest_in_batches(&lake, &file, "1000");
    (lake, truth)
}

/// The files of the lake's event tables, sorted.
fn event_files(lake: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut dirs = vec![lake.join("events")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// `cmd` failed with an error (exit 2) whose message contains every one of `expected`.
fn assert_fails_naming(cmd: &mut Command, expected: &[&str]) -> Output {
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{cmd:?}: {stderr}");
    for text in expected {
        assert!(
            stderr.contains(text),
            "{cmd:?}: expected {text:?} in {stderr}"
        );
    }
    out
}

#[test]
fn a_damaged_parquet_file_is_named_and_never_read() {
    let dir = tempfile::tempdir().unwrap();
    let (lake, _) = small_lake(dir.path(), "3000");
    let files = event_files(&lake);
    let (flipped, cut) = (&files[0], &files[files.len() - 1]);
    // One bit flipped in the middle: the same size, different bytes.
    let mut bytes = std::fs::read(flipped).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x10;
    std::fs::write(flipped, &bytes).unwrap();
    let name = flipped.strip_prefix(&lake).unwrap().display().to_string();
    for cmd in [
        pdn()
            .args(["sql", "--lake"])
            .arg(&lake)
            .args(["-c", "SELECT count(*) FROM events"]),
        pdn().args(["project", "--lake"]).arg(&lake),
    ] {
        assert_fails_naming(
            cmd,
            &[&name, "is damaged", "bytes changed since the commit"],
        );
    }
    // Truncated: the size no longer matches the log.
    let bytes = std::fs::read(cut).unwrap();
    std::fs::write(cut, &bytes[..bytes.len() - 100]).unwrap();
    let out = pdn()
        .args(["status", "--verify", "--format", "json", "--lake"])
        .arg(&lake)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "--verify fails on a damaged lake"
    );
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let damaged: Vec<(String, String)> = status["damaged_files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let path = f["path"].as_str().unwrap();
            let relative = Path::new(path).strip_prefix(&lake).unwrap();
            (
                relative.display().to_string(),
                f["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(damaged.len(), 2, "{damaged:?}");
    assert_eq!(damaged[0].0, name);
    assert!(damaged[0].1.contains("bytes changed"), "{damaged:?}");
    assert_eq!(
        damaged[1].0,
        cut.strip_prefix(&lake).unwrap().display().to_string()
    );
    assert!(
        damaged[1].1.contains("where the commit log says"),
        "{damaged:?}"
    );
}

#[test]
fn a_truncated_commit_log_entry_is_named_and_nothing_is_written_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let (lake, _) = small_lake(dir.path(), "3000");
    let log = lake.join("_pdn/log");
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&log)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    assert!(entries.len() >= 3, "{entries:?}");
    let damaged = &entries[1];
    let bytes = std::fs::read(damaged).unwrap();
    std::fs::write(damaged, &bytes[..bytes.len() / 2]).unwrap();
    let name = damaged.strip_prefix(&lake).unwrap().display().to_string();
    let more = dir.path().join("more.ndjson");
    ok(pdn()
        .args(["generate", "--seed", "8", "--events", "500", "--out"])
        .arg(&more));
    for cmd in [
        pdn().args(["status", "--lake"]).arg(&lake),
        pdn()
            .args(["sql", "--lake"])
            .arg(&lake)
            .args(["-c", "SELECT count(*) FROM events"]),
        pdn().args(["project", "--lake"]).arg(&lake),
        pdn()
            .args(["ingest", "--now", NOW, "--lake"])
            .arg(&lake)
            .arg("--from")
            .arg(&more),
    ] {
        assert_fails_naming(cmd, &["corrupt commit log entry", &name]);
    }
    let after: Vec<PathBuf> = std::fs::read_dir(&log)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(
        after.len(),
        entries.len(),
        "no commit after a damaged entry"
    );
}

/// A tmpfs of `size` mounted at `dir` (the tests run as root in CI; see scripts/install-test-deps),
/// unmounted when dropped.
struct SmallDisk {
    dir: PathBuf,
}

impl SmallDisk {
    fn mount(dir: &Path, size: &str) -> SmallDisk {
        std::fs::create_dir_all(dir).unwrap();
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir)
            .status()
            .unwrap();
        assert!(status.success(), "mounting a tmpfs needs root");
        SmallDisk {
            dir: dir.to_owned(),
        }
    }

    fn grow(&self, size: &str) {
        let status = Command::new("mount")
            .args(["-o", &format!("remount,size={size}")])
            .arg(&self.dir)
            .status()
            .unwrap();
        assert!(status.success());
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        Command::new("umount").arg(&self.dir).status().ok();
    }
}

#[test]
fn a_full_disk_during_ingestion_loses_nothing_and_duplicates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (events, truth) = generate_with_truth(
        dir.path(),
        &[
            "--events",
            "20000",
            "--invalid-rate",
            "0.02",
            "--duplicate-rate",
            "0.05",
        ],
    );
    let disk = SmallDisk::mount(&dir.path().join("disk"), "2m");
    let lake = disk.dir.join("lake");
    let ingest = || {
        let mut cmd = pdn();
        cmd.args([
            "ingest",
            "--now",
            NOW,
            "--max-batch-events",
            "2000",
            "--lake",
        ])
        .arg(&lake)
        .arg("--from")
        .arg(&events);
        cmd
    };
    assert_fails_naming(&mut ingest(), &["No space left on device"]);
    // What was committed before the disk filled is whole and readable.
    let status = ok(pdn()
        .args(["status", "--verify", "--format", "json", "--lake"])
        .arg(&lake));
    let status: serde_json::Value = serde_json::from_str(&status).unwrap();
    assert!(status["version"].as_u64().unwrap() >= 1, "{status:#}");
    assert_eq!(status["events"], status["distinct_event_ids_verified"]);
    disk.grow("64m");
    ok(&mut ingest());
    assert_store_matches_truth(&lake, &truth);
    assert_datafusion_counts_match_truth(&lake, &truth);
    assert_no_staging_left(&lake);
}

/// Every read model's rows, sorted, as `pdn sql` reads them.
fn model_rows(lake: &Path) -> Vec<(String, Vec<String>)> {
    let models = ok(pdn().args(["project", "--list", "--lake"]).arg(lake));
    models
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .map(|model| {
            let out = ok(pdn()
                .args(["sql", "--format", "json", "--lake"])
                .arg(lake)
                .args(["-c", &format!("SELECT * FROM {model}")]));
            let mut rows: Vec<String> = out.lines().map(str::to_owned).collect();
            rows.sort();
            (model.to_owned(), rows)
        })
        .collect()
}

#[test]
fn a_projector_killed_while_events_arrive_ends_equal_to_a_rebuild() {
    let dir = tempfile::tempdir().unwrap();
    let (events, _) = generate_with_truth(dir.path(), &["--events", "20000"]);
    let lake = dir.path().join("lake");
    // The sustained load: batches of 499 events committed while the projector runs.
    let mut load = pdn()
        .args([
            "ingest",
            "--now",
            NOW,
            "--max-batch-events",
            "499",
            "--lake",
        ])
        .arg(&lake)
        .arg("--from")
        .arg(&events)
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    for round in 0..12 {
        let before = log_versions(&lake);
        let mut projector = pdn()
            .args(["project", "--follow", "--lake"])
            .arg(&lake)
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Kill -9 once the log has moved (a batch or the projector's own commit).
        kill_once_the_log_passes(&mut projector, &lake, before + round % 3);
    }
    assert!(load.wait().unwrap().success());
    ok(pdn().args(["project", "--lake"]).arg(&lake));
    let incremental = model_rows(&lake);
    ok(pdn().args(["project", "--rebuild", "--lake"]).arg(&lake));
    let rebuilt = model_rows(&lake);
    assert!(incremental.iter().any(|(_, rows)| rows.len() > 100));
    for ((model, after_kills), (_, after_rebuild)) in incremental.iter().zip(&rebuilt) {
        assert!(
            after_kills == after_rebuild,
            "{model} differs from a rebuild"
        );
    }
    assert_no_staging_left(&lake);
}
