//! Small-number suppression: the one rule every count goes through before it
//! leaves the database, whether for the dashboard, a chart or a CSV export.
//!
//! A count of a few responses (1 to 4, with the default threshold) can point
//! at one child, so it is never published; and neither is any other number from which it could be worked
//! out. [`suppress_small_counts`] does this for a table (themes × months,
//! themes × age groups, …) with its row, column and grand totals;
//! [`suppress_count`] does it for one number on its own.
//!
//! # The rule
//!
//! The threshold `t` is `SUPPRESS_BELOW` (default 5). Below, "small" means
//! from 1 to `t − 1`.
//!
//! 1. **Small counts are hidden.** Every cell from 1 to `t − 1` is hidden.
//!    Zero is always shown: it identifies nobody. A threshold of 0 or 1 hides
//!    nothing.
//! 2. **Totals are true totals.** Each row total, each column total and the
//!    grand total is added up from the true counts (never from what is
//!    shown), and is hidden by rule 1 like any other count when it is small.
//! 3. **Nothing small can be worked out.** The published table is a set of
//!    sums: each row's cells add up to its row total, each column's cells to
//!    its column total, the column totals to the grand total and the row
//!    totals to the grand total. Someone who knows these sums, every shown
//!    number and this rule (so also that a hidden number is never 0) may try
//!    to work a hidden number out: by subtracting along a row or column, by
//!    combining several rows and columns, or by bounds ("these two hidden
//!    cells add up to 2, and neither is 0, so both are 1"). So more numbers
//!    are hidden until every number hidden by rule 1 has room: the published
//!    numbers fit a table where it is `t`, and a table where it is as low as
//!    it could ever be (1 for a cell; for a total, how many non-zero cells it
//!    adds up, as zeros are shown), and so every value in between. A hidden
//!    3 in a cell then looks, as far as any arithmetic goes, like anything
//!    from 1 to 5: no more than the word "hidden" already says.
//!
//!    Which extra numbers are hidden: the small numbers are taken in turn,
//!    row by row from the top, each row left to right with its total last,
//!    the column totals and grand total last of all. For each, we look for
//!    the cheapest set of shown numbers whose hiding gives it room to move up
//!    (then down) while other hidden numbers in its rows and columns move to
//!    keep every sum right. In a table of counts that set is a "rectangle"
//!    (or a longer loop) of cells, or a loop through the totals. Cheapest
//!    means: hide as few totals as possible, then the smallest sum of counts;
//!    ties go to the first in the row-by-row order. A zero is never hidden:
//!    it identifies nobody, and as readers know zeros are always shown, a
//!    hidden zero would protect nothing. This repeats until there is room.
//!    Hiding more only ever adds room, so numbers already protected stay
//!    protected, and every number hidden here moves with a small one, so it
//!    cannot be worked out either.
//! 4. **Every hidden number reads the same.** A reader must not be able to
//!    tell a small number from one hidden to protect it, so every hidden
//!    number, for whichever reason, is labelled "hidden" ([`Shown::label`]),
//!    with the footnote from [`hidden_note`] (as UK official statistics do:
//!    one symbol, one footnote). It is never labelled "fewer than 5": a
//!    number hidden by rule 3 may be 40.
//!
//! The result depends only on the counts and the threshold: the same table
//! always gives the same published table. Rows or columns of zeros are shown.
//!
//! # What is guaranteed, and what is not
//!
//! The tests check, for 10,000 random tables, that no shown number is small;
//! that no hidden number (small or not) can be worked out exactly, by
//! subtraction along rows and columns or by any combination of the sums; and
//! that every hidden small number has the room rule 3 asks for.
//!
//! 5. **Tables that share numbers show them in both, or one is left out.**
//!    Rules 1 to 4 protect one table at a time, taking its own shown numbers
//!    as known. Two published tables may share numbers: a theme's total is
//!    the row total of themes × months and of themes × who answered, and the
//!    cells of themes × months are the column totals of one theme's "who ×
//!    month" table. If a shared number were hidden in one table and shown in
//!    the other, the first table's protection would rest on a number anyone
//!    can read off the second. So a table goes beside others only if every
//!    number it shares with them is shown in all of them
//!    ([`suppress_beside`]); where a shared row total would be hidden, that
//!    row is left out of the second table ([`suppress_rows_beside`]). Then
//!    the shared numbers are known constants, no sum links a hidden number of
//!    one table to a hidden number of another, and each table's protection
//!    holds whatever the others show. (For any totals that fit each table,
//!    counts that fit them all exist: a transportation problem with equal
//!    sums always has a solution.)
//!
//! The rule protects the tables it is given. Publishing numbers outside it
//! (say a year-to-date count beside monthly counts, or a single number shown
//! with [`suppress_count`] that is also a cell somewhere) can let a hidden
//! number be worked out from the difference; such numbers must be published
//! from one table, or not at all.
//! Nor does it stop guesses from the choice itself: someone who reruns this
//! rule on every table that fits the published one may find some of them
//! unlikely. Arithmetic alone never pins a small number down.
//! Totals add up to at most `u64::MAX` (they stop there rather than wrap).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

/// Counts laid out as rows × columns (e.g. themes × months, themes × age
/// groups), before anything is hidden.
///
/// `cells[row][column]`; a cell missing from a short row counts as 0, and
/// cells beyond `columns.len()` or rows beyond `rows.len()` are ignored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountTable {
    /// Row labels, e.g. theme names.
    pub rows: Vec<String>,
    /// Column labels, e.g. months.
    pub columns: Vec<String>,
    /// cells[row][column]
    pub cells: Vec<Vec<u64>>,
}

