//! `pdn demo`: the main job on the embedded default, end to end (generate, ingest, project,
//! report), twice (the second run finds everything already in the lake).

use crate::support::{ok, pdn};

#[test]
fn demo_generates_ingests_and_reports_two_years_idempotently() {
    let dir = tempfile::tempdir().unwrap();
    let out = ok(pdn().current_dir(dir.path()).arg("demo"));
    assert!(out.contains("lake: pdn-demo/lake"), "{out}");
    assert!(
        out.contains("report: pdn-demo/rapport-82-2025.html"),
        "{out}"
    );
    let report = std::fs::read_to_string(dir.path().join("pdn-demo/rapport-82-2025.html")).unwrap();
    assert!(report.contains("Rapport d'impact 2025"));
    let truth: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("pdn-demo/truth.json")).unwrap())
            .unwrap();
    assert_eq!(truth["config"]["years"], serde_json::json!([2024, 2025]));
    let status = |dir: &std::path::Path| -> serde_json::Value {
        let s = ok(pdn()
            .args(["status", "--format", "json", "--lake"])
            .arg(dir.join("pdn-demo/lake")));
        serde_json::from_str(&s).unwrap()
    };
    assert_eq!(status(dir.path())["events"], truth["lines"]["valid"]);
    let again = pdn().current_dir(dir.path()).arg("demo").output().unwrap();
    assert!(again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("0 written now"));
    assert_eq!(status(dir.path())["events"], truth["lines"]["valid"]);
}
