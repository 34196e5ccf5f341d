//! The yearly impact report: every indicator of the catalogue for a year and a department (or the
//! whole country), with the year before, the national figure (department reports) or the
//! departments side by side (the national report), the charts' readings, the data coverage and the
//! cells suppressed. [`Report`] is the one source of every figure: its JSON is `--json`, and the
//! HTML ([`html`]) and CSV ([`csv`]) are written from it.
//!
//! Invariants:
//! - a published value is rounded to one decimal ([`text::round`]) before it is stored here, so
//!   what the HTML shows is exactly what the JSON holds;
//! - a suppressed cell has no value (`valeur: null, secret: true`); nothing is derived from it;
//! - department cells set beside the national total get secondary suppression against it too.

mod assemble;
mod charts;
pub mod csv;
pub mod departments;
pub mod html;
mod reading;
pub mod text;

pub use assemble::{Options, Source, KEY_FIGURES};
pub use text::Lang;

use serde::Serialize;

/// One published figure.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Figure {
    /// The value, rounded to one decimal; `None` when there is none or it is secret.
    pub valeur: Option<f64>,
    /// Hidden by statistical secrecy (fewer than 11 young people, or secondary suppression).
    pub secret: bool,
}

impl Figure {
    const MISSING: Figure = Figure {
        valeur: None,
        secret: false,
    };
}

/// One line of an indicator's table: its total (`ventilation: None`) or one breakdown cell.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub ventilation: Option<String>,
    /// The label shown ("Total", a taxonomy's label...).
    pub libelle: String,
    pub annee_precedente: Figure,
    pub annee: Figure,
    /// `annee - annee_precedente` of the published values, when both are.
    pub evolution: Option<f64>,
    /// The whole country's figure for the year (department reports only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub national: Option<Figure>,
}

/// One indicator as the report presents it.
#[derive(Debug, Clone, Serialize)]
pub struct IndicatorSection {
    pub id: String,
    pub nom: String,
    pub unite: String,
    pub definition: String,
    pub sources: String,
    /// Whether small-cell suppression applies (cells about young people).
    pub secret_statistique: bool,
    pub lignes: Vec<Row>,
}

/// The kinds of charts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChartKind {
    /// Horizontal bars, one per breakdown cell, the year and the year before.
    Barres,
    /// Twelve months, the year and the year before.
    Mois,
    /// The steps of a funnel.
    Entonnoir,
    /// Structures on a circle, linked when they worked together.
    Reseau,
}

/// A chart: drawn from its indicator's rows, with its reading in one sentence.
#[derive(Debug, Clone, Serialize)]
pub struct Chart {
    /// The indicator it draws.
    pub indicateur: String,
    #[serde(rename = "type")]
    pub kind: ChartKind,
    pub titre: String,
    /// The reading, in one plain sentence.
    pub lecture: String,
    /// The text alternative read instead of the chart.
    pub alternative: String,
    /// The reading's pieces, its numbers pointing into the report (for the HTML).
    #[serde(skip)]
    pub parts: Vec<Part>,
}

/// A piece of a sentence: text, or a published number and where the report holds it.
#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    Text(String),
    Number {
        /// JSON pointer of the figure's `valeur` in the report.
        pointer: String,
        value: f64,
        unit: String,
    },
}

/// One axis of the national project: its indicators and charts.
#[derive(Debug, Clone, Serialize)]
pub struct AxisSection {
    pub axe: String,
    pub indicateurs: Vec<IndicatorSection>,
    pub graphiques: Vec<Chart>,
}

/// A key figure of the cover.
#[derive(Debug, Clone, Serialize)]
pub struct KeyFigure {
    pub indicateur: String,
    pub libelle: String,
    pub unite: String,
    pub annee_precedente: Figure,
    pub annee: Figure,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub national: Option<Figure>,
}

/// The departments side by side on the key indicators (national report).
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    /// The key indicators compared, in column order.
    pub indicateurs: Vec<String>,
    pub libelles: Vec<String>,
    pub unites: Vec<String>,
    pub lignes: Vec<DepartmentRow>,
}

/// One department's key figures.
#[derive(Debug, Clone, Serialize)]
pub struct DepartmentRow {
    pub departement: String,
    pub valeurs: Vec<Figure>,
}

/// The events a family contributed, per year.
#[derive(Debug, Clone, Serialize)]
pub struct FamilyCount {
    pub famille: String,
    pub libelle: String,
    pub annee_precedente: u64,
    pub annee: u64,
}

/// What the report is built from.
#[derive(Debug, Clone, Serialize)]
pub struct Coverage {
    /// The lake's committed version the report read.
    pub version_lac: u64,
    /// Events (corrected) per family, in the report's scope.
    pub evenements: Vec<FamilyCount>,
    /// The first and last local day with an event in the two years, `YYYY-MM-DD`.
    pub premier_jour: Option<String>,
    pub dernier_jour: Option<String>,
    /// Messages rejected by validation, the whole store (no department is known for them).
    pub messages_rejetes: u64,
}

/// A suppressed cell, for the methods annex.
#[derive(Debug, Clone, Serialize)]
pub struct Masked {
    pub indicateur: String,
    pub libelle: String,
    pub annee: i32,
}

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub annee: i32,
    pub annee_precedente: i32,
    /// The department, or `None` for the national report.
    pub departement: Option<String>,
    pub langue: Lang,
    pub titre: String,
    pub secret_statistique: String,
    pub chiffres_cles: Vec<KeyFigure>,
    pub axes: Vec<AxisSection>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub departements: Option<Comparison>,
    pub couverture: Coverage,
    pub cellules_masquees: Vec<Masked>,
}
