use std::path::PathBuf;

/// What can go wrong while projecting the event store into read models.
#[derive(Debug, thiserror::Error)]
pub enum ProjectorError {
    #[error("cannot read or commit to the lake")]
    Lake(#[from] pdn_ingest::IngestError),
    #[error("file {path} of version {version} is missing from the lake")]
    MissingFile { path: PathBuf, version: u64 },
    #[error("{context}")]
    DataFusion {
        context: String,
        #[source]
        source: datafusion::error::DataFusionError,
    },
}

pub type Result<T, E = ProjectorError> = std::result::Result<T, E>;

/// Wraps a DataFusion error with what was being done.
pub fn datafusion(
    context: impl Into<String>,
) -> impl FnOnce(datafusion::error::DataFusionError) -> ProjectorError {
    let context = context.into();
    move |source| ProjectorError::DataFusion { context, source }
}

/// Wraps an Arrow error with what was being done.
pub fn arrow(
    context: impl Into<String>,
) -> impl FnOnce(datafusion::arrow::error::ArrowError) -> ProjectorError {
    let context = context.into();
    move |e| {
        datafusion(context)(datafusion::error::DataFusionError::ArrowError(
            Box::new(e),
            None,
        ))
    }
}
