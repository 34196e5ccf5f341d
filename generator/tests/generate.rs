//! End-to-end checks of generated data: every valid line validates, runs are deterministic, noise
//! is what the truth says, and the truth's figures match an independent recount of the NDJSON.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{Datelike, TimeZone, Utc};
use pdn_generator::{generate, Config, Scale, Truth};
use pdn_schemas::taxonomy::ReferralOutcome;
use pdn_schemas::{Event, EventType, Family, Payload, Validator};

fn validator() -> Validator {
    Validator::at(Utc.with_ymd_and_hms(2026, 11, 27, 0, 0, 0).unwrap())
}

fn run(config: &Config) -> (Vec<u8>, Truth) {
    let mut out = Vec::new();
    let mut reports = Vec::new();
    let truth = generate(config, &mut out, &mut |n| reports.push(n)).expect("generation succeeds");
    assert_eq!(
        reports.last().copied(),
        Some(truth.lines.total),
        "the last progress report is the total"
    );
    assert!(reports.windows(2).all(|w| w[0] <= w[1]));
    (out, truth)
}

fn lines(out: &[u8]) -> Vec<&[u8]> {
    assert_eq!(out.last(), Some(&b'\n'), "every line ends with a newline");
    out[..out.len() - 1].split(|&b| b == b'\n').collect()
}

#[test]
fn small_year_validates_and_has_the_expected_volume() {
    let (out, truth) = run(&Config::default());
    let validator = validator();
    let mut ids = HashSet::new();
    let mut v1 = 0;
    let mut previous = i64::MIN;
    let mut offsets = HashSet::new();
    for line in lines(&out) {
        let event = validator
            .validate(line)
            .unwrap_or_else(|r| panic!("{r}: {}", String::from_utf8_lossy(line)));
        if event.received_version == event.event_type().current_version() {
            assert_eq!(
                event.to_json().as_bytes(),
                line,
                "lines are the canonical serialisation"
            );
        } else {
            v1 += 1;
        }
        let id = &event.envelope.event_id.0;
        assert!(is_uuid_v4(id), "{id}");
        assert!(ids.insert(id.clone()), "event ids are unique");
        let t = event.envelope.occurred_at.timestamp();
        assert!(
            t >= previous,
            "events of a department-year are in time order"
        );
        previous = t;
        assert_eq!(event.envelope.occurred_at.year(), 2025);
        offsets.insert(event.envelope.occurred_at.offset().local_minus_utc());
    }
    assert_eq!(
        offsets,
        HashSet::from([3600, 7200]),
        "winter and summer time in Tarn-et-Garonne"
    );
    assert_eq!(truth.lines.valid, ids.len() as u64);
    assert!(
        (40_000..=60_000).contains(&truth.lines.valid),
        "{}",
        truth.lines.valid
    );
    let contacts = truth.events_by_type["contact.recorded"];
    assert!(
        (1..contacts / 15).contains(&v1),
        "about 3% of contacts in version 1: {v1} of {contacts}"
    );
    let share = contacts as f64 / truth.lines.valid as f64;
    assert!(
        (0.6..0.72).contains(&share),
        "contacts are the bulk: {share}"
    );
}

fn is_uuid_v4(id: &str) -> bool {
    let b = id.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, &c)| match i {
            8 | 13 | 18 | 23 => c == b'-',
            14 => c == b'4',
            19 => matches!(c, b'8' | b'9' | b'a' | b'b'),
            _ => c.is_ascii_digit() || (b'a'..=b'f').contains(&c),
        })
}

#[test]
fn runs_are_deterministic_and_seeds_differ() {
    let config = Config {
        years: 2024..=2025,
        events: Some(12_000),
        invalid_rate: 0.05,
        duplicate_rate: 0.05,
        ..Config::default()
    };
    let (first, first_truth) = run(&config);
    let (second, second_truth) = run(&config);
    assert!(
        first == second,
        "the same configuration gives the same bytes"
    );
    assert_eq!(
        serde_json::to_string(&first_truth).unwrap(),
        serde_json::to_string(&second_truth).unwrap()
    );
    let (other, _) = run(&Config { seed: 2, ..config });
    assert!(first != other, "another seed gives other data");
}

/// The validator's fast path (typed reading without a JSON tree) and its full path give the same
/// answer, event or rejection, on every generated line, noise included.
#[test]
fn the_fast_and_full_validation_paths_agree_on_generated_lines() {
    let config = Config {
        events: Some(20_000),
        invalid_rate: 0.2,
        duplicate_rate: 0.05,
        ..Config::default()
    };
    let (out, _) = run(&config);
    let validator = validator();
    for line in lines(&out) {
        let Ok(value) = serde_json::from_slice::<serde_json::Value>(line) else {
            continue;
        };
        assert_eq!(
            validator.validate(line),
            validator.validate_value(value),
            "{}",
            String::from_utf8_lossy(line)
        );
    }
}

