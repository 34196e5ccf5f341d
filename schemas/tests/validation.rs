//! Every validation rule, each exercised by a hand-written bad event with its expected reason and
//! path. A valid event of each type is mutated in one place; each case says what it breaks.

use chrono::{TimeZone, Utc};
use pdn_schemas::{Event, EventType, Payload, Reason, Validator};
use serde_json::{json, Value};

const YOUTH: &str = "yp1_0123456789abcdef0123456789abcdef";
const YOUTH2: &str = "yp1_fedcba9876543210fedcba9876543210";

fn validator() -> Validator {
    Validator::at(Utc.with_ymd_and_hms(2026, 1, 15, 12, 0, 0).unwrap())
}

fn envelope(event_type: &str, version: u16, payload: Value) -> Value {
    json!({
        "event_id": "0b8f2c4e-1d2a-4c3b-9e8f-7a6b5c4d3e2f",
        "type": event_type,
        "schema_version": version,
        "occurred_at": "2025-03-14T18:22:05+01:00",
        "source_app": "pdn-mobile",
        "department": "82",
        "structure_id": "str-82-001",
        "professional_id": "pro-82-0007",
        "payload": payload
    })
}

fn contact() -> Value {
    envelope(
        "contact.recorded",
        2,
        json!({
            "youth": YOUTH, "channel": "snapchat", "initiated_by": "youth", "visibility": "private",
            "in_permanence": true, "permanence_id": "perm-82-12", "themes": ["scolarite_orientation", "sante_mentale"],
            "age_band": "15-17", "duration_minutes": 25, "response_delay_minutes": 40
        }),
    )
}

/// One valid event of every type.
fn valid_events() -> Vec<Value> {
    vec![
        envelope(
            "network.professional_enrolled",
            1,
            json!({"role": "animateur"}),
        ),
        envelope(
            "network.professional_left",
            1,
            json!({"months_in_network": 30}),
        ),
        envelope(
            "network.structure_registered",
            1,
            json!({"structure_type": "centre_social", "commune": "82121", "qpv": true, "rural": false}),
        ),
        envelope(
            "network.agreement_started",
            1,
            json!({"agreement_id": "conv-82-7", "subject": "professional", "starts_on": "2025-01-01", "ends_on": "2027-12-31"}),
        ),
        envelope(
            "network.agreement_ended",
            1,
            json!({"agreement_id": "conv-82-7", "subject": "structure", "ended_on": "2025-03-01"}),
        ),
        contact(),
        envelope(
            "contact.recorded",
            1,
            json!({"youth": YOUTH, "channel": "tiktok", "initiated_by_youth": false, "private": false,
                   "in_permanence": false, "theme": "lien_social", "age_band": "11-14", "duration_minutes": 3}),
        ),
        envelope(
            "permanence.scheduled",
            1,
            json!({"permanence_id": "perm-82-12", "slot_start": "2025-03-19T17:00:00+01:00",
                   "slot_end": "2025-03-19T19:00:00+01:00", "channels": ["instagram", "snapchat"]}),
        ),
        envelope(
            "permanence.held",
            1,
            json!({"permanence_id": "perm-82-12", "slot_start": "2025-03-14T17:00:00+01:00",
                   "slot_end": "2025-03-14T19:00:00+01:00", "channels": ["instagram"], "youths_reached": 6}),
        ),
        envelope(
            "permanence.cancelled",
            1,
            json!({"permanence_id": "perm-82-13", "reason": "training"}),
        ),
        envelope(
            "accompaniment.opened",
            1,
            json!({"accompaniment_id": "acc-82-3", "kind": "collective", "theme": "citoyennete_engagement",
                   "youths": [YOUTH, YOUTH2], "co_professionals": ["pro-82-0009"], "co_structures": ["str-82-004"]}),
        ),
        envelope(
            "accompaniment.updated",
            1,
            json!({"accompaniment_id": "acc-82-3", "youths_left": [YOUTH2]}),
        ),
        envelope(
            "accompaniment.closed",
            1,
            json!({"accompaniment_id": "acc-82-3", "outcome": "completed"}),
        ),
        envelope(
            "referral.made",
            1,
            json!({"referral_id": "ref-82-1", "youth": YOUTH, "destination": "mission_locale", "urgency": "routine", "age_band": "18-21"}),
        ),
        envelope(
            "referral.outcome_known",
            1,
            json!({"referral_id": "ref-82-1", "outcome": "attended"}),
        ),
        envelope(
            "attendance.recorded",
            1,
            json!({"youth": YOUTH, "activity": "visit", "age_band": "15-17", "new_to_structure": true}),
        ),
        envelope(
            "initiative.held",
            1,
            json!({"initiative_id": "ini-82-2", "theme": "pratiques_numeriques", "format": "live",
                   "channels": ["twitch"], "youths_count": 35}),
        ),
        envelope(
            "collaboration.recorded",
            1,
            json!({"collaboration_id": "col-82-1", "kind": "network_meeting", "participants": ["pro-82-0007", "pro-82-0009"],
                   "structures": ["str-82-001", "str-82-004"], "duration_minutes": 180}),
        ),
        envelope(
            "prevention.concern_flagged",
            1,
            json!({"concern_id": "con-82-1", "youth": YOUTH, "level": "medium", "category": "harcelement", "age_band": "11-14"}),
        ),
        envelope(
            "prevention.signalement_made",
            1,
            json!({"concern_id": "con-82-1", "youth": YOUTH, "level": "high", "destination": "crip"}),
        ),
        envelope(
            "correction.retracted",
            1,
            json!({"target_event_id": "1b8f2c4e-1d2a-4c3b-9e8f-7a6b5c4d3e2f", "reason": "duplicate"}),
        ),
        envelope(
            "correction.amended",
            1,
            json!({"target_event_id": "1b8f2c4e-1d2a-4c3b-9e8f-7a6b5c4d3e2f", "reason": "entry_error",
                   "target_type": "referral.outcome_known", "replacement": {"referral_id": "ref-82-1", "outcome": "not_attended"}}),
        ),
    ]
}

