//! End-to-end tests of the `pdn` binary, in one test binary (one link of the whole workspace).
//! Each module covers one command; `support` runs the binary and holds shared fixtures.

mod adversarial;
mod broker;
mod collect;
mod config;
mod demo;
mod faults;
mod generate;
mod indicators;
mod ingest;
mod kafka;
mod maintenance;
mod pseudonymize;
mod report;
mod schemas;
mod serve;
mod sql;
mod support;
mod validate;
