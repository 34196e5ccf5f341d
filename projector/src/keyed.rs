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

use datafusion::arrow::array::{make_array, ArrayRef, MutableArrayData, RecordBatch};
use datafusion::arrow::compute::{cast, concat_batches, SortOptions};
use datafusion::arrow::datatypes::{Schema, SchemaRef};
use datafusion::arrow::row::{RowConverter, Rows, SortField};
use datafusion::datasource::{MemTable, TableProvider};
use datafusion::prelude::SessionContext;
use pdn_ingest::log::FileEntry;
use pdn_schemas::Family;

use crate::corrections::{collect, hold, Applied, Corrections};
use crate::error::{arrow, datafusion, Result};
use crate::files::{events_over, timed, Held};
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
    let (old, read) = timed(|| crate::files::read_all(root, old(), schema));
    let old = old?;
    let (rows, merged) = timed(|| merge(keys, schema, &old, &fresh, &touched));
    let rows = rows?;
    let kept = old.num_rows();
    tracing::debug!(
        model = model.name,
        partition,
        kept,
        ?read,
        ?merged,
        "old rows merged"
    );
    Ok(Keyed::Rows { rows, applied, old })
}

/// The raw events of `family` in `partition` that the run's new corrections target (the table
/// `targets` of `ctx`), read once per run: every model reading these events gets the same rows.
/// Only the files of the months holding them are read (a whole model's family has files of every
/// month).
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
    let files = model
        .reads(inputs.state, family, partition)
        .filter(|f| inputs.target_months.contains(&f.partition));
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
        let held = hold(frame, &context).await?;
        ctx.deregister_table(name)
            .map_err(datafusion(context.as_str()))?;
        ctx.register_table(name, held)
            .map_err(datafusion(context))?;
    }
    Ok(())
}

/// The partition's rows: the `old` rows of untouched keys and the `fresh` rows of touched keys,
/// sorted by the model's order.
///
/// Both are sorted by the model's order (the old rows as their file was written, the fresh ones
/// by the query's `ORDER BY`), the key columns are a prefix of that order, and the two sets never
/// share a key: comparing keys alone places every row, and one linear merge gives what a full
/// sort would. The output is copied once, by runs of consecutive rows of either side.
fn merge(
    keys: &Keys,
    schema: &SchemaRef,
    old: &RecordBatch,
    fresh: &RecordBatch,
    touched: &RecordBatch,
) -> Result<RecordBatch> {
    let context = "merging the recomputed keys with the kept rows";
    let ascending = SortOptions {
        descending: false,
        nulls_first: false,
    };
    let converter = RowConverter::new(
        touched
            .schema()
            .fields()
            .iter()
            .map(|f| SortField::new_with_options(f.data_type().clone(), ascending))
            .collect(),
    )
    .map_err(arrow(context))?;
    let touched_rows = converter
        .convert_columns(touched.columns())
        .map_err(arrow(context))?;
    let set: HashSet<&[u8]> = touched_rows.iter().map(|r| r.data()).collect();
    let keys_of = |batch: &RecordBatch| -> Result<Rows> {
        let columns = key_columns(keys, batch, touched.schema_ref())?;
        converter.convert_columns(&columns).map_err(arrow(context))
    };
    let (old_keys, fresh_keys) = (keys_of(old)?, keys_of(fresh)?);
    let mut fresh_rows = (0..fresh.num_rows())
        .filter(|&i| set.contains(fresh_keys.row(i).data()))
        .peekable();
    let mut runs = Runs::default();
    for (i, key) in old_keys.iter().enumerate() {
        if set.contains(key.data()) {
            continue;
        }
        while let Some(f) = fresh_rows.next_if(|&f| fresh_keys.row(f) < key) {
            runs.push(FRESH, f);
        }
        runs.push(OLD, i);
    }
    fresh_rows.for_each(|f| runs.push(FRESH, f));
    let columns = (0..schema.fields().len())
        .map(|c| {
            let sides = [old.column(c).to_data(), fresh.column(c).to_data()];
            let mut out = MutableArrayData::new(sides.iter().collect(), false, runs.rows);
            for &(side, start, end) in &runs.list {
                out.try_extend(side, start, end).map_err(arrow(context))?;
            }
            Ok(make_array(out.freeze()))
        })
        .collect::<Result<Vec<ArrayRef>>>()?;
    RecordBatch::try_new(schema.clone(), columns).map_err(arrow(context))
}

