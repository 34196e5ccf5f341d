//! Row by row: which rows of an event or dead-letter batch an erasure removes or edits, and the
//! batch without them.
//!
//! The rules, for the youths an erasure is about (its [`Subjects`]):
//! - `contact`, `attendance`, `prevention`, `referral.made`: the row is removed when its `youth` is
//!   one of them;
//! - `accompaniment`: the youth is taken out of the `youths` and `youths_left` lists and the row
//!   is kept, since a collective accompaniment is also the other youths' history; the row is
//!   removed when nothing is left of it: an opening left without youths (an individual
//!   accompaniment), or an update left with empty lists;
//! - linked rows go with the row they depend on: the later events of a removed referral
//!   (`referral.outcome_known`, same department and `referral_id`) or of a removed opening
//!   (updates, closing: same department and `accompaniment_id`);
//! - `correction`: removed when its target was removed, or when its replacement names the youth
//!   outside a list (an amendment that makes the target the youth's); a youth inside a list of the
//!   replacement is taken out of it, as for accompaniments;
//! - dead letters: removed when any of their bytes (raw record, key, reason fields) hold one of
//!   the pseudonyms, whatever the department (quarantine must not keep it either).

use std::collections::HashSet;
use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, ListArray, ListBuilder, RecordBatch, StringArray,
    StringBuilder,
};
use arrow::datatypes::DataType;
use serde_json::Value;

use super::forget::Subjects;

/// Local ids whose events go with a removed row: (table, department, referral or accompaniment id).
pub(crate) type Links = HashSet<(&'static str, String, String)>;

/// What is known of the erasure so far: ids of removed events, and the links they leave.
#[derive(Debug, Default)]
pub(crate) struct Knowledge {
    pub erased_ids: HashSet<String>,
    pub links: Links,
}

/// The decision for each row of a batch, and the edited columns (by index) for the rows kept.
pub(crate) struct Verdict {
    pub erase: Vec<bool>,
    pub edited_rows: u64,
    pub columns: Vec<(usize, ArrayRef)>,
}

impl Verdict {
    fn keep_all(rows: usize) -> Verdict {
        Verdict {
            erase: vec![false; rows],
            edited_rows: 0,
            columns: Vec::new(),
        }
    }

    pub fn erased(&self) -> usize {
        self.erase.iter().filter(|&&e| e).count()
    }

    pub fn changes_anything(&self) -> bool {
        self.edited_rows > 0 || self.erase.contains(&true)
    }

    /// The batch with the edited columns swapped in and the removed rows left out.
    pub fn apply(&self, batch: &RecordBatch) -> Result<RecordBatch, arrow::error::ArrowError> {
        let mut columns = batch.columns().to_vec();
        for (index, column) in &self.columns {
            columns[*index] = column.clone();
        }
        let edited = RecordBatch::try_new(batch.schema(), columns)?;
        let keep: BooleanArray = self.erase.iter().map(|&e| Some(!e)).collect();
        arrow::compute::filter_record_batch(&edited, &keep)
    }
}

fn strings<'a>(batch: &'a RecordBatch, name: &str) -> Option<&'a StringArray> {
    batch.column_by_name(name).map(|c| c.as_string::<i32>())
}

fn value(column: &StringArray, row: usize) -> Option<&str> {
    (!column.is_null(row)).then(|| column.value(row))
}

