//! Running the `pdn` binary built by cargo for these tests.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A `pdn` command with a clean environment (no `PDN_*` variable leaks in from the caller).
/// The repository's folder, as cargo gives it to the running test: a test binary built by another
/// checkout sharing the target folder (CI's clone) still reads this checkout's files.
pub fn repo() -> PathBuf {
    PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo test sets CARGO_MANIFEST_DIR"),
    )
}

pub fn pdn() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pdn"));
    for (key, _) in std::env::vars() {
        if key.starts_with("PDN_") {
            cmd.env_remove(key);
        }
    }
    cmd.env("PDN_LOG", "warn");
    cmd
}

/// Runs `cmd` to completion with `stdin` as its standard input.
pub fn run_with_stdin(mut cmd: Command, stdin: &[u8]) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("pdn starts");
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

/// Runs `cmd` and asserts it succeeded; returns its standard output.
pub fn ok(cmd: &mut Command) -> String {
    let out = cmd.output().expect("pdn starts");
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Generates a small department-year into `dir`, returning (events file, truth file).
pub fn generate_small(dir: &Path, extra: &[&str]) -> (std::path::PathBuf, std::path::PathBuf) {
    let events = dir.join("events.ndjson");
    let truth = dir.join("truth.json");
    ok(pdn()
        .args(["generate", "--seed", "7", "--out"])
        .arg(&events)
        .arg("--truth")
        .arg(&truth)
        .args(extra));
    (events, truth)
}

/// Generates a small department-year into `dir`, returning the events file and the parsed truth.
pub fn generate_with_truth(dir: &Path, extra: &[&str]) -> (std::path::PathBuf, serde_json::Value) {
    let (events, truth) = generate_small(dir, extra);
    let truth = serde_json::from_slice(&std::fs::read(truth).unwrap()).unwrap();
    (events, truth)
}

/// The instant tests validate at: after every generated year, fixed for determinism.
pub const NOW: &str = "2026-11-27T12:00:00Z";

/// `pdn status --format json --verify` of a lake.
pub fn lake_status(lake: &Path) -> serde_json::Value {
    let out = ok(pdn()
        .args(["status", "--format", "json", "--verify", "--lake"])
        .arg(lake));
    serde_json::from_str(&out).unwrap()
}

/// The store holds exactly the truth's distinct valid events (counted by the log, by the rows of
/// the event tables and by reading every id back), and the dead letters exactly its invalid lines,
/// reason by reason.
pub fn assert_store_matches_truth(lake: &Path, truth: &serde_json::Value) {
    let s = lake_status(lake);
    let lines = &truth["lines"];
    assert_eq!(s["events"], lines["valid"], "{s:#}");
    assert_eq!(s["distinct_event_ids_verified"], lines["valid"]);
    let rows: u64 = s["tables"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(name, _)| name.starts_with("events/"))
        .map(|(_, t)| t["rows"].as_u64().unwrap())
        .sum();
    assert_eq!(rows, lines["valid"].as_u64().unwrap());
    let planted = planted_dead_letters(truth);
    assert_eq!(
        s["dead_letters_by_reason"],
        serde_json::Value::Object(planted)
    );
}

/// Counted by DataFusion through `pdn sql` (which reads the files the commit log names): the event
/// tables hold exactly the truth's distinct valid events, each once, and the dead letters exactly
/// its invalid lines, reason by reason. Every committed file is read whole, so a partial file would
/// fail the query.
pub fn assert_datafusion_counts_match_truth(lake: &Path, truth: &serde_json::Value) {
    let sql = |query: &str| -> Vec<serde_json::Value> {
        let out = ok(pdn()
            .args(["sql", "--format", "json", "--lake"])
            .arg(lake)
            .args(["-c", query]));
        out.lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    let lines = &truth["lines"];
    let counts = sql("SELECT count(*) AS n, count(DISTINCT event_id) AS ids FROM events");
    assert_eq!(counts[0]["n"], lines["valid"], "rows in the event tables");
    assert_eq!(counts[0]["ids"], lines["valid"], "distinct event ids");
    let dead: serde_json::Map<String, serde_json::Value> =
        sql("SELECT reason, count(*) AS n FROM dead_letters GROUP BY reason")
            .into_iter()
            .map(|row| (row["reason"].as_str().unwrap().to_owned(), row["n"].clone()))
            .collect();
    let planted = planted_dead_letters(truth);
    assert_eq!(dead, planted, "dead letters by reason");
    assert_table_folders_hold_only_committed_files(lake);
}

/// A reader that lists folders (DuckDB, pandas) sees only committed files: each table's folder
/// holds exactly as many Parquet files as the log names for it, and nothing else.
fn assert_table_folders_hold_only_committed_files(lake: &Path) {
    fn parquet_files(dir: &Path, found: &mut u64) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                parquet_files(&path, found);
            } else {
                assert_eq!(
                    path.extension().and_then(|e| e.to_str()),
                    Some("parquet"),
                    "{} in a table folder",
                    path.display()
                );
                *found += 1;
            }
        }
    }
    let status = lake_status(lake);
    for (table, t) in status["tables"].as_object().unwrap() {
        let mut found = 0;
        parquet_files(&lake.join(table), &mut found);
        assert_eq!(Some(found), t["files"].as_u64(), "files in {table}");
    }
}

/// The truth's invalid lines by reason, reasons that did not occur left out.
fn planted_dead_letters(truth: &serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
    truth["lines"]["invalid_by_reason"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, n)| n.as_u64() != Some(0))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// How many offsets of `source` the lake has committed, over all its partitions.
pub fn committed_offsets(lake: &Path, source: &str) -> u64 {
    lake_status(lake)["offsets"][source]
        .as_object()
        .unwrap()
        .values()
        .map(|o| o.as_u64().unwrap() + 1)
        .sum()
}

/// No writer left a staging folder behind.
pub fn assert_no_staging_left(lake: &Path) {
    let staging = std::fs::read_dir(lake.join("_pdn/staging"))
        .unwrap()
        .count();
    assert_eq!(staging, 0, "staging folders were left behind");
}

/// `pdn ingest` of `from` into `lake`, committing every `max_batch_events` records.
pub fn ingest_in_batches(lake: &Path, from: &Path, max_batch_events: &str) {
    ok(pdn()
        .args([
            "ingest",
            "--now",
            NOW,
            "--max-batch-events",
            max_batch_events,
        ])
        .arg("--lake")
        .arg(lake)
        .arg("--from")
        .arg(from));
}

/// The number of versions in the commit log of `lake`.
pub fn log_versions(lake: &Path) -> usize {
    std::fs::read_dir(lake.join("_pdn/log"))
        .map(|d| d.count())
        .unwrap_or(0)
}

/// Kills `child` (SIGKILL) once the log of `lake` holds more than `after` versions, or when it has
/// exited: a point inside a run that differs from one call to the next as runs take varying time.
pub fn kill_once_the_log_passes(child: &mut std::process::Child, lake: &Path, after: usize) {
    while log_versions(lake) <= after && child.try_wait().unwrap().is_none() {
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    child.kill().ok();
    child.wait().unwrap();
}
