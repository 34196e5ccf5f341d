//! Generated events on their way to the output: the record of one event, the time window of a
//! department-year, and the writing of one NDJSON line (current version, or version 1 for contacts
//! sent by an app not yet updated).

use std::ops::Range;

use chrono::{DateTime, FixedOffset};
use pdn_schemas::ids::{Department, EventId, ProfessionalId, SourceApp, StructureId};
use pdn_schemas::payload::{ContactRecorded, ContactRecordedV1};
use pdn_schemas::taxonomy::{Initiator, Visibility};
use pdn_schemas::{Event, EventType, Payload};
use serde::Serialize;

use crate::calendar::{civil, DAY};
use crate::truth::{Fact, Interner};

/// The application that sends an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum App {
    /// The professionals' mobile logging app.
    Mobile,
    /// The professionals' web logging app.
    Web,
    /// A structure's attendance register.
    Register,
    /// The coordinator's tool (network, meetings).
    Coordination,
}

impl App {
    /// The `source_app` value.
    pub(crate) fn name(self) -> &'static str {
        match self {
            App::Mobile => "pdn-mobile",
            App::Web => "pdn-web",
            App::Register => "registre-structure",
            App::Coordination => "outil-coordination",
        }
    }
}

/// How a record is written and counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Form {
    /// The current schema version of its type.
    Current,
    /// A `contact.recorded` written in schema version 1 (its event holds the upcast payload).
    ContactV1,
    /// A contact entered by mistake, retracted by a later `correction.retracted`.
    Retracted,
}

/// One generated event with its sort key.
#[derive(Debug, Clone)]
pub(crate) struct Rec {
    /// The instant (Unix seconds).
    pub(crate) t: i64,
    /// The event id as a number: its order is the order of the id's text.
    pub(crate) id: u128,
    pub(crate) form: Form,
    pub(crate) event: Event,
}

/// A generated event already written in its sink's arena: what sorting, writing and the truth need.
#[derive(Debug)]
pub(crate) struct Line {
    pub(crate) t: i64,
    pub(crate) id: u128,
    pub(crate) event_type: EventType,
    /// A later correction retracts it.
    pub(crate) retracted: bool,
    /// Its bytes in the arena (without newline).
    pub(crate) bytes: Range<usize>,
    pub(crate) fact: Fact,
}

/// The events of a department-year, written as they are generated: each event becomes JSON at
/// once, while its strings are still in cache, and only a [`Line`] is kept.
#[derive(Debug, Default)]
pub(crate) struct Sink {
    pub(crate) lines: Vec<Line>,
    pub(crate) arena: Vec<u8>,
    /// Contacts written: (professional, instant, youth number).
    pub(crate) contacted: Vec<(usize, i64, u32)>,
    ids: Interner,
}

impl Sink {
    /// An empty sink writing into `arena` (an empty buffer).
    pub(crate) fn new(arena: Vec<u8>) -> Sink {
        Sink {
            arena,
            ..Sink::default()
        }
    }

    /// Writes `rec` into the arena and keeps its line.
    pub(crate) fn push(&mut self, rec: Rec) {
        let start = self.arena.len();
        write_json(&mut self.arena, &rec);
        self.lines.push(Line {
            t: rec.t,
            id: rec.id,
            event_type: rec.event.event_type(),
            retracted: rec.form == Form::Retracted,
            bytes: start..self.arena.len(),
            fact: Fact::of(&rec.event, &mut self.ids),
        });
    }
}

/// A half-open interval of instants [start, end).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Window {
    pub(crate) start: i64,
    pub(crate) end: i64,
}

impl Window {
    /// Whether `t` is in the window.
    pub(crate) fn contains(&self, t: i64) -> bool {
        self.start <= t && t < self.end
    }
}

/// A version-1 `contact.recorded` line, field for field as an old app sends it.
#[derive(Serialize)]
struct ContactV1Line<'a> {
    event_id: &'a EventId,
    #[serde(rename = "type")]
    event_type: &'static str,
    schema_version: u16,
    occurred_at: String,
    source_app: &'a SourceApp,
    department: &'a Department,
    structure_id: &'a StructureId,
    professional_id: &'a ProfessionalId,
    payload: ContactRecordedV1,
}

/// Appends `rec` as one JSON line, without the newline: the bytes of [`Event::to_json`] (or of a
/// version-1 contact). Contacts and visits, most of the lines, are written field by field: their
/// strings are codes, identifiers and timestamps, which JSON never escapes.
pub(crate) fn write_json(buf: &mut Vec<u8>, rec: &Rec) {
    match (rec.form, &rec.event.payload) {
        (Form::ContactV1, Payload::ContactRecorded(c)) => write_v1(buf, &rec.event, c),
        (_, Payload::ContactRecorded(c)) => {
            envelope(buf, &rec.event);
            field(buf, b"{\"youth\":\"", c.youth.as_str());
            field(buf, b"\",\"channel\":\"", c.channel.code());
            field(buf, b"\",\"initiated_by\":\"", c.initiated_by.code());
            field(buf, b"\",\"visibility\":\"", c.visibility.code());
            let in_permanence: &[u8] = if c.in_permanence {
                b"\",\"in_permanence\":true"
            } else {
                b"\",\"in_permanence\":false"
            };
            buf.extend_from_slice(in_permanence);
            if let Some(id) = &c.permanence_id {
                field(buf, b",\"permanence_id\":\"", id.as_str());
                buf.push(b'"');
            }
            buf.extend_from_slice(b",\"themes\":[");
            for (i, theme) in c.themes.iter().enumerate() {
                let prefix: &[u8] = if i == 0 { b"\"" } else { b",\"" };
                field(buf, prefix, theme.code());
                buf.push(b'"');
            }
            field(buf, b"],\"age_band\":\"", c.age_band.code());
            buf.extend_from_slice(b"\",\"duration_minutes\":");
            number(buf, u64::from(c.duration_minutes));
            if let Some(delay) = c.response_delay_minutes {
                buf.extend_from_slice(b",\"response_delay_minutes\":");
                number(buf, u64::from(delay));
            }
            buf.extend_from_slice(b"}}");
        }
        (_, Payload::AttendanceRecorded(a)) => {
            envelope(buf, &rec.event);
            field(buf, b"{\"youth\":\"", a.youth.as_str());
            field(buf, b"\",\"activity\":\"", a.activity.code());
            field(buf, b"\",\"age_band\":\"", a.age_band.code());
            let new: &[u8] = if a.new_to_structure {
                b"\",\"new_to_structure\":true}}"
            } else {
                b"\",\"new_to_structure\":false}}"
            };
            buf.extend_from_slice(new);
        }
        _ => serde_json::to_writer(&mut *buf, &rec.event)
            .expect("events serialise to JSON in memory"),
    }
}