/// Decides the rows of a batch of `events/<family>` (see the module rules). With `learn`, the ids
/// and links of removed rows are added to `knowledge`.
pub(crate) fn events(
    family: &str,
    batch: &RecordBatch,
    subjects: &Subjects,
    knowledge: &mut Knowledge,
    learn: bool,
) -> Verdict {
    let rows = batch.num_rows();
    let (Some(ids), Some(departments)) = (strings(batch, "event_id"), strings(batch, "department"))
    else {
        return Verdict::keep_all(rows);
    };
    let mut verdict = Verdict::keep_all(rows);
    match family {
        "contact" | "attendance" | "prevention" | "referral" => {
            let Some(youth) = strings(batch, "youth") else {
                return verdict;
            };
            let referrals = strings(batch, "referral_id");
            for row in 0..rows {
                let department = departments.value(row);
                let named = value(youth, row).is_some_and(|y| subjects.matches(department, y));
                let link = referrals
                    .and_then(|r| value(r, row))
                    .map(|id| ("referral", department.to_owned(), id.to_owned()));
                let linked = link.as_ref().is_some_and(|l| knowledge.links.contains(l));
                verdict.erase[row] = named || linked;
                if learn && named {
                    knowledge.links.extend(link);
                }
            }
        }
        "accompaniment" => accompaniments(batch, subjects, knowledge, learn, &mut verdict),
        "correction" => corrections(batch, subjects, knowledge, &mut verdict),
        _ => {}
    }
    if learn {
        for row in (0..rows).filter(|&r| verdict.erase[r]) {
            knowledge.erased_ids.insert(ids.value(row).to_owned());
        }
    }
    verdict
}

fn accompaniments(
    batch: &RecordBatch,
    subjects: &Subjects,
    knowledge: &mut Knowledge,
    learn: bool,
    verdict: &mut Verdict,
) {
    let departments = strings(batch, "department").expect("checked by the caller");
    let (Some(types), Some(local_ids)) = (
        strings(batch, "event_type"),
        strings(batch, "accompaniment_id"),
    ) else {
        return;
    };
    let list = |name: &str| {
        batch
            .schema()
            .index_of(name)
            .ok()
            .map(|i| (i, batch.column(i).as_list::<i32>().clone()))
    };
    let (Some(youths), Some(left)) = (list("youths"), list("youths_left")) else {
        return;
    };
    let others: Vec<ListArray> = ["co_professionals", "co_structures"]
        .iter()
        .filter_map(|n| list(n).map(|(_, l)| l))
        .collect();
    let named = |row: usize, item: &str| subjects.matches(departments.value(row), item);
    let (youths_kept, youths_removed) = without(batch, youths.0, &youths.1, named);
    let (left_kept, left_removed) = without(batch, left.0, &left.1, named);
    for row in 0..batch.num_rows() {
        let link = (
            "accompaniment",
            departments.value(row).to_owned(),
            local_ids.value(row).to_owned(),
        );
        let removed = youths_removed[row] || left_removed[row];
        let empty = |l: &ListArray| l.value_length(row) == 0;
        let erase = match types.value(row) {
            "accompaniment.opened" => removed && empty(&youths_kept),
            _ => removed && empty(&youths_kept) && empty(&left_kept) && others.iter().all(empty),
        };
        if learn && erase && types.value(row) == "accompaniment.opened" {
            knowledge.links.insert(link.clone());
        }
        verdict.erase[row] = erase || knowledge.links.contains(&link);
        verdict.edited_rows += u64::from(removed && !verdict.erase[row]);
    }
    if verdict.edited_rows > 0 {
        verdict.columns.push((youths.0, Arc::new(youths_kept)));
        verdict.columns.push((left.0, Arc::new(left_kept)));
    }
}

/// A list column without the items `named` (row, item) picks, and which rows lost an item.
fn without(
    batch: &RecordBatch,
    index: usize,
    list: &ListArray,
    named: impl Fn(usize, &str) -> bool,
) -> (ListArray, Vec<bool>) {
    let item = match batch.schema().field(index).data_type() {
        DataType::List(item) => item.clone(),
        other => unreachable!("list column of type {other}"),
    };
    let mut builder = ListBuilder::new(StringBuilder::new()).with_field(item);
    let mut removed = vec![false; list.len()];
    for (row, lost) in removed.iter_mut().enumerate() {
        if list.is_null(row) {
            builder.append_null();
            continue;
        }
        let values = list.value(row);
        for v in values.as_string::<i32>().iter().flatten() {
            if named(row, v) {
                *lost = true;
            } else {
                builder.values().append_value(v);
            }
        }
        builder.append(true);
    }
    (builder.finish(), removed)
}

