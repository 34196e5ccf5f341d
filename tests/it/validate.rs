//! `pdn validate`: one line per invalid event with its line number, id and reason; a summary.

use crate::support::{pdn, run_with_stdin, NOW};

#[test]
fn reports_line_event_id_reason_and_summary() {
    let good = r#"{"event_id":"0b8f2c4e-1d2a-4c3b-9e8f-7a6b5c4d3e2f","type":"attendance.recorded","schema_version":1,"occurred_at":"2025-03-14T18:22:05+01:00","source_app":"registre","department":"82","structure_id":"str-82-001","professional_id":"pro-82-0007","payload":{"youth":"yp1_0123456789abcdef0123456789abcdef","activity":"visit","age_band":"15-17","new_to_structure":true}}"#;
    let raw = good
        .replace("yp1_0123456789abcdef0123456789abcdef", "dossier4521")
        .replace("0b8f", "1b8f");
    let input = format!("{good}\n\n{raw}\n{{\"truncated\": \n");
    let mut cmd = pdn();
    cmd.args(["validate", "--now", NOW, "-"]);
    let out = run_with_stdin(cmd, input.as_bytes());
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(
        lines[0].starts_with(
            "line 3: event 1b8f2c4e-1d2a-4c3b-9e8f-7a6b5c4d3e2f: raw_youth_id: at payload.youth:"
        ),
        "{stdout}"
    );
    assert!(
        lines[1].starts_with("line 4: event -: malformed_json:"),
        "{stdout}"
    );
    assert_eq!(lines[2], "3 events: 1 valid, 2 invalid");
    assert!(
        !stdout.contains("dossier4521"),
        "the raw identifier is echoed: {stdout}"
    );
}

#[test]
fn a_valid_file_exits_zero() {
    let mut cmd = pdn();
    cmd.args(["validate", "--now", NOW, "-"]);
    let out = run_with_stdin(cmd, b"");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "0 events: 0 valid, 0 invalid\n"
    );
}

#[test]
fn a_missing_file_is_an_error_not_a_verdict() {
    let out = pdn()
        .args(["validate", "/nonexistent/events.ndjson"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot open /nonexistent/events.ndjson"));
}
