//! `pdn compact`, `pdn forget`, `pdn retention`: rewrites of the store that keep every row they
//! should (readers count the same throughout), erase every trace of a youth, and stay erased.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use arrow::array::AsArray;
use arrow::datatypes::Int64Type;
use serde_json::Value;

use crate::support::{
    assert_datafusion_counts_match_truth, assert_store_matches_truth, generate_with_truth,
    ingest_in_batches as ingest, lake_status, ok, pdn, NOW,
};

fn sql(lake: &Path, query: &str) -> Vec<Value> {
    ok(pdn()
        .args(["sql", "--format", "json", "--lake"])
        .arg(lake)
        .args(["-c", query]))
    .lines()
    .map(|l| serde_json::from_str(l).unwrap())
    .collect()
}

fn count(lake: &Path, query: &str) -> u64 {
    sql(lake, query)[0]["n"].as_u64().unwrap()
}

/// Rows and distinct ids per family, and dead letters.
fn counts(lake: &Path) -> Vec<Value> {
    let mut rows = sql(
        lake,
        "SELECT family, count(*) AS n, count(DISTINCT event_id) AS ids FROM events \
         GROUP BY family ORDER BY family",
    );
    rows.extend(sql(lake, "SELECT count(*) AS n FROM dead_letters"));
    rows
}

fn files(lake: &Path) -> u64 {
    lake_status(lake)["tables"]
        .as_object()
        .unwrap()
        .values()
        .map(|t| t["files"].as_u64().unwrap())
        .sum()
}

fn version(lake: &Path) -> u64 {
    lake_status(lake)["version"].as_u64().unwrap()
}

fn compact(lake: &Path, extra: &[&str]) -> String {
    ok(pdn().args(["compact", "--lake"]).arg(lake).args(extra))
}

/// `count(*)` of the `events` view in a session of the analytics crate (opened in this process).
macro_rules! count_events {
    ($runtime:expr, $ctx:expr) => {
        $runtime.block_on(async {
            let batches = pdn_analytics::sql::query($ctx, "SELECT count(*) FROM events")
                .await
                .unwrap();
            batches[0].column(0).as_primitive::<Int64Type>().value(0)
        })
    };
}

/// Opens the lake at its latest version and counts its events.
fn open_and_count(runtime: &tokio::runtime::Runtime, lake: &Path) -> i64 {
    let (ctx, _) = runtime.block_on(pdn_analytics::tables::open(lake)).unwrap();
    count_events!(runtime, &ctx)
}

#[test]
fn compaction_merges_small_files_keeps_every_row_and_readers_count_the_same_throughout() {
    let dir = tempfile::tempdir().unwrap();
    let (events, truth) = generate_with_truth(
        dir.path(),
        &["--invalid-rate", "0.02", "--duplicate-rate", "0.05"],
    );
    let lake = dir.path().join("lake");
    ingest(&lake, &events, "3000");
    let before = counts(&lake);
    let files_before = files(&lake);
    assert!(files_before > 100, "{files_before} files");

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (snapshot, _) = runtime
        .block_on(pdn_analytics::tables::open(&lake))
        .unwrap();
    let expected = count_events!(runtime, &snapshot);
    let stop = Arc::new(AtomicBool::new(false));
    let reader = {
        let (stop, lake) = (stop.clone(), lake.clone());
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Runtime::new().unwrap();
            let mut seen = Vec::new();
            loop {
                let last = stop.load(Ordering::SeqCst);
                seen.push(open_and_count(&runtime, &lake));
                if last {
                    return seen;
                }
            }
        })
    };
    let out = compact(&lake, &[]);
    stop.store(true, Ordering::SeqCst);
    let seen = reader.join().unwrap();
    assert!(out.starts_with("compacted "), "{out}");
    assert!(
        !seen.is_empty() && seen.iter().all(|&n| n == expected),
        "{expected} then {seen:?}"
    );
    // A session opened before the compaction still reads its version: the removed files wait
    // for the grace period.
    assert_eq!(count_events!(runtime, &snapshot), expected);

    assert_eq!(counts(&lake), before);
    let files_after = files(&lake);
    assert!(
        files_after * 2 < files_before,
        "{files_before} -> {files_after} files"
    );
    let committed = version(&lake);
    let again = compact(&lake, &[]);
    assert!(again.starts_with("nothing to compact"), "{again}");
    assert_eq!(
        version(&lake),
        committed,
        "a compaction with nothing to do committed"
    );

    // Without grace period the vacuum deletes the removed files: the folders hold exactly the
    // committed files again, and everything still matches the truth.
    let merged: u64 = out
        .split(": ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let vacuum = compact(&lake, &["--retain-removed", "0"]);
    assert!(
        vacuum.contains(&format!("{merged} removed files vacuumed")),
        "{vacuum}"
    );
    assert_store_matches_truth(&lake, &truth);
    assert_datafusion_counts_match_truth(&lake, &truth);
}

