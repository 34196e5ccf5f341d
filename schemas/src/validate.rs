//! Validation: raw bytes in, a typed [`Event`] or a precise [`Rejection`] out.
//!
//! The order of the checks is part of the contract, because it decides which reason an event that
//! breaks several rules gets:
//! 1. size, UTF-8, JSON syntax, top-level object;
//! 2. the privacy scan of every key and string ([`crate::pii`]): personal data is reported as such,
//!    whatever field it hides in;
//! 3. the envelope: unknown or missing fields, type, schema version, ids, timestamp bounds;
//! 4. the payload: upcast from its version, typed reading (unknown/missing fields, wrong types,
//!    values outside taxonomies), then the checks of [`crate::check`].
//!
//! Valid events usually take a fast path ([`crate::fast`]) that reads them without a JSON tree and
//! accepts exactly what the path above accepts; anything else takes the path above.

use chrono::{DateTime, FixedOffset, Utc};
use serde_json::{Map, Value};

use crate::check::{check_event, check_payload, event_id, TimeBounds};
use crate::event::{Envelope, Event, EventType, Payload, ENVELOPE_FIELDS};
use crate::ids::*;
use crate::reason::{describe, describe_masked, Reason, Rejection};

/// The largest event accepted, in bytes of JSON.
pub const MAX_EVENT_BYTES: usize = 64 * 1024;

/// Validates events against the schema, relative to a fixed "now" (for the future-time bound).
#[derive(Debug, Clone, Copy)]
pub struct Validator {
    bounds: TimeBounds,
}

impl Default for Validator {
    fn default() -> Self {
        Validator::at(Utc::now())
    }
}

impl Validator {
    /// A validator for which `now` is the present (events after `now` + 1 day are in the future).
    pub fn at(now: DateTime<Utc>) -> Validator {
        Validator {
            bounds: TimeBounds::until(now),
        }
    }

    /// Validates one event given as raw bytes (one NDJSON line or one Kafka message).
    pub fn validate(&self, bytes: &[u8]) -> Result<Event, Rejection> {
        if bytes.len() > MAX_EVENT_BYTES {
            return Err(Rejection::new(
                Reason::EventTooLarge,
                "",
                format!("at most {MAX_EVENT_BYTES} bytes"),
                format!("{} bytes", bytes.len()),
            ));
        }
        let text = std::str::from_utf8(bytes).map_err(|e| {
            Rejection::new(
                Reason::InvalidUtf8,
                "",
                "UTF-8 text",
                format!("an invalid byte at offset {}", e.valid_up_to()),
            )
        })?;
        if let Some(event) = crate::fast::accept(&self.bounds, text) {
            return Ok(event);
        }
        let value = parse(text)?;
        self.validate_value(value)
    }

    /// Validates one event already parsed as JSON.
    pub fn validate_value(&self, value: Value) -> Result<Event, Rejection> {
        let Value::Object(mut object) = value else {
            return Err(Rejection::new(
                Reason::NotAnObject,
                "",
                "a JSON object",
                describe(&value),
            ));
        };
        let id_for_report = object
            .get("event_id")
            .and_then(Value::as_str)
            .filter(|s| is_event_id(s))
            .map(str::to_owned);
        self.validate_object(&mut object).map_err(|mut r| {
            r.event_id = id_for_report;
            r
        })
    }

