//! Theme counts by who answered and by month, published as a family of
//! tables that share numbers: themes × months (the dashboard's main table),
//! themes × who answered, and for each theme who answered × months. The
//! family follows rule 5 of [`crate::anonymise::suppress`]: every number two
//! tables share is shown in both, or the second leaves it out. So
//!
//! - themes × who lists only themes whose total themes × months shows, and
//!   drops any whose total it would hide itself;
//! - a theme's who × month table is published only when every number it
//!   shares is shown: its month totals (that theme's row of themes × months),
//!   its who totals (that theme's row of themes × who) and its total.
//!
//! Every view and export of theme counts takes its numbers from
//! [`publish`], so the dashboard, the theme pages, the CSV files and the
//! "You said" page can never show two different versions of one number.

use std::collections::BTreeMap;

use super::counts::{Counts, MONTHS, Who, month_label};
use crate::anonymise::suppress::{
    CountTable, Shared, SuppressedTable, suppress_beside, suppress_rows_beside, suppress_small_counts,
};
use crate::surveys::Registry;

/// The published family of theme tables.
pub struct ThemeTables {
    /// Theme ids, in the order of `by_month`'s rows (the registry's order).
    pub ids: Vec<String>,
    /// Themes × months, with totals.
    pub by_month: SuppressedTable,
    /// The theme ids `by_who` lists, in its row order.
    pub by_who_ids: Vec<String>,
    /// Themes × who answered over the same months, for the themes it can show.
    pub by_who: SuppressedTable,
    /// Theme id → who answered × months, for the themes it can show.
    pub details: BTreeMap<String, SuppressedTable>,
}

impl ThemeTables {
    /// A theme's row in `by_month`.
    pub fn month_row(&self, theme: &str) -> Option<usize> {
        self.ids.iter().position(|id| id == theme)
    }

    /// A theme's row in `by_who`, if it is listed there.
    pub fn who_row(&self, theme: &str) -> Option<usize> {
        self.by_who_ids.iter().position(|id| id == theme)
    }
}

fn zeros() -> Vec<Vec<u64>> {
    vec![vec![0; MONTHS]; Who::ALL.len()]
}

/// Suppresses every theme table together (see the module docs).
pub fn publish(registry: &Registry, counts: &Counts, threshold: u64) -> ThemeTables {
    let themes: Vec<(String, String, Vec<Vec<u64>>)> = registry
        .themes
        .iter()
        .map(|t| (t.id.clone(), t.name.clone(), counts.themes_by_who.get(&t.id).cloned().unwrap_or_else(zeros)))
        .collect();
    let months: Vec<String> = counts.months.iter().map(|m| month_label(*m)).collect();
    let who: Vec<String> = Who::ALL.iter().map(|w| w.label().to_owned()).collect();
    publish_counts(&themes, &who, &months, threshold)
}

/// [`publish`] for plain counts: per theme (id, name, cells[who][month]).
pub fn publish_counts(
    themes: &[(String, String, Vec<Vec<u64>>)],
    who: &[String],
    months: &[String],
    threshold: u64,
) -> ThemeTables {
    let ids: Vec<String> = themes.iter().map(|(id, _, _)| id.clone()).collect();
    let names: Vec<String> = themes.iter().map(|(_, name, _)| name.clone()).collect();
    let cell = |i: usize, g: usize, m: usize| themes[i].2.get(g).and_then(|row| row.get(m)).copied().unwrap_or(0);

    // Themes × months: each month's count is the sum over who answered, so
    // it agrees exactly with the detail tables' month totals.
    let month_cells: Vec<Vec<u64>> = (0..ids.len())
        .map(|i| (0..months.len()).map(|m| (0..who.len()).map(|g| cell(i, g, m)).sum()).collect())
        .collect();
    let by_month = suppress_small_counts(
        &CountTable { rows: names.clone(), columns: months.to_vec(), cells: month_cells },
        threshold,
    );

    // Themes × who: only themes whose total is shown above.
    let candidates: Vec<usize> = (0..ids.len()).filter(|&i| by_month.row_totals[i].count().is_some()).collect();
    let who_table = CountTable {
        rows: candidates.iter().map(|&i| names[i].clone()).collect(),
        columns: who.to_vec(),
        cells: candidates
            .iter()
            .map(|&i| (0..who.len()).map(|g| (0..months.len()).map(|m| cell(i, g, m)).sum()).collect())
            .collect(),
    };
    let (kept, by_who) = suppress_rows_beside(&who_table, threshold);
    let by_who_ids: Vec<String> = kept.iter().map(|&at| ids[candidates[at]].clone()).collect();

    // Who × months for one theme: every total is shared with the tables above.
    let mut details = BTreeMap::new();
    for (at, id) in by_who_ids.iter().enumerate() {
        let i = candidates[kept[at]];
        let shares_shown = by_month.cells[i].iter().all(|c| c.count().is_some())
            && by_who.cells[at].iter().all(|c| c.count().is_some());
        if !shares_shown {
            continue;
        }
        let cells = (0..who.len()).map(|g| (0..months.len()).map(|m| cell(i, g, m)).collect()).collect();
        let table = CountTable { rows: who.to_vec(), columns: months.to_vec(), cells };
        if let Some(published) = suppress_beside(&table, threshold, Shared::ALL) {
            details.insert(id.clone(), published);
        }
    }
    ThemeTables { ids, by_month, by_who_ids, by_who, details }
}

#[cfg(test)]
mod tests {
    use super::*;

    // ---- The property test: the whole family against one attacker. ----

    use crate::anonymise::suppress::span::Span;
    use crate::anonymise::suppress::{Shown, SuppressedTable};

