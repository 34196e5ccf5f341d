//! The projector end to end on generated data: incremental runs equal a rebuild byte for byte
//! whatever the batch boundaries and arrival order; the models reproduce the generator's truth;
//! corrections change the models, late ones included.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{TimeZone, Utc};
use datafusion::arrow::array::AsArray;
use datafusion::arrow::datatypes::Int64Type;
use datafusion::prelude::SessionContext;
use pdn_ingest::lake::CommitDraft;
use pdn_ingest::{ingest_ndjson, BatchConfig, Ingestor, Lake};
use pdn_projector::models::{MODELS, WHOLE};
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

/// Asserts that `got` holds the same model partitions as `expected`, each with the same bytes.
fn assert_same_files(
    got: &BTreeMap<(String, String), Vec<u8>>,
    expected: &BTreeMap<(String, String), Vec<u8>>,
    what: &str,
) {
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>()
    );
    for (key, bytes) in expected {
        assert!(got[key] == *bytes, "{key:?} differs {what}");
    }
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
    assert_same_files(&got, &expected, "between incremental and rebuild");
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

/// Runs recompute only the keys their new events and corrections touch (the corrections already in
/// the lake applied to new events, a correction arriving before its target included), pass over
/// compactions, and still write the files a rebuild writes. The early runs, each as large as what
/// the lake holds before it, touch most keys and recompute whole partitions; the corrections and
/// the late runs touch few.
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
        keyed += project(lake.path(), false).await.unwrap().keyed;
    }
    let before = model_files(lake.path());
    let compacted = pdn_ingest::maintenance::compact::compact(
        &mut Lake::open(lake.path()).unwrap(),
        "test compact",
        u64::MAX,
        std::time::Duration::from_secs(3600),
    )
    .unwrap();
    assert!(compacted.files_removed > 0);
    let report = project(lake.path(), false).await.unwrap();
    assert_eq!(
        report.partitions, 0,
        "a compaction changes no model: {report:?}"
    );
    assert_eq!(model_files(lake.path()), before);
    ingest(lake.path(), &corrections, "file:corrections", 500);
    let report = project(lake.path(), false).await.unwrap();
    assert!(
        report.keyed > 0,
        "corrections are projected by key: {report:?}"
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
    assert_same_files(&got, &expected, "between keyed runs and rebuild");
}

/// An amendment moving a contact from one youth to another, then a retraction of it, projected by
/// key: both youths' rows follow, as a rebuild computes them.
#[tokio::test]
async fn keyed_runs_follow_corrections_that_move_an_event_between_keys() {
    let (lines, _) = generate(two_years());
    let parse = |l: &Vec<u8>| serde_json::from_slice::<serde_json::Value>(l).unwrap();
    let contacts: Vec<serde_json::Value> = lines
        .iter()
        .map(parse)
        .filter(|e| e["type"] == "contact.recorded")
        .collect();
    let target = &contacts[0];
    let other = contacts
        .iter()
        .find(|e| {
            e["department"] == target["department"]
                && e["payload"]["youth"] != target["payload"]["youth"]
        })
        .unwrap();
    let correction = |n: u32, kind: &str, payload: serde_json::Value| {
        let mut event = target.clone();
        event["event_id"] = format!("0f0f0f0f-0000-4000-8000-{n:012}").into();
        event["type"] = kind.into();
        event["schema_version"] = 1.into();
        event["occurred_at"] = format!("2025-12-0{n}T12:00:00+01:00").into();
        event["payload"] = payload;
        serde_json::to_vec(&event).unwrap()
    };
    let mut replacement = target["payload"].clone();
    replacement["youth"] = other["payload"]["youth"].clone();
    let moved = correction(
        1,
        "correction.amended",
        serde_json::json!({
            "target_event_id": target["event_id"],
            "reason": "entry_error",
            "target_type": "contact.recorded",
            "replacement": replacement,
        }),
    );
    let retracted = correction(
        2,
        "correction.retracted",
        serde_json::json!({ "target_event_id": target["event_id"], "reason": "entry_error" }),
    );

    let lake = tempfile::tempdir().unwrap();
    ingest(lake.path(), &lines, "file:all", 2_000);
    project(lake.path(), false).await.unwrap();
    let mut all = lines.clone();
    for (i, correction) in [moved, retracted].into_iter().enumerate() {
        ingest(
            lake.path(),
            std::slice::from_ref(&correction),
            &format!("file:fix-{i}"),
            10,
        );
        let report = project(lake.path(), false).await.unwrap();
        assert!(
            report.keyed > 0,
            "correction {i} is projected by key: {report:?}"
        );
        all.push(correction);
        let rebuilt = tempfile::tempdir().unwrap();
        ingest(rebuilt.path(), &all, "file:all", 2_000);
        project(rebuilt.path(), true).await.unwrap();
        let expected = model_files(rebuilt.path());
        let got = model_files(lake.path());
        assert_same_files(
            &got,
            &expected,
            &format!("after correction {i}, from a rebuild"),
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

/// `collaboration_edges` was a whole model (one file, partition `all`) before it became monthly: a
/// lake projected then still holds that file, and the next run replaces it with the monthly files a
/// rebuild writes (else its rows would count twice).
#[tokio::test]
async fn a_monthly_model_written_whole_is_relaid_by_the_next_run() {
    let (lines, _) = generate(two_years());
    let (first, rest) = lines.split_at(lines.len() / 2);
    let lake = tempfile::tempdir().unwrap();
    ingest(lake.path(), first, "file:first", 1_000);
    project(lake.path(), false).await.unwrap();

    let mut writer = Lake::open(lake.path()).unwrap();
    let state = writer.state().clone();
    let table = "models/collaboration_edges";
    let months: Vec<_> = state.files_of(table).cloned().collect();
    assert!(months.len() > 1, "one file per month");
    let model = pdn_projector::models::model("collaboration_edges").unwrap();
    let schema = pdn_projector::schema::of(model).await.unwrap();
    let batch = pdn_projector::files::read_all(lake.path(), &months, &schema).unwrap();
    let whole = writer.stage(table, WHOLE, &batch, None).unwrap();
    let draft = CommitDraft {
        operation: "project".into(),
        files: vec![whole],
        remove: months.iter().map(|f| f.path.clone()).collect(),
        ..CommitDraft::default()
    };
    writer.commit(draft, "an earlier projector").unwrap();

    ingest(lake.path(), rest, "file:rest", 1_000);
    project(lake.path(), false).await.unwrap();
    let rebuilt = tempfile::tempdir().unwrap();
    ingest(rebuilt.path(), &lines, "file:all", 2_000);
    project(rebuilt.path(), true).await.unwrap();
    assert_same_files(
        &model_files(lake.path()),
        &model_files(rebuilt.path()),
        "after the whole file",
    );
}
