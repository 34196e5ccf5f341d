//! Which indicators the report draws, how, and the one-sentence reading of each chart.

use super::text::{self, Lang};
use super::{Chart, ChartKind, IndicatorSection, Part, Row};
use crate::report::assemble::Options;

/// A chart of the report.
pub struct Spec {
    pub indicator: &'static str,
    pub kind: ChartKind,
    title_fr: &'static str,
    title_en: &'static str,
    /// Only the breakdown cells whose code starts with this.
    only: &'static str,
    /// Bars sorted by the year's value (otherwise in the indicator's order).
    pub sorted: bool,
}

const fn spec(
    indicator: &'static str,
    kind: ChartKind,
    title_fr: &'static str,
    title_en: &'static str,
    only: &'static str,
    sorted: bool,
) -> Spec {
    Spec {
        indicator,
        kind,
        title_fr,
        title_en,
        only,
        sorted,
    }
}

use ChartKind::{Barres, Entonnoir, Mois, Reseau};

/// The charts, each in the section of its indicator's axis.
pub const SPECS: &[Spec] = &[
    spec(
        "reseau_structures_actives",
        Barres,
        "Structures actives par type",
        "Active structures by type",
        "type:",
        true,
    ),
    spec(
        "lien_contacts_par_mois",
        Mois,
        "Activité mois par mois : contacts avec des jeunes",
        "Month by month: contacts with young people",
        "",
        false,
    ),
    spec(
        "lien_jeunes_distincts",
        Barres,
        "Jeunes en contact par tranche d'âge",
        "Young people in contact by age band",
        "",
        false,
    ),
    spec(
        "lien_contacts_par_theme",
        Barres,
        "Thèmes abordés dans les contacts",
        "Topics raised in contacts",
        "",
        true,
    ),
    spec(
        "numerique_contacts_par_canal",
        Barres,
        "Canaux des contacts",
        "Channels of contacts",
        "",
        true,
    ),
    spec(
        "confiance_retention_30j",
        Barres,
        "Jeunes revenus vers le Promeneur dans les 30 jours, selon leur premier contact",
        "Young people coming back within 30 days, by first contact",
        "",
        false,
    ),
    spec(
        "frequentation_parcours_en_ligne_structure",
        Entonnoir,
        "Du contact en ligne à la structure",
        "From online contact to the structure",
        "",
        false,
    ),
    spec(
        "initiatives_initiatives_collectives",
        Barres,
        "Initiatives collectives par format",
        "Collective initiatives by format",
        "",
        true,
    ),
    spec(
        "collaboration_orientations_pour_100_jeunes",
        Barres,
        "Destinations des orientations (pour 100 jeunes)",
        "Referral destinations (per 100 young people)",
        "",
        true,
    ),
    spec(
        "collaboration_orientations_par_issue",
        Barres,
        "Suites des orientations",
        "Referral outcomes",
        "",
        true,
    ),
    spec(
        "collaboration_liens_structures",
        Reseau,
        "Réseau de collaboration entre structures",
        "Collaboration network between structures",
        "",
        false,
    ),
    spec(
        "prevention_signalements_par_destination",
        Barres,
        "Signalements par destination",
        "Safeguarding reports by destination",
        "",
        true,
    ),
];

/// The spec of the chart drawing `indicator`.
pub fn of(indicator: &str) -> Option<&'static Spec> {
    SPECS.iter().find(|s| s.indicator == indicator)
}

/// The breakdown rows a chart draws, with their index in the indicator's rows, in drawing order.
pub fn rows<'a>(spec: &Spec, section: &'a IndicatorSection) -> Vec<(usize, &'a Row)> {
    let mut rows: Vec<(usize, &Row)> = section
        .lignes
        .iter()
        .enumerate()
        .filter(|(_, r)| {
            r.ventilation
                .as_deref()
                .is_some_and(|v| v.starts_with(spec.only))
        })
        .collect();
    if spec.sorted {
        rows.sort_by(|(_, a), (_, b)| by_value(b, a));
    }
    rows
}

/// The charts of the axis `a` whose indicators are `sections`.
pub fn charts(a: usize, sections: &[IndicatorSection], options: &Options) -> Vec<Chart> {
    let lang = options.lang;
    SPECS
        .iter()
        .filter_map(|spec| {
            let i = sections.iter().position(|s| s.id == spec.indicator)?;
            let section = &sections[i];
            let at = |r: usize, year: &str| {
                format!("/axes/{a}/indicateurs/{i}/lignes/{r}/{year}/valeur")
            };
            let parts = sentence(spec, section, options, &at);
            let lecture = plain(&parts, lang);
            let titre = lang.pick(spec.title_fr, spec.title_en).to_owned();
            let alternative = format!(
                "{titre}. {lecture} {}",
                lang.pick(
                    "Les valeurs sont dans le tableau qui suit le graphique.",
                    "The values are in the table after the chart."
                )
            );
            Some(Chart {
                indicateur: spec.indicator.to_owned(),
                kind: spec.kind,
                titre,
                lecture,
                alternative,
                parts,
            })
        })
        .collect()
}