    fn validate_object(&self, object: &mut Map<String, Value>) -> Result<Event, Rejection> {
        crate::pii::scan_object(object)?;
        for key in object.keys() {
            if !ENVELOPE_FIELDS.contains(&key.as_str()) {
                return Err(Rejection::new(
                    Reason::UnknownField,
                    key.as_str(),
                    format!("only the fields {}", ENVELOPE_FIELDS.join(", ")),
                    format!("field \"{key}\""),
                ));
            }
        }
        let event_type = {
            let code = string(object, "type")?;
            EventType::from_code(code).ok_or_else(|| {
                Rejection::new(
                    Reason::UnknownEventType,
                    "type",
                    "an event type of the catalogue (see schemas/json/)",
                    describe(&Value::String(code.to_owned())),
                )
            })?
        };
        let version = schema_version(object, event_type)?;
        let id = string(object, "event_id")?;
        event_id("event_id", id)?;
        let occurred_at = timestamp("occurred_at", string(object, "occurred_at")?)?;
        self.bounds.check("occurred_at", &occurred_at)?;
        let envelope = Envelope {
            event_id: EventId(id.to_owned()),
            occurred_at,
            source_app: SourceApp(formatted(
                object,
                "source_app",
                is_source_app,
                Reason::InvalidSourceApp,
                "a lowercase application name, 2 to 32 characters",
            )?),
            department: Department(formatted(
                object,
                "department",
                is_department,
                Reason::InvalidDepartment,
                "an INSEE department code such as 82, 2A or 974",
            )?),
            structure_id: StructureId(formatted(
                object,
                "structure_id",
                is_identifier,
                Reason::InvalidIdentifier,
                "2 to 64 letters, digits, '.', '_', ':' or '-'",
            )?),
            professional_id: ProfessionalId(formatted(
                object,
                "professional_id",
                is_identifier,
                Reason::InvalidIdentifier,
                "2 to 64 letters, digits, '.', '_', ':' or '-'",
            )?),
        };
        let payload_value = object
            .remove("payload")
            .ok_or_else(|| missing("payload", "the payload object"))?;
        if !payload_value.is_object() {
            return Err(Rejection::new(
                Reason::WrongType,
                "payload",
                "an object",
                describe(&payload_value),
            ));
        }
        let payload = crate::upcast::read_payload(event_type, version, payload_value)
            .map_err(|e| serde_rejection("payload", &e))?;
        check_payload(&payload, &self.bounds)?;
        check_event(&envelope, &payload)?;
        if let Payload::EventAmended(amended) = &payload {
            let replacement = Payload::from_value(
                amended.target_type,
                Value::Object(amended.replacement.clone()),
            )
            .map_err(|e| serde_rejection("payload.replacement", &e))?;
            check_payload(&replacement, &self.bounds).map_err(|mut r| {
                r.path = r.path.replacen("payload", "payload.replacement", 1);
                r
            })?;
        }
        Ok(Event {
            envelope,
            payload,
            received_version: version,
        })
    }
}

fn missing(path: &str, what: &str) -> Rejection {
    Rejection::new(Reason::MissingField, path, what, "nothing")
}

fn string<'a>(object: &'a Map<String, Value>, field: &str) -> Result<&'a str, Rejection> {
    match object.get(field) {
        None => Err(missing(field, "a string")),
        Some(Value::String(s)) => Ok(s),
        Some(other) => Err(Rejection::new(
            Reason::WrongType,
            field,
            "a string",
            describe(other),
        )),
    }
}

fn formatted(
    object: &Map<String, Value>,
    field: &str,
    ok: fn(&str) -> bool,
    reason: Reason,
    expected: &str,
) -> Result<String, Rejection> {
    let s = string(object, field)?;
    if ok(s) {
        Ok(s.to_owned())
    } else {
        Err(Rejection::new(
            reason,
            field,
            expected,
            describe_masked("a string", s),
        ))
    }
}

fn schema_version(object: &Map<String, Value>, t: EventType) -> Result<u16, Rejection> {
    let current = t.current_version();
    let expected = || format!("an integer from 1 to {current} for {t}");
    match object.get("schema_version") {
        None => Err(missing("schema_version", "the schema version number")),
        Some(Value::Number(n)) => match n.as_u64() {
            Some(v) if (1..=u64::from(current)).contains(&v) => Ok(v as u16),
            _ => Err(Rejection::new(
                Reason::UnsupportedSchemaVersion,
                "schema_version",
                expected(),
                format!("number {n}"),
            )),
        },
        Some(other) => Err(Rejection::new(
            Reason::WrongType,
            "schema_version",
            expected(),
            describe(other),
        )),
    }
}

/// Parses an RFC 3339 timestamp, which must carry its UTC offset ([`crate::time::instant`]).
fn timestamp(path: &str, s: &str) -> Result<DateTime<FixedOffset>, Rejection> {
    crate::time::instant(s).ok_or_else(|| {
        Rejection::new(
            Reason::InvalidTimestamp,
            path,
            "an RFC 3339 timestamp with a real UTC offset, e.g. 2025-03-14T18:22:05+01:00",
            describe(&Value::String(s.to_owned())),
        )
    })
}

/// Reads `text` as one JSON document, refusing an object that gives a key twice (which value
/// counts would depend on the reader: RFC 8259 leaves it open).
pub fn parse(text: &str) -> Result<Value, Rejection> {
    serde_json::from_str::<Strict>(text)
        .map(|strict| strict.0)
        .map_err(|e| {
            let message = e.to_string();
            if let Some(key) = message.strip_prefix(DUPLICATE_KEY) {
                let key = key.split(" at line").next().unwrap_or_default();
                let plain = key.len() <= 40 && key.bytes().all(crate::pii::is_code_byte);
                return Rejection::new(
                    Reason::DuplicateKey,
                    if plain { key } else { "" },
                    "each key once per object",
                    describe_masked("a key given twice", key),
                );
            }
            if message.starts_with("recursion limit exceeded") {
                return Rejection::new(
                    Reason::TooDeep,
                    "",
                    format!("at most {} levels of nesting", crate::pii::MAX_DEPTH),
                    "deeper nesting",
                );
            }
            Rejection::new(
                Reason::MalformedJson,
                "",
                "one JSON object",
                format!(
                    "{} at line {} column {}",
                    json_error_kind(&e),
                    e.line(),
                    e.column()
                ),
            )
        })
}

