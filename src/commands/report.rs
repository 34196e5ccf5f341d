//! `pdn report`: the yearly impact report (the report itself is `pdn_analytics::report`; this
//! module parses flags, names the files, shows progress and prints to PDF through a browser).

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

use anyhow::{bail, Context};
use pdn_analytics::report::{self, Lang, Options, Source};

/// Write the yearly impact report for funders: one self-contained HTML file (opens offline,
/// prints to PDF from a browser) with the key figures, a section per axis of the national project
/// with charts and their reading, the figures of the year before (and the national ones for a
/// department), and a methods annex (definitions, data coverage, hidden cells). Every cell built
/// from fewer than 11 young people is hidden, in the HTML, the JSON and the CSV alike.
/// Without --department, the national report, which compares departments. With
/// --all-departments, every department's report and the national one (the yearly job).
/// Run `pdn project` first: the report reads the read models as of their last projection.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  pdn report --lake ./lake --year 2025 --department 82 --out rapport-82-2025.html
  pdn report --lake ./lake --year 2025 --department 82 --json rapport-82-2025.json --csv-dir tables-82
  pdn report --lake ./lake --year 2025 --lang en --out impact-report-2025.html
  pdn report --lake ./lake --year 2025 --department 82 --pdf rapport-82-2025.pdf
  pdn report --lake ./lake --year 2025 --all-departments --out-dir rapports-2025")]
pub struct Args {
    /// The lake folder.
    #[arg(long, env = "PDN_LAKE", default_value = "lake")]
    lake: PathBuf,
    /// The report's calendar year (local time of the events); the year before is shown beside it.
    #[arg(long, env = "PDN_YEAR")]
    year: i32,
    /// A department code (e.g. 82, 2A, 974); the national report when absent.
    #[arg(long, env = "PDN_DEPARTMENT", conflicts_with = "all_departments")]
    department: Option<String>,
    /// The HTML file to write [default: rapport-<department|national>-<year>.html].
    #[arg(long, env = "PDN_REPORT_OUT", conflicts_with = "all_departments")]
    out: Option<PathBuf>,
    /// Also write every figure of the report as JSON to this file.
    #[arg(long, env = "PDN_REPORT_JSON", conflicts_with = "all_departments")]
    json: Option<PathBuf>,
    /// Also write the report's tables as CSV files into this folder.
    #[arg(long, env = "PDN_REPORT_CSV_DIR", conflicts_with = "all_departments")]
    csv_dir: Option<PathBuf>,
    /// Also print the report to PDF, through a headless Chromium (see --browser).
    #[arg(long, env = "PDN_REPORT_PDF", conflicts_with = "all_departments")]
    pdf: Option<PathBuf>,
    /// Write the report of every department and the national one, HTML and JSON, into --out-dir.
    #[arg(long, env = "PDN_ALL_DEPARTMENTS", requires = "out_dir")]
    all_departments: bool,
    /// The folder of --all-departments (created if missing).
    #[arg(long, env = "PDN_REPORT_DIR")]
    out_dir: Option<PathBuf>,
    /// The report's language.
    #[arg(long, env = "PDN_LANG", default_value = "fr", value_parser = ["fr", "en"])]
    lang: String,
    /// The browser --pdf uses (Chromium or Chrome).
    #[arg(long, env = "PDN_BROWSER", default_value = "chromium")]
    browser: String,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let lang: Lang = args.lang.parse().map_err(anyhow::Error::msg)?;
    if let Some(department) = &args.department {
        if !pdn_schemas::ids::is_department(department) {
            bail!("{department} is not a French department code (e.g. 82, 2A, 974)");
        }
    }
    let runtime = tokio::runtime::Runtime::new().context("cannot start the query runtime")?;
    let mut source = runtime
        .block_on(Source::open(&args.lake))
        .with_context(|| format!("cannot open the lake {}", args.lake.display()))?;
    if args.all_departments {
        let dir = args.out_dir.as_deref().expect("clap requires --out-dir");
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let departments = runtime.block_on(source.departments())?.to_vec();
        let mut scopes: Vec<Option<String>> = departments.iter().cloned().map(Some).collect();
        scopes.push(None);
        for (n, department) in scopes.into_iter().enumerate() {
            let options = Options {
                year: args.year,
                department,
                lang,
            };
            let label = format!("{}/{}", n + 1, departments.len() + 1);
            let report = build(&runtime, &mut source, &options, departments.len(), &label)?;
            let stem = dir.join(file_stem(&options));
            write_html(&report, &stem.with_extension("html"))?;
            write_json(&report, &stem.with_extension("json"))?;
        }
        println!("{}", dir.display());
        return Ok(ExitCode::SUCCESS);
    }
    let options = Options {
        year: args.year,
        department: args.department.clone(),
        lang,
    };
    let departments = match &options.department {
        Some(_) => 0,
        None => runtime.block_on(source.departments())?.len(),
    };
    let report = build(&runtime, &mut source, &options, departments, "")?;
    let out = args
        .out
        .unwrap_or_else(|| PathBuf::from(file_stem(&options)).with_extension("html"));
    write_html(&report, &out)?;
    if let Some(path) = &args.json {
        write_json(&report, path)?;
        eprintln!("JSON: {}", path.display());
    }
    if let Some(dir) = &args.csv_dir {
        let files = report::csv::write_dir(&report, dir)?;
        eprintln!("CSV: {} files in {}", files.len(), dir.display());
    }
    if let Some(pdf) = &args.pdf {
        print_pdf(&args.browser, &out, pdf)?;
        eprintln!("PDF: {}", pdf.display());
    }
    println!("{}", out.display());
    Ok(ExitCode::SUCCESS)
}