#[test]
fn every_type_has_a_valid_example_that_round_trips() {
    let events = valid_events();
    let mut types: Vec<EventType> = Vec::new();
    for value in events {
        let event = validator()
            .validate(value.to_string().as_bytes())
            .unwrap_or_else(|r| panic!("{value}: {r}"));
        types.push(event.event_type());
        let again = validator().validate(event.to_json().as_bytes()).unwrap();
        assert_eq!(again.payload, event.payload);
        assert_eq!(again.envelope, event.envelope);
    }
    types.sort();
    types.dedup();
    assert_eq!(types, EventType::ALL.to_vec());
}

#[test]
fn version_one_contact_is_upcast() {
    let v1 = valid_events().into_iter().nth(6).unwrap();
    let event: Event = validator().validate(v1.to_string().as_bytes()).unwrap();
    assert_eq!(event.received_version, 1);
    let Payload::ContactRecorded(c) = &event.payload else {
        panic!()
    };
    assert_eq!(c.themes.len(), 1);
    assert!(event.to_json().contains("\"schema_version\":2"));
}

type Mutation = fn(&mut Value);

/// (expected reason, expected path, what the case breaks, the mutation of a valid contact).
fn cases() -> Vec<(Reason, &'static str, Mutation)> {
    fn p(v: &mut Value) -> &mut serde_json::Map<String, Value> {
        v["payload"].as_object_mut().unwrap()
    }
    vec![
        (Reason::NotAnObject, "", |v| *v = json!([1, 2])),
        (Reason::NotAnObject, "", |v| *v = json!("contact")),
        (Reason::UnknownField, "note_interne", |v| {
            v["note_interne"] = json!("x");
        }),
        (Reason::UnknownField, "payload.humeur", |v| {
            p(v).insert("humeur".into(), json!("ok"));
        }),
        (Reason::MissingField, "event_id", |v| {
            v.as_object_mut().unwrap().remove("event_id");
        }),
        (Reason::MissingField, "type", |v| {
            v.as_object_mut().unwrap().remove("type");
        }),
        (Reason::MissingField, "schema_version", |v| {
            v.as_object_mut().unwrap().remove("schema_version");
        }),
        (Reason::MissingField, "occurred_at", |v| {
            v.as_object_mut().unwrap().remove("occurred_at");
        }),
        (Reason::MissingField, "department", |v| {
            v.as_object_mut().unwrap().remove("department");
        }),
        (Reason::MissingField, "payload", |v| {
            v.as_object_mut().unwrap().remove("payload");
        }),
        (Reason::MissingField, "payload.youth", |v| {
            p(v).remove("youth");
        }),
        (Reason::MissingField, "payload.themes", |v| {
            p(v).remove("themes");
        }),
        (Reason::WrongType, "department", |v| {
            v["department"] = json!(82)
        }),
        (Reason::WrongType, "payload", |v| {
            v["payload"] = json!("contact")
        }),
        (Reason::WrongType, "payload.duration_minutes", |v| {
            v["payload"]["duration_minutes"] = json!("12")
        }),
        (Reason::WrongType, "payload.in_permanence", |v| {
            v["payload"]["in_permanence"] = json!("yes")
        }),
        (Reason::WrongType, "schema_version", |v| {
            v["schema_version"] = json!("2")
        }),
        (Reason::UnknownEventType, "type", |v| {
            v["type"] = json!("contact.deleted")
        }),
        (Reason::UnsupportedSchemaVersion, "schema_version", |v| {
            v["schema_version"] = json!(3)
        }),
        (Reason::UnsupportedSchemaVersion, "schema_version", |v| {
            v["schema_version"] = json!(0)
        }),
        (Reason::InvalidEnumValue, "payload.channel", |v| {
            v["payload"]["channel"] = json!("myspace")
        }),
        (Reason::InvalidEnumValue, "payload.themes[1]", |v| {
            v["payload"]["themes"][1] = json!("politique")
        }),
        (Reason::InvalidEnumValue, "payload.age_band", |v| {
            v["payload"]["age_band"] = json!("16")
        }),
        (Reason::InvalidEventId, "event_id", |v| {
            v["event_id"] = json!("abc")
        }),
        (Reason::InvalidEventId, "event_id", |v| {
            v["event_id"] = json!("id/with/slashes")
        }),
        (Reason::InvalidIdentifier, "structure_id", |v| {
            v["structure_id"] = json!("x")
        }),
        (Reason::InvalidIdentifier, "payload.permanence_id", |v| {
            v["payload"]["permanence_id"] = json!("p#1")
        }),
        (Reason::InvalidDepartment, "department", |v| {
            v["department"] = json!("20")
        }),
        (Reason::InvalidDepartment, "department", |v| {
            v["department"] = json!("977")
        }),
        (Reason::InvalidSourceApp, "source_app", |v| {
            v["source_app"] = json!("PDN_App")
        }),
        (Reason::RawYouthId, "payload.youth", |v| {
            v["payload"]["youth"] = json!("dossier4521")
        }),
        (Reason::RawYouthId, "payload.youth", |v| {
            v["payload"]["youth"] = json!("yp1_0123456789ABCDEF0123456789abcdef")
        }),
        (Reason::RawYouthId, "payload.youth", |v| {
            v["payload"]["youth"] = json!("12345")
        }),
        (Reason::EmailAddress, "payload.youth", |v| {
            v["payload"]["youth"] = json!("lucas.martin@gmail.com")
        }),
        (Reason::EmailAddress, "payload.email", |v| {
            p(v).insert("email".into(), json!("x"));
        }),
        (Reason::PhoneNumber, "payload.youth", |v| {
            v["payload"]["youth"] = json!("06 12 34 56 78")
        }),
        (Reason::PhoneNumber, "payload.youth", |v| {
            v["payload"]["youth"] = json!("+33612345678")
        }),
        (Reason::PhoneNumber, "payload.telephone", |v| {
            p(v).insert("telephone".into(), json!("x"));
        }),
        (Reason::DateOfBirth, "payload.date_naissance", |v| {
            p(v).insert("date_naissance".into(), json!("2009-04-12"));
        }),
        (Reason::DateOfBirth, "payload.youth", |v| {
            v["payload"]["youth"] = json!("12/04/2009")
        }),
        (Reason::DateOfBirth, "payload.birthDate", |v| {
            p(v).insert("birthDate".into(), json!("x"));
        }),
        (Reason::PersonalName, "payload.prenom", |v| {
            p(v).insert("prenom".into(), json!("Lucas"));
        }),
        (Reason::FreeText, "payload.channel", |v| {
            v["payload"]["channel"] = json!("il m'a parlé de sa mère")
        }),
        (Reason::FreeText, "payload.message", |v| {
            p(v).insert("message".into(), json!("ok"));
        }),
        (Reason::InvalidCharacters, "payload.channel", |v| {
            v["payload"]["channel"] = json!("snap\u{200b}chat")
        }),
        (Reason::InvalidCharacters, "payload.channel", |v| {
            v["payload"]["channel"] = json!("\u{202e}tahcpans")
        }),
        (Reason::ValueTooLong, "structure_id", |v| {
            v["structure_id"] = json!("s".repeat(200))
        }),
        (Reason::TooDeep, "payload.themes[0][0][0][0][0]", |v| {
            v["payload"]["themes"] = json!([[[[[["x"]]]]]])
        }),
        (Reason::InvalidTimestamp, "occurred_at", |v| {
            v["occurred_at"] = json!("2025-03-14T18:22:05")
        }),
        (Reason::InvalidTimestamp, "occurred_at", |v| {
            v["occurred_at"] = json!("14/03/2025T18:22")
        }),
        (Reason::TimestampTooOld, "occurred_at", |v| {
            v["occurred_at"] = json!("2009-06-01T10:00:00+02:00")
        }),
        (Reason::TimestampInFuture, "occurred_at", |v| {
            v["occurred_at"] = json!("2031-06-01T10:00:00+02:00")
        }),
        (Reason::OutOfRange, "payload.duration_minutes", |v| {
            v["payload"]["duration_minutes"] = json!(70000)
        }),
        (Reason::OutOfRange, "payload.duration_minutes", |v| {
            v["payload"]["duration_minutes"] = json!(-5)
        }),
        (Reason::OutOfRange, "payload.duration_minutes", |v| {
            v["payload"]["duration_minutes"] = json!(600)
        }),
        (Reason::OutOfRange, "payload.response_delay_minutes", |v| {
            v["payload"]["response_delay_minutes"] = json!(99999)
        }),
        (Reason::EmptyList, "payload.themes", |v| {
            v["payload"]["themes"] = json!([])
        }),
        (Reason::TooManyItems, "payload.themes", |v| {
            v["payload"]["themes"] = json!([
                "lien_social",
                "logement",
                "mobilite",
                "autre",
                "addictions",
                "violences"
            ])
        }),
        (Reason::DuplicateInList, "payload.themes[1]", |v| {
            v["payload"]["themes"] = json!(["logement", "logement"])
        }),
        (Reason::InconsistentValue, "payload.permanence_id", |v| {
            v["payload"]["in_permanence"] = json!(false)
        }),
        (
            Reason::InconsistentValue,
            "payload.response_delay_minutes",
            |v| v["payload"]["initiated_by"] = json!("professional"),
        ),
        (Reason::WrongType, "payload.duration_minutes", |v| {
            v["payload"]["duration_minutes"] = json!(12.5)
        }),
    ]
}

