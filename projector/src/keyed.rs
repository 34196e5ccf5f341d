//! Keyed runs: recompute only the rows of a partition that new events name.
//!
//! A model with [`Keys`] declares that the rows naming one key (a youth, a professional, an
//! accompaniment...) are a function of the events naming that key alone. When a run removes no
//! event file, a partition's new rows are:
//!
//! - the old rows of the keys the run does not touch, kept as they are;
//! - the rows of the *touched* keys (below), computed by the model's own query over the
//!   partition's events naming those keys;
//!
//! sorted by the model's order, the unique key its query sorts by. Rows are a function of the
//! events, so these are the rows a full recomputation gives, and the file written from them has
//! the same bytes (the projector tests compare every file with a rebuild's).
//!
//! The touched keys are those whose rows may change: the keys the new events name (as corrected
//! now: an older correction may target them), and the keys the events targeted by the run's new
//! corrections name, both as corrected before the run and as corrected now (an amendment may move
//! an event from one key to another; a retraction removes it from its key).
//!
//! The cost is a scan of the partition's key columns and the touched keys' events, instead of the
//! model's query over every event of the partition.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, BooleanArray, RecordBatch, UInt32Array};
use datafusion::arrow::compute::{
    cast, concat_batches, filter_record_batch, take_record_batch, SortOptions,
};
use datafusion::arrow::datatypes::{Schema, SchemaRef};
use datafusion::arrow::row::{RowConverter, Rows, SortField};
use datafusion::datasource::{MemTable, TableProvider};
use datafusion::prelude::SessionContext;
use pdn_ingest::log::FileEntry;
use pdn_schemas::Family;

use crate::corrections::{collect, collect_frame, Applied, Corrections};
use crate::error::{arrow, datafusion, Result};
use crate::files::{events_over, Held};
use crate::models::{Keys, Model};
use crate::run::{register_sources, run_model, Inputs};

/// The table of touched keys registered for a keyed computation.
const TOUCHED: &str = "touched_keys";

/// What a keyed computation found.
pub enum Keyed {
    /// No key of the model has changed: its rows stay as they are.
    Unchanged,
    /// The touched keys name most of the partition's rows: recomputing it whole costs less than
    /// selecting their events and merging (the same rows either way).
    Most,
    /// The partition's rows, the amendments applied to the events read, and the partition's rows
    /// as they were (read for the merge).
    Rows {
        rows: RecordBatch,
        applied: Applied,
        old: RecordBatch,
    },
}

/// Recomputes the rows of one partition of `model` (keyed by `keys`) whose keys the `new` files'
/// events or the run's corrections touch, and keeps the others.
pub async fn compute(
    root: &Path,
    inputs: &Inputs<'_>,
    model: &Model,
    keys: &Keys,
    partition: &str,
    new: &BTreeMap<Family, Vec<FileEntry>>,
) -> Result<Keyed> {
    let schema = &inputs.schemas[model.name];
    let version = inputs.state.version;
    let ctx = crate::files::session();
    let mut views = Vec::new();
    for (&family, files) in new {
        let raw = events_over(root, version, family, files)?;
        let name = format!("new_{}", family.name());
        inputs
            .corrections
            .register_family_as(&ctx, family, &name, raw)
            .await?;
        views.push((family, name));
    }
    if !inputs.targets.is_empty() {
        let ids: Vec<&str> = inputs.targets.iter().map(String::as_str).collect();
        ctx.register_table("targets", crate::corrections::ids_table(&ids)?)
            .map_err(datafusion("registering the corrected event ids"))?;
        for &family in model.sources {
            let name = family.name();
            let batches = targeted_rows(&ctx, root, inputs, model, family, partition).await?;
            let context = format!("holding the corrected {name} events");
            // Held: both views below and the touched keys read these few events.
            let targeted: Arc<dyn TableProvider> = Arc::new(
                MemTable::try_new(pdn_schemas::arrow::table_schema(family), vec![batches])
                    .map_err(datafusion(context))?,
            );
            for (corrections, when) in [(inputs.previous, "before"), (inputs.corrections, "now")] {
                let view = format!("{name}_targeted_{when}");
                corrections
                    .register_family_as(&ctx, family, &view, targeted.clone())
                    .await?;
                views.push((family, view));
            }
        }
    }
    let touched = touched(&ctx, model, keys, schema, &views).await?;
    if touched.num_rows() == 0 {
        return Ok(Keyed::Unchanged);
    }
    let table = model.table();
    let old = || {
        inputs
            .state
            .files_of(&table)
            .filter(|f| f.partition == partition)
    };
    let rows: u64 = old().map(|f| f.rows).sum();
    if touched.num_rows() as u64 * 2 >= rows {
        return Ok(Keyed::Most);
    }
    let ctx = crate::files::session();
    let table = MemTable::try_new(touched.schema(), vec![vec![touched.clone()]])
        .map_err(datafusion("holding the touched keys"))?;
    ctx.register_table(TOUCHED, Arc::new(table))
        .map_err(datafusion("registering the touched keys"))?;
    let applied = register_sources(&ctx, root, inputs, model, partition, Some(keys)).await?;
    hold_sources(&ctx, model).await?;
    let fresh = run_model(&ctx, inputs, model, partition).await?;
    let old = crate::files::read_all(root, old(), schema)?;
    let rows = merge(keys, schema, &old, &fresh, &touched)?;
    Ok(Keyed::Rows { rows, applied, old })
}

