//! `pdn generate`: determinism, validity against our validator and an independent JSON Schema
//! validator, invalid lines with their expected reasons.

use std::collections::{BTreeMap, HashMap};

use crate::support::{generate_small, ok, pdn, NOW};

#[test]
fn same_seed_gives_byte_identical_files() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let (ea, ta) = generate_small(a.path(), &[]);
    let (eb, tb) = generate_small(b.path(), &[]);
    assert_eq!(std::fs::read(&ea).unwrap(), std::fs::read(&eb).unwrap());
    assert_eq!(std::fs::read(&ta).unwrap(), std::fs::read(&tb).unwrap());
    let other = ok(pdn().args(["generate", "--seed", "8"]));
    assert_ne!(other.as_bytes(), std::fs::read(&ea).unwrap().as_slice());
}

#[test]
fn every_generated_event_is_valid() {
    let dir = tempfile::tempdir().unwrap();
    let (events, _) = generate_small(dir.path(), &["--years", "2024-2025"]);
    let out = ok(pdn().args(["validate", "--now", NOW]).arg(&events));
    let summary = out.lines().last().unwrap();
    assert!(summary.ends_with(" valid, 0 invalid"), "{out}");
}

#[test]
fn invalid_lines_are_reported_with_their_planted_reasons() {
    let dir = tempfile::tempdir().unwrap();
    let (events, truth) = generate_small(dir.path(), &["--invalid-rate", "0.05"]);
    let truth: serde_json::Value = serde_json::from_slice(&std::fs::read(truth).unwrap()).unwrap();
    let out = pdn()
        .args(["validate", "--now", NOW])
        .arg(&events)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "invalid events must give exit code 1"
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let mut reported: BTreeMap<String, u64> = BTreeMap::new();
    let mut invalid_lines = 0u64;
    for line in stdout.lines().filter(|l| l.starts_with("line ")) {
        invalid_lines += 1;
        // line N: event ID: reason: at PATH: expected ..., found ...
        let reason = line.split(": ").nth(2).unwrap();
        *reported.entry(reason.to_owned()).or_default() += 1;
    }
    let expected: BTreeMap<String, u64> =
        serde_json::from_value(truth["lines"]["invalid_by_reason"].clone()).unwrap();
    assert_eq!(reported, expected);
    let total = truth["lines"]["total"].as_u64().unwrap();
    let share = invalid_lines as f64 / total as f64;
    assert!(
        (0.03..0.07).contains(&share),
        "{invalid_lines} invalid of {total}"
    );
    assert!(
        expected.len() >= 10,
        "expected a variety of reasons: {expected:?}"
    );
}

#[test]
fn published_json_schemas_accept_every_generated_event() {
    let dir = tempfile::tempdir().unwrap();
    let (events, _) = generate_small(dir.path(), &["--years", "2024-2025"]);
    let schema_dir = crate::support::repo().join("schemas/json");
    let mut validators = HashMap::new();
    let mut checked = 0;
    for line in std::fs::read_to_string(events).unwrap().lines() {
        let event: serde_json::Value = serde_json::from_str(line).unwrap();
        let key = format!(
            "{}.v{}",
            event["type"].as_str().unwrap(),
            event["schema_version"]
        );
        let validator = validators.entry(key.clone()).or_insert_with(|| {
            let text =
                std::fs::read_to_string(schema_dir.join(format!("{key}.schema.json"))).unwrap();
            jsonschema::validator_for(&serde_json::from_str(&text).unwrap()).unwrap()
        });
        if let Err(e) = validator.validate(&event) {
            panic!("{key} rejected by its JSON Schema: {e}\n{line}");
        }
        checked += 1;
    }
    assert!(
        validators.len() >= 20,
        "only {} type versions generated",
        validators.len()
    );
    assert!(checked > 40_000);
}

#[test]
fn bad_options_are_explained() {
    let out = pdn()
        .args(["generate", "--years", "2025-2024"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("FIRST-LAST"));
    let out = pdn()
        .args(["generate", "--department", "20"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("INSEE department code"));
}
