//! The fast path of validation: most events are valid, so they are read straight into their typed
//! form from the text, without building a JSON tree first.
//!
//! Contract: [`accept`] returns `Some(event)` only for text that the full path
//! ([`crate::Validator::validate_value`]) accepts, and then the same event. Whenever it is unsure
//! (an escape sequence, an unknown field, a value out of range, anything unusual) it returns `None`
//! and the full path decides, and gives the precise reason. It stays equivalent because:
//! - every string value goes through the privacy scan's own string rule,
//!   with the key the full scan would attribute it to;
//! - keys need no scan: the typed reading rejects any key that is not a field of the schema (all
//!   payloads deny unknown fields), and a schema key is never personal data. The one free-form
//!   object, the replacement of `correction.event_amended`, always takes the full path;
//! - the envelope and payload checks are the full path's own functions;
//! - the payloads read here rather than by serde (the most frequent types, [`typed_payload`]) are
//!   read strictly: the same fields, values of the same JSON types, each string an exact code or
//!   identifier; anything else goes to serde.

mod scan;

use crate::check::{check_event, check_payload, event_id, TimeBounds};
use crate::event::{Envelope, Event, EventType, Payload, ENVELOPE_FIELDS};
use crate::ids::*;
use crate::payload::{AttendanceRecorded, ContactRecorded, ContactRecordedV1};
use crate::taxonomy::{ActivityKind, AgeBand, Channel, Initiator, Theme, Visibility};
use scan::{boolean, items, object_end, quoted, read_object, skip_whitespace};

/// The envelope as sent, borrowed from the text.
struct Wire<'a> {
    event_id: &'a str,
    event_type: &'a str,
    schema_version: u16,
    occurred_at: &'a str,
    source_app: &'a str,
    department: &'a str,
    structure_id: &'a str,
    professional_id: &'a str,
    /// The payload object's text, braces included.
    payload: &'a str,
    /// The payload, when read along with the envelope ([`typed_payload`]).
    read: Option<Payload>,
}

/// The event in `text` if it is valid and plain enough to be read directly, else `None`.
pub(crate) fn accept(bounds: &TimeBounds, text: &str) -> Option<Event> {
    let wire = read_wire(text)?;
    let event_type = EventType::from_code(wire.event_type)?;
    if event_type == EventType::EventAmended {
        return None;
    }
    let version = wire.schema_version;
    if !(1..=event_type.current_version()).contains(&version) {
        return None;
    }
    event_id("event_id", wire.event_id).ok()?;
    let occurred_at = crate::time::instant(wire.occurred_at)?;
    bounds.check("occurred_at", &occurred_at).ok()?;
    let formatted = |s: &str, ok: fn(&str) -> bool| ok(s).then(|| s.to_owned());
    let envelope = Envelope {
        event_id: EventId(wire.event_id.to_owned()),
        occurred_at,
        source_app: SourceApp(formatted(wire.source_app, is_source_app)?),
        department: Department(formatted(wire.department, is_department)?),
        structure_id: StructureId(formatted(wire.structure_id, is_identifier)?),
        professional_id: ProfessionalId(formatted(wire.professional_id, is_identifier)?),
    };
    let raw = wire.payload;
    let payload = match (wire.read, event_type, version) {
        (Some(payload), _, _) => payload,
        (None, EventType::ContactRecorded, 1) => {
            let v1: ContactRecordedV1 = serde_json::from_str(raw).ok()?;
            Payload::ContactRecorded(v1.into())
        }
        (None, _, _) => Payload::from_json(event_type, raw).ok()?,
    };
    check_payload(&payload, bounds).ok()?;
    check_event(&envelope, &payload).ok()?;
    Some(Event {
        envelope,
        payload,
        received_version: version,
    })
}

/// Indexes in [`ENVELOPE_FIELDS`], the order of [`Wire`].
const TYPE: usize = 1;
const VERSION: usize = 2;
const PAYLOAD: usize = 8;

