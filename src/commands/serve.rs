//! `pdn serve`: the lake over the Postgres wire protocol (the server is
//! `pdn_analytics::serve`; this module parses flags, loads the users and the certificate, and
//! handles signals).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};
use pdn_analytics::serve::{self, Config, Users};

/// Serve the lake to evaluators' SQL tools (psql, DBeaver, Python, BI) over the Postgres wire
/// protocol, read-only.
///
/// Each user (see `pdn users add`) logs in with a password (SCRAM-SHA-256) and sees only the
/// departments the users file gives them: every table is restricted to `department IN (...)`
/// whatever the SQL, and `dead_letters` is never shown. Only queries run (SELECT, WITH, VALUES,
/// EXPLAIN, DESCRIBE, SHOW); CREATE, DROP, INSERT, COPY, SET (but for client settings such as
/// application_name or extra_float_digits) and reading files by path are refused. A query sees
/// the lake's latest committed version. With --tls-cert and --tls-key, only TLS connections are
/// accepted; a certificate that cannot be loaded stops the server.
///
/// Prints `listening on ADDRESS` on standard output once ready. Ctrl-C or SIGTERM closes the
/// connections and stops.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  printf '%s\\n' \"$PASSWORD\" | pdn users add eval-82 --department 82 --users users.jsonl
  pdn serve --lake ./lake --listen 127.0.0.1:5432 --users users.jsonl
  pdn serve --lake ./lake --listen 0.0.0.0:5432 --users users.jsonl --tls-cert server.crt --tls-key server.key
  psql 'host=127.0.0.1 port=5432 user=eval-82 dbname=pdn sslmode=require' -c 'SELECT count(*) FROM contact'")]
pub struct Args {
    /// The lake folder.
    #[arg(long, env = "PDN_LAKE", default_value = "lake")]
    lake: PathBuf,
    /// Address to listen on (port 0: any free port; the address is printed).
    #[arg(long, env = "PDN_LISTEN", default_value = "127.0.0.1:5432")]
    listen: String,
    /// The users file (JSON lines of name, scope and SCRAM-SHA-256 verifier; see `pdn users add`).
    #[arg(long, env = "PDN_USERS")]
    users: PathBuf,
    /// PEM certificate chain for TLS (with --tls-key): connections without TLS are then refused.
    #[arg(long, env = "PDN_TLS_CERT", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// PEM private key of the certificate.
    #[arg(long, env = "PDN_TLS_KEY", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Longest time a query may run, from planning to its last row, in seconds.
    #[arg(
        long = "query-timeout-s",
        env = "PDN_QUERY_TIMEOUT_S",
        default_value_t = 30.0
    )]
    query_timeout_s: f64,
    /// Most memory one query may hold, in MiB (a query needing more fails).
    #[arg(
        long = "memory-limit-mib",
        env = "PDN_MEMORY_LIMIT_MIB",
        default_value_t = 512
    )]
    memory_limit_mib: usize,
    /// Most connections at once; more are refused ("too many clients").
    #[arg(long, env = "PDN_MAX_CONNECTIONS", default_value_t = 64)]
    max_connections: usize,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    if !(args.query_timeout_s > 0.0 && args.query_timeout_s.is_finite()) {
        bail!("--query-timeout-s must be a positive number of seconds");
    }
    if args.max_connections == 0 || args.memory_limit_mib == 0 {
        bail!("--max-connections and --memory-limit-mib must be at least 1");
    }
    let users = Users::load(&args.users)
        .with_context(|| format!("cannot use the users file {}", args.users.display()))?;
    if users.is_empty() {
        bail!(
            "the users file {} has no user: add one with pdn users add",
            args.users.display()
        );
    }
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(serve::tls(cert, key).context("cannot set up TLS")?),
        _ => None,
    };
    let config = Config {
        lake: args.lake.clone(),
        users: Arc::new(users),
        tls,
        query_timeout: Duration::from_secs_f64(args.query_timeout_s),
        memory_limit: args.memory_limit_mib << 20,
        max_connections: args.max_connections,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(listen(&args, config))?;
    Ok(ExitCode::SUCCESS)
}

async fn listen(args: &Args, config: Config) -> anyhow::Result<()> {
    use tokio::signal::unix::{signal, SignalKind};
    // The lake must be readable before anyone connects.
    pdn_ingest::lake::read_state(&args.lake)
        .with_context(|| format!("cannot open the lake {}", args.lake.display()))?;
    // Installed before the address is printed: a signal sent from then on stops the server.
    let mut interrupt = signal(SignalKind::interrupt()).context("cannot handle SIGINT")?;
    let mut terminate = signal(SignalKind::terminate()).context("cannot handle SIGTERM")?;
    let listener = tokio::net::TcpListener::bind(&args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let address = listener
        .local_addr()
        .context("cannot read the bound address")?;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "listening on {address}")?;
    stdout.flush()?;
    drop(stdout);
    let shutdown = async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
    };
    serve::run(listener, config, shutdown).await;
    Ok(())
}