/// What may be shown for one number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    /// The true count, safe to publish.
    Count(u64),
    /// Hidden: below the threshold itself, or hidden so that a small number
    /// elsewhere cannot be worked out. Which of the two is deliberately not
    /// recorded.
    Suppressed,
}

impl Shown {
    /// The count, if it may be shown.
    pub fn count(self) -> Option<u64> {
        match self {
            Shown::Count(count) => Some(count),
            Shown::Suppressed => None,
        }
    }

    /// The text for a table cell, chart label or CSV field: `"12"`, or
    /// `"hidden"` for every hidden number whatever the reason, so the reason
    /// cannot be read off the label (see the module docs, rule 4). Put
    /// [`hidden_note`] beside any table that contains a hidden number.
    ///
    /// The threshold is taken so every call site passes the table's own
    /// threshold; the label itself does not depend on it.
    pub fn label(self, _threshold: u64) -> String {
        match self {
            Shown::Count(count) => count.to_string(),
            Shown::Suppressed => HIDDEN.to_owned(),
        }
    }
}

/// The label of every hidden number.
pub const HIDDEN: &str = "hidden";

/// The footnote to put beside a table, chart or export with hidden numbers:
/// "“hidden”: fewer than 5, or hidden so that a number fewer than 5 cannot be
/// worked out. …"
pub fn hidden_note(threshold: u64) -> String {
    format!(
        "\u{201c}{HIDDEN}\u{201d}: fewer than {threshold}, or hidden so that a number fewer than {threshold} \
         cannot be worked out from the others. This protects the people who answered."
    )
}

/// The table as it may be published: every cell, every row total, every
/// column total and the grand total.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuppressedTable {
    /// Row labels, as given.
    pub rows: Vec<String>,
    /// Column labels, as given.
    pub columns: Vec<String>,
    /// cells[row][column]
    pub cells: Vec<Vec<Shown>>,
    /// The total of each row (of the true counts).
    pub row_totals: Vec<Shown>,
    /// The total of each column (of the true counts).
    pub column_totals: Vec<Shown>,
    /// The total of the whole table.
    pub total: Shown,
    /// The threshold the table was suppressed with.
    pub threshold: u64,
}

impl SuppressedTable {
    /// The share of `cell` in its row total as a whole percent (rounded half
    /// up), only when both are shown (so a percentage never reveals a hidden
    /// count), and `None` when the row total is 0 or out of range.
    pub fn row_percent(&self, row: usize, column: usize) -> Option<u64> {
        let part = self.cells.get(row)?.get(column)?.count()?;
        let whole = self.row_totals.get(row)?.count()?;
        if whole == 0 {
            return None;
        }
        let percent = (u128::from(part) * 200 + u128::from(whole)) / (u128::from(whole) * 2);
        u64::try_from(percent).ok()
    }
}

/// The one suppression rule, used by every view, chart and export (see the
/// module docs for the rule in full).
pub fn suppress_small_counts(table: &CountTable, threshold: u64) -> SuppressedTable {
    let mut grid = Grid::from_table(table);
    let small: Vec<usize> = (0..grid.values.len()).filter(|&cell| is_small(grid.values[cell], threshold)).collect();
    for &cell in &small {
        grid.hide(cell);
    }
    for &cell in &small {
        let value = grid.values[cell];
        grid.make_room(cell, Direction::Up, threshold - value);
        grid.make_room(cell, Direction::Down, value.saturating_sub(grid.lowest_possible(cell)));
    }
    grid.publish(table, threshold)
}

/// Which totals of a table are also published in another table (rule 5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Shared {
    pub row_totals: bool,
    pub column_totals: bool,
    pub total: bool,
}

impl Shared {
    /// Every total is shared: a table whose margins are all published elsewhere.
    pub const ALL: Shared = Shared { row_totals: true, column_totals: true, total: true };
    /// Only the row totals are shared.
    pub const ROW_TOTALS: Shared = Shared { row_totals: true, column_totals: false, total: false };
    /// Only the grand total is shared.
    pub const TOTAL: Shared = Shared { row_totals: false, column_totals: false, total: true };
}

impl SuppressedTable {
    /// Whether every total that `shared` names is shown.
    pub fn shows(&self, shared: Shared) -> bool {
        let all = |totals: &[Shown]| totals.iter().all(|t| t.count().is_some());
        (!shared.row_totals || all(&self.row_totals))
            && (!shared.column_totals || all(&self.column_totals))
            && (!shared.total || self.total.count().is_some())
    }
}

/// A table to publish beside tables it shares totals with (rule 5):
/// suppressed by the one rule, and returned only when every shared total is
/// shown. `None`: it must not be published beside them.
pub fn suppress_beside(table: &CountTable, threshold: u64, shared: Shared) -> Option<SuppressedTable> {
    let published = suppress_small_counts(table, threshold);
    published.shows(shared).then_some(published)
}

/// A table whose row totals are published in another table (rule 5): rows
/// whose total the rule would hide here are left out, and the rest is
/// suppressed again, until every row total is shown. Callers pass only rows
/// whose totals the other table shows. Returns the rows kept (indices into
/// `table.rows`) and the published table of just those rows, whose column
/// totals and grand total add up those rows only.
pub fn suppress_rows_beside(table: &CountTable, threshold: u64) -> (Vec<usize>, SuppressedTable) {
    let mut kept: Vec<usize> = (0..table.rows.len()).collect();
    loop {
        let part = CountTable {
            rows: kept.iter().map(|&row| table.rows[row].clone()).collect(),
            columns: table.columns.clone(),
            cells: kept.iter().map(|&row| table.cells.get(row).cloned().unwrap_or_default()).collect(),
        };
        let published = suppress_small_counts(&part, threshold);
        let hidden: Vec<usize> = (0..kept.len()).filter(|&at| published.row_totals[at].count().is_none()).collect();
        if hidden.is_empty() {
            return (kept, published);
        }
        // Fewer rows each time, so this ends (at worst with none).
        kept = kept.iter().enumerate().filter(|(at, _)| !hidden.contains(at)).map(|(_, &row)| row).collect();
    }
}

