//! The payload of each event type, in its current schema version.
//!
//! Every payload rejects unknown fields. Optional fields may be omitted; lists that may be empty
//! default to empty. Formats and ranges that serde cannot express are checked by [`crate::check`].

use chrono::{DateTime, FixedOffset, NaiveDate};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::ids::{EventId, LocalId, ProfessionalId, StructureId, YouthPseudonym};
use crate::taxonomy::*;

/// `network.professional_enrolled`: a professional joined the network as a Promeneur du Net.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfessionalEnrolled {
    pub role: Role,
}

/// `network.professional_left`: a professional left the network.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfessionalLeft {
    #[schemars(range(min = 0, max = 600))]
    pub months_in_network: u16,
}

/// `network.structure_registered`: a structure joined the network's register.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StructureRegistered {
    pub structure_type: StructureType,
    pub commune: crate::ids::Commune,
    /// The structure serves a priority urban neighbourhood (QPV).
    pub qpv: bool,
    /// The structure is in a rural commune.
    pub rural: bool,
}

/// `network.agreement_started`: a CAF agreement of a professional or structure started.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AgreementStarted {
    pub agreement_id: LocalId,
    pub subject: AgreementSubject,
    #[serde(deserialize_with = "crate::time::de_date")]
    pub starts_on: NaiveDate,
    #[serde(deserialize_with = "crate::time::de_date")]
    pub ends_on: NaiveDate,
}

/// `network.agreement_ended`: a CAF agreement ended (expired or terminated).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AgreementEnded {
    pub agreement_id: LocalId,
    pub subject: AgreementSubject,
    #[serde(deserialize_with = "crate::time::de_date")]
    pub ended_on: NaiveDate,
}

/// `contact.recorded` (version 2): a contact with a young person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactRecorded {
    pub youth: YouthPseudonym,
    pub channel: Channel,
    pub initiated_by: Initiator,
    pub visibility: Visibility,
    /// The contact happened during an online permanence.
    pub in_permanence: bool,
    /// The permanence, when the contact happened during one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permanence_id: Option<LocalId>,
    /// One to five themes, without repetition.
    #[schemars(length(min = 1, max = 5))]
    pub themes: Vec<Theme>,
    pub age_band: AgeBand,
    #[schemars(range(min = 0, max = 480))]
    pub duration_minutes: u16,
    /// For a contact initiated by the youth: minutes until the professional's first answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 20160))]
    pub response_delay_minutes: Option<u32>,
}

/// `contact.recorded` version 1, still accepted and upcast to version 2 (see [`crate::upcast`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactRecordedV1 {
    pub youth: YouthPseudonym,
    pub channel: Channel,
    pub initiated_by_youth: bool,
    pub private: bool,
    pub in_permanence: bool,
    pub theme: Theme,
    pub age_band: AgeBand,
    #[schemars(range(min = 0, max = 480))]
    pub duration_minutes: u16,
}

/// `permanence.scheduled`: an online permanence was announced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PermanenceScheduled {
    pub permanence_id: LocalId,
    #[serde(deserialize_with = "crate::time::de_instant")]
    pub slot_start: DateTime<FixedOffset>,
    #[serde(deserialize_with = "crate::time::de_instant")]
    pub slot_end: DateTime<FixedOffset>,
    #[schemars(length(min = 1, max = 13))]
    pub channels: Vec<Channel>,
}

/// `permanence.held`: an announced permanence took place.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PermanenceHeld {
    pub permanence_id: LocalId,
    #[serde(deserialize_with = "crate::time::de_instant")]
    pub slot_start: DateTime<FixedOffset>,
    #[serde(deserialize_with = "crate::time::de_instant")]
    pub slot_end: DateTime<FixedOffset>,
    #[schemars(length(min = 1, max = 13))]
    pub channels: Vec<Channel>,
    #[schemars(range(min = 0, max = 1000))]
    pub youths_reached: u32,
}

/// `permanence.cancelled`: an announced permanence did not take place.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PermanenceCancelled {
    pub permanence_id: LocalId,
    pub reason: CancelReason,
}

