//! Corrections: the read models see each event as its last correction says it should be read.
//!
//! A `correction.retracted` event removes its target from every read model; a `correction.amended`
//! event replaces its target's payload (the envelope stays the target's). When several corrections
//! target one event id, the last one (by `occurred_at`, then `event_id`) decides. The raw log keeps
//! every original and every correction: only the projector's view of the events changes.
//!
//! An amendment applies to the events of its `target_type`'s family; its replacement is validated
//! again with the target's envelope, by the same validator as ingest. One that does not validate
//! (or whose target is not in that family) changes nothing and is counted as ignored.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, FixedOffset, TimeZone, Utc};
use datafusion::arrow::array::{Array, AsArray, RecordBatch, StringArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, Schema, TimeUnit, TimestampMicrosecondType};
use datafusion::datasource::{MemTable, TableProvider};
use datafusion::prelude::{DataFrame, SessionContext};
use pdn_ingest::log::LogState;
use pdn_ingest::rows::TableBuilder;
use pdn_schemas::{EventType, Family, Validator};

use crate::error::{arrow, datafusion, Result};
use crate::files::{events_over, Held};

/// The deciding correction of every corrected event id.
#[derive(Debug, Default)]
pub struct Corrections {
    retracted: BTreeSet<String>,
    amended: BTreeMap<String, Amendment>,
}

#[derive(Debug)]
struct Amendment {
    target_type: EventType,
    replacement: serde_json::Value,
}

/// What applying the corrections to one family's events did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Applied {
    pub amended: u64,
    pub ignored: u64,
}

impl Corrections {
    /// Reads the deciding correction of each target from `corrections` (a table, or a query in
    /// parentheses, of correction events in `ctx`).
    async fn load(ctx: &SessionContext, corrections: &str) -> Result<Corrections> {
        let sql = format!(
            "SELECT target_event_id, event_type, target_type, replacement_json FROM ( \
               SELECT target_event_id, event_type, target_type, replacement_json, \
                 row_number() OVER (PARTITION BY target_event_id \
                                    ORDER BY occurred_at DESC, event_id DESC) AS latest \
               FROM {corrections}) WHERE latest = 1"
        );
        let batches = collect(ctx, &sql, "reading the corrections").await?;
        let mut corrections = Corrections::default();
        for batch in &batches {
            let [target, kind, target_type, replacement] =
                [0, 1, 2, 3].map(|i| strings(batch.column(i).as_ref()));
            for row in 0..batch.num_rows() {
                let target = target.value(row).to_owned();
                if kind.value(row) == EventType::EventRetracted.code() {
                    corrections.retracted.insert(target);
                    continue;
                }
                let parsed = EventType::from_code(target_type.value(row))
                    .zip(serde_json::from_str::<serde_json::Value>(replacement.value(row)).ok());
                if let Some((target_type, replacement)) = parsed {
                    corrections.amended.insert(
                        target,
                        Amendment {
                            target_type,
                            replacement,
                        },
                    );
                }
            }
        }
        Ok(corrections)
    }

    /// The deciding corrections of the whole log of the lake at `root`, at `state`.
    pub async fn of_lake(root: &Path, state: &LogState) -> Result<Corrections> {
        let ctx = crate::files::session();
        let table = format!("events/{}", Family::Correction.name());
        let provider = events_over(
            root,
            state.version,
            Family::Correction,
            state.files_of(&table),
        )?;
        register(&ctx, "correction_raw", provider)?;
        Corrections::load(&ctx, "correction_raw").await
    }

    /// The deciding corrections of the whole log of the lake at `root`, at `state`; and those of
    /// the events `targets` before the correction events of the files `new` were committed (the
    /// corrections a keyed run undoes: `crate::keyed`). The correction files are read once.
    pub async fn of_lake_and_before(
        root: &Path,
        state: &LogState,
        new: &BTreeSet<&String>,
        targets: &[String],
    ) -> Result<(Corrections, Corrections)> {
        let ctx = crate::files::session();
        let table = format!("events/{}", Family::Correction.name());
        let (fresh, old): (Vec<_>, Vec<_>) =
            state.files_of(&table).partition(|f| new.contains(&f.path));
        for (name, files) in [("correction_old", old), ("correction_new", fresh)] {
            let provider = events_over(root, state.version, Family::Correction, files)?;
            let context = format!("reading the corrections ({name})");
            let frame = ctx
                .read_table(provider)
                .map_err(datafusion(context.as_str()))?;
            register(&ctx, name, hold(frame, &context).await?)?;
        }
        let now = Corrections::load(
            &ctx,
            "(SELECT * FROM correction_old UNION ALL SELECT * FROM correction_new)",
        )
        .await?;
        let ids: Vec<&str> = targets.iter().map(String::as_str).collect();
        ctx.register_table("targets", ids_table(&ids)?)
            .map_err(datafusion("registering the corrected event ids"))?;
        let before = Corrections::load(
            &ctx,
            "(SELECT * FROM correction_old \
              WHERE target_event_id IN (SELECT event_id FROM targets))",
        )
        .await?;
        Ok((now, before))
    }

