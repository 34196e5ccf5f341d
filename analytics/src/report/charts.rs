//! The report's charts as inline SVG (no script, no external resource). Each chart is an image
//! with a text alternative (`<title>` and `<desc>`, referenced by `aria-labelledby`); every number
//! it prints carries the JSON pointer of its figure in the report (`data-ref`) and its value
//! (`data-value`), like the rest of the HTML. Secret cells are drawn as "< 11", never as a length.

use std::fmt::Write;

use super::reading::{self, Spec};
use super::text::{self, Lang};
use super::{Chart, ChartKind, IndicatorSection, Row};
use crate::indicators::MIN_YOUTHS;

const WIDTH: f64 = 720.0;
/// The most pairs the collaboration network draws (the strongest), so that a national report
/// stays legible; the table and the JSON have them all.
pub const MAX_EDGES: usize = 60;

/// Where the chart's figures are in the report.
pub struct Place<'a> {
    pub axis: usize,
    pub indicator: usize,
    pub section: &'a IndicatorSection,
    pub year: i32,
    pub lang: Lang,
}

impl Place<'_> {
    fn pointer(&self, row: usize, field: &str) -> String {
        format!(
            "/axes/{}/indicateurs/{}/lignes/{row}/{field}/valeur",
            self.axis, self.indicator
        )
    }

    /// A printed number of the chart, of CSS class `class` (`v`, or `v on` printed on a bar).
    fn number(&self, x: f64, y: f64, anchor: &str, class: &str, row: usize, value: f64) -> String {
        format!(
            r#"<text x="{x:.1}" y="{y:.1}" text-anchor="{anchor}" class="{class}" data-ref="{}" data-value="{value}">{}</text>"#,
            self.pointer(row, "annee"),
            text::with_unit(value, &self.section.unite, self.lang)
        )
    }
}

/// The chart as an SVG element.
pub fn svg(chart: &Chart, place: &Place, id: &str) -> String {
    let spec = reading::of(&chart.indicateur).expect("a chart has a spec");
    let (height, body) = match chart.kind {
        ChartKind::Barres => bars(spec, place),
        ChartKind::Mois => months(spec, place),
        ChartKind::Entonnoir => funnel(spec, place),
        ChartKind::Reseau => network(spec, place),
    };
    format!(
        r#"<svg viewBox="0 0 {WIDTH} {height:.0}" role="img" aria-labelledby="{id}-t {id}-d" class="chart"><title id="{id}-t">{}</title><desc id="{id}-d">{}</desc>{body}</svg>"#,
        super::html::escape(&chart.titre),
        super::html::escape(&chart.alternative),
    )
}

fn legend(place: &Place, y: f64) -> String {
    format!(
        r#"<rect x="240" y="{y0}" width="14" height="14" class="cur"/><text x="260" y="{y1}">{}</text><rect x="330" y="{y2}" width="14" height="6" class="prev"/><text x="350" y="{y1}">{}</text>"#,
        place.year,
        place.year - 1,
        y0 = y - 11.0,
        y1 = y,
        y2 = y - 7.0
    )
}

