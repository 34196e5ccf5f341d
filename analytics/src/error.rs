use std::path::PathBuf;

/// What can go wrong while reading the store or answering a query.
#[derive(Debug, thiserror::Error)]
pub enum AnalyticsError {
    #[error("cannot read the lake's commit log")]
    Lake(#[from] pdn_ingest::IngestError),
    #[error("cannot read the lake's files or read models")]
    Projector(#[from] pdn_projector::ProjectorError),
    #[error("{context}")]
    DataFusion {
        context: String,
        #[source]
        source: datafusion::error::DataFusionError,
    },
    #[error("refused: {0}")]
    Refused(String),
    #[error("cannot write the query's output")]
    Output(#[source] datafusion::arrow::error::ArrowError),
    #[error("users file {path}{}: {reason}", line.map(|l| format!(", line {l}")).unwrap_or_default())]
    Users {
        path: PathBuf,
        line: Option<usize>,
        reason: String,
    },
    #[error("cannot read or write {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("TLS {path}: {reason}")]
    Tls { path: PathBuf, reason: String },
    #[error("indicator {id}: {reason}")]
    Indicator { id: String, reason: String },
    #[error("data dictionary (analytics/dictionary.tsv): {0}")]
    Dictionary(String),
    #[error("cannot write the indicators")]
    Write(#[source] std::io::Error),
}

pub type Result<T, E = AnalyticsError> = std::result::Result<T, E>;

/// Wraps a DataFusion error with what was being done.
pub(crate) fn datafusion(
    context: impl Into<String>,
) -> impl FnOnce(datafusion::error::DataFusionError) -> AnalyticsError {
    let context = context.into();
    move |source| AnalyticsError::DataFusion { context, source }
}
