//! `pdn indicators`: the catalogue, and the indicators computed on generated data recover the
//! figures the generator planted, with small cells suppressed.

use std::path::Path;

use serde_json::Value;

use crate::support::{generate_with_truth, ok, pdn, NOW};

/// Generates two years of one department (retractions and amendments included), ingests and
/// projects them; returns the lake and the truth.
fn projected_lake(dir: &Path, extra: &[&str]) -> (std::path::PathBuf, Value) {
    let mut args = vec!["--years", "2024-2025"];
    args.extend_from_slice(extra);
    let (events, truth) = generate_with_truth(dir, &args);
    let lake = dir.join("lake");
    ok(pdn()
        .args(["ingest", "--now", NOW, "--lake"])
        .arg(&lake)
        .arg("--from")
        .arg(&events));
    ok(pdn().args(["project", "--lake"]).arg(&lake));
    (lake, truth)
}

fn indicators_json(lake: &Path, year: &str, department: Option<&str>) -> Value {
    let mut cmd = pdn();
    cmd.args(["indicators", "--year", year, "--format", "json", "--lake"])
        .arg(lake);
    if let Some(department) = department {
        cmd.args(["--department", department]);
    }
    serde_json::from_str(&ok(&mut cmd)).unwrap()
}

/// The published value of an indicator's cell: (value, previous year's value).
fn cell(table: &Value, id: &str, ventilation: Option<&str>) -> (Option<f64>, Option<f64>) {
    let line = table["indicateurs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == id && l["ventilation"].as_str() == ventilation)
        .unwrap_or_else(|| panic!("no line {id} {ventilation:?}"));
    (
        line["valeur"]["valeur"].as_f64(),
        line["valeur_precedente"]["valeur"].as_f64(),
    )
}

#[test]
fn the_catalogue_lists_every_axis_and_the_definitions_in_csv() {
    let listing = ok(pdn().args(["indicators", "--format", "csv"]));
    let header = listing.lines().next().unwrap();
    assert_eq!(header, "id,axe,indicateur,unité,définition");
    for axis in pdn_analytics::indicators::AXES {
        assert!(listing.contains(axis), "no indicator on {axis}:\n{listing}");
    }
    let unknown = pdn()
        .args(["indicators", "--only", "no_such_indicator"])
        .output()
        .unwrap();
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no indicator no_such_indicator"));
}

#[test]
fn indicators_recover_the_generators_figures_for_both_years() {
    let dir = tempfile::tempdir().unwrap();
    let (lake, truth) = projected_lake(dir.path(), &[]);
    let table = indicators_json(&lake, "2025", Some("82"));
    assert_eq!(table["annee"], 2025);
    for (year, pick) in [("2025", 0), ("2024", 1)] {
        let t = &truth["by_year"][year]["departments"]["82"];
        let n = |key: &str| t[key].as_f64().unwrap();
        let value = |id: &str, ventilation: Option<&str>| {
            let (current, previous) = cell(&table, id, ventilation);
            [current, previous][pick].unwrap_or_else(|| panic!("{id} {year} not shown"))
        };
        let close = |id: &str, got: f64, want: f64| {
            assert!(
                (got - want).abs() < 1e-9 * want.abs().max(1.0),
                "{id} {year}: {got} != {want}"
            );
        };
        close(
            "reseau_pdn_actifs",
            value("reseau_pdn_actifs", None),
            n("active_professionals"),
        );
        close(
            "lien_jeunes_distincts",
            value("lien_jeunes_distincts", None),
            n("youths_in_contact"),
        );
        close(
            "lien_nouveaux_jeunes",
            value("lien_nouveaux_jeunes", None),
            n("new_youths"),
        );
        let initiated = 100.0 * n("contacts_initiated_by_youth") / n("contacts");
        close(
            "initiated",
            value("lien_part_contacts_inities_par_jeunes", None),
            initiated,
        );
        close(
            "contacts",
            value("numerique_contacts_par_canal", None),
            n("contacts"),
        );
        for (channel, contacts) in t["contacts_by_channel"].as_object().unwrap() {
            let got = value("numerique_contacts_par_canal", Some(channel));
            close(channel, got, contacts.as_f64().unwrap());
        }
        let retention = 100.0 * n("retained_new_youths") / n("new_youths");
        close(
            "retention",
            value("confiance_retention_30j", None),
            retention,
        );
        let conversion = 100.0 * n("converted_new_youths") / n("new_youths");
        close(
            "conversion",
            value("frequentation_conversion_60j", None),
            conversion,
        );
        let opened = value("initiatives_projets_accompagnes", None);
        close("opened", opened, n("accompaniments_opened"));
        let completion = 100.0 * n("referrals_attended") / n("referrals_made");
        close(
            "completion",
            value("collaboration_orientations_issue_positive", None),
            completion,
        );
        let concerns = 100.0 * n("concerns_flagged") / n("youths_in_contact");
        close(
            "concerns",
            value("prevention_preoccupations_pour_100_jeunes", None),
            concerns,
        );
    }
}

#[test]
fn small_cells_are_suppressed_with_a_second_cell_and_never_published() {
    let dir = tempfile::tempdir().unwrap();
    let (lake, _) = projected_lake(dir.path(), &["--events", "4000"]);
    let table = indicators_json(&lake, "2025", None);
    let text = serde_json::to_string(&table).unwrap();
    assert!(
        text.contains("\"secret\":true"),
        "nothing suppressed: {table:#}"
    );
    let lines = table["indicateurs"].as_array().unwrap();
    for key in ["valeur", "valeur_precedente"] {
        for line in lines {
            let cell = &line[key];
            if cell["secret"] == true {
                assert!(
                    cell["valeur"].is_null() && cell.get("jeunes").is_none(),
                    "{line}"
                );
                assert!(line["evolution"].is_null(), "a change reveals {line}");
            } else if let Some(youths) = cell["jeunes"].as_i64() {
                assert!(
                    youths == 0 || youths >= 11,
                    "published with {youths} youths: {line}"
                );
            }
        }
        // Secondary suppression: no breakdown has exactly one hidden cell.
        let mut ids: Vec<&str> = lines.iter().map(|l| l["id"].as_str().unwrap()).collect();
        ids.dedup();
        for id in ids {
            let of = |l: &&Value| l["id"] == id;
            let total_shown = lines
                .iter()
                .filter(of)
                .any(|l| l["ventilation"].is_null() && l[key]["secret"] != true);
            let hidden = lines
                .iter()
                .filter(of)
                .filter(|l| !l["ventilation"].is_null() && l[key]["secret"] == true)
                .count();
            assert!(
                !(total_shown && hidden == 1),
                "{id} {key}: one hidden cell can be worked back from the total"
            );
        }
    }
    let csv = ok(pdn()
        .args(["indicators", "--year", "2025", "--format", "csv", "--lake"])
        .arg(&lake));
    assert!(csv.contains(",< 11,") || csv.contains(",< 11\n"), "{csv}");
}

#[test]
fn every_definition_gives_the_same_values_on_duckdb_and_datafusion() {
    let dir = tempfile::tempdir().unwrap();
    let (lake, _) = projected_lake(dir.path(), &["--events", "20000"]);
    let script = crate::support::repo().join("scripts/crosscheck/indicators.py");
    for department in ["82", "all"] {
        let out = std::process::Command::new("python3")
            .arg(&script)
            .arg(&lake)
            .args(["2025", department, "--pdn", env!("CARGO_BIN_EXE_pdn")])
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let count = pdn_analytics::indicators::catalogue().unwrap().len();
        assert!(
            stdout.contains(&format!("{count} indicators, 0 failing")),
            "{stdout}"
        );
    }
}
