//! Running the `pdn` binary built by cargo for these tests.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// A `pdn` command with a clean environment (no `PDN_*` variable leaks in from the caller).
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
        "{cmd:?} failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
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

/// The instant tests validate at: after every generated year, fixed for determinism.
pub const NOW: &str = "2026-11-27T12:00:00Z";
