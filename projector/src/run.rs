//! One projection run: find what changed since the last run, recompute those partitions of the
//! read models, and commit them with the projector's new position, atomically.
//!
//! The projector's position is kept in the lake's own commit log, as the offsets of the source
//! [`SOURCE`] (partition 0): the range of log versions a run has projected. A run's commit adds the
//! new model files, removes the ones they replace and records that range in one version, and the
//! log refuses a range that does not follow the last one (`OffsetConflict`): two projectors can
//! never both apply the same versions, and a crash before the commit leaves the models as they were.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::compute::concat_batches;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::datasource::{MemTable, TableProvider};
use datafusion::prelude::SessionContext;
use pdn_ingest::lake::{CommitDraft, Lake};
use pdn_ingest::log::{CommitLog, FileEntry, LogState, OffsetRange};
use pdn_schemas::Family;

use crate::corrections::{collect, Applied, Corrections};
use crate::error::{arrow, datafusion, Result};
use crate::files::{events_over, table_over, timed, Held};
use crate::keyed;
use crate::models::{Keys, Model, Scope, MODELS, WHOLE};

/// The source name under which the projector records the log versions it has applied.
pub const SOURCE: &str = "projector";

/// What a run did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    /// The log versions applied (none when the models were already up to date).
    pub versions: Option<(u64, u64)>,
    pub rebuilt: bool,
    /// Model partitions recomputed, and their rows.
    pub partitions: usize,
    /// Of those, the partitions recomputed by key (only the keys the run touches).
    pub keyed: usize,
    pub rows: u64,
    /// Amendments applied to the events read, and amendments ignored (they did not validate).
    pub amended: u64,
    pub ignored_amendments: u64,
    /// The version of the run's commit, if it made one.
    pub committed: Option<u64>,
}

