//! Upcasting: an event sent in an older schema version of its type is read as the current version.
//!
//! Version history (every version stays accepted and its JSON Schema stays published):
//! - `contact.recorded` v1 → v2: the single `theme` became the list `themes`; the booleans
//!   `initiated_by_youth` and `private` became the enums `initiated_by` and `visibility`; the optional
//!   `permanence_id` and `response_delay_minutes` were added (absent from v1 events).

use crate::event::{EventType, Payload};
use crate::payload::{ContactRecorded, ContactRecordedV1};
use crate::taxonomy::{Initiator, Visibility};

type PathError = serde_path_to_error::Error<serde_json::Error>;

impl From<ContactRecordedV1> for ContactRecorded {
    fn from(v1: ContactRecordedV1) -> ContactRecorded {
        ContactRecorded {
            youth: v1.youth,
            channel: v1.channel,
            initiated_by: if v1.initiated_by_youth {
                Initiator::Youth
            } else {
                Initiator::Professional
            },
            visibility: if v1.private {
                Visibility::Private
            } else {
                Visibility::Public
            },
            in_permanence: v1.in_permanence,
            permanence_id: None,
            themes: vec![v1.theme],
            age_band: v1.age_band,
            duration_minutes: v1.duration_minutes,
            response_delay_minutes: None,
        }
    }
}

/// Reads a payload sent in schema `version` of `event_type` (known to be in
/// `1..=event_type.current_version()`) as the current version.
pub fn read_payload(
    event_type: EventType,
    version: u16,
    value: serde_json::Value,
) -> Result<Payload, PathError> {
    match (event_type, version) {
        (EventType::ContactRecorded, 1) => {
            let v1: ContactRecordedV1 = serde_path_to_error::deserialize(value)?;
            Ok(Payload::ContactRecorded(v1.into()))
        }
        _ => Payload::from_value(event_type, value),
    }
}

/// The JSON Schema of the payload of `version` of `event_type`, registered in `generator`.
pub fn payload_schema(
    event_type: EventType,
    version: u16,
    generator: &mut schemars::SchemaGenerator,
) -> schemars::Schema {
    match (event_type, version) {
        (EventType::ContactRecorded, 1) => generator.subschema_for::<ContactRecordedV1>(),
        _ => event_type.payload_schema(generator),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn contact_v1_reads_as_v2() {
        let v1 = json!({
            "youth": "yp1_0123456789abcdef0123456789abcdef",
            "channel": "snapchat",
            "initiated_by_youth": true,
            "private": true,
            "in_permanence": false,
            "theme": "sante_mentale",
            "age_band": "15-17",
            "duration_minutes": 20
        });
        let Payload::ContactRecorded(c) = read_payload(EventType::ContactRecorded, 1, v1).unwrap()
        else {
            panic!("not a contact");
        };
        assert_eq!(c.initiated_by, Initiator::Youth);
        assert_eq!(c.visibility, Visibility::Private);
        assert_eq!(c.themes, vec![crate::taxonomy::Theme::MentalHealth]);
        assert_eq!(c.permanence_id, None);
    }

    #[test]
    fn v2_fields_are_unknown_in_v1() {
        let v1 = json!({
            "youth": "yp1_0123456789abcdef0123456789abcdef", "channel": "snapchat",
            "initiated_by_youth": true, "private": true, "in_permanence": false,
            "themes": ["sante_mentale"], "age_band": "15-17", "duration_minutes": 20
        });
        let err = read_payload(EventType::ContactRecorded, 1, v1).unwrap_err();
        assert!(err.to_string().contains("unknown field `themes`"), "{err}");
    }
}
