//! `pdn retention`: erases the youths whose last contact is over two years old.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use chrono::{DateTime, Utc};
use pdn_ingest::maintenance::{forget::erase, retention};
use pdn_ingest::Lake;

use super::forget::print_report;
use super::ingest::writer_name;

/// Apply the retention rule: a youth's events are kept at most two years after their last contact.
///
/// A youth's last contact is the latest contact event for that pseudonym in a department. Without
/// `--apply`, prints how many youths and events are due (never whom); with `--apply`, erases them
/// all in one commit, exactly as `pdn forget` does, with an audit record.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  pdn retention --lake ./lake
  pdn retention --lake ./lake --apply
  pdn retention --lake ./lake --now 2027-01-01T00:00:00Z")]
pub struct Args {
    /// The lake folder.
    #[arg(long, env = "PDN_LAKE", default_value = "lake")]
    lake: PathBuf,
    /// Erase (otherwise only count what is due).
    #[arg(long, env = "PDN_APPLY")]
    apply: bool,
    /// Apply the rule as of this instant (RFC 3339; default: now).
    #[arg(long, env = "PDN_NOW")]
    now: Option<DateTime<Utc>>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let mut lake = Lake::open(&args.lake)
        .with_context(|| format!("cannot open the lake {}", args.lake.display()))?;
    let now = args.now.unwrap_or_else(Utc::now);
    let due = retention::due(lake.root(), lake.state(), now)
        .context("cannot find the youths due for erasure")?;
    let report = erase(
        &mut lake,
        &writer_name("retention"),
        "retention",
        &due,
        args.apply,
    )
    .context("erasure failed")?;
    print_report(&report, args.apply);
    if args.apply && report.version.is_some() {
        drop(lake);
        super::forget::forget_in_read_models(&args.lake)?;
    }
    Ok(ExitCode::SUCCESS)
}
