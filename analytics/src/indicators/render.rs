//! The indicator table as published: an aligned text table, CSV or JSON, in French. A suppressed
//! cell shows "< 11" (JSON: `"valeur": null, "secret": true`) and never its value, its number of
//! young people, or a change computed from it.

use std::io::Write;

use super::{Indicator, Line, Params, MIN_YOUTHS};
use crate::error::{AnalyticsError, Result};

/// How the table is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Csv,
    Json,
}

/// Writes `lines` (from [`super::table`]) for `params` in `format`.
pub fn write(
    indicators: &[Indicator],
    lines: &[Line],
    params: &Params,
    format: Format,
    out: &mut dyn Write,
) -> Result<()> {
    let find = |id: &str| {
        indicators
            .iter()
            .find(|i| i.id == id)
            .expect("a line's indicator")
    };
    let written = match format {
        Format::Json => {
            let rows: Vec<_> = lines
                .iter()
                .map(|line| {
                    let indicator = find(line.id);
                    serde_json::json!({
                        "id": line.id,
                        "indicateur": indicator.name,
                        "axe": indicator.axis,
                        "unite": indicator.unit,
                        "ventilation": line.ventilation,
                        "annee": params.year,
                        "valeur": json_cell(line.current.as_ref()),
                        "annee_precedente": params.year - 1,
                        "valeur_precedente": json_cell(line.previous.as_ref()),
                        "evolution": line.change,
                    })
                })
                .collect();
            let document = serde_json::json!({
                "annee": params.year,
                "departement": params.department,
                "secret_statistique": format!("cellules de moins de {MIN_YOUTHS} jeunes masquées"),
                "indicateurs": rows,
            });
            serde_json::to_writer_pretty(&mut *out, &document)
                .map_err(std::io::Error::from)
                .and_then(|()| writeln!(out))
        }
        Format::Csv | Format::Table => {
            let mut rows = vec![vec![
                "id".to_owned(),
                "axe".to_owned(),
                "indicateur".to_owned(),
                "ventilation".to_owned(),
                "unité".to_owned(),
                (params.year - 1).to_string(),
                params.year.to_string(),
                "évolution".to_owned(),
            ]];
            for line in lines {
                let indicator = find(line.id);
                rows.push(vec![
                    line.id.to_owned(),
                    indicator.axis.clone(),
                    indicator.name.clone(),
                    line.ventilation
                        .clone()
                        .unwrap_or_else(|| "total".to_owned()),
                    indicator.unit.clone(),
                    text_cell(line.previous.as_ref()),
                    text_cell(line.current.as_ref()),
                    line.change.map(signed).unwrap_or_default(),
                ]);
            }
            if format == Format::Csv {
                write_csv(&rows, out)
            } else {
                write_aligned(&rows, out)
            }
        }
    };
    written.map_err(AnalyticsError::Write)
}

/// Writes the catalogue: id, axis, name, unit and definition of each indicator.
pub fn write_catalogue(
    indicators: &[Indicator],
    format: Format,
    out: &mut dyn Write,
) -> Result<()> {
    let written = match format {
        Format::Json => serde_json::to_writer_pretty(&mut *out, indicators)
            .map_err(std::io::Error::from)
            .and_then(|()| writeln!(out)),
        Format::Csv | Format::Table => {
            let mut rows =
                vec![["id", "axe", "indicateur", "unité", "définition"].map(str::to_owned)];
            rows.extend(indicators.iter().map(|i| {
                [
                    i.id.to_owned(),
                    i.axis.clone(),
                    i.name.clone(),
                    i.unit.clone(),
                    i.definition.clone(),
                ]
            }));
            let rows: Vec<Vec<String>> = rows.into_iter().map(Vec::from).collect();
            if format == Format::Csv {
                write_csv(&rows, out)
            } else {
                // The definitions are long: the aligned listing leaves them to CSV and JSON.
                let short: Vec<Vec<String>> = rows
                    .into_iter()
                    .map(|mut r| {
                        r.pop();
                        r
                    })
                    .collect();
                write_aligned(&short, out)
            }
        }
    };
    written.map_err(AnalyticsError::Write)
}

fn json_cell(cell: Option<&super::Cell>) -> serde_json::Value {
    match cell {
        None => serde_json::json!({ "valeur": null }),
        Some(c) if c.suppressed => serde_json::json!({ "valeur": null, "secret": true }),
        Some(c) => serde_json::json!({ "valeur": c.value, "jeunes": c.youths }),
    }
}

fn text_cell(cell: Option<&super::Cell>) -> String {
    match cell {
        Some(c) if c.suppressed => format!("< {MIN_YOUTHS}"),
        Some(super::Cell { value: Some(v), .. }) => number(*v),
        _ => String::new(),
    }
}

fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

fn signed(v: f64) -> String {
    let text = number(v);
    if v > 0.0 {
        format!("+{text}")
    } else {
        text
    }
}

pub(crate) fn write_csv(rows: &[Vec<String>], out: &mut dyn Write) -> std::io::Result<()> {
    for row in rows {
        let fields: Vec<String> = row
            .iter()
            .map(|f| {
                if f.contains([',', '"', '\n']) {
                    format!("\"{}\"", f.replace('"', "\"\""))
                } else {
                    f.clone()
                }
            })
            .collect();
        writeln!(out, "{}", fields.join(","))?;
    }
    Ok(())
}

fn write_aligned(rows: &[Vec<String>], out: &mut dyn Write) -> std::io::Result<()> {
    let columns = rows.first().map_or(0, Vec::len);
    let widths: Vec<usize> = (0..columns)
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    for (i, row) in rows.iter().enumerate() {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, &width)| format!("{cell:<width$}"))
            .collect();
        writeln!(out, "{}", cells.join("  ").trim_end())?;
        if i == 0 {
            let rule: Vec<String> = widths.iter().map(|&w| "-".repeat(w)).collect();
            writeln!(out, "{}", rule.join("  "))?;
        }
    }
    Ok(())
}