/// The raw events of `family` in `partition` that the run's new corrections target (the table
/// `targets` of `ctx`), read once per run: every model reading these events gets the same rows.
async fn targeted_rows(
    ctx: &SessionContext,
    root: &Path,
    inputs: &Inputs<'_>,
    model: &Model,
    family: Family,
    partition: &str,
) -> Result<Vec<RecordBatch>> {
    let name = family.name();
    let files_name = Held::name(family, partition);
    if let Some(batches) = inputs.targeted.get(&files_name) {
        return Ok(batches);
    }
    let files = model.reads(inputs.state, family, partition);
    ctx.register_table(
        format!("{name}_partition"),
        events_over(root, inputs.state.version, family, files)?,
    )
    .map_err(datafusion(format!("registering the {name} events")))?;
    let sql =
        format!("SELECT * FROM {name}_partition WHERE event_id IN (SELECT event_id FROM targets)");
    let batches = collect(ctx, &sql, &format!("finding the corrected {name} events")).await?;
    inputs.targeted.keep(&files_name, &batches);
    Ok(batches)
}

/// The distinct keys named by the events of `ctx`'s corrected `views` (each of a source of
/// `model`), as columns of the model's key types.
async fn touched(
    ctx: &SessionContext,
    model: &Model,
    keys: &Keys,
    schema: &SchemaRef,
    views: &[(Family, String)],
) -> Result<RecordBatch> {
    let key_schema = key_schema(keys, schema)?;
    let columns = keys.columns.join(", ");
    let queries: Vec<String> = views
        .iter()
        .map(|(f, view)| format!("SELECT {columns} FROM ({})", keys.of(*f, view).0))
        .collect();
    if queries.is_empty() {
        return Ok(RecordBatch::new_empty(key_schema));
    }
    let sql = format!(
        "SELECT DISTINCT {columns} FROM ({})",
        queries.join(" UNION ALL ")
    );
    let context = format!("finding the keys of {} that new events name", model.name);
    let batches = collect(ctx, &sql, &context).await?;
    let mut cast_batches = Vec::with_capacity(batches.len());
    for batch in batches {
        let columns = batch
            .columns()
            .iter()
            .zip(key_schema.fields())
            .map(|(c, f)| cast(c, f.data_type()))
            .collect::<Result<Vec<ArrayRef>, _>>()
            .map_err(arrow(context.as_str()))?;
        cast_batches.push(
            RecordBatch::try_new(key_schema.clone(), columns).map_err(arrow(context.as_str()))?,
        );
    }
    concat_batches(&key_schema, &cast_batches).map_err(arrow(context))
}

/// Registers the view `<family>` of `ctx`: the corrected events of `raw` that name a key of the
/// table `touched_keys` of `ctx`, so that the model's query, run over these views, gives the
/// touched keys' rows (and possibly partial rows of other keys, which [`merge`] leaves out). The
/// keys select the raw rows before the corrections are applied to them
/// ([`Corrections::register_family_selected`]).
pub(crate) async fn register_filtered(
    ctx: &SessionContext,
    corrections: &Corrections,
    keys: &Keys,
    family: Family,
    raw: Arc<dyn TableProvider>,
    reuse: (&Held, &str),
) -> Result<Applied> {
    let on = |alias: &str| {
        keys.columns
            .iter()
            .map(|c| format!("({alias}.{c} IS NOT DISTINCT FROM k.{c})"))
            .collect::<Vec<_>>()
            .join(" AND ")
    };
    let select = |table: &str| {
        let (query, plain) = keys.of(family, table);
        if plain {
            format!(
                "SELECT e.* FROM {table} e LEFT SEMI JOIN {TOUCHED} k ON {}",
                on("e")
            )
        } else {
            format!(
                "SELECT * FROM {table} WHERE event_id IN \
                 (SELECT q.event_id FROM ({query}) q JOIN {TOUCHED} k ON {})",
                on("q")
            )
        }
    };
    corrections
        .register_family_selected(ctx, family, family.name(), raw, &select, Some(reuse))
        .await
}

