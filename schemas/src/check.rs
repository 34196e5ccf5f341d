//! Checks of typed values that serde cannot express: identifier formats, time bounds, list sizes and
//! uniqueness, numeric ranges, and consistency between fields.

use std::collections::HashSet;
use std::hash::Hash;

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone, Utc};

use crate::event::{Envelope, Family, Payload};
use crate::ids::*;
use crate::reason::{describe_masked, Reason, Rejection};

/// The time bounds an event's timestamps must fall in.
#[derive(Debug, Clone, Copy)]
pub struct TimeBounds {
    /// Earliest accepted instant: the network started in 2012.
    pub earliest: DateTime<Utc>,
    /// Latest accepted instant: now plus a tolerance for producers' clock skew.
    pub latest: DateTime<Utc>,
}

impl TimeBounds {
    /// Accepts from 2012-01-01 until one day after `now`.
    pub fn until(now: DateTime<Utc>) -> TimeBounds {
        TimeBounds {
            earliest: Utc.with_ymd_and_hms(2012, 1, 1, 0, 0, 0).unwrap(),
            latest: now + chrono::Duration::days(1),
        }
    }

    /// Checks one timestamp.
    pub fn check(&self, path: &str, t: &DateTime<FixedOffset>) -> Result<(), Rejection> {
        if *t < self.earliest {
            Err(Rejection::new(
                Reason::TimestampTooOld,
                path,
                format!("a time after {}", self.earliest.format("%Y-%m-%d")),
                t.to_rfc3339(),
            ))
        } else if *t > self.latest {
            Err(Rejection::new(
                Reason::TimestampInFuture,
                path,
                format!("a time before {}", self.latest.to_rfc3339()),
                t.to_rfc3339(),
            ))
        } else {
            Ok(())
        }
    }

    fn check_date(&self, path: &str, d: &NaiveDate, far_future_ok: bool) -> Result<(), Rejection> {
        let earliest = self.earliest.date_naive();
        let latest = if far_future_ok {
            self.latest.date_naive() + chrono::Duration::days(366 * 10)
        } else {
            self.latest.date_naive()
        };
        if *d < earliest {
            Err(Rejection::new(
                Reason::TimestampTooOld,
                path,
                format!("a date after {earliest}"),
                d.to_string(),
            ))
        } else if *d > latest {
            Err(Rejection::new(
                Reason::TimestampInFuture,
                path,
                format!("a date before {latest}"),
                d.to_string(),
            ))
        } else {
            Ok(())
        }
    }
}

fn youth(path: &str, y: &YouthPseudonym) -> Result<(), Rejection> {
    if is_youth_pseudonym(y.as_str()) {
        Ok(())
    } else {
        Err(Rejection::new(
            Reason::RawYouthId,
            path,
            "a pseudonym yp1_ followed by 32 lowercase hex digits (see `pdn pseudonymize`)",
            describe_masked("an identifier", y.as_str()),
        ))
    }
}

fn youths(path: &str, ys: &[YouthPseudonym]) -> Result<(), Rejection> {
    for (i, y) in ys.iter().enumerate() {
        youth(&format!("{path}[{i}]"), y)?;
    }
    unique(path, ys)
}

/// An identifier chosen by an app: its format, then no date of birth in it.
fn ident(b: &TimeBounds, path: &str, id: &str) -> Result<(), Rejection> {
    if is_identifier(id) {
        crate::pii::check_identifier(path, id, b.latest.date_naive())
    } else {
        Err(Rejection::new(
            Reason::InvalidIdentifier,
            path,
            "2 to 64 letters, digits, '.', '_', ':' or '-'",
            describe_masked("a string", id),
        ))
    }
}

fn idents<T: AsRef<str> + Eq + Hash>(
    b: &TimeBounds,
    path: &str,
    ids: &[T],
) -> Result<(), Rejection> {
    for (i, id) in ids.iter().enumerate() {
        ident(b, &format!("{path}[{i}]"), id.as_ref())?;
    }
    unique(path, ids)
}

fn unique<T: Eq + Hash>(path: &str, items: &[T]) -> Result<(), Rejection> {
    let mut seen = HashSet::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        if !seen.insert(item) {
            return Err(Rejection::new(
                Reason::DuplicateInList,
                format!("{path}[{i}]"),
                "each item at most once",
                "a repeated item",
            ));
        }
    }
    Ok(())
}

fn count(path: &str, len: usize, min: usize, max: usize) -> Result<(), Rejection> {
    if len < min {
        Err(Rejection::new(
            Reason::EmptyList,
            path,
            format!("at least {min} item(s)"),
            "an empty list",
        ))
    } else if len > max {
        Err(Rejection::new(
            Reason::TooManyItems,
            path,
            format!("at most {max} items"),
            format!("{len} items"),
        ))
    } else {
        Ok(())
    }
}

fn range(path: &str, value: u64, max: u64) -> Result<(), Rejection> {
    if value <= max {
        Ok(())
    } else {
        Err(Rejection::new(
            Reason::OutOfRange,
            path,
            format!("a number from 0 to {max}"),
            value.to_string(),
        ))
    }
}

