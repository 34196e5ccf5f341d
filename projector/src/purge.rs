//! Deleting read-model files that are no longer part of the models.
//!
//! A projection replaces model files in a commit but leaves the old ones on disk, so that readers
//! holding an older version keep working until a vacuum (`pdn compact`) deletes them. After an
//! erasure (`pdn forget`, `pdn retention --apply`) the old files may still name the erased youth:
//! they are deleted at once instead (privacy wins over old snapshots, as for the event files).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use pdn_ingest::IngestError;

use crate::error::Result;

/// Deletes every file under `<root>/models/` that the lake's current version does not name;
/// returns how many. Files are listed before the version is read, so a file committed meanwhile
/// is named by that version and kept.
pub fn purge_replaced(root: &Path) -> Result<u64> {
    let mut found = Vec::new();
    list(&root.join("models"), &mut found)?;
    let state = pdn_ingest::lake::read_state(root)?;
    let live: BTreeSet<PathBuf> = state
        .files
        .values()
        .filter(|f| f.table.starts_with("models/"))
        .map(|f| root.join(&f.path))
        .collect();
    let mut deleted = 0;
    for path in found.into_iter().filter(|p| !live.contains(p)) {
        match std::fs::remove_file(&path) {
            Ok(()) => deleted += 1,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => return Err(IngestError::Io { path, source }.into()),
        }
    }
    Ok(deleted)
}

fn list(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(source) => {
            return Err(IngestError::Io {
                path: dir.to_owned(),
                source,
            }
            .into())
        }
    };
    for entry in entries {
        let path = entry
            .map_err(|source| IngestError::Io {
                path: dir.to_owned(),
                source,
            })?
            .path();
        if path.is_dir() {
            list(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}
