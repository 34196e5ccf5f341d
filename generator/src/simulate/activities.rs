//! What professionals do together or for groups: network meetings, trainings, co-projects and
//! exchanges, collective online initiatives, and collective project accompaniments.

use pdn_schemas::ids::{LocalId, YouthPseudonym};
use pdn_schemas::payload::{
    AccompanimentClosed, AccompanimentOpened, AccompanimentUpdated, CollaborationRecorded,
    InitiativeHeld,
};
use pdn_schemas::taxonomy::{AccompanimentKind, CollaborationKind};

use super::Dept;
use crate::calendar::{office_secs, weekday, working_day, ymd, YearDays, DAY, HOUR};
use crate::mixes;
use crate::params::{ACCOMPANIMENT_CLOSED, ACCOMPANIMENT_OUTCOMES, CO_ACCOMPANIMENT};
use crate::record::{App, Sink, Window};
use crate::rng::Rng;

/// A meeting or joint work between professionals.
struct Meeting {
    kind: CollaborationKind,
    t: i64,
    minutes: i64,
    participants: Vec<usize>,
}

impl Dept {
    /// Professionals active at `t`.
    fn active_at(&self, t: i64) -> Vec<usize> {
        (0..self.world.profs.len())
            .filter(|&p| self.world.active(p, t))
            .collect()
    }

    /// Two to `max` professionals active at `t`, from at least two structures when there are.
    fn small_group(&self, rng: &mut Rng, t: i64, max: i64) -> Vec<usize> {
        let active = self.active_at(t);
        let size = rng.range(2, max) as usize;
        let mut group: Vec<usize> = Vec::with_capacity(size);
        for _ in 0..6 * size {
            if group.len() >= size || active.is_empty() {
                break;
            }
            let p = rng.pick(&active);
            let structure = self.world.profs[p].structure;
            let new_structure = group
                .iter()
                .all(|&q| self.world.profs[q].structure != structure);
            if !group.contains(&p) && (new_structure || group.len() >= 2) {
                group.push(p);
            }
        }
        group.sort_unstable();
        group
    }

    /// Network meetings (3–5 a year), trainings, co-projects and exchanges of practice.
    pub(super) fn collaborations(
        &self,
        rng: &mut Rng,
        year: i32,
        days: &YearDays,
        sink: &mut Sink,
    ) {
        let w = &self.world;
        let mut meetings = Vec::new();
        let mut months = vec![1, 2, 3, 4, 5, 6, 9, 10, 11, 12];
        for (kind, count, share, minutes) in [
            (
                CollaborationKind::NetworkMeeting,
                rng.range(3, 5),
                0.85,
                (150, 240),
            ),
            (
                CollaborationKind::Training,
                rng.range(2, 3),
                0.35,
                (180, 420),
            ),
        ] {
            for _ in 0..count {
                let month = months.swap_remove(rng.below(months.len() as u64) as usize);
                let mut day = ymd(year, month, rng.range(3, 24) as u32);
                while weekday(day) != 1 && weekday(day) != 3 {
                    day += 1;
                }
                let t = w
                    .clock
                    .instant(day, rng.pick(&[9 * HOUR + 1800, 14 * HOUR]));
                let active = self.active_at(t);
                let mut participants: Vec<usize> = active
                    .iter()
                    .copied()
                    .filter(|_| rng.chance(share))
                    .collect();
                if participants.is_empty() && !active.is_empty() {
                    participants.push(active[0]);
                }
                meetings.push(Meeting {
                    kind,
                    t,
                    minutes: rng.range(minutes.0, minutes.1),
                    participants,
                });
            }
        }
        let staff = self
            .active_at(w.clock.instant(days.uniform(rng), 12 * HOUR))
            .len() as i64;
        for (kind, count, max, minutes) in [
            (
                CollaborationKind::CoProject,
                (staff / 5).max(1),
                4,
                (60, 180),
            ),
            (
                CollaborationKind::Exchange,
                (staff / 3).max(1),
                3,
                (30, 120),
            ),
        ] {
            for _ in 0..count {
                let t = w
                    .clock
                    .instant(working_day(days.uniform(rng)), office_secs(rng));
                let participants = self.small_group(rng, t, max);
                meetings.push(Meeting {
                    kind,
                    t,
                    minutes: rng.range(minutes.0, minutes.1),
                    participants,
                });
            }
        }
        meetings.retain(|m| {
            m.participants.len()
                >= if m.kind == CollaborationKind::NetworkMeeting {
                    1
                } else {
                    2
                }
        });
        meetings.sort_by_key(|m| m.t);
        for (n, m) in meetings.into_iter().enumerate() {
            let mut structures: Vec<usize> = m
                .participants
                .iter()
                .map(|&p| w.profs[p].structure)
                .collect();
            structures.sort_unstable();
            structures.dedup();
            let payload = CollaborationRecorded {
                collaboration_id: LocalId(format!("col-{}-{year}-{:03}", w.code, n + 1)),
                kind: m.kind,
                participants: m
                    .participants
                    .iter()
                    .map(|&p| w.profs[p].id.clone())
                    .collect(),
                structures: structures
                    .iter()
                    .map(|&s| w.structures[s].id.clone())
                    .collect(),
                duration_minutes: m.minutes as u16,
            };
            sink.push(w.rec(
                m.t,
                rng.uuid(),
                App::Coordination,
                m.participants[0],
                payload,
            ));
        }
    }

