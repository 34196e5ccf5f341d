//! A department's network over all the generated years, planned once: its structures, its
//! professionals (with departures, successors and newcomers), their weekly online permanences, and
//! the network events (registrations, enrolments, departures, CAF agreements and their renewals).

use pdn_schemas::ids::{Commune, Department, EventId, ProfessionalId, StructureId, YouthPseudonym};
use pdn_schemas::payload::{ProfessionalEnrolled, StructureRegistered};
use pdn_schemas::taxonomy::{Channel, Role, StructureType};
use pdn_schemas::{Envelope, Event, Payload};

use crate::calendar::{office_secs, open_day, working_day, Clock, Day, YearDays, DAY, HOUR};
use crate::record::{App, Form, Rec, Window};
use crate::rng::{key, push_hex, text_key, uuid_string, Rng};

mod network;
mod permanence;

pub(crate) use permanence::{Outcome, Perm};

/// What the run asks of one department.
#[derive(Debug, Clone)]
pub(crate) struct DeptPlan {
    pub(crate) code: String,
    pub(crate) professionals: usize,
    pub(crate) structures: usize,
    /// Target number of valid events of each generated year, in order.
    pub(crate) targets: Vec<u64>,
}

/// A youth structure of the network.
#[derive(Debug, Clone)]
pub(crate) struct Structure {
    pub(crate) id: StructureId,
    pub(crate) kind: StructureType,
    /// How many youths come to it without online contact, relatively.
    pub(crate) weight: f64,
}

/// A Promeneur du Net.
#[derive(Debug, Clone)]
pub(crate) struct Prof {
    pub(crate) id: ProfessionalId,
    pub(crate) structure: usize,
    /// Active (may be in contact with youths) from this instant...
    pub(crate) from: i64,
    /// ...until this one (`i64::MAX`: stays).
    pub(crate) until: i64,
    /// When the enrolment event was sent.
    pub(crate) enrolled_at: i64,
    /// Who takes over their youths after they leave.
    pub(crate) successor: Option<usize>,
    /// How much online activity they have, relatively.
    pub(crate) weight: f64,
    /// Share of their events sent from the mobile app.
    pub(crate) mobile_share: f64,
    /// The networks they are present on.
    pub(crate) channels: Vec<Channel>,
    /// Their permanences, in time order.
    pub(crate) perms: Vec<Perm>,
}

/// A department over the generated years.
#[derive(Debug)]
pub(crate) struct World {
    pub(crate) code: String,
    pub(crate) department: Department,
    /// The key of every random stream of the department.
    pub(crate) key: u64,
    pub(crate) clock: Clock,
    /// All the generated years.
    pub(crate) range: Window,
    pub(crate) structures: Vec<Structure>,
    pub(crate) profs: Vec<Prof>,
}

const STRUCTURE_MIX: &[(StructureType, u32)] = &[
    (StructureType::SocialCentre, 22),
    (StructureType::MunicipalYouth, 18),
    (StructureType::Mjc, 12),
    (StructureType::Pij, 10),
    (StructureType::MissionLocale, 8),
    (StructureType::StreetPrevention, 8),
    (StructureType::SocialLifeSpace, 7),
    (StructureType::Fjt, 5),
    (StructureType::School, 4),
    (StructureType::MaisonAdos, 3),
    (StructureType::Other, 3),
];

const PROF_CHANNELS: &[(Channel, u32)] = &[
    (Channel::Instagram, 30),
    (Channel::Snapchat, 25),
    (Channel::Facebook, 15),
    (Channel::Tiktok, 12),
    (Channel::Whatsapp, 10),
    (Channel::Discord, 8),
];

fn role_mix(kind: StructureType) -> &'static [(Role, u32)] {
    match kind {
        StructureType::MissionLocale => &[
            (Role::MissionLocaleAdvisor, 70),
            (Role::YouthInformation, 15),
            (Role::Other, 15),
        ],
        StructureType::StreetPrevention => &[(Role::Educateur, 80), (Role::Animateur, 20)],
        StructureType::Pij => &[
            (Role::YouthInformation, 75),
            (Role::Animateur, 15),
            (Role::DigitalMediator, 10),
        ],
        StructureType::MaisonAdos => &[(Role::Educateur, 50), (Role::Other, 50)],
        _ => &[
            (Role::Animateur, 52),
            (Role::Educateur, 18),
            (Role::DigitalMediator, 14),
            (Role::YouthInformation, 8),
            (Role::Other, 8),
        ],
    }
}

/// How many communes the department has, and the number of its main town (a property of the
/// department, not of the run).
fn communes(code: &str) -> (i64, i64) {
    match code {
        "82" => (195, 121),
        "971" => (32, 5),
        "972" => (34, 9),
        "973" => (22, 2),
        "974" => (24, 11),
        "976" => (17, 11),
        _ => {
            let h = text_key(code);
            let n = 150 + (h % 550) as i64;
            (n, 1 + (h >> 20) as i64 % n)
        }
    }
}

