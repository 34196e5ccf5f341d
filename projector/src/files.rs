//! A DataFusion table over an exact list of committed files.
//!
//! Invariant: a table reads exactly the files it is given (each its own URL, never a folder
//! listing), so a query sees the lake at one committed version: no staged or half-written file,
//! no file committed later.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::compute::concat_batches;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::datasource::{MemTable, TableProvider};
use datafusion::prelude::{col, SessionConfig, SessionContext};
use pdn_ingest::lake::readable;
use pdn_ingest::log::FileEntry;
use pdn_ingest::maintenance::read_batches;
use pdn_ingest::IngestError;
use pdn_schemas::Family;

use crate::error::{arrow, datafusion, ProjectorError, Result};

/// Rows read once in a run and kept under a name for the next model that reads them. A name is a
/// family's live files in one partition ([`Held::name`]), which stay the same throughout a run.
#[derive(Debug, Default)]
pub struct Held(Mutex<BTreeMap<String, Vec<RecordBatch>>>);

impl Held {
    /// The name of the live files of `family` in `partition`.
    pub fn name(family: Family, partition: &str) -> String {
        format!("{}/{partition}", family.name())
    }

    /// The rows kept under `name`, if they were read.
    pub fn get(&self, name: &str) -> Option<Vec<RecordBatch>> {
        self.lock().get(name).cloned()
    }

    /// Keeps `rows` under `name`.
    pub fn keep(&self, name: &str, rows: &[RecordBatch]) {
        self.lock().insert(name.to_owned(), rows.to_vec());
    }

    fn lock(&self) -> MutexGuard<'_, BTreeMap<String, Vec<RecordBatch>>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A session for the projector's queries, configured by DataFusion's own environment variables
/// (`DATAFUSION_EXECUTION_TARGET_PARTITIONS`...) when they are set.
pub fn session() -> SessionContext {
    let config = SessionConfig::from_env().unwrap_or_default();
    SessionContext::new_with_config(config)
}

/// A table named `table` (for messages) over `files` of the lake at `root`, committed at `version`,
/// read with `schema`; an empty table of that schema when there is no file. Files sorted by
/// `occurred_at` (event tables) are declared so.
pub fn table_over<'a>(
    root: &Path,
    version: u64,
    table: &str,
    files: impl IntoIterator<Item = &'a FileEntry>,
    schema: SchemaRef,
) -> Result<Arc<dyn TableProvider>> {
    let mut urls = Vec::new();
    for file in files {
        let path = readable(root, file).map_err(|e| match e {
            IngestError::MissingFile { path } => ProjectorError::MissingFile { path, version },
            other => other.into(),
        })?;
        let url = ListingTableUrl::parse(path.to_string_lossy())
            .map_err(datafusion(format!("addressing {}", path.display())))?;
        urls.push(url);
    }
    if urls.is_empty() {
        let empty = MemTable::try_new(schema, vec![vec![]])
            .map_err(datafusion(format!("creating the empty table {table}")))?;
        return Ok(Arc::new(empty));
    }
    let mut options =
        ListingOptions::new(Arc::new(ParquetFormat::default())).with_file_extension(".parquet");
    if schema.column_with_name("occurred_at").is_some() {
        options = options.with_file_sort_order(vec![vec![col("occurred_at").sort(true, false)]]);
    }
    let config = ListingTableConfig::new_with_multi_paths(urls)
        .with_listing_options(options)
        .with_schema(schema);
    let listing =
        ListingTable::try_new(config).map_err(datafusion(format!("opening table {table}")))?;
    Ok(Arc::new(listing))
}

/// The event table of `family` over `files` (see [`table_over`]), read with its Arrow schema.
pub fn events_over<'a>(
    root: &Path,
    version: u64,
    family: Family,
    files: impl IntoIterator<Item = &'a FileEntry>,
) -> Result<Arc<dyn TableProvider>> {
    let table = format!("events/{}", family.name());
    let schema = pdn_schemas::arrow::table_schema(family);
    table_over(root, version, &table, files, schema)
}

/// What `work` returned, and how long it took (for the debug logs of the steps of a run).
pub(crate) fn timed<T>(work: impl FnOnce() -> T) -> (T, std::time::Duration) {
    let started = std::time::Instant::now();
    let done = work();
    (done, started.elapsed())
}

/// Every row of `files` of the lake at `root`, read as `schema` (the schema they were written
/// with), as one batch; an empty batch when there is no file. Each file is decoded as one batch
/// ([`read_batches`]), so one file's rows are not copied again when joined.
pub fn read_all<'a>(
    root: &Path,
    files: impl IntoIterator<Item = &'a FileEntry>,
    schema: &SchemaRef,
) -> Result<RecordBatch> {
    let mut batches = Vec::new();
    for file in files {
        let (_, rows) = read_batches(&readable(root, file)?)?;
        batches.extend(rows);
    }
    concat_batches(schema, &batches).map_err(arrow("joining the rows of a model's files"))
}
