//! The report as one self-contained HTML file: inline CSS and SVG, no script, no external
//! resource (a Content-Security-Policy forbids any), printable to PDF from a browser (A4, a page
//! per axis).
//!
//! Invariant: every number of the report's figures is printed as `<data value=… data-ref=…>` (or an
//! SVG `<text data-value=… data-ref=…>`), `data-ref` being the JSON pointer of that figure in the
//! report's JSON, so that tests check that the HTML shows exactly the JSON's numbers.

use std::fmt::Write;

use super::charts::{self, Place};
use super::text::{self, Lang};
use super::{Figure, IndicatorSection, Report};
use crate::indicators::MIN_YOUTHS;

const STYLE: &str = include_str!("report.css");

/// The most lines an indicator's table shows (the strongest first for long ones); the JSON and
/// the CSV have them all.
const MAX_ROWS: usize = 40;

/// Escapes text for HTML.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The report as HTML; `generated` is the day it is written (shown in the footer).
pub fn render(report: &Report, generated: chrono::NaiveDate) -> String {
    let lang = report.langue;
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<!DOCTYPE html>
<html lang="{}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>{}</title>
<style>{STYLE}</style>
</head>
<body>
"#,
        lang.code(),
        escape(&report.titre)
    );
    cover(report, &mut out);
    contents(report, &mut out);
    out.push_str("<main>\n");
    for (a, axis) in report.axes.iter().enumerate() {
        let _ = write!(
            out,
            r#"<section class="axe" id="axe-{}" aria-labelledby="axe-{}-titre"><h2 id="axe-{}-titre">{}</h2>"#,
            a + 1,
            a + 1,
            a + 1,
            escape(&axis.axe)
        );
        for (c, chart) in axis.graphiques.iter().enumerate() {
            let Some(i) = axis
                .indicateurs
                .iter()
                .position(|s| s.id == chart.indicateur)
            else {
                continue;
            };
            let place = Place {
                axis: a,
                indicator: i,
                section: &axis.indicateurs[i],
                year: report.annee,
                lang,
            };
            let id = format!("g-{}-{}", a + 1, c + 1);
            let _ = write!(
                out,
                r#"<figure id="{id}"><figcaption><strong>{}</strong><br>{}</figcaption>{}</figure>"#,
                escape(&chart.titre),
                sentence(chart, lang),
                charts::svg(chart, &place, &id)
            );
        }
        for (i, section) in axis.indicateurs.iter().enumerate() {
            indicator_table(report, a, i, section, &mut out);
        }
        out.push_str("</section>\n");
    }
    if report.departements.is_some() {
        comparison(report, &mut out);
    }
    annex(report, &mut out);
    out.push_str("</main>\n");
    let _ = write!(
        out,
        "<footer><p>{} {} {}.</p></footer>\n</body>\n</html>\n",
        lang.pick(
            "Rapport produit par pdn, le pipeline d'analyse des Promeneurs du Net, le",
            "Report produced by pdn, the Promeneurs du Net analytics pipeline, on"
        ),
        text::date(generated, lang),
        lang.pick(
            "à partir des faits enregistrés, sans aucune donnée nominative",
            "from the recorded facts, with no personal data"
        )
    );
    out
}

/// A figure as a table cell.
fn cell(figure: Figure, pointer: &str, unit: &str, lang: Lang) -> String {
    let class = match figure {
        Figure { secret: true, .. } => r#" class="secret""#,
        Figure { valeur: None, .. } => r#" class="na""#,
        Figure { .. } => "",
    };
    format!("<td{class}>{}</td>", shown(figure, pointer, unit, lang))
}

/// A figure as the page shows it: its number (pointing to `pointer` in the JSON), "< 11" when
/// secret, "—" when there is none.
fn shown(figure: Figure, pointer: &str, unit: &str, lang: Lang) -> String {
    match figure {
        Figure { secret: true, .. } => format!(
            r#"<abbr title="{}">&lt; {MIN_YOUTHS}</abbr>"#,
            lang.pick("secret statistique", "statistical secrecy")
        ),
        Figure {
            valeur: Some(v), ..
        } => data(pointer, v, &text::with_unit(v, unit, lang)),
        Figure { valeur: None, .. } => format!(
            r#"<abbr title="{}">—</abbr>"#,
            lang.pick("non disponible", "not available")
        ),
    }
}