/// One number on its own (e.g. "responses this month"): shown if zero or at
/// least the threshold.
pub fn suppress_count(count: u64, threshold: u64) -> Shown {
    if is_small(count, threshold) { Shown::Suppressed } else { Shown::Count(count) }
}

fn is_small(count: u64, threshold: u64) -> bool {
    count >= 1 && count < threshold
}

/// Stands for "as much as needed": more than any count or total.
const UNLIMITED: i128 = 1 << 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    Up,
    Down,
}

/// The table with its totals as one grid: the row totals are the last
/// column, the column totals the last row, the grand total the corner.
///
/// Every row of the grid (cells minus row total) and every column (cells
/// minus column total) sums to zero; in the last row the column totals
/// minus the grand total, in the last column likewise. So the sums are those
/// of a graph: one node per grid row and one per grid column, one edge per
/// number, and every node's edges sum to zero when totals count negatively
/// (the corner positively, being a total of totals). A hidden number can be
/// moved without changing anything shown exactly when it lies on a cycle of
/// hidden numbers, alternately up and down; how far it can move is a maximum
/// flow. That is what [`Grid::make_room`] measures and, by hiding more,
/// widens.
struct Grid {
    height: usize,
    width: usize,
    values: Vec<u64>,
    hidden: Vec<bool>,
    /// How far each number, once hidden, can carry flow from its row node to
    /// its column node, and back; worked out once, as the flows use them often.
    forward_capacity: Vec<i128>,
    backward_capacity: Vec<i128>,
    /// For each node, the hidden numbers on it: (other node, number, forward).
    hidden_arcs: Vec<Vec<(usize, usize, bool)>>,
}

impl Grid {
    fn from_table(table: &CountTable) -> Self {
        let (rows, columns) = (table.rows.len(), table.columns.len());
        let (height, width) = (rows + 1, columns + 1);
        let mut values = vec![0u64; height * width];
        for row in 0..rows {
            for column in 0..columns {
                let count = table.cells.get(row).and_then(|cells| cells.get(column)).copied().unwrap_or(0);
                for cell in [row * width + column, row * width + columns, rows * width + column, rows * width + columns]
                {
                    values[cell] = values[cell].saturating_add(count);
                }
            }
        }
        let mut grid = Grid {
            height,
            width,
            hidden: vec![false; values.len()],
            forward_capacity: Vec::new(),
            backward_capacity: Vec::new(),
            hidden_arcs: vec![Vec::new(); height + width],
            values,
        };
        grid.forward_capacity = (0..grid.values.len()).map(|cell| grid.capacity(cell, true)).collect();
        grid.backward_capacity = (0..grid.values.len()).map(|cell| grid.capacity(cell, false)).collect();
        grid
    }

    fn hide(&mut self, cell: usize) {
        if !self.hidden[cell] {
            self.hidden[cell] = true;
            let (row, column) = (self.row_node(cell), self.column_node(cell));
            self.hidden_arcs[row].push((column, cell, true));
            self.hidden_arcs[column].push((row, cell, false));
        }
    }

    fn is_total(&self, cell: usize) -> bool {
        cell / self.width == self.height - 1 || cell % self.width == self.width - 1
    }

    /// A row or column total (not the grand total): it counts negatively in
    /// the sums, so moving it up is flow in the opposite direction.
    fn counts_negatively(&self, cell: usize) -> bool {
        (cell / self.width == self.height - 1) != (cell % self.width == self.width - 1)
    }

    /// How far a hidden number can carry flow from its row node to its
    /// column node (`forward`) or back, with every count staying at least 1.
    fn capacity(&self, cell: usize, forward: bool) -> i128 {
        if forward != self.counts_negatively(cell) { UNLIMITED } else { (i128::from(self.values[cell]) - 1).max(0) }
    }

    fn row_node(&self, cell: usize) -> usize {
        cell / self.width
    }

    fn column_node(&self, cell: usize) -> usize {
        self.height + cell % self.width
    }

    /// Where the rest of the table must carry flow from and to for `cell` to
    /// move in `direction`.
    fn ends(&self, cell: usize, direction: Direction) -> (usize, usize) {
        let forward = (direction == Direction::Up) != self.counts_negatively(cell);
        if forward {
            (self.column_node(cell), self.row_node(cell))
        } else {
            (self.row_node(cell), self.column_node(cell))
        }
    }

