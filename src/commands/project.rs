//! `pdn project`: bring the read models up to date with the event store.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use pdn_projector::Report;

/// Apply the events committed since the last run to the read models (Parquet tables under
/// `models/` in the lake, committed through the lake's log with the projector's position), and
/// exit; `--follow` keeps doing so as batches are committed; `--rebuild` recomputes every model
/// from the whole log (same result, byte for byte).
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  pdn project --lake ./lake
  pdn project --lake ./lake --follow --poll-ms 500
  pdn project --lake ./lake --rebuild
  pdn project --list")]
pub struct Args {
    /// The lake folder.
    #[arg(long, env = "PDN_LAKE", default_value = "lake")]
    lake: PathBuf,
    /// Recompute every model from the whole log instead of the new versions only.
    #[arg(long, env = "PDN_REBUILD", conflicts_with = "follow")]
    rebuild: bool,
    /// Keep running: project again each time the log moves (stops on SIGINT or SIGTERM).
    #[arg(long, env = "PDN_FOLLOW")]
    follow: bool,
    /// With --follow: how often to look at the log, in milliseconds.
    #[arg(long, env = "PDN_POLL_MS", default_value_t = 1000)]
    poll_ms: u64,
    /// List the read models and what each holds, then exit.
    #[arg(long, env = "PDN_LIST")]
    list: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    if args.list {
        for model in pdn_projector::models::MODELS {
            println!("{:<28} {}", model.name, model.summary());
        }
        return Ok(ExitCode::SUCCESS);
    }
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    let lake = args.lake.clone();
    runtime.block_on(async move {
        if args.follow {
            let shutdown = super::shutdown_signal()?;
            pdn_projector::follow(&lake, Duration::from_millis(args.poll_ms), shutdown, print)
                .await
                .with_context(|| format!("cannot project the lake {}", lake.display()))?;
        } else {
            let report = pdn_projector::project(&lake, args.rebuild)
                .await
                .with_context(|| format!("cannot project the lake {}", lake.display()))?;
            print(&report);
        }
        anyhow::Ok(ExitCode::SUCCESS)
    })
}

fn print(report: &Report) {
    let applied = match report.versions {
        Some((first, last)) => format!("versions {first}..{last}"),
        None => "no new version".to_owned(),
    };
    match report.committed {
        Some(version) => println!(
            "{}: {applied}, {} model partitions recomputed ({} by key), {} rows, {} amendments \
             applied ({} ignored); committed as version {version}",
            if report.rebuilt {
                "rebuilt"
            } else {
                "projected"
            },
            report.partitions,
            report.keyed,
            report.rows,
            report.amended,
            report.ignored_amendments,
        ),
        None => println!("read models up to date ({applied})"),
    }
}
