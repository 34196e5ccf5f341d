//! `pdn pseudonymize`: turns local youth identifiers into the pseudonyms events carry.

use std::fs::OpenOptions;
use std::io::{BufRead, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use pdn_schemas::pseudonym::Pseudonymizer;

/// Turn local youth identifiers (standard input, one per line) into pseudonyms.
///
/// A pseudonym is `yp1_` followed by 32 hex digits: the keyed HMAC-SHA256 of the identifier. The
/// key stays with the structure or the coordinator and never goes into the pipeline: whoever has
/// the key can link a pseudonym back to an identifier they already know, nobody else can.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  pdn pseudonymize --new-key /secure/structure.key
  printf 'DOSSIER-4521\\nDOSSIER-4522\\n' | pdn pseudonymize --key-file /secure/structure.key")]
pub struct Args {
    /// The secret key file (64 hex digits, or at least 16 raw bytes).
    #[arg(long, env = "PDN_KEY_FILE", required_unless_present = "new_key")]
    key_file: Option<PathBuf>,
    /// Create a new random key in this file (readable by its owner only) and exit.
    #[arg(long, env = "PDN_NEW_KEY", conflicts_with = "key_file")]
    new_key: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    if let Some(path) = args.new_key {
        return new_key(&path);
    }
    let path = args
        .key_file
        .expect("clap requires --key-file without --new-key");
    let content =
        std::fs::read(&path).with_context(|| format!("cannot read key file {}", path.display()))?;
    let p = Pseudonymizer::from_key_file_content(&content)
        .with_context(|| format!("unusable key file {}", path.display()))?;
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for (i, line) in stdin.lock().lines().enumerate() {
        let line = line.with_context(|| format!("cannot read line {} of standard input", i + 1))?;
        if line.trim().is_empty() {
            bail!(
                "line {}: empty identifier (pseudonyms are written in input order, one per line)",
                i + 1
            );
        }
        writeln!(out, "{}", p.pseudonymize(&line)?)?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn new_key(path: &std::path::Path) -> anyhow::Result<ExitCode> {
    let mut key = [0u8; 32];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut key))
        .context("cannot read random bytes from /dev/urandom")?;
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).with_context(|| {
        format!(
            "cannot create key file {} (an existing key is never overwritten)",
            path.display()
        )
    })?;
    writeln!(file, "{}", hex::encode(key))?;
    eprintln!("new key written to {} — keep it secret and backed up: losing it unlinks future pseudonyms from past ones", path.display());
    Ok(ExitCode::SUCCESS)
}
