//! The adversarial corpora (tests/adversarial/), run by their checkers (scripts/adversarial/)
//! against this build's `pdn`: every hostile event is refused with its expected reason by
//! `pdn validate` and by the HTTP collector, and every SQL attempt through `pdn serve` (with psql)
//! is refused or sees only what its user may see, with the server's memory flat over connections.

use std::process::Command;

const PDN: &str = env!("CARGO_BIN_EXE_pdn");

/// Runs `scripts/adversarial/<script> <args>`; fails with its output.
fn check(script: &str, args: &[&str]) {
    let out = Command::new("python3")
        .arg(
            crate::support::repo()
                .join("scripts/adversarial")
                .join(script),
        )
        .args(args)
        .env("PDN_LOG", "warn")
        .output()
        .expect("python3 runs");
    let report = String::from_utf8_lossy(&out.stdout);
    let failures: Vec<&str> = report
        .lines()
        .filter(|line| !line.starts_with("PASS") && !line.starts_with("ok "))
        .collect();
    assert!(
        out.status.success(),
        "{script} failed:\n{}\n{}",
        failures.join("\n"),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn every_hostile_event_is_refused_by_validate_with_its_reason() {
    // Generous bounds: the checker reports a hang or a blow-up, not the speed of a busy machine.
    check(
        "verify_events.py",
        &["--pdn", PDN, "--slow", "60", "--rss-mb", "1000"],
    );
}

#[test]
fn every_hostile_event_is_refused_by_the_collector_with_its_reason() {
    check("verify_collector.py", &["--pdn", PDN]);
}

#[test]
fn every_sql_attempt_is_refused_or_scoped() {
    check("verify_sql.py", &[PDN, "--mixed", "--slack-factor", "5"]);
}