#[test]
fn compaction_while_ingesting_loses_and_duplicates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (events, truth) = generate_with_truth(
        dir.path(),
        &["--invalid-rate", "0.02", "--duplicate-rate", "0.05"],
    );
    let text = std::fs::read_to_string(&events).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let (first, second) = (
        dir.path().join("first.ndjson"),
        dir.path().join("second.ndjson"),
    );
    let half = lines.len() / 2;
    std::fs::write(&first, lines[..half].join("\n") + "\n").unwrap();
    std::fs::write(&second, lines[half..].join("\n") + "\n").unwrap();
    let lake = dir.path().join("lake");
    ingest(&lake, &first, "2000");

    let child = pdn()
        .args([
            "ingest",
            "--now",
            NOW,
            "--max-batch-events",
            "500",
            "--lake",
        ])
        .arg(&lake)
        .arg("--from")
        .arg(&second)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    compact(&lake, &["--retain-removed", "0"]);
    compact(&lake, &["--retain-removed", "0"]);
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    compact(&lake, &["--retain-removed", "0"]);
    ingest(&lake, &first, "2000");
    ingest(&lake, &second, "2000");
    assert_store_matches_truth(&lake, &truth);
    assert_datafusion_counts_match_truth(&lake, &truth);
}

/// Every `yp1_` pseudonym of a text, with how many times it occurs.
fn pseudonyms(text: &str) -> HashMap<&str, usize> {
    let mut found = HashMap::new();
    for (i, _) in text.match_indices("yp1_") {
        if let Some(p) = text.get(i..i + 36) {
            *found.entry(p).or_default() += 1;
        }
    }
    found
}

/// The youth of a collective accompaniment who appears in the most lines.
fn youth_of_a_collective_accompaniment(text: &str) -> String {
    let counts = pseudonyms(text);
    text.lines()
        .filter(|l| l.contains("\"accompaniment.opened\""))
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter_map(|e| e["payload"]["youths"].as_array().cloned())
        .filter(|youths| youths.len() >= 2)
        .flatten()
        .map(|y| y.as_str().unwrap().to_owned())
        .max_by_key(|y| (counts[y.as_str()], y.clone()))
        .expect("a collective accompaniment")
}

fn files_under(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files_under(&path, found);
        } else {
            found.push(path);
        }
    }
}

/// No byte of any file under the lake holds `needle`, and no cell of any Parquet file either
/// (every column decoded and formatted, so compression cannot hide it).
fn assert_nowhere_in(lake: &Path, needle: &str) {
    let mut all = Vec::new();
    files_under(lake, &mut all);
    assert!(all.iter().any(|p| p.ends_with("audit.jsonl")));
    for path in &all {
        let bytes = std::fs::read(path).unwrap();
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
            "{} holds the pseudonym",
            path.display()
        );
        if path.extension().is_some_and(|e| e == "parquet") {
            let file = std::fs::File::open(path).unwrap();
            let reader =
                parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
                    .unwrap()
                    .build()
                    .unwrap();
            for batch in reader {
                let batch = batch.unwrap();
                for column in batch.columns() {
                    let format = arrow::util::display::ArrayFormatter::try_new(
                        column.as_ref(),
                        &Default::default(),
                    )
                    .unwrap();
                    for row in 0..batch.num_rows() {
                        let cell = format.value(row).to_string();
                        assert!(!cell.contains(needle), "{} holds it", path.display());
                    }
                }
            }
        }
    }
}

/// Every (family, event id) of the store.
fn event_ids(lake: &Path) -> BTreeMap<String, String> {
    sql(lake, "SELECT event_id, family FROM events")
        .into_iter()
        .map(|r| {
            let id = r["event_id"].as_str().unwrap().to_owned();
            (id, r["family"].as_str().unwrap().to_owned())
        })
        .collect()
}

fn ids(rows: Vec<Value>) -> Vec<String> {
    rows.into_iter()
        .map(|r| r["event_id"].as_str().unwrap().to_owned())
        .collect()
}