impl World {
    /// Plans department `plan` for `years` and returns it with its network events (in time order).
    pub(crate) fn new(
        plan: &DeptPlan,
        seed: u64,
        first_year: i32,
        last_year: i32,
    ) -> (World, Vec<Rec>) {
        let code = plan.code.clone();
        let world_key = key(&[seed, text_key(&code)]);
        let clock = Clock::new(&code, first_year, last_year);
        let range = Window {
            start: clock.year_start(first_year),
            end: clock.year_start(last_year + 1),
        };
        let mut rng = Rng::new(key(&[world_key, 1]));
        let mut world = World {
            department: Department(code.clone()),
            code,
            key: world_key,
            clock,
            range,
            structures: Vec::new(),
            profs: Vec::new(),
        };
        let mut recs = Vec::new();
        let registered = world.structures_and_staff(&mut rng, plan, &mut recs);
        let initial = world.profs.len();
        world.turnover(&mut rng, first_year, last_year);
        world.network_events(&mut rng, &registered, initial, &mut recs);
        for p in 0..world.profs.len() {
            let perms = world.permanences(&mut rng, p);
            world.profs[p].perms = perms;
        }
        recs.retain(|r| range.contains(r.t));
        recs.sort_by_key(|r| (r.t, r.id));
        (world, recs)
    }

    /// Creates the structures and the initial professionals with their registration and enrolment
    /// events; returns when each structure registered.
    fn structures_and_staff(
        &mut self,
        rng: &mut Rng,
        plan: &DeptPlan,
        recs: &mut Vec<Rec>,
    ) -> Vec<i64> {
        let (n_communes, main) = communes(&self.code);
        let towns: Vec<i64> = (0..3)
            .map(|_| 1 + rng.below(n_communes as u64) as i64)
            .collect();
        let first_day = self.clock.local_day(self.range.start);
        let n_profs = plan.professionals.max(1);
        let n_structures = plan.structures.clamp(1, n_profs);
        let mut registrations = Vec::with_capacity(n_structures);
        for s in 0..n_structures {
            let kind = rng.weighted(STRUCTURE_MIX);
            let place = rng.weighted(&[(0, 20), (1, 35), (2, 45)]);
            let commune = match place {
                0 if rng.chance(0.7) => main,
                1 => 1 + rng.below(n_communes as u64) as i64,
                2 if rng.chance(0.5) => main,
                _ => rng.pick(&towns),
            };
            let commune = if self.code.len() == 2 {
                format!("{}{commune:03}", self.code)
            } else {
                format!("{}{commune:02}", self.code)
            };
            let t = self
                .clock
                .instant(working_day(first_day + rng.range(1, 12)), office_secs(rng));
            self.structures.push(Structure {
                id: StructureId(format!("str-{}-{:03}", self.code, s + 1)),
                kind,
                weight: rng.log_normal(1.0, 0.5),
            });
            let payload = StructureRegistered {
                structure_type: kind,
                commune: Commune(commune),
                qpv: place == 0,
                rural: place == 1,
            };
            registrations.push((t, rng.uuid(), payload));
        }
        let weights: Vec<f64> = self.structures.iter().map(|s| s.weight).collect();
        for p in 0..n_profs {
            let structure = if p < n_structures {
                p
            } else {
                rng.index_weighted(&weights)
            };
            let enrolled_at = registrations[structure].0 + rng.range(HOUR, 5 * DAY);
            self.new_prof(rng, structure, self.range.start, enrolled_at);
            recs.push(self.enrolment(rng, p, enrolled_at));
        }
        // Professional `s` is the first of structure `s`: they register it.
        registrations
            .into_iter()
            .enumerate()
            .map(|(s, (t, id, payload))| {
                recs.push(self.rec_in(t, id, App::Coordination, s, s, payload));
                t
            })
            .collect()
    }

    /// Adds a professional of `structure`, active from `from`, enrolled at `enrolled_at`.
    fn new_prof(&mut self, rng: &mut Rng, structure: usize, from: i64, enrolled_at: i64) -> usize {
        let n_channels = rng.range(2, 4) as usize;
        let mut channels = Vec::with_capacity(n_channels);
        while channels.len() < n_channels {
            let c = rng.weighted(PROF_CHANNELS);
            if !channels.contains(&c) {
                channels.push(c);
            }
        }
        let p = self.profs.len();
        self.profs.push(Prof {
            id: ProfessionalId(format!("pro-{}-{:04}", self.code, p + 1)),
            structure,
            from,
            until: i64::MAX,
            enrolled_at,
            successor: None,
            weight: rng.log_normal(1.0, 0.55),
            mobile_share: 0.3 + 0.5 * rng.f64(),
            channels,
            perms: Vec::new(),
        });
        p
    }