/// `rapport-82-2025` or `rapport-national-2025` (`report-…` in English).
pub fn file_stem(options: &Options) -> String {
    format!(
        "{}-{}-{}",
        options.lang.pick("rapport", "report"),
        options.department.as_deref().unwrap_or("national"),
        options.year
    )
}

/// Builds one report with a progress bar.
pub fn build(
    runtime: &tokio::runtime::Runtime,
    source: &mut Source,
    options: &Options,
    departments: usize,
    label: &str,
) -> anyhow::Result<report::Report> {
    let scope = options.department.as_deref().unwrap_or("national");
    let bar = indicatif::ProgressBar::new(source.steps(options, departments) as u64).with_style(
        indicatif::ProgressStyle::with_template(
            "{prefix} {bar:40} {pos}/{len} étapes (rapport {msg})",
        )
        .expect("valid progress template"),
    );
    bar.set_prefix(label.to_owned());
    bar.set_message(scope.to_owned());
    let report = runtime
        .block_on(source.build(options, &mut || bar.inc(1)))
        .with_context(|| format!("cannot build the report {scope} {}", options.year))?;
    bar.finish_and_clear();
    Ok(report)
}

/// Writes the report's HTML to `path`.
pub fn write_html(report: &report::Report, path: &Path) -> anyhow::Result<()> {
    let today = chrono::Local::now().date_naive();
    std::fs::write(path, report::html::render(report, today))
        .with_context(|| format!("cannot write {}", path.display()))
}

/// Writes every figure of the report as JSON to `path`.
pub fn write_json(report: &report::Report, path: &Path) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(report)? + "\n";
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}

/// Prints the HTML file `html` to `pdf` with a headless Chromium.
fn print_pdf(browser: &str, html: &Path, pdf: &Path) -> anyhow::Result<()> {
    let html = html
        .canonicalize()
        .with_context(|| format!("cannot find {}", html.display()))?;
    let pdf_arg =
        std::path::absolute(pdf).with_context(|| format!("bad path {}", pdf.display()))?;
    let output = Command::new(browser)
        .args([
            "--headless",
            "--disable-gpu",
            "--no-sandbox",
            "--no-pdf-header-footer",
        ])
        .arg(format!("--print-to-pdf={}", pdf_arg.display()))
        .arg(format!("file://{}", html.display()))
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("cannot run {browser} to print the PDF (see --browser)"))?;
    if !output.status.success() || !pdf_arg.exists() {
        bail!(
            "{browser} could not print {}: {}",
            html.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(())
}
