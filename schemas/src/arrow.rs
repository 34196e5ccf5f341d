//! The Arrow schemas of the event store's tables: one table per event family.
//!
//! Every table starts with the envelope columns ([`envelope_fields`]); then come the columns of the
//! family's payloads, nullable where a column belongs to only some of the family's types. Codes are
//! stored as strings (the taxonomies' wire codes), lists of codes or ids as `List<Utf8>`, instants as
//! UTC microseconds with the producer's offset kept beside them (local time matters: evenings,
//! weekends). Time partitions (`year=`, `month=`) are folders, not columns.

use std::sync::Arc;

use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};

use crate::event::Family;

/// The type of the instant columns: UTC, microseconds.
pub fn instant_type() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
}

/// The type of list columns: a list of strings.
pub fn string_list_type() -> DataType {
    DataType::List(Arc::new(Field::new("item", DataType::Utf8, false)))
}

fn utf8(name: &str, nullable: bool) -> Field {
    Field::new(name, DataType::Utf8, nullable)
}

fn list(name: &str) -> Field {
    Field::new(name, string_list_type(), false)
}

/// The envelope columns every table starts with.
pub fn envelope_fields() -> Vec<Field> {
    vec![
        utf8("event_id", false),
        utf8("event_type", false),
        Field::new("received_version", DataType::UInt16, false),
        Field::new("occurred_at", instant_type(), false),
        Field::new("utc_offset_minutes", DataType::Int16, false),
        utf8("source_app", false),
        utf8("department", false),
        utf8("structure_id", false),
        utf8("professional_id", false),
    ]
}

/// The payload columns of a family's table.
pub fn payload_fields(family: Family) -> Vec<Field> {
    match family {
        Family::Network => vec![
            utf8("role", true),
            Field::new("months_in_network", DataType::UInt16, true),
            utf8("structure_type", true),
            utf8("commune", true),
            Field::new("qpv", DataType::Boolean, true),
            Field::new("rural", DataType::Boolean, true),
            utf8("agreement_id", true),
            utf8("agreement_subject", true),
            Field::new("starts_on", DataType::Date32, true),
            Field::new("ends_on", DataType::Date32, true),
            Field::new("ended_on", DataType::Date32, true),
        ],
        Family::Contact => vec![
            utf8("youth", false),
            utf8("channel", false),
            utf8("initiated_by", false),
            utf8("visibility", false),
            Field::new("in_permanence", DataType::Boolean, false),
            utf8("permanence_id", true),
            list("themes"),
            utf8("age_band", false),
            Field::new("duration_minutes", DataType::UInt16, false),
            Field::new("response_delay_minutes", DataType::UInt32, true),
        ],
        Family::Permanence => vec![
            utf8("permanence_id", false),
            Field::new("slot_start", instant_type(), true),
            Field::new("slot_end", instant_type(), true),
            list("channels"),
            Field::new("youths_reached", DataType::UInt32, true),
            utf8("cancel_reason", true),
        ],
        Family::Accompaniment => vec![
            utf8("accompaniment_id", false),
            utf8("kind", true),
            utf8("theme", true),
            list("youths"),
            list("youths_left"),
            list("co_professionals"),
            list("co_structures"),
            utf8("outcome", true),
        ],
        Family::Referral => vec![
            utf8("referral_id", false),
            utf8("youth", true),
            utf8("destination", true),
            utf8("urgency", true),
            utf8("age_band", true),
            utf8("outcome", true),
        ],
        Family::Attendance => vec![
            utf8("youth", false),
            utf8("activity", false),
            utf8("age_band", false),
            Field::new("new_to_structure", DataType::Boolean, false),
        ],
        Family::Initiative => vec![
            utf8("initiative_id", false),
            utf8("theme", false),
            utf8("format", false),
            list("channels"),
            Field::new("youths_count", DataType::UInt32, false),
            list("partner_structures"),
        ],
        Family::Collaboration => vec![
            utf8("collaboration_id", false),
            utf8("kind", false),
            list("participants"),
            list("structures"),
            Field::new("duration_minutes", DataType::UInt16, false),
        ],
        Family::Prevention => vec![
            utf8("concern_id", false),
            utf8("youth", false),
            utf8("level", false),
            utf8("category", true),
            utf8("age_band", true),
            utf8("destination", true),
        ],
        Family::Correction => vec![
            utf8("target_event_id", false),
            utf8("reason", false),
            utf8("target_type", true),
            utf8("replacement_json", true),
        ],
    }
}

/// The full schema of a family's table: envelope columns, then payload columns.
pub fn table_schema(family: Family) -> SchemaRef {
    let mut fields = envelope_fields();
    fields.extend(payload_fields(family));
    Arc::new(Schema::new(fields))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_has_unique_columns_after_the_envelope() {
        for &family in Family::ALL {
            let schema = table_schema(family);
            let mut names: Vec<_> = schema.fields().iter().map(|f| f.name().clone()).collect();
            assert_eq!(names[0], "event_id");
            names.sort();
            names.dedup();
            assert_eq!(names.len(), schema.fields().len(), "{}", family.name());
        }
    }
}
