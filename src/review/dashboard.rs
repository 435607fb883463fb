//! The theme dashboard: what people wrote about, month by month; whether
//! they feel listened to; how many answered, by survey and by link. Every
//! number goes through [`suppress_small_counts`] before it is drawn.
//!
//! Flagged responses are left out of every number here: the dashboard is
//! what the Youth Council may see, and they never see those.
//!
//! Tables that share numbers are suppressed together (rule 5 of
//! [`crate::anonymise::suppress`]): the theme tables by [`super::breakdown`],
//! and the responses by survey and by link, which share their grand total.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveDate;
use maud::{Markup, html};

use super::breakdown;
use super::charts::{Series, bar_chart, line_chart};
use super::counts::{Counts, MONTHS, counts, month_label};
use crate::anonymise::suppress::{
    CountTable, Shared, Shown, SuppressedTable, hidden_note, suppress_beside, suppress_small_counts,
};
use crate::staff::session::SignedIn;
use crate::staff::views::page;
use crate::surveys::Registry;
use crate::web::{AppError, AppState, html, in_read_transaction};

type State = web::Data<AppState>;

/// `GET /staff/dashboard`
pub async fn dashboard(state: State, req: HttpRequest) -> Result<HttpResponse, AppError> {
    let me = SignedIn::of(&req)?;
    let registry = state.registry.clone();
    let until = super::counts::counted_until(&state.settings);
    let threshold = u64::from(state.settings.suppress_below);
    let counts = in_read_transaction(&state.db, move |conn| {
        let mut counts = counts(conn, &registry, until)?;
        counts.loop_measures = crate::publish::measures::compute(conn, &registry, threshold)?;
        Ok(counts)
    })
    .await?;
    let view = view(&me, &state.registry, &counts, threshold, state.settings.retention_days);
    Ok(html(StatusCode::OK, view))
}

/// `GET /staff/dashboard/themes/{id}`
pub async fn dashboard_theme(state: State, req: HttpRequest, id: web::Path<String>) -> Result<HttpResponse, AppError> {
    let me = SignedIn::of(&req)?;
    let registry = state.registry.clone();
    let until = super::counts::counted_until(&state.settings);
    let counts = in_read_transaction(&state.db, move |conn| counts(conn, &registry, until)).await?;
    let threshold = u64::from(state.settings.suppress_below);
    let view = theme_view(&me, &state.registry, &counts, threshold, &id).ok_or(AppError::NotFound)?;
    Ok(html(StatusCode::OK, view))
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
    number_table_linked(caption, t, &[])
}

