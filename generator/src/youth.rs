//! Young people's trajectories: contacts, visits to structures, referrals, accompaniments, concerns
//! and corrections.
//!
//! A youth's whole trajectory is a pure function of the department's plan and the youth's own random
//! stream, so it can be replayed: each generated year plays every youth still in its trajectory and
//! keeps only the events of that year. Every draw is made whatever the window, so that a replay
//! draws exactly what the first play drew.

use pdn_schemas::ids::{EventId, YouthPseudonym};
use pdn_schemas::payload::*;
use pdn_schemas::taxonomy::*;
use pdn_schemas::EventType;

use crate::calendar::{office_secs, Day, DAY, HOUR, MAX_CONTACT_WEIGHT};
use crate::mixes;
use crate::params::*;
use crate::record::{App, Form, Rec, Sink, Window};
use crate::rng::{key, uuid_string, Rng};
use crate::world::World;

mod pathways;

/// How a youth comes to the network.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Kind {
    /// Met online by professional `prof` (and sometimes a second one).
    Online { prof: usize, second: Option<usize> },
    /// Comes to `structure` without any online contact.
    WalkIn { structure: usize },
}

/// A youth of the department.
#[derive(Debug, Clone)]
pub(crate) struct Youth {
    /// Number in the department: decides the pseudonym and the random stream.
    pub(crate) idx: u32,
    /// First contact (online) or first visit (walk-in).
    pub(crate) t0: i64,
    pub(crate) kind: Kind,
}

/// Who a youth is, drawn first in their stream.
struct Persona {
    /// Age at the first contact; 0 when unknown.
    age0: i64,
    /// Days from the first contact to the next birthday.
    birthday: i64,
    main_channel: Channel,
    interests: [Theme; 2],
    /// The sensitive theme they may come to raise.
    sensitive: Option<Theme>,
    /// Already known to their professional's structure.
    known: bool,
}

impl Persona {
    fn draw(r: &mut Rng) -> Persona {
        let band = r.weighted(mixes::AGE_BANDS);
        let age0 = match band {
            AgeBand::A11To14 => r.range(11, 14),
            AgeBand::A15To17 => r.range(15, 17),
            AgeBand::A18To21 => r.range(18, 21),
            AgeBand::A22To25 => r.range(22, 25),
            AgeBand::A26Plus => r.range(26, 29),
            AgeBand::Unknown => 0,
        };
        let birthday = r.range(0, 364);
        let main_channel = r.weighted(mixes::channels(band));
        let first = r.weighted(mixes::everyday_themes(band));
        let mut second = r.weighted(mixes::everyday_themes(band));
        if second == first {
            second = Theme::SocialLink;
        }
        let sensitive = if r.chance(mixes::sensitive_share(band)) {
            Some(r.weighted(mixes::sensitive_themes(band)))
        } else {
            None
        };
        let known = r.chance(KNOWN_TO_STRUCTURE);
        Persona {
            age0,
            birthday,
            main_channel,
            interests: [first, second],
            sensitive,
            known,
        }
    }

    /// The age band `days` after the first contact: it advances with birthdays.
    fn band(&self, days: i64) -> AgeBand {
        match self.age0 {
            0 => AgeBand::Unknown,
            age if days < self.birthday => mixes::band_of(age),
            age => mixes::band_of(age + 1 + (days - self.birthday) / 365),
        }
    }

    /// One to three themes of contact number `k` (from 0): sensitive themes mostly from the third
    /// contact on, when trust has grown.
    fn themes(&self, r: &mut Rng, k: usize, band: AgeBand) -> Vec<Theme> {
        let count = r.weighted(&[(1, 60), (2, 30), (3, 10)]);
        let mut themes = Vec::with_capacity(count);
        if let Some(s) = self.sensitive {
            if r.chance(if k >= 2 { 0.40 } else { 0.06 }) {
                themes.push(s);
            }
        }
        for _ in 0..8 {
            if themes.len() >= count {
                break;
            }
            let t = if r.chance(0.65) {
                self.interests[r.below(2) as usize]
            } else {
                r.weighted(mixes::everyday_themes(band))
            };
            if !themes.contains(&t) {
                themes.push(t);
            }
        }
        themes
    }
}

