//! `pdn sql`: read-only SQL over the lake, with Apache DataFusion: one query (`-c`, `-f`, standard
//! input) or an interactive shell.

use std::io::{BufRead, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use datafusion::prelude::SessionContext;
use pdn_analytics::sql::Format;

/// Query the event store in SQL (read-only). Tables: one per event family (`contact`,
/// `permanence`, `accompaniment`, `referral`, `attendance`, `network`, `initiative`,
/// `collaboration`, `prevention`, `correction`), `dead_letters`, the view `events` (envelope
/// columns of every family), the read models of `pdn project` by name, and friendly views with
/// French names (`jeunes_par_mois`, `orientations`, `accompagnements`, `permanences_en_ligne`,
/// `activite_des_professionnels`, `contacts`); every column is described by
/// `pdn schemas --dictionary`. A query sees the lake at its last committed version. Without a query and on a terminal, starts an interactive shell
/// (multi-line statements ending with `;`, a history file, `\d` to list tables, `\d NAME` for columns).
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  pdn sql --lake ./lake                                  # interactive shell
  pdn sql --lake ./lake -c \"SELECT family, count(*) FROM events GROUP BY family ORDER BY 2 DESC\"
  pdn sql --lake ./lake -c \"SELECT channel, count(DISTINCT youth) FROM contact GROUP BY channel\" --format csv
  pdn sql --lake ./lake -f query.sql --format json
  pdn sql --lake ./lake -c \"SELECT * FROM youth_month\" --format parquet --out youth_month.parquet
  echo \"SELECT count(*) FROM dead_letters\" | pdn sql --lake ./lake")]
pub struct Args {
    /// The lake folder.
    #[arg(long, env = "PDN_LAKE", default_value = "lake")]
    lake: PathBuf,
    /// The query to run.
    #[arg(
        short = 'c',
        long = "command",
        env = "PDN_SQL",
        conflicts_with = "file"
    )]
    command: Option<String>,
    /// A file holding the query to run (`-` for standard input).
    #[arg(short = 'f', long, env = "PDN_SQL_FILE")]
    file: Option<PathBuf>,
    /// Output format (`parquet` needs `--out`).
    #[arg(long, env = "PDN_FORMAT", value_parser = ["table", "csv", "json", "parquet"], default_value = "table")]
    format: String,
    /// Write the result to this file instead of standard output.
    #[arg(short = 'o', long, env = "PDN_SQL_OUT")]
    out: Option<PathBuf>,
    /// Start the interactive shell even when standard input is not a terminal.
    #[arg(long, env = "PDN_SQL_INTERACTIVE", conflicts_with_all = ["command", "file"])]
    interactive: bool,
    /// The interactive shell's history file.
    #[arg(long, env = "PDN_SQL_HISTORY")]
    history: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let format = parse_format(&args.format)?;
    if format == Format::Parquet && args.out.is_none() {
        bail!("--format parquet writes a file: give it with --out FILE");
    }
    let runtime = tokio::runtime::Runtime::new().context("cannot start the query runtime")?;
    let interactive = args.interactive
        || (args.command.is_none() && args.file.is_none() && std::io::stdin().is_terminal());
    if interactive {
        return runtime.block_on(shell(&args, format));
    }
    let sql = match (&args.command, &args.file) {
        (Some(sql), _) => sql.clone(),
        (None, file) => {
            let path = file.clone().unwrap_or_else(|| PathBuf::from("-"));
            let mut text = String::new();
            super::open_input(&path)?
                .read_to_string(&mut text)
                .with_context(|| format!("cannot read {}", path.display()))?;
            text
        }
    };
    let batches = runtime.block_on(async {
        let (ctx, _version) = open(&args.lake).await?;
        anyhow::Ok(pdn_analytics::sql::query(&ctx, &sql).await?)
    })?;
    let mut out = super::create_output(args.out.as_deref())?;
    pdn_analytics::sql::write(&batches, format, &mut out)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn parse_format(name: &str) -> anyhow::Result<Format> {
    Ok(match name {
        "table" => Format::Table,
        "csv" => Format::Csv,
        "json" => Format::Json,
        "parquet" => Format::Parquet,
        other => bail!("unknown format {other} (table, csv, json or parquet)"),
    })
}