#[test]
fn each_rule_rejects_with_its_reason_and_path() {
    let cases = cases();
    assert!(cases.len() >= 50, "{} cases", cases.len());
    for (i, (reason, path, mutate)) in cases.into_iter().enumerate() {
        let mut v = contact();
        mutate(&mut v);
        let rejection = validator()
            .validate(v.to_string().as_bytes())
            .expect_err(&format!("case {i} ({reason}) was accepted: {v}"));
        assert_eq!(
            (rejection.reason, rejection.path.as_str()),
            (reason, path),
            "case {i}: {rejection}"
        );
        assert!(
            !rejection.expected.is_empty(),
            "case {i}: no expectation in {rejection}"
        );
    }
}

/// Valid events usually take a fast path (typed reading without a JSON tree): it must accept
/// exactly what the full path accepts, and reject nothing the full path would accept.
#[test]
fn the_fast_path_agrees_with_the_full_path() {
    let v = validator();
    let mut inputs: Vec<String> = valid_events().iter().map(Value::to_string).collect();
    for (_, _, mutate) in cases() {
        let mut c = contact();
        mutate(&mut c);
        inputs.push(c.to_string());
    }
    let plain = contact().to_string();
    inputs.push(plain.replace("snapchat", "snap\\u0063hat"));
    inputs.push(plain.replace("\"structure_id\"", "\"structure\\u005fid\""));
    inputs.push(plain.replace("str-82-001", "0612345678"));
    inputs.push(plain.replace("str-82-001", "2009-04-12"));
    inputs.push(plain.replacen(
        "\"department\":\"82\"",
        "\"department\":\"81\",\"department\":\"82\"",
        1,
    ));
    for text in inputs {
        match pdn_schemas::validate::parse(&text) {
            Ok(value) => assert_eq!(
                v.validate(text.as_bytes()),
                v.validate_value(value),
                "{text}"
            ),
            Err(rejection) => {
                assert_eq!(rejection.reason, Reason::DuplicateKey, "{text}");
                assert_eq!(v.validate(text.as_bytes()), Err(rejection), "{text}");
            }
        }
    }
    assert!(v
        .validate(plain.replace("snapchat", "snap\\u0063hat").as_bytes())
        .is_ok());
}

