//! How far the read models are behind the event store.

use std::path::Path;

use pdn_ingest::log::CommitLog;
use serde::Serialize;

use crate::error::Result;
use crate::run::SOURCE;

/// The projector's position against the lake's log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Lag {
    /// The last log version the read models include (None: never projected).
    pub projected: Option<u64>,
    /// The lake's last version.
    pub version: u64,
    /// Commits of other writers (new batches, compactions, erasures) not yet in the read models.
    pub commits_behind: u64,
}

/// The projector's lag on the lake at `root`.
pub fn lag(root: &Path) -> Result<Lag> {
    let state = pdn_ingest::lake::read_state(root)?;
    let projected = state.next_offset(SOURCE, 0).map(|next| next as u64 - 1);
    let from = projected.map_or(1, |p| p + 1);
    let mut commits_behind = 0;
    if from <= state.version {
        let log = CommitLog::open(&root.join("_pdn"))?;
        for version in from..=state.version {
            let own = log.read(version)?.is_some_and(|c| c.writer == SOURCE);
            commits_behind += u64::from(!own);
        }
    }
    Ok(Lag {
        projected,
        version: state.version,
        commits_behind,
    })
}