/// Applies every committed version not yet projected (or, with `rebuild`, recomputes every model
/// from the whole log) and commits the result.
pub async fn project(root: &Path, rebuild: bool) -> Result<Report> {
    let mut lake = Lake::open(root)?;
    let state = lake.state().clone();
    let first = state.next_offset(SOURCE, 0).unwrap_or(1) as u64;
    let last = state.version;
    let mut report = Report {
        rebuilt: rebuild,
        ..Report::default()
    };
    if first > last && !rebuild {
        return Ok(report);
    }
    let mut changes = if rebuild || first == 1 {
        Changes::everything()
    } else {
        Changes::since(root, &state, first, last).await?
    };
    if !changes.any() && !changes.foreign {
        return Ok(report);
    }
    let new = changes.new_corrections();
    // New corrections compacted with older ones: the corrections before the run are not told
    // apart; recompute whole partitions.
    let told_apart = new.iter().all(|f| state.files.contains_key(&f.path));
    let (corrections, previous) = if new.is_empty() || !told_apart {
        changes.keyable &= told_apart;
        (Corrections::of_lake(root, &state).await?, None)
    } else {
        let new: BTreeSet<&String> = new.iter().map(|f| &f.path).collect();
        let (now, before) =
            Corrections::of_lake_and_before(root, &state, &new, &changes.targets).await?;
        (now, Some(before))
    };
    let mut draft = CommitDraft {
        operation: if rebuild { "rebuild" } else { "project" }.to_owned(),
        ..CommitDraft::default()
    };
    let mut schemas = BTreeMap::new();
    for model in MODELS {
        schemas.insert(model.name, crate::schema::of(model).await?);
    }
    let mut recomputed: BTreeMap<&str, Vec<RecordBatch>> = BTreeMap::new();
    let (corrected, targeted) = (Held::default(), Held::default());
    for model in MODELS {
        let partitions = changes.partitions(model, &state, &recomputed);
        for partition in &partitions {
            let inputs = Inputs {
                state: &state,
                corrections: &corrections,
                previous: previous.as_ref().unwrap_or(&corrections),
                targets: &changes.targets,
                target_months: &changes.corrected,
                corrected: &corrected,
                targeted: &targeted,
                recomputed: &recomputed,
                schemas: &schemas,
            };
            let uses_changed = model.uses.iter().any(|m| recomputed.contains_key(m));
            let new = changes.new_files(model, partition, &state, rebuild, uses_changed);
            let keyed = match new {
                Some((keys, new)) => {
                    Some(keyed::compute(root, &inputs, model, keys, partition, &new).await?)
                }
                None => None,
            };
            let (batch, applied, old) = match keyed {
                Some(keyed::Keyed::Unchanged) => continue,
                Some(keyed::Keyed::Rows { rows, applied, old }) => {
                    report.keyed += 1;
                    (rows, applied, Some(old))
                }
                Some(keyed::Keyed::Most) | None => {
                    let (batch, applied) = compute(root, &inputs, model, partition).await?;
                    (batch, applied, None)
                }
            };
            report.partitions += 1;
            report.amended += applied.amended;
            report.ignored_amendments += applied.ignored;
            let same = !rebuild
                && model.scope == Scope::Whole
                && holds(root, &state, model, &batch, old.as_ref())?;
            // Read for the keyed merge, and spared a second reading by `holds`: freed before the
            // new file is written.
            drop(old);
            if same {
                // The same rows: the file stays, and the models using it need no recomputing.
                continue;
            }
            draft.remove.extend(
                state
                    .files_of(&model.table())
                    .filter(|f| &f.partition == partition)
                    .map(|f| f.path.clone()),
            );
            if batch.num_rows() > 0 {
                report.rows += batch.num_rows() as u64;
                let (staged, elapsed) =
                    timed(|| lake.stage(&model.table(), partition, &batch, None));
                draft.files.push(staged?);
                let rows = batch.num_rows();
                tracing::debug!(
                    model = model.name,
                    partition,
                    rows,
                    ?elapsed,
                    "model file written"
                );
            }
            if model.scope == Scope::Whole {
                recomputed.insert(model.name, vec![batch]);
            }
        }
        tracing::info!(
            model = model.name,
            partitions = partitions.len(),
            "model projected"
        );
    }
    if rebuild {
        let live: BTreeSet<&String> = draft.remove.iter().collect();
        let stale: Vec<String> = state
            .files
            .values()
            .filter(|f| f.table.starts_with("models/") && !live.contains(&f.path))
            .map(|f| f.path.clone())
            .collect();
        draft.remove.extend(stale);
    }
    if first <= last {
        let range = OffsetRange {
            first: first as i64,
            last: last as i64,
        };
        draft
            .offsets
            .insert(SOURCE.to_owned(), BTreeMap::from([(0, range)]));
        report.versions = Some((first, last));
    }
    if draft.files.is_empty() && draft.remove.is_empty() && draft.offsets.is_empty() {
        return Ok(report);
    }
    let commit = lake.commit(draft, SOURCE)?;
    report.committed = Some(commit.version);
    Ok(report)
}

/// What changed in the event tables over a range of versions.
#[derive(Debug, Default)]
struct Changes {
    everything: bool,
    /// Whether another writer committed in the range (else the range holds only the projector's
    /// own commits, and there is nothing to record).
    foreign: bool,
    /// The files added to each family, and the partitions of each family where files were removed.
    added: BTreeMap<Family, Vec<FileEntry>>,
    removed: BTreeMap<Family, BTreeSet<String>>,
    /// Partitions holding events that new corrections target.
    corrected: BTreeSet<String>,
    /// The event ids new corrections target.
    targets: Vec<String>,
    /// Whether keyed recomputation may be used (see [`Changes::new_files`]).
    keyable: bool,
}

impl Changes {
    fn everything() -> Changes {
        Changes {
            everything: true,
            foreign: true,
            ..Changes::default()
        }
    }

