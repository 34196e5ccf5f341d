//! What follows a youth's contacts: visits to the structure, a referral, an accompaniment, a
//! concern; and the trajectories of youths who come to a structure without online contact.

use pdn_schemas::ids::LocalId;
use pdn_schemas::payload::*;
use pdn_schemas::taxonomy::*;

use super::{others, Contact, Out, Persona, Youth};
use crate::calendar::{office_secs, DAY, HOUR};
use crate::mixes;
use crate::params::*;
use crate::record::App;
use crate::rng::Rng;

impl Youth {
    /// Visits to the professional's structure: within 60 days of the first contact with the planted
    /// conversion probability (a few later), and often again for those who liked it.
    pub(super) fn visits(
        &self,
        r: &mut Rng,
        persona: &Persona,
        prof: usize,
        contacts: &[Contact],
        out: &mut Out,
    ) {
        let w = out.w;
        let day0 = w.clock.local_day(self.t0);
        let early = contacts
            .iter()
            .filter(|c| c.t - self.t0 <= 60 * DAY)
            .count();
        let converts =
            r.chance(CONVERSION_BASE + CONVERSION_STEP * early.min(CONVERSION_CAP) as f64);
        let first = if converts {
            day0 + r.range(1, 52)
        } else if r.chance(0.06) {
            day0 + r.range(61, 240)
        } else {
            return;
        };
        let mut days = vec![first];
        if r.chance(CONTINUED_ATTENDANCE) {
            for _ in 0..r.range(2, 12) {
                days.push(first + r.range(1, 180));
            }
        } else if r.chance(0.35) {
            days.push(first + r.range(1, 180));
        }
        days.sort_unstable();
        for (i, &day) in days.iter().enumerate() {
            let t = w.visit_time(r, day);
            let activity = r.weighted(mixes::ACTIVITIES);
            let id = r.uuid();
            if let Some(h) = w.handler(prof, t) {
                if out.at(t) {
                    let band = persona.band((t - self.t0) / DAY);
                    let payload = AttendanceRecorded {
                        youth: out.youth.clone(),
                        activity,
                        age_band: band,
                        new_to_structure: i == 0 && !persona.known,
                    };
                    out.push(w.rec(t, id, App::Register, h, payload));
                }
            }
        }
    }

    /// A referral, more likely with more contacts, to a destination matching the themes raised;
    /// its outcome becomes known for most.
    pub(super) fn referral(
        &self,
        r: &mut Rng,
        persona: &Persona,
        contacts: &[Contact],
        out: &mut Out,
    ) {
        let w = out.w;
        let n = contacts.len();
        if !r.chance(REFERRAL_BASE + REFERRAL_STEP * n.min(REFERRAL_CAP) as f64) {
            return;
        }
        let k = match contacts
            .iter()
            .position(|c| c.themes.iter().any(|t| t.is_sensitive()))
        {
            Some(k) => k,
            None => r.below(n as u64) as usize,
        };
        let c = &contacts[k];
        let theme = c
            .themes
            .iter()
            .copied()
            .find(|t| t.is_sensitive())
            .unwrap_or(c.themes[0]);
        let destination = r.weighted(mixes::destinations(theme));
        let urgency = r.weighted(mixes::urgencies(theme.is_sensitive()));
        let t = c.t + r.range(5, 240) * 60;
        let known = r.chance(REFERRAL_OUTCOME_KNOWN);
        let known_t = w
            .clock
            .instant(w.clock.local_day(t) + r.range(2, 30), office_secs(r));
        let outcome = if r.chance(REFERRAL_ATTENDED) {
            ReferralOutcome::Attended
        } else {
            r.weighted(mixes::REFERRAL_OUTCOMES_OTHER)
        };
        let (made_id, known_id) = (r.uuid(), r.uuid());
        let Some(h) = c.handler.and_then(|h| w.handler(h, t)) else {
            return;
        };
        let app = w.app(r, h);
        let referral_id = LocalId(format!("ref-{}-{:07}", w.code, self.idx));
        if out.at(t) {
            let age_band = persona.band((t - self.t0) / DAY);
            let payload = ReferralMade {
                referral_id: referral_id.clone(),
                youth: out.youth.clone(),
                destination,
                urgency,
                age_band,
            };
            out.push(w.rec(t, made_id, app, h, payload));
        }
        if known {
            if let Some(h) = w.handler(h, known_t) {
                if out.at(known_t) {
                    out.push(w.rec(
                        known_t,
                        known_id,
                        App::Web,
                        h,
                        ReferralOutcomeKnown {
                            referral_id,
                            outcome,
                        },
                    ));
                }
            }
        }
    }