    /// The edges out of a node: (next node, number, whether forward).
    fn arcs(&self, node: usize) -> impl Iterator<Item = (usize, usize, bool)> + use<'_> {
        let from_row = node < self.height;
        let count = if from_row { self.width } else { self.height };
        (0..count).map(move |other| {
            if from_row {
                (self.height + other, node * self.width + other, true)
            } else {
                (other, other * self.width + node - self.height, false)
            }
        })
    }

    fn residual(&self, cell: usize, forward: bool, flow: &[i128]) -> i128 {
        if forward { self.forward_capacity[cell] - flow[cell] } else { self.backward_capacity[cell] + flow[cell] }
    }

    /// The most flow (up to `wanted`) the hidden numbers other than `moving`
    /// can carry from `source` to `sink`, and how.
    fn max_flow(&self, moving: usize, source: usize, sink: usize, wanted: i128) -> (i128, Vec<i128>) {
        let mut flow = vec![0i128; self.values.len()];
        let mut carried = 0;
        while carried < wanted {
            let mut came_from: Vec<Option<(usize, usize, bool)>> = vec![None; self.height + self.width];
            let mut seen = vec![false; self.height + self.width];
            seen[source] = true;
            let mut queue = VecDeque::from([source]);
            while let Some(node) = queue.pop_front() {
                if seen[sink] {
                    break;
                }
                for &(next, cell, forward) in &self.hidden_arcs[node] {
                    if !seen[next] && cell != moving && self.residual(cell, forward, &flow) > 0 {
                        seen[next] = true;
                        came_from[next] = Some((node, cell, forward));
                        queue.push_back(next);
                    }
                }
            }
            if !seen[sink] {
                break;
            }
            let path = walk_back(&came_from, sink);
            let step = path
                .iter()
                .map(|&(cell, forward)| self.residual(cell, forward, &flow))
                .fold(wanted - carried, i128::min);
            for (cell, forward) in path {
                flow[cell] += if forward { step } else { -step };
            }
            carried += step;
        }
        (carried, flow)
    }

    /// The cheapest shown numbers to hide so that one more unit can flow
    /// from `source` to `sink` alongside `flow`: fewest totals, then the
    /// smallest sum of counts. `None` if hiding everything would not do.
    fn cheapest_to_hide(&self, moving: usize, source: usize, sink: usize, flow: &[i128]) -> Option<Vec<usize>> {
        let nodes = self.height + self.width;
        let mut cost: Vec<Option<(u64, u64)>> = vec![None; nodes];
        let mut came_from: Vec<Option<(usize, usize, bool)>> = vec![None; nodes];
        let mut done = vec![false; nodes];
        let mut queue: BinaryHeap<Reverse<((u64, u64), usize)>> = BinaryHeap::from([Reverse(((0, 0), source))]);
        cost[source] = Some((0, 0));
        while let Some(Reverse((so_far, node))) = queue.pop() {
            if done[node] {
                continue;
            }
            done[node] = true;
            if node == sink {
                break;
            }
            for (next, cell, forward) in self.arcs(node) {
                if cell == moving || self.values[cell] == 0 || done[next] {
                    continue;
                }
                let step = if self.hidden[cell] {
                    if self.residual(cell, forward, flow) <= 0 {
                        continue;
                    }
                    (0, 0)
                } else {
                    if self.residual(cell, forward, flow) <= 0 {
                        continue;
                    }
                    (u64::from(self.is_total(cell)), self.values[cell])
                };
                let through = (so_far.0.saturating_add(step.0), so_far.1.saturating_add(step.1));
                if cost[next].is_none_or(|best| through < best) {
                    cost[next] = Some(through);
                    came_from[next] = Some((node, cell, forward));
                    queue.push(Reverse((through, next)));
                }
            }
        }
        if !done[sink] {
            return None;
        }
        Some(walk_back(&came_from, sink).into_iter().map(|(cell, _)| cell).filter(|&cell| !self.hidden[cell]).collect())
    }

    /// Hides more numbers until the hidden `cell` can move `room` in
    /// `direction` without anything shown changing.
    fn make_room(&mut self, cell: usize, direction: Direction, room: u64) {
        let wanted = i128::from(room);
        if wanted == 0 {
            return;
        }
        let (source, sink) = self.ends(cell, direction);
        loop {
            let (carried, flow) = self.max_flow(cell, source, sink, wanted);
            if carried >= wanted {
                return;
            }
            let more = self.cheapest_to_hide(cell, source, sink, &flow);
            debug_assert!(more.as_ref().is_some_and(|more| !more.is_empty()), "hiding more always makes room");
            match more {
                Some(more) if !more.is_empty() => {
                    for cell in more {
                        self.hide(cell);
                    }
                }
                // Cannot happen (with every non-zero number hidden there is
                // always room); if it somehow did, hiding everything is safe.
                _ => {
                    for cell in 0..self.values.len() {
                        if self.values[cell] > 0 {
                            self.hide(cell);
                        }
                    }
                    return;
                }
            }
        }
    }

    /// The least a hidden number could be, knowing which counts are zero
    /// (zeros are always shown): 1 for a cell; for a total, the number of
    /// non-zero cells it adds up.
    fn lowest_possible(&self, cell: usize) -> u64 {
        let (row, column) = (cell / self.width, cell % self.width);
        let (last_row, last_column) = (self.height - 1, self.width - 1);
        let non_zero = |cells: &mut dyn Iterator<Item = usize>| cells.filter(|&cell| self.values[cell] > 0).count();
        let count = match (row == last_row, column == last_column) {
            (false, false) => 1,
            (false, true) => non_zero(&mut (0..last_column).map(|column| row * self.width + column)),
            (true, false) => non_zero(&mut (0..last_row).map(|row| row * self.width + column)),
            (true, true) => non_zero(&mut (0..last_row * self.width).filter(|cell| cell % self.width != last_column)),
        };
        u64::try_from(count).unwrap_or(u64::MAX)
    }

    fn shown(&self, cell: usize) -> Shown {
        if self.hidden[cell] { Shown::Suppressed } else { Shown::Count(self.values[cell]) }
    }

    fn publish(&self, table: &CountTable, threshold: u64) -> SuppressedTable {
        let (rows, columns) = (self.height - 1, self.width - 1);
        SuppressedTable {
            rows: table.rows.clone(),
            columns: table.columns.clone(),
            cells: (0..rows)
                .map(|row| (0..columns).map(|column| self.shown(row * self.width + column)).collect())
                .collect(),
            row_totals: (0..rows).map(|row| self.shown(row * self.width + columns)).collect(),
            column_totals: (0..columns).map(|column| self.shown(rows * self.width + column)).collect(),
            total: self.shown(rows * self.width + columns),
            threshold,
        }
    }
}

