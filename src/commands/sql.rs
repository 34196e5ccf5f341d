//! `pdn sql`: read-only SQL over the lake, with Apache DataFusion.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use pdn_analytics::sql::Format;

/// Query the event store in SQL (read-only). Tables: one per event family (`contact`,
/// `permanence`, `accompaniment`, `referral`, `attendance`, `network`, `initiative`,
/// `collaboration`, `prevention`, `correction`), `dead_letters`, and the view `events` (envelope
/// columns of every family). A query sees the lake at its last committed version.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  pdn sql --lake ./lake -c \"SELECT family, count(*) FROM events GROUP BY family ORDER BY 2 DESC\"
  pdn sql --lake ./lake -c \"SELECT channel, count(DISTINCT youth) FROM contact GROUP BY channel\" --format csv
  pdn sql --lake ./lake -f query.sql --format json
  echo \"SELECT count(*) FROM dead_letters\" | pdn sql --lake ./lake -f -")]
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
    #[arg(
        short = 'f',
        long,
        env = "PDN_SQL_FILE",
        required_unless_present = "command"
    )]
    file: Option<PathBuf>,
    /// Output format.
    #[arg(long, env = "PDN_FORMAT", value_parser = ["table", "csv", "json"], default_value = "table")]
    format: String,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let sql = match (&args.command, &args.file) {
        (Some(sql), _) => sql.clone(),
        (None, file) => {
            let path = file
                .as_ref()
                .context("give a query with -c or a file with -f")?;
            let mut text = String::new();
            super::open_input(path)?
                .read_to_string(&mut text)
                .with_context(|| format!("cannot read {}", path.display()))?;
            text
        }
    };
    let format = match args.format.as_str() {
        "csv" => Format::Csv,
        "json" => Format::Json,
        _ => Format::Table,
    };
    let runtime = tokio::runtime::Runtime::new().context("cannot start the query runtime")?;
    let batches = runtime.block_on(async {
        let (ctx, _version) = pdn_analytics::tables::open(&args.lake)
            .await
            .with_context(|| format!("cannot open the lake {}", args.lake.display()))?;
        anyhow::Ok(pdn_analytics::sql::query(&ctx, &sql).await?)
    })?;
    let mut out = super::create_output(None)?;
    pdn_analytics::sql::write(&batches, format, &mut out)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
