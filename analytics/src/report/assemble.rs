//! Builds a [`Report`] from the lake: the indicator table, the national figures or the
//! departments side by side, the coverage, the charts and their readings.

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Int64Type};
use datafusion::prelude::SessionContext;
use pdn_schemas::Family;

use super::text::{self, Lang};
use super::{
    reading, AxisSection, Comparison, Coverage, DepartmentRow, FamilyCount, Figure,
    IndicatorSection, KeyFigure, Masked, Report, Row,
};
use crate::error::{datafusion, Result};
use crate::indicators::{self, secret, Cell, Indicator, Line, Params, Secret, AXES};

/// What to report on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// The report's year (local calendar year); the year before is shown beside it.
    pub year: i32,
    /// A department code, or `None` for the national report.
    pub department: Option<String>,
    pub lang: Lang,
}

/// The key figures of the cover and of the departments' comparison, in order: the indicator's
/// total, with the words that follow the number on the cover (French, English).
pub const KEY_FIGURES: &[(&str, &str, &str)] = &[
    (
        "lien_jeunes_distincts",
        "jeunes en contact avec un Promeneur",
        "young people in contact with a Promeneur",
    ),
    (
        "lien_nouveaux_jeunes",
        "nouveaux jeunes rencontrés",
        "new young people met",
    ),
    (
        "numerique_contacts_par_canal",
        "contacts avec des jeunes",
        "contacts with young people",
    ),
    (
        "reseau_pdn_actifs",
        "Promeneurs du Net actifs",
        "active Promeneurs du Net",
    ),
    (
        "reseau_structures_actives",
        "structures actives",
        "active structures",
    ),
    (
        "frequentation_conversion_60j",
        "des nouveaux jeunes venus dans une structure dans les 60 jours",
        "of new young people came to a structure within 60 days",
    ),
    (
        "confiance_retention_30j",
        "des nouveaux jeunes revenus vers un Promeneur dans les 30 jours",
        "of new young people came back to a Promeneur within 30 days",
    ),
    (
        "collaboration_orientations_pour_100_jeunes",
        "orientations pour 100 jeunes",
        "referrals per 100 young people",
    ),
];

/// The lake as reports read it: one session at one committed version, the catalogue, and what a
/// run needs more than once, computed once: the departments (a scan of every event table) and the
/// national figures of a year (a run writing every department's report needs them for each).
pub struct Source {
    root: PathBuf,
    ctx: SessionContext,
    version: u64,
    catalogue: Vec<Indicator>,
    departments: Option<Vec<String>>,
    national: HashMap<i32, National>,
}