/// The numbers on the path found to `node`, with their directions.
fn walk_back(came_from: &[Option<(usize, usize, bool)>], mut node: usize) -> Vec<(usize, bool)> {
    let mut path = Vec::new();
    while let Some((previous, cell, forward)) = came_from[node] {
        path.push((cell, forward));
        node = previous;
    }
    path
}

#[cfg(test)]
mod tests {
    use super::span::Span;
    use super::*;

    fn table(cells: &[&[u64]]) -> CountTable {
        let columns = cells.first().map_or(0, |row| row.len());
        CountTable {
            rows: (0..cells.len()).map(|row| format!("row {row}")).collect(),
            columns: (0..columns).map(|column| format!("column {column}")).collect(),
            cells: cells.iter().map(|row| row.to_vec()).collect(),
        }
    }

    /// The published table as text, one line per row with its total after
    /// `|`, then the column totals and the grand total; `h` for hidden.
    fn render(published: &SuppressedTable) -> Vec<String> {
        let text = |shown: &Shown| shown.count().map_or("h".to_owned(), |count| count.to_string());
        let line = |cells: &[Shown], total: &Shown| {
            let cells: Vec<String> = cells.iter().map(text).collect();
            format!("{} | {}", cells.join(" "), text(total))
        };
        let mut lines: Vec<String> =
            published.cells.iter().zip(&published.row_totals).map(|(cells, total)| line(cells, total)).collect();
        lines.push(line(&published.column_totals, &published.total));
        lines
    }

    fn suppressed(cells: &[&[u64]], threshold: u64) -> Vec<String> {
        render(&suppress_small_counts(&table(cells), threshold))
    }

    #[test]
    fn a_single_small_cell_hides_everything() {
        assert_eq!(suppressed(&[&[3]], 5), ["h | h", "h | h"]);
        assert_eq!(suppressed(&[&[7]], 5), ["7 | 7", "7 | 7"]);
    }

    #[test]
    fn one_small_cell_in_a_row_takes_the_next_smallest_with_it() {
        // The 3 alone could be worked out as 33 − 10 − 20. Hiding the 10 too
        // (and its column total, which is the same number) leaves "two
        // hidden cells add up to 13": the 3 could be anything from 1 to 12.
        assert_eq!(suppressed(&[&[3, 10, 20]], 5), ["h h 20 | 33", "h h 20 | 33"]);
    }

    #[test]
    fn themes_by_month_with_a_three() {
        // Rows: food, somewhere safe to live, being listened to; columns:
        // January to April. The 3 (food, March) is hidden, and so is the
        // cheapest rectangle through it (12 + 7 + 8 = 27, against 9 + 11 + 8
        // or 15 + 6 + 8), so that every row and column with a hidden cell has
        // two. The 3 can move up by 4 (the 12 and 8 down, the 7 up) or down
        // by 2 without any shown number changing; all totals stay shown.
        let published = suppressed(&[&[12, 9, 3, 15], &[7, 11, 8, 6], &[20, 14, 17, 22]], 5);
        assert_eq!(published, ["h 9 h 15 | 39", "h 11 h 6 | 32", "20 14 17 22 | 73", "39 34 28 43 | 144"]);
    }

    #[test]
    fn a_three_in_a_two_by_two_table_hides_the_rectangle() {
        assert_eq!(suppressed(&[&[3, 10], &[20, 30]], 5), ["h h | 13", "h h | 50", "23 40 | 63"]);
    }

    #[test]
    fn when_every_cell_is_small_only_what_reveals_nothing_is_shown() {
        // Row totals 3 and 7, column totals 4 and 6: with only the 3 and 4
        // hidden, 10 − 7 would give the 3 away, so 7 and 6 go too. The grand
        // total of 10 can stay: it says only that the four cells add up to 10.
        assert_eq!(suppressed(&[&[1, 2], &[3, 4]], 5), ["h h | h", "h h | h", "h h | 10"]);
        assert_eq!(suppressed(&[&[1, 1], &[1, 1]], 5), ["h h | h", "h h | h", "h h | h"]);
    }

    #[test]
    fn counts_at_the_threshold_are_shown() {
        assert_eq!(suppressed(&[&[5, 5], &[5, 5]], 5), ["5 5 | 10", "5 5 | 10", "10 10 | 20"]);
    }

    #[test]
    fn zeros_are_shown() {
        assert_eq!(suppressed(&[&[0, 0], &[0, 0]], 5), ["0 0 | 0", "0 0 | 0", "0 0 | 0"]);
        // The 4 has only zeros beside it, so the way to protect it runs
        // through the totals: its row total, its column total and the grand
        // total are hidden, never a zero.
        assert_eq!(
            suppressed(&[&[0, 4, 0], &[0, 0, 0], &[6, 0, 9]], 5),
            ["0 h 0 | h", "0 0 0 | 0", "6 0 9 | 15", "6 h 9 | h"]
        );
    }

    #[test]
    fn a_single_column_works_like_a_single_row() {
        assert_eq!(suppressed(&[&[3], &[10], &[20]], 5), ["h | h", "h | h", "20 | 20", "33 | 33"]);
    }

