//! `pdn indicators`: the evaluation indicators of the national project, for a year and a
//! department (or all), with the previous year and the change, small cells suppressed.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use pdn_analytics::indicators::{self, render, Params};

/// Compute the evaluation indicators (DOMAIN §4: network, social link, digital life, trust,
/// attendance, initiatives, collaboration, prevention) from the read models, for a year with the
/// year before and the change. Cells built from fewer than 11 young people are shown "< 11", with
/// secondary suppression so totals cannot reveal them. Without `--year`, lists the catalogue.
/// Run `pdn project` first: indicators read the read models as of their last projection.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  pdn indicators                                       # the catalogue
  pdn indicators --format csv > catalogue.csv          # with the definitions
  pdn indicators --lake ./lake --year 2025 --department 82
  pdn indicators --lake ./lake --year 2025 --format json > indicateurs-2025.json
  pdn indicators --lake ./lake --year 2025 --only confiance_retention_30j,lien_jeunes_distincts")]
pub struct Args {
    /// The lake folder.
    #[arg(long, env = "PDN_LAKE", default_value = "lake")]
    lake: PathBuf,
    /// The calendar year (local time of the events) to compute; the year before is computed too.
    #[arg(long, env = "PDN_YEAR")]
    year: Option<i32>,
    /// A department code (e.g. 82, 2A, 974); all departments when absent.
    #[arg(long, env = "PDN_DEPARTMENT")]
    department: Option<String>,
    /// Only these indicators (ids, comma-separated).
    #[arg(long, env = "PDN_INDICATORS", value_delimiter = ',')]
    only: Vec<String>,
    /// Output format.
    #[arg(long, env = "PDN_FORMAT", value_parser = ["table", "csv", "json"], default_value = "table")]
    format: String,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let format = match args.format.as_str() {
        "csv" => render::Format::Csv,
        "json" => render::Format::Json,
        _ => render::Format::Table,
    };
    let mut catalogue = indicators::catalogue()?;
    if !args.only.is_empty() {
        if let Some(unknown) = args
            .only
            .iter()
            .find(|id| !catalogue.iter().any(|i| i.id == id.as_str()))
        {
            bail!("no indicator {unknown} (pdn indicators lists them)");
        }
        catalogue.retain(|i| args.only.iter().any(|id| id == i.id));
    }
    let mut out = super::create_output(None)?;
    let Some(year) = args.year else {
        render::write_catalogue(&catalogue, format, &mut out)?;
        out.flush()?;
        return Ok(ExitCode::SUCCESS);
    };
    if let Some(department) = &args.department {
        if !pdn_schemas::ids::is_department(department) {
            bail!("{department} is not a French department code (e.g. 82, 2A, 974)");
        }
    }
    let params = Params {
        year,
        department: args.department.clone(),
    };
    let bar = indicatif::ProgressBar::new(catalogue.len() as u64).with_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} indicateurs ({msg})")
            .expect("valid progress template"),
    );
    let runtime = tokio::runtime::Runtime::new().context("cannot start the query runtime")?;
    let lines = runtime.block_on(async {
        let (ctx, _version) = indicators::session(&args.lake)
            .await
            .with_context(|| format!("cannot open the lake {}", args.lake.display()))?;
        anyhow::Ok(
            indicators::table(&ctx, &catalogue, &params, |done| {
                bar.set_message(done.id);
                bar.inc(1);
            })
            .await?,
        )
    })?;
    bar.finish_and_clear();
    render::write(&catalogue, &lines, &params, format, &mut out)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