/// The envelope of `text`, read in one pass that also runs the privacy scan's string rule on every
/// string value, each with the key the full scan attributes it to (its field's name; for the items
/// of a list, the list's field). Keys are left to the typed reading (see the module docs).
///
/// The envelope itself is read strictly ([`read_object`]): each field of [`ENVELOPE_FIELDS`] once,
/// a string for each but `schema_version` (digits) and `payload` (an object), nothing after it but
/// whitespace. When the type and version come before the payload, as producers send them, a
/// payload of [`typed_payload`] is read in the same pass; any other payload's syntax is left to its
/// typed reading, which reads the text returned. `None`, so the full path decides, on anything
/// else, and on nesting deeper than the privacy scan allows.
fn read_wire(text: &str) -> Option<Wire<'_>> {
    let bytes = text.as_bytes();
    let mut values = [""; ENVELOPE_FIELDS.len()];
    let mut read = None;
    let start = skip_whitespace(bytes, 0);
    let mut payload = |field: usize, values: &[&str], start: usize| {
        if field != PAYLOAD {
            return None;
        }
        if let Some((payload, end)) = typed_payload(values[TYPE], values[VERSION], text, start) {
            read = Some(payload);
            return Some(end);
        }
        object_end(text, start)
    };
    let end = read_object(text, start, ENVELOPE_FIELDS, &mut values, &mut payload)?;
    if values.iter().any(|v| v.is_empty()) || skip_whitespace(bytes, end) != bytes.len() {
        return None;
    }
    let [event_id, event_type, schema_version, occurred_at, source_app, department, structure_id, professional_id, payload] =
        values;
    Some(Wire {
        event_id: quoted(event_id)?,
        event_type: quoted(event_type)?,
        schema_version: schema_version.parse().ok()?,
        occurred_at: quoted(occurred_at)?,
        source_app: quoted(source_app)?,
        department: quoted(department)?,
        structure_id: quoted(structure_id)?,
        professional_id: quoted(professional_id)?,
        payload: payload.starts_with('{').then_some(payload)?,
        read,
    })
}

/// The payload at `start` read strictly, with the index after it, for the most frequent types
/// (given as the raw text of the envelope's `type` and `schema_version`): `contact.recorded`
/// version 2 and `attendance.recorded`. `None` for other types, and when unsure (a `null`, a field
/// missing or unknown, a code outside its taxonomy...): serde then reads the payload.
fn typed_payload(
    event_type: &str,
    version: &str,
    text: &str,
    start: usize,
) -> Option<(Payload, usize)> {
    fn no_object(_: usize, _: &[&str], _: usize) -> Option<usize> {
        None
    }
    match (event_type, version) {
        ("\"contact.recorded\"", "2") => {
            const FIELDS: [&str; 10] = [
                "youth",
                "channel",
                "initiated_by",
                "visibility",
                "in_permanence",
                "permanence_id",
                "themes",
                "age_band",
                "duration_minutes",
                "response_delay_minutes",
            ];
            let mut v = [""; FIELDS.len()];
            let end = read_object(text, start, &FIELDS, &mut v, &mut no_object)?;
            let [youth, channel, initiated_by, visibility, in_permanence, permanence_id, themes, age_band, duration_minutes, response_delay_minutes] =
                v;
            let contact = ContactRecorded {
                youth: YouthPseudonym(quoted(youth)?.to_owned()),
                channel: Channel::from_code(quoted(channel)?)?,
                initiated_by: Initiator::from_code(quoted(initiated_by)?)?,
                visibility: Visibility::from_code(quoted(visibility)?)?,
                in_permanence: boolean(in_permanence)?,
                permanence_id: optional(permanence_id, |v| Some(LocalId(quoted(v)?.to_owned())))?,
                themes: items(themes)?
                    .map(Theme::from_code)
                    .collect::<Option<_>>()?,
                age_band: AgeBand::from_code(quoted(age_band)?)?,
                duration_minutes: duration_minutes.parse().ok()?,
                response_delay_minutes: optional(response_delay_minutes, |v| v.parse().ok())?,
            };
            Some((Payload::ContactRecorded(contact), end))
        }
        ("\"attendance.recorded\"", "1") => {
            const FIELDS: [&str; 4] = ["youth", "activity", "age_band", "new_to_structure"];
            let mut v = [""; FIELDS.len()];
            let end = read_object(text, start, &FIELDS, &mut v, &mut no_object)?;
            let [youth, activity, age_band, new_to_structure] = v;
            let attendance = AttendanceRecorded {
                youth: YouthPseudonym(quoted(youth)?.to_owned()),
                activity: ActivityKind::from_code(quoted(activity)?)?,
                age_band: AgeBand::from_code(quoted(age_band)?)?,
                new_to_structure: boolean(new_to_structure)?,
            };
            Some((Payload::AttendanceRecorded(attendance), end))
        }
        _ => None,
    }
}