fn data(pointer: &str, value: f64, shown: &str) -> String {
    format!(r#"<data value="{value}" data-ref="{pointer}">{shown}</data>"#)
}

fn sentence(chart: &super::Chart, lang: Lang) -> String {
    chart
        .parts
        .iter()
        .map(|p| match p {
            super::Part::Text(t) => escape(t),
            super::Part::Number {
                pointer,
                value,
                unit,
            } => data(pointer, *value, &text::with_unit(*value, unit, lang)),
        })
        .collect()
}

fn cover(report: &Report, out: &mut String) {
    let lang = report.langue;
    let scope = match &report.departement {
        Some(d) => super::departments::named(d),
        None => lang.pick("France entière", "France").to_owned(),
    };
    let _ = write!(
        out,
        r#"<header class="cover"><p class="kicker">Promeneurs du Net</p><h1>{} {}</h1><p class="scope">{}</p><ul class="keys">"#,
        lang.pick("Rapport d'impact", "Impact report"),
        report.annee,
        escape(&scope)
    );
    for (k, key) in report.chiffres_cles.iter().enumerate() {
        let value = |figure: Figure, field: &str| {
            shown(
                figure,
                &format!("/chiffres_cles/{k}/{field}/valeur"),
                &key.unite,
                lang,
            )
        };
        let national = key.national.map(|n| {
            format!(
                " · {} {}",
                lang.pick("national :", "national:"),
                value(n, "national")
            )
        });
        let _ = write!(
            out,
            r#"<li><span class="big">{}</span><span class="what">{}</span><span class="before">{}{} {}{}</span></li>"#,
            value(key.annee, "annee"),
            escape(&key.libelle),
            report.annee_precedente,
            lang.pick("\u{a0}:", ":"),
            value(key.annee_precedente, "annee_precedente"),
            national.unwrap_or_default()
        );
    }
    let _ = write!(
        out,
        r#"</ul><p class="secrecy">{}</p></header>"#,
        escape(&report.secret_statistique)
    );
}

fn contents(report: &Report, out: &mut String) {
    let lang = report.langue;
    let _ = write!(
        out,
        r#"<nav aria-label="{}"><h2>{}</h2><ol>"#,
        lang.pick("Sommaire", "Contents"),
        lang.pick("Sommaire", "Contents")
    );
    for (a, axis) in report.axes.iter().enumerate() {
        let _ = write!(
            out,
            r##"<li><a href="#axe-{}">{}</a></li>"##,
            a + 1,
            escape(&axis.axe)
        );
    }
    if report.departements.is_some() {
        let _ = write!(
            out,
            r##"<li><a href="#departements">{}</a></li>"##,
            lang.pick("Comparaison des départements", "Departments compared")
        );
    }
    let _ = write!(
        out,
        r##"<li><a href="#annexe">{}</a></li></ol></nav>"##,
        lang.pick("Annexe méthodologique", "Methods annex")
    );
}

fn indicator_table(
    report: &Report,
    a: usize,
    i: usize,
    section: &IndicatorSection,
    out: &mut String,
) {
    let lang = report.langue;
    let national = report.departement.is_some();
    let _ = write!(
        out,
        r#"<table><caption>{} <span class="unit">({})</span></caption><thead><tr><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th>{}</tr></thead><tbody>"#,
        escape(&section.nom),
        escape(&section.unite),
        lang.pick("Ventilation", "Breakdown"),
        report.annee_precedente,
        report.annee,
        lang.pick("Évolution", "Change"),
        if national {
            format!(r#"<th scope="col">{} {}</th>"#, "National", report.annee)
        } else {
            String::new()
        }
    );
    let mut order: Vec<usize> = (0..section.lignes.len()).collect();
    if order.len() > MAX_ROWS {
        let value = |r: usize| section.lignes[r].annee.valeur.unwrap_or(f64::NEG_INFINITY);
        order[1..].sort_by(|&x, &y| value(y).total_cmp(&value(x)));
        order.truncate(MAX_ROWS);
    }
    for &r in &order {
        let row = &section.lignes[r];
        let at = |field: &str| format!("/axes/{a}/indicateurs/{i}/lignes/{r}/{field}/valeur");
        let change = match row.evolution {
            Some(v) => format!(
                "<td>{}</td>",
                data(
                    &format!("/axes/{a}/indicateurs/{i}/lignes/{r}/evolution"),
                    v,
                    &text::signed(v, lang)
                )
            ),
            None => "<td class=\"na\"></td>".to_owned(),
        };
        let _ = write!(
            out,
            r#"<tr{}><th scope="row">{}</th>{}{}{change}{}</tr>"#,
            if row.ventilation.is_none() {
                r#" class="total""#
            } else {
                ""
            },
            escape(&row.libelle),
            cell(
                row.annee_precedente,
                &at("annee_precedente"),
                &section.unite,
                lang
            ),
            cell(row.annee, &at("annee"), &section.unite, lang),
            row.national
                .map(|n| cell(n, &at("national"), &section.unite, lang))
                .unwrap_or_default()
        );
    }
    out.push_str("</tbody></table>");
    if section.lignes.len() > MAX_ROWS {
        let _ = write!(
            out,
            r#"<p class="note">{}</p>"#,
            lang.pick(
                "Seules les lignes les plus élevées sont montrées ; toutes sont dans les fichiers JSON et CSV.",
                "Only the highest lines are shown; all are in the JSON and CSV files."
            )
        );
    }
}

fn comparison(report: &Report, out: &mut String) {
    let lang = report.langue;
    let Some(cmp) = &report.departements else {
        return;
    };
    let _ = write!(
        out,
        r#"<section class="axe" id="departements"><h2>{}</h2><table><caption>{} {}</caption><thead><tr><th scope="col">{}</th>"#,
        lang.pick("Comparaison des départements", "Departments compared"),
        lang.pick(
            "Chiffres clés par département,",
            "Key figures by department,"
        ),
        report.annee,
        lang.pick("Département", "Department")
    );
    for (name, unit) in cmp.libelles.iter().zip(&cmp.unites) {
        let _ = write!(
            out,
            r#"<th scope="col">{} <span class="unit">({})</span></th>"#,
            escape(name),
            escape(unit)
        );
    }
    out.push_str("</tr></thead><tbody>");
    for (d, line) in cmp.lignes.iter().enumerate() {
        let _ = write!(
            out,
            r#"<tr><th scope="row">{}</th>"#,
            escape(&super::departments::named(&line.departement))
        );
        for (k, figure) in line.valeurs.iter().enumerate() {
            out.push_str(&cell(
                *figure,
                &format!("/departements/lignes/{d}/valeurs/{k}/valeur"),
                &cmp.unites[k],
                lang,
            ));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></section>\n");
}

fn annex(report: &Report, out: &mut String) {
    let lang = report.langue;
    let _ = write!(
        out,
        r#"<section class="axe annexe" id="annexe"><h2>{}</h2><h3>{}</h3><table><caption>{}</caption><thead><tr><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th></tr></thead><tbody>"#,
        lang.pick("Annexe méthodologique", "Methods annex"),
        lang.pick("Données couvertes", "Data coverage"),
        lang.pick(
            "Faits enregistrés par famille (après corrections)",
            "Recorded facts by family (after corrections)"
        ),
        lang.pick("Famille", "Family"),
        report.annee_precedente,
        report.annee
    );
    for (f, family) in report.couverture.evenements.iter().enumerate() {
        let count = |field: &str, n: u64| {
            #[allow(clippy::cast_precision_loss)]
            let v = n as f64;
            data(
                &format!("/couverture/evenements/{f}/{field}"),
                v,
                &text::number(v, lang),
            )
        };
        let _ = write!(
            out,
            r#"<tr><th scope="row">{}</th><td>{}</td><td>{}</td></tr>"#,
            escape(&family.libelle),
            count("annee_precedente", family.annee_precedente),
            count("annee", family.annee)
        );
    }
    out.push_str("</tbody></table>");
    let day = |d: &Option<String>| {
        d.as_deref()
            .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            .map_or_else(|| "—".to_owned(), |d| text::date(d, lang))
    };
    #[allow(clippy::cast_precision_loss)]
    let rejected = report.couverture.messages_rejetes as f64;
    let _ = write!(
        out,
        "<p>{} {} {} {}. {} {}. {}</p>",
        lang.pick("Premier jour d'activité couvert :", "First day of activity covered:"),
        day(&report.couverture.premier_jour),
        lang.pick("; dernier :", "; last:"),
        day(&report.couverture.dernier_jour),
        lang.pick("Messages rejetés à la validation (toute la base, gardés avec leur motif) :", "Messages rejected by validation (whole store, kept with their reason):"),
        data("/couverture/messages_rejetes", rejected, &text::number(rejected, lang)),
        lang.pick(
            "Les jeunes n'apparaissent que sous un pseudonyme calculé par leur structure ; aucun nom, message ni date de naissance n'est enregistré.",
            "Young people appear only as a pseudonym computed by their structure; no name, message or date of birth is recorded."
        )
    );
    let _ = write!(
        out,
        "<h3>{}</h3><p>{}</p>",
        lang.pick("Secret statistique", "Statistical secrecy"),
        escape(&report.secret_statistique)
    );
    if report.cellules_masquees.is_empty() {
        let _ = write!(
            out,
            "<p>{}</p>",
            lang.pick("Aucune case n'a été masquée.", "No cell was hidden.")
        );
    } else {
        let _ = write!(
            out,
            r#"<table><caption>{}</caption><thead><tr><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th></tr></thead><tbody>"#,
            lang.pick("Cases masquées", "Hidden cells"),
            lang.pick("Indicateur", "Indicator"),
            lang.pick("Ventilation", "Breakdown"),
            lang.pick("Année", "Year")
        );
        for masked in &report.cellules_masquees {
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&masked.indicateur),
                escape(&masked.libelle),
                masked.annee
            );
        }
        out.push_str("</tbody></table>");
    }
    let _ = write!(
        out,
        "<h3>{}</h3><dl>",
        lang.pick(
            "Définitions des indicateurs",
            "Definitions of the indicators"
        )
    );
    for axis in &report.axes {
        for section in &axis.indicateurs {
            let _ = write!(
                out,
                r#"<dt>{} <span class="unit">({})</span></dt><dd>{} <span class="sources">{} {}</span></dd>"#,
                escape(&section.nom),
                escape(&section.unite),
                escape(&section.definition),
                lang.pick("Sources :", "Sources:"),
                escape(&section.sources)
            );
        }
    }
    out.push_str("</dl></section>\n");
}
