//! `pdn validate FILE`: checks an NDJSON file of events and reports every invalid one.

use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use chrono::{DateTime, Utc};
use pdn_schemas::{Reason, Validator};

/// Check an NDJSON file of events against the schemas.
///
/// Prints one line per invalid event (line number, event id when readable, reason code and what
/// was expected), then a summary by reason. Exits with 1 if any event is invalid. Blank lines are
/// ignored.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  pdn validate events.ndjson
  pdn generate --invalid-rate 0.05 | pdn validate -")]
pub struct Args {
    /// The NDJSON file to check (`-` for standard input).
    #[arg(env = "PDN_VALIDATE_FILE")]
    file: PathBuf,
    /// Validate as if it were this instant (RFC 3339), for the "in the future" rule.
    #[arg(long, env = "PDN_NOW")]
    now: Option<DateTime<Utc>>,
    /// Print only the summary, not one line per invalid event.
    #[arg(long, short, env = "PDN_QUIET")]
    quiet: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let validator = args.now.map(Validator::at).unwrap_or_default();
    let mut input = super::open_input(&args.file)?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut line = Vec::with_capacity(4096);
    let (mut number, mut total, mut valid) = (0u64, 0u64, 0u64);
    let mut by_reason: BTreeMap<Reason, u64> = BTreeMap::new();
    loop {
        line.clear();
        let read = input
            .read_until(b'\n', &mut line)
            .with_context(|| format!("cannot read {} after line {number}", args.file.display()))?;
        if read == 0 {
            break;
        }
        number += 1;
        let bytes = line.strip_suffix(b"\n").unwrap_or(&line);
        let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
        if bytes.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        total += 1;
        match validator.validate(bytes) {
            Ok(_) => valid += 1,
            Err(rejection) => {
                *by_reason.entry(rejection.reason).or_default() += 1;
                if !args.quiet {
                    let id = rejection.event_id.as_deref().unwrap_or("-");
                    writeln!(out, "line {number}: event {id}: {rejection}")?;
                }
            }
        }
    }
    let invalid = total - valid;
    writeln!(out, "{total} events: {valid} valid, {invalid} invalid")?;
    for (reason, n) in &by_reason {
        writeln!(
            out,
            "  {n:>9}  {:<28} {}",
            reason.code(),
            reason.description()
        )?;
    }
    out.flush()?;
    Ok(if invalid == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