/// `accompaniment.opened`: an individual or collective project accompaniment started.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AccompanimentOpened {
    pub accompaniment_id: LocalId,
    pub kind: AccompanimentKind,
    pub theme: Theme,
    #[schemars(length(min = 1, max = 50))]
    pub youths: Vec<YouthPseudonym>,
    /// Other professionals accompanying the project.
    #[serde(default)]
    #[schemars(length(max = 20))]
    pub co_professionals: Vec<ProfessionalId>,
    /// Other structures accompanying the project.
    #[serde(default)]
    #[schemars(length(max = 20))]
    pub co_structures: Vec<StructureId>,
}

/// `accompaniment.updated`: youths or partners joined or left an accompaniment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AccompanimentUpdated {
    pub accompaniment_id: LocalId,
    #[serde(default)]
    #[schemars(length(max = 50))]
    pub youths_added: Vec<YouthPseudonym>,
    #[serde(default)]
    #[schemars(length(max = 50))]
    pub youths_left: Vec<YouthPseudonym>,
    #[serde(default)]
    #[schemars(length(max = 20))]
    pub co_professionals_added: Vec<ProfessionalId>,
    #[serde(default)]
    #[schemars(length(max = 20))]
    pub co_structures_added: Vec<StructureId>,
}

/// `accompaniment.closed`: an accompaniment ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AccompanimentClosed {
    pub accompaniment_id: LocalId,
    pub outcome: AccompanimentOutcome,
}

/// `referral.made`: a young person was referred to a competent service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReferralMade {
    pub referral_id: LocalId,
    pub youth: YouthPseudonym,
    pub destination: Destination,
    pub urgency: Urgency,
    pub age_band: AgeBand,
}

/// `referral.outcome_known`: the professional learnt what became of a referral.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReferralOutcomeKnown {
    pub referral_id: LocalId,
    pub outcome: ReferralOutcome,
}

/// `attendance.recorded`: a young person came to the structure of the envelope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AttendanceRecorded {
    pub youth: YouthPseudonym,
    pub activity: ActivityKind,
    pub age_band: AgeBand,
    /// The structure's register did not know this young person before.
    pub new_to_structure: bool,
}

/// `initiative.held`: a collective online initiative took place.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InitiativeHeld {
    pub initiative_id: LocalId,
    pub theme: Theme,
    pub format: InitiativeFormat,
    #[schemars(length(min = 1, max = 13))]
    pub channels: Vec<Channel>,
    #[schemars(range(min = 0, max = 100000))]
    pub youths_count: u32,
    #[serde(default)]
    #[schemars(length(max = 20))]
    pub partner_structures: Vec<StructureId>,
}

/// `collaboration.recorded`: professionals met or worked together.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CollaborationRecorded {
    pub collaboration_id: LocalId,
    pub kind: CollaborationKind,
    #[schemars(length(min = 1, max = 200))]
    pub participants: Vec<ProfessionalId>,
    #[schemars(length(min = 1, max = 100))]
    pub structures: Vec<StructureId>,
    #[schemars(range(min = 0, max = 1440))]
    pub duration_minutes: u16,
}

/// `prevention.concern_flagged`: a professional flagged a concern about a young person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConcernFlagged {
    pub concern_id: LocalId,
    pub youth: YouthPseudonym,
    pub level: ConcernLevel,
    pub category: ConcernCategory,
    pub age_band: AgeBand,
}

/// `prevention.signalement_made`: a worrying situation was reported to the authorities.
/// Only the fact, level and destination are recorded, never the content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SignalementMade {
    pub concern_id: LocalId,
    pub youth: YouthPseudonym,
    pub level: ConcernLevel,
    pub destination: SignalementDestination,
}

/// `correction.retracted`: an earlier event should be read as if it had never been recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EventRetracted {
    pub target_event_id: EventId,
    pub reason: CorrectionReason,
}

/// `correction.amended`: an earlier event should be read with another payload. The replacement is a
/// complete payload of the target's type, in that type's current version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EventAmended {
    pub target_event_id: EventId,
    pub reason: CorrectionReason,
    /// The type of the amended event (any type but a correction).
    pub target_type: crate::event::EventType,
    /// The payload the amended event should have had.
    pub replacement: serde_json::Map<String, serde_json::Value>,
}