/// A contact as drawn, before it is written (or not, outside the window or with nobody to log it).
struct Contact {
    t: i64,
    handler: Option<usize>,
    channel: Channel,
    visibility: Visibility,
    initiated_by: Initiator,
    themes: Vec<Theme>,
    band: AgeBand,
    duration: u16,
    delay: Option<u32>,
    v1: bool,
}

impl Contact {
    /// The payload as the validator reads it (a version-1 contact is upcast).
    fn payload(&self, w: &World, youth: &YouthPseudonym) -> ContactRecorded {
        let perm = self
            .handler
            .and_then(|h| w.profs[h].held_at(self.t).map(|p| (h, p.seq)));
        ContactRecorded {
            youth: youth.clone(),
            channel: self.channel,
            initiated_by: self.initiated_by,
            visibility: self.visibility,
            in_permanence: perm.is_some(),
            permanence_id: perm.filter(|_| !self.v1).map(|(h, seq)| w.perm_id(h, seq)),
            themes: if self.v1 {
                self.themes[..1].to_vec()
            } else {
                self.themes.clone()
            },
            age_band: self.band,
            duration_minutes: self.duration,
            response_delay_minutes: if self.v1 { None } else { self.delay },
        }
    }
}

/// Pushes events into the sink when they fall in the window.
struct Out<'a> {
    w: &'a World,
    win: Window,
    sink: &'a mut Sink,
    youth: YouthPseudonym,
    /// The latest instant planned, written or not.
    last: i64,
}

impl Out<'_> {
    /// Notes instant `t`; true when an event at `t` is to be written.
    fn at(&mut self, t: i64) -> bool {
        self.last = self.last.max(t);
        self.win.contains(t)
    }

    fn push(&mut self, rec: Rec) {
        self.sink.push(rec);
    }
}

/// Other professionals active at `t`, besides `but`: up to `n`.
fn others(r: &mut Rng, w: &World, but: usize, t: i64, n: usize) -> Vec<usize> {
    let mut found = Vec::with_capacity(n);
    for _ in 0..4 * n {
        let p = r.below(w.profs.len() as u64) as usize;
        if found.len() < n && p != but && !found.contains(&p) && w.active(p, t) {
            found.push(p);
        }
    }
    found
}

impl Youth {
    /// Plays the youth's trajectory, writing the events of `win` into `sink`; returns the latest
    /// instant of the trajectory.
    pub(crate) fn play(&self, w: &World, win: Window, sink: &mut Sink) -> i64 {
        let mut r = Rng::new(key(&[w.key, 2, u64::from(self.idx)]));
        let persona = Persona::draw(&mut r);
        let mut out = Out {
            w,
            win,
            sink,
            youth: w.pseudonym(self.idx),
            last: self.t0,
        };
        match self.kind {
            Kind::Online { prof, second } => {
                let contacts = self.contacts(&mut r, &persona, prof, second, &mut out);
                self.visits(&mut r, &persona, prof, &contacts, &mut out);
                self.referral(&mut r, &persona, &contacts, &mut out);
                self.accompaniment(&mut r, &persona, &contacts, &mut out);
                self.concern(&mut r, &persona, &contacts, &mut out);
            }
            Kind::WalkIn { structure } => self.walk_in(&mut r, &persona, structure, &mut out),
        }
        out.last
    }

