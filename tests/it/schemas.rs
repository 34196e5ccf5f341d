//! `pdn schemas`: the written JSON Schemas and the data dictionary are the committed ones.

use crate::support::{ok, pdn};

#[test]
fn writes_the_committed_schemas() {
    let dir = tempfile::tempdir().unwrap();
    ok(pdn().args(["schemas", "--out-dir"]).arg(dir.path()));
    let committed = crate::support::repo().join("schemas/json");
    let mut count = 0;
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let entry = entry.unwrap();
        let theirs = std::fs::read(committed.join(entry.file_name())).unwrap();
        assert_eq!(
            std::fs::read(entry.path()).unwrap(),
            theirs,
            "{:?}",
            entry.file_name()
        );
        count += 1;
    }
    assert_eq!(count, std::fs::read_dir(committed).unwrap().count());
    let listing = ok(pdn().arg("schemas"));
    assert!(
        listing.contains("contact.recorded                 v1  upcast on read"),
        "{listing}"
    );
}

#[test]
fn help_shows_examples_and_environment_variables() {
    for cmd in ["generate", "validate", "pseudonymize", "schemas"] {
        let help = ok(pdn().args([cmd, "--help"]));
        assert!(help.contains("Examples:"), "{cmd}: {help}");
        assert!(help.contains("[env: PDN_"), "{cmd}: {help}");
    }
}

#[test]
fn the_committed_data_dictionary_is_the_generated_one_for_every_column() {
    for (lang, file) in [
        ("fr", "docs/dictionary.md"),
        ("en", "docs/dictionary.en.md"),
    ] {
        let generated = ok(pdn().args(["schemas", "--dictionary", "--lang", lang]));
        let path = crate::support::repo().join(file);
        let committed = std::fs::read_to_string(&path).unwrap();
        assert!(
            generated == committed,
            "{file} is not `pdn schemas --dictionary --lang {lang}`: regenerate it"
        );
        for table in [
            "contact",
            "youth_month",
            "events",
            "dead_letters",
            "referrals",
        ] {
            assert!(generated.contains(&format!("## `{table}`")), "{table}");
        }
    }
}