/// A published table as an HTML table; `row_links[i]`, when given, makes row
/// `i`'s heading a link.
fn number_table_linked(caption: &str, t: &SuppressedTable, row_links: &[Option<String>]) -> Markup {
    html! {
        div.chart-table role="region" aria-label=(caption) tabindex="0" {
            table {
                caption { (caption) }
                thead { tr { th scope="col" { span.visually-hidden { "Name" } } @for c in &t.columns { th.num scope="col" { (c) } } th.num scope="col" { "Total" } } }
                tbody {
                    @for (i, row) in t.rows.iter().enumerate() {
                        tr {
                            th scope="row" {
                                @if let Some(Some(href)) = row_links.get(i) { a href=(href) { (row) } } @else { (row) }
                            }
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
/// from the others and the total. Its total is every response in the window,
/// which the survey table also shows, so it is published only when that
/// total is shown in both (rule 5).
fn links_table(counts: &Counts, threshold: u64, surveys: &SuppressedTable) -> Markup {
    let mut rows: Vec<(String, Vec<u64>)> = counts.links.iter().map(|(code, n)| (code.clone(), vec![*n])).collect();
    rows.push(("No link".to_owned(), vec![counts.no_link]));
    let (names, cells): (Vec<String>, Vec<Vec<u64>>) = rows.into_iter().unzip();
    let table = CountTable { rows: names, columns: vec!["Last 12 months".to_owned()], cells };
    let published = surveys.total.count().and_then(|_| suppress_beside(&table, threshold, Shared::TOTAL));
    // Withheld: the links are still listed, every number hidden.
    let t = published.unwrap_or_else(|| {
        let hidden = |n: usize| vec![Shown::Suppressed; n];
        SuppressedTable {
            cells: table.rows.iter().map(|_| hidden(1)).collect(),
            row_totals: hidden(table.rows.len()),
            column_totals: hidden(1),
            total: Shown::Suppressed,
            rows: table.rows,
            columns: table.columns,
            threshold,
        }
    });
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

/// Where a theme's own page is.
pub fn theme_href(id: &str) -> String {
    format!("/staff/dashboard/themes/{id}")
}

/// The suppressed total per theme (in `registry.themes` order), exactly as
/// the dashboard's theme table shows them.
pub fn theme_totals(registry: &Registry, counts: &Counts, threshold: u64) -> Vec<Shown> {
    breakdown::publish(registry, counts, threshold).by_month.row_totals
}

/// The dashboard page.
pub fn view(who: &SignedIn, registry: &Registry, counts: &Counts, threshold: u64, retention_days: u32) -> Markup {
    let tables = breakdown::publish(registry, counts, threshold);
    let themes = &tables.by_month;
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
    let theme_links: Vec<Option<String>> = tables.ids.iter().map(|id| Some(theme_href(id))).collect();
    let who_links: Vec<Option<String>> = tables.by_who_ids.iter().map(|id| Some(theme_href(id))).collect();
    let left_out: Vec<&str> =
        registry.themes.iter().filter(|t| tables.who_row(&t.id).is_none()).map(|t| t.name.as_str()).collect();
    let hidden = crate::anonymise::suppress::HIDDEN;
    page(
        "Dashboard",
        Some(who),
        html! {
            h1 { "What people are telling us" }
            p { "The last " (MONTHS) " months. To protect people, numbers below " (threshold) " are hidden, and so is any number they could be worked out from. " (hidden_note(threshold)) }
            (super::counts::up_to_note(counts.up_to))
            p.small { "Written answers are deleted after " (retention_days) " days; the themes and the answers people chose stay." }
            h2 { "What people wrote about" }
            p { "Responses whose written words a Youth Council reviewer grouped under each theme. One response can be about several themes. Choose a theme to see it by age group and month." }
            (bar_chart("themes", "Responses about each theme, last 12 months", &themes.rows, &themes.row_totals.iter().map(|s| value(*s)).collect::<Vec<_>>(), hidden, "responses"))
            details.chart-numbers { summary { "Themes month by month" } (number_table_linked("Responses about each theme, by month", themes, &theme_links)) }
            h2 { "Who wrote about each theme" }
            @if tables.by_who_ids.is_empty() {
                p { "Too few responses yet to show the themes by who answered without risking someone being recognised." }
            } @else {
                (number_table_linked("Responses about each theme, by who answered, last 12 months", &tables.by_who, &who_links))
            }
            @if !left_out.is_empty() && !tables.by_who_ids.is_empty() {
                p.small { "Left out of this table, because too few people wrote about them to break them down safely: " (left_out.join(", ")) "." }
            }
            h2 { "Do people feel listened to?" }
            (line_chart("listened", "Share who feel listened to", &months, &[Series { label: "Feel listened to".into(), points: share }], Some(100.0), "%", hidden))
            details.chart-numbers { summary { "The numbers behind it" } (number_table("Answers to \u{201c}Do you feel listened to?\u{201d}, by month", &listened)) }
            (crate::publish::measures::fragment(&counts.loop_measures))
            h2 { "How many answered" }
            (number_table("Responses to each survey, by month", &surveys))
            h2 { "By distribution link" }
            @if counts.links.is_empty() { p { "No responses have come through a distribution link yet." } } @else {
                (links_table(counts, threshold, &surveys))
            }
        },
    )
}

/// One theme's page: who wrote about it, month by month, when every number
/// it shares with the dashboard's tables is shown (rule 5); otherwise the
/// theme's rows from those tables, which are already published.
pub fn theme_view(who: &SignedIn, registry: &Registry, counts: &Counts, threshold: u64, id: &str) -> Option<Markup> {
    let theme = registry.themes.iter().find(|t| t.id == id)?;
    let tables = breakdown::publish(registry, counts, threshold);
    let row = tables.month_row(id)?;
    let months: Vec<String> = counts.months.iter().map(|m| month_label(*m)).collect();
    let hidden = crate::anonymise::suppress::HIDDEN;
    let by_month = &tables.by_month;
    let total = by_month.row_totals[row].label(threshold);
    Some(page(
        &theme.name,
        Some(who),
        html! {
            p { a href="/staff/dashboard" { "Back to the dashboard" } }
            h1 { (theme.name) }
            p { (theme.description) }
            p { "Responses about this theme in the last " (MONTHS) " months: " strong { (total) } ". " (hidden_note(threshold)) }
            (super::counts::up_to_note(counts.up_to))
            @if let Some(detail) = tables.details.get(id) {
                @let series: Vec<Series> = detail.rows.iter().zip(&detail.cells).filter(|(_, cells)| cells.iter().any(|c| c.count() != Some(0))).map(|(label, cells)| Series { label: label.clone(), points: cells.iter().map(|c| value(*c)).collect() }).collect();
                (line_chart("theme-who", "Responses about this theme, by who answered", &months, &series, None, "", hidden))
                (number_table("Responses about this theme, by who answered and month", detail))
            } @else {
                p { "Too few people wrote about this theme to show it by who answered and month together without risking someone being recognised. Here it is by month, and by who answered." }
                (line_chart("theme-months", "Responses about this theme, by month", &months, &[Series { label: theme.name.clone(), points: by_month.cells[row].iter().map(|c| value(*c)).collect() }], None, "", hidden))
                (number_table("Responses about this theme, by month", &one_row(by_month, row)))
                @if let Some(at) = tables.who_row(id) {
                    (number_table("Responses about this theme, by who answered", &one_row(&tables.by_who, at)))
                } @else {
                    p { "Too few people wrote about this theme to show it by who answered." }
                }
            }
        },
    ))
}

/// One row of a published table with its total, and nothing else from it.
fn one_row(t: &SuppressedTable, row: usize) -> SuppressedTable {
    SuppressedTable {
        rows: vec![t.rows[row].clone()],
        columns: t.columns.clone(),
        cells: vec![t.cells[row].clone()],
        row_totals: vec![t.row_totals[row]],
        column_totals: t.cells[row].clone(),
        total: t.row_totals[row],
        threshold: t.threshold,
    }
}