    /// Days (from the first contact's day) of the contacts: a few within three weeks for youths who
    /// drop out, a heavy-tailed number spread over one to eighteen months for the others.
    fn contact_days(&self, r: &mut Rng, retained: bool, day0: i64) -> Vec<i64> {
        let mut days = vec![0];
        if retained {
            let n = ((2.3 * r.pareto(1.5)).round() as usize).clamp(2, 150);
            let span = r.log_normal(100.0, 0.8).clamp(32.0, 540.0) as i64;
            let mut previous = 0;
            for _ in 2..n {
                let d = if r.chance(0.5) {
                    previous + r.log_normal(2.0, 1.0) as i64
                } else {
                    r.range(0, span)
                };
                previous = d.min(span);
                days.push(previous);
            }
            days.push(span);
            if r.chance(0.12) {
                let back = span + r.range(120, 420);
                for _ in 0..r.range(1, 4) {
                    days.push(back + r.range(0, 10));
                }
            }
        } else {
            for _ in 1..r.weighted(&[(1, 55), (2, 28), (3, 12), (4, 5)]) {
                days.push(r.range(0, 22));
            }
        }
        for d in days.iter_mut().skip(1) {
            while r.f64() * MAX_CONTACT_WEIGHT > Day::of(day0 + *d).contact_weight() {
                *d += 1;
            }
            if !retained {
                *d = (*d).min(27);
            }
        }
        days.sort_unstable();
        days
    }

    fn contacts(
        &self,
        r: &mut Rng,
        persona: &Persona,
        prof: usize,
        second: Option<usize>,
        out: &mut Out,
    ) -> Vec<Contact> {
        let w = out.w;
        let clock = &w.clock;
        let day0 = clock.local_day(self.t0);
        let first_private =
            !mixes::has_public_side(persona.main_channel) || r.chance(FIRST_PRIVATE);
        let retained = r.chance(if first_private {
            RETENTION_PRIVATE_FIRST
        } else {
            RETENTION_PUBLIC_FIRST
        });
        let days = self.contact_days(r, retained, day0);
        let mut contacts: Vec<Contact> = Vec::with_capacity(days.len());
        for (k, &d) in days.iter().enumerate() {
            let day = day0 + d;
            let assigned = match second {
                Some(s) if k > 0 && r.chance(0.25) => s,
                _ => prof,
            };
            let expected = w.handler(assigned, clock.instant(day, 12 * HOUR));
            let mut t = if k == 0 {
                self.t0
            } else {
                match expected.and_then(|h| w.profs[h].held_on(clock, day)) {
                    Some(p) if r.chance(0.5) => p.start + r.below((p.end - p.start) as u64) as i64,
                    _ => clock.instant(day, Day::of(day).contact_secs(r)),
                }
            };
            if let Some(previous) = contacts.last() {
                if t <= previous.t {
                    t = previous.t + r.range(120, 1800);
                }
            }
            let handler = w.handler(assigned, t);
            let band = persona.band((t - self.t0) / DAY);
            let channel = if k == 0 || r.chance(0.7) {
                persona.main_channel
            } else {
                r.weighted(mixes::channels(band))
            };
            let visibility = if (k == 0 && !first_private)
                || (k > 0 && mixes::has_public_side(channel) && r.chance(0.2))
            {
                Visibility::Public
            } else {
                Visibility::Private
            };
            let initiated_by = if r.chance(YOUTH_INITIATED[usize::from(k > 0)]) {
                Initiator::Youth
            } else {
                Initiator::Professional
            };
            let themes = persona.themes(r, k, band);
            let duration = match visibility {
                Visibility::Public => r.range(1, 5) as u16,
                Visibility::Private => r.log_normal(10.0, 0.8).clamp(1.0, 60.0) as u16,
            };
            let delay = match initiated_by {
                Initiator::Youth => {
                    let night = !(7..23).contains(&clock.local_hour(t));
                    Some(
                        (r.log_normal(45.0, 1.1) * if night { 3.0 } else { 1.0 }).min(20_160.0)
                            as u32,
                    )
                }
                Initiator::Professional => None,
            };
            let v1 = r.chance(CONTACT_V1);
            let app = handler.map(|h| w.app(r, h));
            let id = r.uuid();
            let contact = Contact {
                t,
                handler,
                channel,
                visibility,
                initiated_by,
                themes,
                band,
                duration,
                delay,
                v1,
            };
            if let (Some(h), Some(app)) = (handler, app) {
                if out.at(t) {
                    let mut rec = w.rec(t, id, app, h, contact.payload(w, &out.youth));
                    if v1 {
                        rec.form = Form::ContactV1;
                    }
                    out.push(rec);
                    out.sink.contacted.push((h, t, self.idx));
                }
                self.corrections(r, &contact, id, h, app, out);
            }
            contacts.push(contact);
        }
        contacts
    }