fn consistent(ok: bool, path: &str, expected: &str, found: &str) -> Result<(), Rejection> {
    if ok {
        Ok(())
    } else {
        Err(Rejection::new(
            Reason::InconsistentValue,
            path,
            expected,
            found,
        ))
    }
}

/// Checks a permanence slot. An announced slot may lie up to a year ahead; a held one is past.
fn slot(
    b: &TimeBounds,
    start: &DateTime<FixedOffset>,
    end: &DateTime<FixedOffset>,
    announced: bool,
) -> Result<(), Rejection> {
    let bounds = if announced {
        TimeBounds {
            latest: b.latest + chrono::Duration::days(366),
            ..*b
        }
    } else {
        *b
    };
    bounds.check("payload.slot_start", start)?;
    bounds.check("payload.slot_end", end)?;
    consistent(
        end > start && *end - *start <= chrono::Duration::hours(12),
        "payload.slot_end",
        "an end after the start, at most 12 hours later",
        &format!("{} minutes after the start", (*end - *start).num_minutes()),
    )
}

/// Checks what ties the payload to its envelope: a structure's commune lies in the event's
/// department, a correction targets another event, a permanence is reported held once started.
pub fn check_event(envelope: &Envelope, payload: &Payload) -> Result<(), Rejection> {
    match payload {
        Payload::StructureRegistered(p) => consistent(
            commune_in_department(p.commune.as_str(), envelope.department.as_str()),
            "payload.commune",
            &format!("a commune of department {}", envelope.department),
            &format!("commune {}", p.commune.as_str()),
        ),
        Payload::EventRetracted(p) => consistent(
            p.target_event_id != envelope.event_id,
            "payload.target_event_id",
            "another event's id",
            "the correction's own id",
        ),
        Payload::EventAmended(p) => consistent(
            p.target_event_id != envelope.event_id,
            "payload.target_event_id",
            "another event's id",
            "the correction's own id",
        ),
        Payload::PermanenceHeld(p) => consistent(
            envelope.occurred_at >= p.slot_start,
            "occurred_at",
            "a permanence reported held once its slot started",
            "a report before the slot",
        ),
        _ => Ok(()),
    }
}

