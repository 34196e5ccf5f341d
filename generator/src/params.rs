//! The parameters planted in the simulation, in one place: the model reads them, and the ground truth
//! echoes them so that an analysis can check it recovers them.

use serde::Serialize;

/// P(a youth has another contact 30 days or more after the first) when the first contact was public.
pub(crate) const RETENTION_PUBLIC_FIRST: f64 = 0.38;
/// The same when the first contact was private.
pub(crate) const RETENTION_PRIVATE_FIRST: f64 = 0.55;
/// P(attendance within 60 days of the first contact) = base + step × min(contacts in 60 days, cap).
pub(crate) const CONVERSION_BASE: f64 = 0.10;
pub(crate) const CONVERSION_STEP: f64 = 0.05;
pub(crate) const CONVERSION_CAP: usize = 6;
/// Share of attendees who come back at least twice more within six months.
pub(crate) const CONTINUED_ATTENDANCE: f64 = 0.40;
/// Share of youths met online who were already known to their professional's structure.
pub(crate) const KNOWN_TO_STRUCTURE: f64 = 0.25;
/// P(referral) = base + step × min(contacts, cap).
pub(crate) const REFERRAL_BASE: f64 = 0.02;
pub(crate) const REFERRAL_STEP: f64 = 0.015;
pub(crate) const REFERRAL_CAP: usize = 8;
/// Share of referrals whose outcome becomes known.
pub(crate) const REFERRAL_OUTCOME_KNOWN: f64 = 0.75;
/// P(attended | outcome known).
pub(crate) const REFERRAL_ATTENDED: f64 = 0.65;
/// Share of youths with 3 contacts or more who move on to an individual accompaniment.
pub(crate) const ACCOMPANIMENT: f64 = 0.04;
/// Share of accompaniments with co-accompanying professionals.
pub(crate) const CO_ACCOMPANIMENT: f64 = 0.25;
/// Share of accompaniments closed (1 to 6 months after opening); the others stay open.
pub(crate) const ACCOMPANIMENT_CLOSED: f64 = 0.85;
/// Outcome weights of closed accompaniments: completed, redirected, abandoned, other.
pub(crate) const ACCOMPANIMENT_OUTCOMES: [u32; 4] = [60, 20, 15, 5];
/// P(concern flagged) for a youth who raised a sensitive theme.
pub(crate) const CONCERN: f64 = 0.13;
/// P(signalement) by concern level: low, medium, high.
pub(crate) const SIGNALEMENT: [f64; 3] = [0.04, 0.18, 0.45];
/// Share of contacts entered by mistake and later retracted.
pub(crate) const RETRACTED: f64 = 0.003;
/// Share of contacts later amended (duration or themes).
pub(crate) const AMENDED: f64 = 0.002;
/// Share of contacts sent in version 1 of `contact.recorded`.
pub(crate) const CONTACT_V1: f64 = 0.03;
/// P(the youth initiated the contact): first contact, later contacts.
pub(crate) const YOUTH_INITIATED: [f64; 2] = [0.40, 0.47];
/// P(the first contact is private) where the channel allows public contacts.
pub(crate) const FIRST_PRIVATE: f64 = 0.45;
/// Share of announced permanences that are held (the others are cancelled).
pub(crate) const PERMANENCE_HELD: f64 = 0.88;

/// The planted parameters, as written in the ground truth.
#[derive(Debug, Clone, Serialize)]
pub struct Planted {
    pub retention_probability_public_first: f64,
    pub retention_probability_private_first: f64,
    pub retention_window_days: u32,
    pub conversion: Conversion,
    pub continued_attendance_share: f64,
    pub known_to_structure_share: f64,
    pub referral: ReferralModel,
    pub referral_outcome_known_share: f64,
    pub referral_attended_probability: f64,
    pub accompaniment_share_of_youths_with_3_contacts: f64,
    pub co_accompaniment_share: f64,
    pub accompaniment_closed_share: f64,
    pub accompaniment_completed_share_of_closed: f64,
    pub concern_probability_after_sensitive_theme: f64,
    pub signalement_probability_low_medium_high: [f64; 3],
    pub retracted_contact_share: f64,
    pub amended_contact_share: f64,
    pub contact_v1_share: f64,
    pub youth_initiated_first_and_later: [f64; 2],
    pub first_contact_private_share: f64,
    pub permanence_held_share: f64,
    /// Where the planted values are not what an indicator measures.
    pub notes: Vec<&'static str>,
}

/// The online-to-structure conversion model.
#[derive(Debug, Clone, Serialize)]
pub struct Conversion {
    pub formula: &'static str,
    pub base: f64,
    pub per_contact: f64,
    pub max_contacts: usize,
    pub window_days: u32,
}

/// The referral model.
#[derive(Debug, Clone, Serialize)]
pub struct ReferralModel {
    pub formula: &'static str,
    pub base: f64,
    pub per_contact: f64,
    pub max_contacts: usize,
}

impl Planted {
    /// The parameters of this generator.
    pub(crate) fn current() -> Planted {
        Planted {
            retention_probability_public_first: RETENTION_PUBLIC_FIRST,
            retention_probability_private_first: RETENTION_PRIVATE_FIRST,
            retention_window_days: 30,
            conversion: Conversion {
                formula: "P(attends a structure within 60 days of the first contact) = base + per_contact * min(contacts in those 60 days, max_contacts)",
                base: CONVERSION_BASE,
                per_contact: CONVERSION_STEP,
                max_contacts: CONVERSION_CAP,
                window_days: 60,
            },
            continued_attendance_share: CONTINUED_ATTENDANCE,
            known_to_structure_share: KNOWN_TO_STRUCTURE,
            referral: ReferralModel {
                formula: "P(youth referred) = base + per_contact * min(contacts, max_contacts)",
                base: REFERRAL_BASE,
                per_contact: REFERRAL_STEP,
                max_contacts: REFERRAL_CAP,
            },
            referral_outcome_known_share: REFERRAL_OUTCOME_KNOWN,
            referral_attended_probability: REFERRAL_ATTENDED,
            accompaniment_share_of_youths_with_3_contacts: ACCOMPANIMENT,
            co_accompaniment_share: CO_ACCOMPANIMENT,
            accompaniment_closed_share: ACCOMPANIMENT_CLOSED,
            accompaniment_completed_share_of_closed: f64::from(ACCOMPANIMENT_OUTCOMES[0]) / 100.0,
            concern_probability_after_sensitive_theme: CONCERN,
            signalement_probability_low_medium_high: SIGNALEMENT,
            retracted_contact_share: RETRACTED,
            amended_contact_share: AMENDED,
            contact_v1_share: CONTACT_V1,
            youth_initiated_first_and_later: YOUTH_INITIATED,
            first_contact_private_share: FIRST_PRIVATE,
            permanence_held_share: PERMANENCE_HELD,
            notes: vec![
                "measured rates are lower than planted ones near the end of the generated years: later contacts, visits and outcomes fall after the last day and are not written",
                "a youth's contacts stop when their professional leaves and nobody takes over yet",
                "new youths of the first generated year include youths who were in fact in contact before it",
            ],
        }
    }
}