/// An optional field: absent (empty text) is `Some(None)`, present is read by `read`.
fn optional<T>(value: &str, read: impl Fn(&str) -> Option<T>) -> Option<Option<T>> {
    if value.is_empty() {
        Some(None)
    } else {
        read(value).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scans(object: &str) -> bool {
        object_end(object, 0) == Some(object.len())
    }

    #[test]
    fn strings_are_attributed_to_their_field() {
        assert!(scans(r#"{"starts_on":"2025-01-01"}"#));
        assert!(!scans(r#"{"a":"2025-01-01"}"#));
        assert!(scans(r#"{"p":{"starts_on":["2025-01-01"]}}"#));
        assert!(!scans(
            r#"{"starts_on":[{"x":1},"2025-01-01"],"a":["0612345678"]}"#
        ));
        assert!(!scans(r#"{"a":"x\"y"}"#));
        assert!(!scans(r#"{"a":[[[[[1]]]]]}"#));
        assert!(scans(r#"{"a":[[[[1]]]]}"#));
        assert!(!scans(r#"{"a":1"#));
    }

    #[test]
    fn the_envelope_is_read_strictly() {
        let plain = r#"{"event_id":"e","type":"t","schema_version":2,"occurred_at":"o","source_app":"s","department":"82","structure_id":"x","professional_id":"p","payload":{"a":1}}"#;
        let wire = read_wire(plain).unwrap();
        assert_eq!(
            (wire.event_id, wire.schema_version, wire.payload),
            ("e", 2, r#"{"a":1}"#)
        );
        let spaced = plain.replace(':', " : ").replace(',', " ,\n ");
        assert_eq!(
            read_wire(&format!(" {spaced}\r\n")).unwrap().payload,
            r#"{"a" : 1}"#
        );
        for unsure in [
            plain.replace(
                r#""department":"82""#,
                r#""department":"81","department":"82""#,
            ),
            plain.replace(r#""department":"82""#, r#""department":82"#),
            plain.replace(r#""department":"82""#, r#""depar\u0074ment":"82""#),
            plain.replace(r#""department":"82""#, r#""department":"8\t2""#),
            plain.replace(r#""department":"82""#, r#""department":"0612345678""#),
            plain.replace(r#","department":"82""#, ""),
            plain.replace(r#""department":"82""#, r#""departement":"82""#),
            plain.replace(":2,", ":02,"),
            plain.replace(":2,", ":2.0,"),
            plain.replace(":2,", ":-2,"),
            plain.replace(":2,", r#":"2","#),
            plain.replace(r#"{"a":1}"#, "[1]"),
            format!("{plain} {{}}"),
            format!("[{plain}]"),
            plain[..plain.len() - 1].to_owned(),
        ] {
            assert!(read_wire(&unsure).is_none(), "{unsure}");
        }
    }

    #[test]
    fn frequent_payloads_are_read_as_serde_reads_them() {
        let contact = r#"{"youth":"yp1_0123456789abcdef0123456789abcdef","channel":"instagram","initiated_by":"youth","visibility":"private","in_permanence":true,"permanence_id":"perm-1","themes":["sante_physique","pratiques_numeriques"],"age_band":"18-21","duration_minutes":29,"response_delay_minutes":20160}"#;
        let attendance = r#"{"youth":"yp1_0123456789abcdef0123456789abcdef","activity":"visit","age_band":"15-17","new_to_structure":false}"#;
        let short = contact.replace(r#","permanence_id":"perm-1""#, "");
        let short = short.replace(r#","response_delay_minutes":20160"#, "");
        for (event_type, version, text) in [
            ("contact.recorded", "2", contact.to_owned()),
            (
                "contact.recorded",
                "2",
                contact.replace(',', " ,\t").replace(':', ": "),
            ),
            ("contact.recorded", "2", short),
            ("attendance.recorded", "1", attendance.to_owned()),
        ] {
            let quoted_type = format!("\"{event_type}\"");
            let (read, end) = typed_payload(&quoted_type, version, &text, 0).unwrap();
            assert_eq!(end, text.len(), "{text}");
            let event_type = EventType::from_code(event_type).unwrap();
            assert_eq!(
                read,
                Payload::from_json(event_type, &text).unwrap(),
                "{text}"
            );
        }
        for unsure in [
            contact.replace(r#""perm-1""#, "null"),
            contact.replace("29", "-29"),
            contact.replace("29", "70000"),
            contact.replace("instagram", "fax"),
            contact.replace(r#","age_band":"18-21""#, ""),
            contact.replace(r#""youth","#, r#""youth","extra":1,"#),
            contact.replace("true", "1"),
            contact.replace("sante_physique", "sante\\u005fphysique"),
        ] {
            assert!(
                typed_payload("\"contact.recorded\"", "2", &unsure, 0).is_none(),
                "{unsure}"
            );
        }
        assert!(typed_payload("\"contact.recorded\"", "1", contact, 0).is_none());
    }
}
