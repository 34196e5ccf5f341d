//! `pdn collect` and `pdn tokens`: every answer of the HTTP collector, through a real HTTP client,
//! each test with its own collector process on port 0 (it prints the bound address); Kafka mode
//! against a real broker, cross-checked with kcat; and the acceptance test: under repeated
//! `kill -9`, no event that got a 202 is ever missing, and none is stored twice.

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::broker::Broker;
use crate::support::{lake_status, ok, pdn, NOW};

/// A running `pdn collect`; killed when dropped.
struct Collector {
    child: Child,
    address: String,
    log: PathBuf,
    /// Kept open: the collector may write to its standard output until it exits.
    _stdout: BufReader<ChildStdout>,
}

impl Collector {
    /// Starts `pdn collect` with `args` (its log goes to `log`) and waits for its address.
    fn start(args: &[&str], log: &Path) -> Collector {
        let mut child = pdn()
            .arg("collect")
            .args(["--listen", "127.0.0.1:0"])
            .args(args)
            .env("PDN_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(log).unwrap())
            .spawn()
            .expect("pdn collect starts");
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let Some(address) = line.trim().strip_prefix("listening on ") else {
            let status = child.wait().unwrap();
            panic!(
                "pdn collect did not start ({status}): {line:?}\n{}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
        };
        Collector {
            address: address.to_owned(),
            child,
            log: log.to_owned(),
            _stdout: stdout,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// `kill -9`: the process dies wherever it is.
    fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// Sends SIGTERM: the collector answers the requests in flight, commits and exits.
    fn sigterm(&self) {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(sent.success());
    }

    /// Waits for the collector to exit, which must be clean.
    fn wait_success(mut self) {
        let status = self.child.wait().unwrap();
        assert!(
            status.success(),
            "pdn collect did not stop cleanly ({status}):\n{}",
            std::fs::read_to_string(&self.log).unwrap_or_default()
        );
    }

    /// SIGTERM, and the collector must stop cleanly.
    fn stop(self) {
        self.sigterm();
        self.wait_success();
    }
}

impl Drop for Collector {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

/// An HTTP answer.
#[derive(Debug)]
struct Answer {
    status: u16,
    retry_after: Option<String>,
    www_authenticate: Option<String>,
    text: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("{e}: {}", self.text))
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(120)))
        .build()
        .into()
}

fn answer(mut response: ureq::http::Response<ureq::Body>) -> Answer {
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    let (retry_after, www_authenticate) = (header("retry-after"), header("www-authenticate"));
    Answer {
        status: response.status().as_u16(),
        retry_after,
        www_authenticate,
        text: response.body_mut().read_to_string().unwrap(),
    }
}

/// `POST /v1/events`; an error only when no HTTP answer came (connection refused or cut).
fn try_post(
    agent: &ureq::Agent,
    url: &str,
    token: Option<&str>,
    content_type: &str,
    body: &[u8],
) -> Result<Answer, ureq::Error> {
    let mut request = agent.post(url).header("Content-Type", content_type);
    if let Some(token) = token {
        request = request.header("Authorization", format!("Bearer {token}"));
    }
    request.send(body).map(answer)
}

fn post(collector: &Collector, token: Option<&str>, content_type: &str, body: &[u8]) -> Answer {
    try_post(
        &agent(),
        &collector.url("/v1/events"),
        token,
        content_type,
        body,
    )
    .unwrap()
}

fn ndjson(collector: &Collector, token: &str, lines: &[String]) -> Answer {
    post(
        collector,
        Some(token),
        "application/x-ndjson",
        lines.join("\n").as_bytes(),
    )
}

fn get(collector: &Collector, path: &str) -> Answer {
    answer(agent().get(collector.url(path)).call().unwrap())
}

/// The value of one sample of `GET /metrics`, e.g. `pdn_collect_requests_total{status="202"}`.
fn metric(collector: &Collector, sample: &str) -> f64 {
    let text = get(collector, "/metrics").text;
    text.lines()
        .find_map(|l| l.strip_prefix(sample)?.strip_prefix(' '))
        .unwrap_or_else(|| panic!("no sample {sample} in\n{text}"))
        .parse()
        .unwrap()
}

/// Creates a token with `pdn tokens add` and returns it.
fn add_token(tokens: &Path, name: &str, scope: &[&str]) -> String {
    let out = ok(pdn()
        .args(["tokens", "add", name, "--tokens"])
        .arg(tokens)
        .args(scope));
    out.trim().to_owned()
}

/// `n` valid generated events (department 82), one JSON document a line.
fn events(dir: &Path, n: usize, seed: u64) -> Vec<String> {
    let path = dir.join(format!("events-{seed}.ndjson"));
    ok(pdn()
        .args(["generate", "--seed", &seed.to_string(), "--events"])
        .arg(n.to_string())
        .arg("--out")
        .arg(&path));
    std::fs::read_to_string(&path)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn id(line: &str) -> String {
    serde_json::from_str::<Value>(line).unwrap()["event_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A lake collector over `lake` (50 ms latency unless `extra` says otherwise), validating at
/// [`NOW`].
fn lake_collector(dir: &Path, lake: &Path, tokens: &Path, extra: &[&str]) -> Collector {
    let (lake, tokens) = (lake.to_str().unwrap(), tokens.to_str().unwrap());
    let mut args = vec!["--lake", lake, "--tokens", tokens, "--now", NOW];
    if !extra.contains(&"--max-latency") {
        args.extend_from_slice(&["--max-latency", "50ms"]);
    }
    args.extend_from_slice(extra);
    Collector::start(&args, &dir.join("collector.log"))
}

fn lake_events(lake: &Path) -> u64 {
    if !lake.join("_pdn/log").exists() {
        return 0;
    }
    lake_status(lake)["events"].as_u64().unwrap()
}

#[test]
fn collect_answers_202_once_events_are_committed_and_reports_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let (lake, tokens) = (dir.path().join("lake"), dir.path().join("tokens.jsonl"));
    let token = add_token(&tokens, "pdn-mobile-82", &["--department", "82"]);
    let lines = events(dir.path(), 200, 3);
    let n = lines.len();
    let collector = lake_collector(dir.path(), &lake, &tokens, &[]);
    assert_eq!(
        get(&collector, "/health").json(),
        json!({"status": "ok", "sink": "lake"})
    );

    let first = ndjson(&collector, &token, &lines[..150]);
    assert_eq!(first.status, 202, "{}", first.text);
    assert_eq!(first.json()["accepted"], 150);
    assert_eq!(first.json()["duplicates"], 0);
    // Durable before the answer: the store holds them as the client reads its 202.
    assert_eq!(lake_events(&lake), 150);

    let single = post(
        &collector,
        Some(&token),
        "application/json",
        lines[150].as_bytes(),
    );
    assert_eq!(single.status, 202, "{}", single.text);
    assert_eq!(single.json()["accepted"], 1);
    assert_eq!(lake_events(&lake), 151);

    // An app re-sending what it already sent (say, after a timeout) gets a 202 again, and the
    // events it had already delivered are kept once.
    let again = ndjson(&collector, &token, &lines[100..]);
    assert_eq!(again.status, 202, "{}", again.text);
    assert_eq!(again.json()["accepted"], n - 100);
    assert_eq!(again.json()["duplicates"], 51);

    assert_eq!(
        metric(&collector, "pdn_collect_events_accepted_total"),
        (151 + n - 100) as f64
    );
    assert_eq!(
        metric(&collector, "pdn_collect_events_duplicate_total"),
        51.0
    );
    assert_eq!(
        metric(&collector, r#"pdn_collect_requests_total{status="202"}"#),
        3.0
    );
    assert_eq!(metric(&collector, "pdn_collect_pending_events"), 0.0);
    assert_eq!(metric(&collector, "pdn_collect_durable_seconds_count"), 3.0);
    collector.stop();

    let status = lake_status(&lake);
    assert_eq!(status["events"], n);
    assert_eq!(status["distinct_event_ids_verified"], n);
    assert_eq!(status["duplicates_dropped"], 51);
    // One offset per event received, from 0, under the collector's own source.
    assert_eq!(status["offsets"]["http:collector"]["0"], 151 + n - 100 - 1);
}

/// Waits until the collector holds at least `n` events not committed yet.
fn wait_pending(collector: &Collector, n: f64) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while metric(collector, "pdn_collect_pending_events") < n {
        assert!(Instant::now() < deadline, "{n} events never became pending");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn collect_answers_503_when_another_writer_stored_its_events_first_and_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let (lake, tokens) = (dir.path().join("lake"), dir.path().join("tokens.jsonl"));
    let token = add_token(&tokens, "app-82", &["--department", "82"]);
    let lines: Vec<String> = events(dir.path(), 2, 8).into_iter().take(2).collect();
    // Batches of two events, never committed by age.
    let collector = lake_collector(
        dir.path(),
        &lake,
        &tokens,
        &["--max-latency", "60m", "--max-batch-events", "2"],
    );
    let refused = std::thread::scope(|s| {
        let first = s.spawn(|| ndjson(&collector, &token, &lines[..1]));
        wait_pending(&collector, 1.0);
        // The app also sent its event through a file ingest, which stores it first.
        let file = dir.path().join("resent.ndjson");
        std::fs::write(&file, format!("{}\n", lines[0])).unwrap();
        ok(pdn()
            .args(["ingest", "--now", NOW, "--lake"])
            .arg(&lake)
            .arg("--from")
            .arg(&file));
        // The second event fills the batch: its commit is refused, as it would store the first
        // one twice.
        let second = ndjson(&collector, &token, &lines[1..]);
        [first.join().unwrap(), second]
    });
    for answer in &refused {
        assert_eq!(answer.status, 503, "{}", answer.text);
        assert_eq!(answer.json()["error"], "not_durable");
    }
    assert_eq!(
        get(&collector, "/health").status,
        200,
        "the collector goes on"
    );
    // The app sends both again: the first is a duplicate, the second is stored.
    let again = ndjson(&collector, &token, &lines);
    assert_eq!(again.status, 202, "{}", again.text);
    assert_eq!(again.json()["accepted"], 2);
    assert_eq!(again.json()["duplicates"], 1);
    collector.stop();
    let status = lake_status(&lake);
    assert_eq!(status["events"], 2);
    assert_eq!(status["distinct_event_ids_verified"], 2);
    assert_eq!(status["offsets"]["http:collector"]["0"], 1);
}

#[test]
fn collect_refuses_a_request_with_an_invalid_event_whole_with_every_reason() {
    let dir = tempfile::tempdir().unwrap();
    let (lake, tokens) = (dir.path().join("lake"), dir.path().join("tokens.jsonl"));
    let token = add_token(&tokens, "pdn-mobile-82", &["--department", "82"]);
    let lines = events(dir.path(), 50, 4);
    let mut leaky: Value = serde_json::from_str(&lines[1]).unwrap();
    leaky["professional_id"] = json!("jean.dupont@example.org");
    let body = [
        lines[0].clone(),
        leaky.to_string(),
        String::new(),
        "{\"event_id\": oops".to_owned(),
        lines[2].clone(),
    ]
    .join("\n");
    let collector = lake_collector(dir.path(), &lake, &tokens, &[]);
    let refused = post(
        &collector,
        Some(&token),
        "application/x-ndjson",
        body.as_bytes(),
    );
    assert_eq!(refused.status, 400, "{}", refused.text);
    assert!(
        !refused.text.contains("dupont"),
        "the offending value is echoed: {}",
        refused.text
    );
    let answer = refused.json();
    assert_eq!(answer["error"], "invalid_events");
    let rejected = answer["rejected"].as_array().unwrap();
    assert_eq!(rejected.len(), 2, "{answer:#}");
    assert_eq!(rejected[0]["line"], 2);
    assert_eq!(rejected[0]["event_id"], id(&lines[1]));
    assert_eq!(rejected[0]["reason"], "email_address");
    assert_eq!(rejected[0]["path"], "professional_id");
    assert_eq!(rejected[1]["line"], 4);
    assert_eq!(rejected[1]["reason"], "malformed_json");
    assert!(rejected[1].get("event_id").is_none());

    // The same fields as `pdn validate` prints for the same lines.
    let file = dir.path().join("body.ndjson");
    std::fs::write(&file, &body).unwrap();
    let out = pdn()
        .args(["validate", "--now", NOW])
        .arg(&file)
        .output()
        .unwrap();
    let printed = String::from_utf8(out.stdout).unwrap();
    for r in rejected {
        let at = match r["path"].as_str().unwrap() {
            "" => String::new(),
            path => format!("at {path}: "),
        };
        let expected_line = format!(
            "line {}: event {}: {}: {at}expected {}, found {}",
            r["line"],
            r["event_id"].as_str().unwrap_or("-"),
            r["reason"].as_str().unwrap(),
            r["expected"].as_str().unwrap(),
            r["found"].as_str().unwrap()
        );
        assert!(
            printed.contains(&expected_line),
            "{expected_line}\nnot in\n{printed}"
        );
    }

    // All or nothing: the valid events of the request were not stored either.
    assert_eq!(
        metric(
            &collector,
            r#"pdn_collect_events_rejected_total{reason="email_address"}"#
        ),
        1.0
    );
    assert_eq!(
        metric(
            &collector,
            r#"pdn_collect_events_rejected_total{reason="malformed_json"}"#
        ),
        1.0
    );
    assert_eq!(
        metric(&collector, r#"pdn_collect_requests_total{status="400"}"#),
        1.0
    );
    assert_eq!(lake_events(&lake), 0);
    let empty = post(&collector, Some(&token), "application/x-ndjson", b"\n \n");
    assert_eq!(
        (empty.status, empty.json()["error"].clone()),
        (400, json!("empty_body"))
    );

    // Fixed, the whole batch goes in.
    let fixed = [lines[0].clone(), lines[1].clone(), lines[2].clone()];
    assert_eq!(ndjson(&collector, &token, &fixed).status, 202);
    assert_eq!(lake_events(&lake), 3);
    collector.stop();
}

#[test]
fn collect_authenticates_tokens_by_hash_and_keeps_each_to_its_scope() {
    let dir = tempfile::tempdir().unwrap();
    let (lake, tokens) = (dir.path().join("lake"), dir.path().join("tokens.jsonl"));
    // Small generated volumes come from one structure: move half of them to another one.
    let lines: Vec<String> = events(dir.path(), 100, 5)
        .iter()
        .enumerate()
        .map(|(i, line)| {
            let mut event: Value = serde_json::from_str(line).unwrap();
            if i % 2 == 1 {
                event["structure_id"] = json!("str-82-999");
            }
            event.to_string()
        })
        .collect();
    let structure = |line: &str| {
        serde_json::from_str::<Value>(line).unwrap()["structure_id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let ours = structure(&lines[0]);
    let department = add_token(&tokens, "app-82", &["--department", "82"]);
    let register = add_token(
        &tokens,
        "register",
        &["--department", "82", "--structure", &ours],
    );
    let elsewhere = add_token(&tokens, "app-31", &["--department", "31,32"]);
    let file = std::fs::read_to_string(&tokens).unwrap();
    for token in [&department, &register, &elsewhere] {
        assert!(token.starts_with("pdn_") && token.len() == 68, "{token}");
        assert!(!file.contains(&token[4..]), "the tokens file holds a token");
    }
    let mode = std::fs::metadata(&tokens).unwrap().permissions();
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&mode) & 0o777,
        0o600
    );

    let collector = lake_collector(dir.path(), &lake, &tokens, &[]);
    let body = lines[..10].join("\n");
    let missing = post(&collector, None, "application/x-ndjson", body.as_bytes());
    assert_eq!(missing.status, 401, "{}", missing.text);
    assert_eq!(
        missing.www_authenticate.as_deref(),
        Some("Bearer realm=\"pdn\"")
    );
    let forged = format!("pdn_{}", "0".repeat(64));
    for token in [forged.as_str(), "", department.trim_start_matches("pdn_")] {
        let unknown = post(
            &collector,
            Some(token),
            "application/x-ndjson",
            body.as_bytes(),
        );
        assert_eq!(unknown.status, 401, "{token:?}: {}", unknown.text);
        assert_eq!(unknown.json()["error"], "unauthorized");
    }

    let outside = ndjson(&collector, &elsewhere, &lines[..10]);
    assert_eq!(outside.status, 403, "{}", outside.text);
    let rejected = outside.json()["rejected"].as_array().unwrap().clone();
    assert_eq!(rejected.len(), 10);
    assert_eq!(rejected[3]["line"], 4);
    assert_eq!(rejected[3]["event_id"], id(&lines[3]));
    assert_eq!(rejected[3]["reason"], "out_of_scope");
    assert_eq!(rejected[3]["path"], "department");
    assert_eq!(rejected[3]["found"], "department \"82\"");

    let (theirs, mine): (Vec<String>, Vec<String>) =
        lines.iter().cloned().partition(|l| structure(l) != ours);
    assert_eq!(theirs.len(), lines.len() / 2);
    let mixed = [mine[0].clone(), theirs[0].clone()];
    let partly = ndjson(&collector, &register, &mixed);
    assert_eq!(partly.status, 403, "{}", partly.text);
    let rejected = partly.json()["rejected"].clone();
    assert_eq!(rejected.as_array().unwrap().len(), 1);
    assert_eq!(rejected[0]["line"], 2);
    assert_eq!(rejected[0]["path"], "structure_id");
    assert_eq!(lake_events(&lake), 0, "a refused request stored something");
    assert_eq!(
        metric(
            &collector,
            r#"pdn_collect_events_rejected_total{reason="out_of_scope"}"#
        ),
        11.0
    );

    assert_eq!(ndjson(&collector, &register, &mine).status, 202);
    assert_eq!(ndjson(&collector, &department, &theirs).status, 202);
    assert_eq!(
        metric(&collector, r#"pdn_collect_requests_total{status="401"}"#),
        4.0
    );
    assert_eq!(
        metric(&collector, r#"pdn_collect_requests_total{status="403"}"#),
        2.0
    );
    collector.stop();
    assert_eq!(lake_status(&lake)["events"], lines.len());
}

#[test]
fn collect_bounds_bodies_batches_and_pending_events_and_commits_them_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let (lake, tokens) = (dir.path().join("lake"), dir.path().join("tokens.jsonl"));
    let token = add_token(&tokens, "app-82", &["--department", "82"]);
    let lines = events(dir.path(), 50, 6);
    // Nothing is committed by age: events wait until the shutdown.
    let collector = lake_collector(
        dir.path(),
        &lake,
        &tokens,
        &[
            "--max-latency",
            "60m",
            "--max-body-bytes",
            "4096",
            "--max-request-events",
            "5",
            "--max-pending-events",
            "8",
        ],
    );
    let wrong_type = post(&collector, Some(&token), "text/plain", lines[0].as_bytes());
    assert_eq!(wrong_type.status, 415, "{}", wrong_type.text);

    let big = lines[..20].join("\n");
    assert!(big.len() > 4096);
    let too_big = post(
        &collector,
        Some(&token),
        "application/x-ndjson",
        big.as_bytes(),
    );
    assert_eq!(too_big.status, 413, "{}", too_big.text);
    assert_eq!(too_big.json()["error"], "body_too_large");

    let six = lines[..6].join("\n");
    assert!(six.len() <= 4096);
    let too_many = post(
        &collector,
        Some(&token),
        "application/x-ndjson",
        six.as_bytes(),
    );
    assert_eq!(too_many.status, 413, "{}", too_many.text);
    assert_eq!(too_many.json()["error"], "too_many_events");

    let waiting = std::thread::scope(|s| {
        let first = s.spawn(|| ndjson(&collector, &token, &lines[..5]));
        wait_pending(&collector, 5.0);
        // 5 pending + 5 more > 8: refused, and told when to come back.
        let busy = ndjson(&collector, &token, &lines[5..10]);
        assert_eq!(busy.status, 429, "{}", busy.text);
        assert_eq!(busy.retry_after.as_deref(), Some("1"));
        assert_eq!(get(&collector, "/health").status, 200);
        assert_eq!(lake_events(&lake), 0, "committed before its time");
        // SIGTERM: the pending request is committed and answered, then the collector exits.
        collector.sigterm();
        first.join().unwrap()
    });
    assert_eq!(waiting.status, 202, "{}", waiting.text);
    assert_eq!(waiting.json()["accepted"], 5);
    collector.wait_success();
    assert_eq!(lake_status(&lake)["events"], 5);
}

#[test]
fn collect_serves_the_committed_openapi_document_listing_every_status() {
    let committed_path = crate::support::repo().join("docs/openapi.json");
    let committed = std::fs::read_to_string(&committed_path).unwrap();
    let printed = ok(pdn().args(["collect", "--openapi"]));
    assert!(
        printed == committed,
        "docs/openapi.json is out of date: regenerate it with `pdn collect --openapi > docs/openapi.json`"
    );
    let dir = tempfile::tempdir().unwrap();
    let tokens = dir.path().join("tokens.jsonl");
    add_token(&tokens, "app", &["--department", "82"]);
    let collector = lake_collector(dir.path(), &dir.path().join("lake"), &tokens, &[]);
    let served = get(&collector, "/openapi.json");
    assert_eq!(served.status, 200);
    let document: Value = serde_json::from_str(&committed).unwrap();
    assert_eq!(served.json(), document);
    assert_eq!(document["openapi"], "3.1.0");
    let statuses = |path: &str, method: &str| -> Vec<String> {
        document["paths"][path][method]["responses"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect()
    };
    assert_eq!(
        statuses("/v1/events", "post"),
        ["202", "400", "401", "403", "413", "415", "429", "503"]
    );
    assert_eq!(statuses("/health", "get"), ["200", "503"]);
    assert_eq!(statuses("/metrics", "get"), ["200"]);
    let reasons =
        &document["components"]["schemas"]["RejectedEvent"]["properties"]["reason"]["enum"];
    for code in [
        "raw_youth_id",
        "email_address",
        "malformed_json",
        "out_of_scope",
    ] {
        assert!(reasons.as_array().unwrap().contains(&json!(code)), "{code}");
    }
    collector.stop();
}

#[test]
fn collect_into_kafka_answers_202_after_delivery_and_503_without_a_broker() {
    let broker = Broker::start();
    broker.create_topic("events", 3);
    let dir = tempfile::tempdir().unwrap();
    let tokens = dir.path().join("tokens.jsonl");
    let token = add_token(&tokens, "app-82", &["--department", "82"]);
    let lines = events(dir.path(), 120, 8);
    let kafka_args = |brokers: &str| -> Vec<String> {
        [
            "--kafka",
            brokers,
            "--topic",
            "events",
            "--tokens",
            tokens.to_str().unwrap(),
            "--now",
            NOW,
        ]
        .map(str::to_owned)
        .to_vec()
    };
    let args = kafka_args(&broker.address());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let collector = Collector::start(&args, &dir.path().join("kafka.log"));
    assert_eq!(
        get(&collector, "/health").json(),
        json!({"status": "ok", "sink": "kafka"})
    );
    let half = lines.len() / 2;
    for part in [&lines[..half], &lines[half..]] {
        let accepted = ndjson(&collector, &token, part);
        assert_eq!(accepted.status, 202, "{}", accepted.text);
        assert_eq!(accepted.json(), json!({"accepted": part.len()}));
    }
    // Acknowledged means in the topic: kcat reads every event back, keyed by its id.
    assert_eq!(broker.count("events"), lines.len());
    let read: HashSet<(String, String)> = broker
        .drain("events", "%k\t%s\n")
        .lines()
        .map(|l| {
            let (key, value) = l.split_once('\t').unwrap();
            (key.to_owned(), value.to_owned())
        })
        .collect();
    let sent: HashSet<(String, String)> = lines.iter().map(|l| (id(l), l.clone())).collect();
    assert_eq!(read, sent);
    assert_eq!(
        metric(&collector, "pdn_collect_events_accepted_total"),
        lines.len() as f64
    );
    collector.stop();

    // No broker: not healthy, and nothing is acknowledged.
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let nowhere = free.local_addr().unwrap().to_string();
    drop(free);
    let mut args = kafka_args(&nowhere);
    args.extend([
        "--kafka-set".to_owned(),
        "message.timeout.ms=1000".to_owned(),
    ]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let orphan = Collector::start(&args, &dir.path().join("orphan.log"));
    let health = get(&orphan, "/health");
    assert_eq!(health.status, 503, "{}", health.text);
    assert_eq!(health.json()["status"], "unavailable");
    let refused = ndjson(&orphan, &token, &lines[..3]);
    assert_eq!(refused.status, 503, "{}", refused.text);
    assert_eq!(refused.retry_after.as_deref(), Some("5"));
    assert_eq!(refused.json()["error"], "not_durable");
    orphan.stop();
}

/// What the clients of the acceptance test share with the test that kills the collector.
#[derive(Default)]
struct Live {
    /// The collector's address while it runs; `None` while it is down.
    address: Option<String>,
    /// Ids of every event that got a 202.
    acked: HashSet<String>,
}

/// The ids the lake holds (after rolling forward what a killed writer left half-done, as the next
/// writer would), and the number of event rows.
fn lake_ids(lake: &Path) -> (HashSet<String>, u64) {
    drop(pdn_ingest::Lake::open(lake).unwrap());
    let state = pdn_ingest::lake::read_state(lake).unwrap();
    let mut pairs = HashSet::new();
    let mut rows = 0;
    for file in state
        .files
        .values()
        .filter(|f| f.table.starts_with("events/"))
    {
        pdn_ingest::dedupe::read_id_pairs(&lake.join(&file.path), &file.partition, &mut pairs)
            .unwrap();
        rows += file.rows;
    }
    (pairs.into_iter().map(|(_, id)| id).collect(), rows)
}

/// The last version in the lake's commit log.
fn log_version(lake: &Path) -> u64 {
    std::fs::read_dir(lake.join("_pdn/log"))
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().into_string().ok()?;
            name.strip_suffix(".json")?.parse::<u64>().ok()
        })
        .max()
        .unwrap_or(0)
}

#[test]
fn collect_never_acknowledges_an_event_it_loses_under_kill_9() {
    const CLIENTS: usize = 4;
    const KILLS: usize = 6;
    let dir = tempfile::tempdir().unwrap();
    let (lake, tokens) = (dir.path().join("lake"), dir.path().join("tokens.jsonl"));
    let token = add_token(&tokens, "load", &["--department", "82"]);
    let lines = events(dir.path(), 3000, 9);
    let all: HashSet<String> = lines.iter().map(|l| id(l)).collect();
    // Batches of 1 to 40 events (a fixed pseudo-random sequence), dealt to the clients in turn.
    let mut seed: u64 = 0x5eed;
    let mut next = |bound: u64| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) % bound
    };
    let mut batches: Vec<Vec<Vec<&str>>> = vec![Vec::new(); CLIENTS];
    let (mut start, mut dealt) = (0, 0);
    while start < lines.len() {
        let end = (start + 1 + next(40) as usize).min(lines.len());
        batches[dealt % CLIENTS].push(lines[start..end].iter().map(String::as_str).collect());
        (start, dealt) = (end, dealt + 1);
    }
    // Kill once the acknowledged events pass each of these counts: in even rounds right after the
    // next commit reaches the log (before its files are renamed into place and its requests
    // answered: those events are committed, unacknowledged, re-sent and found duplicates), in odd
    // rounds after a random delay (the kill lands while events wait for a commit, or during one).
    let kills: Vec<(usize, Duration)> = (0..KILLS)
        .map(|k| {
            let threshold = (k * 2 + 1) * all.len() / (2 * KILLS + 2);
            (threshold, Duration::from_millis(next(80)))
        })
        .collect();
    let live = Arc::new((Mutex::new(Live::default()), Condvar::new()));
    let deadline = Instant::now() + Duration::from_secs(600);
    let wait = |live: &(Mutex<Live>, Condvar), until: &dyn Fn(&Live) -> bool| {
        let (lock, changed) = live;
        let mut state = lock.lock().unwrap();
        while !until(&state) {
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "the acceptance test did not finish in time"
            );
            state = changed.wait_timeout(state, left).unwrap().0;
        }
    };
    std::thread::scope(|s| {
        let clients: Vec<_> = batches
            .iter()
            .map(|mine| {
                let (live, token) = (live.clone(), token.as_str());
                s.spawn(move || {
                    let agent = agent();
                    for batch in mine {
                        let body = batch.join("\n");
                        loop {
                            wait(&live, &|l: &Live| l.address.is_some());
                            let address = live.0.lock().unwrap().address.clone();
                            let Some(address) = address else { continue };
                            let url = format!("http://{address}/v1/events");
                            // No answer: the collector died; send the same batch again.
                            let Ok(answer) = try_post(
                                &agent,
                                &url,
                                Some(token),
                                "application/x-ndjson",
                                body.as_bytes(),
                            ) else {
                                continue;
                            };
                            assert_eq!(answer.status, 202, "{}", answer.text);
                            assert_eq!(answer.json()["accepted"], batch.len());
                            let (lock, changed) = &*live;
                            lock.lock()
                                .unwrap()
                                .acked
                                .extend(batch.iter().map(|l| id(l)));
                            changed.notify_all();
                            break;
                        }
                    }
                })
            })
            .collect();

        for (round, &(threshold, delay)) in kills.iter().enumerate() {
            let collector = lake_collector(dir.path(), &lake, &tokens, &["--max-latency", "20ms"]);
            let (lock, changed) = &*live;
            lock.lock().unwrap().address = Some(collector.address.clone());
            changed.notify_all();
            wait(&live, &|l: &Live| l.acked.len() >= threshold);
            if round % 2 == 0 {
                let seen = log_version(&lake);
                while log_version(&lake) == seen {
                    assert!(Instant::now() < deadline, "no commit after version {seen}");
                    std::thread::yield_now();
                }
            } else {
                std::thread::sleep(delay);
            }
            lock.lock().unwrap().address = None;
            collector.kill();
            let acked = lock.lock().unwrap().acked.clone();
            let (stored, rows) = lake_ids(&lake);
            let lost: Vec<&String> = acked.difference(&stored).collect();
            assert!(
                lost.is_empty(),
                "kill {round}: {} acknowledged events are missing, e.g. {:?}",
                lost.len(),
                lost.first()
            );
            assert_eq!(
                rows,
                stored.len() as u64,
                "kill {round}: an event is stored twice"
            );
            assert!(stored.is_subset(&all));
        }
        let collector = lake_collector(dir.path(), &lake, &tokens, &["--max-latency", "20ms"]);
        let (lock, changed) = &*live;
        lock.lock().unwrap().address = Some(collector.address.clone());
        changed.notify_all();
        for client in clients {
            client.join().unwrap();
        }
        collector.stop();
    });

    let acked = live.0.lock().unwrap().acked.clone();
    assert_eq!(acked, all, "every batch ends with a 202");
    let (stored, rows) = lake_ids(&lake);
    assert_eq!(stored, all);
    assert_eq!(rows, all.len() as u64, "an event is stored twice");
    let status = lake_status(&lake);
    assert_eq!(status["events"], all.len());
    assert_eq!(status["distinct_event_ids_verified"], all.len());
}