fn secret_mark(x: f64, y: f64) -> String {
    format!(r#"<text x="{x:.1}" y="{y:.1}" class="secret">&lt; {MIN_YOUTHS}</text>"#)
}

/// One bar per breakdown cell: the year (thick) over the year before (thin).
fn bars(spec: &Spec, place: &Place) -> (f64, String) {
    let rows = reading::rows(spec, place.section);
    let max = max_of(rows.iter().map(|(_, r)| *r), true);
    let (left, span, step) = (240.0, 380.0, 34.0);
    let mut out = legend(place, 18.0);
    for (k, (r, row)) in rows.iter().enumerate() {
        let y = 34.0 + step * k as f64;
        let _ = write!(
            out,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="end" class="l">{}</text>"#,
            left - 8.0,
            y + 13.0,
            super::html::escape(&shorten(&row.libelle, 36))
        );
        match (row.annee.secret, row.annee.valeur) {
            (true, _) => out.push_str(&secret_mark(left + 4.0, y + 13.0)),
            (false, Some(v)) => {
                let w = span * v / max;
                let _ = write!(
                    out,
                    r#"<rect x="{left}" y="{y:.1}" width="{w:.1}" height="16" class="cur"/>"#
                );
                out.push_str(&place.number(left + w + 6.0, y + 13.0, "start", "v", *r, v));
            }
            (false, None) => {
                let _ = write!(
                    out,
                    r#"<text x="{}" y="{:.1}">—</text>"#,
                    left + 4.0,
                    y + 13.0
                );
            }
        }
        if let Some(p) = row.annee_precedente.valeur {
            let w = span * p / max;
            let _ = write!(
                out,
                r#"<rect x="{left}" y="{:.1}" width="{w:.1}" height="7" class="prev"/>"#,
                y + 19.0
            );
        }
    }
    (40.0 + step * rows.len() as f64, out)
}

/// The twelve months: the year (solid, with its values) and the year before (dashed).
fn months(spec: &Spec, place: &Place) -> (f64, String) {
    let rows = reading::rows(spec, place.section);
    let max = max_of(rows.iter().map(|(_, r)| *r), true);
    let (top, bottom) = (50.0, 230.0);
    let x = |code: &str| 60.0 + (code.parse::<f64>().unwrap_or(1.0) - 1.0) * 56.0;
    let y = |v: f64| bottom - (bottom - top) * v / max;
    let mut out = legend(place, 18.0);
    let _ = write!(
        out,
        r#"<line x1="40" y1="{bottom}" x2="700" y2="{bottom}" class="axis"/>"#
    );
    for m in 1..=12u32 {
        let name = text::month(m, place.lang);
        let short: String = name.chars().take(3).collect();
        let _ = write!(
            out,
            r#"<text x="{:.1}" y="{}" text-anchor="middle" class="l">{}</text>"#,
            60.0 + f64::from(m - 1) * 56.0,
            bottom + 18.0,
            short
        );
    }
    let line = |current: bool| -> String {
        rows.iter()
            .filter_map(|(_, row)| {
                let f = if current {
                    row.annee
                } else {
                    row.annee_precedente
                };
                Some(format!(
                    "{:.1},{:.1}",
                    x(row.ventilation.as_deref()?),
                    y(f.valeur?)
                ))
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    let _ = write!(
        out,
        r#"<polyline points="{}" class="prev-line"/><polyline points="{}" class="cur-line"/>"#,
        line(false),
        line(true)
    );
    for (r, row) in &rows {
        let cx = x(row.ventilation.as_deref().unwrap_or("1"));
        match (row.annee.secret, row.annee.valeur) {
            (true, _) => out.push_str(&secret_mark(cx - 12.0, bottom - 8.0)),
            (false, Some(v)) => {
                let _ = write!(
                    out,
                    r#"<circle cx="{cx:.1}" cy="{:.1}" r="4" class="cur"/>"#,
                    y(v)
                );
                out.push_str(&place.number(cx, y(v) - 10.0, "middle", "v", *r, v));
            }
            (false, None) => {}
        }
    }
    (bottom + 30.0, out)
}

/// The funnel's steps, each bar as long as its number of young people.
fn funnel(spec: &Spec, place: &Place) -> (f64, String) {
    let mut rows = reading::rows(spec, place.section);
    rows.sort_by(|(_, a), (_, b)| a.ventilation.cmp(&b.ventilation));
    let max = max_of(rows.iter().map(|(_, r)| *r), false);
    let (centre, span, step) = (470.0, 440.0, 44.0);
    let mut out = String::new();
    for (k, (r, row)) in rows.iter().enumerate() {
        let y = 10.0 + step * k as f64;
        let _ = write!(
            out,
            r#"<text x="240" y="{:.1}" text-anchor="end" class="l">{}</text>"#,
            y + 20.0,
            super::html::escape(&row.libelle)
        );
        match (row.annee.secret, row.annee.valeur) {
            (true, _) => out.push_str(&secret_mark(centre - 12.0, y + 20.0)),
            (false, Some(v)) => {
                let w = (span * v / max).max(2.0);
                let _ = write!(
                    out,
                    r#"<rect x="{:.1}" y="{y:.1}" width="{w:.1}" height="30" class="cur"/>"#,
                    centre - w / 2.0
                );
                let inside = w > 90.0;
                let (tx, class) = if inside {
                    (centre, "v on")
                } else {
                    (centre + w / 2.0 + 30.0, "v")
                };
                out.push_str(&place.number(tx, y + 20.0, "middle", class, *r, v));
            }
            (false, None) => {}
        }
    }
    (20.0 + step * rows.len() as f64, out)
}

/// Structures on a circle, a line between two that worked together, thicker the more they did.
fn network(spec: &Spec, place: &Place) -> (f64, String) {
    let mut edges: Vec<(&str, &str, f64)> = reading::rows(spec, place.section)
        .iter()
        .filter_map(|(_, row)| {
            let (a, b) = row.ventilation.as_deref()?.split_once('|')?;
            Some((a, b, row.annee.valeur?))
        })
        .collect();
    edges.sort_by(|x, y| y.2.total_cmp(&x.2));
    let truncated = edges.len() > MAX_EDGES;
    edges.truncate(MAX_EDGES);
    let mut nodes: Vec<&str> = edges.iter().flat_map(|(a, b, _)| [*a, *b]).collect();
    nodes.sort_unstable();
    nodes.dedup();
    let (cx, cy, radius) = (WIDTH / 2.0, 230.0, 170.0);
    let at = |node: &str| {
        let k = nodes.iter().position(|n| *n == node).unwrap_or(0) as f64;
        let angle = std::f64::consts::TAU * k / nodes.len().max(1) as f64;
        (cx + radius * angle.cos(), cy + radius * angle.sin(), angle)
    };
    let heaviest = edges.first().map_or(1.0, |e| e.2.max(1.0));
    let mut out = String::new();
    for (a, b, w) in &edges {
        let ((x1, y1, _), (x2, y2, _)) = (at(a), at(b));
        let _ = write!(
            out,
            r#"<line x1="{x1:.1}" y1="{y1:.1}" x2="{x2:.1}" y2="{y2:.1}" class="edge" stroke-width="{:.1}"/>"#,
            0.5 + 4.5 * w / heaviest
        );
    }
    for node in &nodes {
        let (x, y, angle) = at(node);
        let (lx, ly) = (x + 14.0 * angle.cos(), y + 14.0 * angle.sin() + 4.0);
        let anchor = if angle.cos() < -0.2 {
            "end"
        } else if angle.cos() > 0.2 {
            "start"
        } else {
            "middle"
        };
        let _ = write!(
            out,
            r#"<circle cx="{x:.1}" cy="{y:.1}" r="6" class="cur"/><text x="{lx:.1}" y="{ly:.1}" text-anchor="{anchor}" class="l small">{}</text>"#,
            super::html::escape(node)
        );
    }
    if truncated {
        let _ = write!(
            out,
            r#"<text x="{cx}" y="452" text-anchor="middle" class="l small">{}</text>"#,
            place.lang.pick(
                "Seuls les liens les plus fréquents sont dessinés ; le tableau les donne tous.",
                "Only the most frequent links are drawn; the table gives them all."
            )
        );
    }
    if nodes.is_empty() {
        out.push_str(&format!(
            r#"<text x="{cx}" y="{cy}" text-anchor="middle">{}</text>"#,
            place.lang.pick("Aucun lien publié", "No link published")
        ));
    }
    (460.0, out)
}

/// The largest published value of `rows` (with the year before's too), at least 1.
fn max_of<'a>(rows: impl Iterator<Item = &'a Row>, with_previous: bool) -> f64 {
    rows.flat_map(|r| {
        [
            Some(r.annee.valeur),
            with_previous.then_some(r.annee_precedente.valeur),
        ]
    })
    .flatten()
    .flatten()
    .fold(1.0_f64, f64::max)
}

fn shorten(label: &str, max: usize) -> String {
    if label.chars().count() <= max {
        label.to_owned()
    } else {
        label.chars().take(max - 1).collect::<String>() + "…"
    }
}