/// The ids the erasure of `youth` must remove, found independently with SQL over the store.
fn ids_to_erase(lake: &Path, youth: &str) -> Vec<String> {
    let mut erased = ids(sql(
        lake,
        &format!(
            "SELECT event_id FROM contact WHERE youth = '{youth}' \
             UNION ALL SELECT event_id FROM attendance WHERE youth = '{youth}' \
             UNION ALL SELECT event_id FROM prevention WHERE youth = '{youth}' \
             UNION ALL SELECT event_id FROM referral WHERE referral_id IN \
               (SELECT referral_id FROM referral WHERE youth = '{youth}')"
        ),
    ));
    let individual: Vec<String> = sql(
        lake,
        "SELECT accompaniment_id, youths FROM accompaniment WHERE event_type = 'accompaniment.opened'",
    )
    .into_iter()
    .filter(|r| r["youths"] == serde_json::json!([youth]))
    .map(|r| r["accompaniment_id"].as_str().unwrap().to_owned())
    .collect();
    for row in sql(lake, "SELECT * FROM accompaniment") {
        let list = |name: &str| -> Vec<String> {
            row[name]
                .as_array()
                .map(|l| l.iter().map(|v| v.as_str().unwrap().to_owned()).collect())
                .unwrap_or_default()
        };
        let (youths, left) = (list("youths"), list("youths_left"));
        let named = youths.iter().chain(&left).any(|y| y == youth);
        let nothing_else = youths.len() + left.len() == 1
            && list("co_professionals").is_empty()
            && list("co_structures").is_empty();
        if individual.contains(&row["accompaniment_id"].as_str().unwrap().to_owned())
            || (named && nothing_else)
        {
            erased.push(row["event_id"].as_str().unwrap().to_owned());
        }
    }
    for row in sql(lake, "SELECT event_id, target_event_id FROM correction") {
        if erased.contains(&row["target_event_id"].as_str().unwrap().to_owned()) {
            erased.push(row["event_id"].as_str().unwrap().to_owned());
        }
    }
    erased
}

#[test]
fn forget_erases_every_trace_of_a_youth_and_keeps_it_erased() {
    let dir = tempfile::tempdir().unwrap();
    let (events, _) = generate_with_truth(dir.path(), &["--invalid-rate", "0.02"]);
    let text = std::fs::read_to_string(&events).unwrap();
    let youth = youth_of_a_collective_accompaniment(&text);
    let lake = dir.path().join("lake");
    ingest(&lake, &events, "5000");
    // A record naming the youth that was rejected (free text): quarantine must forget it too.
    let contact = text
        .lines()
        .find(|l| l.contains(&youth) && l.contains("\"contact.recorded\""))
        .unwrap();
    let mut leaked: Value = serde_json::from_str(contact).unwrap();
    leaked["event_id"] = "leaked-record-0001".into();
    leaked["payload"]["note"] = "appelle le soir".into();
    let leaked_file = dir.path().join("leaked.ndjson");
    std::fs::write(&leaked_file, format!("{leaked}\n")).unwrap();
    ingest(&lake, &leaked_file, "10");
    // Read models projected twice (the first files replaced, kept for their readers), then a
    // compaction whose removed files wait for their grace period: forget deletes them all too.
    ok(pdn().args(["project", "--lake"]).arg(&lake));
    ok(pdn().args(["project", "--rebuild", "--lake"]).arg(&lake));
    let named = count(
        &lake,
        &format!("SELECT count(*) AS n FROM youth_month WHERE youth = '{youth}'"),
    );
    assert!(named > 0, "the read models name the youth before forget");
    compact(&lake, &[]);

    let before = event_ids(&lake);
    let to_erase = ids_to_erase(&lake, &youth);
    let collective = ids(sql(
        &lake,
        &format!(
            "SELECT event_id FROM accompaniment WHERE array_has(youths, '{youth}') \
             AND event_type = 'accompaniment.opened' AND cardinality(youths) > 1"
        ),
    ));
    assert!(to_erase.len() > 5 && !collective.is_empty(), "{to_erase:?}");
    let dead_before = count(&lake, "SELECT count(*) AS n FROM dead_letters");
    let hex: String = youth.bytes().map(|b| format!("{b:02x}")).collect();
    let dead_named = count(
        &lake,
        &format!(
            "SELECT count(*) AS n FROM dead_letters WHERE strpos(encode(raw, 'hex'), '{hex}') > 0"
        ),
    );
    assert!(dead_named >= 1);

    let out = ok(pdn()
        .args(["forget", "--youth", &youth, "--lake"])
        .arg(&lake));
    assert!(!out.contains(&youth), "{out}");
    assert!(
        out.contains(&format!("erased {} events of 1 youths", to_erase.len())),
        "{out}"
    );
    assert!(out.contains("read models updated"), "{out}");
    assert_eq!(
        count(
            &lake,
            &format!("SELECT count(*) AS n FROM youth_month WHERE youth = '{youth}'")
        ),
        0
    );

    let mut expected = before.clone();
    for id in &to_erase {
        expected.remove(id);
    }
    let after = event_ids(&lake);
    assert_eq!(after.len(), expected.len());
    assert!(
        after == expected,
        "the store lost or kept other rows than the youth's"
    );
    for id in &collective {
        assert!(
            after.contains_key(id),
            "a collective accompaniment was removed"
        );
    }
    assert_eq!(
        count(&lake, "SELECT count(*) AS n FROM dead_letters"),
        dead_before - dead_named
    );
    let s = lake_status(&lake);
    assert_eq!(s["events"], s["distinct_event_ids_verified"], "{s:#}");
    assert_nowhere_in(&lake, &youth);

    let audit = std::fs::read_to_string(lake.join("_pdn/audit.jsonl")).unwrap();
    let record: Value = serde_json::from_str(audit.lines().last().unwrap()).unwrap();
    assert_eq!(record["operation"], "forget");
    assert_eq!(record["youths"], 1);
    assert_eq!(record["rows_removed"]["dead_letters"], dead_named);
    assert!(record["rows_removed"]["events/contact"].as_u64().unwrap() > 0);

    // An app re-sends everything: the tombstones keep the erased events out.
    let resent = dir.path().join("resent.ndjson");
    std::fs::copy(&events, &resent).unwrap();
    ingest(&lake, &resent, "5000");
    assert!(
        event_ids(&lake) == expected,
        "re-sent erased events came back"
    );
    let second = ok(pdn()
        .args(["forget", "--youth", &youth, "--lake"])
        .arg(&lake));
    // The re-sent invalid line naming the youth was quarantined again (dead letters are not
    // deduplicated): a second forget erases it, and no event.
    assert!(second.contains("erased 0 events"), "{second}");
}

