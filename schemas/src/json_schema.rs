//! The published JSON Schema of every event type and version (files `schemas/json/*.schema.json`).
//!
//! They are generated from the Rust types, so they cannot drift: a test compares the committed files
//! with what [`event_schema`] produces (`pdn schemas --write` regenerates them). They state what the
//! validator checks except what a schema cannot: the privacy scan, cross-field consistency and time
//! bounds relative to now.

use schemars::generate::SchemaSettings;
use serde_json::{json, Value};

use crate::event::EventType;
use crate::ids::{Department, EventId, ProfessionalId, SourceApp, StructureId};
use crate::SchemaError;

/// The file name of the schema of `version` of `event_type`, e.g. `contact.recorded.v2.schema.json`.
pub fn file_name(event_type: EventType, version: u16) -> String {
    format!("{}.v{version}.schema.json", event_type.code())
}

/// Every published (type, version): all versions of all types.
pub fn published() -> impl Iterator<Item = (EventType, u16)> {
    EventType::ALL
        .iter()
        .flat_map(|&t| (1..=t.current_version()).map(move |v| (t, v)))
}

/// The JSON Schema (draft 2020-12) of a whole event of `version` of `event_type`.
pub fn event_schema(event_type: EventType, version: u16) -> Result<Value, SchemaError> {
    if version == 0 || version > event_type.current_version() {
        return Err(SchemaError::NoSuchSchema {
            event_type: event_type.code().into(),
            version,
        });
    }
    let mut generator = SchemaSettings::draft2020_12().into_generator();
    let payload = crate::upcast::payload_schema(event_type, version, &mut generator);
    let properties = json!({
        "event_id": generator.subschema_for::<EventId>(),
        "type": { "const": event_type.code() },
        "schema_version": { "const": version },
        "occurred_at": {
            "type": "string",
            "format": "date-time",
            "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$",
            "description": "When the fact happened, RFC 3339 with the producer's UTC offset; from 2012 to now."
        },
        "source_app": generator.subschema_for::<SourceApp>(),
        "department": generator.subschema_for::<Department>(),
        "structure_id": generator.subschema_for::<StructureId>(),
        "professional_id": generator.subschema_for::<ProfessionalId>(),
        "payload": payload,
    });
    let defs = generator.take_definitions(true);
    Ok(json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": format!("urn:pdn:event:{}:v{version}", event_type.code()),
        "title": format!("{} (schema version {version})", event_type.code()),
        "description": format!(
            "A `{}` event of the Promeneurs du Net pipeline. No field may hold personal data or free text.",
            event_type.code()
        ),
        "type": "object",
        "additionalProperties": false,
        "required": crate::event::ENVELOPE_FIELDS,
        "properties": properties,
        "$defs": defs,
    }))
}
