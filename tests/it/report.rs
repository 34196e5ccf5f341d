//! `pdn report`: the yearly impact report. Its JSON figures against a snapshot of fixed generator
//! data; the HTML's structure (every section, every chart with a text alternative, no external
//! resource, nothing like "NaN" shown) and every number it shows equal to the JSON's; small cells
//! hidden everywhere; English; the national report and the yearly all-departments run; and the
//! page loading in headless Chromium without a console message.

use std::path::{Path, PathBuf};
use std::process::Command;

use pdn_analytics::report::text::{number, signed, with_unit, Lang};
use serde_json::Value;

use crate::support::{generate_small, ok, pdn, NOW};

/// Generates `events` valid events over 2024-2025 for each department, ingests and projects them.
fn projected_lake(dir: &Path, departments: &[&str], events: &str) -> PathBuf {
    let lake = dir.join("lake");
    for department in departments {
        let sub = dir.join(department);
        std::fs::create_dir_all(&sub).unwrap();
        let (file, _) = generate_small(
            &sub,
            &[
                "--years",
                "2024-2025",
                "--events",
                events,
                "--department",
                department,
            ],
        );
        ok(pdn()
            .args(["ingest", "--now", NOW, "--lake"])
            .arg(&lake)
            .arg("--from")
            .arg(&file));
    }
    ok(pdn().args(["project", "--lake"]).arg(&lake));
    lake
}

/// Runs `pdn report` with `args`, returning the parsed JSON and the HTML.
fn report(lake: &Path, dir: &Path, name: &str, args: &[&str]) -> (Value, String) {
    let (html, json) = (
        dir.join(format!("{name}.html")),
        dir.join(format!("{name}.json")),
    );
    ok(pdn()
        .args(["report", "--year", "2025", "--lake"])
        .arg(lake)
        .arg("--out")
        .arg(&html)
        .arg("--json")
        .arg(&json)
        .args(args));
    (
        serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap(),
        std::fs::read_to_string(&html).unwrap(),
    )
}

/// Every number the HTML marks: (JSON pointer, value, text shown).
fn marked_numbers(html: &str) -> Vec<(String, f64, String)> {
    let attribute = |tag: &str, name: &str| -> Option<String> {
        let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
        Some(tag[start..start + tag[start..].find('"')?].to_owned())
    };
    let mut found = Vec::new();
    for (at, _) in html.match_indices("data-ref=\"") {
        let open = html[..at].rfind('<').unwrap();
        let close = at + html[at..].find('>').unwrap();
        let tag = &html[open..close];
        let value = attribute(tag, "data-value").or_else(|| attribute(tag, "value"));
        let shown = &html[close + 1..close + 1 + html[close + 1..].find('<').unwrap()];
        found.push((
            attribute(tag, "data-ref").unwrap(),
            value
                .unwrap_or_else(|| panic!("no value in {tag}"))
                .parse()
                .unwrap(),
            shown.to_owned(),
        ));
    }
    found
}

