//! The evaluation indicators (DOMAIN §4): a catalogue of SQL files ([`catalogue`]) run by
//! DataFusion over the read models and the corrected events ([`crate::tables::register_corrected`])
//! for a year and a department (or all), with the previous year, the change, and statistical
//! secrecy applied ([`secret`]) since the output is meant for publication.

pub mod catalogue;
mod ctes;
pub mod render;
pub mod secret;

use std::collections::BTreeMap;
use std::path::Path;

use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Float64Type, Int64Type};
use datafusion::common::{ParamValues, ScalarValue};
use datafusion::prelude::{SessionConfig, SessionContext};
use futures::stream::{self, StreamExt};

pub use catalogue::{catalogue, Indicator, Secret, AXES};
pub use secret::{Cell, MIN_YOUTHS};

use crate::error::{datafusion, AnalyticsError, Result};

/// The parameters of an indicator query: its placeholders `$year` and `$department`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Params {
    /// The local calendar year.
    pub year: i32,
    /// A department code, or `None` for every department.
    pub department: Option<String>,
}

/// One line of the published table: an indicator's cell for the previous and the asked year.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Line {
    pub id: &'static str,
    pub ventilation: Option<String>,
    pub previous: Option<Cell>,
    pub current: Option<Cell>,
    /// `current - previous`, unless either is missing or suppressed.
    pub change: Option<f64>,
}

/// A session over the lake at `root` as indicators read it (corrected events, read models).
pub async fn session(root: &Path) -> Result<(SessionContext, u64)> {
    // Filters are evaluated while the Parquet files are decoded: a department's query decodes
    // the other columns of its own rows only.
    let mut config = SessionConfig::new();
    let parquet = &mut config.options_mut().execution.parquet;
    parquet.pushdown_filters = true;
    parquet.reorder_filters = true;
    let ctx = SessionContext::new_with_config(config);
    let version = crate::tables::register_corrected(&ctx, root).await?;
    Ok((ctx, version))
}

/// Runs `indicator` for `params`: its cells, total first, secrecy applied if it is about youths.
pub async fn compute(
    ctx: &SessionContext,
    indicator: &Indicator,
    params: &Params,
) -> Result<Vec<Cell>> {
    let context = || format!("computing the indicator {}", indicator.id);
    let batches = ctes::collect(ctx, indicator.sql, &values(params))
        .await
        .map_err(datafusion(context()))?;
    let mut cells = Vec::new();
    for batch in &batches {
        cells.extend(cells_of(indicator.id, batch)?);
    }
    if indicator.secret == Secret::Youths {
        secret::suppress(&mut cells);
    }
    Ok(cells)
}

/// Runs each indicator of `runs` for its parameters, as many at once as the machine has cores
/// (small runs leave cores idle in their planning and final stages), and gives their cells in
/// the order of `runs`; `done` is told each run finished, in that order.
pub async fn compute_many<'a>(
    ctx: &SessionContext,
    runs: &[(&'a Indicator, Params)],
    mut done: impl FnMut(&'a Indicator),
) -> Result<Vec<Vec<Cell>>> {
    let width = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut finished = stream::iter(runs.iter().map(|(indicator, params)| {
        let (ctx, run, params) = (ctx.clone(), (*indicator).clone(), params.clone());
        tokio::spawn(async move { compute(&ctx, &run, &params).await })
    }))
    .buffered(width);
    let mut cells = Vec::with_capacity(runs.len());
    for (indicator, _) in runs {
        let result = finished
            .next()
            .await
            .expect("one result per run")
            .map_err(|e| AnalyticsError::Indicator {
                id: indicator.id.to_owned(),
                reason: format!("the run stopped: {e}"),
            })?;
        cells.push(result?);
        done(indicator);
    }
    Ok(cells)
}

/// Every indicator for `params.year` and the year before, line by line (an indicator's total,
/// then its breakdown), with the change; `progress` is told each indicator done.
pub async fn table(
    ctx: &SessionContext,
    indicators: &[Indicator],
    params: &Params,
    mut progress: impl FnMut(&Indicator),
) -> Result<Vec<Line>> {
    let previous_params = Params {
        year: params.year - 1,
        ..params.clone()
    };
    let runs: Vec<(&Indicator, Params)> = indicators
        .iter()
        .flat_map(|i| [(i, params.clone()), (i, previous_params.clone())])
        .collect();
    let mut pairs = 0;
    let results = compute_many(ctx, &runs, |indicator| {
        pairs += 1;
        if pairs % 2 == 0 {
            progress(indicator);
        }
    })
    .await?;
    let mut lines = Vec::new();
    for (indicator, pair) in indicators.iter().zip(results.chunks(2)) {
        // By label, the total (`None`) first: a breakdown can have tens of thousands of labels
        // (pairs of structures), so they are matched through a map, not by search.
        let mut by_label: BTreeMap<Option<String>, [Option<Cell>; 2]> = BTreeMap::new();
        for (side, cells) in [(1, &pair[0]), (0, &pair[1])] {
            for cell in cells {
                by_label.entry(cell.ventilation.clone()).or_default()[side]
                    .get_or_insert_with(|| cell.clone());
            }
        }
        for (label, [previous, current]) in by_label {
            let shown =
                |c: &Option<Cell>| c.as_ref().filter(|c| !c.suppressed).and_then(|c| c.value);
            let change = shown(&current).zip(shown(&previous)).map(|(c, p)| c - p);
            lines.push(Line {
                id: indicator.id,
                ventilation: label,
                previous,
                current,
                change,
            });
        }
    }
    Ok(lines)
}

/// The values of an indicator query's placeholders `$year` and `$department`.
fn values(params: &Params) -> ParamValues {
    ParamValues::from(vec![
        ("year", ScalarValue::Int32(Some(params.year))),
        ("department", ScalarValue::Utf8(params.department.clone())),
    ])
}

/// The cells of a result batch, checked against the contract (see [`catalogue`]).
fn cells_of(id: &str, batch: &RecordBatch) -> Result<Vec<Cell>> {
    let column = |name: &str, to: &DataType| {
        let array = batch
            .column_by_name(name)
            .ok_or_else(|| AnalyticsError::Indicator {
                id: id.to_owned(),
                reason: format!("the query returns no column `{name}`"),
            })?;
        cast(array, to).map_err(|e| AnalyticsError::Indicator {
            id: id.to_owned(),
            reason: format!("column `{name}`: {e}"),
        })
    };
    let ventilation = column("ventilation", &DataType::Utf8)?;
    let value = column("valeur", &DataType::Float64)?;
    let youths = column("jeunes", &DataType::Int64)?;
    let (ventilation, value, youths) = (
        ventilation.as_string::<i32>(),
        value.as_primitive::<Float64Type>(),
        youths.as_primitive::<Int64Type>(),
    );
    let get = |array: &dyn Array, row: usize| array.is_valid(row);
    Ok((0..batch.num_rows())
        .map(|row| Cell {
            ventilation: get(ventilation, row).then(|| ventilation.value(row).to_owned()),
            value: get(value, row)
                .then(|| value.value(row))
                .filter(|v| v.is_finite()),
            youths: get(youths, row).then(|| youths.value(row)),
            suppressed: false,
        })
        .collect())
}
