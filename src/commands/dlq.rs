//! `pdn dlq`: the dead letters — list them, redrive them after a fix.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use pdn_ingest::{Ingestor, Lake};

/// Inspect and redrive the dead letters (records rejected at ingest).
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  pdn dlq list --lake ./lake
  pdn dlq list --lake ./lake --reason raw_youth_id --format json
  pdn dlq redrive --lake ./lake")]
pub struct Args {
    #[command(subcommand)]
    action: Action,
}

#[derive(Debug, clap::Subcommand)]
enum Action {
    /// List dead letters: where each came from, why it was rejected.
    List(ListArgs),
    /// Re-validate dead letters and ingest those now valid, exactly once.
    Redrive(RedriveArgs),
}

#[derive(Debug, clap::Args)]
struct ListArgs {
    /// The lake folder.
    #[arg(long, env = "PDN_LAKE", default_value = "lake")]
    lake: PathBuf,
    /// Only dead letters with this reason code.
    #[arg(long, env = "PDN_REASON")]
    reason: Option<String>,
    /// At most this many lines.
    #[arg(long, env = "PDN_LIMIT", default_value_t = 100)]
    limit: usize,
    /// Output format.
    #[arg(long, env = "PDN_FORMAT", value_parser = ["text", "json"], default_value = "text")]
    format: String,
}

#[derive(Debug, clap::Args)]
struct RedriveArgs {
    /// The lake folder.
    #[arg(long, env = "PDN_LAKE", default_value = "lake")]
    lake: PathBuf,
    #[command(flatten)]
    batch: super::ingest::BatchArgs,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.action {
        Action::List(list) => run_list(list),
        Action::Redrive(redrive) => run_redrive(redrive),
    }
}

fn run_list(args: ListArgs) -> anyhow::Result<ExitCode> {
    let state = pdn_ingest::lake::read_state(&args.lake)
        .with_context(|| format!("cannot read the lake {}", args.lake.display()))?;
    let (mut shown, mut matching) = (0usize, 0u64);
    pdn_ingest::dlq::for_each(&args.lake, &state, |letter| {
        if args.reason.as_ref().is_some_and(|r| *r != letter.reason) {
            return Ok(());
        }
        matching += 1;
        if shown < args.limit {
            shown += 1;
            if args.format == "json" {
                println!(
                    "{}",
                    serde_json::to_string(&letter).expect("dead letters serialise")
                );
            } else {
                let o = &letter.origin;
                let redriven = if letter.redriven { " [redriven]" } else { "" };
                println!(
                    "{} {}#{}@{} event {}: {}: at {}: expected {}, found {}{redriven}",
                    letter.received_at.format("%Y-%m-%d %H:%M:%S"),
                    o.source,
                    o.partition,
                    o.offset,
                    letter.event_id.as_deref().unwrap_or("-"),
                    letter.reason,
                    if letter.path.is_empty() {
                        "(event)"
                    } else {
                        &letter.path
                    },
                    letter.expected,
                    letter.found,
                );
            }
        }
        Ok(())
    })?;
    if args.format == "text" {
        println!(
            "{matching} dead letters{}",
            if matching > shown as u64 {
                format!(", {shown} shown (--limit)")
            } else {
                String::new()
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn run_redrive(args: RedriveArgs) -> anyhow::Result<ExitCode> {
    let (validator, config) = args.batch.resolve()?;
    let lake = Lake::open(&args.lake)
        .with_context(|| format!("cannot open the lake {}", args.lake.display()))?;
    let mut ingestor = Ingestor::new(
        lake,
        validator,
        config,
        super::ingest::writer_name("dlq redrive"),
    );
    let report = pdn_ingest::dlq::redrive(&mut ingestor)?;
    println!(
        "{} dead letters re-validated: {} now written, {} already in the store, {} still invalid",
        report.considered, report.written, report.duplicates, report.still_invalid
    );
    Ok(ExitCode::SUCCESS)
}