#[test]
fn bad_lines_and_duplicates_are_what_the_truth_says() {
    let config = Config {
        events: Some(15_000),
        invalid_rate: 0.1,
        duplicate_rate: 0.05,
        ..Config::default()
    };
    let (out, truth) = run(&config);
    let validator = validator();
    let mut seen: HashMap<String, &[u8]> = HashMap::new();
    let mut reasons: BTreeMap<String, u64> = BTreeMap::new();
    let mut duplicates = 0;
    let all = lines(&out);
    for line in &all {
        match validator.validate(line) {
            Err(rejection) => {
                *reasons
                    .entry(rejection.reason.code().to_owned())
                    .or_default() += 1
            }
            Ok(event) => match seen.get(&event.envelope.event_id.0) {
                Some(&earlier) => {
                    assert_eq!(earlier, *line, "a duplicate is an exact copy");
                    duplicates += 1;
                }
                None => {
                    seen.insert(event.envelope.event_id.0.clone(), line);
                }
            },
        }
    }
    assert_eq!(all.len() as u64, truth.lines.total);
    assert_eq!(seen.len() as u64, truth.lines.valid);
    assert_eq!(duplicates, truth.lines.duplicates);
    assert!(duplicates > 0 && truth.lines.invalid > 0);
    let expected: BTreeMap<String, u64> = truth
        .lines
        .invalid_by_reason
        .iter()
        .filter(|(_, &n)| n > 0)
        .map(|(r, &n)| (r.clone(), n))
        .collect();
    assert_eq!(
        reasons, expected,
        "each bad line gets the reason the truth expects"
    );
    assert_eq!(expected.len(), 14, "every kind of bad line occurs");
    assert_eq!(
        truth.lines.total,
        truth.lines.valid + truth.lines.duplicates + truth.lines.invalid
    );
}

/// Indicators recounted from validated events, keyed by (year, department).
#[derive(Debug, Default, PartialEq)]
struct Recount {
    youths_in_contact: u64,
    new_youths: u64,
    contacts: u64,
    retained_new_youths: u64,
    converted_new_youths: u64,
    referrals_made: u64,
    referrals_with_outcome: u64,
    referrals_attended: u64,
    accompaniments_opened: u64,
    permanences_held: u64,
    concerns_flagged: u64,
}

fn recount(out: &[u8]) -> BTreeMap<(i32, String), Recount> {
    let validator = validator();
    let mut ids = HashSet::new();
    let mut events: Vec<Event> = lines(out)
        .into_iter()
        .filter_map(|line| validator.validate(line).ok())
        .filter(|e| ids.insert(e.envelope.event_id.0.clone()))
        .collect();
    let retracted: HashSet<String> = events
        .iter()
        .filter_map(|e| match &e.payload {
            Payload::EventRetracted(r) => Some(r.target_event_id.0.clone()),
            _ => None,
        })
        .collect();
    events.retain(|e| !retracted.contains(&e.envelope.event_id.0));
    events.sort_by_key(|e| {
        (
            e.envelope.department.0.clone(),
            e.envelope.occurred_at.timestamp(),
        )
    });
    let mut result: BTreeMap<(i32, String), Recount> = BTreeMap::new();
    let mut in_year: HashSet<(i32, String)> = HashSet::new();
    let mut first: HashMap<String, (i64, i32, String)> = HashMap::new();
    let mut last_contact: HashMap<String, i64> = HashMap::new();
    let mut visits: HashMap<String, Vec<i64>> = HashMap::new();
    let mut referrals: HashMap<String, (i32, String)> = HashMap::new();
    for e in &events {
        let (t, year, dept) = (
            e.envelope.occurred_at.timestamp(),
            e.envelope.occurred_at.year(),
            e.envelope.department.0.clone(),
        );
        let key = (year, dept.clone());
        let r = result.entry(key.clone()).or_default();
        match &e.payload {
            Payload::ContactRecorded(c) => {
                let youth = c.youth.0.clone();
                r.contacts += 1;
                if in_year.insert((year, youth.clone())) {
                    r.youths_in_contact += 1;
                }
                first.entry(youth.clone()).or_insert((t, year, dept));
                last_contact.insert(youth, t);
            }
            Payload::AttendanceRecorded(a) => visits.entry(a.youth.0.clone()).or_default().push(t),
            Payload::ReferralMade(m) => {
                r.referrals_made += 1;
                referrals.insert(m.referral_id.0.clone(), key);
            }
            Payload::AccompanimentOpened(_) => r.accompaniments_opened += 1,
            Payload::PermanenceHeld(_) => r.permanences_held += 1,
            Payload::ConcernFlagged(_) => r.concerns_flagged += 1,
            _ => {}
        }
    }
    for e in &events {
        if let Payload::ReferralOutcomeKnown(o) = &e.payload {
            let made = result.get_mut(&referrals[&o.referral_id.0]).unwrap();
            made.referrals_with_outcome += 1;
            made.referrals_attended += u64::from(o.outcome == ReferralOutcome::Attended);
        }
    }
    for (youth, (t, year, dept)) in &first {
        let r = result.entry((*year, dept.clone())).or_default();
        r.new_youths += 1;
        r.retained_new_youths += u64::from(last_contact[youth] - t >= 30 * 86_400);
        let converted = visits
            .get(youth)
            .is_some_and(|v| v.iter().any(|a| (0..=60 * 86_400).contains(&(a - t))));
        r.converted_new_youths += u64::from(converted);
    }
    result
}

