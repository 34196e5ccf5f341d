//! `pdn demo`: the main job on the embedded default, with no Kafka: two consecutive years of a
//! department are generated, ingested into a lake through the same path as production, projected
//! into the read models, and the yearly report of the second year is written.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Context};
use pdn_analytics::report::{Lang, Options, Source};
use pdn_generator::{Config, Scale};
use pdn_ingest::{ingest_ndjson, BatchConfig, Ingestor, Lake};
use pdn_schemas::Validator;

/// Run the whole pipeline on a generated department (two consecutive years), without Kafka:
/// generate, ingest, project, and write the yearly impact report (HTML and JSON).
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  pdn demo
  pdn demo --dir /tmp/pdn-demo --department 33")]
pub struct Args {
    /// Working folder for the demo's files (created if missing).
    #[arg(long, env = "PDN_DEMO_DIR", default_value = "pdn-demo")]
    dir: PathBuf,
    /// Department (INSEE code) to simulate.
    #[arg(long, env = "PDN_DEPARTMENT", default_value = "82")]
    department: String,
    /// The second of the two years (the report's year).
    #[arg(long, env = "PDN_YEAR", default_value_t = 2025)]
    year: i32,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let start = Instant::now();
    std::fs::create_dir_all(&args.dir)
        .with_context(|| format!("cannot create {}", args.dir.display()))?;
    let events_path = args.dir.join("events.ndjson");
    let config = Config {
        department: args.department.clone(),
        years: args.year - 1..=args.year,
        scale: Scale::Small,
        ..Config::default()
    };
    let mut buffer = Vec::new();
    let truth = pdn_generator::generate(&config, &mut buffer, &mut |_| {})?;
    std::fs::write(&events_path, &buffer)
        .with_context(|| format!("cannot write {}", events_path.display()))?;
    let truth_path = args.dir.join("truth.json");
    std::fs::write(&truth_path, serde_json::to_string_pretty(&truth)? + "\n")?;
    eprintln!(
        "1/4 generated {} events for department {} ({}-{}) in {}",
        truth.lines.total,
        args.department,
        args.year - 1,
        args.year,
        events_path.display()
    );

    let lake_path = args.dir.join("lake");
    let lake = Lake::open(&lake_path)
        .with_context(|| format!("cannot open the lake {}", lake_path.display()))?;
    let writer = super::ingest::writer_name("demo");
    let mut ingestor = Ingestor::new(lake, Validator::default(), BatchConfig::default(), writer);
    let source = format!("file:{}", events_path.canonicalize()?.display());
    let report = ingest_ndjson(&mut ingestor, buffer.as_slice(), &source, &mut |_| {})?;
    if report.dead_letters > 0 {
        bail!(
            "{} generated events were rejected: see `pdn dlq list --lake {}`",
            report.dead_letters,
            lake_path.display()
        );
    }
    let stored = ingestor.lake().state().events;
    eprintln!(
        "2/4 ingested into {}: {stored} events in the store ({} written now, {} already there)",
        lake_path.display(),
        report.written,
        report.already_committed,
    );
    drop(ingestor);
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    let projected = runtime
        .block_on(pdn_projector::project(&lake_path, false))
        .with_context(|| format!("cannot project the lake {}", lake_path.display()))?;
    eprintln!(
        "3/4 projected the read models: {} partitions, {} rows",
        projected.partitions, projected.rows
    );
    let options = Options {
        year: args.year,
        department: Some(args.department.clone()),
        lang: Lang::Fr,
    };
    let mut source = runtime
        .block_on(Source::open(&lake_path))
        .with_context(|| format!("cannot open the lake {}", lake_path.display()))?;
    let report = super::report::build(&runtime, &mut source, &options, 0, "")?;
    let report_path = args.dir.join(super::report::file_stem(&options) + ".html");
    super::report::write_html(&report, &report_path)?;
    let json_path = report_path.with_extension("json");
    super::report::write_json(&report, &json_path)?;
    eprintln!(
        "4/4 wrote the {} report: {} figures, {} cells hidden (fewer than 11 young people)",
        args.year,
        report
            .axes
            .iter()
            .flat_map(|a| &a.indicateurs)
            .map(|i| i.lignes.len())
            .sum::<usize>(),
        report.cellules_masquees.len()
    );
    println!("report: {}", report_path.display());
    println!("report figures (JSON): {}", json_path.display());
    println!("events: {}", events_path.display());
    println!("ground truth: {}", truth_path.display());
    println!(
        "lake: {} (see `pdn status --lake {}`)",
        lake_path.display(),
        lake_path.display()
    );
    println!("done in {:.1} s", start.elapsed().as_secs_f64());
    Ok(ExitCode::SUCCESS)
}
