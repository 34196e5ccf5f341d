//! The ground truth of a run, computed from the events as they are written: what an indicator
//! computed on the data must find.
//!
//! Only valid lines count, each once (duplicates are counted in [`Lines`] only); a retracted event
//! counts in `events_by_type` (the event store holds it) but in no indicator. Amendments only change
//! the duration or the themes of a contact, which no figure here depends on.
//!
//! The year of an event is the calendar year of its local date (`occurred_at` as written, with its
//! offset), and all durations (30 days, 60 days) are measured between instants.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

use pdn_schemas::taxonomy::{AccompanimentOutcome, AgeBand, Channel, Initiator, ReferralOutcome};
use pdn_schemas::{Event, EventType, Payload};
use serde::Serialize;

use crate::calendar::DAY;
use crate::params::Planted;
use crate::record::Line;

/// The ground truth of a run (written by `pdn generate --truth FILE`).
#[derive(Debug, Clone, Serialize)]
pub struct Truth {
    pub config: ConfigEcho,
    pub lines: Lines,
    /// Distinct valid events by type, corrections and retracted events included.
    pub events_by_type: BTreeMap<String, u64>,
    pub planted: Planted,
    /// Indicators by year (local calendar year of each event).
    pub by_year: BTreeMap<String, YearTruth>,
}

/// The configuration of the run.
#[derive(Debug, Clone, Serialize)]
pub struct ConfigEcho {
    pub seed: u64,
    pub department: String,
    /// The departments generated, in output order.
    pub departments: Vec<String>,
    /// First and last generated year.
    pub years: [i32; 2],
    pub scale: String,
    pub events: Option<u64>,
    pub invalid_rate: f64,
    pub duplicate_rate: f64,
}

/// What the output holds, line by line.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Lines {
    pub total: u64,
    /// Distinct valid events.
    pub valid: u64,
    /// Exact re-sends of an earlier valid line.
    pub duplicates: u64,
    pub invalid: u64,
    /// Invalid lines by the reason code the validator gives them.
    pub invalid_by_reason: BTreeMap<String, u64>,
}

/// One year's indicators, nationally (all generated departments) and by department.
#[derive(Debug, Clone, Serialize)]
pub struct YearTruth {
    pub national: Metrics,
    pub departments: BTreeMap<String, Metrics>,
}

/// The indicators of one department (or all) in one year. Rates are rounded to 6 decimals and are 0
/// when their denominator is 0.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Metrics {
    /// Distinct youths with at least one contact in the year.
    pub youths_in_contact: u64,
    /// The same, by the age band of their first contact in the year.
    pub youths_in_contact_by_age_band: BTreeMap<String, u64>,
    /// Youths in contact whose first contact ever (in the generated years) is in the year.
    pub new_youths: u64,
    pub contacts: u64,
    pub contacts_by_channel: BTreeMap<String, u64>,
    pub contacts_initiated_by_youth: u64,
    /// New youths with another contact 30 days or more after their first one (any time later).
    pub retained_new_youths: u64,
    pub retention_rate: f64,
    /// New youths who attended a structure within 60 days after their first contact.
    pub converted_new_youths: u64,
    pub conversion_rate: f64,
    /// Referrals made in the year...
    pub referrals_made: u64,
    /// ...of which an outcome became known (whenever)...
    pub referrals_with_outcome: u64,
    /// ...of which the outcome is "attended".
    pub referrals_attended: u64,
    /// referrals_attended / referrals_made.
    pub referral_completion_rate: f64,
    pub accompaniments_opened: u64,
    pub accompaniments_closed: u64,
    /// Accompaniments closed in the year with the outcome "completed".
    pub accompaniments_completed: u64,
    pub permanences_scheduled: u64,
    pub permanences_held: u64,
    pub permanences_cancelled: u64,
    /// Distinct professionals with at least one contact in the year.
    pub active_professionals: u64,
    /// Distinct structures (of the contacts' envelopes) with at least one contact in the year.
    pub active_structures: u64,
    pub concerns_flagged: u64,
    pub signalements_made: u64,
}

fn rate(numerator: u64, denominator: u64) -> f64 {
    if denominator == 0 {
        0.0
    } else {
        (numerator as f64 / denominator as f64 * 1e6).round() / 1e6
    }
}

