//! The weekly online permanences of professionals, planned over all the generated years.

use pdn_schemas::ids::LocalId;
use pdn_schemas::taxonomy::{CancelReason, Channel};

use super::{Prof, World};
use crate::calendar::{office_secs, weekday, Clock, Day, HOUR};
use crate::params::PERMANENCE_HELD;
use crate::rng::Rng;

/// A weekly permanence slot: (weekday, local start in seconds, minutes). Evenings on school days,
/// or Wednesday afternoons.
fn weekly_slot(rng: &mut Rng) -> (i64, i64, i64) {
    if rng.chance(0.6) {
        let day = rng.pick(&[0, 1, 3, 4]);
        let secs = rng.pick(&[18 * HOUR, 18 * HOUR + 1800, 19 * HOUR, 20 * HOUR]);
        (day, secs, rng.pick(&[60, 90, 120]))
    } else {
        (2, rng.pick(&[14 * HOUR, 15 * HOUR]), rng.pick(&[120, 180]))
    }
}

const CANCEL_REASONS: &[(CancelReason, u32)] = &[
    (CancelReason::Absence, 40),
    (CancelReason::Training, 20),
    (CancelReason::Technical, 15),
    (CancelReason::NoAudience, 15),
    (CancelReason::Other, 10),
];

/// How an announced permanence turned out.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Outcome {
    Held { at: i64, reached: u32 },
    Cancelled { at: i64, reason: CancelReason },
}

/// One announced online permanence of a professional.
#[derive(Debug, Clone)]
pub(crate) struct Perm {
    /// Number of the permanence among the professional's.
    pub(crate) seq: u32,
    pub(crate) announced: i64,
    pub(crate) start: i64,
    pub(crate) end: i64,
    /// Bit `i` set: channel `Channel::ALL[i]`.
    pub(crate) channels: u16,
    pub(crate) outcome: Outcome,
}

impl Perm {
    /// Whether it took place.
    pub(crate) fn held(&self) -> bool {
        matches!(self.outcome, Outcome::Held { .. })
    }

    /// Its channels.
    pub(crate) fn channels(&self) -> Vec<Channel> {
        Channel::ALL
            .iter()
            .enumerate()
            .filter(|&(i, _)| self.channels & (1 << i) != 0)
            .map(|(_, &c)| c)
            .collect()
    }
}

impl Prof {
    /// The held permanence starting on local `day`, if any.
    pub(crate) fn held_on(&self, clock: &Clock, day: i64) -> Option<&Perm> {
        let (start, end) = (clock.instant(day, 0), clock.instant(day + 1, 0));
        let i = self.perms.partition_point(|p| p.start < start);
        self.perms.get(i).filter(|p| p.start < end && p.held())
    }

    /// The held permanence under way at `t`, if any.
    pub(crate) fn held_at(&self, t: i64) -> Option<&Perm> {
        let i = self.perms.partition_point(|p| p.start <= t);
        i.checked_sub(1)
            .map(|i| &self.perms[i])
            .filter(|p| t < p.end && p.held())
    }
}

impl World {
    /// The weekly permanences of professional `p`: an evening or a Wednesday afternoon slot,
    /// announced two to six days before, skipped on public holidays, at Christmas and, for most, in
    /// August; about 88% held.
    pub(super) fn permanences(&self, rng: &mut Rng, p: usize) -> Vec<Perm> {
        let prof = &self.profs[p];
        let mut slots = vec![weekly_slot(rng)];
        if rng.chance(0.3) {
            let second = weekly_slot(rng);
            if second.0 != slots[0].0 {
                slots.push(second);
                slots.sort_unstable();
            }
        }
        let skip_august = rng.chance(0.85);
        let first = self.clock.local_day(self.range.start);
        let last = self.clock.local_day(self.range.end - 1);
        let first_monday = first - i64::from(weekday(first));
        let weeks = (first_monday..=last).step_by(7);
        let mut perms = Vec::new();
        for (day, slot_secs, minutes) in weeks.flat_map(|monday| {
            slots
                .iter()
                .map(move |&(d, secs, minutes)| (monday + d, secs, minutes))
        }) {
            let info = Day::of(day);
            let skip = rng.chance(0.08);
            let christmas = rng.chance(0.7);
            let announced = self.clock.instant(day - rng.range(2, 6), office_secs(rng));
            let held = rng.chance(PERMANENCE_HELD);
            let delay = rng.range(5, 45) * 60;
            let reached = rng.poisson(4.0).min(15);
            let reason = rng.weighted(CANCEL_REASONS);
            let before = rng.f64();
            let mut mask = 0u16;
            let n = rng.range(1, prof.channels.len().min(3) as i64) as usize;
            let offset = rng.below(prof.channels.len() as u64) as usize;
            for c in prof.channels.iter().cycle().skip(offset).take(n) {
                mask |= 1
                    << Channel::ALL
                        .iter()
                        .position(|x| x == c)
                        .expect("channels are in the taxonomy");
            }
            let start = self.clock.instant(day, slot_secs);
            let end = start + minutes * 60;
            let outcome = if held {
                Outcome::Held {
                    at: end + delay,
                    reached,
                }
            } else {
                Outcome::Cancelled {
                    at: announced + ((start - announced) as f64 * before) as i64,
                    reason,
                }
            };
            let at = match outcome {
                Outcome::Held { at, .. } | Outcome::Cancelled { at, .. } => at,
            };
            let off = info.public_holiday
                || skip
                || (info.month == 8 && skip_august)
                || (christmas
                    && ((info.month == 12 && info.dom >= 24)
                        || (info.month == 1 && info.dom == 1)));
            if off
                || announced < self.range.start.max(prof.from)
                || at >= self.range.end
                || end.max(at) >= prof.until
            {
                continue;
            }
            perms.push(Perm {
                seq: perms.len() as u32 + 1,
                announced,
                start,
                end,
                channels: mask,
                outcome,
            });
        }
        perms
    }

    /// The id of permanence `seq` of professional `p`.
    pub(crate) fn perm_id(&self, p: usize, seq: u32) -> LocalId {
        LocalId(format!("perm-{}-{:04}-{:04}", self.code, p + 1, seq))
    }
}
