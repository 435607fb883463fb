//! The theme dashboard: what people wrote about, month by month; whether
//! they feel listened to; how many answered, by survey and by link. Every
//! number goes through [`suppress_small_counts`] before it is drawn.
//!
//! Flagged responses are left out of every number here: the dashboard is
//! what the Youth Council may see, and they never see those.
//!
//! Each table is protected on its own, so the dashboard never shows two
//! tables that share totals (a theme × age-group table beside the theme ×
//! month table would share the theme totals, and hiding one in one table but
//! not the other undoes the protection). Breakdowns by audience and age group
//! wait for a combined table.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use diesel::dsl::count_star;
use diesel::prelude::*;
use maud::{Markup, html};

use super::charts::{Series, bar_chart, line_chart};
use crate::anonymise::suppress::{CountTable, Shown, SuppressedTable, hidden_note, suppress_small_counts};
use crate::db::DbConnection;
use crate::db::schema::{answers, response_themes, responses};
use crate::staff::session::SignedIn;
use crate::staff::views::page;
use crate::surveys::{Measure, QuestionKind, Registry};

/// How many months the dashboard looks back, this one included.
pub const MONTHS: usize = 12;

/// The raw counts, before suppression.
pub struct Counts {
    pub months: Vec<NaiveDate>,
    /// theme id → count per month
    pub themes: BTreeMap<String, Vec<u64>>,
    /// survey id → count per month
    pub surveys: BTreeMap<String, Vec<u64>>,
    /// [feel listened to, does not] per month
    pub listened: [Vec<u64>; 2],
    /// distribution link code → responses in the window
    pub links: BTreeMap<String, u64>,
    /// responses in the window that came through no link
    pub no_link: u64,
    /// Filled in by the dashboard page only (see `publish::measures`).
    pub loop_measures: crate::publish::measures::LoopMeasures,
}

fn month_start(date: NaiveDate) -> NaiveDate {
    date.with_day(1).expect("every month has a first day")
}

/// The first days of the last [`MONTHS`] months, oldest first.
pub fn months_to(today: NaiveDate) -> Vec<NaiveDate> {
    let mut months = vec![month_start(today)];
    while months.len() < MONTHS {
        let first = months[0];
        let previous = month_start(first.pred_opt().expect("a day before the first of a month"));
        months.insert(0, previous);
    }
    months
}

