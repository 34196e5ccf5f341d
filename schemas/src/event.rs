//! Events: the envelope every event carries, the catalogue of event types, and the typed payload.
//!
//! Invariants:
//! - an [`Event`] only comes out of [`crate::validate`] (or is built by code that produces valid
//!   events, like the generator); there is deliberately no `Deserialize` for it;
//! - an `Event` always holds its payload in the current schema version of its type: older versions
//!   are upcast on the way in, and [`Event::received_version`] remembers what was sent.

use chrono::{DateTime, FixedOffset};
use schemars::JsonSchema;
use serde::ser::SerializeStruct;
use serde::{Deserialize, Serialize};

use crate::ids::{Department, EventId, ProfessionalId, SourceApp, StructureId};
use crate::payload::*;

/// The family of an event: which table of the event store it lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Family {
    Network,
    Contact,
    Permanence,
    Accompaniment,
    Referral,
    Attendance,
    Initiative,
    Collaboration,
    Prevention,
    Correction,
}

impl Family {
    /// Every family, in the order of DOMAIN.md §2.
    pub const ALL: &'static [Family] = &[
        Family::Network,
        Family::Contact,
        Family::Permanence,
        Family::Accompaniment,
        Family::Referral,
        Family::Attendance,
        Family::Initiative,
        Family::Collaboration,
        Family::Prevention,
        Family::Correction,
    ];

    /// The family's name, also the name of its table in the event store.
    pub fn name(self) -> &'static str {
        match self {
            Family::Network => "network",
            Family::Contact => "contact",
            Family::Permanence => "permanence",
            Family::Accompaniment => "accompaniment",
            Family::Referral => "referral",
            Family::Attendance => "attendance",
            Family::Initiative => "initiative",
            Family::Collaboration => "collaboration",
            Family::Prevention => "prevention",
            Family::Correction => "correction",
        }
    }

    /// The event types of this family.
    pub fn event_types(self) -> impl Iterator<Item = EventType> {
        EventType::ALL
            .iter()
            .copied()
            .filter(move |t| t.family() == self)
    }
}

/// Declares the catalogue of event types: each line gives the variant (also the payload type's
/// name), the wire code, the family and the current schema version.
macro_rules! event_types {
    ($($variant:ident = $code:literal, $family:ident, $version:literal;)+) => {
        /// The type of an event, sent as its `type` field.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
        pub enum EventType {
            $( #[serde(rename = $code)] $variant, )+
        }

        impl EventType {
            /// Every event type.
            pub const ALL: &'static [EventType] = &[$(EventType::$variant),+];

            /// The wire code, e.g. `contact.recorded`.
            pub fn code(self) -> &'static str {
                match self { $(EventType::$variant => $code),+ }
            }

            /// The type whose wire code is `code`, if any.
            pub fn from_code(code: &str) -> Option<Self> {
                match code { $($code => Some(EventType::$variant),)+ _ => None }
            }

            /// The family (event-store table) of this type.
            pub fn family(self) -> Family {
                match self { $(EventType::$variant => Family::$family),+ }
            }

            /// The current schema version of this type; versions `1..=current` are accepted.
            pub fn current_version(self) -> u16 {
                match self { $(EventType::$variant => $version),+ }
            }

            /// The JSON Schema of this type's current payload, registered in `generator`.
            pub fn payload_schema(self, generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
                match self { $(EventType::$variant => generator.subschema_for::<$variant>()),+ }
            }
        }

        /// The typed payload of an event, in the current version of its type.
        #[derive(Debug, Clone, PartialEq)]
        pub enum Payload {
            $( $variant($variant), )+
        }

        impl Payload {
            /// The type of event this payload belongs to.
            pub fn event_type(&self) -> EventType {
                match self { $(Payload::$variant(_) => EventType::$variant),+ }
            }

            /// Reads a current-version payload of type `event_type`, keeping the path of any error.
            pub fn from_value(
                event_type: EventType,
                value: serde_json::Value,
            ) -> Result<Payload, serde_path_to_error::Error<serde_json::Error>> {
                Ok(match event_type {
                    $(EventType::$variant => Payload::$variant(serde_path_to_error::deserialize(value)?),)+
                })
            }

            /// Reads the payload of `event_type`, in its current version, straight from JSON text.
            pub fn from_json(event_type: EventType, text: &str) -> Result<Payload, serde_json::Error> {
                Ok(match event_type {
                    $(EventType::$variant => Payload::$variant(serde_json::from_str(text)?),)+
                })
            }

            fn serialize_inner<S: serde::Serializer>(&self, s: &mut S::SerializeStruct) -> Result<(), S::Error> {
                match self { $(Payload::$variant(p) => s.serialize_field("payload", p)),+ }
            }

            /// The payload as a JSON value.
            pub fn to_value(&self) -> serde_json::Value {
                let value = match self { $(Payload::$variant(p) => serde_json::to_value(p)),+ };
                value.expect("payloads serialise to JSON")
            }
        }

        $(
            impl From<$variant> for Payload {
                fn from(p: $variant) -> Payload {
                    Payload::$variant(p)
                }
            }
        )+
    };
}

