//! Realistic bad lines, each derived from a recent valid line and breaking exactly one rule, so that
//! the validator gives it a known reason.

use pdn_schemas::Reason;
use serde_json::{Map, Value};

use crate::rng::{uuid_string, Rng};

/// The kinds of bad lines, named after the reason the validator must give.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Bad {
    /// A line cut short (a producer crashed mid-write).
    MalformedJson,
    /// A type the catalogue does not have.
    UnknownEventType,
    /// A contact without its channel.
    MissingField,
    /// A local file number instead of a pseudonym.
    RawYouthId,
    /// An e-mail address as the youth.
    EmailAddress,
    /// A phone number as the youth.
    PhoneNumber,
    /// A date of birth added to the payload.
    DateOfBirth,
    /// A note typed into the channel field.
    FreeText,
    /// A clock set years ahead.
    TimestampInFuture,
    /// A clock reset to a year before the network existed.
    TimestampTooOld,
    /// A channel outside the taxonomy.
    InvalidEnumValue,
    /// An extra payload field.
    UnknownField,
    /// A number sent as a string.
    WrongType,
    /// Corsica's old department code.
    InvalidDepartment,
}

/// Kinds that need a contact line (they change the youth, channel or duration).
const CONTACT_KINDS: [Bad; 7] = [
    Bad::MissingField,
    Bad::RawYouthId,
    Bad::EmailAddress,
    Bad::PhoneNumber,
    Bad::FreeText,
    Bad::InvalidEnumValue,
    Bad::WrongType,
];

/// Kinds that work on any line.
const ANY_KINDS: [Bad; 7] = [
    Bad::MalformedJson,
    Bad::UnknownEventType,
    Bad::DateOfBirth,
    Bad::TimestampInFuture,
    Bad::TimestampTooOld,
    Bad::UnknownField,
    Bad::InvalidDepartment,
];

impl Bad {
    /// Every kind.
    pub(crate) const ALL: [Bad; 14] = [
        Bad::MalformedJson,
        Bad::UnknownEventType,
        Bad::MissingField,
        Bad::RawYouthId,
        Bad::EmailAddress,
        Bad::PhoneNumber,
        Bad::DateOfBirth,
        Bad::FreeText,
        Bad::TimestampInFuture,
        Bad::TimestampTooOld,
        Bad::InvalidEnumValue,
        Bad::UnknownField,
        Bad::WrongType,
        Bad::InvalidDepartment,
    ];

    /// The reason the validator gives such a line.
    pub(crate) fn reason(self) -> Reason {
        match self {
            Bad::MalformedJson => Reason::MalformedJson,
            Bad::UnknownEventType => Reason::UnknownEventType,
            Bad::MissingField => Reason::MissingField,
            Bad::RawYouthId => Reason::RawYouthId,
            Bad::EmailAddress => Reason::EmailAddress,
            Bad::PhoneNumber => Reason::PhoneNumber,
            Bad::DateOfBirth => Reason::DateOfBirth,
            Bad::FreeText => Reason::FreeText,
            Bad::TimestampInFuture => Reason::TimestampInFuture,
            Bad::TimestampTooOld => Reason::TimestampTooOld,
            Bad::InvalidEnumValue => Reason::InvalidEnumValue,
            Bad::UnknownField => Reason::UnknownField,
            Bad::WrongType => Reason::WrongType,
            Bad::InvalidDepartment => Reason::InvalidDepartment,
        }
    }
}

fn payload(object: &mut Map<String, Value>) -> &mut Map<String, Value> {
    object
        .get_mut("payload")
        .and_then(Value::as_object_mut)
        .expect("generated lines have a payload object")
}

fn text(s: &str) -> Value {
    Value::String(s.to_owned())
}

/// `timestamp` moved to `year` (February 29 becomes the 28th).
fn with_year(timestamp: &str, year: i32) -> String {
    let rest = timestamp[4..].replacen("-02-29T", "-02-28T", 1);
    format!("{year}{rest}")
}