    /// A few collective online initiatives per professional.
    pub(super) fn initiatives(&self, rng: &mut Rng, year: i32, days: &YearDays, sink: &mut Sink) {
        let w = &self.world;
        let mut n = 0;
        for (p, prof) in w.profs.iter().enumerate() {
            for _ in 0..rng.poisson(1.3) {
                let day = days.uniform(rng);
                let t = w
                    .clock
                    .instant(day, rng.range(14, 20) * HOUR + rng.below(3600) as i64);
                let theme = rng.weighted(mixes::PROJECT_THEMES);
                let format = rng.weighted(mixes::INITIATIVE_FORMATS);
                let n_channels = rng.range(1, prof.channels.len().min(3) as i64) as usize;
                let youths_count = rng.range(5, 80) as u32;
                let mut partners: Vec<usize> = (0..rng.range(0, 2))
                    .map(|_| rng.below(w.structures.len() as u64) as usize)
                    .collect();
                let id = rng.uuid();
                if !w.active(p, t) {
                    continue;
                }
                partners.sort_unstable();
                partners.dedup();
                partners.retain(|&s| s != prof.structure);
                n += 1;
                let payload = InitiativeHeld {
                    initiative_id: LocalId(format!("ini-{}-{year}-{n:04}", w.code)),
                    theme,
                    format,
                    channels: prof.channels[..n_channels].to_vec(),
                    youths_count,
                    partner_structures: partners
                        .iter()
                        .map(|&s| w.structures[s].id.clone())
                        .collect(),
                };
                sink.push(w.rec(t, id, App::Web, p, payload));
            }
        }
    }

    /// Collective project accompaniments of 3–12 youths a professional was in contact with.
    pub(super) fn collectives(
        &mut self,
        rng: &mut Rng,
        year: i32,
        days: &YearDays,
        win: Window,
        sink: &mut Sink,
    ) {
        let w = &self.world;
        let mut met: Vec<Vec<(i64, u32)>> = vec![Vec::new(); w.profs.len()];
        for &(p, t, idx) in &sink.contacted {
            met[p].push((t, idx));
        }
        let mut events = Vec::new();
        let mut n = 0;
        for (p, met) in met.iter().enumerate() {
            for _ in 0..rng.poisson(0.5) {
                let open_t = w
                    .clock
                    .instant(working_day(days.uniform(rng)), office_secs(rng));
                if !w.active(p, open_t) {
                    continue;
                }
                let mut candidates: Vec<u32> = met
                    .iter()
                    .filter(|&&(t, _)| t < open_t)
                    .map(|&(_, idx)| idx)
                    .collect();
                candidates.sort_unstable();
                candidates.dedup();
                if candidates.len() < 3 {
                    continue;
                }
                for i in 0..candidates.len() {
                    let j = i + rng.below((candidates.len() - i) as u64) as usize;
                    candidates.swap(i, j);
                }
                let size = (rng.range(3, 12) as usize).min(candidates.len());
                let (group, rest) = candidates.split_at(size);
                n += 1;
                let id = LocalId(format!("acc-{}-c{year}-{n:03}", w.code));
                let youths = |ids: &[u32]| -> Vec<YouthPseudonym> {
                    ids.iter().map(|&i| w.pseudonym(i)).collect()
                };
                let co = if rng.chance(CO_ACCOMPANIMENT) {
                    self.small_group(rng, open_t, 3)
                } else {
                    Vec::new()
                };
                let co: Vec<usize> = co.into_iter().filter(|&q| q != p).collect();
                let mut co_structures: Vec<usize> = co
                    .iter()
                    .map(|&q| w.profs[q].structure)
                    .filter(|&s| s != w.profs[p].structure)
                    .collect();
                co_structures.sort_unstable();
                co_structures.dedup();
                let theme = rng.weighted(mixes::PROJECT_THEMES);
                let payload = AccompanimentOpened {
                    accompaniment_id: id.clone(),
                    kind: AccompanimentKind::Collective,
                    theme,
                    youths: youths(group),
                    co_professionals: co.iter().map(|&q| w.profs[q].id.clone()).collect(),
                    co_structures: co_structures
                        .iter()
                        .map(|&s| w.structures[s].id.clone())
                        .collect(),
                };
                events.push(w.rec(open_t, rng.uuid(), App::Web, p, payload));
                if rng.chance(0.4) {
                    let t = open_t + rng.range(15, 60) * DAY;
                    let added = &rest[..rest.len().min(rng.range(0, 2) as usize)];
                    let left = if group.len() > 3 && rng.chance(0.5) {
                        &group[..1]
                    } else {
                        &group[..0]
                    };
                    if let (Some(h), false) = (w.handler(p, t), added.is_empty() && left.is_empty())
                    {
                        let payload = AccompanimentUpdated {
                            accompaniment_id: id.clone(),
                            youths_added: youths(added),
                            youths_left: youths(left),
                            co_professionals_added: Vec::new(),
                            co_structures_added: Vec::new(),
                        };
                        events.push(w.rec(t, rng.uuid(), App::Web, h, payload));
                    }
                }
                if rng.chance(ACCOMPANIMENT_CLOSED) {
                    let t = open_t + rng.range(30, 180) * DAY;
                    let outcome = mixes::ACCOMPANIMENT_OUTCOMES
                        [rng.index_weighted(&ACCOMPANIMENT_OUTCOMES.map(f64::from))];
                    if let Some(h) = w.handler(p, t) {
                        events.push(w.rec(
                            t,
                            rng.uuid(),
                            App::Web,
                            h,
                            AccompanimentClosed {
                                accompaniment_id: id,
                                outcome,
                            },
                        ));
                    }
                }
            }
        }
        for rec in events {
            if win.contains(rec.t) {
                sink.push(rec);
            } else if rec.t < w.range.end {
                self.pending.push(rec);
            }
        }
    }
}
