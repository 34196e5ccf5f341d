//! The event model of the pdn pipeline: the bottom of the dependency graph, with no I/O.
//!
//! - [`taxonomy`]: the closed vocabularies (channels, themes, destinations...) with French labels;
//! - [`ids`]: identifier newtypes and their formats (youth pseudonyms above all);
//! - [`payload`] and [`event`]: the event types, the envelope, the typed payload;
//! - [`validate`]: raw bytes to [`Event`] or a precise [`Rejection`] (see its docs for the order);
//! - [`upcast`]: older schema versions read as the current one;
//! - [`pseudonym`]: keyed HMAC pseudonyms of local youth identifiers;
//! - [`json_schema`]: the published JSON Schemas, generated from the types;
//! - [`arrow`]: the Arrow schemas of the event store's tables.

pub mod arrow;
pub mod check;
mod error;
pub mod event;
mod fast;
pub mod ids;
pub mod json_schema;
pub mod payload;
pub mod pii;
pub mod pseudonym;
pub mod reason;
pub mod taxonomy;
pub mod time;
pub mod upcast;
pub mod validate;

pub use error::SchemaError;
pub use event::{Envelope, Event, EventType, Family, Payload};
pub use reason::{Reason, Rejection};
pub use validate::Validator;
