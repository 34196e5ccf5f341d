//! Retention: event-level data about a youth are kept at most two years after their last contact
//! (DOMAIN.md §5), then erased.
//!
//! A youth's last contact is the latest `occurred_at` of the `contact` table for that department
//! and pseudonym (pseudonyms are keyed per structure or coordinator, so a department's count is its
//! own). A youth whose last contact is more than [`RETENTION_MONTHS`] months before `now` is due:
//! their events in that department are erased through [`super::forget::erase`], all due youths in
//! one commit. Youths who appear in other tables but never in `contact` are not considered.

use std::collections::HashMap;

use arrow::array::{Array, AsArray};
use arrow::datatypes::TimestampMicrosecondType;
use chrono::{DateTime, Months, Utc};

use super::forget::Subjects;
use super::{concat, read_batches};
use crate::error::{IngestError, Result};
use crate::log::LogState;

/// How long after their last contact a youth's events are kept.
pub const RETENTION_MONTHS: u32 = 24;

/// The (department, youth) pairs whose last contact in the store at `state` is more than
/// [`RETENTION_MONTHS`] before `now`.
pub fn due(root: &std::path::Path, state: &LogState, now: DateTime<Utc>) -> Result<Subjects> {
    let cutoff = now
        .checked_sub_months(Months::new(RETENTION_MONTHS))
        .ok_or_else(|| IngestError::MaintenanceConfig {
            setting: "now",
            reason: format!("{now} is too early"),
        })?
        .timestamp_micros();
    let mut last: HashMap<(String, String), i64> = HashMap::new();
    for file in state.files_of("events/contact") {
        let path = root.join(&file.path);
        let (schema, batches) = read_batches(&path)?;
        let batch = concat(&path, &schema, &batches)?;
        let layout = |reason: &str| IngestError::UnexpectedLayout {
            path: path.clone(),
            reason: reason.to_owned(),
        };
        let column = |name| batch.column_by_name(name).ok_or_else(|| layout(name));
        let departments = column("department")?.as_string::<i32>();
        let youths = column("youth")?.as_string::<i32>();
        let times = column("occurred_at")?
            .as_primitive_opt::<TimestampMicrosecondType>()
            .ok_or_else(|| layout("occurred_at is not a timestamp"))?;
        for row in (0..batch.num_rows()).filter(|&r| !youths.is_null(r)) {
            let key = (
                departments.value(row).to_owned(),
                youths.value(row).to_owned(),
            );
            let t = times.value(row);
            last.entry(key)
                .and_modify(|l| *l = (*l).max(t))
                .or_insert(t);
        }
    }
    Subjects::in_departments(
        last.into_iter()
            .filter(|(_, t)| *t < cutoff)
            .map(|(pair, _)| pair),
    )
}
