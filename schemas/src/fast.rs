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

use crate::check::{check_event, check_payload, event_id, TimeBounds};
use crate::event::{Envelope, Event, EventType, Payload};
use crate::ids::*;
use crate::payload::ContactRecordedV1;
use crate::pii::{check_scanned_string, is_code_byte, MAX_DEPTH};

/// The envelope as sent, borrowed from the text.
struct Wire<'a> {
    event_id: &'a str,
    event_type: &'a str,
    schema_version: u64,
    occurred_at: &'a str,
    source_app: &'a str,
    department: &'a str,
    structure_id: &'a str,
    professional_id: &'a str,
    /// The payload object's text, braces included.
    payload: &'a str,
}

/// The event in `text` if it is valid and plain enough to be read directly, else `None`.
pub(crate) fn accept(bounds: &TimeBounds, text: &str) -> Option<Event> {
    let wire = read_wire(text)?;
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
    let raw = wire.payload;
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
const OTHER: u8 = 2;
const UNSURE: u8 = 3;

/// The class of each byte inside a JSON string: a code byte of the privacy scan, the closing quote,
/// anything else, or a byte the fast path leaves to the full path (the start of an escape
/// sequence, a control character, which JSON forbids in a string).
static BYTE_CLASS: [u8; 256] = {
    let mut table = [OTHER; 256];
    let mut b = 0;
    while b < 256 {
        if is_code_byte(b as u8) {
            table[b] = CODE;
        } else if b < 0x20 {
            table[b] = UNSURE;
        }
        b += 1;
    }
    table[b'"' as usize] = QUOTE;
    table[b'\\' as usize] = UNSURE;
    table
};

/// The envelope's fields, in the order of [`Wire`].
const FIELDS: [&str; 9] = [
    "event_id",
    "type",
    "schema_version",
    "occurred_at",
    "source_app",
    "department",
    "structure_id",
    "professional_id",
    "payload",
];

/// The envelope of `text`, read in one pass that also runs the privacy scan's string rule on every
/// string value, each with the key the full scan attributes it to (its field's name; for the items
/// of a list, the list's field). Keys are left to the typed reading (see the module docs).
///
/// The envelope itself is read strictly: one object holding each field of [`FIELDS`] once, a string
/// (without escape sequence) for each but `schema_version` (digits) and `payload` (an object),
/// nothing after it but whitespace. The payload's syntax is left to its typed reading, which reads
/// the text returned. `None`, so the full path decides, on anything else, and on nesting deeper
/// than the privacy scan allows.
fn read_wire(text: &str) -> Option<Wire<'_>> {
    let bytes = text.as_bytes();
    let mut values = [""; FIELDS.len()];
    let mut seen = 0u16;
    let mut i = skip_whitespace(bytes, 0);
    if bytes.get(i) != Some(&b'{') {
        return None;
    }
    i = skip_whitespace(bytes, i + 1);
    loop {
        let (key, _, after) = string(text, i)?;
        let field = FIELDS.iter().position(|&f| f == key)?;
        if seen & (1 << field) != 0 {
            return None;
        }
        seen |= 1 << field;
        i = skip_whitespace(bytes, after);
        if bytes.get(i) != Some(&b':') {
            return None;
        }
        let start = skip_whitespace(bytes, i + 1);
        i = match bytes.get(start)? {
            b'"' => {
                let (value, only_code_bytes, after) = string(text, start)?;
                check_scanned_string(value, "", key, only_code_bytes).ok()?;
                after
            }
            b'0'..=b'9' => digits_end(bytes, start)?,
            b'{' => object_end(text, start)?,
            _ => return None,
        };
        values[field] = &text[start..i];
        i = skip_whitespace(bytes, i);
        match bytes.get(i)? {
            b',' => i = skip_whitespace(bytes, i + 1),
            b'}' => break,
            _ => return None,
        }
    }
    if seen != (1 << FIELDS.len()) - 1 || skip_whitespace(bytes, i + 1) != bytes.len() {
        return None;
    }
    let [event_id, event_type, schema_version, occurred_at, source_app, department, structure_id, professional_id, payload] =
        values;
    fn quoted(value: &str) -> Option<&str> {
        value.strip_prefix('"')?.strip_suffix('"')
    }
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
    })
}

fn skip_whitespace(bytes: &[u8], mut i: usize) -> usize {
    while matches!(bytes.get(i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        i += 1;
    }
    i
}

/// The string starting with the quote at `start`: its text, whether it holds only code bytes, and
/// the index after its closing quote. `None` if there is no quote at `start`, or on an escape
/// sequence, a control character or a missing closing quote.
fn string(text: &str, start: usize) -> Option<(&str, bool, usize)> {
    let bytes = text.as_bytes();
    if bytes.get(start) != Some(&b'"') {
        return None;
    }
    let mut only_code_bytes = true;
    let mut end = start + 1;
    loop {
        match BYTE_CLASS[usize::from(*bytes.get(end)?)] {
            CODE => {}
            QUOTE => break,
            OTHER => only_code_bytes = false,
            _ => return None,
        }
        end += 1;
    }
    Some((&text[start + 1..end], only_code_bytes, end + 1))
}

/// The index after the JSON number at `start` if it is a plain integer (digits, no leading zero
/// unless alone): anything else (a sign, a fraction, an exponent) is left to the full path.
fn digits_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut end = start;
    while bytes.get(end).is_some_and(u8::is_ascii_digit) {
        end += 1;
    }
    let leading_zero = bytes[start] == b'0' && end - start > 1;
    let continued = matches!(bytes.get(end), Some(b'.' | b'e' | b'E'));
    (!leading_zero && !continued && end - start <= 4).then_some(end)
}

/// The index after the object whose opening brace is at `start`, a value of the envelope (nesting
/// depth 1), running the privacy scan's string rule on its strings (keys attributed as by the full
/// scan). Brackets are only counted: the object's syntax is checked by its typed reading.
fn object_end(text: &str, start: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    // Per open container: whether it is an object, and the key its values are attributed to.
    let mut is_object = [false; MAX_DEPTH + 1];
    let mut keys = [""; MAX_DEPTH + 1];
    let mut depth = 1usize;
    let mut expect_key = false;
    let mut i = start;
    loop {
        match *bytes.get(i)? {
            open @ (b'{' | b'[') => {
                if depth == MAX_DEPTH {
                    return None;
                }
                let inherited = keys[depth];
                depth += 1;
                is_object[depth] = open == b'{';
                keys[depth] = if open == b'{' { "" } else { inherited };
                expect_key = open == b'{';
            }
            b'}' | b']' => {
                depth -= 1;
                if depth == 1 {
                    return Some(i + 1);
                }
                expect_key = false;
            }
            b',' => expect_key = is_object[depth],
            b':' => expect_key = false,
            b'"' => {
                let (s, only_code_bytes, after) = string(text, i)?;
                if expect_key {
                    keys[depth] = s;
                } else if check_scanned_string(s, "", keys[depth], only_code_bytes).is_err() {
                    return None;
                }
                i = after;
                continue;
            }
            _ => {}
        }
        i += 1;
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
}
