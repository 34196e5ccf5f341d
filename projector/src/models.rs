//! The catalogue of read models. Each is one SQL query (in `projector/models/<name>.sql`, its
//! definition in the header comment) over the corrected event tables of its sources.
//!
//! Invariant: a model's rows are a function of the events alone — never of batch boundaries, of
//! arrival order or of earlier runs — and its query orders them by a unique key. So recomputing a
//! partition from its events always writes the same bytes, and an incremental run equals a rebuild.

use pdn_ingest::log::{FileEntry, LogState};
use pdn_schemas::Family;

/// How a model's files are partitioned, and so what one recomputation reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// One file per UTC month partition of the event tables (`year=YYYY/month=MM`), computed from
    /// that partition of its sources: for the high-volume facts (contacts, attendances) and for
    /// what adds up over months (the collaboration graph's weights), so that one more day
    /// recomputes one month and not the history.
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
    /// How its rows depend on the events, for keyed runs; `None`: it recomputes whole partitions.
    pub keys: Option<Keys>,
}

/// How a model's rows depend on the events: the rows naming one key are a function of that key's
/// events alone (and of the models it uses). A run that removes no event file then recomputes only
/// the keys its new events and corrections touch, and keeps every other row of the partition as it
/// is (`crate::keyed`).
#[derive(Debug)]
pub struct Keys {
    /// The model's columns naming a key: a prefix of [`Keys::order`].
    pub columns: &'static [&'static str],
    /// The model's order, as its query's `ORDER BY` gives it (columns ascending, a unique key).
    pub order: &'static [&'static str],
    /// The keys an event names, for the sources whose events do not carry them in columns of the
    /// same names: a query over the table `{events}` giving `event_id` and the key columns (one
    /// row per key the event names).
    pub of_events: &'static [(Family, &'static str)],
}

impl Keys {
    /// The query giving `event_id` and the key columns of each event of `family` in `table`, and
    /// whether it is a plain projection of columns of the same names.
    pub fn of(&self, family: Family, table: &str) -> (String, bool) {
        match self.of_events.iter().find(|(f, _)| *f == family) {
            Some((_, query)) => (query.replace("{events}", table), false),
            None => (
                format!("SELECT event_id, {} FROM {table}", self.columns.join(", ")),
                true,
            ),
        }
    }
}

impl Model {
    /// The live files of the events of `family` that its partition `partition` is computed from:
    /// that month's, or every file for a whole model.
    pub fn reads<'a>(
        &self,
        state: &'a LogState,
        family: Family,
        partition: &'a str,
    ) -> impl Iterator<Item = &'a FileEntry> + 'a {
        let whole = self.scope == Scope::Whole;
        let table = format!("events/{}", family.name());
        state
            .files
            .values()
            .filter(move |f| f.table == table && (whole || f.partition == partition))
    }

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
        model!($name, $scope, [$($family),*], [$($uses),*], None)
    };
    ($name:literal, $scope:ident, [$($family:ident),*], [$($uses:literal),*], $keys:expr) => {
        Model {
            name: $name,
            scope: Scope::$scope,
            sources: &[$(Family::$family),*],
            uses: &[$($uses),*],
            sql: include_str!(concat!("../models/", $name, ".sql")),
            keys: $keys,
        }
    };
}

/// The keys of a model keyed by `columns` and sorted by `order`, every source event carrying them
/// in columns of the same names.
const fn keyed(columns: &'static [&'static str], order: &'static [&'static str]) -> Option<Keys> {
    Some(Keys {
        columns,
        order,
        of_events: &[],
    })
}

/// The keys of a state machine: one row per key, sorted by it.
const fn machine(columns: &'static [&'static str]) -> Option<Keys> {
    keyed(columns, columns)
}

const PROFESSIONAL: &[&str] = &["department", "structure_id", "professional_id"];
const PROFESSIONAL_MONTH: &[&str] = &[
    "department",
    "structure_id",
    "professional_id",
    "month_start",
];

/// Every read model, in the order they are computed (a model after the models it uses).
pub const MODELS: &[Model] = &[
    model!(
        "agreements",
        Whole,
        [Network],
        [],
        Some(Keys {
            columns: &["department", "agreement_id"],
            order: &["department", "agreement_id"],
            of_events: &[(
                Family::Network,
                "SELECT event_id, department, agreement_id FROM {events} \
                 WHERE agreement_id IS NOT NULL"
            )],
        })
    ),
    model!(
        "accompaniments",
        Whole,
        [Accompaniment],
        [],
        machine(&["department", "structure_id", "accompaniment_id"])
    ),
    model!(
        "referrals",
        Whole,
        [Referral],
        [],
        machine(&["department", "structure_id", "referral_id"])
    ),
    model!(
        "permanences",
        Whole,
        [Permanence],
        [],
        machine(&["department", "structure_id", "permanence_id"])
    ),
    model!(
        "collaboration_edges",
        Monthly,
        [Collaboration, Accompaniment, Initiative],
        []
    ),
    model!(
        "youth_month",
        Monthly,
        [Contact, Attendance, Referral, Accompaniment, Prevention],
        [],
        Some(Keys {
            columns: &["department", "youth"],
            order: &["department", "youth", "month_start"],
            of_events: &[(
                Family::Accompaniment,
                "SELECT event_id, department, unnest(youths) AS youth FROM {events}"
            )],
        })
    ),
    model!(
        "professional_month",
        Monthly,
        [Contact, Permanence],
        [],
        keyed(PROFESSIONAL, PROFESSIONAL_MONTH)
    ),
    model!(
        "activity_outside_agreement",
        Monthly,
        [Contact],
        ["agreements"],
        keyed(PROFESSIONAL, PROFESSIONAL_MONTH)
    ),
];

/// The model named `name`.
pub fn model(name: &str) -> Option<&'static Model> {
    MODELS.iter().find(|m| m.name == name)
}
