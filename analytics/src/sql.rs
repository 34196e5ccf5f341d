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
    }
}