/// Reads every count the dashboard shows, grouped by day in SQL and by month here.
pub fn counts(conn: &mut DbConnection, registry: &Registry, today: NaiveDate) -> QueryResult<Counts> {
    let months = months_to(today);
    let from = months[0];
    let index = |date: NaiveDate| months.iter().rposition(|m| *m <= date);

    let mut themes: BTreeMap<String, Vec<u64>> =
        registry.themes.iter().map(|t| (t.id.clone(), vec![0; MONTHS])).collect();
    let rows: Vec<(String, NaiveDate, i64)> = response_themes::table
        .inner_join(responses::table)
        .filter(response_themes::confirmed.eq(true))
        .filter(responses::concern.eq(false))
        .filter(responses::submitted_on.ge(from))
        .group_by((response_themes::theme_id, responses::submitted_on))
        .select((response_themes::theme_id, responses::submitted_on, count_star()))
        .load(conn)?;
    for (theme, day, n) in rows {
        if let (Some(counts), Some(i)) = (themes.get_mut(&theme), index(day)) {
            counts[i] += n as u64;
        }
    }

    let mut surveys: BTreeMap<String, Vec<u64>> =
        registry.surveys().iter().map(|s| (s.id.clone(), vec![0; MONTHS])).collect();
    let rows: Vec<(String, NaiveDate, i64)> = responses::table
        .filter(responses::concern.eq(false))
        .filter(responses::submitted_on.ge(from))
        .group_by((responses::survey_id, responses::submitted_on))
        .select((responses::survey_id, responses::submitted_on, count_star()))
        .load(conn)?;
    for (survey, day, n) in rows {
        if let (Some(counts), Some(i)) = (surveys.get_mut(&survey), index(day)) {
            counts[i] += n as u64;
        }
    }

    // "Do you feel listened to?": the top two points of a scale, the happy
    // face, or a single choice's first option count as feeling listened to.
    let mut listened = [vec![0; MONTHS], vec![0; MONTHS]];
    for survey in registry.surveys() {
        let Some(question) = survey.questions().find(|q| q.measure == Some(Measure::FeelListenedTo)) else { continue };
        let yes: Vec<String> = match &question.kind {
            QuestionKind::Scale { .. } => vec!["4".into(), "5".into()],
            QuestionKind::Faces { .. } => vec!["3".into()],
            QuestionKind::Single { options } => options.first().map(|o| vec![o.id.clone()]).unwrap_or_default(),
            _ => continue,
        };
        let rows: Vec<(Option<String>, NaiveDate, i64)> = answers::table
            .inner_join(responses::table)
            .filter(responses::survey_id.eq(&survey.id))
            .filter(responses::concern.eq(false))
            .filter(answers::question_id.eq(&question.id))
            .filter(answers::choice.ne(crate::surveys::RATHER_NOT_SAY))
            .filter(responses::submitted_on.ge(from))
            .group_by((answers::choice, responses::submitted_on))
            .select((answers::choice, responses::submitted_on, count_star()))
            .load(conn)?;
        for (choice, day, n) in rows {
            if let Some(i) = index(day) {
                let side = if choice.is_some_and(|c| yes.contains(&c)) { 0 } else { 1 };
                listened[side][i] += n as u64;
            }
        }
    }

    let rows: Vec<(Option<String>, i64)> = responses::table
        .filter(responses::concern.eq(false))
        .filter(responses::submitted_on.ge(from))
        .group_by(responses::via)
        .select((responses::via, count_star()))
        .load(conn)?;
    let mut links = BTreeMap::new();
    let mut no_link = 0;
    for (code, n) in rows {
        match code {
            Some(code) => {
                links.insert(code, n as u64);
            }
            None => no_link = n as u64,
        }
    }

    Ok(Counts { months, themes, surveys, listened, links, no_link, loop_measures: Default::default() })
}

fn month_label(month: NaiveDate) -> String {
    month.format("%b %Y").to_string()
}

fn table(rows: Vec<(String, Vec<u64>)>, months: &[NaiveDate], threshold: u64) -> SuppressedTable {
    let (names, cells): (Vec<String>, Vec<Vec<u64>>) = rows.into_iter().unzip();
    let table = CountTable { rows: names, columns: months.iter().map(|m| month_label(*m)).collect(), cells };
    suppress_small_counts(&table, threshold)
}

fn value(shown: Shown) -> Option<f64> {
    shown.count().map(|n| n as f64)
}

fn number_table(caption: &str, t: &SuppressedTable) -> Markup {
    html! {
        div.chart-table role="region" aria-label=(caption) tabindex="0" {
            table {
                caption { (caption) }
                thead { tr { th scope="col" { span.visually-hidden { "Name" } } @for c in &t.columns { th.num scope="col" { (c) } } th.num scope="col" { "Total" } } }
                tbody {
                    @for (i, row) in t.rows.iter().enumerate() {
                        tr {
                            th scope="row" { (row) }
                            @for cell in &t.cells[i] { td.num { (cell.label(t.threshold)) } }
                            td.num { strong { (t.row_totals[i].label(t.threshold)) } }
                        }
                    }
                    tr {
                        th scope="row" { "Total" }
                        @for cell in &t.column_totals { td.num { strong { (cell.label(t.threshold)) } } }
                        td.num { strong { (t.total.label(t.threshold)) } }
                    }
                }
            }
        }
    }
}

