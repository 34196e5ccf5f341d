//! `pdn ingest --kafka`: a real broker, kcat as the producer and the cross-check, exactly the
//! distinct valid events in the store and the invalid ones in the dead letters; consumer groups,
//! broker restarts and killed ingests lose and duplicate nothing.

use std::path::Path;
use std::process::{Child, Stdio};

use serde_json::Value;

use crate::broker::Broker;
use crate::support::{
    assert_datafusion_counts_match_truth, assert_no_staging_left,
    assert_store_matches_truth as assert_matches_truth, committed_offsets, generate_with_truth, ok,
    pdn, NOW,
};

/// The generated lines as `event_id<TAB>line` for kcat (invalid lines without an id get a stable
/// key of their own).
fn keyed(events: &Path) -> Vec<u8> {
    let text = std::fs::read_to_string(events).unwrap();
    let mut out = Vec::with_capacity(text.len() + text.len() / 8);
    for (i, line) in text.lines().enumerate() {
        let key = serde_json::from_str::<Value>(line)
            .ok()
            .and_then(|v| v["event_id"].as_str().map(str::to_owned))
            .unwrap_or_else(|| format!("line-{i}"));
        out.extend_from_slice(key.as_bytes());
        out.push(b'\t');
        out.extend_from_slice(line.as_bytes());
        out.push(b'\n');
    }
    out
}

fn ingest_cmd(lake: &Path, broker: &Broker, topic: &str, group: &str) -> std::process::Command {
    let mut cmd = pdn();
    cmd.args(["ingest", "--now", NOW, "--max-latency", "500ms", "--lake"])
        .arg(lake)
        .args([
            "--kafka",
            &broker.address(),
            "--topic",
            topic,
            "--group",
            group,
        ]);
    cmd
}

#[test]
fn kafka_ingest_is_exactly_once_cross_checked_with_kcat() {
    let broker = Broker::start();
    broker.create_topic("events", 4);
    let dir = tempfile::tempdir().unwrap();
    let (events, truth) = generate_with_truth(
        dir.path(),
        &["--invalid-rate", "0.02", "--duplicate-rate", "0.05"],
    );
    broker.produce("events", &keyed(&events));
    let total = truth["lines"]["total"].as_u64().unwrap() as usize;
    assert_eq!(
        broker.count("events"),
        total,
        "kcat does not see every produced message"
    );

    let lake = dir.path().join("lake");
    ok(ingest_cmd(&lake, &broker, "events", "pdn").arg("--until-idle"));
    assert_matches_truth(&lake, &truth);
    assert_datafusion_counts_match_truth(&lake, &truth);
    assert_eq!(
        committed_offsets(&lake, "kafka:events") as usize,
        total,
        "every offset of the topic is accounted for"
    );

    // A second run of the group finds nothing new.
    ok(ingest_cmd(&lake, &broker, "events", "pdn").arg("--until-idle"));
    assert_matches_truth(&lake, &truth);
}

#[test]
fn two_members_of_a_group_lose_nothing_through_three_broker_kills() {
    let mut broker = Broker::start();
    broker.create_topic("events", 6);
    let dir = tempfile::tempdir().unwrap();
    let (events, truth) = generate_with_truth(dir.path(), &["--duplicate-rate", "0.05"]);
    let keyed = keyed(&events);
    // The topic is produced in four parts; the broker is killed (SIGKILL) and restarted after
    // each of the first three, while the members are still consuming it: once they have
    // committed 1/8, 3/8 and 5/8 of the valid events, so each kill meets a different point of
    // the stream.
    let ends: Vec<usize> = keyed
        .iter()
        .enumerate()
        .filter(|(_, &b)| b == b'\n')
        .map(|(i, _)| i + 1)
        .collect();
    let cut = |part: usize| {
        if part == 4 {
            keyed.len()
        } else {
            ends[ends.len() * part / 4]
        }
    };
    let valid = truth["lines"]["valid"].as_u64().unwrap();
    broker.produce("events", &keyed[..cut(1)]);
    let lake = dir.path().join("lake");
    let spawn = |broker: &Broker| -> Child {
        ingest_cmd(&lake, broker, "events", "pdn")
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    let mut a = spawn(&broker);
    let mut b = spawn(&broker);
    for part in 1..4 {
        wait_for_events(&lake, valid * (2 * part as u64 - 1) / 8);
        broker.restart();
        broker.produce("events", &keyed[cut(part)..cut(part + 1)]);
    }
    wait_for_events(&lake, valid);
    for child in [&mut a, &mut b] {
        // SIGTERM: each member commits what it holds and leaves.
        terminate(child);
    }
    assert_matches_truth(&lake, &truth);
}

/// The member's group session, shortened so that a restarted member gets the partitions of the
/// one just killed within seconds rather than after the default 10 s timeout.
const SHORT_SESSION: &str = "session.timeout.ms=1500;heartbeat.interval.ms=300";

#[test]
fn kafka_ingest_killed_twenty_times_loses_and_duplicates_nothing() {
    let broker = Broker::start();
    broker.create_topic("events", 4);
    let dir = tempfile::tempdir().unwrap();
    let (events, truth) = generate_with_truth(
        dir.path(),
        &[
            "--events",
            "200000",
            "--invalid-rate",
            "0.02",
            "--duplicate-rate",
            "0.05",
        ],
    );
    broker.produce("events", &keyed(&events));
    let lake = dir.path().join("lake");
    let log = lake.join("_pdn/log");
    let versions = || std::fs::read_dir(&log).map(|d| d.count()).unwrap_or(0);
    for round in 0..20 {
        let before = versions();
        let mut child = ingest_cmd(&lake, &broker, "events", "pdn")
            .args(["--max-batch-events", "2000", "--kafka-set", SHORT_SESSION])
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Kill once the member has committed one to three new batches (or has stopped): each
        // round dies at a different point of a batch, as batches take varying time. A member
        // still waiting for its partitions after 60 s (the test broker's group coordinator has
        // been seen to never assign them after many kills) is killed there: one more crash point.
        let started = std::time::Instant::now();
        while versions() <= before + round % 3
            && child.try_wait().unwrap().is_none()
            && started.elapsed() < std::time::Duration::from_secs(60)
        {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        child.kill().ok();
        child.wait().unwrap();
    }
    ok(ingest_cmd(&lake, &broker, "events", "pdn").args([
        "--until-idle",
        "--kafka-set",
        SHORT_SESSION,
    ]));
    assert_datafusion_counts_match_truth(&lake, &truth);
    assert_matches_truth(&lake, &truth);
    assert_eq!(
        committed_offsets(&lake, "kafka:events"),
        truth["lines"]["total"].as_u64().unwrap()
    );
    assert_no_staging_left(&lake);
}

fn wait_for_events(lake: &Path, at_least: u64) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(300);
    loop {
        let events = pdn_events(lake);
        if events >= at_least {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "only {events} of {at_least} events after 300 s"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

fn pdn_events(lake: &Path) -> u64 {
    if !lake.join("_pdn/log").exists() {
        return 0;
    }
    let out = pdn()
        .args(["status", "--format", "json", "--lake"])
        .arg(lake)
        .output()
        .unwrap();
    serde_json::from_slice::<Value>(&out.stdout)
        .map(|v| v["events"].as_u64().unwrap_or(0))
        .unwrap_or(0)
}

fn terminate(child: &mut Child) {
    let pid = child.id().to_string();
    std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    assert!(
        status.success(),
        "ingest did not stop cleanly on SIGTERM: {status}"
    );
}
