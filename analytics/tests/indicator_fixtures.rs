//! Every indicator on small hand-built fixtures with answers worked out by hand.
//!
//! Each folder of `tests/fixtures/` holds `events.ndjson` (a few dozen events written by hand) and
//! `expected.tsv`: one line per expected cell, `id year department ventilation valeur jeunes why`
//! (tab-separated; department `all` for every department, ventilation `total` for the total row,
//! `jeunes` `-` when the query gives none, `why` the hand computation). The events are ingested,
//! projected, and each expected cell is compared with the indicator's cell computed *without*
//! small-cell suppression (fixtures are far under 11 young people). Every indicator of the
//! catalogue must be covered by some fixture.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use chrono::{TimeZone, Utc};
use pdn_analytics::indicators::{self, Params, Secret};
use pdn_ingest::{ingest_ndjson, BatchConfig, Ingestor, Lake};
use pdn_schemas::Validator;

struct Expected {
    line: usize,
    id: String,
    params: Params,
    ventilation: Option<String>,
    value: Option<f64>,
    youths: Option<i64>,
    why: String,
}

fn fixtures() -> Vec<PathBuf> {
    // Read when the test runs: a binary built by another checkout still reads this one's fixtures.
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo test sets it");
    let root = Path::new(&manifest).join("tests/fixtures");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("expected.tsv").exists())
        .collect();
    dirs.sort();
    dirs
}

fn expected(dir: &Path) -> Vec<Expected> {
    let text = std::fs::read_to_string(dir.join("expected.tsv")).unwrap();
    text.lines()
        .enumerate()
        .skip(1)
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(n, l)| {
            let f: Vec<&str> = l.split('\t').collect();
            assert!(
                f.len() >= 6,
                "{}:{}: six columns and a why",
                dir.display(),
                n + 1
            );
            Expected {
                line: n + 1,
                id: f[0].to_owned(),
                params: Params {
                    year: f[1].parse().unwrap(),
                    department: (f[2] != "all").then(|| f[2].to_owned()),
                },
                ventilation: (f[3] != "total").then(|| f[3].to_owned()),
                value: (f[4] != "null").then(|| f[4].parse().unwrap()),
                youths: (f[5] != "-").then(|| f[5].parse().unwrap()),
                why: f.get(6).copied().unwrap_or_default().to_owned(),
            }
        })
        .collect()
}

fn lake_of(dir: &Path, root: &Path) {
    let path = dir.join("events.ndjson");
    let events = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let validator = Validator::at(Utc.with_ymd_and_hms(2026, 11, 27, 12, 0, 0).unwrap());
    let mut ingestor = Ingestor::new(
        Lake::open(root).unwrap(),
        validator,
        BatchConfig::default(),
        "fixture".into(),
    );
    let report = ingest_ndjson(
        &mut ingestor,
        events.as_slice(),
        "file:fixture",
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(
        report.dead_letters,
        0,
        "{}: an invalid fixture event",
        dir.display()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_indicator_gives_its_hand_worked_answer_on_the_fixtures() {
    let catalogue = indicators::catalogue().unwrap();
    let mut covered = BTreeSet::new();
    let mut failures = Vec::new();
    for dir in fixtures() {
        let lake = tempfile::tempdir().unwrap();
        lake_of(&dir, lake.path());
        pdn_projector::project(lake.path(), false).await.unwrap();
        let (ctx, _) = indicators::session(lake.path()).await.unwrap();
        for want in expected(&dir) {
            let indicator = catalogue
                .iter()
                .find(|i| i.id == want.id)
                .unwrap_or_else(|| {
                    panic!("{}:{}: no indicator {}", dir.display(), want.line, want.id)
                });
            covered.insert(indicator.id);
            let raw = indicators::Indicator {
                secret: Secret::None,
                ..indicator.clone()
            };
            let cells = indicators::compute(&ctx, &raw, &want.params).await.unwrap();
            let got = cells.iter().find(|c| c.ventilation == want.ventilation);
            let matches = got.is_some_and(|c| {
                let same = match (c.value, want.value) {
                    (Some(a), Some(b)) => (a - b).abs() <= 1e-9 * b.abs().max(1.0),
                    (None, None) => true,
                    _ => false,
                };
                same && c.youths == want.youths
            });
            if !matches {
                failures.push(format!(
                    "{}:{}: {} {:?} {:?}: want {:?} ({:?} youths) — {}; got {:?}",
                    dir.file_name().unwrap().to_string_lossy(),
                    want.line,
                    want.id,
                    want.params,
                    want.ventilation,
                    want.value,
                    want.youths,
                    want.why,
                    got.map(|c| (c.value, c.youths)),
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let missing: Vec<&str> = catalogue
        .iter()
        .map(|i| i.id)
        .filter(|id| !covered.contains(id))
        .collect();
    assert!(
        missing.is_empty(),
        "indicators without a hand-worked fixture: {missing:?}"
    );
}