const OLD: usize = 0;
const FRESH: usize = 1;

/// Runs of consecutive rows of one side of a merge: (side, first row, row after the last).
#[derive(Default)]
struct Runs {
    list: Vec<(usize, usize, usize)>,
    rows: usize,
}

impl Runs {
    fn push(&mut self, side: usize, row: usize) {
        self.rows += 1;
        match self.list.last_mut() {
            Some((s, _, end)) if *s == side && *end == row => *end += 1,
            _ => self.list.push((side, row, row + 1)),
        }
    }
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

#[cfg(test)]
mod tests {
    use datafusion::arrow::array::{Array, Int32Array, ListArray, StringArray};
    use datafusion::arrow::datatypes::{DataType, Field, Int32Type};

    use super::*;

    const KEYS: Keys = Keys {
        columns: &["youth"],
        order: &["youth", "month"],
        of_events: &[],
    };

    fn schema() -> SchemaRef {
        Arc::new(Schema::new(vec![
            Field::new("youth", DataType::Utf8, true),
            Field::new("month", DataType::Int32, false),
            Field::new_list(
                "contacts",
                Field::new_list_field(DataType::Int32, true),
                true,
            ),
        ]))
    }

    /// Rows (youth, month, contacts), in this order.
    fn rows(rows: &[(Option<&str>, i32, &[i32])]) -> RecordBatch {
        let youths: StringArray = rows.iter().map(|r| r.0).collect();
        let months: Int32Array = rows.iter().map(|r| r.1).collect();
        let contacts = ListArray::from_iter_primitive::<Int32Type, _, _>(
            rows.iter().map(|r| Some(r.2.iter().map(|&c| Some(c)))),
        );
        RecordBatch::try_new(
            schema(),
            vec![Arc::new(youths), Arc::new(months), Arc::new(contacts)],
        )
        .unwrap()
    }

    fn touched(youths: &[Option<&str>]) -> RecordBatch {
        let schema = key_schema(&KEYS, &schema()).unwrap();
        let column: StringArray = youths.iter().copied().collect();
        RecordBatch::try_new(schema, vec![Arc::new(column)]).unwrap()
    }

    #[test]
    fn merge_keeps_untouched_rows_and_places_the_recomputed_ones_in_order() {
        let old = rows(&[
            (Some("a"), 1, &[1]),
            (Some("b"), 1, &[2]),
            (Some("b"), 2, &[3, 4]),
            (Some("d"), 1, &[5]),
            (Some("f"), 1, &[]),
            (None, 1, &[6]),
        ]);
        // Recomputed for the touched `b`, `c` (new), `g` (new, last) and null; `e` is a key the
        // touched events also name but that is not touched: its row is partial and dropped.
        let fresh = rows(&[
            (Some("b"), 2, &[3, 4, 7]),
            (Some("c"), 1, &[8]),
            (Some("e"), 1, &[9]),
            (Some("g"), 1, &[10]),
            (None, 1, &[6, 11]),
        ]);
        let touched = touched(&[Some("g"), Some("b"), None, Some("c")]);
        let merged = merge(&KEYS, &schema(), &old, &fresh, &touched).unwrap();
        let expected = rows(&[
            (Some("a"), 1, &[1]),
            (Some("b"), 2, &[3, 4, 7]),
            (Some("c"), 1, &[8]),
            (Some("d"), 1, &[5]),
            (Some("f"), 1, &[]),
            (Some("g"), 1, &[10]),
            (None, 1, &[6, 11]),
        ]);
        assert_eq!(merged, expected);
        assert_eq!(merged.column(2).null_count(), 0);
    }

    #[test]
    fn merge_into_an_empty_partition_gives_the_recomputed_rows() {
        let fresh = rows(&[(Some("a"), 1, &[1]), (Some("b"), 1, &[2])]);
        let touched = touched(&[Some("a"), Some("b")]);
        let merged = merge(&KEYS, &schema(), &rows(&[]), &fresh, &touched).unwrap();
        assert_eq!(merged, fresh);
    }
}
