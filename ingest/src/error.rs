//! The error type of the ingest crate. Invalid events are not errors: they become dead letters.

use std::path::PathBuf;

/// What can stop ingestion. Each variant names the file, offset or event concerned.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("I/O error on {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("corrupt commit log entry {path}: {reason}")]
    CorruptLog { path: PathBuf, reason: String },
    #[error(
        "committed file {path} is missing from the lake (and not in staging): the store is damaged"
    )]
    MissingFile { path: PathBuf },
    #[error(
        "committed file {path} is damaged: {reason}; it is not read (restore it from a backup)"
    )]
    DamagedFile { path: PathBuf, reason: String },
    #[error("cannot write Parquet file {path}: {source}")]
    Parquet {
        path: PathBuf,
        #[source]
        source: parquet::errors::ParquetError,
    },
    #[error("cannot build the Arrow batch of table {table}: {source}")]
    Arrow {
        table: String,
        #[source]
        source: arrow::error::ArrowError,
    },
    #[error("offsets of {source_key} partition {partition} do not follow the store: the batch starts at {first} but the store holds up to {committed} (another ingest process took over this partition)")]
    OffsetConflict {
        source_key: String,
        partition: i32,
        first: i64,
        committed: i64,
    },
    #[error("{events} event(s) of this batch in {month} were committed by another writer after this one read the month's ids (the same events sent to two writers): nothing of the batch was committed; read its records again")]
    DuplicateConflict { month: String, events: usize },
    #[error("cannot rewrite {path}: another writer removed it from the store (at or before version {version}); run the command again")]
    RewriteConflict { path: String, version: u64 },
    #[error("file {path} does not have the layout of its table: {reason}")]
    UnexpectedLayout { path: PathBuf, reason: String },
    #[error("invalid maintenance setting {setting}: {reason}")]
    MaintenanceConfig {
        setting: &'static str,
        reason: String,
    },
    #[error(
        "could not claim a commit version after {attempts} attempts: too many concurrent writers"
    )]
    CommitContention { attempts: u32 },
    #[error("Kafka error while {context}: {source}")]
    Kafka {
        context: String,
        #[source]
        source: rdkafka::error::KafkaError,
    },
    #[error("tokens file {path}{}: {reason}", .line.map(|l| format!(", line {l}")).unwrap_or_default())]
    Tokens {
        path: PathBuf,
        line: Option<usize>,
        reason: String,
    },
    #[error("invalid collector setting {setting}: {reason}")]
    CollectorConfig {
        setting: &'static str,
        reason: String,
    },
    #[error("the collector's HTTP server on {address} failed: {source}")]
    Serve {
        address: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the collector's lake writer {what}")]
    WriterLost { what: &'static str },
    #[error("the collector stopped on an error")]
    CollectorStopped(#[source] std::sync::Arc<IngestError>),
    #[error("input error reading {what} at offset {offset}: {source}")]
    Input {
        what: String,
        offset: i64,
        #[source]
        source: std::io::Error,
    },
}

/// Results of the ingest crate.
pub type Result<T, E = IngestError> = std::result::Result<T, E>;

/// Wraps an I/O error with the path it concerns.
pub(crate) fn io(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> IngestError + '_ {
    move |source| IngestError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Wraps a Parquet error with the file it concerns.
pub(crate) fn parquet_error(
    path: &std::path::Path,
) -> impl Fn(parquet::errors::ParquetError) -> IngestError + '_ {
    move |source| IngestError::Parquet {
        path: path.to_owned(),
        source,
    }
}

/// Wraps an error met while decoding a Parquet file's rows with the file it concerns.
pub(crate) fn decoding(
    path: &std::path::Path,
) -> impl Fn(arrow::error::ArrowError) -> IngestError + '_ {
    move |e| parquet_error(path)(parquet::errors::ParquetError::ArrowError(e.to_string()))
}

/// Opens a Parquet file of the lake for reading.
pub(crate) fn open_parquet(
    path: &std::path::Path,
) -> Result<parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder<std::fs::File>> {
    let file = std::fs::File::open(path).map_err(io(path))?;
    parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(parquet_error(path))
}
