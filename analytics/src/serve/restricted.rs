//! A table restricted to some departments, filtered inside its own scan.
//!
//! A view (`SELECT * FROM t WHERE department IN (...)`) is not enough: DataFusion inlines it and
//! may evaluate the user's predicates together with the scope's filter, on every row of a batch, so
//! an expression that fails on another department's row (a cast that quotes the value, a division
//! by zero) would reveal that row in its error. [`Restricted`] is not inlined: its scan returns
//! [`ScopeExec`] over the table's own scan, and DataFusion cannot push the user's filters through
//! that node (it declares none supported), so every expression of the user's query sees only rows
//! of the allowed departments, and no statistics of the other rows reach the plan.

use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::array::{Array, BooleanArray, RecordBatch, StringArray};
use datafusion::arrow::compute::{cast, filter_record_batch};
use datafusion::arrow::datatypes::{DataType, SchemaRef};
use datafusion::catalog::Session;
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::common::{DataFusionError, Result};
use datafusion::datasource::{TableProvider, TableType};
use datafusion::execution::TaskContext;
use datafusion::logical_expr::Expr;
use datafusion::physical_expr::{EquivalenceProperties, PhysicalExpr};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, ExecutionPlanProperties, PlanProperties,
    SendableRecordBatchStream,
};
use futures::StreamExt;

use super::scope::DEPARTMENT;

/// `inner` showing only the rows whose `department` is in `departments`.
#[derive(Debug)]
pub struct Restricted {
    inner: Arc<dyn TableProvider>,
    departments: Arc<[String]>,
}

impl Restricted {
    pub fn new(inner: Arc<dyn TableProvider>, departments: &[String]) -> Restricted {
        Restricted {
            inner,
            departments: departments.into(),
        }
    }
}

#[async_trait]
impl TableProvider for Restricted {
    fn schema(&self) -> SchemaRef {
        self.inner.schema()
    }

    /// Shown as a view, as the restricted tables always were (psql's `\dv`).
    fn table_type(&self) -> TableType {
        TableType::View
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        _filters: &[Expr],
        _limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let schema = self.inner.schema();
        let department = schema.index_of(DEPARTMENT)?;
        let mut columns: Vec<usize> = match projection {
            Some(columns) => columns.clone(),
            None => (0..schema.fields().len()).collect(),
        };
        let keep = columns.len();
        let position = match columns.iter().position(|&c| c == department) {
            Some(position) => position,
            None => {
                columns.push(department);
                keep
            }
        };
        let input = self.inner.scan(state, Some(&columns), &[], None).await?;
        Ok(Arc::new(ScopeExec::new(
            input,
            position,
            keep,
            self.departments.clone(),
        )?))
    }
}

/// Keeps the rows of its input whose column `department` is one of `departments`, then its first
/// `keep` columns.
#[derive(Debug)]
pub struct ScopeExec {
    input: Arc<dyn ExecutionPlan>,
    department: usize,
    keep: usize,
    departments: Arc<[String]>,
    properties: Arc<PlanProperties>,
}

impl ScopeExec {
    fn new(
        input: Arc<dyn ExecutionPlan>,
        department: usize,
        keep: usize,
        departments: Arc<[String]>,
    ) -> Result<ScopeExec> {
        let schema = Arc::new(input.schema().project(&(0..keep).collect::<Vec<_>>())?);
        let properties = PlanProperties::new(
            EquivalenceProperties::new(schema),
            input.output_partitioning().clone(),
            input.pipeline_behavior(),
            input.boundedness(),
        );
        Ok(ScopeExec {
            input,
            department,
            keep,
            departments,
            properties: Arc::new(properties),
        })
    }
}

impl DisplayAs for ScopeExec {
    fn fmt_as(&self, _: DisplayFormatType, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(
            f,
            "ScopeExec: department IN ({})",
            self.departments.join(", ")
        )
    }
}

impl ExecutionPlan for ScopeExec {
    fn name(&self) -> &'static str {
        "ScopeExec"
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        &self.properties
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![&self.input]
    }

    fn apply_expressions(
        &self,
        _f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> Result<TreeNodeRecursion>,
    ) -> Result<TreeNodeRecursion> {
        Ok(TreeNodeRecursion::Continue)
    }

    fn with_new_children(
        self: Arc<Self>,
        mut children: Vec<Arc<dyn ExecutionPlan>>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let [_] = children.as_slice() else {
            return Err(DataFusionError::Internal(
                "ScopeExec has one input".to_owned(),
            ));
        };
        Ok(Arc::new(ScopeExec::new(
            children.swap_remove(0),
            self.department,
            self.keep,
            self.departments.clone(),
        )?))
    }

    fn execute(
        &self,
        partition: usize,
        context: Arc<TaskContext>,
    ) -> Result<SendableRecordBatchStream> {
        let (department, keep) = (self.department, self.keep);
        let departments = self.departments.clone();
        let rows = self
            .input
            .execute(partition, context)?
            .map(move |batch| allowed_rows(batch?, department, keep, &departments));
        Ok(Box::pin(RecordBatchStreamAdapter::new(self.schema(), rows)))
    }
}

/// The rows of `batch` whose column `department` is in `departments`, with its first `keep`
/// columns.
fn allowed_rows(
    batch: RecordBatch,
    department: usize,
    keep: usize,
    departments: &[String],
) -> Result<RecordBatch> {
    let column = cast(batch.column(department), &DataType::Utf8)?;
    let column = column
        .as_any()
        .downcast_ref::<StringArray>()
        .ok_or_else(|| DataFusionError::Internal("department is not text".to_owned()))?;
    let mask: BooleanArray = (0..column.len())
        .map(|i| Some(column.is_valid(i) && departments.iter().any(|d| d == column.value(i))))
        .collect();
    let kept = filter_record_batch(&batch, &mask)?;
    Ok(kept.project(&(0..keep).collect::<Vec<_>>())?)
}