    /// SplitMix64, as in the suppression tests: every run checks the same tables.
    struct Random(u64);

    impl Random {
        fn between(&mut self, low: u64, high: u64) -> u64 {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            low + (z ^ (z >> 31)) % (high - low + 1)
        }
    }

    /// A published number: which (theme, who, month) counts it adds up, and
    /// what is shown.
    struct Number {
        terms: Vec<usize>,
        shown: Shown,
        place: String,
    }

    /// Every number in a published table, as sums of the underlying counts;
    /// `at(row, column)` gives the counts behind one cell.
    fn numbers(t: &SuppressedTable, name: &str, at: &dyn Fn(usize, usize) -> Vec<usize>) -> Vec<Number> {
        let (rows, columns) = (t.rows.len(), t.columns.len());
        let mut out = Vec::new();
        let mut row_terms = vec![Vec::new(); rows];
        let mut column_terms = vec![Vec::new(); columns];
        for (row, row_sum) in row_terms.iter_mut().enumerate() {
            for (column, column_sum) in column_terms.iter_mut().enumerate() {
                let terms = at(row, column);
                row_sum.extend(&terms);
                column_sum.extend(&terms);
                out.push(Number {
                    terms,
                    shown: t.cells[row][column],
                    place: format!("{name} cell ({row}, {column})"),
                });
            }
        }
        let all: Vec<usize> = row_terms.iter().flatten().copied().collect();
        for (row, terms) in row_terms.into_iter().enumerate() {
            out.push(Number { terms, shown: t.row_totals[row], place: format!("{name} row total {row}") });
        }
        for (column, terms) in column_terms.into_iter().enumerate() {
            out.push(Number { terms, shown: t.column_totals[column], place: format!("{name} column total {column}") });
        }
        out.push(Number { terms: all, shown: t.total, place: format!("{name} total") });
        out
    }

    /// For random counts, every number of every published table: nothing
    /// shown is small or untrue, and no hidden number is a combination of
    /// the shown ones, even knowing that a shown zero makes every count in
    /// it zero. This is the attack rule 5 is there to stop: subtracting
    /// across tables.
    #[test]
    fn the_theme_tables_together_never_reveal_a_hidden_number() {
        let mut random = Random(7);
        let (mut hidden_seen, mut details_seen, mut left_out) = (0, 0, 0);
        for case in 0..500 {
            let threshold = random.between(3, 6);
            let (themes, who, months) =
                (random.between(1, 4) as usize, random.between(1, 4) as usize, random.between(1, 5) as usize);
            let zero = random.between(0, 50);
            let small = random.between(0, 60 - zero / 2);
            let counts: Vec<(String, String, Vec<Vec<u64>>)> = (0..themes)
                .map(|i| {
                    let cells = (0..who)
                        .map(|_| {
                            (0..months)
                                .map(|_| {
                                    let draw = random.between(1, 100);
                                    if draw <= zero {
                                        0
                                    } else if draw <= zero + small {
                                        random.between(1, 5)
                                    } else {
                                        random.between(1, 60)
                                    }
                                })
                                .collect()
                        })
                        .collect();
                    (format!("t{i}"), format!("Theme {i}"), cells)
                })
                .collect();
            let who_labels: Vec<String> = (0..who).map(|g| format!("w{g}")).collect();
            let month_labels: Vec<String> = (0..months).map(|m| format!("m{m}")).collect();
            let tables = publish_counts(&counts, &who_labels, &month_labels, threshold);

            let variable = |i: usize, g: usize, m: usize| (i * who + g) * months + m;
            let mut all = numbers(&tables.by_month, "by month", &|i, m| (0..who).map(|g| variable(i, g, m)).collect());
            let kept: Vec<usize> =
                tables.by_who_ids.iter().map(|id| tables.month_row(id).expect("a listed theme")).collect();
            all.extend(numbers(&tables.by_who, "by who", &|at, g| {
                (0..months).map(|m| variable(kept[at], g, m)).collect()
            }));
            for (id, detail) in &tables.details {
                let i = tables.month_row(id).expect("a listed theme");
                all.extend(numbers(detail, id, &|g, m| vec![variable(i, g, m)]));
                details_seen += 1;
            }
            left_out += themes - tables.by_who_ids.len();

            let size = themes * who * months;
            let truth = |terms: &[usize]| -> u64 {
                terms.iter().map(|&v| counts[v / (who * months)].2[(v / months) % who][v % months]).sum()
            };
            let vector = |terms: &[usize]| {
                let mut vector = vec![0i64; size];
                for &v in terms {
                    vector[v] += 1;
                }
                vector
            };
            let mut span = Span::default();
            for number in &all {
                if let Shown::Count(value) = number.shown {
                    assert_eq!(value, truth(&number.terms), "case {case}: {} is untrue", number.place);
                    assert!(value == 0 || value >= threshold, "case {case}: {} shows {value}", number.place);
                    span.add(vector(&number.terms));
                    if value == 0 {
                        for &v in &number.terms {
                            let mut unit = vec![0i64; size];
                            unit[v] = 1;
                            span.add(unit);
                        }
                    }
                }
            }
            for number in all.iter().filter(|n| n.shown == Shown::Suppressed) {
                hidden_seen += 1;
                assert!(
                    !span.contains(vector(&number.terms)),
                    "case {case}: {} (true value {}) can be worked out from the tables together\n{counts:?}",
                    number.place,
                    truth(&number.terms)
                );
            }
        }
        // Only worth something if it met hidden numbers, published details
        // and themes left out.
        assert!(hidden_seen > 2_500 && details_seen > 400 && left_out > 50, "{hidden_seen} {details_seen} {left_out}");
    }
}