/// Checks what serde could not in a typed payload. Paths start with `payload.`.
pub fn check_payload(payload: &Payload, b: &TimeBounds) -> Result<(), Rejection> {
    match payload {
        Payload::ProfessionalEnrolled(_) => Ok(()),
        Payload::ProfessionalLeft(p) => {
            range("payload.months_in_network", p.months_in_network.into(), 600)
        }
        Payload::StructureRegistered(p) => {
            if is_commune(p.commune.as_str()) {
                Ok(())
            } else {
                Err(Rejection::new(
                    Reason::InvalidCommune,
                    "payload.commune",
                    "a five-character INSEE commune code",
                    describe_masked("a string", p.commune.as_str()),
                ))
            }
        }
        Payload::AgreementStarted(p) => {
            ident(b, "payload.agreement_id", p.agreement_id.as_str())?;
            b.check_date("payload.starts_on", &p.starts_on, false)?;
            b.check_date("payload.ends_on", &p.ends_on, true)?;
            consistent(
                p.ends_on > p.starts_on,
                "payload.ends_on",
                "an end after the start",
                &p.ends_on.to_string(),
            )
        }
        Payload::AgreementEnded(p) => {
            ident(b, "payload.agreement_id", p.agreement_id.as_str())?;
            b.check_date("payload.ended_on", &p.ended_on, false)
        }
        Payload::ContactRecorded(p) => {
            youth("payload.youth", &p.youth)?;
            if let Some(id) = &p.permanence_id {
                ident(b, "payload.permanence_id", id.as_str())?;
            }
            consistent(
                p.in_permanence || p.permanence_id.is_none(),
                "payload.permanence_id",
                "no permanence id for a contact outside a permanence",
                "a permanence id",
            )?;
            count("payload.themes", p.themes.len(), 1, 5)?;
            unique("payload.themes", &p.themes)?;
            range("payload.duration_minutes", p.duration_minutes.into(), 480)?;
            if let Some(d) = p.response_delay_minutes {
                range("payload.response_delay_minutes", d.into(), 20160)?;
                consistent(
                    p.initiated_by == crate::taxonomy::Initiator::Youth,
                    "payload.response_delay_minutes",
                    "a response delay only for a contact initiated by the young person",
                    "a response delay on a professional-initiated contact",
                )?;
            }
            Ok(())
        }
        Payload::PermanenceScheduled(p) => {
            ident(b, "payload.permanence_id", p.permanence_id.as_str())?;
            count("payload.channels", p.channels.len(), 1, 13)?;
            unique("payload.channels", &p.channels)?;
            slot(b, &p.slot_start, &p.slot_end, true)
        }
        Payload::PermanenceHeld(p) => {
            ident(b, "payload.permanence_id", p.permanence_id.as_str())?;
            count("payload.channels", p.channels.len(), 1, 13)?;
            unique("payload.channels", &p.channels)?;
            range("payload.youths_reached", p.youths_reached.into(), 1000)?;
            slot(b, &p.slot_start, &p.slot_end, false)
        }
        Payload::PermanenceCancelled(p) => {
            ident(b, "payload.permanence_id", p.permanence_id.as_str())
        }
        Payload::AccompanimentOpened(p) => {
            ident(b, "payload.accompaniment_id", p.accompaniment_id.as_str())?;
            count("payload.youths", p.youths.len(), 1, 50)?;
            youths("payload.youths", &p.youths)?;
            count("payload.co_professionals", p.co_professionals.len(), 0, 20)?;
            idents(b, "payload.co_professionals", &p.co_professionals)?;
            count("payload.co_structures", p.co_structures.len(), 0, 20)?;
            idents(b, "payload.co_structures", &p.co_structures)?;
            consistent(
                p.kind == crate::taxonomy::AccompanimentKind::Collective || p.youths.len() == 1,
                "payload.youths",
                "exactly one young person for an individual accompaniment",
                &format!("{} young people", p.youths.len()),
            )
        }
        Payload::AccompanimentUpdated(p) => {
            ident(b, "payload.accompaniment_id", p.accompaniment_id.as_str())?;
            count("payload.youths_added", p.youths_added.len(), 0, 50)?;
            youths("payload.youths_added", &p.youths_added)?;
            count("payload.youths_left", p.youths_left.len(), 0, 50)?;
            youths("payload.youths_left", &p.youths_left)?;
            consistent(
                !p.youths_added.iter().any(|y| p.youths_left.contains(y)),
                "payload.youths_left",
                "no young person both added and leaving in one update",
                "a young person in both lists",
            )?;
            count(
                "payload.co_professionals_added",
                p.co_professionals_added.len(),
                0,
                20,
            )?;
            idents(
                b,
                "payload.co_professionals_added",
                &p.co_professionals_added,
            )?;
            count(
                "payload.co_structures_added",
                p.co_structures_added.len(),
                0,
                20,
            )?;
            idents(b, "payload.co_structures_added", &p.co_structures_added)?;
            consistent(
                !(p.youths_added.is_empty()
                    && p.youths_left.is_empty()
                    && p.co_professionals_added.is_empty()
                    && p.co_structures_added.is_empty()),
                "payload",
                "at least one change",
                "an update that changes nothing",
            )
        }
        Payload::AccompanimentClosed(p) => {
            ident(b, "payload.accompaniment_id", p.accompaniment_id.as_str())
        }
        Payload::ReferralMade(p) => {
            ident(b, "payload.referral_id", p.referral_id.as_str())?;
            youth("payload.youth", &p.youth)
        }
        Payload::ReferralOutcomeKnown(p) => ident(b, "payload.referral_id", p.referral_id.as_str()),
        Payload::AttendanceRecorded(p) => youth("payload.youth", &p.youth),
        Payload::InitiativeHeld(p) => {
            ident(b, "payload.initiative_id", p.initiative_id.as_str())?;
            count("payload.channels", p.channels.len(), 1, 13)?;
            unique("payload.channels", &p.channels)?;
            range("payload.youths_count", p.youths_count.into(), 100_000)?;
            count(
                "payload.partner_structures",
                p.partner_structures.len(),
                0,
                20,
            )?;
            idents(b, "payload.partner_structures", &p.partner_structures)
        }
        Payload::CollaborationRecorded(p) => {
            ident(b, "payload.collaboration_id", p.collaboration_id.as_str())?;
            count("payload.participants", p.participants.len(), 1, 200)?;
            idents(b, "payload.participants", &p.participants)?;
            count("payload.structures", p.structures.len(), 1, 100)?;
            idents(b, "payload.structures", &p.structures)?;
            range("payload.duration_minutes", p.duration_minutes.into(), 1440)
        }
        Payload::ConcernFlagged(p) => {
            ident(b, "payload.concern_id", p.concern_id.as_str())?;
            youth("payload.youth", &p.youth)
        }
        Payload::SignalementMade(p) => {
            ident(b, "payload.concern_id", p.concern_id.as_str())?;
            youth("payload.youth", &p.youth)
        }
        Payload::EventRetracted(p) => {
            event_id("payload.target_event_id", p.target_event_id.as_str())
        }
        Payload::EventAmended(p) => {
            event_id("payload.target_event_id", p.target_event_id.as_str())?;
            consistent(
                p.target_type.family() != Family::Correction,
                "payload.target_type",
                "the type of an event that is not itself a correction",
                p.target_type.code(),
            )
        }
    }
}

/// Checks an event id's format.
pub fn event_id(path: &str, id: &str) -> Result<(), Rejection> {
    if is_event_id(id) {
        Ok(())
    } else {
        Err(Rejection::new(
            Reason::InvalidEventId,
            path,
            "8 to 64 letters, digits, '.', '_', ':' or '-' (a UUID or ULID)",
            describe_masked("a string", id),
        ))
    }
}
