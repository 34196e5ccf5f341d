//! The error type of the schemas crate (invalid events are not errors but [`crate::Rejection`]s).

/// What can go wrong using the schemas crate's tools.
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    /// A pseudonymisation key shorter than the minimum.
    #[error("pseudonymisation key too short: {bytes} bytes, at least {min} needed (generate one with `pdn pseudonymize --new-key FILE`)")]
    KeyTooShort { bytes: usize, min: usize },
    /// An empty local identifier given to pseudonymise.
    #[error("empty local identifier: nothing to pseudonymise")]
    EmptyLocalId,
    /// An unknown event type or version asked for.
    #[error("no schema for event type {event_type} version {version}")]
    NoSuchSchema { event_type: String, version: u16 },
}
