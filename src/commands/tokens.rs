//! `pdn tokens add`: creates a bearer token for `pdn collect`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use pdn_ingest::collect::tokens::{self, TokenEntry};

/// Manage the bearer tokens of `pdn collect`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    Add(AddArgs),
}

/// Create a token: print it once, and append its SHA-256 with its scope to the tokens file.
///
/// The token itself is stored nowhere: give it to the app now (a lost token is replaced by a new
/// one). The file is created readable by its owner only. A running collector reads the file when it
/// starts: restart it to take a new token into account.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  pdn tokens add pdn-mobile-82 --department 82 --tokens tokens.jsonl
  pdn tokens add register-str-82-001 --department 82 --structure str-82-001 --tokens tokens.jsonl")]
struct AddArgs {
    /// Who will hold the token (an app, a structure's register): shown in the collector's logs.
    #[arg(env = "PDN_TOKEN_NAME")]
    name: String,
    /// A department whose events the token may send (repeatable).
    #[arg(
        long = "department",
        env = "PDN_DEPARTMENT",
        value_delimiter = ',',
        required = true
    )]
    departments: Vec<String>,
    /// Restrict the token to this structure's events (repeatable; default: every structure of
    /// the departments).
    #[arg(long = "structure", env = "PDN_STRUCTURE", value_delimiter = ',')]
    structures: Vec<String>,
    /// The tokens file (created if missing).
    #[arg(long, env = "PDN_TOKENS")]
    tokens: PathBuf,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let Command::Add(args) = args.command;
    let token = tokens::new_token()?;
    let entry = TokenEntry {
        name: args.name,
        sha256: tokens::hash(&token),
        departments: args.departments,
        structures: args.structures,
    };
    tokens::append(&args.tokens, &entry)
        .with_context(|| format!("cannot add the token {:?}", entry.name))?;
    println!("{token}");
    eprintln!(
        "token {:?} added to {}: it is printed above, once, and stored nowhere — give it to the app now",
        entry.name,
        args.tokens.display()
    );
    Ok(ExitCode::SUCCESS)
}
