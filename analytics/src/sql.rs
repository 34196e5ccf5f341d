//! Read-only SQL over the lake's tables, and its output.
//!
//! Only queries run: statements that define (`CREATE`, `DROP`, `CREATE EXTERNAL TABLE`), modify
//! (`INSERT`, `COPY ... TO`) or configure (`SET`, transactions) are refused before anything runs,
//! and no table reads a file by URL or path. So a reader can see the store but never change it nor
//! reach other files of the machine.

use std::io::Write;

use datafusion::arrow::array::RecordBatch;
use datafusion::execution::context::SQLOptions;
use datafusion::prelude::SessionContext;

use crate::error::{datafusion, AnalyticsError, Result};

/// The options every reader's SQL runs with: no DDL, no DML, no statements.
pub fn read_only() -> SQLOptions {
    SQLOptions::new()
        .with_allow_ddl(false)
        .with_allow_dml(false)
        .with_allow_statements(false)
}

/// Runs one read-only query and collects its result.
pub async fn query(ctx: &SessionContext, sql: &str) -> Result<Vec<RecordBatch>> {
    let plan = ctx
        .state()
        .create_logical_plan(sql)
        .await
        .map_err(datafusion("planning the query"))?;
    read_only().verify_plan(&plan).map_err(|e| {
        AnalyticsError::Refused(format!(
            "only queries run here (SELECT, WITH, VALUES, EXPLAIN, SHOW, DESCRIBE): {}",
            e.strip_backtrace()
        ))
    })?;
    ctx.execute_logical_plan(plan)
        .await
        .map_err(datafusion("running the query"))?
        .collect()
        .await
        .map_err(datafusion("running the query"))
}

/// How a result is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// An aligned text table, for people.
    Table,
    /// CSV with a header line.
    Csv,
    /// One JSON object per row, one row per line.
    Json,
    /// An Apache Parquet file (ZSTD), for analysis tools.
    Parquet,
}

/// Writes `batches` to `out` in `format`.
pub fn write(batches: &[RecordBatch], format: Format, out: &mut dyn Write) -> Result<()> {
    use datafusion::arrow::{csv, json, util::pretty};
    match format {
        Format::Table => {
            let table = pretty::pretty_format_batches(batches).map_err(AnalyticsError::Output)?;
            writeln!(out, "{table}").map_err(|e| AnalyticsError::Output(e.into()))
        }
        Format::Csv => {
            let mut writer = csv::Writer::new(out);
            batches
                .iter()
                .try_for_each(|b| writer.write(b))
                .map_err(AnalyticsError::Output)
        }
        Format::Json => {
            let mut writer = json::LineDelimitedWriter::new(out);
            batches
                .iter()
                .try_for_each(|b| writer.write(b))
                .and_then(|()| writer.finish())
                .map_err(AnalyticsError::Output)
        }
        Format::Parquet => write_parquet(batches, out),
    }
}

fn write_parquet(batches: &[RecordBatch], out: &mut dyn Write) -> Result<()> {
    use datafusion::parquet::arrow::ArrowWriter;
    use datafusion::parquet::basic::{Compression, ZstdLevel};
    use datafusion::parquet::file::properties::WriterProperties;
    let Some(first) = batches.first() else {
        return Err(AnalyticsError::Refused(
            "the query returned no batch, so no Parquet schema to write".to_owned(),
        ));
    };
    let properties = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .build();
    let parquet_error = |e: datafusion::parquet::errors::ParquetError| {
        AnalyticsError::Output(datafusion::arrow::error::ArrowError::ExternalError(
            Box::new(e),
        ))
    };
    let mut writer = ArrowWriter::try_new(Vec::new(), first.schema(), Some(properties))
        .map_err(parquet_error)?;
    for batch in batches {
        writer.write(batch).map_err(parquet_error)?;
    }
    let bytes = writer.into_inner().map_err(parquet_error)?;
    out.write_all(&bytes)
        .map_err(|e| AnalyticsError::Output(e.into()))
}

/// The tables and views of the session, one row each: `table_name`, `kind` (table or view) and
/// `columns`; with `name`, the columns of that table: `column_name`, `data_type`, `nullable`.
/// `None` when there is no table of that name.
pub async fn describe(ctx: &SessionContext, name: Option<&str>) -> Result<Option<RecordBatch>> {
    use datafusion::arrow::array::{BooleanArray, StringArray, UInt64Array};
    use datafusion::datasource::TableType;
    use std::sync::Arc;
    let schema = ctx
        .catalog("datafusion")
        .and_then(|c| c.schema("public"))
        .expect("the default catalog and schema exist");
    let output = |columns: Vec<(&str, datafusion::arrow::array::ArrayRef)>| {
        RecordBatch::try_from_iter(columns).map_err(AnalyticsError::Output)
    };
    match name {
        None => {
            let mut names = schema.table_names();
            names.sort();
            let (mut kinds, mut widths) = (Vec::new(), Vec::new());
            for name in &names {
                let table = schema
                    .table(name)
                    .await
                    .map_err(datafusion(format!("describing {name}")))?
                    .expect("a listed table exists");
                kinds.push(match table.table_type() {
                    TableType::View => "view",
                    _ => "table",
                });
                widths.push(table.schema().fields().len() as u64);
            }
            output(vec![
                ("table_name", Arc::new(StringArray::from(names))),
                ("kind", Arc::new(StringArray::from(kinds))),
                ("columns", Arc::new(UInt64Array::from(widths))),
            ])
            .map(Some)
        }
        Some(name) => {
            let Some(table) = schema
                .table(name)
                .await
                .map_err(datafusion(format!("describing {name}")))?
            else {
                return Ok(None);
            };
            let table_schema = table.schema();
            let fields = table_schema.fields();
            output(vec![
                (
                    "column_name",
                    Arc::new(StringArray::from_iter_values(
                        fields.iter().map(|f| f.name()),
                    )),
                ),
                (
                    "data_type",
                    Arc::new(StringArray::from_iter_values(
                        fields.iter().map(|f| f.data_type().to_string()),
                    )),
                ),
                (
                    "nullable",
                    Arc::new(BooleanArray::from_iter(
                        fields.iter().map(|f| Some(f.is_nullable())),
                    )),
                ),
            ])
            .map(Some)
        }
    }
}
