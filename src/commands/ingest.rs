//! `pdn ingest`: events into the lake, exactly once, from an NDJSON file (embedded mode).

use std::io::BufReader;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use chrono::{DateTime, Utc};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use pdn_ingest::kafka::{ingest_kafka, KafkaSource};
use pdn_ingest::{ingest_ndjson, BatchConfig, Ingestor, Lake, RunReport};
use pdn_schemas::Validator;

/// Ingest events into the lake: validated, deduplicated by event id, committed atomically.
///
/// From an NDJSON file (embedded mode, no Kafka) or from a Kafka topic as a member of a consumer
/// group. Invalid events go to the lake's dead letters with their reason; nothing is dropped
/// silently. Re-running an interrupted ingest resumes after the last committed record.
/// Ctrl-C or SIGTERM commits what is pending and stops.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  pdn ingest --lake ./lake --from events.ndjson
  pdn generate | pdn ingest --lake ./lake --from -
  pdn ingest --lake ./lake --kafka localhost:9092 --topic pdn-events --group pdn-ingest
  pdn ingest --lake ./lake --kafka localhost:9092 --topic pdn-events --group pdn-ingest --until-idle")]
pub struct Args {
    /// The lake folder (created if missing).
    #[arg(long, env = "PDN_LAKE", default_value = "lake")]
    lake: PathBuf,
    /// NDJSON file of events to ingest (`-` for standard input).
    #[arg(
        long,
        env = "PDN_FROM",
        required_unless_present = "kafka",
        conflicts_with = "kafka"
    )]
    from: Option<PathBuf>,
    /// Kafka bootstrap brokers (host:port,...): consume instead of reading a file.
    #[arg(long, env = "PDN_KAFKA", requires_all = ["topic", "group"])]
    kafka: Option<String>,
    /// Kafka topic of events.
    #[arg(long, env = "PDN_TOPIC")]
    topic: Option<String>,
    /// Kafka consumer group; the group's members share the topic's partitions.
    #[arg(long, env = "PDN_GROUP")]
    group: Option<String>,
    /// Stop once the assigned partitions are drained (batch runs, tests).
    #[arg(long, env = "PDN_UNTIL_IDLE")]
    until_idle: bool,
    /// Extra librdkafka setting, e.g. `--kafka-set security.protocol=ssl` (repeatable).
    #[arg(long = "kafka-set", env = "PDN_KAFKA_SET", value_parser = parse_setting, value_delimiter = ';')]
    kafka_settings: Vec<(String, String)>,
    #[command(flatten)]
    batch: BatchArgs,
}

/// How batches are cut; shared by every source.
#[derive(Debug, clap::Args)]
pub struct BatchArgs {
    /// Commit once this many records are pending.
    #[arg(long, env = "PDN_MAX_BATCH_EVENTS", default_value_t = 100_000)]
    max_batch_events: usize,
    /// Commit once the oldest pending record has waited this long (e.g. 500ms, 2s, 1m).
    #[arg(long, env = "PDN_MAX_LATENCY", default_value = "2s", value_parser = parse_duration)]
    max_latency: Duration,
    /// Event ids kept in memory for deduplication (12 bytes each).
    #[arg(long, env = "PDN_DEDUPE_CACHE_IDS", default_value_t = pdn_ingest::dedupe::DEFAULT_CAPACITY_IDS)]
    dedupe_cache_ids: usize,
    /// Validate as if it were this instant (RFC 3339), for the "in the future" rule.
    #[arg(long, env = "PDN_NOW")]
    now: Option<DateTime<Utc>>,
}

impl BatchArgs {
    /// The validator and batch configuration these flags describe.
    pub fn resolve(&self) -> anyhow::Result<(Validator, BatchConfig)> {
        let config = batch_config(
            self.max_batch_events,
            self.max_latency,
            self.dedupe_cache_ids,
        )?;
        Ok((self.now.map(Validator::at).unwrap_or_default(), config))
    }
}

/// The batch configuration of `--max-batch-events`, `--max-latency` and `--dedupe-cache-ids`.
pub fn batch_config(
    max_batch_events: usize,
    max_latency: Duration,
    dedupe_capacity: usize,
) -> anyhow::Result<BatchConfig> {
    if max_batch_events == 0 {
        bail!("--max-batch-events must be at least 1");
    }
    Ok(BatchConfig {
        max_batch_events,
        max_latency,
        dedupe_capacity,
        ..BatchConfig::default()
    })
}