    /// The event files added or removed by versions `first..=last`. Removing corrections (a
    /// compaction or an erasure of them) is rare and makes every partition stale.
    async fn since(root: &Path, state: &LogState, first: u64, last: u64) -> Result<Changes> {
        let log = CommitLog::open(&root.join("_pdn"))?;
        let mut changes = Changes {
            keyable: true,
            ..Changes::default()
        };
        for version in first..=last {
            let Some(commit) = log.read(version)? else {
                return Ok(Changes::everything());
            };
            changes.foreign |= commit.writer != SOURCE;
            if commit.operation == pdn_ingest::maintenance::compact::OPERATION {
                // The same events in fewer files: nothing to recompute. (A file added in the range
                // and compacted in it is no longer live, so its partition is recomputed whole.)
                continue;
            }
            for file in &commit.add {
                if let Some(family) = event_family(&file.table) {
                    changes.added.entry(family).or_default().push(file.clone());
                }
            }
            for path in &commit.remove {
                let mut parts = path.splitn(5, '/');
                let (Some("events"), Some(family), Some(year), Some(month)) =
                    (parts.next(), parts.next(), parts.next(), parts.next())
                else {
                    continue;
                };
                if let Some(family) = Family::ALL.iter().find(|f| f.name() == family) {
                    if *family == Family::Correction {
                        return Ok(Changes::everything());
                    }
                    changes
                        .removed
                        .entry(*family)
                        .or_default()
                        .insert(format!("{year}/{month}"));
                }
            }
        }
        let new_corrections = changes.new_corrections();
        if !new_corrections.is_empty() {
            changes.targets = target_ids(root, state, new_corrections).await?;
            changes.corrected = target_partitions(root, state, &changes.targets).await?;
        }
        Ok(changes)
    }

    /// The correction files the range added.
    fn new_corrections(&self) -> &[FileEntry] {
        self.added
            .get(&Family::Correction)
            .map_or(&[], Vec::as_slice)
    }

    /// Whether files of `family` were added or removed.
    fn touches(&self, family: &Family) -> bool {
        self.added.contains_key(family) || self.removed.contains_key(family)
    }

    /// The partitions of `family` where files were added or removed.
    fn touched(&self, family: &Family) -> impl Iterator<Item = &String> {
        let added = self.added.get(family).into_iter().flatten();
        let removed = self.removed.get(family).into_iter().flatten();
        added.map(|f| &f.partition).chain(removed)
    }

    /// The files the run's commits added to the sources of `model` in `partition` (every partition
    /// for a whole model), when the model can be recomputed by key there: it has keys, the run is
    /// not a rebuild, no correction was removed, the models it uses are unchanged, and these
    /// sources only gained files, all still live. `None`: recompute the whole partition.
    fn new_files<'m>(
        &self,
        model: &'m Model,
        partition: &str,
        state: &LogState,
        rebuild: bool,
        uses_changed: bool,
    ) -> Option<(&'m Keys, BTreeMap<Family, Vec<FileEntry>>)> {
        let keys = model.keys.as_ref()?;
        if !self.keyable || rebuild || self.everything || uses_changed {
            return None;
        }
        let here = |p: &String| model.scope == Scope::Whole || p == partition;
        let mut new = BTreeMap::new();
        for family in model.sources {
            if self.removed.get(family).is_some_and(|r| r.iter().any(here)) {
                return None;
            }
            let files: Vec<FileEntry> = self
                .added
                .get(family)
                .into_iter()
                .flatten()
                .filter(|f| here(&f.partition))
                .cloned()
                .collect();
            if files.iter().any(|f| !state.files.contains_key(&f.path)) {
                return None;
            }
            if !files.is_empty() {
                new.insert(*family, files);
            }
        }
        Some((keys, new))
    }

    fn any(&self) -> bool {
        self.everything || !self.added.is_empty() || !self.removed.is_empty()
    }

    /// The partitions of `model` to recompute.
    fn partitions(
        &self,
        model: &Model,
        state: &LogState,
        recomputed: &BTreeMap<&str, Vec<RecordBatch>>,
    ) -> Vec<String> {
        let corrections_changed = self.touches(&Family::Correction);
        let uses_changed = model.uses.iter().any(|m| recomputed.contains_key(m));
        match model.scope {
            Scope::Whole => {
                let touched = model.sources.iter().any(|f| self.touches(f));
                if self.everything || touched || corrections_changed || uses_changed {
                    vec![WHOLE.to_owned()]
                } else {
                    Vec::new()
                }
            }
            Scope::Monthly => {
                let mut partitions = BTreeSet::new();
                // A file of the partition `WHOLE` was written while the model was whole: every
                // partition is recomputed, which removes it (it holds no month).
                let relaid = state.files_of(&model.table()).any(|f| f.partition == WHOLE);
                let all = self.everything || uses_changed || relaid;
                for family in model.sources {
                    if all {
                        let table = format!("events/{}", family.name());
                        partitions.extend(state.files_of(&table).map(|f| f.partition.clone()));
                    } else {
                        partitions.extend(self.touched(family).cloned());
                    }
                }
                if all {
                    let table = model.table();
                    partitions.extend(state.files_of(&table).map(|f| f.partition.clone()));
                }
                partitions.extend(self.corrected.iter().cloned());
                partitions.into_iter().collect()
            }
        }
    }
}

