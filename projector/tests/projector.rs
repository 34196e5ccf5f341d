//! The projector end to end on generated data: incremental runs equal a rebuild byte for byte
//! whatever the batch boundaries and arrival order; the models reproduce the generator's truth;
//! corrections change the models, late ones included.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{TimeZone, Utc};
use datafusion::arrow::array::AsArray;
use datafusion::arrow::datatypes::Int64Type;
use datafusion::prelude::SessionContext;
use pdn_ingest::{ingest_ndjson, BatchConfig, Ingestor, Lake};
use pdn_projector::models::MODELS;
use pdn_projector::{files::table_over, project};
use pdn_schemas::Validator;

fn generate(config: pdn_generator::Config) -> (Vec<Vec<u8>>, pdn_generator::Truth) {
    let mut out = Vec::new();
    let truth = pdn_generator::generate(&config, &mut out, &mut |_| {}).unwrap();
    let lines = out
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| l.to_vec())
        .collect();
    (lines, truth)
}

fn two_years() -> pdn_generator::Config {
    pdn_generator::Config {
        seed: 7,
        years: 2024..=2025,
        events: Some(8_000),
        ..pdn_generator::Config::default()
    }
}

/// A deterministic shuffle (xorshift): events arrive out of time order, corrections before their
/// targets, late events after later ones.
fn shuffle<T>(items: &mut [T], seed: u64) {
    let mut state = seed | 1;
    for i in (1..items.len()).rev() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        items.swap(i, (state % (i as u64 + 1)) as usize);
    }
}

fn ingest(root: &Path, lines: &[Vec<u8>], source: &str, batch: usize) {
    let config = BatchConfig {
        max_batch_events: batch,
        ..BatchConfig::default()
    };
    let validator = Validator::at(Utc.with_ymd_and_hms(2026, 11, 27, 12, 0, 0).unwrap());
    let mut ingestor = Ingestor::new(Lake::open(root).unwrap(), validator, config, "test".into());
    let ndjson = lines.join(&b'\n');
    ingest_ndjson(&mut ingestor, ndjson.as_slice(), source, &mut |_| {}).unwrap();
}

/// Every live model file of the lake, by table and partition, with its bytes.
fn model_files(root: &Path) -> BTreeMap<(String, String), Vec<u8>> {
    let state = pdn_ingest::lake::read_state(root).unwrap();
    let mut files = BTreeMap::new();
    for file in state
        .files
        .values()
        .filter(|f| f.table.starts_with("models/"))
    {
        let bytes = std::fs::read(root.join(&file.path)).unwrap();
        let previous = files.insert((file.table.clone(), file.partition.clone()), bytes);
        assert!(previous.is_none(), "one file per model partition");
    }
    files
}

#[tokio::test]
async fn incremental_runs_equal_a_rebuild_byte_for_byte() {
    let (mut lines, _) = generate(two_years());
    shuffle(&mut lines, 42);

    let incremental = tempfile::tempdir().unwrap();
    let chunks: Vec<&[Vec<u8>]> = lines.chunks(lines.len() / 7 + 1).collect();
    for (i, chunk) in chunks.iter().enumerate() {
        ingest(
            incremental.path(),
            chunk,
            &format!("file:part-{i}"),
            300 + 97 * i,
        );
        let report = project(incremental.path(), false).await.unwrap();
        assert!(report.committed.is_some(), "chunk {i} changed the models");
    }
    let again = project(incremental.path(), false).await.unwrap();
    assert_eq!(again.committed, None, "nothing new, nothing committed");

    let rebuilt = tempfile::tempdir().unwrap();
    let mut other = lines.clone();
    shuffle(&mut other, 1234);
    for (i, chunk) in other.chunks(lines.len() / 3 + 1).enumerate() {
        ingest(rebuilt.path(), chunk, &format!("file:other-{i}"), 1_000);
    }
    project(rebuilt.path(), true).await.unwrap();

    let expected = model_files(rebuilt.path());
    let got = model_files(incremental.path());
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>()
    );
    for (key, bytes) in &expected {
        assert!(
            got[key] == *bytes,
            "{key:?} differs between incremental and rebuild"
        );
    }
    for model in MODELS {
        assert!(
            expected.keys().any(|(t, _)| *t == model.table()),
            "{} has rows",
            model.name
        );
    }

    project(incremental.path(), true).await.unwrap();
    assert_eq!(
        model_files(incremental.path()),
        expected,
        "rebuild in place"
    );
}

