//! `pdn pseudonymize`: keyed, deterministic pseudonyms; key creation that never overwrites.

use crate::support::{ok, pdn, run_with_stdin};

#[test]
fn known_answer_from_a_key_file() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("k");
    std::fs::write(&key, "key-of-sixteen-b").unwrap();
    let mut cmd = pdn();
    cmd.args(["pseudonymize", "--key-file"]).arg(&key);
    let out = run_with_stdin(cmd, b"42\n 42 \n43\n");
    assert!(out.status.success());
    let lines: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    // HMAC-SHA256("key-of-sixteen-b", "42"), computed independently with Python's hmac module.
    assert_eq!(lines[0], "yp1_460cfb386eb4ab53ab013b1eef43ebc3");
    assert_eq!(lines[1], lines[0]);
    assert_ne!(lines[2], lines[0]);
}

#[test]
fn new_keys_are_private_random_and_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("structure.key");
    ok(pdn().args(["pseudonymize", "--new-key"]).arg(&key));
    let content = std::fs::read_to_string(&key).unwrap();
    assert_eq!(content.trim().len(), 64);
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let again = pdn()
        .args(["pseudonymize", "--new-key"])
        .arg(&key)
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert_eq!(std::fs::read_to_string(&key).unwrap(), content);
    let mut cmd = pdn();
    cmd.env("PDN_KEY_FILE", &key).arg("pseudonymize");
    let out = run_with_stdin(cmd, b"DOSSIER-4521\n");
    assert!(String::from_utf8(out.stdout).unwrap().starts_with("yp1_"));
}

#[test]
fn short_keys_and_empty_lines_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("k");
    std::fs::write(&key, "short").unwrap();
    let out = pdn()
        .args(["pseudonymize", "--key-file"])
        .arg(&key)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("too short"));
    std::fs::write(&key, "a long enough secret key").unwrap();
    let mut cmd = pdn();
    cmd.args(["pseudonymize", "--key-file"]).arg(&key);
    let out = run_with_stdin(cmd, b"a\n\nb\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 2: empty identifier"));
}
