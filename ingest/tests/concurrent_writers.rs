//! Deduplication across writers: an event re-sent to two writers of one lake (a Kafka partition
//! that moved between two members of a group, a collector beside a Kafka ingest) is stored once,
//! even when the other writer commits the original after this one read the month's ids.

use chrono::{TimeZone, Utc};
use pdn_ingest::dead_letter::Origin;
use pdn_ingest::status::lake_status;
use pdn_ingest::{BatchConfig, IngestError, Ingestor, Lake, Outcome};
use pdn_schemas::Validator;

const SOURCE: &str = "kafka:events";
const X: &str = "0b8f2c4e-1d2a-4c3b-9e8f-000000000001";
const Y: &str = "0b8f2c4e-1d2a-4c3b-9e8f-000000000002";
const Z: &str = "0b8f2c4e-1d2a-4c3b-9e8f-000000000003";

fn event(id: &str) -> Vec<u8> {
    format!(
        r#"{{"event_id":"{id}","type":"network.professional_enrolled","schema_version":1,"occurred_at":"2025-03-14T18:22:05+01:00","source_app":"pdn-mobile","department":"82","structure_id":"str-82-001","professional_id":"pro-82-0007","payload":{{"role":"animateur"}}}}"#
    )
    .into_bytes()
}

fn writer(root: &std::path::Path, name: &str) -> Ingestor {
    let validator = Validator::at(Utc.with_ymd_and_hms(2026, 1, 15, 12, 0, 0).unwrap());
    Ingestor::new(
        Lake::open(root).unwrap(),
        validator,
        BatchConfig::default(),
        name.to_owned(),
    )
}

fn push(ingestor: &mut Ingestor, partition: i32, offset: i64, id: &str) -> Outcome {
    let origin = Origin {
        source: SOURCE,
        partition,
        offset,
        key: None,
    };
    ingestor.push(origin, &event(id)).unwrap()
}

/// Writer B holding event Y of March (so it has read March's ids, none yet), after writer A
/// committed event X of March from partition 0.
fn b_after_a_committed_x(root: &std::path::Path) -> Ingestor {
    let mut a = writer(root, "a");
    let mut b = writer(root, "b");
    assert_eq!(push(&mut b, 1, 0, Y), Outcome::Written);
    assert_eq!(push(&mut a, 0, 0, X), Outcome::Written);
    a.commit("append").unwrap().unwrap();
    b
}

#[test]
fn an_event_another_writer_committed_meanwhile_is_not_stored_twice() {
    let dir = tempfile::tempdir().unwrap();
    let mut b = b_after_a_committed_x(dir.path());
    // Partition 0 moves to B, which reads a re-send of X: its copy of March's ids predates A's
    // commit, so X looks new until B commits.
    push(&mut b, 0, 1, X);
    match b.commit("append") {
        Err(IngestError::DuplicateConflict { month, events }) => {
            assert_eq!(month, "year=2025/month=03");
            assert_eq!(events, 1);
        }
        other => panic!("B's batch must be refused, got {other:?}"),
    }
    assert_eq!(
        b.lake().state().version,
        1,
        "nothing of B's batch committed"
    );
    // B reads its records again from where the store stands: X is now known.
    assert_eq!(b.next_offset(SOURCE, 0), Some(1));
    assert_eq!(b.next_offset(SOURCE, 1), None);
    assert_eq!(push(&mut b, 1, 0, Y), Outcome::Written);
    assert_eq!(push(&mut b, 0, 1, X), Outcome::Duplicate);
    let commit = b.commit("append").unwrap().unwrap();
    assert_eq!(commit.events, 1);
    assert_eq!(commit.duplicates.len(), 1);
    assert_eq!(commit.duplicates[0].event_id, X);

    let status = lake_status(dir.path(), true).unwrap();
    assert_eq!(status.events, 2);
    assert_eq!(status.distinct_event_ids_verified, Some(2));
    assert!(status.damaged_files.is_empty());
}

#[test]
fn other_events_committed_meanwhile_do_not_refuse_a_batch() {
    let dir = tempfile::tempdir().unwrap();
    let mut b = b_after_a_committed_x(dir.path());
    assert_eq!(push(&mut b, 0, 1, Z), Outcome::Written);
    let commit = b.commit("append").unwrap().unwrap();
    assert_eq!(commit.events, 2);
    assert_eq!(lake_status(dir.path(), true).unwrap().events, 3);
}
