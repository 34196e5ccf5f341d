//! `pdn config`: checks a configuration file, or prints the reference of every key.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::bail;

use crate::config::{reference, Settings};

/// Check a configuration file (what it sets for each command), or print the reference of every
/// key a file may set (docs/config.md is that reference).
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  pdn config check --config deploy/pdn.toml
  pdn config reference > docs/config.md
  pdn --config deploy/pdn.toml ingest --until-idle")]
pub struct Args {
    #[command(subcommand)]
    action: Action,
}

#[derive(Debug, clap::Subcommand)]
enum Action {
    /// Check the file given by --config (or PDN_CONFIG) and print the variables it sets per command.
    Check,
    /// Print every key a configuration file may set, by command (Markdown).
    Reference,
}

/// `config` is the file named by `--config`/`PDN_CONFIG`; `cli` the whole command-line interface.
pub fn run(args: Args, config: Option<PathBuf>, cli: &clap::Command) -> anyhow::Result<ExitCode> {
    match args.action {
        Action::Reference => print!("{}", reference(cli)),
        Action::Check => {
            let Some(path) = config else {
                bail!("no configuration file: give --config FILE or set PDN_CONFIG");
            };
            let settings = Settings::load(cli, &path)?;
            println!("{}: valid", path.display());
            for (command, vars) in settings.by_leaf(cli) {
                println!("pdn {command}");
                for (env, value) in vars {
                    println!("  {env}={value}");
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
