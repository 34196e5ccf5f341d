//! `pdn sql`: the interactive shell (multi-line statements, `\d`, refusals, history) and the
//! Parquet output, read back by DuckDB.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::support::{generate_small, ok, pdn, run_with_stdin, NOW};

fn small_lake(dir: &Path) -> std::path::PathBuf {
    let (events, _) = generate_small(dir, &["--events", "2000"]);
    let lake = dir.join("lake");
    ok(pdn()
        .args(["ingest", "--now", NOW, "--lake"])
        .arg(&lake)
        .arg("--from")
        .arg(&events));
    lake
}

#[test]
fn the_shell_runs_multi_line_statements_lists_tables_refuses_writes_and_keeps_history() {
    let dir = tempfile::tempdir().unwrap();
    let lake = small_lake(dir.path());
    let history = dir.path().join("history");
    let mut cmd = pdn();
    cmd.args(["sql", "--interactive", "--lake"])
        .arg(&lake)
        .arg("--history")
        .arg(&history);
    let script = "\\format csv\n\\d\nSELECT count(*) AS n\n  FROM contact;\n\\d contact\n\
                  DROP TABLE contact;\nSELECT count(*) AS after FROM contact;\n\\q\n";
    let out = run_with_stdin(cmd, script.as_bytes());
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    let contacts = ok(pdn()
        .args(["sql", "--format", "csv", "--lake"])
        .arg(&lake)
        .args(["-c", "SELECT count(*) AS n FROM contact"]));
    let n = contacts.lines().nth(1).unwrap();
    assert!(stdout.contains(&format!("n\n{n}\n")), "{stdout}");
    assert!(
        stdout.contains(&format!("after\n{n}\n")),
        "the table survived: {stdout}"
    );
    assert!(
        stdout.contains("youth_month") && stdout.contains("contact,table,"),
        "{stdout}"
    );
    assert!(
        stdout.contains("occurred_at,"),
        "columns of contact: {stdout}"
    );
    assert!(stderr.contains("only queries run here"), "{stderr}");
    // The friendly views: French names over the same rows.
    assert!(stdout.contains("jeunes_par_mois,view,"), "{stdout}");
    let friendly = ok(pdn()
        .args(["sql", "--format", "csv", "--lake"])
        .arg(&lake)
        .args([
            "-c",
            "SELECT count(*) AS n, count(DISTINCT canal) > 1 AS canaux FROM contacts",
        ]));
    assert_eq!(friendly.lines().nth(1).unwrap(), format!("{n},true"));
    let kept = std::fs::read_to_string(&history).unwrap();
    assert!(
        kept.contains("SELECT count(*) AS n\n  FROM contact;"),
        "{kept}"
    );
    assert!(kept.contains("DROP TABLE contact;"), "{kept}");
}

#[test]
fn a_result_written_as_parquet_is_read_back_by_duckdb() {
    let dir = tempfile::tempdir().unwrap();
    let lake = small_lake(dir.path());
    let file = dir.path().join("channels.parquet");
    let query = "SELECT channel, count(*) AS contacts FROM contact GROUP BY channel";
    ok(pdn()
        .args(["sql", "--format", "parquet", "--lake"])
        .arg(&lake)
        .args(["-c", query, "--out"])
        .arg(&file));
    let total = ok(pdn()
        .args(["sql", "--format", "csv", "--lake"])
        .arg(&lake)
        .args(["-c", "SELECT count(*) AS n FROM contact"]));
    let duckdb = Command::new("python3")
        .args([
            "-c",
            "import duckdb, sys; print(duckdb.sql(f\"SELECT sum(contacts) FROM '{sys.argv[1]}'\").fetchall()[0][0])",
        ])
        .arg(&file)
        .stderr(Stdio::inherit())
        .output()
        .unwrap();
    assert!(duckdb.status.success());
    assert_eq!(
        String::from_utf8(duckdb.stdout).unwrap().trim(),
        total.lines().nth(1).unwrap()
    );
    let refused = pdn()
        .args(["sql", "--format", "parquet", "--lake"])
        .arg(&lake)
        .args(["-c", query])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--out FILE"));
}