/// Replaces each source view of `model` in `ctx` by its rows, read once: the touched keys' events
/// are few, and the model's query may read a source several times (each time a scan of the whole
/// partition, were it left a view).
async fn hold_sources(ctx: &SessionContext, model: &Model) -> Result<()> {
    for family in model.sources {
        let name = family.name();
        let context = format!("reading the touched keys' {name} events");
        let frame = ctx
            .table(name)
            .await
            .map_err(datafusion(context.as_str()))?;
        let schema: SchemaRef = Arc::new(frame.schema().as_arrow().clone());
        let batches = collect_frame(frame, &context).await?;
        let held =
            MemTable::try_new(schema, vec![batches]).map_err(datafusion(context.as_str()))?;
        ctx.deregister_table(name)
            .map_err(datafusion(context.as_str()))?;
        ctx.register_table(name, Arc::new(held))
            .map_err(datafusion(context))?;
    }
    Ok(())
}

/// The partition's rows: the `old` rows of untouched keys and the `fresh` rows of touched keys,
/// sorted by the model's order.
fn merge(
    keys: &Keys,
    schema: &SchemaRef,
    old: &RecordBatch,
    fresh: &RecordBatch,
    touched: &RecordBatch,
) -> Result<RecordBatch> {
    let context = "merging the recomputed keys with the kept rows";
    let converter = RowConverter::new(
        touched
            .schema()
            .fields()
            .iter()
            .map(|f| SortField::new(f.data_type().clone()))
            .collect(),
    )
    .map_err(arrow(context))?;
    let touched_rows = converter
        .convert_columns(touched.columns())
        .map_err(arrow(context))?;
    let set: HashSet<&[u8]> = touched_rows.iter().map(|r| r.data()).collect();
    let named = |batch: &RecordBatch| -> Result<BooleanArray> {
        let columns = key_columns(keys, batch, touched.schema_ref())?;
        let rows: Rows = converter
            .convert_columns(&columns)
            .map_err(arrow(context))?;
        Ok(rows.iter().map(|r| Some(set.contains(r.data()))).collect())
    };
    let untouched = datafusion::arrow::compute::not(&named(old)?).map_err(arrow(context))?;
    let kept = filter_record_batch(old, &untouched).map_err(arrow(context))?;
    let recomputed = filter_record_batch(fresh, &named(fresh)?).map_err(arrow(context))?;
    let split = kept.num_rows();
    let all = concat_batches(schema, &[kept, recomputed]).map_err(arrow(context))?;
    // Both runs are sorted by the model's order (the kept rows as their file was written, the
    // recomputed ones by the query's ORDER BY), and that order is a unique key whose keys the two
    // runs never share: one linear merge gives what a full sort would.
    let order = keys
        .order
        .iter()
        .map(|c| {
            let index = schema.index_of(c).map_err(arrow(context))?;
            Ok(all.column(index).clone())
        })
        .collect::<Result<Vec<ArrayRef>>>()?;
    let ascending = SortOptions {
        descending: false,
        nulls_first: false,
    };
    let rows = RowConverter::new(
        order
            .iter()
            .map(|a| SortField::new_with_options(a.data_type().clone(), ascending))
            .collect(),
    )
    .and_then(|converter| converter.convert_columns(&order))
    .map_err(arrow(context))?;
    let (mut left, mut right) = (0, split);
    let mut indices = Vec::with_capacity(all.num_rows());
    while left < split || right < all.num_rows() {
        let take_right =
            left == split || (right < all.num_rows() && rows.row(right) < rows.row(left));
        let next = if take_right { &mut right } else { &mut left };
        indices.push(*next as u32);
        *next += 1;
    }
    take_record_batch(&all, &UInt32Array::from(indices)).map_err(arrow(context))
}

/// The key columns of `batch` (rows of the model), cast to the touched keys' types.
fn key_columns(keys: &Keys, batch: &RecordBatch, to: &Schema) -> Result<Vec<ArrayRef>> {
    let context = "reading the key columns of a model";
    keys.columns
        .iter()
        .zip(to.fields())
        .map(|(c, f)| {
            let index = batch.schema().index_of(c).map_err(arrow(context))?;
            cast(batch.column(index), f.data_type()).map_err(arrow(context))
        })
        .collect()
}

/// The key columns of the model's schema.
fn key_schema(keys: &Keys, schema: &SchemaRef) -> Result<SchemaRef> {
    let fields = keys
        .columns
        .iter()
        .map(|c| {
            let field = schema
                .field_with_name(c)
                .map_err(arrow("reading a model's key columns"))?;
            Ok(field.clone().with_nullable(true))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Arc::new(Schema::new(fields)))
}