#[test]
fn truth_matches_an_independent_recount_over_two_years() {
    let config = Config {
        years: 2024..=2025,
        events: Some(60_000),
        invalid_rate: 0.02,
        duplicate_rate: 0.02,
        ..Config::default()
    };
    let (out, truth) = run(&config);
    let counted = recount(&out);
    let mut returning = 0;
    for (year, y) in &truth.by_year {
        for (dept, m) in &y.departments {
            let expected = Recount {
                youths_in_contact: m.youths_in_contact,
                new_youths: m.new_youths,
                contacts: m.contacts,
                retained_new_youths: m.retained_new_youths,
                converted_new_youths: m.converted_new_youths,
                referrals_made: m.referrals_made,
                referrals_with_outcome: m.referrals_with_outcome,
                referrals_attended: m.referrals_attended,
                accompaniments_opened: m.accompaniments_opened,
                permanences_held: m.permanences_held,
                concerns_flagged: m.concerns_flagged,
            };
            assert_eq!(
                counted[&(year.parse().unwrap(), dept.clone())],
                expected,
                "{year} {dept}"
            );
            assert_eq!(m.contacts, m.contacts_by_channel.values().sum::<u64>());
            assert_eq!(
                m.youths_in_contact,
                m.youths_in_contact_by_age_band.values().sum::<u64>()
            );
        }
        returning += y.national.youths_in_contact - y.national.new_youths;
    }
    let y2025 = &truth.by_year["2025"].national;
    assert!(
        returning > 0 && y2025.youths_in_contact - y2025.new_youths > 500,
        "youths of 2024 are in contact again in 2025 and are not new there"
    );
    let total = truth.lines.valid as f64;
    assert!(
        (total - 60_000.0).abs() / 60_000.0 < 0.05,
        "{total} events for a target of 60,000"
    );
    assert_eq!(
        truth.events_by_type.values().sum::<u64>(),
        truth.lines.valid
    );
    assert!(
        truth.events_by_type[EventType::EventRetracted.code()] > 0
            && truth.events_by_type[EventType::EventAmended.code()] > 0
    );
    assert!(
        truth.events_by_type["network.professional_left"] > 0,
        "professionals leave in later years"
    );
}

#[test]
fn professionals_act_only_while_in_the_network() {
    let config = Config {
        years: 2024..=2025,
        events: Some(40_000),
        seed: 5,
        ..Config::default()
    };
    let (out, truth) = run(&config);
    let validator = validator();
    let events: Vec<Event> = lines(&out)
        .into_iter()
        .map(|l| validator.validate(l).unwrap())
        .collect();
    let left: HashMap<String, i64> = events
        .iter()
        .filter(|e| e.event_type() == EventType::ProfessionalLeft)
        .map(|e| {
            (
                e.envelope.professional_id.0.clone(),
                e.envelope.occurred_at.timestamp(),
            )
        })
        .collect();
    assert!(
        !left.is_empty() && left.len() as u64 == truth.events_by_type["network.professional_left"]
    );
    for e in events.iter().filter(|e| e.family() != Family::Network) {
        if let Some(&t) = left.get(&e.envelope.professional_id.0) {
            assert!(
                e.envelope.occurred_at.timestamp() < t,
                "{} after its professional left",
                e.to_json()
            );
        }
    }
}

#[test]
fn configurations_are_checked() {
    let mut sink = Vec::new();
    let mut bad = |config: Config| generate(&config, &mut sink, &mut |_| {}).is_err();
    assert!(bad(Config {
        department: "20".into(),
        ..Config::default()
    }));
    assert!(bad(Config {
        years: 2010..=2025,
        ..Config::default()
    }));
    assert!(bad(Config {
        invalid_rate: 0.6,
        ..Config::default()
    }));
    assert!(bad(Config {
        events: Some(0),
        ..Config::default()
    }));
    assert_eq!("National".parse::<Scale>().unwrap(), Scale::National);
    assert_eq!(Scale::Medium.to_string(), "medium");
    assert!("huge".parse::<Scale>().is_err());
}