impl Metrics {
    /// All counts at zero, every age band and channel present.
    pub(crate) fn zero() -> Metrics {
        Metrics {
            youths_in_contact: 0,
            youths_in_contact_by_age_band: AgeBand::ALL
                .iter()
                .map(|b| (b.code().to_owned(), 0))
                .collect(),
            new_youths: 0,
            contacts: 0,
            contacts_by_channel: Channel::ALL
                .iter()
                .map(|c| (c.code().to_owned(), 0))
                .collect(),
            contacts_initiated_by_youth: 0,
            retained_new_youths: 0,
            retention_rate: 0.0,
            converted_new_youths: 0,
            conversion_rate: 0.0,
            referrals_made: 0,
            referrals_with_outcome: 0,
            referrals_attended: 0,
            referral_completion_rate: 0.0,
            accompaniments_opened: 0,
            accompaniments_closed: 0,
            accompaniments_completed: 0,
            permanences_scheduled: 0,
            permanences_held: 0,
            permanences_cancelled: 0,
            active_professionals: 0,
            active_structures: 0,
            concerns_flagged: 0,
            signalements_made: 0,
        }
    }

    /// Adds the counts of `other` (departments have distinct youths, professionals and structures).
    pub(crate) fn add(&mut self, other: &Metrics) {
        self.youths_in_contact += other.youths_in_contact;
        for (band, n) in &other.youths_in_contact_by_age_band {
            *self
                .youths_in_contact_by_age_band
                .entry(band.clone())
                .or_default() += n;
        }
        self.new_youths += other.new_youths;
        self.contacts += other.contacts;
        for (channel, n) in &other.contacts_by_channel {
            *self.contacts_by_channel.entry(channel.clone()).or_default() += n;
        }
        self.contacts_initiated_by_youth += other.contacts_initiated_by_youth;
        self.retained_new_youths += other.retained_new_youths;
        self.converted_new_youths += other.converted_new_youths;
        self.referrals_made += other.referrals_made;
        self.referrals_with_outcome += other.referrals_with_outcome;
        self.referrals_attended += other.referrals_attended;
        self.accompaniments_opened += other.accompaniments_opened;
        self.accompaniments_closed += other.accompaniments_closed;
        self.accompaniments_completed += other.accompaniments_completed;
        self.permanences_scheduled += other.permanences_scheduled;
        self.permanences_held += other.permanences_held;
        self.permanences_cancelled += other.permanences_cancelled;
        self.active_professionals += other.active_professionals;
        self.active_structures += other.active_structures;
        self.concerns_flagged += other.concerns_flagged;
        self.signalements_made += other.signalements_made;
    }

    /// Computes the rates from the counts.
    pub(crate) fn with_rates(mut self) -> Metrics {
        self.retention_rate = rate(self.retained_new_youths, self.new_youths);
        self.conversion_rate = rate(self.converted_new_youths, self.new_youths);
        self.referral_completion_rate = rate(self.referrals_attended, self.referrals_made);
        self
    }
}

/// Hashes youth keys, already uniformly random, by taking their low bits.
#[derive(Debug, Default, Clone, Copy)]
struct YouthHasher(u64);

impl Hasher for YouthHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u128(&mut self, n: u128) {
        self.0 = n as u64;
    }
}

/// What the truth remembers of a youth.
#[derive(Debug, Default)]
struct YouthState {
    /// Instant and year of the first (non-retracted) contact.
    first: Option<(i64, i32)>,
    retained: bool,
    converted: bool,
    /// The last year counted in `youths_in_contact`.
    last_year: Option<i32>,
    last_attendance: Option<i64>,
}

#[derive(Debug)]
struct YearCounts {
    metrics: Metrics,
    professionals: HashSet<u32>,
    structures: HashSet<u32>,
}

/// Numbers for the professional and structure ids of a department-year.
#[derive(Debug, Default)]
pub(crate) struct Interner(HashMap<String, u32>);

impl Interner {
    fn number(&mut self, id: &str) -> u32 {
        match self.0.get(id) {
            Some(&n) => n,
            None => {
                let n = self.0.len() as u32;
                self.0.insert(id.to_owned(), n);
                n
            }
        }
    }
}

