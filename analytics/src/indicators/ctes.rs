//! Runs a query computing each common table expression it names more than once a single time.
//!
//! DataFusion inlines a `WITH` query wherever it is named, so an indicator whose CTE `c` (say, the
//! year's corrected contacts) feeds a total, a breakdown and a count of youths scans and corrects
//! the events three times. DuckDB computes such a CTE once and reads its result each time; this
//! module does the same: each CTE of the query's top-level `WITH` that the query names at least
//! twice is run first, in declaration order, its result held in memory as a table of the session
//! under a name no query uses, and the query (and the later CTEs) read that table instead.
//!
//! Invariants: the answer is the one the inlined query gives (a CTE is a pure query over the
//! session's tables, and it is computed over the same snapshot); the tables this module adds are
//! removed before it returns, whatever the outcome.

use std::collections::HashMap;
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::common::ParamValues;
use datafusion::datasource::MemTable;
use datafusion::error::Result;
use datafusion::execution::SessionState;
use datafusion::physical_plan::collect as collect_plan;
use datafusion::prelude::SessionContext;
use datafusion::sql::parser::Statement as DFStatement;
use datafusion::sql::sqlparser::ast::{
    visit_relations, Ident, ObjectName, ObjectNamePart, Query, Statement, TableAlias, TableFactor,
    VisitMut, VisitorMut,
};

/// Names the held results, unique in the process so concurrent queries on one session never meet.
static HELD: AtomicU64 = AtomicU64::new(0);

/// Runs the query `sql` on `ctx` with the values of its placeholders (`$year`), and collects its
/// result.
pub async fn collect(
    ctx: &SessionContext,
    sql: &str,
    values: &ParamValues,
) -> Result<Vec<RecordBatch>> {
    // One snapshot of the session: the tables held below are registered in its catalog, which
    // the snapshot shares with `ctx`.
    let state = ctx.state();
    let dialect = state.config().options().sql_parser.dialect;
    let mut statement = state.sql_to_statement(sql, &dialect)?;
    let mut held = Vec::new();
    let result = async {
        if let Some(query) = query_of(&mut statement) {
            hold_repeated(ctx, &state, query, values, &mut held).await?;
        }
        Ok(run(&state, statement, values).await?.1)
    }
    .await;
    for name in held {
        ctx.deregister_table(name.as_str())?;
    }
    result
}

/// Plans `statement` with `values` bound and runs it: the schema of its rows, and the rows.
async fn run(
    state: &SessionState,
    statement: DFStatement,
    values: &ParamValues,
) -> Result<(SchemaRef, Vec<RecordBatch>)> {
    let plan = state
        .statement_to_plan(statement)
        .await?
        .with_param_values(values.clone())?;
    let plan = state.create_physical_plan(&plan).await?;
    let batches = collect_plan(plan.clone(), state.task_ctx()).await?;
    Ok((plan.schema(), batches))
}

fn query_of(statement: &mut DFStatement) -> Option<&mut Query> {
    match statement {
        DFStatement::Statement(inner) => match inner.as_mut() {
            Statement::Query(query) => Some(query),
            _ => None,
        },
        _ => None,
    }
}

/// Computes the CTEs of `query` named more than once and points the query at their results,
/// pushing the names it registers onto `held`.
async fn hold_repeated(
    ctx: &SessionContext,
    state: &SessionState,
    query: &mut Query,
    values: &ParamValues,
    held: &mut Vec<String>,
) -> Result<()> {
    let Some(with) = query.with.as_ref() else {
        return Ok(());
    };
    if with.recursive {
        return Ok(());
    }
    let names: Vec<String> = with
        .cte_tables
        .iter()
        .map(|cte| normalized(&cte.alias.name))
        .collect();
    let uses = uses(query, &names);
    let mut index = 0;
    while let Some(with) = query.with.as_mut() {
        let Some(cte) = with.cte_tables.get(index) else {
            break;
        };
        let name = normalized(&cte.alias.name);
        if uses.get(&name).copied().unwrap_or(0) < 2 || !cte.alias.columns.is_empty() {
            index += 1;
            continue;
        }
        let cte = with.cte_tables.remove(index);
        let mut body = *cte.query;
        let earlier = with.cte_tables[..index].to_vec();
        if !earlier.is_empty() {
            match body.with.as_mut() {
                Some(own) => {
                    own.cte_tables.splice(0..0, earlier);
                }
                None => {
                    let mut outer = with.clone();
                    outer.cte_tables = earlier;
                    body.with = Some(outer);
                }
            }
        }
        let table = format!("pdn_held_{}_{name}", HELD.fetch_add(1, Ordering::Relaxed));
        let statement = DFStatement::Statement(Box::new(Statement::Query(Box::new(body))));
        let (schema, batches) = run(state, statement, values).await?;
        ctx.register_table(
            table.as_str(),
            Arc::new(MemTable::try_new(schema, vec![batches])?),
        )?;
        held.push(table.clone());
        rename(query, &name, &table);
        if query.with.as_ref().is_some_and(|w| w.cte_tables.is_empty()) {
            query.with = None;
        }
    }
    Ok(())
}