#[test]
fn retention_erases_the_youths_without_contact_for_two_years_and_only_them() {
    let dir = tempfile::tempdir().unwrap();
    let (events, _) = generate_with_truth(dir.path(), &["--year", "2025"]);
    let lake = dir.path().join("lake");
    ingest(&lake, &events, "20000");
    let now = "2027-07-01T00:00:00Z";
    let last = "SELECT department, youth, max(occurred_at) AS last FROM contact GROUP BY 1, 2";
    let due = |lake: &Path| {
        count(
            lake,
            &format!("SELECT count(*) AS n FROM ({last}) WHERE last < '2025-07-01T00:00:00Z'"),
        )
    };
    let kept = |lake: &Path| {
        count(
            lake,
            &format!("SELECT count(*) AS n FROM ({last}) WHERE last >= '2025-07-01T00:00:00Z'"),
        )
    };
    let contacts_kept = format!(
        "SELECT count(*) AS n FROM contact c JOIN ({last}) l \
         ON c.department = l.department AND c.youth = l.youth WHERE l.last >= '2025-07-01T00:00:00Z'"
    );
    let (due_before, kept_before) = (due(&lake), kept(&lake));
    let contacts_before = count(&lake, &contacts_kept);
    assert!(
        due_before > 10 && kept_before > 10,
        "{due_before} {kept_before}"
    );

    let versions = version(&lake);
    let dry = ok(pdn().args(["retention", "--now", now, "--lake"]).arg(&lake));
    assert!(dry.contains(&format!("of {due_before} youths")), "{dry}");
    assert!(!dry.contains("yp1_"), "{dry}");
    assert_eq!(version(&lake), versions, "a dry run committed");

    let applied = ok(pdn()
        .args(["retention", "--apply", "--now", now, "--lake"])
        .arg(&lake));
    assert_eq!(version(&lake), versions + 1, "{applied}");
    assert_eq!(due(&lake), 0);
    assert_eq!(kept(&lake), kept_before);
    assert_eq!(count(&lake, &contacts_kept), contacts_before);
    assert_eq!(
        count(&lake, "SELECT count(*) AS n FROM contact"),
        contacts_before
    );
    let audit = std::fs::read_to_string(lake.join("_pdn/audit.jsonl")).unwrap();
    let record: Value = serde_json::from_str(audit.lines().last().unwrap()).unwrap();
    assert_eq!(record["operation"], "retention");
    assert_eq!(record["youths"], due_before);
    assert!(!audit.contains("yp1_"));
    let again = ok(pdn().args(["retention", "--now", now, "--lake"]).arg(&lake));
    assert!(
        again.starts_with("would erase 0 events of 0 youths"),
        "{again}"
    );
}