    /// Departures (about 9% a year after the first), successors and newcomers.
    fn turnover(&mut self, rng: &mut Rng, first_year: i32, last_year: i32) {
        let weights: Vec<f64> = self.structures.iter().map(|s| s.weight).collect();
        for year in first_year + 1..=last_year {
            let days = YearDays::new(year);
            let year_start = self.clock.year_start(year);
            for p in 0..self.profs.len() {
                if self.profs[p].from >= year_start
                    || self.profs[p].until != i64::MAX
                    || !rng.chance(0.09)
                {
                    continue;
                }
                let leave_day = working_day(days.uniform(rng));
                let left = self.clock.instant(leave_day, office_secs(rng));
                self.profs[p].until = left;
                if rng.chance(0.8) {
                    let start_day = working_day(leave_day + rng.range(14, 90));
                    let from = self.clock.instant(start_day, office_secs(rng));
                    let structure = self.profs[p].structure;
                    let successor = self.new_prof(rng, structure, from, from);
                    self.profs[p].successor = Some(successor);
                }
            }
            for _ in 0..rng.range(0, 2) {
                let day = working_day(days.uniform(rng));
                let from = self.clock.instant(day, office_secs(rng));
                let structure = rng.index_weighted(&weights);
                self.new_prof(rng, structure, from, from);
            }
        }
    }

    /// Who handles the youths of professional `p` at `t`: `p` while active, then their successor
    /// once they arrive; nobody before `p` arrives or between a departure and the successor.
    pub(crate) fn handler(&self, p: usize, t: i64) -> Option<usize> {
        let mut p = p;
        loop {
            let prof = &self.profs[p];
            if t < prof.from {
                return None;
            }
            if t < prof.until {
                return Some(p);
            }
            p = prof.successor?;
        }
    }

    /// Whether professional `p` is active at `t`.
    pub(crate) fn active(&self, p: usize, t: i64) -> bool {
        let prof = &self.profs[p];
        prof.from <= t && t < prof.until
    }

    /// The app a professional sends an event from.
    pub(crate) fn app(&self, rng: &mut Rng, p: usize) -> App {
        if rng.chance(self.profs[p].mobile_share) {
            App::Mobile
        } else {
            App::Web
        }
    }

    /// The pseudonym of the department's youth number `idx`: the same in every year.
    pub(crate) fn pseudonym(&self, idx: u32) -> YouthPseudonym {
        let mut s = String::with_capacity(36);
        s.push_str("yp1_");
        push_hex(
            &mut s,
            u128::from(key(&[self.key, 0x5EED, u64::from(idx)])),
            16,
        );
        push_hex(
            &mut s,
            u128::from(key(&[self.key, 0xF00D, u64::from(idx)])),
            16,
        );
        YouthPseudonym(s)
    }

    /// The `network.professional_enrolled` event of professional `p` at `t`, their role drawn from
    /// their structure's mix.
    pub(crate) fn enrolment(&self, rng: &mut Rng, p: usize, t: i64) -> Rec {
        let role = rng.weighted(role_mix(self.structures[self.profs[p].structure].kind));
        self.rec(
            t,
            rng.uuid(),
            App::Coordination,
            p,
            ProfessionalEnrolled { role },
        )
    }

    /// An event of professional `p` (in their structure).
    pub(crate) fn rec(
        &self,
        t: i64,
        id: u128,
        app: App,
        p: usize,
        payload: impl Into<Payload>,
    ) -> Rec {
        self.rec_in(t, id, app, self.profs[p].structure, p, payload)
    }

    /// An event of professional `p` in `structure`.
    pub(crate) fn rec_in(
        &self,
        t: i64,
        id: u128,
        app: App,
        structure: usize,
        p: usize,
        payload: impl Into<Payload>,
    ) -> Rec {
        let envelope = Envelope {
            event_id: EventId(uuid_string(id)),
            occurred_at: self.clock.datetime(t),
            source_app: pdn_schemas::ids::SourceApp(app.name().to_owned()),
            department: self.department.clone(),
            structure_id: self.structures[structure].id.clone(),
            professional_id: self.profs[p].id.clone(),
        };
        Rec {
            t,
            id,
            form: Form::Current,
            event: Event::new(envelope, payload),
        }
    }

    /// A day structures are open (`day` or within the next week), at an opening hour: a visit.
    pub(crate) fn visit_time(&self, rng: &mut Rng, day: i64) -> i64 {
        let day = open_day(rng, day);
        self.clock.instant(day, Day::of(day).opening_secs(rng))
    }
}