event_types! {
    ProfessionalEnrolled = "network.professional_enrolled", Network, 1;
    ProfessionalLeft = "network.professional_left", Network, 1;
    StructureRegistered = "network.structure_registered", Network, 1;
    AgreementStarted = "network.agreement_started", Network, 1;
    AgreementEnded = "network.agreement_ended", Network, 1;
    ContactRecorded = "contact.recorded", Contact, 2;
    PermanenceScheduled = "permanence.scheduled", Permanence, 1;
    PermanenceHeld = "permanence.held", Permanence, 1;
    PermanenceCancelled = "permanence.cancelled", Permanence, 1;
    AccompanimentOpened = "accompaniment.opened", Accompaniment, 1;
    AccompanimentUpdated = "accompaniment.updated", Accompaniment, 1;
    AccompanimentClosed = "accompaniment.closed", Accompaniment, 1;
    ReferralMade = "referral.made", Referral, 1;
    ReferralOutcomeKnown = "referral.outcome_known", Referral, 1;
    AttendanceRecorded = "attendance.recorded", Attendance, 1;
    InitiativeHeld = "initiative.held", Initiative, 1;
    CollaborationRecorded = "collaboration.recorded", Collaboration, 1;
    ConcernFlagged = "prevention.concern_flagged", Prevention, 1;
    SignalementMade = "prevention.signalement_made", Prevention, 1;
    EventRetracted = "correction.retracted", Correction, 1;
    EventAmended = "correction.amended", Correction, 1;
}

impl std::fmt::Display for EventType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// What every event carries besides its payload.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope {
    /// Producer-chosen unique id: the deduplication key.
    pub event_id: EventId,
    /// When the fact happened, with the producer's UTC offset (local time matters: evenings).
    pub occurred_at: DateTime<FixedOffset>,
    pub source_app: SourceApp,
    pub department: Department,
    pub structure_id: StructureId,
    pub professional_id: ProfessionalId,
}

/// A validated event, in the current schema version of its type.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub envelope: Envelope,
    pub payload: Payload,
    /// The schema version the producer sent (older versions are upcast).
    pub received_version: u16,
}

impl Event {
    /// An event of the current version of its payload's type.
    pub fn new(envelope: Envelope, payload: impl Into<Payload>) -> Event {
        let payload = payload.into();
        let received_version = payload.event_type().current_version();
        Event {
            envelope,
            payload,
            received_version,
        }
    }

    /// The event's type.
    pub fn event_type(&self) -> EventType {
        self.payload.event_type()
    }

    /// The event's family (event-store table).
    pub fn family(&self) -> Family {
        self.event_type().family()
    }

    /// The event as one line of NDJSON (no trailing newline), in the current version.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("events serialise to JSON")
    }
}

/// The envelope fields in their wire order, the only top-level fields an event may have.
pub const ENVELOPE_FIELDS: &[&str] = &[
    "event_id",
    "type",
    "schema_version",
    "occurred_at",
    "source_app",
    "department",
    "structure_id",
    "professional_id",
    "payload",
];

impl Serialize for Event {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let e = &self.envelope;
        let t = self.event_type();
        let mut s = serializer.serialize_struct("Event", ENVELOPE_FIELDS.len())?;
        s.serialize_field("event_id", &e.event_id)?;
        s.serialize_field("type", t.code())?;
        s.serialize_field("schema_version", &t.current_version())?;
        s.serialize_field("occurred_at", &e.occurred_at.to_rfc3339())?;
        s.serialize_field("source_app", &e.source_app)?;
        s.serialize_field("department", &e.department)?;
        s.serialize_field("structure_id", &e.structure_id)?;
        s.serialize_field("professional_id", &e.professional_id)?;
        self.payload.serialize_inner::<S>(&mut s)?;
        s.end()
    }
}
