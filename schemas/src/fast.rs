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
//! - the envelope and payload checks are the full path's own functions.

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::check::{check_event, check_payload, event_id, TimeBounds};
use crate::event::{Envelope, Event, EventType, Payload};
use crate::ids::*;
use crate::payload::ContactRecordedV1;
use crate::pii::{check_scanned_string, is_code_byte, MAX_DEPTH};

/// The envelope as sent, borrowing from the text (a string with an escape cannot be borrowed: the
/// full path takes it).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire<'a> {
    event_id: &'a str,
    #[serde(rename = "type")]
    event_type: &'a str,
    schema_version: u64,
    occurred_at: &'a str,
    source_app: &'a str,
    department: &'a str,
    structure_id: &'a str,
    professional_id: &'a str,
    #[serde(borrow)]
    payload: &'a RawValue,
}

/// The event in `text` if it is valid and plain enough to be read directly, else `None`.
pub(crate) fn accept(bounds: &TimeBounds, text: &str) -> Option<Event> {
    if !strings_pass_privacy_scan(text) {
        return None;
    }
    let wire: Wire<'_> = serde_json::from_str(text).ok()?;
    let event_type = EventType::from_code(wire.event_type)?;
    if event_type == EventType::EventAmended {
        return None;
    }
    let version = u16::try_from(wire.schema_version).ok()?;
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
    let raw = wire.payload.get();
    let payload = match (event_type, version) {
        (EventType::ContactRecorded, 1) => {
            let v1: ContactRecordedV1 = serde_json::from_str(raw).ok()?;
            Payload::ContactRecorded(v1.into())
        }
        _ => Payload::from_json(event_type, raw).ok()?,
    };
    check_payload(&payload, bounds).ok()?;
    check_event(&envelope, &payload).ok()?;
    Some(Event {
        envelope,
        payload,
        received_version: version,
    })
}

const CODE: u8 = 0;
const QUOTE: u8 = 1;
const BACKSLASH: u8 = 2;
const OTHER: u8 = 3;

/// The class of each byte inside a JSON string: a code byte of the privacy scan, the closing quote,
/// the start of an escape sequence, or anything else.
static BYTE_CLASS: [u8; 256] = {
    let mut table = [OTHER; 256];
    let mut b = 0;
    while b < 256 {
        if is_code_byte(b as u8) {
            table[b] = CODE;
        }
        b += 1;
    }
    table[b'"' as usize] = QUOTE;
    table[b'\\' as usize] = BACKSLASH;
    table
};

/// Runs the privacy scan's string rule on every string value of `text`, each with the key the full
/// scan attributes it to (its field's name; for the items of a list, the list's field). Keys are
/// left to the typed reading (see the module docs). False, so the full path decides, on an escape
/// sequence, nesting deeper than the scan allows, or brackets that do not pair.
fn strings_pass_privacy_scan(text: &str) -> bool {
    let bytes = text.as_bytes();
    // Per open container: whether it is an object, and the key its values are attributed to.
    let mut is_object = [false; MAX_DEPTH + 1];
    let mut keys = [""; MAX_DEPTH + 1];
    let mut depth = 0usize;
    let mut expect_key = false;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            open @ (b'{' | b'[') => {
                if depth == MAX_DEPTH {
                    return false;
                }
                let inherited = keys[depth];
                depth += 1;
                is_object[depth] = open == b'{';
                keys[depth] = if open == b'{' { "" } else { inherited };
                expect_key = open == b'{';
            }
            b'}' | b']' => {
                if depth == 0 {
                    return false;
                }
                depth -= 1;
                expect_key = false;
            }
            b',' => expect_key = is_object[depth],
            b':' => expect_key = false,
            b'"' => {
                let start = i + 1;
                let mut end = start;
                let mut only_code_bytes = true;
                loop {
                    match bytes.get(end).map(|&b| BYTE_CLASS[usize::from(b)]) {
                        Some(CODE) => {}
                        Some(QUOTE) => break,
                        Some(OTHER) => only_code_bytes = false,
                        _ => return false,
                    }
                    end += 1;
                }
                let s = &text[start..end];
                if expect_key {
                    keys[depth] = s;
                } else if check_scanned_string(s, "", keys[depth], only_code_bytes).is_err() {
                    return false;
                }
                i = end;
            }
            _ => {}
        }
        i += 1;
    }
    depth == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_attributed_to_their_field() {
        assert!(strings_pass_privacy_scan(r#"{"starts_on":"2025-01-01"}"#));
        assert!(!strings_pass_privacy_scan(r#"{"a":"2025-01-01"}"#));
        assert!(strings_pass_privacy_scan(
            r#"{"p":{"starts_on":["2025-01-01"]}}"#
        ));
        assert!(!strings_pass_privacy_scan(
            r#"{"starts_on":[{"x":1},"2025-01-01"],"a":["0612345678"]}"#
        ));
        assert!(!strings_pass_privacy_scan(r#"{"a":"x\"y"}"#));
        assert!(!strings_pass_privacy_scan(r#"{"a":[[[[[[1]]]]]]}"#));
        assert!(!strings_pass_privacy_scan(r#"{"a":1"#));
    }
}
