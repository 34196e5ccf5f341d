//! Read models of the event store, event-sourced: rebuilt from the lake's commit log, kept up to
//! date incrementally, committed beside the events through the same atomic protocol.
//!
//! - [`models`]: the catalogue (one SQL query per model, in `projector/models/`);
//! - [`run`]: one projection run (what changed, recompute, commit with the projector's position);
//! - [`corrections`]: retractions and amendments, applied to the events every model reads;
//! - [`files`]: a DataFusion table over an exact list of committed files;
//! - `keyed`: recomputing only the rows of the keys new events name;
//! - [`schema`]: each model's columns, and the reference tables queries join;
//! - [`status`]: how far the read models are behind the log.
//!
//! Invariant: the models at a version are a function of the events committed up to it; an
//! incremental run and a rebuild over the same events write byte-for-byte the same files.

pub mod corrections;
mod error;
pub mod files;
mod keyed;
pub mod models;
pub mod run;
pub mod schema;
pub mod status;

pub use error::{ProjectorError, Result};
pub use run::{follow, project, Report};