    #[test]
    fn two_hidden_ones_in_a_row_are_not_left_to_add_up_to_two() {
        // Hiding only the rectangle 1, 1, 30, 40 would leave "the two hidden
        // cells of the first row add up to 2", and as neither is 0, both are
        // 1. The 50 goes too, and the 60 to keep the second row safe.
        assert_eq!(suppressed(&[&[1, 1, 50], &[30, 40, 60]], 5), ["h h h | 52", "h h h | 130", "31 41 110 | 182"]);
    }

    #[test]
    fn a_threshold_of_zero_or_one_hides_nothing() {
        for threshold in [0, 1] {
            assert_eq!(suppressed(&[&[1, 2], &[0, 3]], threshold), ["1 2 | 3", "0 3 | 3", "1 5 | 6"]);
        }
    }

    #[test]
    fn an_empty_table_has_a_zero_total() {
        let published = suppress_small_counts(&table(&[]), 5);
        assert_eq!(published.total, Shown::Count(0));
        assert!(published.cells.is_empty() && published.row_totals.is_empty() && published.column_totals.is_empty());
    }

    #[test]
    fn short_rows_count_as_zeros() {
        let mut ragged = table(&[&[7, 8], &[9, 10]]);
        ragged.cells[1].pop();
        assert_eq!(render(&suppress_small_counts(&ragged, 5)), ["7 8 | 15", "9 0 | 9", "16 8 | 24"]);
    }

    #[test]
    fn row_percent_needs_both_numbers_shown() {
        let published = suppress_small_counts(&table(&[&[3, 10, 20], &[0, 0, 0], &[7, 8, 9]]), 5);
        assert_eq!(published.row_percent(0, 2), Some(61)); // 20 of 33 is 60.6%
        assert_eq!(published.row_percent(0, 0), None); // the 3 is hidden
        assert_eq!(published.row_percent(1, 0), None); // a row of zeros
        assert_eq!(published.row_percent(2, 2), Some(38)); // 9 of 24 is 37.5%, rounded half up
        assert_eq!(published.row_percent(2, 0), None); // the 7 is hidden to protect the 3
        assert_eq!(published.row_percent(2, 3), None); // no such column
        let one_row = suppress_small_counts(&table(&[&[2, 2]]), 5);
        assert_eq!(one_row.row_totals[0], Shown::Suppressed);
        assert_eq!(one_row.row_percent(0, 0), None); // both hidden
    }

    #[test]
    fn single_numbers() {
        assert_eq!(suppress_count(0, 5), Shown::Count(0));
        assert_eq!(suppress_count(1, 5), Shown::Suppressed);
        assert_eq!(suppress_count(4, 5), Shown::Suppressed);
        assert_eq!(suppress_count(5, 5), Shown::Count(5));
        assert_eq!(suppress_count(1, 1), Shown::Count(1));
        assert_eq!(suppress_count(3, 0), Shown::Count(3));
    }

    #[test]
    fn every_hidden_number_has_the_same_label() {
        assert_eq!(Shown::Count(12).label(5), "12");
        assert_eq!(Shown::Suppressed.label(5), "hidden");
        assert_eq!(Shown::Suppressed.count(), None);
        assert_eq!(Shown::Count(0).count(), Some(0));
        assert!(hidden_note(5).contains("fewer than 5"));
    }

    // ---- The property test: random tables against three attackers. ----

    /// SplitMix64: a small deterministic generator, so the test needs no
    /// crate and every run checks the same tables.
    struct Random(u64);

    impl Random {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        }

