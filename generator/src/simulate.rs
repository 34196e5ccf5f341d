//! One department, year after year: the events of the year (network, permanences, meetings,
//! initiatives, collective projects, and the youths: those still in their trajectory and as many
//! new ones as the year's target needs), sorted and written with the run's noise (duplicates and
//! bad lines), while the truth counts them.

use std::collections::VecDeque;
use std::sync::Mutex;

use pdn_schemas::payload::{PermanenceCancelled, PermanenceHeld, PermanenceScheduled};
use pdn_schemas::EventType;

use crate::calendar::{Day, YearDays};
use crate::invalid;
use crate::record::{App, Rec, Sink, Window};
use crate::rng::{key, Rng};
use crate::truth::DeptTruth;
use crate::world::{DeptPlan, Outcome, World};
use crate::youth::{Kind, Youth};

mod activities;

/// Share of new youths who come to a structure without online contact.
const WALK_IN: f64 = 0.2;
/// Bytes between progress checkpoints of an output buffer, in lines.
const CHECKPOINT_LINES: u64 = 10_000;

/// The noise a run adds after each valid line.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Noise {
    pub(crate) duplicate_rate: f64,
    pub(crate) invalid_rate: f64,
}

/// The NDJSON of one department-year.
#[derive(Debug, Default)]
pub(crate) struct YearOutput {
    pub(crate) bytes: Vec<u8>,
    /// (byte offset, lines before it) every [`CHECKPOINT_LINES`] lines, for progress reports.
    pub(crate) checkpoints: Vec<(usize, u64)>,
    pub(crate) lines: u64,
}

/// Large byte buffers handed back after use, so that each department-year does not fault in fresh
/// memory pages.
#[derive(Debug, Default)]
pub(crate) struct Buffers(Mutex<Vec<Vec<u8>>>);

impl Buffers {
    /// An empty buffer, recycled when one is free.
    pub(crate) fn take(&self) -> Vec<u8> {
        self.0
            .lock()
            .map(|mut free| free.pop())
            .ok()
            .flatten()
            .unwrap_or_default()
    }

    /// Hands `buffer` back (a few are kept).
    pub(crate) fn give(&self, mut buffer: Vec<u8>) {
        buffer.clear();
        if let Ok(mut free) = self.0.lock() {
            if free.len() < 16 {
                free.push(buffer);
            }
        }
    }
}

/// A department being generated.
#[derive(Debug)]
pub(crate) struct Dept {
    pub(crate) world: World,
    /// Network events not yet written, in time order.
    network: Vec<Rec>,
    /// Department-level events planned past the current year.
    pending: Vec<Rec>,
    /// Youths whose trajectory goes on after the current year, with its last instant.
    youths: Vec<(Youth, i64)>,
    next_youth: u32,
    first_year: i32,
    targets: Vec<u64>,
    pub(crate) truth: DeptTruth,
}

impl Dept {
    /// Plans department `plan` for the generated years.
    pub(crate) fn new(plan: &DeptPlan, seed: u64, first_year: i32, last_year: i32) -> Dept {
        let (world, network) = World::new(plan, seed, first_year, last_year);
        Dept {
            world,
            network,
            pending: Vec::new(),
            youths: Vec::new(),
            next_youth: 0,
            first_year,
            targets: plan.targets.clone(),
            truth: DeptTruth::default(),
        }
    }

    /// Generates and writes local year `year` (years must come in order).
    pub(crate) fn simulate_year(
        &mut self,
        year: i32,
        noise: Noise,
        buffers: &Buffers,
    ) -> YearOutput {
        let w = &self.world;
        let win = Window {
            start: w.clock.year_start(year),
            end: w.clock.year_start(year + 1),
        };
        let mut rng = Rng::new(key(&[w.key, 3, year as u64]));
        let days = YearDays::new(year);
        let mut sink = Sink::new(buffers.take());
        let due = self.network.partition_point(|r| r.t < win.end);
        self.network.drain(..due).for_each(|rec| sink.push(rec));
        let (now, later): (Vec<Rec>, Vec<Rec>) = std::mem::take(&mut self.pending)
            .into_iter()
            .partition(|r| r.t < win.end);
        now.into_iter().for_each(|rec| sink.push(rec));
        self.pending = later;
        self.permanences(win, &mut sink);
        self.collaborations(&mut rng, year, &days, &mut sink);
        self.initiatives(&mut rng, year, &days, &mut sink);
        let mut youths = Vec::with_capacity(self.youths.len());
        for (youth, last) in std::mem::take(&mut self.youths) {
            youth.play(&self.world, win, &mut sink);
            if last >= win.end {
                youths.push((youth, last));
            }
        }
        let target = self.targets[(year - self.first_year) as usize];
        let reserve = (self.world.profs.len() as f64 * 0.9) as u64;
        let mut stalled = 0;
        while (sink.lines.len() as u64) + reserve < target && stalled < 10_000 {
            let before = sink.lines.len();
            if let Some(youth) = self.new_youth(&mut rng, &days, win) {
                let last = youth.play(&self.world, win, &mut sink);
                if last >= win.end {
                    youths.push((youth, last));
                }
            }
            stalled = if sink.lines.len() == before {
                stalled + 1
            } else {
                0
            };
        }
        self.youths = youths;
        self.collectives(&mut rng, year, &days, win, &mut sink);
        let mut output = YearOutput {
            bytes: buffers.take(),
            ..YearOutput::default()
        };
        self.write(year, &mut sink, noise, &mut output);
        buffers.give(sink.arena);
        output
    }

