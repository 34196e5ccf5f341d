//! Embeds the SQL catalogues: every `indicators/*.sql` file, sorted by name, becomes an entry of
//! `INDICATOR_FILES` (`$OUT_DIR/indicator_files.rs`), and every `views/*.sql` one of `VIEW_FILES`
//! (`$OUT_DIR/view_files.rs`). Adding an indicator or a view is adding a file.

use std::fmt::Write;
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    embed("indicators", "INDICATOR_FILES", "indicator_files.rs");
    embed("views", "VIEW_FILES", "view_files.rs");
}

fn embed(folder: &str, constant: &str, target: &str) {
    // Read at run time: a build script binary may be reused by another checkout of the crate.
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let dir = Path::new(&manifest).join(folder);
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|_| panic!("analytics/{folder} exists"))
        .map(|entry| entry.expect("readable folder").path())
        .filter(|path| path.extension().is_some_and(|e| e == "sql"))
        .collect();
    files.sort();
    let mut out = format!("/// The files of `{folder}/`: (name, SQL text), sorted by name.\n");
    writeln!(out, "pub const {constant}: &[(&str, &str)] = &[").expect("writing to a string");
    for path in &files {
        let id = path
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("UTF-8 names");
        writeln!(
            out,
            "    ({id:?}, include_str!({:?})),",
            path.display().to_string()
        )
        .expect("writing to a string");
    }
    out.push_str("];\n");
    let target = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join(target);
    std::fs::write(target, out).expect("OUT_DIR is writable");
}
