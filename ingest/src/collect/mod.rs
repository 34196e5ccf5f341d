//! The HTTP collector apps send their events to.
//!
//! - [`tokens`]: bearer tokens, stored as hashes, each with its scope.

pub mod tokens;

pub use tokens::Tokens;