    /// A new youth whose first contact (or first visit) is in the year, or none when nobody can
    /// meet them then.
    fn new_youth(&mut self, rng: &mut Rng, days: &YearDays, win: Window) -> Option<Youth> {
        let w = &self.world;
        let day = days.draw(rng);
        let idx = self.next_youth;
        self.next_youth += 1;
        if rng.chance(WALK_IN) {
            let t0 = w.visit_time(rng, day);
            let weights: Vec<f64> = w.structures.iter().map(|s| s.weight).collect();
            let structure = rng.index_weighted(&weights);
            return win.contains(t0).then_some(Youth {
                idx,
                t0,
                kind: Kind::WalkIn { structure },
            });
        }
        let t0 = w.clock.instant(day, Day::of(day).contact_secs(rng));
        let weights: Vec<f64> = (0..w.profs.len())
            .map(|p| {
                if w.active(p, t0) {
                    w.profs[p].weight
                } else {
                    0.0
                }
            })
            .collect();
        if !weights.iter().any(|&x| x > 0.0) {
            return None;
        }
        let prof = rng.index_weighted(&weights);
        let second = if rng.chance(0.2) {
            let colleague = rng.chance(0.6);
            let others: Vec<usize> = (0..w.profs.len())
                .filter(|&p| {
                    p != prof
                        && weights[p] > 0.0
                        && (w.profs[p].structure == w.profs[prof].structure) == colleague
                })
                .collect();
            (!others.is_empty()).then(|| others[rng.below(others.len() as u64) as usize])
        } else {
            None
        };
        Some(Youth {
            idx,
            t0,
            kind: Kind::Online { prof, second },
        })
    }

    /// Announcements and outcomes of permanences in the window.
    fn permanences(&self, win: Window, sink: &mut Sink) {
        let w = &self.world;
        for (p, prof) in w.profs.iter().enumerate() {
            for perm in &prof.perms {
                let mut r = Rng::new(key(&[w.key, 5, p as u64, u64::from(perm.seq)]));
                let (announce_id, outcome_id) = (r.uuid(), r.uuid());
                let permanence_id = w.perm_id(p, perm.seq);
                let (slot_start, slot_end) =
                    (w.clock.datetime(perm.start), w.clock.datetime(perm.end));
                if win.contains(perm.announced) {
                    let payload = PermanenceScheduled {
                        permanence_id: permanence_id.clone(),
                        slot_start,
                        slot_end,
                        channels: perm.channels(),
                    };
                    sink.push(w.rec(perm.announced, announce_id, App::Web, p, payload));
                }
                match perm.outcome {
                    Outcome::Held { at, reached } if win.contains(at) => {
                        let payload = PermanenceHeld {
                            permanence_id,
                            slot_start,
                            slot_end,
                            channels: perm.channels(),
                            youths_reached: reached,
                        };
                        sink.push(w.rec(at, outcome_id, App::Web, p, payload));
                    }
                    Outcome::Cancelled { at, reason } if win.contains(at) => {
                        sink.push(w.rec(
                            at,
                            outcome_id,
                            App::Web,
                            p,
                            PermanenceCancelled {
                                permanence_id,
                                reason,
                            },
                        ));
                    }
                    _ => {}
                }
            }
        }
    }

    /// Sorts the year's events and writes them with the run's noise; the truth counts them.
    fn write(&mut self, year: i32, sink: &mut Sink, noise: Noise, out: &mut YearOutput) {
        sink.lines.sort_unstable_by_key(|l| (l.t, l.id));
        let mut rng = Rng::new(key(&[self.world.key, 4, year as u64]));
        out.bytes.reserve(sink.arena.len() + sink.lines.len());
        let mut recent: VecDeque<(usize, usize)> = VecDeque::with_capacity(16);
        let mut last_contact: Option<(usize, usize)> = None;
        let mut bad = Vec::new();
        for line in &sink.lines {
            let start = out.bytes.len();
            out.bytes.extend_from_slice(&sink.arena[line.bytes.clone()]);
            let end = out.bytes.len();
            out.bytes.push(b'\n');
            out.lines += 1;
            self.truth.observe(line, year);
            if recent.len() == 16 {
                recent.pop_front();
            }
            recent.push_back((start, end));
            if line.event_type == EventType::ContactRecorded {
                last_contact = Some((start, end));
            }
            if noise.duplicate_rate > 0.0 && rng.chance(noise.duplicate_rate) {
                let (s, e) = recent[rng.below(recent.len() as u64) as usize];
                out.bytes.extend_from_within(s..=e);
                out.lines += 1;
                self.truth.lines.duplicates += 1;
            }
            if noise.invalid_rate > 0.0 && rng.chance(noise.invalid_rate) {
                bad.clear();
                let contact = last_contact.map(|(s, e)| &out.bytes[s..e]);
                let kind = invalid::bad_line(&mut rng, &out.bytes[start..end], contact, &mut bad);
                out.bytes.extend_from_slice(&bad);
                out.bytes.push(b'\n');
                out.lines += 1;
                *self
                    .truth
                    .lines
                    .invalid_by_reason
                    .entry(kind.reason().code().to_owned())
                    .or_default() += 1;
            }
            if out.lines >= (out.checkpoints.len() as u64 + 1) * CHECKPOINT_LINES {
                out.checkpoints.push((out.bytes.len(), out.lines));
            }
        }
    }
}
