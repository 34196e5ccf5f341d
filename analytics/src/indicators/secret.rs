//! Statistical secrecy for published cells (DOMAIN §5): a cell built from fewer than
//! [`MIN_YOUTHS`] distinct young people is suppressed (shown "< 11"), and so is enough of the rest
//! that it cannot be worked back from what is shown.
//!
//! Rules, applied to the cells of one indicator for one year:
//! 1. **primary**: a cell about young people with 1 to 10 of them is suppressed;
//! 2. **secondary**: if exactly one cell of the breakdown is suppressed and the total is shown, the
//!    total minus the shown cells would reveal it, so the shown breakdown cell with the fewest
//!    young people is suppressed too (two unknowns, one equation), or the total when there is no
//!    such cell. A suppressed total hides nothing more: its breakdown cells have at most as many
//!    young people, so rule 1 already hides them;
//! 3. the change between two years is suppressed when either year's cell is.

/// The smallest number of distinct young people a published cell may be built from.
pub const MIN_YOUTHS: i64 = 11;

/// One cell as computed: its breakdown label (`None`: the total), value and young people.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Cell {
    pub ventilation: Option<String>,
    pub value: Option<f64>,
    pub youths: Option<i64>,
    /// Hidden by statistical secrecy: `value` must not be published.
    pub suppressed: bool,
}

/// Applies rules 1 and 2 to the cells of one indicator and year (the total and its breakdown).
pub fn suppress(cells: &mut [Cell]) {
    for cell in cells.iter_mut() {
        cell.suppressed = cell.youths.is_some_and(|n| (1..MIN_YOUTHS).contains(&n));
    }
    let breakdown = |c: &Cell| c.ventilation.is_some();
    let hidden = cells
        .iter()
        .filter(|c| breakdown(c) && c.suppressed)
        .count();
    let total_shown = cells.iter().any(|c| !breakdown(c) && !c.suppressed);
    if hidden != 1 || !total_shown {
        return;
    }
    let complement = cells
        .iter_mut()
        .filter(|c| breakdown(c) && !c.suppressed && c.youths.is_some_and(|n| n > 0))
        .min_by_key(|c| c.youths);
    match complement {
        Some(cell) => cell.suppressed = true,
        None => cells
            .iter_mut()
            .filter(|c| !breakdown(c))
            .for_each(|total| total.suppressed = true),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(ventilation: Option<&str>, youths: i64) -> Cell {
        Cell {
            ventilation: ventilation.map(str::to_owned),
            value: Some(youths as f64),
            youths: Some(youths),
            suppressed: false,
        }
    }

    fn hidden(cells: &[Cell]) -> Vec<Option<&str>> {
        cells
            .iter()
            .filter(|c| c.suppressed)
            .map(|c| c.ventilation.as_deref())
            .collect()
    }

    #[test]
    fn cells_under_eleven_youths_are_suppressed_and_eleven_is_shown() {
        let mut cells = vec![cell(None, 40), cell(Some("a"), 11), cell(Some("b"), 10)];
        cells.push(cell(Some("c"), 19));
        suppress(&mut cells);
        // "b" alone would be 40 - 11 - 19: the smallest other cell, "a", goes too.
        assert_eq!(hidden(&cells), vec![Some("a"), Some("b")]);
    }

    #[test]
    fn two_suppressed_cells_need_no_secondary_suppression() {
        let mut cells = vec![
            cell(None, 60),
            cell(Some("a"), 3),
            cell(Some("b"), 7),
            cell(Some("c"), 50),
        ];
        suppress(&mut cells);
        assert_eq!(hidden(&cells), vec![Some("a"), Some("b")]);
    }

    #[test]
    fn a_small_total_hides_its_whole_breakdown_and_counts_without_youths_stay() {
        let mut cells = vec![cell(None, 9), cell(Some("a"), 4), cell(Some("b"), 5)];
        let mut not_about_youths = Cell {
            youths: None,
            ..cell(Some("c"), 3)
        };
        suppress(&mut cells);
        assert_eq!(hidden(&cells), vec![None, Some("a"), Some("b")]);
        suppress(std::slice::from_mut(&mut not_about_youths));
        assert!(!not_about_youths.suppressed);
    }

    #[test]
    fn a_lone_hidden_cell_without_a_complement_hides_the_total_unless_it_is_hidden() {
        let mut shown_total = vec![cell(None, 12), cell(Some("a"), 3), cell(Some("b"), 0)];
        suppress(&mut shown_total);
        assert_eq!(hidden(&shown_total), vec![None, Some("a")]);
        let mut hidden_total = vec![cell(None, 3), cell(Some("a"), 3)];
        suppress(&mut hidden_total);
        assert_eq!(hidden(&hidden_total), vec![None, Some("a")]);
    }

    #[test]
    fn an_empty_cell_reveals_nobody_and_is_not_used_as_the_complement() {
        let mut cells = vec![
            cell(None, 30),
            cell(Some("a"), 0),
            cell(Some("b"), 2),
            cell(Some("c"), 28),
        ];
        suppress(&mut cells);
        assert_eq!(hidden(&cells), vec![Some("b"), Some("c")]);
    }
}
