//! The schema of each read model (what its query gives over empty tables, so an empty model still
//! has its columns) and the reference tables the queries may join.

use std::sync::Arc;

use datafusion::arrow::array::{RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::datasource::MemTable;
use datafusion::prelude::SessionContext;
use pdn_schemas::taxonomy::Theme;

use crate::corrections::Corrections;
use crate::error::{arrow, datafusion, Result};
use crate::models::{model, Model};

/// The columns of `model`'s table.
pub async fn of(model_: &Model) -> Result<SchemaRef> {
    let ctx = crate::files::session();
    let none = Corrections::default();
    for &family in model_.sources {
        let empty = MemTable::try_new(pdn_schemas::arrow::table_schema(family), vec![vec![]])
            .map_err(datafusion("creating an empty event table"))?;
        none.register_family(&ctx, family, Arc::new(empty)).await?;
    }
    for &used in model_.uses {
        let used_model = model(used).expect("a model uses a known model");
        let schema = Box::pin(of(used_model)).await?;
        let empty = MemTable::try_new(schema, vec![vec![]])
            .map_err(datafusion(format!("creating the empty model {used}")))?;
        ctx.register_table(used, Arc::new(empty))
            .map_err(datafusion(format!("registering the model {used}")))?;
    }
    register_taxonomies(&ctx)?;
    let frame = ctx
        .sql(model_.sql)
        .await
        .map_err(datafusion(format!("planning the model {}", model_.name)))?;
    Ok(Arc::new(frame.schema().as_arrow().clone()))
}

/// Registers `sensitive_themes(theme)`: the wire codes of the sensitive themes (GDPR art. 9).
pub fn register_taxonomies(ctx: &SessionContext) -> Result<()> {
    let codes: Vec<&str> = Theme::ALL
        .iter()
        .filter(|t| t.is_sensitive())
        .map(|t| t.code())
        .collect();
    let schema = Arc::new(Schema::new(vec![Field::new(
        "theme",
        DataType::Utf8,
        false,
    )]));
    let batch = RecordBatch::try_new(schema.clone(), vec![Arc::new(StringArray::from(codes))])
        .map_err(arrow("listing the sensitive themes"))?;
    let table = MemTable::try_new(schema, vec![vec![batch]])
        .map_err(datafusion("listing the sensitive themes"))?;
    ctx.register_table("sensitive_themes", Arc::new(table))
        .map_err(datafusion("registering the sensitive themes"))?;
    Ok(())
}
