//! `pdn forget`: erases a youth's events from the store (right to erasure).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use pdn_ingest::maintenance::forget::{erase, ErasureReport, Subjects};
use pdn_ingest::Lake;

use super::ingest::writer_name;

/// Erase a youth's events, in one commit, and keep them from coming back.
///
/// Every event naming the pseudonym (contacts, attendances, referrals, prevention concerns, and the
/// events that depend on them) is removed; in a collective accompaniment the youth is taken out of
/// the list and the event kept for the others. Dead letters holding the pseudonym are removed too.
/// The erased event ids are kept as tombstones, so an app re-sending them does not bring them back.
/// Replaced files are deleted at once: a query opened before may then fail on a missing file. The
/// audit trail (`_pdn/audit.jsonl`) records counts, never the pseudonym. Re-run it after a crash.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  pdn forget --lake ./lake --youth yp1_0123456789abcdef0123456789abcdef
  echo DOSSIER-4521 | pdn pseudonymize --key-file structure.key   # the pseudonym to forget")]
pub struct Args {
    /// The lake folder.
    #[arg(long, env = "PDN_LAKE", default_value = "lake")]
    lake: PathBuf,
    /// The youth's pseudonym (`yp1_` and 32 hex digits).
    #[arg(long, env = "PDN_YOUTH")]
    youth: String,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let subjects = Subjects::everywhere([args.youth])?;
    let mut lake = Lake::open(&args.lake)
        .with_context(|| format!("cannot open the lake {}", args.lake.display()))?;
    let report = erase(&mut lake, &writer_name("forget"), "forget", &subjects, true)
        .context("erasure failed")?;
    print_report(&report, true);
    drop(lake);
    forget_in_read_models(&args.lake)?;
    Ok(ExitCode::SUCCESS)
}

/// After an erasure: if the lake has read models, projects the erasure into them and deletes the
/// model files it replaced at once (a vacuum without grace period, as the erasure did for the
/// event files), so no file of the lake names the youth.
pub fn forget_in_read_models(lake: &std::path::Path) -> anyhow::Result<()> {
    let lag = pdn_projector::status::lag(lake)?;
    if lag.projected.is_none() {
        return Ok(());
    }
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    let report = runtime
        .block_on(pdn_projector::project(lake, false))
        .context("cannot project the erasure into the read models")?;
    let deleted = pdn_ingest::maintenance::compact::vacuum(
        lake,
        std::time::Duration::ZERO,
        chrono::Utc::now(),
    )
    .context("cannot delete the replaced model files")?;
    println!(
        "read models updated ({} partitions recomputed); {deleted} replaced model files deleted",
        report.partitions
    );
    Ok(())
}

/// Prints what an erasure did (or would do), counts only.
pub fn print_report(report: &ErasureReport, applied: bool) {
    let verb = if applied { "erased" } else { "would erase" };
    println!(
        "{verb} {} events of {} youths ({} rows edited, {} dead letters), {} files rewritten, {} dropped",
        report.events_removed(),
        report.youths,
        report.rows_edited,
        report.rows_removed.get("dead_letters").copied().unwrap_or(0),
        report.files_rewritten,
        report.files_dropped,
    );
    for (table, n) in &report.rows_removed {
        println!("  {n:>9}  {table}");
    }
    if applied {
        match report.version {
            Some(v) => println!(
                "committed version {v}; {} replaced files deleted",
                report.files_deleted
            ),
            None => println!(
                "nothing to erase; {} replaced files deleted",
                report.files_deleted
            ),
        }
    }
}