    /// Whether no event is corrected.
    pub fn is_empty(&self) -> bool {
        self.retracted.is_empty() && self.amended.is_empty()
    }

    /// Registers the view `<family>` of `ctx`: the rows of `raw` (registered as `<family>_raw`) as
    /// corrected (retracted ones left out, amended ones replaced).
    pub async fn register_family(
        &self,
        ctx: &SessionContext,
        family: Family,
        raw: Arc<dyn TableProvider>,
    ) -> Result<Applied> {
        self.register_family_as(ctx, family, family.name(), raw)
            .await
    }

    /// Registers the view `name` of `ctx`: the rows of `raw`, events of `family` (registered as
    /// `<name>_raw`), as corrected.
    pub async fn register_family_as(
        &self,
        ctx: &SessionContext,
        family: Family,
        name: &str,
        raw: Arc<dyn TableProvider>,
    ) -> Result<Applied> {
        self.register_family_selected(ctx, family, name, raw, &all_rows, None)
            .await
    }

    /// Registers the view `name` of `ctx`: the rows that `select` (a query over a table of events
    /// of `family`, given its name, that keeps some of its rows) keeps of the rows of `raw` as
    /// corrected. `select` is applied to the raw rows and to the amended ones apart, before
    /// retracted and amended rows are taken out: the same rows as applying it to the corrected
    /// view (it keeps or drops each row on its own), but the corrections then join only the rows
    /// it keeps. The corrected events are still looked for in all of `raw`: an amendment may bring
    /// an event into the selection. With `reuse`, the corrected events found in `raw` are kept in
    /// the run's [`Held`] under the name of `raw`'s files, and not looked for again.
    pub async fn register_family_selected(
        &self,
        ctx: &SessionContext,
        family: Family,
        name: &str,
        raw: Arc<dyn TableProvider>,
        select: &(dyn Fn(&str) -> String + Sync),
        reuse: Option<(&Held, &str)>,
    ) -> Result<Applied> {
        register(ctx, &format!("{name}_raw"), raw)?;
        let touches = |t: &EventType| t.family() == family;
        if self.retracted.is_empty() && !self.amended.values().any(|a| touches(&a.target_type)) {
            let sql = format!("CREATE VIEW {name} AS {}", select(&format!("{name}_raw")));
            execute(ctx, &sql, name).await?;
            return Ok(Applied::default());
        }
        let candidates: Vec<&str> = self
            .retracted
            .iter()
            .chain(self.amended.keys())
            .map(String::as_str)
            .collect();
        register(ctx, &format!("{name}_candidates"), ids_table(&candidates)?)?;
        let targets = match reuse.and_then(|(held, raw_name)| held.get(raw_name)) {
            Some(targets) => targets,
            None => {
                let sql = format!(
                    "SELECT event_id, occurred_at, utc_offset_minutes, source_app, department, \
                     structure_id, professional_id FROM {name}_raw \
                     WHERE event_id IN (SELECT event_id FROM {name}_candidates)"
                );
                let context = format!("finding the corrected {name} events");
                let targets = collect(ctx, &sql, &context).await?;
                if let Some((held, raw_name)) = reuse {
                    held.keep(raw_name, &targets);
                }
                targets
            }
        };
        let mut removed = Vec::new();
        let mut builder = TableBuilder::new(family);
        let mut applied = Applied::default();
        for batch in &targets {
            let envelopes = Envelopes::of(batch)?;
            for row in 0..batch.num_rows() {
                let id = envelopes.text[0].value(row).to_owned();
                if self.retracted.contains(&id) {
                    removed.push(id);
                    continue;
                }
                let Some(amendment) = self.amended.get(&id) else {
                    continue;
                };
                if !touches(&amendment.target_type) {
                    applied.ignored += 1;
                    continue;
                }
                match envelopes.amended_event(row, amendment) {
                    Some(event) => {
                        builder.push(&event);
                        applied.amended += 1;
                        removed.push(id);
                    }
                    None => {
                        tracing::warn!(event_id = %id, "an amendment does not validate; ignored");
                        applied.ignored += 1;
                    }
                }
            }
        }
        let removed: Vec<&str> = removed.iter().map(String::as_str).collect();
        register(ctx, &format!("{name}_corrected"), ids_table(&removed)?)?;
        let amended = MemTable::try_new(
            pdn_schemas::arrow::table_schema(family),
            vec![vec![builder.finish()]],
        )
        .map_err(datafusion(format!("holding the amended {name} events")))?;
        register(ctx, &format!("{name}_amended"), Arc::new(amended))?;
        let sql = format!(
            "CREATE VIEW {name} AS \
             SELECT * FROM ({}) WHERE event_id NOT IN (SELECT event_id FROM {name}_corrected) \
             UNION ALL {}",
            select(&format!("{name}_raw")),
            select(&format!("{name}_amended"))
        );
        execute(ctx, &sql, name).await?;
        Ok(applied)
    }
}