/// A sentence as text, numbers written as the report shows them.
pub fn plain(parts: &[Part], lang: Lang) -> String {
    parts
        .iter()
        .map(|p| match p {
            Part::Text(t) => t.clone(),
            Part::Number { value, unit, .. } => text::with_unit(*value, unit, lang),
        })
        .collect()
}

fn sentence(
    spec: &Spec,
    section: &IndicatorSection,
    options: &Options,
    at: &dyn Fn(usize, &str) -> String,
) -> Vec<Part> {
    let lang = options.lang;
    let (year, before) = (options.year, options.year - 1);
    let t = |s: String| Part::Text(s);
    let unit = section.unite.clone();
    let num = |r: usize, row: &Row, current: bool| -> Option<Part> {
        let figure = if current {
            row.annee
        } else {
            row.annee_precedente
        };
        Some(Part::Number {
            pointer: at(r, if current { "annee" } else { "annee_precedente" }),
            value: figure.valeur?,
            unit: unit.clone(),
        })
    };
    let previous = |r: usize, row: &Row| -> Vec<Part> {
        let mut parts = vec![t(format!(" ({before}{} ", lang.pick("\u{a0}:", ":")))];
        parts.push(
            num(r, row, false)
                .unwrap_or_else(|| t(lang.pick("non publié", "not published").to_owned())),
        );
        parts.push(t(").".to_owned()));
        parts
    };
    let after_unit = |parts: &mut Vec<Part>| {
        if unit != "%" {
            parts.push(t(format!(" {unit}")));
        }
    };
    let total = section.lignes.iter().position(|r| r.ventilation.is_none());
    let find = |code: &str| {
        section
            .lignes
            .iter()
            .position(|r| r.ventilation.as_deref() == Some(code))
    };
    let secret = vec![t(lang
        .pick(
            "Les effectifs de l'année sont trop faibles pour être publiés (secret statistique).",
            "The year's numbers are too small to be published (statistical secrecy).",
        )
        .to_owned())];
    let mut parts = Vec::new();
    match spec.kind {
        Barres => {
            let mut ranked = rows(spec, section);
            ranked.sort_by(|(_, a), (_, b)| by_value(b, a));
            let Some(&(r, row)) = ranked.iter().find(|(_, row)| row.annee.valeur.is_some()) else {
                return secret;
            };
            parts.push(t(format!(
                "{} {year}, « {} » {} ",
                lang.pick("En", "In"),
                row.libelle,
                lang.pick("arrive en tête avec", "comes first with")
            )));
            parts.extend(num(r, row, true));
            after_unit(&mut parts);
            parts.extend(previous(r, row));
        }
        Mois => {
            let months = rows(spec, section);
            let Some((r, row)) = months
                .into_iter()
                .filter(|(_, row)| row.annee.valeur.is_some())
                .max_by(|(_, a), (_, b)| by_value(a, b))
            else {
                return secret;
            };
            parts.push(t(format!(
                "{} {year}, {} {} ",
                lang.pick("En", "In"),
                lang.pick(&row.libelle.to_lowercase(), &row.libelle),
                lang.pick(
                    "est le mois le plus actif avec",
                    "is the busiest month with"
                )
            )));
            parts.extend(num(r, row, true));
            after_unit(&mut parts);
            if let Some(tr) = total.filter(|&tr| section.lignes[tr].annee.valeur.is_some()) {
                let row = &section.lignes[tr];
                parts.push(t(lang
                    .pick(" ; l'année en compte ", "; the year has ")
                    .to_owned()));
                parts.extend(num(tr, row, true));
                parts.extend(previous(tr, row));
            } else {
                parts.push(t(".".to_owned()));
            }
        }
        Entonnoir => {
            let (Some(first), Some(sixty)) = (find("1_premier_contact"), find("3_venus_60j"))
            else {
                return secret;
            };
            let (rf, rs) = (&section.lignes[first], &section.lignes[sixty]);
            let (Some(nf), Some(ns)) = (num(first, rf, true), num(sixty, rs, true)) else {
                return secret;
            };
            parts.push(t(lang.pick("Sur ", "Of ").to_owned()));
            parts.push(nf);
            parts.push(t(format!(
                " {} {year}, ",
                lang.pick(
                    "jeunes rencontrés pour la première fois en ligne en",
                    "young people first met online in"
                )
            )));
            parts.push(ns);
            parts.push(t(lang
                .pick(
                    " sont venus dans une structure dans les 60 jours",
                    " came to a structure within 60 days",
                )
                .to_owned()));
            parts.extend(previous(sixty, rs));
        }
        Reseau => {
            let Some(tr) = total else { return secret };
            let row = &section.lignes[tr];
            let Some(n) = num(tr, row, true) else {
                return secret;
            };
            parts.push(t(format!("{} {year}, ", lang.pick("En", "In"))));
            parts.push(n);
            parts.push(t(lang
                .pick(
                    " paires de structures ont travaillé ensemble",
                    " pairs of structures worked together",
                )
                .to_owned()));
            parts.extend(previous(tr, row));
        }
    }
    parts
}

fn by_value(a: &Row, b: &Row) -> std::cmp::Ordering {
    let v = |r: &Row| r.annee.valeur.unwrap_or(f64::NEG_INFINITY);
    v(a).total_cmp(&v(b))
}