/// Appends `prefix` then `value` (a string JSON needs not escape).
fn field(buf: &mut Vec<u8>, prefix: &[u8], value: &str) {
    buf.extend_from_slice(prefix);
    buf.extend_from_slice(value.as_bytes());
}

/// Appends a number in decimal.
fn number(buf: &mut Vec<u8>, n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    let mut n = n;
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    buf.extend_from_slice(&digits[i..]);
}

/// Appends `n` on `width` digits (`n` < 10^width).
fn padded(buf: &mut Vec<u8>, n: i64, width: u32) {
    for i in (0..width).rev() {
        buf.push(b'0' + (n / 10i64.pow(i) % 10) as u8);
    }
}

/// Appends an instant as chrono's `to_rfc3339` writes it: `2025-03-14T18:22:05+01:00`.
fn timestamp(buf: &mut Vec<u8>, at: &DateTime<FixedOffset>) {
    let offset = i64::from(at.offset().local_minus_utc());
    let local = at.timestamp() + offset;
    let (year, month, dom) = civil(local.div_euclid(DAY));
    let secs = local.rem_euclid(DAY);
    padded(buf, i64::from(year), 4);
    buf.push(b'-');
    padded(buf, i64::from(month), 2);
    buf.push(b'-');
    padded(buf, i64::from(dom), 2);
    buf.push(b'T');
    padded(buf, secs / 3600, 2);
    buf.push(b':');
    padded(buf, secs / 60 % 60, 2);
    buf.push(b':');
    padded(buf, secs % 60, 2);
    buf.push(if offset < 0 { b'-' } else { b'+' });
    padded(buf, offset.abs() / 3600, 2);
    buf.push(b':');
    padded(buf, offset.abs() / 60 % 60, 2);
}

/// Appends the envelope of `event` up to `"payload":`.
fn envelope(buf: &mut Vec<u8>, event: &Event) {
    let e = &event.envelope;
    let t = event.event_type();
    field(buf, b"{\"event_id\":\"", e.event_id.as_str());
    field(buf, b"\",\"type\":\"", t.code());
    buf.extend_from_slice(b"\",\"schema_version\":");
    number(buf, u64::from(t.current_version()));
    buf.extend_from_slice(b",\"occurred_at\":\"");
    timestamp(buf, &e.occurred_at);
    field(buf, b"\",\"source_app\":\"", e.source_app.as_str());
    field(buf, b"\",\"department\":\"", e.department.as_str());
    field(buf, b"\",\"structure_id\":\"", e.structure_id.as_str());
    field(
        buf,
        b"\",\"professional_id\":\"",
        e.professional_id.as_str(),
    );
    buf.extend_from_slice(b"\",\"payload\":");
}

/// Appends a contact as an app still on version 1 sends it.
fn write_v1(buf: &mut Vec<u8>, event: &Event, c: &ContactRecorded) {
    let e = &event.envelope;
    let line = ContactV1Line {
        event_id: &e.event_id,
        event_type: EventType::ContactRecorded.code(),
        schema_version: 1,
        occurred_at: e.occurred_at.to_rfc3339(),
        source_app: &e.source_app,
        department: &e.department,
        structure_id: &e.structure_id,
        professional_id: &e.professional_id,
        payload: ContactRecordedV1 {
            youth: c.youth.clone(),
            channel: c.channel,
            initiated_by_youth: c.initiated_by == Initiator::Youth,
            private: c.visibility == Visibility::Private,
            in_permanence: c.in_permanence,
            theme: c.themes[0],
            age_band: c.age_band,
            duration_minutes: c.duration_minutes,
        },
    };
    serde_json::to_writer(&mut *buf, &line).expect("events serialise to JSON in memory");
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn timestamps_as_chrono_writes_them() {
        for (t, offset) in [
            (0, 3600),
            (1_735_686_000, 3600),
            (1_752_521_400, 7200),
            (1_709_222_400, -4 * 3600),
            (4_102_444_799, 3 * 3600),
        ] {
            let at = FixedOffset::east_opt(offset)
                .unwrap()
                .timestamp_opt(t, 0)
                .unwrap();
            let mut buf = Vec::new();
            timestamp(&mut buf, &at);
            assert_eq!(String::from_utf8(buf).unwrap(), at.to_rfc3339());
        }
        let mut buf = Vec::new();
        number(&mut buf, 0);
        number(&mut buf, 20_160);
        assert_eq!(buf, b"020160");
    }
}
