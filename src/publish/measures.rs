//! How well the loop closes, for the staff dashboard: the share of themes
//! young people raised that have a published answer; the median days from
//! the first response in a theme to the first published action for it; and
//! per theme, the date of the latest update.
//!
//! A theme counts as *raised* when the Youth Council wrote a "You said" for
//! it, or when at least the suppression threshold of reviewed responses are
//! grouped under it. Counting a theme raised by a single response would
//! tell the dashboard's readers a count its own tables hide.

use std::collections::BTreeMap;

use chrono::{Months, NaiveDate};
use diesel::prelude::*;
use maud::{Markup, html};

use super::long_date;
use super::store;
use crate::db::DbConnection;
use crate::db::schema::{daily_themes, monthly_themes, you_said};
use crate::surveys::Registry;

/// One theme's part of the loop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThemeLoop {
    pub theme_id: String,
    pub name: String,
    pub raised: bool,
    /// The date of the earliest reviewed response grouped under it.
    pub first_response: Option<NaiveDate>,
    /// The day its first still-published action was first published.
    pub first_answer: Option<NaiveDate>,
    /// The latest publication (first or update) of any of its published actions.
    pub latest_update: Option<NaiveDate>,
}

/// Every theme's loop, in the registry's order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoopMeasures {
    pub themes: Vec<ThemeLoop>,
}

impl LoopMeasures {
    /// (raised themes with a published answer, raised themes).
    pub fn answered(&self) -> (usize, usize) {
        let raised = self.themes.iter().filter(|t| t.raised);
        let (answered, all) = raised.fold((0, 0), |(a, n), t| (a + usize::from(t.first_answer.is_some()), n + 1));
        (answered, all)
    }

    /// Median days from a raised theme's first response to its first
    /// published answer, over the themes that have both.
    pub fn median_days(&self) -> Option<f64> {
        let mut days: Vec<i64> = self
            .themes
            .iter()
            .filter(|t| t.raised)
            .filter_map(|t| Some((t.first_answer? - t.first_response?).num_days().max(0)))
            .collect();
        median(&mut days)
    }
}

