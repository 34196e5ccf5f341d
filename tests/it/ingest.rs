//! `pdn ingest` (embedded mode), `pdn status`, `pdn dlq`: exactly the distinct valid events in the
//! store, exactly the invalid ones in the dead letters, across re-runs and crashes.

use std::path::Path;
use std::process::Stdio;

use crate::support::{
    assert_datafusion_counts_match_truth, assert_no_staging_left, assert_store_matches_truth,
    generate_with_truth, kill_once_the_log_passes, lake_status as status, log_versions, ok, pdn,
    run_with_stdin, NOW,
};

fn ingest(lake: &Path, from: &Path) -> String {
    let out = pdn()
        .args(["ingest", "--now", NOW, "--lake"])
        .arg(lake)
        .arg("--from")
        .arg(from)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stderr).unwrap()
}

#[test]
fn file_ingest_keeps_each_valid_event_once_and_each_invalid_one_as_a_dead_letter() {
    let dir = tempfile::tempdir().unwrap();
    let (events, truth) = generate_with_truth(
        dir.path(),
        &["--invalid-rate", "0.02", "--duplicate-rate", "0.05"],
    );
    let lake = dir.path().join("lake");
    let summary = ingest(&lake, &events);
    assert!(summary.contains("dead letters"), "{summary}");
    assert_store_matches_truth(&lake, &truth);

    let again = ingest(&lake, &events);
    assert!(
        again.contains(&format!("{} already in the lake", truth["lines"]["total"])),
        "{again}"
    );
    assert_store_matches_truth(&lake, &truth);

    let mut cmd = pdn();
    cmd.args(["ingest", "--now", NOW, "--from", "-", "--lake"])
        .arg(&lake);
    let valid_only: String = std::fs::read_to_string(&events)
        .unwrap()
        .lines()
        .filter(|l| l.contains("\"schema_version\":2,") || l.contains("\"schema_version\":1,"))
        .take(1000)
        .map(|l| format!("{l}\n"))
        .collect();
    let out = run_with_stdin(cmd, valid_only.as_bytes());
    assert!(out.status.success());
    assert_eq!(
        status(&lake)["events"],
        truth["lines"]["valid"],
        "re-sent events were stored twice"
    );
}

#[test]
fn dead_letters_are_listed_and_redriven_exactly_once_after_a_fix() {
    let dir = tempfile::tempdir().unwrap();
    let (events, truth) = generate_with_truth(dir.path(), &["--year", "2025"]);
    let lake = dir.path().join("lake");
    // A collector whose clock was behind: everything after 2025-07-01 looks "in the future".
    let out = pdn()
        .args(["ingest", "--now", "2025-06-30T00:00:00Z", "--lake"])
        .arg(&lake)
        .arg("--from")
        .arg(&events)
        .output()
        .unwrap();
    assert!(out.status.success());
    let before = status(&lake);
    let rejected = before["dead_letters_by_reason"]["timestamp_in_future"]
        .as_u64()
        .unwrap();
    assert!(rejected > 1000, "{before:#}");
    let listed = ok(pdn()
        .args([
            "dlq",
            "list",
            "--reason",
            "timestamp_in_future",
            "--limit",
            "2",
            "--lake",
        ])
        .arg(&lake));
    assert!(
        listed.contains("timestamp_in_future: at occurred_at"),
        "{listed}"
    );
    assert!(
        listed.ends_with(&format!("{rejected} dead letters, 2 shown (--limit)\n")),
        "{listed}"
    );

    let redrive = ok(pdn()
        .args(["dlq", "redrive", "--now", NOW, "--lake"])
        .arg(&lake));
    assert_eq!(redrive.trim(), format!("{rejected} dead letters re-validated: {rejected} now written, 0 already in the store, 0 still invalid"));
    assert_eq!(status(&lake)["events"], truth["lines"]["valid"]);
    let second = ok(pdn()
        .args(["dlq", "redrive", "--now", NOW, "--lake"])
        .arg(&lake));
    assert!(
        second.starts_with("0 dead letters re-validated"),
        "{second}"
    );
    assert_eq!(status(&lake)["events"], truth["lines"]["valid"]);
    let listed = ok(pdn()
        .args(["dlq", "list", "--limit", "1", "--lake"])
        .arg(&lake));
    assert!(listed.contains("[redriven]"), "{listed}");
}

#[test]
fn killed_ingests_lose_and_duplicate_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (events, truth) = generate_with_truth(
        dir.path(),
        &["--invalid-rate", "0.02", "--duplicate-rate", "0.05"],
    );
    let lake = dir.path().join("lake");
    for round in 0..20 {
        let before = log_versions(&lake);
        let mut child = pdn()
            .args([
                "ingest",
                "--now",
                NOW,
                "--max-batch-events",
                "997",
                "--lake",
            ])
            .arg(&lake)
            .arg("--from")
            .arg(&events)
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        kill_once_the_log_passes(&mut child, &lake, before + round % 3);
    }
    ingest(&lake, &events);
    assert_store_matches_truth(&lake, &truth);
    assert_datafusion_counts_match_truth(&lake, &truth);
    assert_no_staging_left(&lake);
}
