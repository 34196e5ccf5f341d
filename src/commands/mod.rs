//! One module per subcommand: its arguments (clap, each flag with its `PDN_` variable) and `run`,
//! which returns the process exit code (0 success, 1 "found problems", errors are reported as 2).

pub mod collect;
pub mod compact;
pub mod config;
pub mod demo;
pub mod dlq;
pub mod forget;
pub mod generate;
pub mod indicators;
pub mod ingest;
pub mod project;
pub mod pseudonymize;
pub mod report;
pub mod retention;
pub mod schemas;
pub mod serve;
pub mod sql;
pub mod status;
pub mod tokens;
pub mod users;
pub mod validate;

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::path::Path;

use anyhow::Context;

/// Keeps the heap of a file ingest near what it holds: every allocation of 1 MiB or more (a
/// batch's column buffers, its files' encoders) is mapped on its own and unmapped when freed.
///
/// glibc raises its mapping threshold each time such a block is freed, after which the next ones
/// come from the heap, where freed space is reused but rarely returned: a 10M-event file ingest
/// peaked at 254-259 MiB that way, over its 256 MiB bound, and at 229-233 MiB with the threshold
/// fixed (`bench/ingest-embedded.sh`). A Kafka drain is not set so: there the fresh mappings cost
/// about 2 CPU-s per million events (`bench/ingest-kafka.sh`: 7.2-7.4 against 5.5), and it
/// peaked at 90-111 MiB draining 500k events either way.
pub fn bound_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets a parameter of glibc's allocator; any value is valid for it.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

/// Opens `path` for reading, `-` meaning standard input.
pub fn open_input(path: &Path) -> anyhow::Result<Box<dyn BufRead>> {
    if path.as_os_str() == "-" {
        Ok(Box::new(BufReader::new(io::stdin().lock())))
    } else {
        let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        Ok(Box::new(BufReader::with_capacity(1 << 20, file)))
    }
}

/// Creates `path` for writing, `-` or no path meaning standard output.
pub fn create_output(path: Option<&Path>) -> anyhow::Result<Box<dyn Write>> {
    match path {
        None => Ok(Box::new(BufWriter::with_capacity(
            1 << 20,
            io::stdout().lock(),
        ))),
        Some(p) if p.as_os_str() == "-" => Ok(Box::new(BufWriter::with_capacity(
            1 << 20,
            io::stdout().lock(),
        ))),
        Some(p) => {
            let file = File::create(p).with_context(|| format!("cannot create {}", p.display()))?;
            Ok(Box::new(BufWriter::with_capacity(1 << 20, file)))
        }
    }
}

/// Resolves on the first SIGINT or SIGTERM (installed now, so a signal sent from here on counts).
/// Must be called inside a tokio runtime.
pub fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut interrupt = signal(SignalKind::interrupt()).context("cannot handle SIGINT")?;
    let mut terminate = signal(SignalKind::terminate()).context("cannot handle SIGTERM")?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
    })
}