    /// A contact entered twice by mistake and retracted, or amended (duration or themes).
    fn corrections(&self, r: &mut Rng, c: &Contact, id: u128, h: usize, app: App, out: &mut Out) {
        let w = out.w;
        let day = w.clock.local_day(c.t);
        if r.chance(RETRACTED) {
            let copy_t = c.t + r.range(60, 1200);
            let retract_t = w.clock.instant(day + r.range(1, 10), office_secs(r));
            let duplicate = r.chance(0.6);
            let wrong_channel = r.weighted(mixes::channels(c.band));
            let (copy_id, retract_id) = (r.uuid(), r.uuid());
            let handlers = (w.handler(h, copy_t), w.handler(h, retract_t));
            if let (Some(copier), Some(corrector), true) =
                (handlers.0, handlers.1, retract_t < w.range.end)
            {
                if out.at(copy_t) {
                    let mut payload = c.payload(w, &out.youth);
                    payload.permanence_id = None;
                    payload.in_permanence = false;
                    if !duplicate {
                        payload.channel = wrong_channel;
                    }
                    let mut rec = w.rec(copy_t, copy_id, app, copier, payload);
                    rec.form = Form::Retracted;
                    out.push(rec);
                }
                if out.at(retract_t) {
                    let reason = if duplicate {
                        CorrectionReason::Duplicate
                    } else {
                        CorrectionReason::EntryError
                    };
                    let payload = EventRetracted {
                        target_event_id: EventId(uuid_string(copy_id)),
                        reason,
                    };
                    out.push(w.rec(retract_t, retract_id, App::Web, corrector, payload));
                }
            }
        }
        if !c.v1 && r.chance(AMENDED) {
            let amend_t = w.clock.instant(day + r.range(1, 10), office_secs(r));
            let duration = r.range(1, 60) as u16;
            let change_duration = r.chance(0.5);
            let theme = r.weighted(mixes::everyday_themes(c.band));
            let reason = if r.chance(0.8) {
                CorrectionReason::EntryError
            } else {
                CorrectionReason::Other
            };
            let amend_id = r.uuid();
            if let (Some(corrector), true) = (w.handler(h, amend_t), out.at(amend_t)) {
                let mut replacement = c.payload(w, &out.youth);
                if change_duration {
                    replacement.duration_minutes = if duration == c.duration {
                        duration % 60 + 1
                    } else {
                        duration
                    };
                } else {
                    replacement.themes = vec![if c.themes == [theme] {
                        Theme::Other
                    } else {
                        theme
                    }];
                    if replacement.themes == c.themes {
                        replacement.themes.push(Theme::SocialLink);
                    }
                }
                let replacement = serde_json::to_value(&replacement)
                    .ok()
                    .and_then(|v| v.as_object().cloned())
                    .expect("a payload serialises to a JSON object");
                let payload = EventAmended {
                    target_event_id: EventId(uuid_string(id)),
                    reason,
                    target_type: EventType::ContactRecorded,
                    replacement,
                };
                out.push(w.rec(amend_t, amend_id, App::Web, corrector, payload));
            }
        }
    }
}