fn median(values: &mut [i64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let mid = values.len() / 2;
    Some(if values.len() % 2 == 1 { values[mid] as f64 } else { (values[mid - 1] + values[mid]) as f64 / 2.0 })
}

/// Per theme, its count and the first day with any, from the dashboard's
/// counts, so this stays quick at a million responses: the total from the
/// monthly counts, then the first day from the daily ones of the first
/// month with any. A day's count is never below zero (a review takes away
/// only a theme it had added), so that month holds the first day.
fn theme_counts(conn: &mut DbConnection) -> QueryResult<BTreeMap<String, (i64, Option<NaiveDate>)>> {
    let months: Vec<(String, NaiveDate, i64)> = monthly_themes::table
        .select((monthly_themes::theme_id, monthly_themes::month, monthly_themes::n))
        .load(conn)?;
    let mut by_month: BTreeMap<(String, NaiveDate), i64> = BTreeMap::new();
    for (theme, month, n) in months {
        *by_month.entry((theme, month)).or_default() += n;
    }
    // In (theme, month) order, so a theme's first entry is its first month.
    let mut per_theme: BTreeMap<String, (i64, Option<NaiveDate>)> = BTreeMap::new();
    for ((theme, month), n) in by_month.into_iter().filter(|(_, n)| *n > 0) {
        per_theme.entry(theme).or_insert((0, Some(month))).0 += n;
    }
    for (theme, (_, first)) in per_theme.iter_mut() {
        let Some(month) = *first else { continue };
        let next = month.checked_add_months(Months::new(1)).unwrap_or(NaiveDate::MAX);
        let days: Vec<(NaiveDate, i64)> = daily_themes::table
            .filter(daily_themes::theme_id.eq(theme.as_str()))
            .filter(daily_themes::day.ge(month).and(daily_themes::day.lt(next)))
            .select((daily_themes::day, daily_themes::n))
            .load(conn)?;
        let mut by_day: BTreeMap<NaiveDate, i64> = BTreeMap::new();
        for (day, n) in days {
            *by_day.entry(day).or_default() += n;
        }
        *first = by_day.into_iter().find(|(_, n)| *n > 0).map(|(day, _)| day);
    }
    Ok(per_theme)
}

/// Reads what the measures need. Flagged responses are left out, as
/// everywhere on the dashboard.
pub fn compute(conn: &mut DbConnection, registry: &Registry, threshold: u64) -> QueryResult<LoopMeasures> {
    let per_theme = theme_counts(conn)?;
    let statements: Vec<String> = you_said::table.select(you_said::theme_id).distinct().load(conn)?;
    let published = store::published(conn, None)?;
    let themes = registry
        .themes
        .iter()
        .map(|theme| {
            let (count, first_response) = per_theme.get(&theme.id).copied().unwrap_or((0, None));
            let answering = published.iter().filter(|a| a.themes.contains(&theme.id));
            let first_answer = answering.clone().filter_map(|a| a.row.first_published_at).min().map(|t| t.date());
            let latest_update =
                answering.flat_map(|a| a.history.iter().map(|h| h.published_at)).max().map(|t| t.date());
            ThemeLoop {
                theme_id: theme.id.clone(),
                name: theme.name.clone(),
                raised: statements.contains(&theme.id) || (count > 0 && count as u64 >= threshold),
                first_response,
                first_answer,
                latest_update,
            }
        })
        .collect();
    Ok(LoopMeasures { themes })
}

/// The dashboard's "Closing the loop" section.
pub fn fragment(m: &LoopMeasures) -> Markup {
    let (answered, raised) = m.answered();
    html! {
        h2 { "Closing the loop" }
        @if raised == 0 {
            p { "No theme has been raised yet: a theme counts once the Youth Council writes a \u{201c}You said\u{201d} for it, or enough reviewed responses are grouped under it." }
        } @else {
            p { "Themes raised that have a published answer: " strong { (answered) " of " (raised) " (" (answered * 100 / raised) "%)" } }
            p {
                "Median days from a theme's first response to its first published answer: "
                strong { @if let Some(d) = m.median_days() { (format!("{d:.0}")) } @else { "not yet" } }
            }
            table {
                caption { "Each theme raised, and its latest published update" }
                thead { tr { th scope="col" { "Theme" } th scope="col" { "Answered" } th scope="col" { "Latest update" } } }
                tbody {
                    @for t in m.themes.iter().filter(|t| t.raised) {
                        tr {
                            th scope="row" { (t.name) }
                            td { @if t.first_answer.is_some() { "Yes" } @else { "Not yet" } }
                            td { @if let Some(d) = t.latest_update { (long_date(d)) } @else { "–" } }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn theme(id: &str, raised: bool, first: Option<(i32, u32, u32)>, answer: Option<(i32, u32, u32)>) -> ThemeLoop {
        let date = |d: Option<(i32, u32, u32)>| d.and_then(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d));
        ThemeLoop {
            theme_id: id.into(),
            name: id.into(),
            raised,
            first_response: date(first),
            first_answer: date(answer),
            latest_update: date(answer),
        }
    }

    #[test]
    fn share_and_median_count_only_raised_themes() {
        let m = LoopMeasures {
            themes: vec![
                theme("a", true, Some((2026, 1, 1)), Some((2026, 1, 11))),
                theme("b", true, Some((2026, 1, 1)), Some((2026, 1, 31))),
                theme("c", true, Some((2026, 2, 1)), None),
                theme("d", false, Some((2026, 1, 1)), Some((2026, 12, 1))),
            ],
        };
        assert_eq!(m.answered(), (2, 3));
        assert_eq!(m.median_days(), Some(20.0));
        assert_eq!(LoopMeasures::default().median_days(), None);
        assert_eq!(median(&mut [5, 1, 3]), Some(3.0));
    }
}
