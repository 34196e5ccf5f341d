//! A user's session: the lake's tables restricted to the departments the user may see.
//!
//! Invariants, whatever SQL the user writes (joins, subqueries, `UNION`, CTEs, catalog queries):
//! - the session's catalog holds no table that reads unrestricted rows. Every table that
//!   [`tables::register`] put in it (the event tables, the `events` view, and whatever read models
//!   it registers later) is replaced by a [`Restricted`] table over itself, whose scan keeps only
//!   the rows of `department IN (scope)` before any expression of the user's query sees them; the
//!   unrestricted table is reachable only inside that scan, never by name;
//! - a table without a `department` column cannot be restricted, so a departmental user does not
//!   get it at all (fail closed); a national user gets it;
//! - `dead_letters` (quarantine: may hold what the pipeline refuses to store) is never exposed;
//! - the catalogs `information_schema` and `pg_catalog` describe the restricted tables only.

use std::sync::Arc;

use datafusion::catalog::{SchemaProvider, TableProvider};
use datafusion::execution::disk_manager::{DiskManagerBuilder, DiskManagerMode};
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::prelude::{SessionConfig, SessionContext};
use datafusion_postgres::datafusion_pg_catalog::pg_catalog::context::EmptyContextProvider;
use datafusion_postgres::datafusion_pg_catalog::pg_catalog::setup_pg_catalog;

use super::restricted::Restricted;
use super::users::Scope;
use crate::error::{datafusion, AnalyticsError, Result};
use crate::tables;

/// The column every restricted table is filtered on.
pub const DEPARTMENT: &str = "department";

/// The catalog and schema the tables live in (DataFusion's defaults, what clients see).
pub const CATALOG: &str = "datafusion";

/// A session over the lake at `root`, at its latest committed version (returned with it), showing
/// only what `scope` allows; its queries may hold at most `memory_limit` bytes.
pub async fn open(
    root: &std::path::Path,
    scope: &Scope,
    memory_limit: usize,
) -> Result<(SessionContext, u64)> {
    // No spilling: a query that outgrows its memory stops, rather than writing to the disk.
    let runtime = RuntimeEnvBuilder::new()
        .with_memory_limit(memory_limit, 1.0)
        .with_disk_manager_builder(
            DiskManagerBuilder::default().with_mode(DiskManagerMode::Disabled),
        )
        .build_arc()
        .map_err(datafusion("creating the query runtime"))?;
    let config = SessionConfig::new()
        .with_information_schema(true)
        .with_default_catalog_and_schema(CATALOG, "public");
    let ctx = SessionContext::new_with_config_rt(config, runtime);
    let version = tables::register(&ctx, root).await?;
    restrict(&ctx, scope).await?;
    setup_pg_catalog(&ctx, CATALOG, EmptyContextProvider).map_err(|e| {
        AnalyticsError::DataFusion {
            context: "setting up pg_catalog".into(),
            source: *e,
        }
    })?;
    Ok((ctx, version))
}

/// Replaces every table of `ctx` by what `scope` may see of it (see the module's invariants).
pub async fn restrict(ctx: &SessionContext, scope: &Scope) -> Result<()> {
    for catalog_name in ctx.catalog_names() {
        let Some(catalog) = ctx.catalog(&catalog_name) else {
            continue;
        };
        for schema_name in catalog.schema_names() {
            if schema_name == "information_schema" {
                continue;
            }
            let Some(schema) = catalog.schema(&schema_name) else {
                continue;
            };
            for name in schema.table_names() {
                restrict_table(schema.as_ref(), &name, scope).await?;
            }
        }
    }
    Ok(())
}

async fn restrict_table(schema: &dyn SchemaProvider, name: &str, scope: &Scope) -> Result<()> {
    let context = || format!("restricting table {name}");
    let replacement = match scope {
        _ if name == tables::DEAD_LETTERS => None,
        Scope::National => return Ok(()),
        Scope::Departments(departments) => schema
            .table(name)
            .await
            .map_err(datafusion(context()))?
            .filter(|t| t.schema().column_with_name(DEPARTMENT).is_some())
            .map(|t| restricted(t, departments)),
    };
    schema
        .deregister_table(name)
        .map_err(datafusion(context()))?;
    match replacement {
        Some(view) => {
            schema
                .register_table(name.to_owned(), view)
                .map_err(datafusion(context()))?;
        }
        None if name != tables::DEAD_LETTERS => {
            tracing::warn!(
                table = name,
                "no department column: not shown to departmental users"
            );
        }
        None => {}
    }
    Ok(())
}

/// What `table` shows of the rows of `departments` (see [`Restricted`]).
fn restricted(table: Arc<dyn TableProvider>, departments: &[String]) -> Arc<dyn TableProvider> {
    Arc::new(Restricted::new(table, departments))
}
