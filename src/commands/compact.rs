//! `pdn compact`: merges the small files of streaming ingest, then vacuums old removed files.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use pdn_ingest::maintenance::compact::{self, DEFAULT_TARGET_FILE_BYTES};
use pdn_ingest::Lake;

use super::ingest::{parse_duration, writer_name};

/// Merge each partition's small files into one file sorted by `occurred_at`, in one commit.
///
/// Streaming ingest commits one small file per family and month at every commit. Compaction
/// rewrites every partition holding at least two files under `--target-file-bytes` as one file,
/// atomically (readers see the old files or the new one, never both, never neither). Files a
/// rewrite removed stay on disk for readers of older versions, and are deleted (vacuum) once the
/// commit that removed them is older than `--retain-removed`. A run with nothing to merge commits
/// nothing. Safe to run while ingest runs.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  pdn compact --lake ./lake
  pdn compact --lake ./lake --retain-removed 10m --target-file-bytes 268435456")]
pub struct Args {
    /// The lake folder.
    #[arg(long, env = "PDN_LAKE", default_value = "lake")]
    lake: PathBuf,
    /// Files at least this large (bytes) are left as they are.
    #[arg(long, env = "PDN_TARGET_FILE_BYTES", default_value_t = DEFAULT_TARGET_FILE_BYTES)]
    target_file_bytes: u64,
    /// Keep files removed by a rewrite this long for readers of older versions (e.g. 1h, 10m,
    /// 0 to delete them at once).
    #[arg(long, env = "PDN_RETAIN_REMOVED", default_value = "1h", value_parser = parse_retention)]
    retain_removed: Duration,
}

/// Parses a grace period: what `--max-latency` accepts, plus hours (`1h`).
fn parse_retention(s: &str) -> Result<Duration, String> {
    match s.trim().strip_suffix('h') {
        Some(hours) => parse_duration(&format!("{hours}m")).map(|d| d * 60),
        None => parse_duration(s),
    }
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let mut lake = Lake::open(&args.lake)
        .with_context(|| format!("cannot open the lake {}", args.lake.display()))?;
    let report = compact::compact(
        &mut lake,
        &writer_name("compact"),
        args.target_file_bytes,
        args.retain_removed,
    )
    .context("compaction failed")?;
    match report.version {
        Some(version) => println!(
            "compacted {} partitions: {} files into {} ({} rows) at version {version}; {} removed files vacuumed",
            report.partitions, report.files_removed, report.files_added, report.rows, report.vacuumed
        ),
        None => println!(
            "nothing to compact; {} removed files vacuumed",
            report.vacuumed
        ),
    }
    Ok(ExitCode::SUCCESS)
}