        fn between(&mut self, low: u64, high: u64) -> u64 {
            low + self.next() % (high - low + 1)
        }
    }

    fn random_table(random: &mut Random) -> CountTable {
        let rows = random.between(1, 8) as usize;
        let columns = random.between(1, 12) as usize;
        // Percent chances of a zero and of a small count, per table, so some
        // tables are mostly zeros, some mostly small and some mostly large.
        let zero = random.between(0, 60);
        let small = random.between(0, 100 - zero);
        let cells = (0..rows)
            .map(|_| {
                (0..columns)
                    .map(|_| {
                        let draw = random.between(1, 100);
                        if draw <= zero {
                            0
                        } else if draw <= zero + small {
                            random.between(1, 6)
                        } else if random.between(0, 1) == 0 {
                            random.between(1, 30)
                        } else {
                            random.between(1, 200)
                        }
                    })
                    .collect()
            })
            .collect();
        CountTable {
            rows: (0..rows).map(|row| row.to_string()).collect(),
            columns: (0..columns).map(|column| column.to_string()).collect(),
            cells,
        }
    }

    /// The true table with its totals as one grid, worked out here rather
    /// than by the code under test; the totals are the last row and column.
    fn true_grid(table: &CountTable) -> Vec<Vec<u64>> {
        let mut grid: Vec<Vec<u64>> =
            table.cells.iter().map(|row| row.iter().copied().chain([row.iter().sum()]).collect()).collect();
        let width = table.columns.len() + 1;
        grid.push(
            (0..width)
                .map(|column| {
                    table
                        .cells
                        .iter()
                        .map(|row| row.iter().copied().chain([row.iter().sum::<u64>()]).nth(column).unwrap_or(0))
                        .sum()
                })
                .collect(),
        );
        grid
    }

    fn published_grid(published: &SuppressedTable) -> Vec<Vec<Option<u64>>> {
        let mut grid: Vec<Vec<Option<u64>>> = published
            .cells
            .iter()
            .zip(&published.row_totals)
            .map(|(row, total)| row.iter().chain([total]).map(|shown| shown.count()).collect())
            .collect();
        grid.push(published.column_totals.iter().chain([&published.total]).map(|shown| shown.count()).collect());
        grid
    }

    /// Every sum in the published table: (the numbers added up, their total),
    /// as (row, column) positions in the grid.
    type Sum = (Vec<(usize, usize)>, (usize, usize));

    fn sums(height: usize, width: usize) -> Vec<Sum> {
        let rows = (0..height).map(|row| ((0..width - 1).map(|column| (row, column)).collect(), (row, width - 1)));
        let columns =
            (0..width).map(|column| ((0..height - 1).map(|row| (row, column)).collect(), (height - 1, column)));
        rows.chain(columns).collect()
    }

    /// The attacker of the issue: subtract along rows and columns (and the
    /// totals row and column) until nothing more can be solved; returns
    /// what it then knows.
    fn eliminate(published: &[Vec<Option<u64>>]) -> Vec<Vec<Option<i128>>> {
        let mut known: Vec<Vec<Option<i128>>> =
            published.iter().map(|row| row.iter().map(|value| value.map(i128::from)).collect()).collect();
        let sums = sums(published.len(), published[0].len());
        loop {
            let mut solved = false;
            for (terms, (total_row, total_column)) in &sums {
                let unknown: Vec<&(usize, usize)> =
                    terms.iter().filter(|&&(row, column)| known[row][column].is_none()).collect();
                let sum_known: i128 = terms.iter().filter_map(|&(row, column)| known[row][column]).sum();
                match (known[*total_row][*total_column], unknown.as_slice()) {
                    (Some(total), &[&(row, column)]) => {
                        known[row][column] = Some(total - sum_known);
                        solved = true;
                    }
                    (None, []) => {
                        known[*total_row][*total_column] = Some(sum_known);
                        solved = true;
                    }
                    _ => {}
                }
            }
            if !solved {
                return known;
            }
        }
    }

    /// A stronger attacker: any combination of the sums. A hidden number is
    /// determined exactly when its unit vector lies in the span of the sums
    /// restricted to the hidden numbers. The sums form a totally unimodular
    /// matrix, so working modulo a prime gives the same answer as over the
    /// rationals.
    fn determined_by_linear_algebra(published: &[Vec<Option<u64>>]) -> Vec<(usize, usize)> {
        let (height, width) = (published.len(), published[0].len());
        let hidden: Vec<(usize, usize)> = (0..height)
            .flat_map(|row| (0..width).map(move |column| (row, column)))
            .filter(|&(row, column)| published[row][column].is_none())
            .collect();
        let mut positions = vec![None; height * width];
        for (at, &(row, column)) in hidden.iter().enumerate() {
            positions[row * width + column] = Some(at);
        }
        let index = |(row, column): (usize, usize)| positions[row * width + column];
        let mut span = Span::default();
        for (terms, total) in sums(height, width) {
            let mut vector = vec![0i64; hidden.len()];
            for term in terms {
                if let Some(at) = index(term) {
                    vector[at] = 1;
                }
            }
            if let Some(at) = index(total) {
                vector[at] = -1;
            }
            span.add(vector);
        }
        hidden
            .iter()
            .enumerate()
            .filter(|&(at, _)| {
                let mut unit = vec![0i64; hidden.len()];
                unit[at] = 1;
                span.contains(unit)
            })
            .map(|(_, &position)| position)
            .collect()
    }

    /// The module's grid for `table` with what `published` hides hidden.
    fn grid_as_published(table: &CountTable, published: &[Vec<Option<u64>>]) -> Grid {
        let mut grid = Grid::from_table(table);
        for (cell, value) in published.iter().flatten().enumerate() {
            if value.is_none() {
                grid.hide(cell);
            }
        }
        grid
    }

    /// Another table that the module builds by moving `cell` by `amount`,
    /// for [`fits`] to check independently.
    fn moved(grid: &Grid, cell: (usize, usize), direction: Direction, amount: u64) -> Option<Vec<Vec<i128>>> {
        let width = grid.width;
        let at = cell.0 * width + cell.1;
        let (source, sink) = grid.ends(at, direction);
        let wanted = i128::from(amount);
        let (carried, flow) = grid.max_flow(at, source, sink, wanted);
        if carried < wanted {
            return None;
        }
        let mut values: Vec<i128> = (0..grid.values.len())
            .map(|at| {
                let value = i128::from(grid.values[at]);
                if grid.counts_negatively(at) { value - flow[at] } else { value + flow[at] }
            })
            .collect();
        values[at] += if direction == Direction::Up { wanted } else { -wanted };
        Some(values.chunks(width).map(<[i128]>::to_vec).collect())
    }

    /// Whether `other` is a table a reader of `published` could not rule out:
    /// every shown number the same, every hidden one at least 1, every sum right.
    fn fits(published: &[Vec<Option<u64>>], other: &[Vec<i128>], sums: &[Sum]) -> bool {
        let same_shown = published.iter().flatten().zip(other.iter().flatten()).all(|(shown, value)| match shown {
            Some(shown) => i128::from(*shown) == *value,
            None => *value >= 1,
        });
        let sums_right = sums.iter().all(|(terms, (row, column))| {
            terms.iter().map(|&(row, column)| other[row][column]).sum::<i128>() == other[*row][*column]
        });
        same_shown && sums_right
    }

    fn lowest_possible(truth: &[Vec<u64>], (row, column): (usize, usize)) -> u64 {
        let (last_row, last_column) = (truth.len() - 1, truth[0].len() - 1);
        let cells = truth[..last_row]
            .iter()
            .enumerate()
            .flat_map(|(r, values)| values[..last_column].iter().enumerate().map(move |(c, &value)| (r, c, value)));
        let counted = cells.filter(|&(r, c, value)| {
            value > 0 && (row == last_row || r == row) && (column == last_column || c == column)
        });
        if row < last_row && column < last_column { 1 } else { counted.count() as u64 }
    }

    #[test]
    fn random_tables_never_reveal_a_small_number() {
        let mut random = Random(2024);
        let (mut small_hidden, mut other_hidden) = (0, 0);
        for case in 0..10_000 {
            let table = random_table(&mut random);
            let threshold = random.between(2, 10);
            let result = suppress_small_counts(&table, threshold);
            if case % 100 == 0 {
                assert_eq!(result, suppress_small_counts(&table, threshold), "case {case}: not deterministic");
            }
            let truth = true_grid(&table);
            let published = published_grid(&result);
            let hidden: Vec<(usize, usize)> = (0..truth.len())
                .flat_map(|row| (0..truth[0].len()).map(move |column| (row, column)))
                .filter(|&(row, column)| published[row][column].is_none())
                .collect();
            let context = || {
                format!("case {case}, threshold {threshold}\ntable {:?}\npublished {:?}", table.cells, render(&result))
            };

            // (a) Nothing shown is small, and everything shown is true.
            for (row, values) in published.iter().enumerate() {
                for (column, value) in values.iter().enumerate() {
                    if let Some(value) = value {
                        assert!(!is_small(*value, threshold), "{}\nshows {value}", context());
                        assert_eq!(*value, truth[row][column], "{}", context());
                    }
                }
            }
            // (b) Subtraction along rows and columns solves no hidden number.
            let known = eliminate(&published);
            for &(row, column) in &hidden {
                assert_eq!(known[row][column], None, "{}\nsolved ({row}, {column})", context());
            }
            // (b') Nor does any combination of the sums.
            assert_eq!(determined_by_linear_algebra(&published), [], "{}", context());
            let grid = grid_as_published(&table, &published);
            let all_sums = sums(truth.len(), truth[0].len());
            // (c) Bounds: every hidden small number fits a table where it is
            // as low as it could be and one where it is the threshold; every
            // other hidden number fits a table where it is different.
            for &(row, column) in &hidden {
                let value = truth[row][column];
                let checks = if is_small(value, threshold) {
                    small_hidden += 1;
                    let lowest = lowest_possible(&truth, (row, column));
                    vec![(Direction::Up, threshold - value, threshold), (Direction::Down, value - lowest, lowest)]
                } else {
                    other_hidden += 1;
                    let up = moved(&grid, (row, column), Direction::Up, 1).map(|other| (other, value + 1));
                    let (other, becomes) = up
                        .or_else(|| moved(&grid, (row, column), Direction::Down, 1).map(|other| (other, value - 1)))
                        .unwrap_or_else(|| panic!("{}\n({row}, {column}) can be worked out", context()));
                    assert!(
                        fits(&published, &other, &all_sums),
                        "{}\nmoving ({row}, {column}) gives {other:?}",
                        context()
                    );
                    assert_eq!(other[row][column], i128::from(becomes), "{}", context());
                    continue;
                };
                for (direction, amount, becomes) in checks {
                    let other = moved(&grid, (row, column), direction, amount);
                    let other = other.unwrap_or_else(|| {
                        panic!("{}\n({row}, {column}) cannot move {direction:?} {amount}", context())
                    });
                    assert!(
                        fits(&published, &other, &all_sums),
                        "{}\nmoving ({row}, {column}) gives {other:?}",
                        context()
                    );
                    assert_eq!(other[row][column], i128::from(becomes), "{}", context());
                }
            }
        }
        // The test is only worth something if it met many hidden numbers.
        assert!(small_hidden > 50_000 && other_hidden > 20_000, "{small_hidden} small, {other_hidden} others hidden");
    }
}

