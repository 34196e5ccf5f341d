//! `--config FILE`: a TOML file sets flags, below the environment and the command line.

use crate::support::{ok, pdn};

#[test]
fn the_command_line_wins_over_the_environment_which_wins_over_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let lake = |name: &str| dir.path().join(name).display().to_string();
    let config = dir.path().join("pdn.toml");
    std::fs::write(
        &config,
        format!(
            "lake = {:?}\n[serve]\nquery-timeout-s = 3\n",
            lake("from-file")
        ),
    )
    .unwrap();
    let status_lake = |cmd: &mut std::process::Command| -> String {
        let out = ok(cmd);
        let first = out.lines().next().unwrap_or_default();
        let lake = first
            .strip_prefix("lake ")
            .and_then(|l| l.split(" at version").next());
        lake.unwrap_or_else(|| panic!("{out}")).to_owned()
    };
    assert_eq!(
        status_lake(pdn().arg("--config").arg(&config).arg("status")),
        lake("from-file")
    );
    assert_eq!(
        status_lake(pdn().env("PDN_CONFIG", &config).arg("status")),
        lake("from-file")
    );
    assert_eq!(
        status_lake(
            pdn()
                .env("PDN_CONFIG", &config)
                .env("PDN_LAKE", lake("from-env"))
                .arg("status")
        ),
        lake("from-env")
    );
    assert_eq!(
        status_lake(
            pdn()
                .env("PDN_CONFIG", &config)
                .env("PDN_LAKE", lake("from-env"))
                .args(["status", "--lake"])
                .arg(lake("from-flag"))
        ),
        lake("from-flag")
    );
}

#[test]
fn a_mistake_in_the_file_stops_every_command_with_its_place() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("pdn.toml");
    std::fs::write(&config, "[serve]\nquery-timeout = 30\n").unwrap();
    let out = pdn()
        .arg("--config")
        .arg(&config)
        .arg("status")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("[serve] query-timeout: `pdn serve` has no flag --query-timeout"),
        "{stderr}"
    );
}