/// Every link and "no link" in one table, so no count can be worked out
/// from the others and the total.
fn links_table(counts: &Counts, threshold: u64) -> Markup {
    let mut rows: Vec<(String, Vec<u64>)> = counts.links.iter().map(|(code, n)| (code.clone(), vec![*n])).collect();
    rows.push(("No link".to_owned(), vec![counts.no_link]));
    let (names, cells): (Vec<String>, Vec<Vec<u64>>) = rows.into_iter().unzip();
    let t = suppress_small_counts(
        &CountTable { rows: names, columns: vec!["Last 12 months".to_owned()], cells },
        threshold,
    );
    html! {
        table {
            caption { "Responses by distribution link, last 12 months" }
            thead { tr { th scope="col" { "Link" } th.num scope="col" { "Responses" } } }
            tbody {
                @for (i, row) in t.rows.iter().enumerate() { tr { th scope="row" { (row) } td.num { (t.row_totals[i].label(t.threshold)) } } }
                tr { th scope="row" { "Total" } td.num { strong { (t.total.label(t.threshold)) } } }
            }
        }
    }
}

/// The suppressed total per theme (in `registry.themes` order), exactly as
/// the dashboard's theme table shows them.
pub fn theme_totals(registry: &Registry, counts: &Counts, threshold: u64) -> Vec<Shown> {
    theme_table(registry, counts, threshold).row_totals
}

/// The theme × month table as published: every view and export of theme
/// counts goes through this one function.
pub fn theme_table(registry: &Registry, counts: &Counts, threshold: u64) -> SuppressedTable {
    let rows: Vec<(String, Vec<u64>)> = registry
        .themes
        .iter()
        .map(|t| (t.name.clone(), counts.themes.get(&t.id).cloned().unwrap_or_else(|| vec![0; MONTHS])))
        .collect();
    table(rows, &counts.months, threshold)
}

/// The dashboard page.
pub fn view(who: &SignedIn, registry: &Registry, counts: &Counts, threshold: u64, retention_days: u32) -> Markup {
    let themes = theme_table(registry, counts, threshold);
    let survey_rows: Vec<(String, Vec<u64>)> = registry
        .surveys()
        .iter()
        .map(|s| (s.id.clone(), counts.surveys.get(&s.id).cloned().unwrap_or_else(|| vec![0; MONTHS])))
        .collect();
    let surveys = table(survey_rows, &counts.months, threshold);
    let listened = table(
        vec![
            ("Feel listened to".to_owned(), counts.listened[0].clone()),
            ("Don't, or not much".to_owned(), counts.listened[1].clone()),
        ],
        &counts.months,
        threshold,
    );
    // A month's share only when both its numbers are shown.
    let share: Vec<Option<f64>> = (0..MONTHS)
        .map(|m| match (listened.cells[0][m].count(), listened.column_totals[m].count()) {
            (Some(yes), Some(all)) if all > 0 => Some((yes as f64 * 100.0 / all as f64).round()),
            _ => None,
        })
        .collect();
    let months: Vec<String> = counts.months.iter().map(|m| month_label(*m)).collect();
    let hidden = crate::anonymise::suppress::HIDDEN;
    page(
        "Dashboard",
        Some(who),
        html! {
            h1 { "What people are telling us" }
            p { "The last " (MONTHS) " months. To protect people, numbers below " (threshold) " are hidden, and so is any number they could be worked out from. " (hidden_note(threshold)) }
            p.small { "Written answers are deleted after " (retention_days) " days; the themes and the answers people chose stay." }
            h2 { "What people wrote about" }
            p { "Responses whose written words a Youth Council reviewer grouped under each theme. One response can be about several themes." }
            (bar_chart("themes", "Responses about each theme, last 12 months", &themes.rows, &themes.row_totals.iter().map(|s| value(*s)).collect::<Vec<_>>(), hidden, "responses"))
            details.chart-numbers { summary { "Themes month by month" } (number_table("Responses about each theme, by month", &themes)) }
            h2 { "Do people feel listened to?" }
            (line_chart("listened", "Share who feel listened to", &months, &[Series { label: "Feel listened to".into(), points: share }], Some(100.0), "%", hidden))
            details.chart-numbers { summary { "The numbers behind it" } (number_table("Answers to \u{201c}Do you feel listened to?\u{201d}, by month", &listened)) }
            (crate::publish::measures::fragment(&counts.loop_measures))
            h2 { "How many answered" }
            (number_table("Responses to each survey, by month", &surveys))
            h2 { "By distribution link" }
            @if counts.links.is_empty() { p { "No responses have come through a distribution link yet." } } @else {
                (links_table(counts, threshold))
            }
        },
    )
}
