//! A DataFusion table over an exact list of committed files.
//!
//! Invariant: a table reads exactly the files it is given (each its own URL, never a folder
//! listing), so a query sees the lake at one committed version: no staged or half-written file,
//! no file committed later.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use datafusion::arrow::datatypes::SchemaRef;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::datasource::{MemTable, TableProvider};
use datafusion::prelude::col;
use pdn_ingest::log::FileEntry;

use crate::error::{datafusion, ProjectorError, Result};

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
        let path = readable_path(root, file).ok_or_else(|| ProjectorError::MissingFile {
            path: root.join(&file.path),
            version,
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

/// Where a committed file is: its final path, or (if its writer died between claiming the commit
/// and moving the file, before any writer rolled it forward) its staged path.
fn readable_path(root: &Path, file: &FileEntry) -> Option<PathBuf> {
    [&file.path, &file.staged]
        .into_iter()
        .map(|p| root.join(p))
        .find(|p| p.is_file())
}
