//! The network events of a department: enrolments, departures, and the CAF agreements of
//! structures and professionals with their renewals.

use chrono::Months;
use pdn_schemas::ids::LocalId;
use pdn_schemas::payload::{AgreementEnded, AgreementStarted, ProfessionalLeft};
use pdn_schemas::taxonomy::AgreementSubject;

use super::World;
use crate::calendar::{date_of, day_of, office_secs, DAY, HOUR};
use crate::record::{App, Rec};
use crate::rng::Rng;

impl World {
    /// Enrolments of newcomers (professionals from number `initial` on), departures and the
    /// agreements of structures and professionals.
    pub(super) fn network_events(
        &self,
        rng: &mut Rng,
        registered: &[i64],
        initial: usize,
        recs: &mut Vec<Rec>,
    ) {
        let mut agreements = 0;
        for (s, &t) in registered.iter().enumerate() {
            let start = t + rng.range(DAY, 2 * DAY);
            self.agreements(
                rng,
                (AgreementSubject::Structure, s, s),
                start,
                i64::MAX,
                &mut agreements,
                recs,
            );
        }
        for p in 0..self.profs.len() {
            let prof = &self.profs[p];
            let (enrolled_at, until, structure) = (prof.enrolled_at, prof.until, prof.structure);
            if p >= initial {
                recs.push(self.enrolment(rng, p, enrolled_at));
            }
            if until < self.range.end {
                let months = ((until - enrolled_at) as f64 / (30.44 * DAY as f64)) as u16;
                recs.push(self.rec(
                    until,
                    rng.uuid(),
                    App::Coordination,
                    p,
                    ProfessionalLeft {
                        months_in_network: months,
                    },
                ));
            }
            let start = enrolled_at + rng.range(HOUR, 3 * DAY);
            self.agreements(
                rng,
                (AgreementSubject::Professional, structure, p),
                start,
                until,
                &mut agreements,
                recs,
            );
        }
    }

    /// A subject's chain of agreements from `start`: each lasts one to three years, ends, and is
    /// renewed the next day while the subject stays; a departure ends the agreement under way.
    fn agreements(
        &self,
        rng: &mut Rng,
        (subject, structure, prof): (AgreementSubject, usize, usize),
        mut start: i64,
        until: i64,
        counter: &mut u32,
        recs: &mut Vec<Rec>,
    ) {
        while start < self.range.end && start < until {
            *counter += 1;
            let agreement_id = LocalId(format!("agr-{}-{:04}", self.code, counter));
            let starts_on = date_of(self.clock.local_day(start));
            let ends_on = starts_on
                .checked_add_months(Months::new(12 * rng.range(1, 3) as u32))
                .and_then(|d| d.pred_opt())
                .expect("agreement dates are within chrono's range");
            let payload = AgreementStarted {
                agreement_id: agreement_id.clone(),
                subject,
                starts_on,
                ends_on,
            };
            recs.push(self.rec_in(
                start,
                rng.uuid(),
                App::Coordination,
                structure,
                prof,
                payload,
            ));
            let end_day = day_of(ends_on);
            let end = self.clock.instant(end_day, office_secs(rng));
            if until <= end {
                let ended_on = date_of(self.clock.local_day(until));
                let payload = AgreementEnded {
                    agreement_id,
                    subject,
                    ended_on,
                };
                recs.push(self.rec_in(
                    until + 60,
                    rng.uuid(),
                    App::Coordination,
                    structure,
                    prof,
                    payload,
                ));
                return;
            }
            let payload = AgreementEnded {
                agreement_id,
                subject,
                ended_on: ends_on,
            };
            recs.push(self.rec_in(end, rng.uuid(), App::Coordination, structure, prof, payload));
            start = self.clock.instant(end_day + 1, office_secs(rng));
        }
    }
}
