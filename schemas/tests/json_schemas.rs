//! The published JSON Schemas (`schemas/json/`) are exactly what the Rust types generate, and an
//! independent JSON Schema validator agrees with ours on valid and invalid events.

use std::path::PathBuf;

use pdn_schemas::json_schema::{event_schema, file_name, published};

/// Read when the test runs, not built in: a test binary built by another checkout sharing the
/// target folder still reads this one's files.
fn dir() -> PathBuf {
    PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo test sets it")).join("json")
}

#[test]
fn published_files_equal_the_rust_types() {
    let mut expected_files = Vec::new();
    for (t, v) in published() {
        let name = file_name(t, v);
        let path = dir().join(&name);
        let generated = serde_json::to_string_pretty(&event_schema(t, v).unwrap()).unwrap() + "\n";
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == generated,
            "{} is missing or stale: regenerate with `pdn schemas --out-dir schemas/json`",
            path.display()
        );
        expected_files.push(name);
    }
    let mut present: Vec<String> = std::fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    present.sort();
    expected_files.sort();
    assert_eq!(
        present, expected_files,
        "schemas/json holds files no type generates"
    );
}

#[test]
fn independent_validator_agrees_on_examples() {
    let schema = |code: &str, v: u16| {
        let text = std::fs::read_to_string(dir().join(format!("{code}.v{v}.schema.json"))).unwrap();
        jsonschema::validator_for(&serde_json::from_str(&text).unwrap()).unwrap()
    };
    let contact = schema("contact.recorded", 2);
    let good = serde_json::json!({
        "event_id": "0b8f2c4e-1d2a-4c3b-9e8f-7a6b5c4d3e2f", "type": "contact.recorded", "schema_version": 2,
        "occurred_at": "2025-03-14T18:22:05+01:00", "source_app": "pdn-mobile", "department": "82",
        "structure_id": "str-82-001", "professional_id": "pro-82-0007",
        "payload": {"youth": "yp1_0123456789abcdef0123456789abcdef", "channel": "snapchat", "initiated_by": "youth",
                    "visibility": "private", "in_permanence": false, "themes": ["logement"], "age_band": "15-17",
                    "duration_minutes": 25}
    });
    assert!(contact.is_valid(&good));
    for (pointer, bad) in [
        ("/payload/youth", serde_json::json!("dossier4521")),
        ("/payload/channel", serde_json::json!("myspace")),
        ("/payload/themes", serde_json::json!([])),
        ("/payload/duration_minutes", serde_json::json!(600)),
        ("/department", serde_json::json!("20")),
        ("/schema_version", serde_json::json!(1)),
    ] {
        let mut e = good.clone();
        *e.pointer_mut(pointer).unwrap() = bad.clone();
        assert!(!contact.is_valid(&e), "{pointer} = {bad} accepted");
    }
    let mut extra = good.clone();
    extra["payload"]["humeur"] = serde_json::json!("ok");
    assert!(!contact.is_valid(&extra));
}
