//! Embeds the indicator catalogue: every `indicators/*.sql` file, sorted by name, becomes an entry
//! of `INDICATOR_FILES` (`$OUT_DIR/indicator_files.rs`). Adding an indicator is adding a file.

use std::fmt::Write;
use std::path::Path;

fn main() {
    // Read at run time: a build script binary may be reused by another checkout of the crate.
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let dir = Path::new(&manifest).join("indicators");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("analytics/indicators exists")
        .map(|entry| entry.expect("readable folder").path())
        .filter(|path| path.extension().is_some_and(|e| e == "sql"))
        .collect();
    files.sort();
    let mut out = String::from("/// The indicator files: (id, SQL text), sorted by id.\n");
    out.push_str("pub const INDICATOR_FILES: &[(&str, &str)] = &[\n");
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
    let target = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"))
        .join("indicator_files.rs");
    std::fs::write(target, out).expect("OUT_DIR is writable");
}