const DUPLICATE_KEY: &str = "duplicate key ";

/// A JSON value read like `serde_json::Value`, except that an object repeating a key is an error.
struct Strict(Value);

impl<'de> serde::Deserialize<'de> for Strict {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Strict, D::Error> {
        d.deserialize_any(StrictVisitor).map(Strict)
    }
}

struct StrictVisitor;

impl<'de> serde::de::Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(Strict(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if object.contains_key(&key) {
                return Err(serde::de::Error::custom(format!("{DUPLICATE_KEY}{key}")));
            }
            let Strict(value) = map.next_value()?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

fn json_error_kind(e: &serde_json::Error) -> &'static str {
    match e.classify() {
        serde_json::error::Category::Eof => "an unexpected end of input",
        serde_json::error::Category::Syntax => "a syntax error",
        serde_json::error::Category::Data | serde_json::error::Category::Io => {
            "an unreadable value"
        }
    }
}

/// Fields holding timestamps or dates, whose parse errors get their own reasons.
const TIMESTAMP_FIELDS: &[&str] = &["slot_start", "slot_end"];
const DATE_FIELDS: &[&str] = &["starts_on", "ends_on", "ended_on"];

/// Turns a typed-reading error into a rejection with the full path, under `prefix`.
fn serde_rejection(prefix: &str, e: &serde_path_to_error::Error<serde_json::Error>) -> Rejection {
    let inner = e.inner().to_string();
    let path = e.path().to_string();
    let at = |p: &str| {
        if p == "." || p.is_empty() {
            prefix.to_owned()
        } else {
            format!("{prefix}.{p}")
        }
    };
    let field = path
        .rsplit('.')
        .next()
        .unwrap_or("")
        .split('[')
        .next()
        .unwrap_or("");
    let backtick = |s: &str| s.split('`').nth(1).unwrap_or("").to_owned();
    let after_expected = |s: &str| {
        s.split_once("expected ")
            .map(|(_, e)| e.to_owned())
            .unwrap_or_default()
    };
    if let Some(rest) = inner.strip_prefix("unknown field ") {
        let name = backtick(rest);
        let parent = path
            .trim_end_matches(&name)
            .trim_end_matches('.')
            .to_owned();
        return Rejection::new(
            Reason::UnknownField,
            at(&join(&parent, &name)),
            after_expected(rest),
            format!("field \"{name}\""),
        );
    }
    if let Some(rest) = inner.strip_prefix("missing field ") {
        let name = backtick(rest);
        return Rejection::new(
            Reason::MissingField,
            at(&join(&path, &name)),
            format!("the field \"{name}\""),
            "nothing",
        );
    }
    if let Some(rest) = inner.strip_prefix("unknown variant ") {
        return Rejection::new(
            Reason::InvalidEnumValue,
            at(&path),
            after_expected(rest),
            format!("\"{}\"", backtick(rest)),
        );
    }
    let (found, expected) = inner
        .split_once(", expected ")
        .map(|(f, e)| (f.to_owned(), e.to_owned()))
        .unwrap_or_else(|| (inner.clone(), String::new()));
    let reason = if TIMESTAMP_FIELDS.contains(&field) {
        Reason::InvalidTimestamp
    } else if DATE_FIELDS.contains(&field) {
        Reason::InvalidDate
    } else if inner.starts_with("invalid type") {
        Reason::WrongType
    } else if inner.starts_with("invalid value: integer")
        || inner.starts_with("invalid value: floating")
    {
        Reason::OutOfRange
    } else {
        Reason::InvalidValue
    };
    let expected = match reason {
        Reason::InvalidTimestamp => "an RFC 3339 timestamp with its UTC offset".to_owned(),
        Reason::InvalidDate => "an ISO 8601 date such as 2025-09-01".to_owned(),
        _ => expected,
    };
    let found = found
        .trim_start_matches("invalid type: ")
        .trim_start_matches("invalid value: ")
        .to_owned();
    Rejection::new(reason, at(&path), expected, found)
}

fn join(parent: &str, name: &str) -> String {
    if parent.is_empty() || parent == "." {
        name.to_owned()
    } else {
        format!("{parent}.{name}")
    }
}