/// What the truth reads of an event.
#[derive(Debug)]
pub(crate) enum Fact {
    Contact {
        youth: u128,
        age_band: AgeBand,
        channel: Channel,
        by_youth: bool,
        /// The envelope's professional and structure, numbered by the sink's [`Interner`].
        professional: u32,
        structure: u32,
    },
    Attendance {
        youth: u128,
    },
    ReferralMade {
        referral: String,
    },
    ReferralOutcome {
        referral: String,
        attended: bool,
    },
    AccompanimentOpened,
    AccompanimentClosed {
        completed: bool,
    },
    PermanenceScheduled,
    PermanenceHeld,
    PermanenceCancelled,
    ConcernFlagged,
    SignalementMade,
    Other,
}

impl Fact {
    /// What the truth needs of `event`.
    pub(crate) fn of(event: &Event, ids: &mut Interner) -> Fact {
        match &event.payload {
            Payload::ContactRecorded(c) => Fact::Contact {
                youth: youth_key(c.youth.as_str()),
                age_band: c.age_band,
                channel: c.channel,
                by_youth: c.initiated_by == Initiator::Youth,
                professional: ids.number(event.envelope.professional_id.as_str()),
                structure: ids.number(event.envelope.structure_id.as_str()),
            },
            Payload::AttendanceRecorded(a) => Fact::Attendance {
                youth: youth_key(a.youth.as_str()),
            },
            Payload::ReferralMade(r) => Fact::ReferralMade {
                referral: r.referral_id.0.clone(),
            },
            Payload::ReferralOutcomeKnown(r) => Fact::ReferralOutcome {
                referral: r.referral_id.0.clone(),
                attended: r.outcome == ReferralOutcome::Attended,
            },
            Payload::AccompanimentOpened(_) => Fact::AccompanimentOpened,
            Payload::AccompanimentClosed(a) => Fact::AccompanimentClosed {
                completed: a.outcome == AccompanimentOutcome::Completed,
            },
            Payload::PermanenceScheduled(_) => Fact::PermanenceScheduled,
            Payload::PermanenceHeld(_) => Fact::PermanenceHeld,
            Payload::PermanenceCancelled(_) => Fact::PermanenceCancelled,
            Payload::ConcernFlagged(_) => Fact::ConcernFlagged,
            Payload::SignalementMade(_) => Fact::SignalementMade,
            _ => Fact::Other,
        }
    }
}

/// The truth of one department, fed with its events in output order.
#[derive(Debug, Default)]
pub(crate) struct DeptTruth {
    years: BTreeMap<i32, YearCounts>,
    youths: HashMap<u128, YouthState, BuildHasherDefault<YouthHasher>>,
    /// Year each referral was made in.
    referrals: HashMap<String, i32>,
    pub(crate) events_by_type: BTreeMap<&'static str, u64>,
    pub(crate) lines: Lines,
}

/// The 128 bits of a youth pseudonym (`yp1_` and 32 hex digits).
fn youth_key(pseudonym: &str) -> u128 {
    u128::from_str_radix(&pseudonym[4..], 16).expect("generated pseudonyms are well-formed")
}