/// The text a reader sees: tags and the contents of `<style>` removed.
fn visible_text(html: &str) -> String {
    let body = &html[html.find("</style>").unwrap()..];
    let mut out = String::new();
    let mut in_tag = false;
    for c in body.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

fn assert_html_shows_exactly_the_json(html: &str, json: &Value, lang: Lang) {
    let numbers = marked_numbers(html);
    assert!(numbers.len() > 200, "only {} numbers marked", numbers.len());
    for (pointer, value, shown) in numbers {
        let held = json
            .pointer(&pointer)
            .and_then(Value::as_f64)
            .unwrap_or_else(|| panic!("{pointer} (shown {shown}) is not a number of the JSON"));
        assert_eq!(held, value, "{pointer}");
        let written = [
            number(value, lang),
            with_unit(value, "%", lang),
            signed(value, lang),
        ];
        assert!(
            written.contains(&shown),
            "{pointer}: {value} shown as {shown:?}"
        );
    }
}

fn assert_structure(html: &str, json: &Value) {
    for id in (1..=8)
        .map(|a| format!("id=\"axe-{a}\""))
        .chain(["id=\"annexe\"".to_owned()])
    {
        assert!(html.contains(&id), "no section {id}");
    }
    // Every axis has a chart, every chart a title and a description it is labelled by.
    for axis in json["axes"].as_array().unwrap() {
        assert!(
            !axis["graphiques"].as_array().unwrap().is_empty(),
            "no chart in {}",
            axis["axe"]
        );
    }
    let charts = html.matches("<svg ").count();
    let expected: usize = json["axes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["graphiques"].as_array().unwrap().len())
        .sum();
    assert_eq!(charts, expected);
    for (at, _) in html.match_indices("<svg ") {
        let tag = &html[at..at + html[at..].find('>').unwrap()];
        assert!(tag.contains("role=\"img\""), "{tag}");
        let labels = tag
            .split("aria-labelledby=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        for id in labels.split(' ') {
            let element = html
                .find(&format!("id=\"{id}\">"))
                .unwrap_or_else(|| panic!("{id} is not in the page"));
            let text = &html[element + id.len() + 6..];
            assert!(!text.starts_with('<'), "{id} is empty");
        }
    }
    for external in [
        "http://", "https://", "src=", "url(", "@import", "<script", "<link",
    ] {
        assert!(!html.contains(external), "the page refers to {external}");
    }
    let text = visible_text(html);
    let words: Vec<&str> = text.split(|c: char| !c.is_alphanumeric()).collect();
    for word in ["NaN", "null", "undefined", "Infinity", "inf", "None"] {
        assert!(!words.contains(&word), "the page shows {word}");
    }
}

#[test]
fn the_department_report_is_complete_shows_the_jsons_numbers_and_keeps_its_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let lake = projected_lake(dir.path(), &["82"], "20000");
    let csv = dir.path().join("tables");
    let (json, html) = report(
        &lake,
        dir.path(),
        "r",
        &["--department", "82", "--csv-dir", csv.to_str().unwrap()],
    );
    assert_structure(&html, &json);
    assert_html_shows_exactly_the_json(&html, &json, Lang::Fr);
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"fr\">"));
    assert!(html.contains("Rapport d'impact") && html.contains("Annexe méthodologique"));
    // The department report gives the national figure beside each of its own.
    assert!(json["axes"][0]["indicateurs"][0]["lignes"][0]["national"].is_object());

    // The CSV tables hold the same lines.
    let lines: usize = json["axes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|a| a["indicateurs"].as_array().unwrap())
        .map(|i| i["lignes"].as_array().unwrap().len())
        .sum();
    let table = std::fs::read_to_string(csv.join("indicateurs.csv")).unwrap();
    assert_eq!(table.lines().count(), lines + 1);
    for name in [
        "chiffres_cles.csv",
        "couverture.csv",
        "cellules_masquees.csv",
    ] {
        assert!(csv.join(name).exists(), "{name}");
    }

    // Fixed generator data give fixed figures: the snapshot, but for the lake's version.
    let mut figures = json.clone();
    figures["couverture"]["version_lac"] = Value::Null;
    let snapshot = crate::support::repo().join("tests/snapshots/report-82-2025.json");
    let written = serde_json::to_string_pretty(&figures).unwrap() + "\n";
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&snapshot, &written).unwrap();
    }
    let expected = std::fs::read_to_string(&snapshot)
        .expect("the snapshot (UPDATE_SNAPSHOTS=1 writes it after a reviewed change)");
    assert!(
        expected == written,
        "the report's figures differ from {}; if the change is intended, rerun with \
         UPDATE_SNAPSHOTS=1 and review the diff",
        snapshot.display()
    );
}

/// The published cells of `pdn indicators` for 2025: (id, ventilation) → (secret, youths).
fn indicator_cells(
    lake: &Path,
    department: &str,
) -> Vec<(String, Option<String>, bool, Option<i64>)> {
    let text = ok(pdn()
        .args([
            "indicators",
            "--year",
            "2025",
            "--format",
            "json",
            "--department",
            department,
            "--lake",
        ])
        .arg(lake));
    let table: Value = serde_json::from_str(&text).unwrap();
    table["indicateurs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["id"].as_str().unwrap().to_owned(),
                l["ventilation"].as_str().map(str::to_owned),
                l["valeur"]["secret"] == true,
                l["valeur"]["jeunes"].as_i64(),
            )
        })
        .collect()
}