/// The family of an event table name (`events/<family>`).
fn event_family(table: &str) -> Option<Family> {
    let name = table.strip_prefix("events/")?;
    Family::ALL.iter().copied().find(|f| f.name() == name)
}

/// The event ids targeted by the corrections in `files`.
async fn target_ids(root: &Path, state: &LogState, files: &[FileEntry]) -> Result<Vec<String>> {
    let ctx = crate::files::session();
    let new = events_over(root, state.version, Family::Correction, files)?;
    ctx.register_table("new_corrections", new)
        .map_err(datafusion("registering the new corrections"))?;
    let sql = "SELECT DISTINCT target_event_id FROM new_corrections ORDER BY 1";
    let mut ids = Vec::new();
    for batch in collect(&ctx, sql, "reading the new corrections' targets").await? {
        let column = crate::corrections::strings(batch.column(0).as_ref());
        ids.extend((0..batch.num_rows()).map(|i| column.value(i).to_owned()));
    }
    Ok(ids)
}

/// The month partitions holding the events `targets`. The ids are literals of the query, so the
/// bloom filters of `event_id` in large files (`pdn_ingest::lake`) skip the files holding none.
async fn target_partitions(
    root: &Path,
    state: &LogState,
    targets: &[String],
) -> Result<BTreeSet<String>> {
    let ctx = crate::files::session();
    let ids: Vec<String> = targets
        .iter()
        .map(|id| format!("'{}'", id.replace('\'', "''")))
        .collect();
    let ids = ids.join(", ");
    let mut partitions = BTreeSet::new();
    for &family in Family::ALL.iter().filter(|&&f| f != Family::Correction) {
        let table = format!("events/{}", family.name());
        let provider = events_over(root, state.version, family, state.files_of(&table))?;
        let name = format!("{}_ids", family.name());
        ctx.register_table(name.as_str(), provider)
            .map_err(datafusion(format!("registering {table}")))?;
        let sql = format!(
            "SELECT DISTINCT to_char(occurred_at, 'year=%Y/month=%m') FROM {name} \
             WHERE event_id IN ({ids})"
        );
        for batch in collect(&ctx, &sql, "finding the corrected events' months").await? {
            let column = crate::corrections::strings(batch.column(0).as_ref());
            partitions.extend((0..batch.num_rows()).map(|i| column.value(i).to_owned()));
        }
    }
    Ok(partitions)
}

/// Whether the lake already holds exactly `batch` as the whole model `model` (so its file, written
/// from the same rows, would have the same bytes). `read`: the file's rows, when already read.
fn holds(
    root: &Path,
    state: &LogState,
    model: &Model,
    batch: &RecordBatch,
    read: Option<&RecordBatch>,
) -> Result<bool> {
    let table = model.table();
    let files: Vec<_> = state.files_of(&table).collect();
    let [file] = files.as_slice() else {
        return Ok(files.is_empty() && batch.num_rows() == 0);
    };
    if file.rows != batch.num_rows() as u64 {
        return Ok(false);
    }
    let held = match read {
        Some(rows) => rows.columns() == batch.columns(),
        None => {
            crate::files::read_all(root, [*file], &batch.schema())?.columns() == batch.columns()
        }
    };
    Ok(held)
}