/// Appends to `out` a bad line derived from `recent` (any valid line) or from `contact` (a contact
/// line, version 1 or 2), without the newline; returns its kind.
pub(crate) fn bad_line(
    r: &mut Rng,
    recent: &[u8],
    contact: Option<&[u8]>,
    out: &mut Vec<u8>,
) -> Bad {
    let drawn = Bad::ALL[r.below(Bad::ALL.len() as u64) as usize];
    let (kind, source) = match contact {
        Some(contact) if CONTACT_KINDS.contains(&drawn) => (drawn, contact),
        None if CONTACT_KINDS.contains(&drawn) => {
            (ANY_KINDS[r.below(ANY_KINDS.len() as u64) as usize], recent)
        }
        _ => (drawn, recent),
    };
    let mut value: Value = serde_json::from_slice(source).expect("generated lines are JSON");
    let object = value.as_object_mut().expect("generated lines are objects");
    object.insert("event_id".into(), Value::String(uuid_string(r.uuid())));
    match kind {
        Bad::MalformedJson => {}
        Bad::UnknownEventType => {
            let t = r.pick(&[
                "contact.deleted",
                "youth.registered",
                "permanence.moved",
                "contact.recorded_v3",
            ]);
            object.insert("type".into(), text(t));
        }
        Bad::MissingField => {
            payload(object).remove("channel");
        }
        Bad::RawYouthId => {
            let id = r.pick(&["dossier4521", "12345", "jeune-0042", "ado_77", "MJC-2231"]);
            payload(object).insert("youth".into(), text(id));
        }
        Bad::EmailAddress => {
            let email = r.pick(&[
                "lucas.m82@gmail.com",
                "chloe.durand@laposte.net",
                "ines2010@hotmail.fr",
            ]);
            payload(object).insert("youth".into(), text(email));
        }
        Bad::PhoneNumber => {
            let phone = r.pick(&[
                "06 12 34 56 78",
                "+33 6 12 34 56 78",
                "0712345678",
                "07.45.12.88.03",
            ]);
            payload(object).insert("youth".into(), text(phone));
        }
        Bad::DateOfBirth => {
            let key = r.pick(&["date_naissance", "birth_date", "dateNaissance"]);
            let date = format!(
                "{}-{:02}-{:02}",
                r.range(2000, 2013),
                r.range(1, 12),
                r.range(1, 28)
            );
            payload(object).insert(key.into(), Value::String(date));
        }
        Bad::FreeText => {
            let note = r.pick(&[
                "pas bien en ce moment",
                "veut venir mercredi",
                "a parle de sa mere",
                "rdv au local samedi",
            ]);
            payload(object).insert("channel".into(), text(note));
        }
        Bad::TimestampInFuture | Bad::TimestampTooOld => {
            let year = if kind == Bad::TimestampInFuture {
                2031
            } else {
                2009
            };
            let at = object
                .get("occurred_at")
                .and_then(Value::as_str)
                .expect("generated lines have a timestamp");
            let moved = with_year(at, year);
            object.insert("occurred_at".into(), Value::String(moved));
        }
        Bad::InvalidEnumValue => {
            payload(object).insert("channel".into(), text("myspace"));
        }
        Bad::UnknownField => {
            payload(object).insert("humeur".into(), text("ok"));
        }
        Bad::WrongType => {
            let p = payload(object);
            let minutes = p
                .get("duration_minutes")
                .map(Value::to_string)
                .unwrap_or_else(|| "12".into());
            p.insert("duration_minutes".into(), Value::String(minutes));
        }
        Bad::InvalidDepartment => {
            object.insert("department".into(), text("20"));
        }
    }
    let start = out.len();
    serde_json::to_writer(&mut *out, &value).expect("JSON values serialise in memory");
    if kind == Bad::MalformedJson {
        let len = (out.len() - start) as i64;
        out.truncate(start + r.range(len / 3, len - 2) as usize);
    }
    kind
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use pdn_schemas::Validator;

    const CONTACT_V2: &str = r#"{"event_id":"0b8f2c4e-1d2a-4c3b-9e8f-7a6b5c4d3e2f","type":"contact.recorded","schema_version":2,"occurred_at":"2024-02-29T18:22:05+01:00","source_app":"pdn-mobile","department":"82","structure_id":"str-82-003","professional_id":"pro-82-0007","payload":{"youth":"yp1_0123456789abcdef0123456789abcdef","channel":"snapchat","initiated_by":"youth","visibility":"private","in_permanence":true,"permanence_id":"perm-82-0007-0012","themes":["sante_mentale","lien_social"],"age_band":"15-17","duration_minutes":12,"response_delay_minutes":40}}"#;
    const CONTACT_V1: &str = r#"{"event_id":"1b8f2c4e-1d2a-4c3b-9e8f-7a6b5c4d3e2f","type":"contact.recorded","schema_version":1,"occurred_at":"2025-07-14T21:30:00+02:00","source_app":"pdn-web","department":"974","structure_id":"str-974-001","professional_id":"pro-974-0001","payload":{"youth":"yp1_0123456789abcdef0123456789abcdef","channel":"instagram","initiated_by_youth":false,"private":false,"in_permanence":false,"theme":"loisirs_culture_sport","age_band":"18-21","duration_minutes":3}}"#;
    const AGREEMENT: &str = r#"{"event_id":"2b8f2c4e-1d2a-4c3b-9e8f-7a6b5c4d3e2f","type":"network.agreement_started","schema_version":1,"occurred_at":"2025-01-06T10:00:00+01:00","source_app":"outil-coordination","department":"2A","structure_id":"str-2A-001","professional_id":"pro-2A-0001","payload":{"agreement_id":"agr-2A-0001","subject":"structure","starts_on":"2025-01-06","ends_on":"2027-01-05"}}"#;
    const HELD: &str = r#"{"event_id":"3b8f2c4e-1d2a-4c3b-9e8f-7a6b5c4d3e2f","type":"permanence.held","schema_version":1,"occurred_at":"2025-03-12T17:20:00+01:00","source_app":"pdn-web","department":"82","structure_id":"str-82-003","professional_id":"pro-82-0007","payload":{"permanence_id":"perm-82-0007-0012","slot_start":"2025-03-12T14:00:00+01:00","slot_end":"2025-03-12T17:00:00+01:00","channels":["instagram","discord"],"youths_reached":4}}"#;

    #[test]
    fn every_bad_line_gets_its_reason() {
        let validator = Validator::at(Utc.with_ymd_and_hms(2026, 11, 27, 0, 0, 0).unwrap());
        for line in [CONTACT_V2, CONTACT_V1, AGREEMENT, HELD] {
            assert!(validator.validate(line.as_bytes()).is_ok(), "{line}");
        }
        let mut r = Rng::new(11);
        let mut seen = std::collections::HashSet::new();
        for i in 0..2000 {
            let recent = [CONTACT_V2, CONTACT_V1, AGREEMENT, HELD][i % 4].as_bytes();
            let contact = [Some(CONTACT_V2), Some(CONTACT_V1), None][i % 3].map(str::as_bytes);
            let mut out = Vec::new();
            let kind = bad_line(&mut r, recent, contact, &mut out);
            seen.insert(kind.reason());
            let rejection = validator
                .validate(&out)
                .expect_err("a bad line is rejected");
            assert_eq!(
                rejection.reason,
                kind.reason(),
                "{}",
                String::from_utf8_lossy(&out)
            );
            assert!(!out.contains(&b'\n'));
        }
        assert_eq!(seen.len(), Bad::ALL.len());
    }
}