#[test]
fn a_small_department_shows_no_cell_under_eleven_young_people_in_any_language_or_scope() {
    let dir = tempfile::tempdir().unwrap();
    let lake = projected_lake(dir.path(), &["82", "46"], "3000");
    let (json, html) = report(&lake, dir.path(), "r82", &["--department", "82"]);
    assert_structure(&html, &json);
    assert_html_shows_exactly_the_json(&html, &json, Lang::Fr);
    assert!(
        !json["cellules_masquees"].as_array().unwrap().is_empty(),
        "nothing hidden"
    );

    // Every cell the report publishes is built from 11 young people or more (or is not about
    // young people); every hidden cell is hidden in the HTML too.
    let cells = indicator_cells(&lake, "82");
    for (a, axis) in json["axes"].as_array().unwrap().iter().enumerate() {
        for (i, indicator) in axis["indicateurs"].as_array().unwrap().iter().enumerate() {
            for (r, row) in indicator["lignes"].as_array().unwrap().iter().enumerate() {
                let id = indicator["id"].as_str().unwrap();
                let ventilation = row["ventilation"].as_str().map(str::to_owned);
                let (_, _, secret, youths) = cells
                    .iter()
                    .find(|c| c.0 == id && c.1 == ventilation)
                    .unwrap_or_else(|| panic!("{id} {ventilation:?} is not an indicator cell"));
                let pointer = format!("/axes/{a}/indicateurs/{i}/lignes/{r}/annee/valeur");
                assert_eq!(row["annee"]["secret"] == true, *secret, "{pointer}");
                if *secret {
                    assert!(
                        row["annee"]["valeur"].is_null() && row["evolution"].is_null(),
                        "{pointer}"
                    );
                    assert!(
                        !html.contains(&format!("\"{pointer}\"")),
                        "{pointer} is shown"
                    );
                } else if let Some(n) = youths {
                    assert!(
                        *n == 0 || *n >= 11,
                        "{pointer} is built from {n} young people"
                    );
                }
            }
        }
    }

    // The English report has the same numbers, in English.
    let (english, html_en) = report(
        &lake,
        dir.path(),
        "en82",
        &["--department", "82", "--lang", "en"],
    );
    assert!(html_en.contains("<html lang=\"en\">") && html_en.contains("Impact report"));
    assert_html_shows_exactly_the_json(&html_en, &english, Lang::En);
    assert_eq!(english["axes"][1]["indicateurs"], {
        let mut french = json["axes"][1]["indicateurs"].clone();
        for (f, e) in french
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .zip(english["axes"][1]["indicateurs"].as_array().unwrap())
        {
            for key in ["nom", "unite", "definition"] {
                f[key] = e[key].clone();
            }
            for (fr, en) in f["lignes"]
                .as_array_mut()
                .unwrap()
                .iter_mut()
                .zip(e["lignes"].as_array().unwrap())
            {
                fr["libelle"] = en["libelle"].clone();
            }
        }
        french
    });

    // The national report sets the departments side by side, hiding enough that the national
    // total cannot give a hidden department back.
    let (national, html_fr) = report(&lake, dir.path(), "national", &[]);
    assert_structure(&html_fr, &national);
    assert_html_shows_exactly_the_json(&html_fr, &national, Lang::Fr);
    let comparison = &national["departements"];
    let rows = comparison["lignes"].as_array().unwrap();
    assert_eq!(
        rows.iter()
            .map(|r| r["departement"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["46", "82"]
    );
    for k in 0..comparison["indicateurs"].as_array().unwrap().len() {
        let hidden = rows
            .iter()
            .filter(|r| r["valeurs"][k]["secret"] == true)
            .count();
        assert!(
            hidden != 1,
            "column {k}: one hidden department is the total minus the other"
        );
    }

    // The yearly job: every department and the national report.
    let out = dir.path().join("all");
    ok(pdn()
        .args(["report", "--year", "2025", "--all-departments", "--out-dir"])
        .arg(&out)
        .arg("--lake")
        .arg(&lake));
    let mut files: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(
        files,
        [
            "rapport-46-2025.html",
            "rapport-46-2025.json",
            "rapport-82-2025.html",
            "rapport-82-2025.json",
            "rapport-national-2025.html",
            "rapport-national-2025.json"
        ]
    );
    let again: Value =
        serde_json::from_slice(&std::fs::read(out.join("rapport-82-2025.json")).unwrap()).unwrap();
    assert_eq!(again["axes"], json["axes"]);
}

/// Loads `html` in headless Chromium; returns the console messages it logged.
fn console_messages(html: &Path) -> Vec<String> {
    let browser = std::env::var("PDN_BROWSER").unwrap_or_else(|_| "chromium".into());
    let output = Command::new(&browser)
        .args([
            "--headless",
            "--disable-gpu",
            "--no-sandbox",
            "--enable-logging=stderr",
            "--v=0",
            "--dump-dom",
        ])
        .arg(format!("file://{}", html.display()))
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run {browser} (scripts/install-test-deps installs it): {e}")
        });
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let dom = String::from_utf8_lossy(&output.stdout);
    assert!(dom.contains("</html>"), "the page did not load: {dom}");
    String::from_utf8_lossy(&output.stderr)
        .lines()
        .filter(|l| l.contains(":CONSOLE"))
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_report_loads_in_headless_chromium_without_console_messages() {
    let dir = tempfile::tempdir().unwrap();
    let lake = projected_lake(dir.path(), &["82"], "3000");
    let html = dir.path().join("rapport.html");
    ok(pdn()
        .args(["report", "--year", "2025", "--department", "82", "--lake"])
        .arg(&lake)
        .arg("--out")
        .arg(&html));
    assert_eq!(console_messages(&html), Vec::<String>::new());
    // The check sees what the page's policy blocks: an external image is reported.
    let page = std::fs::read_to_string(&html).unwrap();
    let tainted = dir.path().join("tainted.html");
    std::fs::write(
        &tainted,
        page.replace(
            "<main>",
            "<main><img alt=\"\" src=\"https://example.org/x.png\">",
        ),
    )
    .unwrap();
    let messages = console_messages(&tainted);
    assert!(
        messages.iter().any(|m| m.contains("example.org")),
        "{messages:?}"
    );
}
