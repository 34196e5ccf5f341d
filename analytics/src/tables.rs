//! The lake's tables at one committed version, registered in a DataFusion session.
//!
//! Invariant: a table reads exactly the files that the commit log names at that version, never a
//! folder listing. So a query sees whole batches or nothing (a batch exists once its commit is
//! claimed), never a staged or half-written file, and later commits (new batches, compactions
//! that add and remove files) do not change what an open session counts.
//!
//! Tables: one per event family, named after it (`contact`, `referral`...), with the columns of
//! `pdn_schemas::arrow::table_schema`; `dead_letters`; the view `events`, the envelope columns
//! of every family with a `family` column; and the projector's read models, by name (`youth_month`,
//! `accompaniments`... see `pdn_projector::models`), as of the same version; then the views of
//! `analytics/views/`, one per file, named after it: friendly French names over the read models and
//! the contacts (`jeunes_par_mois`, `orientations`...), keeping `department`, the scope key of
//! `pdn serve`.

use std::path::Path;
use std::sync::Arc;

use datafusion::arrow::datatypes::SchemaRef;
use datafusion::datasource::TableProvider;
use datafusion::prelude::SessionContext;
use pdn_ingest::log::LogState;
use pdn_projector::corrections::Corrections;
use pdn_projector::files::table_over;
use pdn_schemas::Family;

use crate::error::{datafusion, Result};

/// The name of the dead-letter table.
pub const DEAD_LETTERS: &str = "dead_letters";
/// The name of the view over the envelope columns of every event table.
pub const EVENTS_VIEW: &str = "events";
/// The envelope columns the `events` view takes from each event table (then `family`).
pub const EVENTS_VIEW_COLUMNS: &[&str] = &[
    "event_id",
    "event_type",
    "received_version",
    "occurred_at",
    "utc_offset_minutes",
    "source_app",
    "department",
    "structure_id",
    "professional_id",
];

/// A session over the lake at `root`, at its latest committed version (returned with it).
pub async fn open(root: &Path) -> Result<(SessionContext, u64)> {
    let ctx = SessionContext::new();
    let version = register(&ctx, root).await?;
    Ok((ctx, version))
}

/// Registers the lake's tables, at its latest committed version, in `ctx`; returns the version.
pub async fn register(ctx: &SessionContext, root: &Path) -> Result<u64> {
    let state = pdn_ingest::lake::read_state(root)?;
    for &family in Family::ALL {
        let table = format!("events/{}", family.name());
        let provider = table_at(
            root,
            &state,
            &table,
            pdn_schemas::arrow::table_schema(family),
        )?;
        register_table(ctx, family.name(), provider)?;
    }
    let dead = table_at(
        root,
        &state,
        "dead_letters",
        pdn_ingest::dead_letter::schema(),
    )?;
    register_table(ctx, DEAD_LETTERS, dead)?;
    register_models(ctx, root, &state).await?;
    let union = Family::ALL
        .iter()
        .map(|f| {
            format!(
                "SELECT {}, '{1}' AS family FROM {1}",
                EVENTS_VIEW_COLUMNS.join(", "),
                f.name()
            )
        })
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    ctx.sql(&format!("CREATE VIEW {EVENTS_VIEW} AS {union}"))
        .await
        .map_err(datafusion("creating the events view"))?;
    for (name, sql) in VIEW_FILES {
        ctx.sql(&format!("CREATE VIEW {name} AS {sql}"))
            .await
            .map_err(datafusion(format!("creating the view {name}")))?;
    }
    Ok(state.version)
}

include!(concat!(env!("OUT_DIR"), "/view_files.rs"));

/// Registers the lake's tables as the indicators read them, at its latest committed version, in
/// `ctx`; returns the version. Each event family but corrections is the view `<family>` of its
/// events *as corrected* (retracted events left out, amended ones replaced: the projector's rule,
/// so indicators read events exactly as the read models do), its raw table being `<family>_raw`;
/// `correction` holds the corrections themselves; then the read models by name, and the taxonomy
/// tables the models use (`sensitive_themes`...).
pub async fn register_corrected(ctx: &SessionContext, root: &Path) -> Result<u64> {
    let state = pdn_ingest::lake::read_state(root)?;
    let corrections = Corrections::of_lake(root, &state).await?;
    for &family in Family::ALL {
        let table = format!("events/{}", family.name());
        let schema = pdn_schemas::arrow::table_schema(family);
        let provider = table_at(root, &state, &table, schema)?;
        if family == Family::Correction {
            register_table(ctx, family.name(), provider)?;
        } else {
            corrections.register_family(ctx, family, provider).await?;
        }
    }
    register_models(ctx, root, &state).await?;
    pdn_projector::schema::register_taxonomies(ctx)?;
    Ok(state.version)
}

async fn register_models(ctx: &SessionContext, root: &Path, state: &LogState) -> Result<()> {
    for model in pdn_projector::models::MODELS {
        let schema = pdn_projector::schema::of(model).await?;
        let provider = table_at(root, state, &model.table(), schema)?;
        register_table(ctx, model.name, provider)?;
    }
    Ok(())
}

fn register_table(ctx: &SessionContext, name: &str, table: Arc<dyn TableProvider>) -> Result<()> {
    ctx.register_table(name, table)
        .map_err(datafusion(format!("registering table {name}")))?;
    Ok(())
}

/// The table `table` of the lake: its live files at the state's version, or an empty table with
/// its schema.
fn table_at(
    root: &Path,
    state: &LogState,
    table: &str,
    schema: SchemaRef,
) -> Result<Arc<dyn TableProvider>> {
    Ok(table_over(
        root,
        state.version,
        table,
        state.files_of(table),
        schema,
    )?)
}
