//! `pdn`: the command-line entry point of the Promeneurs du Net analytics pipeline.
//!
//! This binary only parses arguments and wires the library crates together; each subcommand lives
//! in its own module under `commands/`. Every flag can also be set by an environment variable
//! `PDN_<FLAG>` (shown in `--help`).

mod commands;
mod config;

use std::path::PathBuf;

use clap::{CommandFactory, Parser, Subcommand};

/// Activity and impact analytics for the Promeneurs du Net network.
#[derive(Debug, Parser)]
#[command(name = "pdn", version, about, long_about = None, after_help = EXAMPLES)]
struct Cli {
    /// Read settings from this TOML file (see `pdn config reference`); flags and environment
    /// variables win over it.
    #[arg(long, global = true, env = config::ENV, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

const EXAMPLES: &str = "Examples:
  pdn demo
  pdn generate --department 82 --years 2024-2025 --out events.ndjson --truth truth.json
  pdn validate events.ndjson
  pdn ingest --lake ./lake --from events.ndjson
  pdn tokens add pdn-mobile-82 --department 82 --tokens tokens.jsonl
  pdn collect --listen 127.0.0.1:8080 --lake ./lake --tokens tokens.jsonl
  pdn project --lake ./lake
  pdn status --lake ./lake
  pdn compact --lake ./lake
  pdn forget --lake ./lake --youth yp1_0123456789abcdef0123456789abcdef
  pdn retention --lake ./lake --apply
  pdn sql --lake ./lake -c \"SELECT family, count(*) FROM events GROUP BY family\"
  pdn indicators --lake ./lake --year 2025 --department 82
  printf '%s\\n' \"$PASSWORD\" | pdn users add eval-82 --department 82 --users users.jsonl
  pdn serve --lake ./lake --listen 127.0.0.1:5432 --users users.jsonl
  pdn pseudonymize --new-key structure.key
  echo DOSSIER-4521 | pdn pseudonymize --key-file structure.key
  pdn schemas --out-dir schemas/json
  pdn --config deploy/pdn.toml serve";

#[derive(Debug, Subcommand)]
enum Command {
    Demo(commands::demo::Args),
    Generate(commands::generate::Args),
    Validate(commands::validate::Args),
    Ingest(commands::ingest::Args),
    Collect(commands::collect::Args),
    Tokens(commands::tokens::Args),
    Project(commands::project::Args),
    Status(commands::status::Args),
    Dlq(commands::dlq::Args),
    Compact(commands::compact::Args),
    Forget(commands::forget::Args),
    Retention(commands::retention::Args),
    Pseudonymize(commands::pseudonymize::Args),
    Schemas(commands::schemas::Args),
    Sql(commands::sql::Args),
    Indicators(commands::indicators::Args),
    Report(commands::report::Args),
    Serve(commands::serve::Args),
    Users(commands::users::Args),
    Config(commands::config::Args),
}

fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("PDN_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if let Err(error) = config::apply_to_environment(Cli::command, &args) {
        eprintln!("pdn: error: {error:#}");
        return std::process::ExitCode::from(2);
    }
    let cli = Cli::parse_from(args);
    let result = match cli.command {
        Command::Demo(args) => commands::demo::run(args),
        Command::Generate(args) => commands::generate::run(args),
        Command::Validate(args) => commands::validate::run(args),
        Command::Ingest(args) => commands::ingest::run(args),
        Command::Collect(args) => commands::collect::run(args),
        Command::Tokens(args) => commands::tokens::run(args),
        Command::Project(args) => commands::project::run(args),
        Command::Status(args) => commands::status::run(args),
        Command::Dlq(args) => commands::dlq::run(args),
        Command::Compact(args) => commands::compact::run(args),
        Command::Forget(args) => commands::forget::run(args),
        Command::Retention(args) => commands::retention::run(args),
        Command::Pseudonymize(args) => commands::pseudonymize::run(args),
        Command::Schemas(args) => commands::schemas::run(args),
        Command::Sql(args) => commands::sql::run(args),
        Command::Indicators(args) => commands::indicators::run(args),
        Command::Report(args) => commands::report::run(args),
        Command::Serve(args) => commands::serve::run(args),
        Command::Users(args) => commands::users::run(args),
        Command::Config(args) => commands::config::run(args, cli.config, &Cli::command()),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("pdn: error: {error:#}");
            std::process::ExitCode::from(2)
        }
    }
}
