//! `pdn users add`: creates a user of `pdn serve`.

use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use pdn_analytics::serve::users::{self, ScramVerifier, UserEntry};

/// The environment variable a new user's password may come from (otherwise standard input).
const PASSWORD_VAR: &str = "PDN_PASSWORD";

/// Manage the users of `pdn serve`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    Add(AddArgs),
}

/// Create a user: append its name, scope and SCRAM-SHA-256 verifier to the users file.
///
/// The password is read from the environment variable PDN_PASSWORD if set, otherwise from the
/// first line of standard input; it is never an argument (arguments show in `ps` and in shell
/// histories) and is stored nowhere, only its salted verifier. The file is created readable by its
/// owner only. A running server reads the file when it starts: restart it to take a new user into
/// account.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  printf '%s\\n' \"$PASSWORD\" | pdn users add eval-82 --department 82 --users users.jsonl
  PDN_PASSWORD=\"$PASSWORD\" pdn users add occitanie --department 31,82 --users users.jsonl
  pdn users add dgesco --national --users users.jsonl < password.txt")]
struct AddArgs {
    /// The login name (2 to 64 letters, digits, '.', '_', ':' or '-').
    #[arg(env = "PDN_USER_NAME")]
    name: String,
    /// A department whose rows the user sees (repeatable, or comma-separated).
    #[arg(
        long = "department",
        env = "PDN_DEPARTMENT",
        value_delimiter = ',',
        required_unless_present = "national",
        conflicts_with = "national"
    )]
    departments: Vec<String>,
    /// The user sees every department.
    #[arg(long, env = "PDN_NATIONAL")]
    national: bool,
    /// The users file (created if missing).
    #[arg(long, env = "PDN_USERS")]
    users: PathBuf,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let Command::Add(args) = args.command;
    let password = match std::env::var(PASSWORD_VAR) {
        Ok(password) => password,
        Err(_) => {
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .context("cannot read the password from standard input")?;
            line.trim_end_matches(['\n', '\r']).to_owned()
        }
    };
    if password.chars().count() < 8 {
        bail!(
            "the password must have at least 8 characters (from {PASSWORD_VAR} or standard input)"
        );
    }
    let entry = UserEntry {
        name: args.name,
        departments: args.departments,
        national: args.national,
        scram_sha_256: ScramVerifier::new(&password)?,
    };
    users::append(&args.users, &entry)
        .with_context(|| format!("cannot add the user {:?}", entry.name))?;
    eprintln!(
        "user {:?} added to {} (only a salted verifier of the password is stored)",
        entry.name,
        args.users.display()
    );
    Ok(ExitCode::SUCCESS)
}
