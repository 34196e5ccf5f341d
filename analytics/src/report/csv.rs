//! The report's tables as CSV files (`--csv-dir`): the same figures as the JSON, one file per
//! table, numbers with a decimal point, a secret cell written "< 11".

use std::path::Path;

use super::{Figure, Report};
use crate::error::{AnalyticsError, Result};
use crate::indicators::render::write_csv;
use crate::indicators::MIN_YOUTHS;

/// Writes `indicateurs.csv`, `chiffres_cles.csv`, `couverture.csv`, `cellules_masquees.csv` and,
/// for the national report, `departements.csv` into `dir` (created if missing); returns their paths.
pub fn write_dir(report: &Report, dir: &Path) -> Result<Vec<std::path::PathBuf>> {
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| AnalyticsError::Io { path, source }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let (before, year) = (
        report.annee_precedente.to_string(),
        report.annee.to_string(),
    );
    let national = report.departement.is_some();
    let mut tables: Vec<(&str, Vec<Vec<String>>)> = Vec::new();

    let mut head = vec![
        "axe",
        "id",
        "indicateur",
        "ventilation",
        "libelle",
        "unite",
        &before,
        &year,
        "evolution",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect::<Vec<_>>();
    if national {
        head.push(format!("national_{year}"));
    }
    let mut rows = vec![head];
    for axis in &report.axes {
        for section in &axis.indicateurs {
            for row in &section.lignes {
                let mut line = vec![
                    axis.axe.clone(),
                    section.id.clone(),
                    section.nom.clone(),
                    row.ventilation.clone().unwrap_or_default(),
                    row.libelle.clone(),
                    section.unite.clone(),
                    figure(row.annee_precedente),
                    figure(row.annee),
                    row.evolution.map(|v| v.to_string()).unwrap_or_default(),
                ];
                if national {
                    line.push(row.national.map(figure).unwrap_or_default());
                }
                rows.push(line);
            }
        }
    }
    tables.push(("indicateurs.csv", rows));

    let mut rows = vec![["indicateur", "libelle", "unite", &before, &year]
        .map(str::to_owned)
        .to_vec()];
    rows.extend(report.chiffres_cles.iter().map(|k| {
        vec![
            k.indicateur.clone(),
            k.libelle.clone(),
            k.unite.clone(),
            figure(k.annee_precedente),
            figure(k.annee),
        ]
    }));
    tables.push(("chiffres_cles.csv", rows));

    let mut rows = vec![["famille", "libelle", &before, &year]
        .map(str::to_owned)
        .to_vec()];
    rows.extend(report.couverture.evenements.iter().map(|f| {
        vec![
            f.famille.clone(),
            f.libelle.clone(),
            f.annee_precedente.to_string(),
            f.annee.to_string(),
        ]
    }));
    tables.push(("couverture.csv", rows));

    let mut rows = vec![["indicateur", "ventilation", "annee"]
        .map(str::to_owned)
        .to_vec()];
    rows.extend(
        report
            .cellules_masquees
            .iter()
            .map(|m| vec![m.indicateur.clone(), m.libelle.clone(), m.annee.to_string()]),
    );
    tables.push(("cellules_masquees.csv", rows));

    if let Some(cmp) = &report.departements {
        let mut head = vec!["departement".to_owned()];
        head.extend(cmp.indicateurs.iter().cloned());
        let mut rows = vec![head];
        rows.extend(cmp.lignes.iter().map(|l| {
            std::iter::once(l.departement.clone())
                .chain(l.valeurs.iter().map(|f| figure(*f)))
                .collect()
        }));
        tables.push(("departements.csv", rows));
    }

    let mut written = Vec::new();
    for (name, rows) in tables {
        let path = dir.join(name);
        let mut text = Vec::new();
        write_csv(&rows, &mut text).map_err(io(&path))?;
        std::fs::write(&path, text).map_err(io(&path))?;
        written.push(path);
    }
    Ok(written)
}

fn figure(f: Figure) -> String {
    match f {
        Figure { secret: true, .. } => format!("< {MIN_YOUTHS}"),
        Figure {
            valeur: Some(v), ..
        } => v.to_string(),
        Figure { valeur: None, .. } => String::new(),
    }
}
