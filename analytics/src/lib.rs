//! Reading the event store with Apache DataFusion.
//!
//! - [`tables`]: a [`datafusion::prelude::SessionContext`] over the lake at one committed version:
//!   one table per event family, the dead letters, and an `events` view of the envelope columns of
//!   them all. Only files named by the commit log are read, so a reader never sees an uncommitted
//!   batch, a file being written, or a staged file;
//! - [`sql`]: read-only SQL over those tables (no DDL, no DML, no `SET`, no file or URL access) and
//!   its output as an aligned table, CSV or JSON;
//! - [`dictionary`]: one line per column of every table, with its meaning in French and English;
//! - [`indicators`]: the evaluation indicators, one SQL file each, computed for a year and a
//!   department with the previous year and the change, small cells suppressed;
//! - [`report`]: the yearly impact report (HTML with inline SVG charts, JSON, CSV), from the
//!   indicators, in French or English, small cells suppressed everywhere;
//! - [`serve`]: the same tables over the Postgres wire protocol, for authenticated users, each
//!   restricted to their departments, read-only, with time and memory limits.

pub mod dictionary;
mod error;
pub mod indicators;
pub mod report;
pub mod serve;
pub mod sql;
pub mod tables;

pub use error::{AnalyticsError, Result};