type National = HashMap<(&'static str, Option<String>), Cell>;

impl Source {
    /// Opens the lake at `root` at its latest committed version.
    pub async fn open(root: &Path) -> Result<Self> {
        let (ctx, version) = indicators::session(root).await?;
        Ok(Source {
            root: root.to_owned(),
            ctx,
            version,
            catalogue: indicators::catalogue()?,
            departments: None,
            national: HashMap::new(),
        })
    }

    /// The departments with events, in order.
    pub async fn departments(&mut self) -> Result<&[String]> {
        if self.departments.is_none() {
            self.departments = Some(departments(&self.ctx).await?);
        }
        Ok(self.departments.as_deref().unwrap_or_default())
    }

    /// The number of steps [`Source::build`] reports for `options`.
    pub fn steps(&self, options: &Options, departments: usize) -> usize {
        let national = options.department.is_some() && !self.national.contains_key(&options.year);
        self.catalogue.len() * (1 + usize::from(national)) + departments * KEY_FIGURES.len() + 1
    }

    /// Builds the report for `options`; `progress()` is told each step done (see
    /// [`Source::steps`]; the national report's steps need its departments).
    pub async fn build(&mut self, options: &Options, progress: &mut dyn FnMut()) -> Result<Report> {
        let lang = options.lang;
        let departments = match &options.department {
            Some(_) => Vec::new(),
            None => self.departments().await?.to_vec(),
        };
        let (ctx, catalogue) = (&self.ctx, &self.catalogue);
        let params = Params {
            year: options.year,
            department: options.department.clone(),
        };
        let keys: Vec<&Indicator> = KEY_FIGURES
            .iter()
            .filter_map(|(id, _, _)| catalogue.iter().find(|i| i.id == *id))
            .collect();

        let lines = indicators::table(ctx, catalogue, &params, |_| progress()).await?;
        let empty = HashMap::new();
        let national = if options.department.is_some() {
            if let Entry::Vacant(slot) = self.national.entry(options.year) {
                let whole = Params {
                    year: options.year,
                    department: None,
                };
                let runs: Vec<_> = catalogue.iter().map(|i| (i, whole.clone())).collect();
                let results = indicators::compute_many(ctx, &runs, |_| progress()).await?;
                let mut cells = HashMap::new();
                for (indicator, found) in catalogue.iter().zip(results) {
                    for cell in found {
                        cells.insert((indicator.id, cell.ventilation.clone()), cell);
                    }
                }
                slot.insert(cells);
            }
            &self.national[&options.year]
        } else {
            &empty
        };
        let mut axes = Vec::new();
        let mut masked = Vec::new();
        for axis in AXES {
            let mut sections = Vec::new();
            for indicator in catalogue.iter().filter(|i| i.axis == *axis) {
                let section = section(indicator, &lines, national, options);
                for row in &section.lignes {
                    for (figure, year) in [
                        (row.annee_precedente, options.year - 1),
                        (row.annee, options.year),
                    ] {
                        if figure.secret {
                            masked.push(Masked {
                                indicateur: section.nom.clone(),
                                libelle: row.libelle.clone(),
                                annee: year,
                            });
                        }
                    }
                }
                sections.push(section);
            }
            axes.push(AxisSection {
                axe: text::axis(axis, lang).to_owned(),
                indicateurs: sections,
                graphiques: Vec::new(),
            });
        }
        for (a, axis) in axes.iter_mut().enumerate() {
            axis.graphiques = reading::charts(a, &axis.indicateurs, options);
        }

        let chiffres_cles = keys
            .iter()
            .filter_map(|indicator| {
                let (section, row) = axes
                    .iter()
                    .flat_map(|a| &a.indicateurs)
                    .find(|s| s.id == indicator.id)
                    .and_then(|s| Some((s, s.lignes.iter().find(|r| r.ventilation.is_none())?)))?;
                Some(KeyFigure {
                    indicateur: section.id.clone(),
                    libelle: KEY_FIGURES
                        .iter()
                        .find(|(id, _, _)| *id == indicator.id)
                        .map_or(section.nom.clone(), |(_, fr, en)| {
                            lang.pick(fr, en).to_owned()
                        }),
                    unite: section.unite.clone(),
                    annee_precedente: row.annee_precedente,
                    annee: row.annee,
                    national: row.national,
                })
            })
            .collect();

        let departements = if departments.is_empty() {
            None
        } else {
            Some(compare(ctx, &keys, &lines, &departments, options, progress).await?)
        };
        let couverture = coverage(ctx, &self.root, self.version, options).await?;
        progress();

        Ok(Report {
            annee: options.year,
            annee_precedente: options.year - 1,
            departement: options.department.clone(),
            langue: lang,
            titre: text::title(options.year, options.department.as_deref(), lang),
            secret_statistique: text::secrecy(lang).to_owned(),
            chiffres_cles,
            axes,
            departements,
            couverture,
            cellules_masquees: masked,
        })
    }
}

/// A published figure of a computed cell.
fn figure(cell: Option<&Cell>) -> Figure {
    match cell {
        None => Figure::MISSING,
        Some(c) if c.suppressed => Figure {
            valeur: None,
            secret: true,
        },
        Some(c) => Figure {
            valeur: c.value.map(text::round),
            secret: false,
        },
    }
}

fn section(
    indicator: &Indicator,
    lines: &[Line],
    national: &HashMap<(&str, Option<String>), Cell>,
    options: &Options,
) -> IndicatorSection {
    let lang = options.lang;
    let lignes = lines
        .iter()
        .filter(|l| l.id == indicator.id)
        .map(|line| {
            let annee = figure(line.current.as_ref());
            let annee_precedente = figure(line.previous.as_ref());
            let libelle = match &line.ventilation {
                None => "Total".to_owned(),
                Some(code) => text::label(indicator.id, code, lang).unwrap_or_else(|| code.clone()),
            };
            Row {
                ventilation: line.ventilation.clone(),
                libelle,
                annee_precedente,
                annee,
                evolution: annee
                    .valeur
                    .zip(annee_precedente.valeur)
                    .map(|(c, p)| text::round(c - p)),
                national: options
                    .department
                    .as_ref()
                    .map(|_| figure(national.get(&(indicator.id, line.ventilation.clone())))),
            }
        })
        .collect();
    IndicatorSection {
        id: indicator.id.to_owned(),
        nom: lang.pick(&indicator.name, &indicator.name_en).to_owned(),
        unite: lang.pick(&indicator.unit, &indicator.unit_en).to_owned(),
        definition: lang
            .pick(&indicator.definition, &indicator.definition_en)
            .to_owned(),
        sources: indicator.sources.clone(),
        secret_statistique: indicator.secret == Secret::Youths,
        lignes,
    }
}

/// The departments with events, in order.
async fn departments(ctx: &SessionContext) -> Result<Vec<String>> {
    let sql = Family::ALL
        .iter()
        .filter(|f| **f != Family::Correction)
        .map(|f| format!("SELECT DISTINCT department FROM {}", f.name()))
        .collect::<Vec<_>>()
        .join(" UNION ");
    let batches = ctx
        .sql(&format!(
            "SELECT department FROM ({sql}) ORDER BY department"
        ))
        .await
        .map_err(datafusion("listing the departments"))?
        .collect()
        .await
        .map_err(datafusion("listing the departments"))?;
    Ok(batches
        .iter()
        .flat_map(|b| {
            let column = b.column(0).as_string::<i32>();
            (0..b.num_rows())
                .filter(|&r| column.is_valid(r))
                .map(|r| column.value(r).to_owned())
                .collect::<Vec<_>>()
        })
        .collect())
}

/// Each department's key figures for the year. Each key indicator's department cells are a
/// breakdown of its national total: secrecy is applied to them together, so that the total minus
/// the departments shown cannot reveal a suppressed one.
async fn compare(
    ctx: &SessionContext,
    keys: &[&Indicator],
    lines: &[Line],
    departments: &[String],
    options: &Options,
    step: &mut dyn FnMut(),
) -> Result<Comparison> {
    // Every key figure in every department, in one batch of runs so that the cores stay busy
    // from one key figure to the next.
    let runs: Vec<_> = keys
        .iter()
        .flat_map(|indicator| {
            departments.iter().map(|department| {
                let params = Params {
                    year: options.year,
                    department: Some(department.clone()),
                };
                (*indicator, params)
            })
        })
        .collect();
    let results = indicators::compute_many(ctx, &runs, |_| step()).await?;
    let mut columns: Vec<Vec<Figure>> = Vec::new();
    for (k, indicator) in keys.iter().enumerate() {
        let found_by_department = &results[k * departments.len()..(k + 1) * departments.len()];
        let total = lines
            .iter()
            .find(|l| l.id == indicator.id && l.ventilation.is_none())
            .and_then(|l| l.current.clone());
        let mut cells: Vec<Cell> = total.into_iter().collect();
        for (department, found) in departments.iter().zip(found_by_department) {
            let own = found.iter().find(|c| c.ventilation.is_none());
            cells.push(Cell {
                ventilation: Some(department.clone()),
                value: own.and_then(|c| c.value),
                youths: own.and_then(|c| c.youths),
                suppressed: false,
            });
        }
        if indicator.secret == Secret::Youths {
            cells.iter_mut().for_each(|c| c.suppressed = false);
            secret::suppress(&mut cells);
        }
        columns.push(
            departments
                .iter()
                .map(|d| figure(cells.iter().find(|c| c.ventilation.as_ref() == Some(d))))
                .collect(),
        );
    }
    let lang = options.lang;
    Ok(Comparison {
        indicateurs: keys.iter().map(|i| i.id.to_owned()).collect(),
        libelles: keys
            .iter()
            .map(|i| lang.pick(&i.name, &i.name_en).to_owned())
            .collect(),
        unites: keys
            .iter()
            .map(|i| lang.pick(&i.unit, &i.unit_en).to_owned())
            .collect(),
        lignes: departments
            .iter()
            .enumerate()
            .map(|(d, department)| DepartmentRow {
                departement: department.clone(),
                valeurs: columns.iter().map(|column| column[d]).collect(),
            })
            .collect(),
    })
}

/// The events (corrected) per family and year in the report's scope, the days covered, and the
/// messages rejected.
async fn coverage(
    ctx: &SessionContext,
    root: &Path,
    version: u64,
    options: &Options,
) -> Result<Coverage> {
    let scope = match &options.department {
        Some(d) => format!("department = '{}'", d.replace('\'', "''")),
        None => "TRUE".to_owned(),
    };
    let local = "to_timestamp(date_part('epoch', occurred_at) + utc_offset_minutes * 60)";
    let (first, last) = (options.year - 1, options.year);
    let mut evenements = Vec::new();
    let mut days: Vec<String> = Vec::new();
    for &family in Family::ALL.iter().filter(|f| **f != Family::Correction) {
        let sql = format!(
            "SELECT CAST(date_part('year', t) AS BIGINT) AS y, count(*) AS n, \
               CAST(CAST(min(t) AS DATE) AS VARCHAR) AS d0, CAST(CAST(max(t) AS DATE) AS VARCHAR) AS d1 \
             FROM (SELECT {local} AS t FROM {table} WHERE {scope}) \
             WHERE date_part('year', t) BETWEEN {first} AND {last} GROUP BY 1",
            table = family.name()
        );
        let context = || format!("counting the events of {}", family.name());
        let batches = ctx
            .sql(&sql)
            .await
            .map_err(datafusion(context()))?
            .collect()
            .await
            .map_err(datafusion(context()))?;
        let mut count = FamilyCount {
            famille: family.name().to_owned(),
            libelle: text::family(family, options.lang).to_owned(),
            annee_precedente: 0,
            annee: 0,
        };
        for batch in &batches {
            let years = batch.column(0).as_primitive::<Int64Type>();
            let counts = batch.column(1).as_primitive::<Int64Type>();
            let cast_days = |c: usize| cast(batch.column(c), &DataType::Utf8);
            let (d0, d1) = (
                cast_days(2).map_err(crate::AnalyticsError::Output)?,
                cast_days(3).map_err(crate::AnalyticsError::Output)?,
            );
            for r in 0..batch.num_rows() {
                let n = u64::try_from(counts.value(r)).unwrap_or(0);
                if years.value(r) == i64::from(last) {
                    count.annee = n;
                } else {
                    count.annee_precedente = n;
                }
                for d in [&d0, &d1] {
                    let d = d.as_string::<i32>();
                    if d.is_valid(r) {
                        days.push(d.value(r).to_owned());
                    }
                }
            }
        }
        evenements.push(count);
    }
    let state = pdn_ingest::lake::read_state(root)?;
    Ok(Coverage {
        version_lac: version,
        evenements,
        premier_jour: days.iter().min().cloned(),
        dernier_jour: days.iter().max().cloned(),
        messages_rejetes: state.dead_letters.values().sum(),
    })
}
