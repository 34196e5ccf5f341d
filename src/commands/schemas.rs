//! `pdn schemas`: lists the event types, or writes their published JSON Schemas.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use pdn_schemas::json_schema::{event_schema, file_name, published};

/// List the event types and their schema versions, write their JSON Schemas, or print the data
/// dictionary (one line per column of every table `pdn sql` and `pdn serve` show, with its type
/// and meaning; docs/dictionary.md is this output).
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  pdn schemas
  pdn schemas --out-dir schemas/json
  pdn schemas --dictionary > docs/dictionary.md
  pdn schemas --dictionary --lang en > docs/dictionary.en.md")]
pub struct Args {
    /// Write one `<type>.v<version>.schema.json` file per event type and version into this folder.
    #[arg(long, env = "PDN_SCHEMAS_OUT_DIR", conflicts_with = "dictionary")]
    out_dir: Option<PathBuf>,
    /// Print the data dictionary (Markdown) instead.
    #[arg(long, env = "PDN_DICTIONARY")]
    dictionary: bool,
    /// The dictionary's language.
    #[arg(long, env = "PDN_LANG", default_value = "fr", value_parser = ["fr", "en"])]
    lang: String,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    if args.dictionary {
        let runtime = tokio::runtime::Runtime::new().context("cannot start the runtime")?;
        let columns = runtime.block_on(pdn_analytics::dictionary::columns())?;
        print!(
            "{}",
            pdn_analytics::dictionary::markdown(&columns, args.lang == "en")
        );
        return Ok(ExitCode::SUCCESS);
    }
    match args.out_dir {
        None => {
            for (t, v) in published() {
                let current = if v == t.current_version() {
                    "current"
                } else {
                    "upcast on read"
                };
                println!(
                    "{:<32} v{v}  {:<14} table {}",
                    t.code(),
                    current,
                    t.family().name()
                );
            }
        }
        Some(dir) => {
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            for (t, v) in published() {
                let path = dir.join(file_name(t, v));
                let text = serde_json::to_string_pretty(&event_schema(t, v)?)? + "\n";
                std::fs::write(&path, text)
                    .with_context(|| format!("cannot write {}", path.display()))?;
            }
            eprintln!("wrote {} schemas to {}", published().count(), dir.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}