/// The query keeping every row of `table`.
pub(crate) fn all_rows(table: &str) -> String {
    format!("SELECT * FROM {table}")
}

/// The envelope columns of the corrected events found (`event_id`, `occurred_at`,
/// `utc_offset_minutes`, `source_app`, `department`, `structure_id`, `professional_id`), each cast
/// once per batch.
struct Envelopes {
    /// `event_id`, `source_app`, `department`, `structure_id`, `professional_id`.
    text: [StringArray; 5],
    micros: datafusion::arrow::array::TimestampMicrosecondArray,
    offsets: datafusion::arrow::array::Int32Array,
}

impl Envelopes {
    fn of(batch: &RecordBatch) -> Result<Envelopes> {
        let context = "reading the corrected events' envelopes";
        let cast_to = |i: usize, to: &DataType| cast(batch.column(i), to).map_err(arrow(context));
        let micros = cast_to(
            1,
            &DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
        )?;
        let offsets = cast_to(2, &DataType::Int32)?;
        Ok(Envelopes {
            text: [0, 3, 4, 5, 6].map(|i| strings(batch.column(i).as_ref())),
            micros: micros.as_primitive::<TimestampMicrosecondType>().clone(),
            offsets: offsets
                .as_primitive::<datafusion::arrow::datatypes::Int32Type>()
                .clone(),
        })
    }

    /// The target event of row `row` with the amendment's payload, if it validates.
    fn amended_event(&self, row: usize, amendment: &Amendment) -> Option<pdn_schemas::Event> {
        let utc: DateTime<Utc> = Utc.timestamp_micros(self.micros.value(row)).single()?;
        let local = utc.with_timezone(&FixedOffset::east_opt(self.offsets.value(row) * 60)?);
        let text = |i: usize| self.text[i].value(row);
        let event = serde_json::json!({
            "event_id": text(0),
            "type": amendment.target_type.code(),
            "schema_version": amendment.target_type.current_version(),
            "occurred_at": local.to_rfc3339(),
            "source_app": text(1),
            "department": text(2),
            "structure_id": text(3),
            "professional_id": text(4),
            "payload": amendment.replacement,
        });
        Validator::at(utc)
            .validate(event.to_string().as_bytes())
            .ok()
    }
}

/// A one-column table `event_id` holding `ids`.
pub(crate) fn ids_table(ids: &[&str]) -> Result<Arc<dyn TableProvider>> {
    let schema = Arc::new(Schema::new(vec![Field::new(
        "event_id",
        DataType::Utf8,
        false,
    )]));
    let column = Arc::new(StringArray::from(ids.to_vec()));
    let batch = RecordBatch::try_new(schema.clone(), vec![column])
        .map_err(arrow("holding corrected event ids"))?;
    let table = MemTable::try_new(schema, vec![vec![batch]])
        .map_err(datafusion("holding corrected event ids"))?;
    Ok(Arc::new(table))
}

/// A string column as `StringArray`, whatever string type the reader chose.
pub fn strings(column: &dyn Array) -> StringArray {
    cast(column, &DataType::Utf8)
        .expect("string columns cast to Utf8")
        .as_string::<i32>()
        .clone()
}

fn register(ctx: &SessionContext, name: &str, table: Arc<dyn TableProvider>) -> Result<()> {
    ctx.register_table(name, table)
        .map_err(datafusion(format!("registering table {name}")))?;
    Ok(())
}

async fn execute(ctx: &SessionContext, sql: &str, name: &str) -> Result<()> {
    ctx.sql(sql)
        .await
        .map_err(datafusion(format!("creating the corrected view {name}")))?;
    Ok(())
}

pub(crate) async fn collect(
    ctx: &SessionContext,
    sql: &str,
    context: &str,
) -> Result<Vec<RecordBatch>> {
    let frame = ctx.sql(sql).await.map_err(datafusion(context))?;
    collect_frame(frame, context).await
}

/// The rows of `frame`, run once ([`collect_frame`]) and held in memory as a table.
pub(crate) async fn hold(frame: DataFrame, context: &str) -> Result<Arc<dyn TableProvider>> {
    let schema = Arc::new(frame.schema().as_arrow().clone());
    let batches = collect_frame(frame, context).await?;
    let held = MemTable::try_new(schema, vec![batches]).map_err(datafusion(context))?;
    Ok(Arc::new(held))
}

/// Runs `frame`, logging (at debug level) how long it took and the rows it gave.
pub(crate) async fn collect_frame(frame: DataFrame, context: &str) -> Result<Vec<RecordBatch>> {
    let started = std::time::Instant::now();
    let batches = frame.collect().await.map_err(datafusion(context))?;
    let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
    tracing::debug!(query = context, rows, elapsed = ?started.elapsed(), "query ran");
    Ok(batches)
}