async fn open(lake: &Path) -> anyhow::Result<(SessionContext, u64)> {
    pdn_analytics::tables::open(lake)
        .await
        .with_context(|| format!("cannot open the lake {}", lake.display()))
}

const SHELL_HELP: &str = "\
  a query ending with ;     runs it (SELECT, WITH, VALUES, EXPLAIN, SHOW, DESCRIBE)
  \\d                        lists the tables and views
  \\d NAME                   lists the columns of a table
  \\format table|csv|json    changes the output format
  \\?                        this help
  \\q                        quits (also Ctrl-D)";

/// The interactive shell: statements end with `;` and may span lines; each runs on the lake's
/// latest committed version (the session is reopened when the lake has moved). Every statement
/// and command is appended to the history file.
async fn shell(args: &Args, mut format: Format) -> anyhow::Result<ExitCode> {
    let history = args.history.clone().or_else(|| {
        std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".pdn_sql_history"))
    });
    let mut history = match &history {
        Some(path) => Some(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .with_context(|| format!("cannot open the history file {}", path.display()))?,
        ),
        None => None,
    };
    let (mut ctx, mut version) = open(&args.lake).await?;
    eprintln!(
        "pdn sql: lake {} at version {version}; \\? for help, \\q to quit",
        args.lake.display()
    );
    let mut buffer = String::new();
    let mut lines = std::io::stdin().lock().lines();
    loop {
        eprint!("{}", if buffer.is_empty() { "pdn> " } else { "...> " });
        let Some(line) = lines.next() else { break };
        let line = line.context("cannot read standard input")?;
        let trimmed = line.trim();
        let entry = if buffer.is_empty() && trimmed.starts_with('\\') {
            Some(trimmed.to_owned())
        } else {
            buffer.push_str(&line);
            buffer.push('\n');
            trimmed.ends_with(';').then(|| std::mem::take(&mut buffer))
        };
        let Some(entry) = entry else { continue };
        if let Some(file) = &mut history {
            writeln!(file, "{}", entry.trim()).context("cannot write the history")?;
        }
        if entry.starts_with('\\') {
            let mut words = entry.split_whitespace();
            match (words.next(), words.next()) {
                (Some("\\q"), _) => break,
                (Some("\\?"), _) => eprintln!("{SHELL_HELP}"),
                (Some("\\format"), Some(name)) if name != "parquet" => match parse_format(name) {
                    Ok(f) => format = f,
                    Err(e) => eprintln!("{e}"),
                },
                (Some("\\d"), name) => match pdn_analytics::sql::describe(&ctx, name).await {
                    Ok(Some(batch)) => print(&[batch], format),
                    Ok(None) => eprintln!("no table {}", name.unwrap_or_default()),
                    Err(e) => eprintln!("error: {:#}", anyhow::Error::from(e)),
                },
                _ => eprintln!("unknown command {entry}\n{SHELL_HELP}"),
            }
            continue;
        }
        let latest = pdn_ingest::lake::read_state(&args.lake)
            .map(|s| s.version)
            .unwrap_or(version);
        if latest != version {
            (ctx, version) = open(&args.lake).await?;
            eprintln!("(lake now at version {version})");
        }
        let sql = entry.trim().trim_end_matches(';');
        match pdn_analytics::sql::query(&ctx, sql).await {
            Ok(batches) => print(&batches, format),
            Err(e) => eprintln!("error: {:#}", anyhow::Error::from(e)),
        }
    }
    eprintln!();
    Ok(ExitCode::SUCCESS)
}

fn print(batches: &[datafusion::arrow::array::RecordBatch], format: Format) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = pdn_analytics::sql::write(batches, format, &mut out) {
        eprintln!("error: {:#}", anyhow::Error::from(e));
    }
    let _ = out.flush();
}
