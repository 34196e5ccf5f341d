//! Events to Arrow record batches, one family at a time, in the column order of
//! [`pdn_schemas::arrow::table_schema`].
//!
//! Each event becomes a row of [`Cell`]s: the envelope cells, then its payload's cells in schema
//! order (null for the columns of the family's other types). A [`TableBuilder`] appends rows to one
//! typed builder per column.

use std::sync::Arc;

use arrow::array::{
    ArrayBuilder, ArrayRef, BooleanBuilder, Date32Builder, Int16Builder, ListBuilder, RecordBatch,
    StringBuilder, TimestampMicrosecondBuilder, UInt16Builder, UInt32Builder,
};
use arrow::datatypes::{DataType, Field, SchemaRef, TimeUnit};
use chrono::{DateTime, FixedOffset, NaiveDate};
use pdn_schemas::arrow::table_schema;
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
    List(Vec<&'a str>),
}

fn opt<'a>(s: Option<&'a str>) -> Cell<'a> {
    s.map_or(Cell::Null, Cell::Str)
}

fn list<'a, T: AsRef<str>>(items: &'a [T]) -> Cell<'a> {
    Cell::List(items.iter().map(AsRef::as_ref).collect())
}

fn codes<T: Copy>(items: &[T], code: fn(T) -> &'static str) -> Cell<'static> {
    Cell::List(items.iter().map(|&t| code(t)).collect())
}

/// The payload cells of an event, in the column order of its family's table.
pub fn payload_cells(payload: &Payload) -> Vec<Cell<'_>> {
    use Cell::*;
    match payload {
        Payload::ProfessionalEnrolled(p) => {
            vec![
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
            ]
        }
        Payload::ProfessionalLeft(p) => {
            vec![
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
            ]
        }
        Payload::StructureRegistered(p) => vec![
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
        ],
        Payload::AgreementStarted(p) => vec![
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
        ],
        Payload::AgreementEnded(p) => vec![
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
        ],
        Payload::ContactRecorded(p) => vec![
            Str(p.youth.as_str()),
            Str(p.channel.code()),
            Str(p.initiated_by.code()),
            Str(p.visibility.code()),
            Bool(p.in_permanence),
            opt(p.permanence_id.as_ref().map(|id| id.as_str())),
            codes(&p.themes, |t| t.code()),
            Str(p.age_band.code()),
            U16(p.duration_minutes),
            p.response_delay_minutes.map_or(Null, U32),
        ],
        Payload::PermanenceScheduled(p) => vec![
            Str(p.permanence_id.as_str()),
            Instant(p.slot_start),
            Instant(p.slot_end),
            codes(&p.channels, |c| c.code()),
            Null,
            Null,
        ],
        Payload::PermanenceHeld(p) => vec![
            Str(p.permanence_id.as_str()),
            Instant(p.slot_start),
            Instant(p.slot_end),
            codes(&p.channels, |c| c.code()),
            U32(p.youths_reached),
            Null,
        ],
        Payload::PermanenceCancelled(p) => vec![
            Str(p.permanence_id.as_str()),
            Null,
            Null,
            List(Vec::new()),
            Null,
            Str(p.reason.code()),
        ],
        Payload::AccompanimentOpened(p) => vec![
            Str(p.accompaniment_id.as_str()),
            Str(p.kind.code()),
            Str(p.theme.code()),
            list(&p.youths),
            List(Vec::new()),
            list(&p.co_professionals),
            list(&p.co_structures),
            Null,
        ],
        Payload::AccompanimentUpdated(p) => vec![
            Str(p.accompaniment_id.as_str()),
            Null,
            Null,
            list(&p.youths_added),
            list(&p.youths_left),
            list(&p.co_professionals_added),
            list(&p.co_structures_added),
            Null,
        ],
        Payload::AccompanimentClosed(p) => vec![
            Str(p.accompaniment_id.as_str()),
            Null,
            Null,
            List(Vec::new()),
            List(Vec::new()),
            List(Vec::new()),
            List(Vec::new()),
            Str(p.outcome.code()),
        ],
        Payload::ReferralMade(p) => vec![
            Str(p.referral_id.as_str()),
            Str(p.youth.as_str()),
            Str(p.destination.code()),
            Str(p.urgency.code()),
            Str(p.age_band.code()),
            Null,
        ],
        Payload::ReferralOutcomeKnown(p) => vec![
            Str(p.referral_id.as_str()),
            Null,
            Null,
            Null,
            Null,
            Str(p.outcome.code()),
        ],
        Payload::AttendanceRecorded(p) => vec![
            Str(p.youth.as_str()),
            Str(p.activity.code()),
            Str(p.age_band.code()),
            Bool(p.new_to_structure),
        ],
        Payload::InitiativeHeld(p) => vec![
            Str(p.initiative_id.as_str()),
            Str(p.theme.code()),
            Str(p.format.code()),
            codes(&p.channels, |c| c.code()),
            U32(p.youths_count),
            list(&p.partner_structures),
        ],
        Payload::CollaborationRecorded(p) => vec![
            Str(p.collaboration_id.as_str()),
            Str(p.kind.code()),
            list(&p.participants),
            list(&p.structures),
            U16(p.duration_minutes),
        ],
        Payload::ConcernFlagged(p) => vec![
            Str(p.concern_id.as_str()),
            Str(p.youth.as_str()),
            Str(p.level.code()),
            Str(p.category.code()),
            Str(p.age_band.code()),
            Null,
        ],
        Payload::SignalementMade(p) => vec![
            Str(p.concern_id.as_str()),
            Str(p.youth.as_str()),
            Str(p.level.code()),
            Null,
            Null,
            Str(p.destination.code()),
        ],
        Payload::EventRetracted(p) => {
            vec![
                Str(p.target_event_id.as_str()),
                Str(p.reason.code()),
                Null,
                Null,
            ]
        }
        Payload::EventAmended(p) => vec![
            Str(p.target_event_id.as_str()),
            Str(p.reason.code()),
            Str(p.target_type.code()),
            Cell::Owned(serde_json::Value::Object(p.replacement.clone()).to_string()),
        ],
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
                for item in items {
                    b.values().append_value(item);
                }
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
        let envelope = [
            Cell::Str(e.event_id.as_str()),
            Cell::Str(event.event_type().code()),
            Cell::U16(event.received_version),
            Cell::Instant(e.occurred_at),
            Cell::I16(offset_minutes),
            Cell::Str(e.source_app.as_str()),
            Cell::Str(e.department.as_str()),
            Cell::Str(e.structure_id.as_str()),
            Cell::Str(e.professional_id.as_str()),
        ];
        let payload = payload_cells(&event.payload);
        debug_assert_eq!(envelope.len() + payload.len(), self.columns.len());
        for (column, cell) in self
            .columns
            .iter_mut()
            .zip(envelope.iter().chain(payload.iter()))
        {
            column.push(cell);
        }
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