/// Parses `500ms`, `2s`, `1m` or a bare number of seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let (number, unit) = s.trim().split_at(
        s.trim()
            .find(|c: char| c.is_alphabetic())
            .unwrap_or(s.trim().len()),
    );
    let n: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("not a duration: {s:?} (e.g. 500ms, 2s, 1m)"))?;
    let seconds = match unit {
        "ms" => n / 1000.0,
        "" | "s" => n,
        "m" | "min" => n * 60.0,
        _ => return Err(format!("unknown unit {unit:?} in {s:?} (ms, s or m)")),
    };
    if !(0.0..=86_400.0).contains(&seconds) {
        return Err(format!("{s:?} is out of range (0 to 24 hours)"));
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// Parses a `key=value` librdkafka setting.
pub fn parse_setting(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .ok_or_else(|| format!("expected key=value, got {s:?}"))
}

/// The name a process signs its commits with.
pub fn writer_name(command: &str) -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    format!(
        "pdn {command} (pid {} on {})",
        std::process::id(),
        host.trim()
    )
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let (validator, config) = args.batch.resolve()?;
    let lake = Lake::open(&args.lake)
        .with_context(|| format!("cannot open the lake {}", args.lake.display()))?;
    let mut ingestor = Ingestor::new(lake, validator, config, writer_name("ingest"));
    let start = Instant::now();
    let report = match (&args.from, &args.kafka) {
        (Some(from), _) => {
            super::bound_heap();
            ingest_file(&mut ingestor, from)?
        }
        (None, Some(brokers)) => {
            let source = KafkaSource {
                brokers: brokers.clone(),
                topic: args
                    .topic
                    .clone()
                    .expect("clap requires --topic with --kafka"),
                group: args
                    .group
                    .clone()
                    .expect("clap requires --group with --kafka"),
                until_idle: args.until_idle,
                settings: args.kafka_settings.clone(),
            };
            let stop = Arc::new(AtomicBool::new(false));
            let flag = stop.clone();
            ctrlc::set_handler(move || flag.store(true, Ordering::Relaxed))
                .context("cannot install the signal handler")?;
            tracing::info!(brokers = %source.brokers, topic = %source.topic, group = %source.group, "consuming");
            ingest_kafka(&mut ingestor, &source, &stop, &mut |r| {
                tracing::info!(
                    records = r.records,
                    written = r.written,
                    dead_letters = r.dead_letters,
                    duplicates = r.duplicates,
                    commits = r.commits,
                    "committed"
                );
            })
            .with_context(|| format!("ingest from Kafka topic {} stopped", source.topic))?
        }
        (None, None) => unreachable!("clap requires --from or --kafka"),
    };
    let seconds = start.elapsed().as_secs_f64();
    eprintln!(
        "{} records: {} events written, {} dead letters, {} duplicates, {} already in the lake; {} commits in {:.1} s ({:.0} records/s)",
        report.records,
        report.written,
        report.dead_letters,
        report.duplicates,
        report.already_committed,
        report.commits,
        seconds,
        report.records as f64 / seconds.max(1e-9),
    );
    if report.dead_letters > 0 {
        eprintln!(
            "see the rejected records with: pdn dlq list --lake {}",
            args.lake.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn ingest_file(ingestor: &mut Ingestor, from: &std::path::Path) -> anyhow::Result<RunReport> {
    let bar = indicatif::ProgressBar::hidden();
    let (reader, source): (Box<dyn std::io::BufRead>, String) = if from.as_os_str() == "-" {
        (super::open_input(from)?, "stdin".to_owned())
    } else {
        let path = from
            .canonicalize()
            .with_context(|| format!("cannot open {}", from.display()))?;
        let file = std::fs::File::open(&path)
            .with_context(|| format!("cannot open {}", path.display()))?;
        bar.set_length(file.metadata().map(|m| m.len()).unwrap_or(0));
        bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:40} {bytes}/{total_bytes} ({binary_bytes_per_sec}, eta {eta})",
            )
            .expect("valid progress template"),
        );
        (
            Box::new(BufReader::with_capacity(1 << 20, bar.wrap_read(file))),
            format!("file:{}", path.display()),
        )
    };
    let report = ingest_ndjson(ingestor, reader, &source, &mut |_| {})
        .with_context(|| format!("ingest of {} stopped", from.display()))?;
    bar.finish_and_clear();
    Ok(report)
}