/// What every partition's computation reads besides the events: the lake's state, the
/// corrections (and, for keyed runs, those before the run and the event ids the run's new
/// corrections target), the events already read for them, the whole models recomputed earlier in
/// this run, and every model's schema.
pub(crate) struct Inputs<'a> {
    pub state: &'a LogState,
    pub corrections: &'a Corrections,
    /// The deciding corrections before the run of the events `targets`, the only events they are
    /// applied to.
    pub previous: &'a Corrections,
    pub targets: &'a [String],
    /// The month partitions holding the events `targets` names (of any family).
    pub target_months: &'a BTreeSet<String>,
    /// The corrected events of each family's partition, once looked for.
    pub corrected: &'a Held,
    /// The raw events `targets` names in each family's partition, once read (`crate::keyed`).
    pub targeted: &'a Held,
    pub recomputed: &'a BTreeMap<&'static str, Vec<RecordBatch>>,
    pub schemas: &'a BTreeMap<&'static str, SchemaRef>,
}

/// Computes one partition of a model from the lake's events at `inputs.state`.
async fn compute(
    root: &Path,
    inputs: &Inputs<'_>,
    model: &Model,
    partition: &str,
) -> Result<(RecordBatch, Applied)> {
    let ctx = crate::files::session();
    let applied = register_sources(&ctx, root, inputs, model, partition, None).await?;
    Ok((run_model(&ctx, inputs, model, partition).await?, applied))
}

/// Registers in `ctx` the corrected events of `model`'s sources in `partition` (all of them for a
/// whole model), only those naming a key of `touched_keys` when keyed by `filter`, and the models it
/// uses.
pub(crate) async fn register_sources(
    ctx: &SessionContext,
    root: &Path,
    inputs: &Inputs<'_>,
    model: &Model,
    partition: &str,
    filter: Option<&Keys>,
) -> Result<Applied> {
    let state = inputs.state;
    let mut applied = Applied::default();
    for &family in model.sources {
        let raw = events_over(
            root,
            state.version,
            family,
            model.reads(state, family, partition),
        )?;
        let files_name = Held::name(family, partition);
        let reuse = (inputs.corrected, files_name.as_str());
        let corrections = inputs.corrections;
        let done = match filter {
            Some(keys) => {
                keyed::register_filtered(ctx, corrections, keys, family, raw, reuse).await?
            }
            None => {
                let all = &crate::corrections::all_rows;
                corrections
                    .register_family_selected(ctx, family, family.name(), raw, all, Some(reuse))
                    .await?
            }
        };
        applied.amended += done.amended;
        applied.ignored += done.ignored;
    }
    for &used in model.uses {
        let used_model = crate::models::model(used).expect("a model uses a known model");
        let used_schema = inputs.schemas[used].clone();
        let provider: Arc<dyn TableProvider> = match inputs.recomputed.get(used) {
            Some(batches) => Arc::new(
                MemTable::try_new(used_schema, vec![batches.clone()])
                    .map_err(datafusion(format!("holding the model {used}")))?,
            ),
            None => {
                let table = used_model.table();
                table_over(
                    root,
                    state.version,
                    &table,
                    state.files_of(&table),
                    used_schema,
                )?
            }
        };
        ctx.register_table(used, provider)
            .map_err(datafusion(format!("registering the model {used}")))?;
    }
    crate::schema::register_taxonomies(ctx)?;
    Ok(applied)
}

/// Runs `model`'s query over the tables registered in `ctx`: its rows, as one batch.
pub(crate) async fn run_model(
    ctx: &SessionContext,
    inputs: &Inputs<'_>,
    model: &Model,
    partition: &str,
) -> Result<RecordBatch> {
    let context = format!("computing {} {partition}", model.name);
    let batches = collect(ctx, model.sql, &context).await?;
    concat_batches(&inputs.schemas[model.name], &batches).map_err(arrow(context))
}

/// Projects now, then again each time the log moves, checking every `poll`, until `shutdown`.
pub async fn follow(
    root: &Path,
    poll: std::time::Duration,
    shutdown: impl std::future::Future<Output = ()>,
    mut on_run: impl FnMut(&Report),
) -> Result<()> {
    tokio::pin!(shutdown);
    let mut seen = None;
    loop {
        let version = pdn_ingest::lake::read_state(root)?.version;
        if seen != Some(version) {
            let report = project(root, false).await?;
            on_run(&report);
            seen = Some(report.committed.unwrap_or(version));
        }
        tokio::select! {
            _ = &mut shutdown => return Ok(()),
            _ = tokio::time::sleep(poll) => {}
        }
    }
}
