//! The indicator catalogue: one SQL file per indicator in `analytics/indicators/`, its header
//! comment giving its French name, axis, unit, definition, sources and whether statistical secrecy
//! applies.
//!
//! Contract of a file (checked by the tests for every file):
//! - a header of `-- Key: value` lines, a value continuing on lines starting with `--   `, with the
//!   keys `Indicateur`, `Axe`, `Unité`, `Définition`, their English versions `Name`, `Unit`,
//!   `Definition` (for the English report), `Sources`, `Secret statistique` (`jeunes` or `aucun`);
//! - then one query reading its parameters as the placeholders `$year` (INT) and `$department`
//!   (VARCHAR, NULL: every department) and returning `ventilation` (NULL for the overall value,
//!   otherwise the breakdown's label), `valeur` (DOUBLE) and `jeunes` (the distinct young people
//!   the cell is built from, NULL when it is not about young people).

use crate::error::{AnalyticsError, Result};

include!(concat!(env!("OUT_DIR"), "/indicator_files.rs"));

/// The axes of the national project, in the order reports present them.
pub const AXES: &[&str] = &[
    "Réseau / couverture",
    "Lien social",
    "Vie numérique",
    "Confiance",
    "Fréquentation des structures",
    "Émergence d'initiatives",
    "Pratiques collaboratives",
    "Prévention",
];

/// Whether a cell is built from young people, hence subject to small-cell suppression.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Secret {
    /// Suppressed below the threshold of distinct young people (`jeunes`).
    Youths,
    /// Not about young people (professionals, structures, permanences...).
    None,
}

/// One indicator of the catalogue.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Indicator {
    pub id: &'static str,
    pub name: String,
    pub axis: String,
    pub unit: String,
    pub definition: String,
    /// The English name, unit and definition (`--lang en` reports).
    pub name_en: String,
    pub unit_en: String,
    pub definition_en: String,
    pub sources: String,
    pub secret: Secret,
    #[serde(skip)]
    pub sql: &'static str,
}

/// Every indicator, in the order of the axes, then by id.
pub fn catalogue() -> Result<Vec<Indicator>> {
    let mut indicators = INDICATOR_FILES
        .iter()
        .map(|&(id, text)| parse(id, text))
        .collect::<Result<Vec<_>>>()?;
    indicators.sort_by_key(|i| (AXES.iter().position(|a| *a == i.axis), i.id));
    Ok(indicators)
}

/// Parses an indicator file's header; the query is the rest of the file.
pub fn parse(id: &'static str, text: &'static str) -> Result<Indicator> {
    let invalid = |reason: String| AnalyticsError::Indicator {
        id: id.to_owned(),
        reason,
    };
    let mut fields: Vec<(&str, String)> = Vec::new();
    let mut sql_start = text.len();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let content = line.trim_end();
        if let Some(more) = content.strip_prefix("--   ") {
            let (_, value) = fields
                .last_mut()
                .ok_or_else(|| invalid("a continuation line before any field".into()))?;
            value.push(' ');
            value.push_str(more.trim());
        } else if let Some(field) = content.strip_prefix("-- ") {
            let (key, value) = field
                .split_once(": ")
                .ok_or_else(|| invalid(format!("header line without `Key: value`: {field}")))?;
            fields.push((key, value.trim().to_owned()));
        } else {
            sql_start = offset;
            break;
        }
        offset += line.len();
    }
    let mut take = |key: &str| {
        fields
            .iter()
            .position(|(k, _)| *k == key)
            .map(|i| fields.remove(i).1)
            .ok_or_else(|| invalid(format!("the header has no `{key}`")))
    };
    let name = take("Indicateur")?;
    let axis = take("Axe")?;
    let unit = take("Unité")?;
    let definition = take("Définition")?;
    let name_en = take("Name")?;
    let unit_en = take("Unit")?;
    let definition_en = take("Definition")?;
    let sources = take("Sources")?;
    let secret = match take("Secret statistique")?.as_str() {
        "jeunes" => Secret::Youths,
        "aucun" => Secret::None,
        other => {
            return Err(invalid(format!(
                "`Secret statistique: {other}` (jeunes or aucun)"
            )))
        }
    };
    if let Some((key, _)) = fields.first() {
        return Err(invalid(format!("unknown header field `{key}`")));
    }
    if !AXES.contains(&axis.as_str()) {
        return Err(invalid(format!("unknown axis `{axis}`")));
    }
    let sql = text[sql_start..].trim();
    if sql.is_empty() {
        return Err(invalid("no query after the header".into()));
    }
    Ok(Indicator {
        id,
        name,
        axis,
        unit,
        definition,
        name_en,
        unit_en,
        definition_en,
        sources,
        secret,
        sql,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_has_a_complete_header_and_a_query() {
        let indicators = catalogue().unwrap();
        assert_eq!(indicators.len(), INDICATOR_FILES.len());
        for axis in AXES {
            assert!(
                indicators.iter().any(|i| i.axis == *axis),
                "no indicator on the axis {axis}"
            );
        }
        for i in &indicators {
            assert!(i.sql.contains("$year"), "{} ignores the year", i.id);
            assert!(!i.definition.is_empty() && !i.name.is_empty(), "{}", i.id);
        }
    }

    #[test]
    fn a_header_without_its_secrecy_field_is_refused_by_name() {
        let text = "-- Indicateur: X\n-- Axe: Lien social\n-- Unité: jeunes\n-- Définition: d\n\
                    --   suite\n-- Name: X\n-- Unit: youths\n-- Definition: d\n-- Sources: youth_month\nSELECT $year";
        let err = parse("x", text).unwrap_err().to_string();
        assert!(err.contains("Secret statistique"), "{err}");
    }
}
