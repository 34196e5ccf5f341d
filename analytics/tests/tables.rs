//! The lake's tables in DataFusion: exactly the committed files, a stable snapshot per session, and
//! read-only SQL.

use std::path::Path;

use chrono::{TimeZone, Utc};
use datafusion::arrow::array::{Array, Int64Array};
use datafusion::prelude::SessionContext;
use pdn_analytics::sql::query;
use pdn_analytics::{tables, AnalyticsError};
use pdn_ingest::{ingest_ndjson, BatchConfig, Ingestor, Lake};
use pdn_schemas::Validator;

fn generated(events: u64, seed: u64) -> Vec<u8> {
    let config = pdn_generator::Config {
        seed,
        events: Some(events),
        duplicate_rate: 0.05,
        invalid_rate: 0.02,
        ..pdn_generator::Config::default()
    };
    let mut out = Vec::new();
    pdn_generator::generate(&config, &mut out, &mut |_| {}).unwrap();
    out
}

fn ingest(root: &Path, ndjson: &[u8], source: &str) {
    let config = BatchConfig {
        max_batch_events: 700,
        ..BatchConfig::default()
    };
    let validator = Validator::at(Utc.with_ymd_and_hms(2026, 11, 27, 12, 0, 0).unwrap());
    let mut ingestor = Ingestor::new(Lake::open(root).unwrap(), validator, config, "test".into());
    ingest_ndjson(&mut ingestor, ndjson, source, &mut |_| {}).unwrap();
}

async fn count(ctx: &SessionContext, sql: &str) -> i64 {
    let batches = query(ctx, sql).await.unwrap();
    let column = batches[0]
        .column(0)
        .as_any()
        .downcast_ref::<Int64Array>()
        .unwrap();
    assert_eq!(column.len(), 1);
    column.value(0)
}

#[tokio::test]
async fn tables_read_exactly_the_committed_files_as_of_their_version() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    ingest(root, &generated(6_000, 1), "file:first");
    let state = pdn_ingest::lake::read_state(root).unwrap();
    assert!(state.version > 3, "several commits");

    let (ctx, version) = tables::open(root).await.unwrap();
    assert_eq!(version, state.version);
    for family in pdn_schemas::Family::ALL {
        let rows: u64 = state
            .files_of(&format!("events/{}", family.name()))
            .map(|f| f.rows)
            .sum();
        let counted = count(&ctx, &format!("SELECT count(*) FROM {}", family.name())).await;
        assert_eq!(counted as u64, rows, "{}", family.name());
    }
    let events = count(&ctx, "SELECT count(*) FROM events").await;
    assert_eq!(events as u64, state.events);
    let distinct = count(&ctx, "SELECT count(DISTINCT event_id) FROM events").await;
    assert_eq!(distinct, events);
    let dead = count(&ctx, "SELECT count(*) FROM dead_letters").await;
    assert_eq!(dead as u64, state.dead_letters.values().sum::<u64>());
    assert!(dead > 0);

    // A file dropped into a table's folder by something else is not part of the table.
    let stray = state.files_of("events/contact").next().unwrap();
    let copy = root.join(&stray.path).with_file_name("part-stray.parquet");
    std::fs::copy(root.join(&stray.path), &copy).unwrap();
    let (fresh, _) = tables::open(root).await.unwrap();
    assert_eq!(count(&fresh, "SELECT count(*) FROM events").await, events);

    // A session keeps its version while new batches are committed; a new session sees them.
    ingest(root, &generated(3_000, 2), "file:second");
    assert_eq!(count(&ctx, "SELECT count(*) FROM events").await, events);
    let (later, later_version) = tables::open(root).await.unwrap();
    assert!(later_version > version);
    let after = pdn_ingest::lake::read_state(root).unwrap();
    assert_eq!(
        count(&later, "SELECT count(*) FROM events").await as u64,
        after.events
    );
}

#[tokio::test]
async fn only_queries_run() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    ingest(root, &generated(500, 3), "file:x");
    let (ctx, _) = tables::open(root).await.unwrap();
    let target = dir.path().join("copied.parquet");
    let refused = [
        "CREATE EXTERNAL TABLE secrets STORED AS CSV LOCATION '/etc/passwd'".to_owned(),
        format!("COPY (SELECT * FROM contact) TO '{}'", target.display()),
        "INSERT INTO contact SELECT * FROM contact".to_owned(),
        "SET datafusion.execution.batch_size = 1".to_owned(),
        "DROP VIEW events".to_owned(),
        "CREATE TABLE t AS SELECT 1".to_owned(),
        "CREATE VIEW v AS SELECT 1".to_owned(),
    ];
    for sql in &refused {
        match query(&ctx, sql).await {
            Err(AnalyticsError::Refused(message)) => {
                assert!(message.contains("only queries"), "{sql}: {message}")
            }
            other => panic!("{sql} was not refused: {other:?}"),
        }
    }
    assert!(!target.exists(), "COPY wrote a file");
    assert!(
        query(&ctx, "SELECT * FROM '/etc/passwd'").await.is_err(),
        "a file read by path"
    );
    assert!(count(&ctx, "SELECT count(*) FROM events").await > 0);
}
