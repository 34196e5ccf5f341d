//! `pdn collect`: the HTTP collector apps send their events to (the server is
//! `pdn_ingest::collect`; this module parses flags, opens the destination and handles signals).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, Utc};
use pdn_ingest::collect::{self, Collector, Destination, KafkaTarget, Limits, Settings, Tokens};
use pdn_ingest::{Ingestor, Lake};

use super::ingest::{parse_duration, parse_setting, writer_name};

/// Receive events over HTTP: `POST /v1/events`, answered 202 once the events are durable.
///
/// Apps send one JSON event (Content-Type application/json) or an NDJSON batch
/// (application/x-ndjson) with `Authorization: Bearer <token>` (tokens come from `pdn tokens add`).
/// Each event is validated exactly as `pdn ingest` does; a request with any invalid event (400) or
/// any event outside the token's departments or structures (403) stores nothing, and the answer
/// lists every refused event with its reason. In lake mode the events are committed to the lake
/// (concurrent requests share one commit); in Kafka mode they are produced to the topic with
/// acks=all, and `pdn ingest --kafka` takes them into the lake.
///
/// Also serves GET /health, GET /metrics (Prometheus) and GET /openapi.json. Prints
/// `listening on ADDRESS` on standard output once ready. Ctrl-C or SIGTERM answers the requests in
/// flight, commits what is pending and stops.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  pdn tokens add pdn-mobile-82 --department 82 --tokens tokens.jsonl
  pdn collect --listen 127.0.0.1:8080 --lake ./lake --tokens tokens.jsonl
  pdn collect --listen 0.0.0.0:8080 --kafka localhost:9092 --topic pdn-events --tokens tokens.jsonl
  curl -H \"Authorization: Bearer $TOKEN\" -H 'Content-Type: application/x-ndjson' \\
       --data-binary @events.ndjson http://127.0.0.1:8080/v1/events
  pdn collect --openapi > docs/openapi.json")]
pub struct Args {
    /// Address to listen on (port 0: any free port; the address is printed).
    #[arg(long, env = "PDN_LISTEN", default_value = "127.0.0.1:8080")]
    listen: String,
    /// Lake mode: commit the events to this lake folder (created if missing).
    #[arg(long, env = "PDN_LAKE", conflicts_with = "kafka", required_unless_present_any = ["kafka", "openapi"])]
    lake: Option<PathBuf>,
    /// Kafka mode: bootstrap brokers (host:port,...) to produce the events to.
    #[arg(long, env = "PDN_KAFKA", requires = "topic")]
    kafka: Option<String>,
    /// Kafka topic of events.
    #[arg(long, env = "PDN_TOPIC")]
    topic: Option<String>,
    /// Extra librdkafka producer setting, e.g. `--kafka-set security.protocol=ssl` (repeatable).
    #[arg(long = "kafka-set", env = "PDN_KAFKA_SET", value_parser = parse_setting, value_delimiter = ';')]
    kafka_settings: Vec<(String, String)>,
    /// The tokens file (JSON lines of name, SHA-256 and scope; see `pdn tokens add`).
    #[arg(long, env = "PDN_TOKENS", required_unless_present = "openapi")]
    tokens: Option<PathBuf>,
    /// This collector's name: its events are the source `http:<name>` of the lake's offsets. Give
    /// each collector writing to the same lake its own name.
    #[arg(long, env = "PDN_COLLECTOR_NAME", default_value = "collector")]
    name: String,
    /// Largest request body, in bytes (413 beyond).
    #[arg(long, env = "PDN_MAX_BODY_BYTES", default_value_t = Limits::default().max_body_bytes)]
    max_body_bytes: usize,
    /// Most events in one request (413 beyond).
    #[arg(long, env = "PDN_MAX_REQUEST_EVENTS", default_value_t = Limits::default().max_request_events)]
    max_request_events: usize,
    /// Most events waiting to become durable, all requests together (429 beyond).
    #[arg(long, env = "PDN_MAX_PENDING_EVENTS", default_value_t = Limits::default().max_pending_events)]
    max_pending_events: usize,
    /// Lake mode: commit once this many events are pending.
    #[arg(long, env = "PDN_MAX_BATCH_EVENTS", default_value_t = 100_000)]
    max_batch_events: usize,
    /// Lake mode: commit once the oldest pending event has waited this long (e.g. 50ms, 1s).
    #[arg(long, env = "PDN_MAX_LATENCY", default_value = "200ms", value_parser = parse_duration)]
    max_latency: Duration,
    /// Lake mode: event ids kept in memory for deduplication (12 bytes each).
    #[arg(long, env = "PDN_DEDUPE_CACHE_IDS", default_value_t = pdn_ingest::dedupe::DEFAULT_CAPACITY_IDS)]
    dedupe_cache_ids: usize,
    /// Validate as if it were this instant (RFC 3339), for the "in the future" rule.
    #[arg(long, env = "PDN_NOW")]
    now: Option<DateTime<Utc>>,
    /// Print the OpenAPI document of the collector's HTTP interface and exit.
    #[arg(long, env = "PDN_OPENAPI")]
    openapi: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    if args.openapi {
        print!("{}", collect::openapi::render());
        return Ok(ExitCode::SUCCESS);
    }
    let tokens_path = args.tokens.as_ref().expect("clap requires --tokens");
    let tokens = Tokens::load(tokens_path)
        .with_context(|| format!("cannot use the tokens file {}", tokens_path.display()))?;
    let settings = Settings {
        tokens,
        limits: Limits {
            max_body_bytes: args.max_body_bytes,
            max_request_events: args.max_request_events,
            max_pending_events: args.max_pending_events,
        },
        now: args.now,
    };
    let destination = match (&args.lake, &args.kafka) {
        (Some(lake), _) => {
            let config = super::ingest::batch_config(
                args.max_batch_events,
                args.max_latency,
                args.dedupe_cache_ids,
            )?;
            let opened = Lake::open(lake)
                .with_context(|| format!("cannot open the lake {}", lake.display()))?;
            let validator = args.now.map(pdn_schemas::Validator::at).unwrap_or_default();
            let ingestor = Ingestor::new(opened, validator, config, writer_name("collect"));
            Destination::Lake {
                ingestor: Box::new(ingestor),
                name: args.name.clone(),
            }
        }
        (None, Some(brokers)) => Destination::Kafka(KafkaTarget {
            brokers: brokers.clone(),
            topic: args
                .topic
                .clone()
                .expect("clap requires --topic with --kafka"),
            settings: args.kafka_settings.clone(),
        }),
        (None, None) => unreachable!("clap requires --lake or --kafka"),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(serve(&args.listen, settings, destination))?;
    Ok(ExitCode::SUCCESS)
}

async fn serve(listen: &str, settings: Settings, destination: Destination) -> anyhow::Result<()> {
    // Installed before the address is printed: a signal sent from then on stops the collector
    // gracefully.
    let shutdown = super::shutdown_signal()?;
    let collector = Collector::new(settings, destination)?;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let address = listener
        .local_addr()
        .context("cannot read the bound address")?;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "listening on {address}")?;
    stdout.flush()?;
    drop(stdout);
    collect::run(listener, collector, shutdown)
        .await
        .context("the collector stopped")?;
    Ok(())
}