#[test]
fn raw_byte_rules() {
    let v = validator();
    let reason = |bytes: &[u8]| v.validate(bytes).unwrap_err().reason;
    assert_eq!(reason(b"{\"event_id\": \"0b8f2c4e"), Reason::MalformedJson);
    assert_eq!(reason(b""), Reason::MalformedJson);
    assert_eq!(reason(b"{} {}"), Reason::MalformedJson);
    assert_eq!(reason(b"{\"a\": \"\xff\xfe\"}"), Reason::InvalidUtf8);
    let huge = format!("{{\"pad\": \"{}\"}}", "a".repeat(70_000));
    assert_eq!(reason(huge.as_bytes()), Reason::EventTooLarge);
}

#[test]
fn rejections_of_other_types() {
    let v = validator();
    let events = valid_events();
    let check = |mut e: Value, mutate: &dyn Fn(&mut Value), reason: Reason, path: &str| {
        mutate(&mut e);
        let r = v.validate(e.to_string().as_bytes()).unwrap_err();
        assert_eq!((r.reason, r.path.as_str()), (reason, path), "{r}");
    };
    check(
        events[2].clone(),
        &|e| e["payload"]["commune"] = json!("8212"),
        Reason::InvalidCommune,
        "payload.commune",
    );
    check(
        events[3].clone(),
        &|e| e["payload"]["ends_on"] = json!("2024-12-31"),
        Reason::InconsistentValue,
        "payload.ends_on",
    );
    check(
        events[3].clone(),
        &|e| e["payload"]["starts_on"] = json!("01-01-2025x"),
        Reason::InvalidDate,
        "payload.starts_on",
    );
    check(
        events[7].clone(),
        &|e| e["payload"]["slot_end"] = json!("2025-03-19T16:00:00+01:00"),
        Reason::InconsistentValue,
        "payload.slot_end",
    );
    check(
        events[7].clone(),
        &|e| e["payload"]["slot_start"] = json!("demain"),
        Reason::InvalidTimestamp,
        "payload.slot_start",
    );
    check(
        events[10].clone(),
        &|e| e["payload"]["kind"] = json!("individual"),
        Reason::InconsistentValue,
        "payload.youths",
    );
    check(
        events[10].clone(),
        &|e| e["payload"]["youths"] = json!([YOUTH, YOUTH]),
        Reason::DuplicateInList,
        "payload.youths[1]",
    );
    check(
        events[10].clone(),
        &|e| e["payload"]["youths"][1] = json!("ado-17"),
        Reason::RawYouthId,
        "payload.youths[1]",
    );
    check(
        events[11].clone(),
        &|e| e["payload"]["youths_left"] = json!([]),
        Reason::InconsistentValue,
        "payload",
    );
    check(
        events[19].clone(),
        &|e| e["payload"]["destination"] = json!("voisin"),
        Reason::InvalidEnumValue,
        "payload.destination",
    );
    check(
        events[21].clone(),
        &|e| e["payload"]["target_type"] = json!("correction.retracted"),
        Reason::InconsistentValue,
        "payload.target_type",
    );
    check(
        events[21].clone(),
        &|e| e["payload"]["replacement"]["outcome"] = json!("bof"),
        Reason::InvalidEnumValue,
        "payload.replacement.outcome",
    );
    check(
        events[21].clone(),
        &|e| e["payload"]["replacement"]["referral_id"] = json!("r"),
        Reason::InvalidIdentifier,
        "payload.replacement.referral_id",
    );
}

#[test]
fn a_permanence_may_be_announced_months_ahead() {
    let mut e = valid_events()[7].clone();
    e["payload"]["slot_start"] = json!("2026-09-02T17:00:00+02:00");
    e["payload"]["slot_end"] = json!("2026-09-02T19:00:00+02:00");
    validator().validate(e.to_string().as_bytes()).unwrap();
}

#[test]
fn rejections_name_the_event_and_never_echo_personal_data() {
    let mut v = contact();
    v["payload"]["youth"] = json!("lucas.martin@gmail.com");
    let r = validator().validate(v.to_string().as_bytes()).unwrap_err();
    assert_eq!(
        r.event_id.as_deref(),
        Some("0b8f2c4e-1d2a-4c3b-9e8f-7a6b5c4d3e2f")
    );
    assert!(!r.to_string().contains("lucas"), "{r}");
}
