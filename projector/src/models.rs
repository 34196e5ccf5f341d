//! The catalogue of read models. Each is one SQL query (in `projector/models/<name>.sql`, its
//! definition in the header comment) over the corrected event tables of its sources.
//!
//! Invariant: a model's rows are a function of the events alone — never of batch boundaries, of
//! arrival order or of earlier runs — and its query orders them by a unique key. So recomputing a
//! partition from its events always writes the same bytes, and an incremental run equals a rebuild.

use pdn_schemas::Family;

/// How a model's files are partitioned, and so what one recomputation reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// One file per UTC month partition of the event tables (`year=YYYY/month=MM`), computed from
    /// that partition of its sources: for the high-volume facts (contacts, attendances).
    Monthly,
    /// One file (partition [`WHOLE`]) computed from every event of its sources: for the state
    /// machines and the reference state, whose families are small and whose keys span months.
    Whole,
}

/// The partition name of [`Scope::Whole`] models.
pub const WHOLE: &str = "all";

/// A read model.
#[derive(Debug)]
pub struct Model {
    pub name: &'static str,
    pub scope: Scope,
    /// The event families it reads (corrected), restricted to the partition for monthly models.
    pub sources: &'static [Family],
    /// The whole models it reads (computed before it in [`MODELS`]).
    pub uses: &'static [&'static str],
    pub sql: &'static str,
}

impl Model {
    /// The model's table in the lake's log (its folder under the lake).
    pub fn table(&self) -> String {
        format!("models/{}", self.name)
    }

    /// The first sentence of its definition.
    pub fn summary(&self) -> String {
        let comment: Vec<&str> = self
            .sql
            .lines()
            .take_while(|l| l.starts_with("--"))
            .map(|l| l.trim_start_matches("--").trim())
            .collect();
        let text = comment.join(" ");
        let text = text
            .split_once(": ")
            .map_or(text.as_str(), |(_, rest)| rest);
        text.split(". ")
            .next()
            .unwrap_or(text)
            .trim_end_matches('.')
            .to_owned()
    }
}

macro_rules! model {
    ($name:literal, $scope:ident, [$($family:ident),*], [$($uses:literal),*]) => {
        Model {
            name: $name,
            scope: Scope::$scope,
            sources: &[$(Family::$family),*],
            uses: &[$($uses),*],
            sql: include_str!(concat!("../models/", $name, ".sql")),
        }
    };
}

/// Every read model, in the order they are computed (a model after the models it uses).
pub const MODELS: &[Model] = &[
    model!("agreements", Whole, [Network], []),
    model!("accompaniments", Whole, [Accompaniment], []),
    model!("referrals", Whole, [Referral], []),
    model!("permanences", Whole, [Permanence], []),
    model!(
        "collaboration_edges",
        Whole,
        [Collaboration, Accompaniment, Initiative],
        []
    ),
    model!(
        "youth_month",
        Monthly,
        [Contact, Attendance, Referral, Accompaniment, Prevention],
        []
    ),
    model!("professional_month", Monthly, [Contact, Permanence], []),
    model!(
        "activity_outside_agreement",
        Monthly,
        [Contact],
        ["agreements"]
    ),
];

/// The model named `name`.
pub fn model(name: &str) -> Option<&'static Model> {
    MODELS.iter().find(|m| m.name == name)
}