impl DeptTruth {
    /// Counts one valid event of local year `year`.
    pub(crate) fn observe(&mut self, line: &Line, year: i32) {
        self.lines.valid += 1;
        *self
            .events_by_type
            .entry(line.event_type.code())
            .or_default() += 1;
        if line.retracted {
            return;
        }
        let t = line.t;
        let counts = self.years.entry(year).or_insert_with(|| YearCounts {
            metrics: Metrics::zero(),
            professionals: HashSet::new(),
            structures: HashSet::new(),
        });
        let m = &mut counts.metrics;
        match &line.fact {
            &Fact::Contact {
                youth,
                age_band,
                channel,
                by_youth,
                professional,
                structure,
            } => {
                let youth = self.youths.entry(youth).or_default();
                match youth.first {
                    None => {
                        youth.first = Some((t, year));
                        youth.converted = youth.last_attendance == Some(t);
                        m.new_youths += 1;
                    }
                    Some((first, _)) if t - first >= 30 * DAY => youth.retained = true,
                    Some(_) => {}
                }
                if youth.last_year != Some(year) {
                    youth.last_year = Some(year);
                    m.youths_in_contact += 1;
                    if let Some(n) = m.youths_in_contact_by_age_band.get_mut(age_band.code()) {
                        *n += 1;
                    }
                }
                m.contacts += 1;
                if let Some(n) = m.contacts_by_channel.get_mut(channel.code()) {
                    *n += 1;
                }
                m.contacts_initiated_by_youth += u64::from(by_youth);
                counts.professionals.insert(professional);
                counts.structures.insert(structure);
            }
            &Fact::Attendance { youth } => {
                let youth = self.youths.entry(youth).or_default();
                if let Some((first, _)) = youth.first {
                    if (0..=60 * DAY).contains(&(t - first)) {
                        youth.converted = true;
                    }
                }
                youth.last_attendance = Some(t);
            }
            Fact::ReferralMade { referral } => {
                m.referrals_made += 1;
                self.referrals.insert(referral.clone(), year);
            }
            Fact::ReferralOutcome { referral, attended } => {
                if let Some(made) = self.referrals.get(referral) {
                    if let Some(counts) = self.years.get_mut(made) {
                        counts.metrics.referrals_with_outcome += 1;
                        counts.metrics.referrals_attended += u64::from(*attended);
                    }
                }
            }
            Fact::AccompanimentOpened => m.accompaniments_opened += 1,
            Fact::AccompanimentClosed { completed } => {
                m.accompaniments_closed += 1;
                m.accompaniments_completed += u64::from(*completed);
            }
            Fact::PermanenceScheduled => m.permanences_scheduled += 1,
            Fact::PermanenceHeld => m.permanences_held += 1,
            Fact::PermanenceCancelled => m.permanences_cancelled += 1,
            Fact::ConcernFlagged => m.concerns_flagged += 1,
            Fact::SignalementMade => m.signalements_made += 1,
            Fact::Other => {}
        }
    }

    /// The department's indicators by year, once all its events are seen.
    pub(crate) fn metrics(&self) -> BTreeMap<i32, Metrics> {
        let mut by_year: BTreeMap<i32, Metrics> = self
            .years
            .iter()
            .map(|(&year, c)| {
                let mut m = c.metrics.clone();
                m.active_professionals = c.professionals.len() as u64;
                m.active_structures = c.structures.len() as u64;
                (year, m)
            })
            .collect();
        for youth in self.youths.values() {
            if let Some((_, year)) = youth.first {
                let m = by_year.entry(year).or_insert_with(Metrics::zero);
                m.retained_new_youths += u64::from(youth.retained);
                m.converted_new_youths += u64::from(youth.converted);
            }
        }
        by_year
    }
}

/// Assembles the truth of a run from its departments' truths (in output order).
pub(crate) fn assemble(
    config: ConfigEcho,
    years: std::ops::RangeInclusive<i32>,
    departments: &[(String, &DeptTruth)],
    bad_reasons: &[&'static str],
) -> Truth {
    let mut lines = Lines {
        invalid_by_reason: bad_reasons.iter().map(|&r| (r.to_owned(), 0)).collect(),
        ..Lines::default()
    };
    let mut events_by_type: BTreeMap<String, u64> = EventType::ALL
        .iter()
        .map(|t| (t.code().to_owned(), 0))
        .collect();
    let mut by_year: BTreeMap<String, YearTruth> = BTreeMap::new();
    let per_department: Vec<(&String, BTreeMap<i32, Metrics>)> = departments
        .iter()
        .map(|(code, truth)| (code, truth.metrics()))
        .collect();
    for (_, truth) in departments {
        lines.valid += truth.lines.valid;
        lines.duplicates += truth.lines.duplicates;
        for (reason, n) in &truth.lines.invalid_by_reason {
            *lines.invalid_by_reason.entry(reason.clone()).or_default() += n;
        }
        for (t, n) in &truth.events_by_type {
            *events_by_type.entry((*t).to_owned()).or_default() += n;
        }
    }
    lines.invalid = lines.invalid_by_reason.values().sum();
    lines.total = lines.valid + lines.duplicates + lines.invalid;
    for year in years {
        let mut national = Metrics::zero();
        let mut departments = BTreeMap::new();
        for (code, metrics) in &per_department {
            let m = metrics.get(&year).cloned().unwrap_or_else(Metrics::zero);
            national.add(&m);
            departments.insert((*code).clone(), m.with_rates());
        }
        by_year.insert(
            year.to_string(),
            YearTruth {
                national: national.with_rates(),
                departments,
            },
        );
    }
    Truth {
        config,
        lines,
        events_by_type,
        planted: Planted::current(),
        by_year,
    }
}
