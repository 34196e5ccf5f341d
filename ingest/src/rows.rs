//! Events to Arrow record batches, one family at a time, in the column order of
//! [`pdn_schemas::arrow::table_schema`].
//!
//! Each event becomes a row of [`Cell`]s borrowed from it, with no allocation per event: the
//! envelope cells, then its payload's cells in schema order (null for the columns of the family's
//! other types). A [`TableBuilder`] appends rows to one typed builder per column.

use std::sync::Arc;

use arrow::array::{
    ArrayBuilder, ArrayRef, BooleanBuilder, Date32Builder, Int16Builder, ListBuilder, RecordBatch,
    StringBuilder, TimestampMicrosecondBuilder, UInt16Builder, UInt32Builder,
};
use arrow::datatypes::{DataType, Field, SchemaRef, TimeUnit};
use chrono::{DateTime, FixedOffset, NaiveDate};
use pdn_schemas::arrow::table_schema;
use pdn_schemas::ids::{ProfessionalId, StructureId, YouthPseudonym};
use pdn_schemas::taxonomy::{Channel, Theme};
use pdn_schemas::{Event, Family, Payload};

/// One value of a row.
#[derive(Debug)]
pub enum Cell<'a> {
    Null,
    Str(&'a str),
    Owned(String),
    Bool(bool),
    U16(u16),
    U32(u32),
    I16(i16),
    Instant(DateTime<FixedOffset>),
    Date(NaiveDate),
    List(Items<'a>),
}

/// The items of a list cell, borrowed from the event.
#[derive(Debug, Clone, Copy)]
pub enum Items<'a> {
    None,
    Themes(&'a [Theme]),
    Channels(&'a [Channel]),
    Youths(&'a [YouthPseudonym]),
    Professionals(&'a [ProfessionalId]),
    Structures(&'a [StructureId]),
}

impl Items<'_> {
    /// Appends each item's text to `values`.
    fn append_to(self, values: &mut StringBuilder) {
        fn each<T>(values: &mut StringBuilder, items: &[T], text: impl Fn(&T) -> &str) {
            for item in items {
                values.append_value(text(item));
            }
        }
        match self {
            Items::None => {}
            Items::Themes(t) => each(values, t, |t| t.code()),
            Items::Channels(c) => each(values, c, |c| c.code()),
            Items::Youths(y) => each(values, y, |y| y.as_str()),
            Items::Professionals(p) => each(values, p, |p| p.as_str()),
            Items::Structures(s) => each(values, s, |s| s.as_str()),
        }
    }
}

fn opt<'a>(s: Option<&'a str>) -> Cell<'a> {
    s.map_or(Cell::Null, Cell::Str)
}

/// The columns of one row still to be filled, in order: each cell put goes to the next column.
struct Row<'c> {
    columns: std::slice::IterMut<'c, Column>,
}

impl Row<'_> {
    fn put<const N: usize>(&mut self, cells: [Cell<'_>; N]) {
        for cell in &cells {
            let column = self.columns.next().expect("no more cells than columns");
            column.push(cell);
        }
    }
}

/// Appends the payload cells of an event, in the column order of its family's table.
fn push_payload(row: &mut Row<'_>, payload: &Payload) {
    use Cell::*;
    match payload {
        Payload::ProfessionalEnrolled(p) => row.put([
            Str(p.role.code()),
            Null,
            Null,
            Null,
            Null,
            Null,
            Null,
            Null,
            Null,
            Null,
            Null,
        ]),
        Payload::ProfessionalLeft(p) => row.put([
            Null,
            U16(p.months_in_network),
            Null,
            Null,
            Null,
            Null,
            Null,
            Null,
            Null,
            Null,
            Null,
        ]),
        Payload::StructureRegistered(p) => row.put([
            Null,
            Null,
            Str(p.structure_type.code()),
            Str(p.commune.as_str()),
            Bool(p.qpv),
            Bool(p.rural),
            Null,
            Null,
            Null,
            Null,
            Null,
        ]),
        Payload::AgreementStarted(p) => row.put([
            Null,
            Null,
            Null,
            Null,
            Null,
            Null,
            Str(p.agreement_id.as_str()),
            Str(p.subject.code()),
            Date(p.starts_on),
            Date(p.ends_on),
            Null,
        ]),
        Payload::AgreementEnded(p) => row.put([
            Null,
            Null,
            Null,
            Null,
            Null,
            Null,
            Str(p.agreement_id.as_str()),
            Str(p.subject.code()),
            Null,
            Null,
            Date(p.ended_on),
        ]),
        Payload::ContactRecorded(p) => row.put([
            Str(p.youth.as_str()),
            Str(p.channel.code()),
            Str(p.initiated_by.code()),
            Str(p.visibility.code()),
            Bool(p.in_permanence),
            opt(p.permanence_id.as_ref().map(|id| id.as_str())),
            List(Items::Themes(&p.themes)),
            Str(p.age_band.code()),
            U16(p.duration_minutes),
            p.response_delay_minutes.map_or(Null, U32),
        ]),
        Payload::PermanenceScheduled(p) => row.put([
            Str(p.permanence_id.as_str()),
            Instant(p.slot_start),
            Instant(p.slot_end),
            List(Items::Channels(&p.channels)),
            Null,
            Null,
        ]),
        Payload::PermanenceHeld(p) => row.put([
            Str(p.permanence_id.as_str()),
            Instant(p.slot_start),
            Instant(p.slot_end),
            List(Items::Channels(&p.channels)),
            U32(p.youths_reached),
            Null,
        ]),
        Payload::PermanenceCancelled(p) => row.put([
            Str(p.permanence_id.as_str()),
            Null,
            Null,
            List(Items::None),
            Null,
            Str(p.reason.code()),
        ]),
        Payload::AccompanimentOpened(p) => row.put([
            Str(p.accompaniment_id.as_str()),
            Str(p.kind.code()),
            Str(p.theme.code()),
            List(Items::Youths(&p.youths)),
            List(Items::None),
            List(Items::Professionals(&p.co_professionals)),
            List(Items::Structures(&p.co_structures)),
            Null,
        ]),
        Payload::AccompanimentUpdated(p) => row.put([
            Str(p.accompaniment_id.as_str()),
            Null,
            Null,
            List(Items::Youths(&p.youths_added)),
            List(Items::Youths(&p.youths_left)),
            List(Items::Professionals(&p.co_professionals_added)),
            List(Items::Structures(&p.co_structures_added)),
            Null,
        ]),
        Payload::AccompanimentClosed(p) => row.put([
            Str(p.accompaniment_id.as_str()),
            Null,
            Null,
            List(Items::None),
            List(Items::None),
            List(Items::None),
            List(Items::None),
            Str(p.outcome.code()),
        ]),
        Payload::ReferralMade(p) => row.put([
            Str(p.referral_id.as_str()),
            Str(p.youth.as_str()),
            Str(p.destination.code()),
            Str(p.urgency.code()),
            Str(p.age_band.code()),
            Null,
        ]),
        Payload::ReferralOutcomeKnown(p) => row.put([
            Str(p.referral_id.as_str()),
            Null,
            Null,
            Null,
            Null,
            Str(p.outcome.code()),
        ]),
        Payload::AttendanceRecorded(p) => row.put([
            Str(p.youth.as_str()),
            Str(p.activity.code()),
            Str(p.age_band.code()),
            Bool(p.new_to_structure),
        ]),
        Payload::InitiativeHeld(p) => row.put([
            Str(p.initiative_id.as_str()),
            Str(p.theme.code()),
            Str(p.format.code()),
            List(Items::Channels(&p.channels)),
            U32(p.youths_count),
            List(Items::Structures(&p.partner_structures)),
        ]),
        Payload::CollaborationRecorded(p) => row.put([
            Str(p.collaboration_id.as_str()),
            Str(p.kind.code()),
            List(Items::Professionals(&p.participants)),
            List(Items::Structures(&p.structures)),
            U16(p.duration_minutes),
        ]),
        Payload::ConcernFlagged(p) => row.put([
            Str(p.concern_id.as_str()),
            Str(p.youth.as_str()),
            Str(p.level.code()),
            Str(p.category.code()),
            Str(p.age_band.code()),
            Null,
        ]),
        Payload::SignalementMade(p) => row.put([
            Str(p.concern_id.as_str()),
            Str(p.youth.as_str()),
            Str(p.level.code()),
            Null,
            Null,
            Str(p.destination.code()),
        ]),
        Payload::EventRetracted(p) => row.put([
            Str(p.target_event_id.as_str()),
            Str(p.reason.code()),
            Null,
            Null,
        ]),
        Payload::EventAmended(p) => row.put([
            Str(p.target_event_id.as_str()),
            Str(p.reason.code()),
            Str(p.target_type.code()),
            Cell::Owned(serde_json::Value::Object(p.replacement.clone()).to_string()),
        ]),
    }
}

enum Column {
    Str(StringBuilder),
    Bool(BooleanBuilder),
    U16(UInt16Builder),
    U32(UInt32Builder),
    I16(Int16Builder),
    Instant(TimestampMicrosecondBuilder),
    Date(Date32Builder),
    List(ListBuilder<StringBuilder>),
}

impl Column {
    fn for_field(field: &Field) -> Column {
        match field.data_type() {
            DataType::Utf8 => Column::Str(StringBuilder::new()),
            DataType::Boolean => Column::Bool(BooleanBuilder::new()),
            DataType::UInt16 => Column::U16(UInt16Builder::new()),
            DataType::UInt32 => Column::U32(UInt32Builder::new()),
            DataType::Int16 => Column::I16(Int16Builder::new()),
            DataType::Timestamp(TimeUnit::Microsecond, tz) => {
                Column::Instant(TimestampMicrosecondBuilder::new().with_timezone_opt(tz.clone()))
            }
            DataType::Date32 => Column::Date(Date32Builder::new()),
            DataType::List(item) => {
                Column::List(ListBuilder::new(StringBuilder::new()).with_field(item.clone()))
            }
            other => unreachable!("no event column has type {other}"),
        }
    }

    fn push(&mut self, cell: &Cell<'_>) {
        match (self, cell) {
            (Column::Str(b), Cell::Str(s)) => b.append_value(s),
            (Column::Str(b), Cell::Owned(s)) => b.append_value(s),
            (Column::Str(b), Cell::Null) => b.append_null(),
            (Column::Bool(b), Cell::Bool(v)) => b.append_value(*v),
            (Column::Bool(b), Cell::Null) => b.append_null(),
            (Column::U16(b), Cell::U16(v)) => b.append_value(*v),
            (Column::U16(b), Cell::Null) => b.append_null(),
            (Column::U32(b), Cell::U32(v)) => b.append_value(*v),
            (Column::U32(b), Cell::Null) => b.append_null(),
            (Column::I16(b), Cell::I16(v)) => b.append_value(*v),
            (Column::Instant(b), Cell::Instant(t)) => b.append_value(t.timestamp_micros()),
            (Column::Instant(b), Cell::Null) => b.append_null(),
            (Column::Date(b), Cell::Date(d)) => b.append_value(days_since_epoch(*d)),
            (Column::Date(b), Cell::Null) => b.append_null(),
            (Column::List(b), Cell::List(items)) => {
                items.append_to(b.values());
                b.append(true);
            }
            (_, cell) => unreachable!("cell {cell:?} does not fit its column"),
        }
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            Column::Str(b) => Arc::new(b.finish()),
            Column::Bool(b) => Arc::new(b.finish()),
            Column::U16(b) => Arc::new(b.finish()),
            Column::U32(b) => Arc::new(b.finish()),
            Column::I16(b) => Arc::new(b.finish()),
            Column::Instant(b) => Arc::new(b.finish()),
            Column::Date(b) => Arc::new(b.finish()),
            Column::List(b) => Arc::new(b.finish()),
        }
    }

    fn len(&self) -> usize {
        match self {
            Column::Str(b) => b.len(),
            Column::Bool(b) => b.len(),
            Column::U16(b) => b.len(),
            Column::U32(b) => b.len(),
            Column::I16(b) => b.len(),
            Column::Instant(b) => b.len(),
            Column::Date(b) => b.len(),
            Column::List(b) => b.len(),
        }
    }
}