    /// An individual accompaniment after the third contact or later, sometimes with other
    /// professionals; updated now and then; closed one to six months later for most.
    pub(super) fn accompaniment(
        &self,
        r: &mut Rng,
        persona: &Persona,
        contacts: &[Contact],
        out: &mut Out,
    ) {
        let w = out.w;
        let n = contacts.len();
        if n < 3 || !r.chance(ACCOMPANIMENT) {
            return;
        }
        let c = &contacts[r.range(2, n as i64 - 1) as usize];
        let open_t = w
            .clock
            .instant(w.clock.local_day(c.t) + r.range(1, 10), office_secs(r));
        let theme = c
            .themes
            .iter()
            .copied()
            .find(|t| !t.is_sensitive())
            .unwrap_or(persona.interests[0]);
        let co = r.chance(CO_ACCOMPANIMENT);
        let n_co = r.range(1, 2) as usize;
        let updated = r.chance(0.3);
        let update_t = open_t + r.range(10, 60) * DAY;
        let closed = r.chance(ACCOMPANIMENT_CLOSED);
        let close_t = open_t + r.range(30, 180) * DAY;
        let outcome =
            mixes::ACCOMPANIMENT_OUTCOMES[r.index_weighted(&ACCOMPANIMENT_OUTCOMES.map(f64::from))];
        let ids = [r.uuid(), r.uuid(), r.uuid()];
        let Some(h) = c.handler.and_then(|h| w.handler(h, open_t)) else {
            return;
        };
        let co_profs = if co {
            others(r, w, h, open_t, n_co)
        } else {
            Vec::new()
        };
        let newcomer = others(r, w, h, update_t, 1)
            .into_iter()
            .find(|p| !co_profs.contains(p));
        let accompaniment_id = LocalId(format!("acc-{}-{:07}", w.code, self.idx));
        let own = w.profs[h].structure;
        let mut co_structures = Vec::new();
        for &p in &co_profs {
            let s = w.profs[p].structure;
            if s != own && !co_structures.contains(&s) {
                co_structures.push(s);
            }
        }
        if out.at(open_t) {
            let payload = AccompanimentOpened {
                accompaniment_id: accompaniment_id.clone(),
                kind: AccompanimentKind::Individual,
                theme,
                youths: vec![out.youth.clone()],
                co_professionals: co_profs.iter().map(|&p| w.profs[p].id.clone()).collect(),
                co_structures: co_structures
                    .iter()
                    .map(|&s| w.structures[s].id.clone())
                    .collect(),
            };
            out.push(w.rec(open_t, ids[0], App::Web, h, payload));
        }
        if let (true, Some(p), Some(h)) = (updated, newcomer, w.handler(h, update_t)) {
            if out.at(update_t) {
                let s = w.profs[p].structure;
                let payload = AccompanimentUpdated {
                    accompaniment_id: accompaniment_id.clone(),
                    youths_added: Vec::new(),
                    youths_left: Vec::new(),
                    co_professionals_added: vec![w.profs[p].id.clone()],
                    co_structures_added: if s != own && !co_structures.contains(&s) {
                        vec![w.structures[s].id.clone()]
                    } else {
                        Vec::new()
                    },
                };
                out.push(w.rec(update_t, ids[1], App::Web, h, payload));
            }
        }
        if let (true, Some(h)) = (closed, w.handler(h, close_t)) {
            if out.at(close_t) {
                out.push(w.rec(
                    close_t,
                    ids[2],
                    App::Web,
                    h,
                    AccompanimentClosed {
                        accompaniment_id,
                        outcome,
                    },
                ));
            }
        }
    }

    /// A concern after a sensitive theme came up, and for some a signalement a few days later.
    pub(super) fn concern(
        &self,
        r: &mut Rng,
        persona: &Persona,
        contacts: &[Contact],
        out: &mut Out,
    ) {
        let w = out.w;
        let Some(c) = contacts
            .iter()
            .find(|c| c.themes.iter().any(|t| t.is_sensitive()))
        else {
            return;
        };
        if !r.chance(CONCERN) {
            return;
        }
        let theme = c
            .themes
            .iter()
            .copied()
            .find(|t| t.is_sensitive())
            .unwrap_or(Theme::Other);
        let level = r.weighted(mixes::CONCERN_LEVELS);
        let t = c.t + r.range(10, 600) * 60;
        let signalement = r.chance(SIGNALEMENT[level as usize]);
        let signalement_t = t + r.range(HOUR, 5 * DAY);
        let destination = r.weighted(mixes::SIGNALEMENT_DESTINATIONS);
        let ids = [r.uuid(), r.uuid()];
        let Some(h) = c.handler.and_then(|h| w.handler(h, t)) else {
            return;
        };
        let concern_id = LocalId(format!("cnc-{}-{:07}", w.code, self.idx));
        if out.at(t) {
            let payload = ConcernFlagged {
                concern_id: concern_id.clone(),
                youth: out.youth.clone(),
                level,
                category: mixes::concern_category(theme),
                age_band: persona.band((t - self.t0) / DAY),
            };
            out.push(w.rec(t, ids[0], App::Web, h, payload));
        }
        if let (true, Some(h)) = (signalement, w.handler(h, signalement_t)) {
            if out.at(signalement_t) {
                let payload = SignalementMade {
                    concern_id,
                    youth: out.youth.clone(),
                    level,
                    destination,
                };
                out.push(w.rec(signalement_t, ids[1], App::Web, h, payload));
            }
        }
    }

    /// A youth who comes to a structure without online contact: one visit or a few.
    pub(super) fn walk_in(&self, r: &mut Rng, persona: &Persona, structure: usize, out: &mut Out) {
        let w = out.w;
        let day0 = w.clock.local_day(self.t0);
        let more = r.weighted(&[(0, 45), (1, 20), (2, 10), (3, 10), (5, 8), (8, 7)]);
        let mut times = vec![self.t0];
        for _ in 0..more {
            let day = day0 + r.range(1, 200);
            times.push(w.visit_time(r, day));
        }
        times.sort_unstable();
        for (i, &t) in times.iter().enumerate() {
            let activity = r.weighted(mixes::ACTIVITIES);
            let pick = r.next_u64();
            let id = r.uuid();
            let staff: Vec<usize> = (0..w.profs.len())
                .filter(|&p| w.profs[p].structure == structure && w.active(p, t))
                .collect();
            if !out.at(t) || staff.is_empty() {
                continue;
            }
            let payload = AttendanceRecorded {
                youth: out.youth.clone(),
                activity,
                age_band: persona.band((t - self.t0) / DAY),
                new_to_structure: i == 0,
            };
            out.push(w.rec(
                t,
                id,
                App::Register,
                staff[(pick % staff.len() as u64) as usize],
                payload,
            ));
        }
    }
}