/// How many times `query` names each of `names` as a relation.
fn uses(query: &Query, names: &[String]) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    let _: ControlFlow<()> = visit_relations(query, |relation| {
        if let Some(name) = single(relation).filter(|n| names.contains(n)) {
            *counts.entry(name).or_insert(0) += 1;
        }
        ControlFlow::Continue(())
    });
    counts
}

/// Points every relation of `query` named `from` at the table `to`, under its old name so the
/// columns it qualifies (`c.youth`) still resolve.
fn rename(query: &mut Query, from: &str, to: &str) {
    struct Rename<'a> {
        from: &'a str,
        to: &'a str,
    }
    impl VisitorMut for Rename<'_> {
        type Break = ();
        fn pre_visit_table_factor(&mut self, factor: &mut TableFactor) -> ControlFlow<()> {
            if let TableFactor::Table { name, alias, .. } = factor {
                if single(name).as_deref() == Some(self.from) {
                    if alias.is_none() {
                        *alias = Some(TableAlias {
                            explicit: true,
                            name: Ident::new(self.from),
                            columns: Vec::new(),
                            at: None,
                        });
                    }
                    *name = ObjectName(vec![ObjectNamePart::Identifier(Ident::new(self.to))]);
                }
            }
            ControlFlow::Continue(())
        }
    }
    let _ = query.visit(&mut Rename { from, to });
}

/// The name of a one-part relation name, as the planner resolves it.
fn single(relation: &ObjectName) -> Option<String> {
    match relation.0.as_slice() {
        [ObjectNamePart::Identifier(ident)] => Some(normalized(ident)),
        _ => None,
    }
}

/// An identifier as DataFusion resolves it: unquoted ones are lower-cased.
fn normalized(ident: &Ident) -> String {
    if ident.quote_style.is_some() {
        ident.value.clone()
    } else {
        ident.value.to_lowercase()
    }
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::util::pretty::pretty_format_batches;
    use datafusion::common::ScalarValue;

    use super::*;

    #[tokio::test]
    async fn repeated_ctes_give_the_inlined_answer_and_leave_no_table_behind() {
        let ctx = SessionContext::new();
        // `a` is named twice (by `b` and by the query), `b` twice, `c` once.
        let sql = "WITH a AS (SELECT column1 AS x FROM (VALUES (1), (2), (3), (4))), \
                   b AS (SELECT x FROM a WHERE x > $min), \
                   c AS (SELECT max(x) AS m FROM a) \
                   SELECT (SELECT count(*) FROM b) AS n, (SELECT sum(x) FROM b) AS s, \
                   (SELECT m FROM c) AS m";
        let values = ParamValues::from(vec![("min", ScalarValue::Int64(Some(1)))]);
        let held = collect(&ctx, sql, &values).await.unwrap();
        let inlined = ctx
            .sql(sql)
            .await
            .unwrap()
            .with_param_values(values)
            .unwrap()
            .collect()
            .await
            .unwrap();
        let text = |batches: &[RecordBatch]| pretty_format_batches(batches).unwrap().to_string();
        assert_eq!(text(&held), text(&inlined));
        assert!(text(&held).contains("| 3 | 9 | 4 |"), "{}", text(&held));
        let schema = ctx.catalog("datafusion").unwrap().schema("public").unwrap();
        assert!(
            schema.table_names().is_empty(),
            "{:?}",
            schema.table_names()
        );
    }

    #[tokio::test]
    async fn a_failing_query_leaves_no_table_behind() {
        let ctx = SessionContext::new();
        let sql = "WITH a AS (SELECT 1 AS x) SELECT * FROM a, a AS b, missing";
        assert!(collect(&ctx, sql, &ParamValues::List(Vec::new()))
            .await
            .is_err());
        let schema = ctx.catalog("datafusion").unwrap().schema("public").unwrap();
        assert!(
            schema.table_names().is_empty(),
            "{:?}",
            schema.table_names()
        );
    }
}