fn days_since_epoch(d: NaiveDate) -> i32 {
    (d - NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid epoch")).num_days() as i32
}

/// Accumulates the rows of one family's table.
pub struct TableBuilder {
    schema: SchemaRef,
    columns: Vec<Column>,
}

impl TableBuilder {
    /// An empty table of `family`.
    pub fn new(family: Family) -> TableBuilder {
        let schema = table_schema(family);
        let columns = schema
            .fields()
            .iter()
            .map(|f| Column::for_field(f))
            .collect();
        TableBuilder { schema, columns }
    }

    /// Appends one event of this table's family.
    pub fn push(&mut self, event: &Event) {
        let e = &event.envelope;
        let offset_minutes = (e.occurred_at.offset().local_minus_utc() / 60) as i16;
        let mut row = Row {
            columns: self.columns.iter_mut(),
        };
        row.put([
            Cell::Str(e.event_id.as_str()),
            Cell::Str(event.event_type().code()),
            Cell::U16(event.received_version),
            Cell::Instant(e.occurred_at),
            Cell::I16(offset_minutes),
            Cell::Str(e.source_app.as_str()),
            Cell::Str(e.department.as_str()),
            Cell::Str(e.structure_id.as_str()),
            Cell::Str(e.professional_id.as_str()),
        ]);
        push_payload(&mut row, &event.payload);
        debug_assert!(row.columns.next().is_none(), "a cell for every column");
    }

    /// The number of rows appended since the last [`TableBuilder::finish`].
    pub fn len(&self) -> usize {
        self.columns.first().map_or(0, Column::len)
    }

    /// Whether no row was appended since the last [`TableBuilder::finish`].
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The rows appended so far as a record batch; the builder is empty again afterwards.
    pub fn finish(&mut self) -> RecordBatch {
        let arrays = self.columns.iter_mut().map(Column::finish).collect();
        RecordBatch::try_new(self.schema.clone(), arrays).expect("columns follow the table schema")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_fills_every_column_of_its_table() {
        let config = pdn_generator::Config {
            years: 2024..=2025,
            ..Default::default()
        };
        let mut out = Vec::new();
        pdn_generator::generate(&config, &mut out, &mut |_| {}).unwrap();
        let validator = pdn_schemas::Validator::default();
        let mut builders: Vec<TableBuilder> =
            Family::ALL.iter().map(|&f| TableBuilder::new(f)).collect();
        let mut seen = std::collections::BTreeSet::new();
        for line in out.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            let event = validator.validate(line).unwrap();
            seen.insert(event.event_type());
            let index = Family::ALL
                .iter()
                .position(|&f| f == event.family())
                .unwrap();
            builders[index].push(&event);
        }
        assert_eq!(seen.len(), pdn_schemas::EventType::ALL.len(), "{seen:?}");
        for builder in &mut builders {
            let rows = builder.len();
            let batch = builder.finish();
            assert_eq!(batch.num_rows(), rows);
            assert!(builder.is_empty());
        }
    }
}
