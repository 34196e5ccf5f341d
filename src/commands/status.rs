//! `pdn status`: what the lake holds.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

/// Show what the lake holds: events per table, dead letters by reason, the last commit, the
/// source offsets it reached, and how far the read models (`pdn project`) are behind.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  pdn status --lake ./lake
  pdn status --lake ./lake --format json --verify")]
pub struct Args {
    /// The lake folder.
    #[arg(long, env = "PDN_LAKE", default_value = "lake")]
    lake: PathBuf,
    /// Output format.
    #[arg(long, env = "PDN_FORMAT", value_parser = ["text", "json"], default_value = "text")]
    format: String,
    /// Also check every committed file (size, checksum, every page decoded, rows) and count the
    /// distinct event ids; exits with 1 if a file is missing or damaged or the ids do not match.
    #[arg(long, env = "PDN_VERIFY")]
    verify: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let status = pdn_ingest::status::lake_status(&args.lake, args.verify)
        .with_context(|| format!("cannot read the lake {}", args.lake.display()))?;
    let lag = pdn_projector::status::lag(&args.lake)
        .with_context(|| format!("cannot read the lake {}", args.lake.display()))?;
    let sound = status.damaged_files.is_empty()
        && status
            .distinct_event_ids_verified
            .is_none_or(|n| n == status.events);
    let code = if sound {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    };
    if args.format == "json" {
        let mut json = serde_json::to_value(&status)?;
        json["projector"] = serde_json::to_value(lag)?;
        println!("{}", serde_json::to_string_pretty(&json)?);
        return Ok(code);
    }
    println!("lake {} at version {}", args.lake.display(), status.version);
    match status.last_commit {
        Some(t) => println!("last commit: {}", t.to_rfc3339()),
        None => println!("last commit: none (empty lake)"),
    }
    println!(
        "{:<28} {:>12} {:>7} {:>12}",
        "table", "rows", "files", "bytes"
    );
    for (name, t) in &status.tables {
        println!("{name:<28} {:>12} {:>7} {:>12}", t.rows, t.files, t.bytes);
    }
    println!("events: {} (one per event id)", status.events);
    if let Some(n) = status.distinct_event_ids_verified {
        let verdict = if n == status.events {
            "matches"
        } else {
            "DOES NOT MATCH"
        };
        println!("distinct event ids read from the files: {n} ({verdict} the log)");
        println!("damaged or missing files: {}", status.damaged_files.len());
        for file in &status.damaged_files {
            println!("  {}: {}", file.path, file.reason);
        }
    }
    println!("duplicates dropped: {}", status.duplicates_dropped);
    let dead: u64 = status.dead_letters_by_reason.values().sum();
    println!("dead letters: {dead}");
    for (reason, n) in &status.dead_letters_by_reason {
        println!("  {n:>9}  {reason}");
    }
    for (source, partitions) in &status.offsets {
        let list: Vec<String> = partitions.iter().map(|(p, o)| format!("{p}:{o}")).collect();
        println!("offsets {source}: {}", list.join(" "));
    }
    match lag.projected {
        Some(v) => println!(
            "read models: at version {v}, {} commits behind (pdn project)",
            lag.commits_behind
        ),
        None => println!("read models: never projected (pdn project)"),
    }
    Ok(code)
}