/// Runs that only add events recompute only the keys those events name (the corrections already
/// in the lake applied to them, a correction arriving before its target included), and still
/// write the files a rebuild writes.
#[tokio::test]
async fn keyed_runs_equal_a_rebuild_byte_for_byte() {
    let (lines, _) = generate(two_years());
    let is_correction = |l: &Vec<u8>| {
        let text = String::from_utf8_lossy(l);
        text.contains("\"correction.retracted\"") || text.contains("\"correction.amended\"")
    };
    let (corrections, mut others): (Vec<_>, Vec<_>) =
        lines.iter().cloned().partition(is_correction);
    assert!(!corrections.is_empty(), "the generator corrects events");
    shuffle(&mut others, 99);
    let late = others.split_off(others.len() * 9 / 10);

    let lake = tempfile::tempdir().unwrap();
    let mut keyed = 0;
    for (i, chunk) in others.chunks(others.len() / 10 + 1).enumerate() {
        ingest(lake.path(), chunk, &format!("file:early-{i}"), 500);
        let report = project(lake.path(), false).await.unwrap();
        if i > 0 {
            assert!(
                report.keyed > 0,
                "chunk {i} is projected by key: {report:?}"
            );
        }
        keyed += report.keyed;
    }
    ingest(lake.path(), &corrections, "file:corrections", 500);
    let report = project(lake.path(), false).await.unwrap();
    assert_eq!(
        report.keyed, 0,
        "new corrections recompute whole partitions"
    );
    for (i, chunk) in late.chunks(late.len() / 4 + 1).enumerate() {
        ingest(lake.path(), chunk, &format!("file:late-{i}"), 500);
        keyed += project(lake.path(), false).await.unwrap().keyed;
    }
    assert!(keyed > 20, "{keyed} partitions projected by key");

    let rebuilt = tempfile::tempdir().unwrap();
    ingest(rebuilt.path(), &lines, "file:all", 2_000);
    project(rebuilt.path(), true).await.unwrap();
    let expected = model_files(rebuilt.path());
    let got = model_files(lake.path());
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>()
    );
    for (key, bytes) in &expected {
        assert!(
            got[key] == *bytes,
            "{key:?} differs between keyed runs and rebuild"
        );
    }
}

async fn scalar(ctx: &SessionContext, sql: &str) -> BTreeMap<String, i64> {
    let frame = ctx.sql(sql).await.unwrap();
    let mut out = BTreeMap::new();
    for batch in frame.collect().await.unwrap() {
        let keys = pdn_projector::corrections::strings(batch.column(0).as_ref());
        let values = datafusion::arrow::compute::cast(
            batch.column(1),
            &datafusion::arrow::datatypes::DataType::Int64,
        )
        .unwrap();
        let values = values.as_primitive::<Int64Type>();
        for i in 0..batch.num_rows() {
            out.insert(keys.value(i).to_owned(), values.value(i));
        }
    }
    out
}

fn by_year(
    truth: &pdn_generator::Truth,
    metric: impl Fn(&pdn_generator::Metrics) -> u64,
) -> BTreeMap<String, i64> {
    truth
        .by_year
        .iter()
        .map(|(year, t)| (year.clone(), metric(&t.national) as i64))
        .collect()
}

#[tokio::test]
async fn models_reproduce_the_generators_truth() {
    let (lines, truth) = generate(two_years());
    let lake = tempfile::tempdir().unwrap();
    ingest(lake.path(), &lines, "file:all", 2_000);
    project(lake.path(), false).await.unwrap();

    let state = pdn_ingest::lake::read_state(lake.path()).unwrap();
    let ctx = SessionContext::new();
    for model in MODELS {
        let schema = pdn_projector::schema::of(model).await.unwrap();
        let table = model.table();
        let provider = table_over(
            lake.path(),
            state.version,
            &table,
            state.files_of(&table),
            schema,
        )
        .unwrap();
        ctx.register_table(model.name, provider).unwrap();
    }
    let year = "CAST(date_part('year', month_start) AS VARCHAR)";
    assert_eq!(
        scalar(
            &ctx,
            &format!("SELECT {year}, sum(contacts) FROM youth_month GROUP BY 1")
        )
        .await,
        by_year(&truth, |m| m.contacts),
    );
    assert_eq!(
        scalar(&ctx, &format!("SELECT {year}, count(DISTINCT youth) FROM youth_month WHERE contacts > 0 GROUP BY 1")).await,
        by_year(&truth, |m| m.youths_in_contact),
    );
    assert_eq!(
        scalar(
            &ctx,
            &format!("SELECT {year}, sum(contacts_initiated_by_youth) FROM youth_month GROUP BY 1")
        )
        .await,
        by_year(&truth, |m| m.contacts_initiated_by_youth),
    );
    assert_eq!(
        scalar(
            &ctx,
            &format!("SELECT {year}, sum(contacts) FROM professional_month GROUP BY 1")
        )
        .await,
        by_year(&truth, |m| m.contacts),
    );
    assert_eq!(
        scalar(&ctx, &format!("SELECT {year}, count(DISTINCT professional_id) FROM professional_month WHERE contacts > 0 GROUP BY 1")).await,
        by_year(&truth, |m| m.active_professionals),
    );
    let total = |f: fn(&pdn_generator::Metrics) -> u64| -> i64 {
        truth.by_year.values().map(|t| f(&t.national) as i64).sum()
    };
    let one = |sql: &'static str| {
        let ctx = &ctx;
        async move { *scalar(ctx, sql).await.values().next().unwrap_or(&0) }
    };
    assert_eq!(
        one("SELECT 'all', count(*) FROM accompaniments WHERE opened_at IS NOT NULL").await,
        total(|m| m.accompaniments_opened)
    );
    assert_eq!(
        one("SELECT 'all', count(*) FROM accompaniments WHERE state = 'closed'").await,
        total(|m| m.accompaniments_closed)
    );
    assert_eq!(
        one("SELECT 'all', count(*) FROM referrals WHERE made_at IS NOT NULL").await,
        total(|m| m.referrals_made)
    );
    assert_eq!(
        one("SELECT 'all', count(*) FROM referrals WHERE state = 'outcome_known'").await,
        total(|m| m.referrals_with_outcome)
    );
    assert_eq!(
        one("SELECT 'all', count(*) FROM permanences WHERE state = 'held'").await,
        total(|m| m.permanences_held)
    );
    assert_eq!(
        one("SELECT 'all', sum(invalid_transitions) FROM accompaniments").await,
        0
    );
    assert_eq!(
        one("SELECT 'all', sum(invalid_transitions) FROM referrals").await,
        0
    );
}