/// Linear algebra for the property tests: which numbers a set of published
/// sums pins down, worked modulo a large prime.
#[cfg(test)]
pub(crate) mod span {
    const PRIME: i64 = 1_000_000_007;

    /// The span of the vectors added so far, kept in reduced row echelon form.
    #[derive(Default)]
    pub struct Span {
        basis: Vec<(usize, Vec<i64>)>,
    }

    impl Span {
        fn reduce(&self, vector: Vec<i64>) -> Vec<i64> {
            let mut vector: Vec<i64> = vector.into_iter().map(|value| value.rem_euclid(PRIME)).collect();
            for (pivot, row) in &self.basis {
                let factor = vector[*pivot];
                if factor != 0 {
                    for (value, by) in vector.iter_mut().zip(row) {
                        *value = (*value - factor * by).rem_euclid(PRIME);
                    }
                }
            }
            vector
        }

        /// Adds a vector (an equation's coefficients) to the span.
        pub fn add(&mut self, vector: Vec<i64>) {
            let vector = self.reduce(vector);
            if let Some(pivot) = vector.iter().position(|&value| value != 0) {
                let inverse = power(vector[pivot], PRIME - 2);
                let vector: Vec<i64> = vector.iter().map(|value| value * inverse % PRIME).collect();
                for (_, row) in &mut self.basis {
                    let factor = row[pivot];
                    for (value, by) in row.iter_mut().zip(&vector) {
                        *value = (*value - factor * by).rem_euclid(PRIME);
                    }
                }
                self.basis.push((pivot, vector));
            }
        }

        /// Whether the vector is a combination of those added.
        pub fn contains(&self, vector: Vec<i64>) -> bool {
            self.reduce(vector).iter().all(|&value| value == 0)
        }
    }

    fn power(mut base: i64, mut exponent: i64) -> i64 {
        let mut result = 1;
        while exponent > 0 {
            if exponent & 1 == 1 {
                result = result * base % PRIME;
            }
            base = base * base % PRIME;
            exponent >>= 1;
        }
        result
    }
}