fn corrections(
    batch: &RecordBatch,
    subjects: &Subjects,
    knowledge: &Knowledge,
    verdict: &mut Verdict,
) {
    let departments = strings(batch, "department").expect("checked by the caller");
    let Some(targets) = strings(batch, "target_event_id") else {
        return;
    };
    let index = batch.schema().index_of("replacement_json").ok();
    let replacements = index.map(|i| batch.column(i).as_string::<i32>());
    let mut edited = StringBuilder::new();
    for row in 0..batch.num_rows() {
        let mut erase = knowledge.erased_ids.contains(targets.value(row));
        let text = replacements.and_then(|r| value(r, row));
        let mut kept_text = text.map(str::to_owned);
        if let Some(text) = text.filter(|t| !erase && subjects.named_in(t.as_bytes())) {
            let department = departments.value(row);
            match serde_json::from_str::<Value>(text) {
                Ok(mut json) => match scrub(&mut json, &|y| subjects.matches(department, y)) {
                    Scrub::Untouched => {}
                    Scrub::NamesSubject => erase = true,
                    Scrub::Edited => {
                        kept_text = Some(json.to_string());
                        verdict.edited_rows += 1;
                    }
                },
                Err(_) => erase = true,
            }
        }
        verdict.erase[row] = erase;
        edited.append_option(kept_text);
    }
    if let (Some(index), true) = (index, verdict.edited_rows > 0) {
        verdict.columns.push((index, Arc::new(edited.finish())));
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Scrub {
    Untouched,
    Edited,
    NamesSubject,
}

/// Takes the strings `named` picks out of every array of `value`; says if one is a value of its
/// own (not a list item).
fn scrub(value: &mut Value, named: &dyn Fn(&str) -> bool) -> Scrub {
    match value {
        Value::String(s) if named(s) => Scrub::NamesSubject,
        Value::Array(items) => {
            let before = items.len();
            items.retain(|item| !item.as_str().is_some_and(named));
            let mut result = if items.len() < before {
                Scrub::Edited
            } else {
                Scrub::Untouched
            };
            for item in items.iter_mut() {
                result = result.max_with(scrub(item, named));
            }
            result
        }
        Value::Object(fields) => fields
            .values_mut()
            .fold(Scrub::Untouched, |acc, v| acc.max_with(scrub(v, named))),
        _ => Scrub::Untouched,
    }
}

impl Scrub {
    fn max_with(self, other: Scrub) -> Scrub {
        match (self, other) {
            (Scrub::NamesSubject, _) | (_, Scrub::NamesSubject) => Scrub::NamesSubject,
            (Scrub::Edited, _) | (_, Scrub::Edited) => Scrub::Edited,
            _ => Scrub::Untouched,
        }
    }
}

/// Decides the rows of a dead-letter batch: removed when any string or binary cell holds one of
/// the pseudonyms.
pub(crate) fn dead_letters(batch: &RecordBatch, subjects: &Subjects) -> Verdict {
    let mut verdict = Verdict::keep_all(batch.num_rows());
    for column in batch.columns() {
        for (row, erase) in verdict.erase.iter_mut().enumerate() {
            if *erase || column.is_null(row) {
                continue;
            }
            let bytes = match column.data_type() {
                DataType::Utf8 => column.as_string::<i32>().value(row).as_bytes(),
                DataType::Binary => column.as_binary::<i32>().value(row),
                _ => continue,
            };
            *erase = subjects.named_in(bytes);
        }
    }
    verdict
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrub_takes_list_items_out_and_flags_a_youth_of_its_own() {
        let named = |s: &str| s == "yp1_x";
        let mut json: Value =
            serde_json::json!({"youths_added": ["yp1_a", "yp1_x"], "youths_left": []});
        assert_eq!(scrub(&mut json, &named), Scrub::Edited);
        assert_eq!(json["youths_added"], serde_json::json!(["yp1_a"]));
        let mut json: Value = serde_json::json!({"youth": "yp1_x", "duration_minutes": 5});
        assert_eq!(scrub(&mut json, &named), Scrub::NamesSubject);
        let mut json: Value = serde_json::json!({"youth": "yp1_b"});
        assert_eq!(scrub(&mut json, &named), Scrub::Untouched);
    }
}
