//! `pdn generate`: writes a realistic synthetic department-year (or national years) as NDJSON.

use std::ops::RangeInclusive;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context};
use pdn_generator::{Config, Scale};

/// Generate realistic synthetic events, deterministic by seed, with their ground truth.
///
/// The same seed and options always give byte-identical output. Consecutive years keep the same
/// professionals, structures and young people. `--truth` writes the figures the generator planted
/// and the exact values indicators must find on this data.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  pdn generate --out events.ndjson --truth truth.json
  pdn generate --department 33 --years 2024-2025 --scale medium --out gironde.ndjson
  pdn generate --events 10000000 --out national.ndjson
  pdn generate --invalid-rate 0.05 --duplicate-rate 0.05 | pdn validate -")]
pub struct Args {
    /// Seed of the pseudo-random generator.
    #[arg(long, env = "PDN_SEED", default_value_t = 1)]
    seed: u64,
    /// Department (INSEE code); the first one when the volume needs several.
    #[arg(long, env = "PDN_DEPARTMENT", default_value = "82")]
    department: String,
    /// One year.
    #[arg(long, env = "PDN_YEAR", conflicts_with = "years")]
    year: Option<i32>,
    /// Consecutive years, e.g. 2024-2025 (default: 2025).
    #[arg(long, env = "PDN_YEARS", value_parser = parse_years)]
    years: Option<RangeInclusive<i32>>,
    /// Size: small (one department, ~50k events a year), medium (~150k), national (~5M).
    #[arg(long, env = "PDN_SCALE", default_value = "small")]
    scale: Scale,
    /// Target number of valid events over all years (overrides --scale).
    #[arg(long, env = "PDN_EVENTS")]
    events: Option<u64>,
    /// Share of extra invalid lines, each with a known reason (for dead-letter tests).
    #[arg(long, env = "PDN_INVALID_RATE", default_value_t = 0.0)]
    invalid_rate: f64,
    /// Share of exact re-sends of earlier lines (producer retries, for deduplication tests).
    #[arg(long, env = "PDN_DUPLICATE_RATE", default_value_t = 0.0)]
    duplicate_rate: f64,
    /// Output NDJSON file (default: standard output).
    #[arg(long, short, env = "PDN_OUT")]
    out: Option<PathBuf>,
    /// Write the ground truth (JSON) to this file.
    #[arg(long, env = "PDN_TRUTH")]
    truth: Option<PathBuf>,
}

fn parse_years(s: &str) -> Result<RangeInclusive<i32>, String> {
    let (a, b) = s.split_once('-').unwrap_or((s, s));
    let parse = |y: &str| {
        y.trim()
            .parse::<i32>()
            .map_err(|_| format!("not a year: {y:?} (expected e.g. 2024-2025)"))
    };
    let (a, b) = (parse(a)?, parse(b)?);
    if a > b || !(2012..=2100).contains(&a) || b > 2100 {
        return Err(format!(
            "{s}: expected FIRST-LAST with 2012 <= FIRST <= LAST"
        ));
    }
    Ok(a..=b)
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    for (name, rate) in [
        ("--invalid-rate", args.invalid_rate),
        ("--duplicate-rate", args.duplicate_rate),
    ] {
        if !(0.0..=0.5).contains(&rate) {
            bail!("{name} must be between 0 and 0.5, got {rate}");
        }
    }
    if !pdn_schemas::ids::is_department(&args.department) {
        bail!(
            "--department {:?} is not an INSEE department code (e.g. 82, 2A, 974)",
            args.department
        );
    }
    let years = match (args.year, args.years) {
        (Some(y), _) => y..=y,
        (None, Some(r)) => r,
        (None, None) => 2025..=2025,
    };
    let config = Config {
        seed: args.seed,
        department: args.department,
        years,
        scale: args.scale,
        events: args.events,
        invalid_rate: args.invalid_rate,
        duplicate_rate: args.duplicate_rate,
    };
    let mut out = super::create_output(args.out.as_deref())?;
    let bar = indicatif::ProgressBar::new_spinner().with_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} {human_pos} lines written ({per_sec}, {elapsed})",
        )
        .expect("valid progress template"),
    );
    if args.out.is_none() {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    bar.enable_steady_tick(Duration::from_millis(200));
    let truth = pdn_generator::generate(&config, &mut out, &mut |n| bar.set_position(n))
        .context("generation failed")?;
    out.flush().context("cannot write the events")?;
    bar.finish_and_clear();
    if let Some(path) = &args.truth {
        let text = serde_json::to_string_pretty(&truth)? + "\n";
        std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    if let Some(path) = &args.out {
        eprintln!("wrote {} lines to {}", truth.lines.total, path.display());
    }
    Ok(ExitCode::SUCCESS)
}
