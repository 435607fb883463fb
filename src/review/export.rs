//! Exports for the partnership's report, for admins only, every one audited.
//!
//! - `themes.csv`, `themes-by-who.csv`, `themes-by-who-and-month.csv`: the
//!   theme tables exactly as the dashboard publishes them, from the same
//!   [`breakdown::publish`](super::breakdown::publish) (so suppressed together, rule 5 of
//!   [`crate::anonymise::suppress`]); a hidden number reads `hidden`, totals
//!   included.
//! - `responses/{survey}.csv`: one row per response, one column per question
//!   (one per house for the three houses). Free text is as stored, so it was
//!   scrubbed before it reached the disk. The date is coarsened to the month.
//!   Flagged responses are left out unless the exporter is also a
//!   safeguarding lead. The file is streamed: a blocking task finds a page
//!   of responses at a time (keyset pagination on the random id); it and a
//!   helper thread draw alternate pages as CSV, which are sent in order
//!   into a small bounded channel, so a million rows never sit in memory at
//!   once, and a slow download slows the reading rather than filling a
//!   buffer.
//!
//! Every file is UTF-8 with a byte order mark, so Excel reads it as UTF-8.
//!
//! # Spreadsheet formulas
//!
//! A cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return is
//! taken as a formula by Excel, LibreOffice and Google Sheets, so words a
//! respondent typed (`=HYPERLINK(…)`) could run as one on a staff laptop.
//! Such a cell is written with a leading `'`, as OWASP advises ("CSV
//! injection"); spreadsheets show the text, and a reader of the raw file sees
//! one extra character. Every cell goes through [`csv_field`], numbers and
//! headers too, so no path is left out.

use std::borrow::Cow;
use std::collections::HashMap;

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{NaiveDate, Utc};
use diesel::prelude::*;
use maud::html;

use crate::anonymise::suppress::{SuppressedTable, hidden_note};
use crate::cause::Chain;
use crate::db::audit;
use crate::db::schema::{answers, response_themes, responses};
use crate::db::{DbConnection, DbError};
use crate::staff::roles::Role;
use crate::staff::session::SignedIn;
use crate::staff::views::page;
use crate::surveys::{HOUSES, QuestionKind, Registry, Survey};
use crate::web::AppError;
use crate::web::AppState;

use super::breakdown::{self, ThemeTables};
use super::counts;

type State = web::Data<AppState>;

/// Every file starts with a byte order mark: without it Excel, which most
/// partnerships open these files in, reads UTF-8 as the Windows code page
/// and garbles every "é", "ł" and Urdu letter. Other tools skip it.
pub const BOM: &str = "\u{feff}";

/// Responses read per query: big enough to be quick, small enough that a
/// page and its answers stay a few megabytes at most.
pub const PAGE_SIZE: i64 = 1_000;

/// Pages waiting to be sent; the reader waits when the download falls behind.
const PAGES_IN_FLIGHT: usize = 4;

/// One CSV field: neutralised against spreadsheet formulas (see the module
/// docs), then quoted if it holds a comma, a quote or a line break.
pub fn csv_field(value: &str) -> Cow<'_, str> {
    let formula = value.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let value: Cow<'_, str> = if formula { Cow::Owned(format!("'{value}")) } else { Cow::Borrowed(value) };
    if value.contains([',', '"', '\n', '\r']) {
        Cow::Owned(format!("\"{}\"", value.replace('"', "\"\"")))
    } else {
        value
    }
}

/// Appends one CSV record, ending in CRLF (RFC 4180).
pub fn push_record<S: AsRef<str>>(out: &mut String, fields: &[S]) {
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&csv_field(field.as_ref()));
    }
    out.push_str("\r\n");
}

fn attachment(filename: &str) -> (header::HeaderName, String) {
    (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\""))
}

/// `GET /staff/exports`
pub async fn list(state: State, req: HttpRequest) -> Result<HttpResponse, AppError> {
    let me = SignedIn::of(&req)?;
    let threshold = state.settings.suppress_below;
    let lead = me.has(Role::SafeguardingLead);
    let markup = page(
        "Exports",
        Some(&me),
        html! {
            h1 { "Exports" }
            p { "Spreadsheet files (CSV) for the partnership's report. Every export is written in the audit log with your name." }
            h2 { "Theme counts" }
            p { "How many responses the Youth Council grouped under each theme over the last " (counts::MONTHS) " months: the same numbers as the dashboard. Flagged responses are in no number." }
            ul.choices-list {
                li { a.big-link href="/staff/exports/themes.csv" download { "Themes by month (CSV)" } }
                li { a.big-link href="/staff/exports/themes-by-who.csv" download { "Themes by who answered (CSV)" } }
                li { a.big-link href="/staff/exports/themes-by-who-and-month.csv" download { "Each theme by who answered and month (CSV)" } }
            }
            p { "The three files are protected together: a number that appears in two of them is shown in both or left out of the second, so one file can never be used to work out what another hides. Themes too small to break down are left out of the second and third files." }
            p { "To protect people, numbers below " (threshold) " are hidden, and so is any number they could be worked out from, including totals. " (hidden_note(u64::from(threshold))) }
            h2 { "Every response to a survey" }
            p { "One row per response and one column per question. Each response has a random id, so rows say nothing about who answered first. The date is the month only. Written answers are as stored: names of places, phone numbers, emails and links were removed when the person sent them, and written answers older than " (state.settings.retention_days) " days have been deleted." }
            p {
                @if lead { "You are a safeguarding lead, so responses flagged for safeguarding are included, marked in a \u{201c}flagged\u{201d} column. Keep the file as safe as the safeguarding queue." }
                @else { "Responses flagged for safeguarding are left out." }
            }
            p.small { "A cell that would start with = + - or @ starts with ' instead, so a spreadsheet never runs what someone typed as a formula." }
            ul.choices-list {
                @for survey in state.registry.surveys() {
                    li { a.big-link href={ "/staff/exports/responses/" (survey.id) ".csv" } download { (survey.id) " \u{2013} " (survey.audience.label()) } }
                }
            }
        },
    );
    Ok(HttpResponse::Ok().content_type("text/html; charset=utf-8").body(markup.into_string()))
}

/// The theme tables exactly as the dashboard publishes them (the same
/// function builds both), with months written `YYYY-MM` for spreadsheets.
fn theme_tables(registry: &Registry, counts: &counts::Counts, threshold: u64) -> ThemeTables {
    let mut tables = breakdown::publish(registry, counts, threshold);
    let months: Vec<String> = counts.months.iter().map(|m| m.format("%Y-%m").to_string()).collect();
    tables.by_month.columns.clone_from(&months);
    for detail in tables.details.values_mut() {
        detail.columns.clone_from(&months);
    }
    tables
}

/// The published table as CSV: a header, a row per theme with its total, a
/// total row. The footnote is left out so the file stays one table that
/// tools read as it is; the exports page and the dashboard carry it, and
/// `hidden` says what it means.
pub fn theme_csv(t: &SuppressedTable) -> String {
    let mut out = String::from(BOM);
    let mut header = vec!["Theme".to_owned()];
    header.extend(t.columns.iter().cloned());
    header.push("Total".to_owned());
    push_record(&mut out, &header);
    for (i, row) in t.rows.iter().enumerate() {
        let mut record = vec![row.clone()];
        record.extend(t.cells[i].iter().map(|c| c.label(t.threshold)));
        record.push(t.row_totals[i].label(t.threshold));
        push_record(&mut out, &record);
    }
    let mut record = vec!["Total".to_owned()];
    record.extend(t.column_totals.iter().map(|c| c.label(t.threshold)));
    record.push(t.total.label(t.threshold));
    push_record(&mut out, &record);
    out
}

/// Every theme's who × month table (those the dashboard shows) as one long
/// table: theme, who answered, month, count; each theme's totals are in the
/// other two files.
pub fn details_csv(registry: &Registry, tables: &ThemeTables) -> String {
    let mut out = String::from(BOM);
    push_record(&mut out, &["Theme", "Who answered", "Month", "Responses"]);
    for theme in &registry.themes {
        let Some(t) = tables.details.get(&theme.id) else { continue };
        for (row, who) in t.rows.iter().enumerate() {
            for (column, month) in t.columns.iter().enumerate() {
                push_record(&mut out, &[&theme.name, who, month, &t.cells[row][column].label(t.threshold)]);
            }
        }
    }
    out
}

/// Reads the counts, records the export in the audit log, and sends `csv`
/// of the published theme tables as a download.
async fn theme_download(
    state: State,
    req: HttpRequest,
    what: &'static str,
    file: &'static str,
    csv: impl FnOnce(&Registry, &ThemeTables) -> String,
) -> Result<HttpResponse, AppError> {
    let me = SignedIn::of(&req)?;
    let registry = state.registry.clone();
    let today = Utc::now().date_naive();
    let until = counts::counted_until(&state.settings);
    let db = state.db.clone();
    let counts = web::block(move || -> Result<counts::Counts, AppError> {
        let mut conn = db.get()?;
        crate::db::write_transaction(&mut conn, |conn| {
            let counts = counts::counts(conn, &registry, until)?;
            audit::record(conn, &me.actor(), what, None, None)?;
            Ok(counts)
        })
        .map_err(|e| DbError::from(e).into())
    })
    .await??;
    let tables = theme_tables(&state.registry, &counts, u64::from(state.settings.suppress_below));
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(attachment(&format!("{file}-{}.csv", today.format("%Y-%m-%d"))))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(csv(&state.registry, &tables)))
}

/// `GET /staff/exports/themes.csv`
pub async fn themes_csv(state: State, req: HttpRequest) -> Result<HttpResponse, AppError> {
    theme_download(state, req, "exported theme counts", "themes", |_, t| theme_csv(&t.by_month)).await
}

/// `GET /staff/exports/themes-by-who.csv`
pub async fn themes_by_who_csv(state: State, req: HttpRequest) -> Result<HttpResponse, AppError> {
    theme_download(state, req, "exported theme counts by who answered", "themes-by-who", |_, t| theme_csv(&t.by_who))
        .await
}

/// `GET /staff/exports/themes-by-who-and-month.csv`
pub async fn themes_by_who_and_month_csv(state: State, req: HttpRequest) -> Result<HttpResponse, AppError> {
    theme_download(
        state,
        req,
        "exported theme counts by who answered and month",
        "themes-by-who-and-month",
        details_csv,
    )
    .await
}

/// Where a stored answer goes: the question's column, or a house's.
struct Columns {
    header: Vec<String>,
    /// (question id, part) → column; part is "" except for houses.
    index: HashMap<(String, String), usize>,
    /// Questions whose chosen options are joined with `;`.
    multiple: Vec<String>,
}

/// The fixed columns before the questions.
const FIXED: [&str; 7] = ["response", "survey version", "audience", "age group", "month", "link", "themes"];

impl Columns {
    fn of(survey: &Survey, with_flagged: bool) -> Columns {
        let mut header: Vec<String> = FIXED.iter().map(|c| (*c).to_owned()).collect();
        if with_flagged {
            header.push("flagged".to_owned());
        }
        let mut index = HashMap::new();
        let mut multiple = Vec::new();
        for q in survey.questions() {
            match &q.kind {
                QuestionKind::ThreeHouses { .. } => {
                    for house in HOUSES {
                        index.insert((q.id.clone(), house.to_owned()), header.len());
                        header.push(format!("{}.{house}", q.id));
                    }
                }
                kind => {
                    if matches!(kind, QuestionKind::Multiple { .. }) {
                        multiple.push(q.id.clone());
                    }
                    index.insert((q.id.clone(), String::new()), header.len());
                    header.push(q.id.clone());
                }
            }
        }
        Columns { header, index, multiple }
    }
}

type ResponseRow = (String, String, String, String, NaiveDate, Option<String>, bool);
type AnswerRow = (String, String, String, Option<String>, Option<String>);

/// The page of responses sent before `until` after `after`, in id order;
/// empty at the end.
fn page_rows(
    conn: &mut DbConnection,
    survey_id: &str,
    with_flagged: bool,
    until: NaiveDate,
    after: &str,
) -> QueryResult<Vec<ResponseRow>> {
    let mut query = responses::table
        .filter(responses::survey_id.eq(survey_id))
        .filter(responses::id.gt(after))
        .filter(responses::submitted_on.lt(until))
        .select((
            responses::id,
            responses::survey_version,
            responses::audience,
            responses::age_group,
            responses::submitted_on,
            responses::via,
            responses::concern,
        ))
        .order(responses::id)
        .limit(PAGE_SIZE)
        .into_boxed();
    if !with_flagged {
        query = query.filter(responses::concern.eq(false));
    }
    query.load(conn)
}

/// These responses (one page, in id order) as CSV records, with their answers and themes.
fn page_csv(
    conn: &mut DbConnection,
    rows: &[ResponseRow],
    with_flagged: bool,
    columns: &Columns,
) -> QueryResult<String> {
    let ids: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    let answers: Vec<AnswerRow> = answers::table
        .filter(answers::response_id.eq_any(&ids))
        .select((answers::response_id, answers::question_id, answers::part, answers::choice, answers::free_text))
        .order((answers::response_id, answers::question_id, answers::part))
        .load(conn)?;
    let themes: Vec<(String, String)> = response_themes::table
        .filter(response_themes::response_id.eq_any(&ids))
        .filter(response_themes::confirmed.eq(true))
        .select((response_themes::response_id, response_themes::theme_id))
        .order((response_themes::response_id, response_themes::theme_id))
        .load(conn)?;
    let mut cells: HashMap<&str, Vec<String>> = HashMap::with_capacity(rows.len());
    for (id, version, audience, age, day, via, concern) in rows {
        let mut record = vec![String::new(); columns.header.len()];
        record[0] = id.clone();
        record[1] = version.clone();
        record[2] = audience.clone();
        record[3] = age.clone();
        record[4] = day.format("%Y-%m").to_string();
        record[5] = via.clone().unwrap_or_default();
        if with_flagged {
            record[FIXED.len()] = if *concern { "yes" } else { "no" }.to_owned();
        }
        cells.insert(id.as_str(), record);
    }
    for (response, theme) in &themes {
        if let Some(record) = cells.get_mut(response.as_str()) {
            if !record[6].is_empty() {
                record[6].push(';');
            }
            record[6].push_str(theme);
        }
    }
    for (response, question, part, choice, text) in answers {
        let Some(record) = cells.get_mut(response.as_str()) else { continue };
        let multiple = columns.multiple.contains(&question);
        // A multiple choice stores one row per option, with the option as the part.
        let key = (question, if multiple { String::new() } else { part });
        // An answer to a question this version of the survey no longer asks has no column.
        let Some(&column) = columns.index.get(&key) else { continue };
        let value = choice.or(text).unwrap_or_default();
        let cell = &mut record[column];
        if multiple && !cell.is_empty() {
            cell.push(';');
        }
        cell.push_str(&value);
    }
    let mut out = String::with_capacity(rows.len() * 256);
    for (id, ..) in rows {
        if let Some(record) = cells.get(id.as_str()) {
            push_record(&mut out, record);
        }
    }
    Ok(out)
}

/// `GET /staff/exports/responses/{survey}.csv`
pub async fn responses_csv(
    state: State,
    req: HttpRequest,
    survey_id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let me = SignedIn::of(&req)?;
    let survey = state.registry.survey(&survey_id).cloned().ok_or(AppError::NotFound)?;
    let with_flagged = me.has(Role::SafeguardingLead);
    let until = counts::counted_until(&state.settings);
    let (db, survey_id) = (state.db.clone(), survey.id.clone());
    let detail = format!(
        "survey {survey_id}; flagged responses {}",
        if with_flagged { "included (safeguarding lead)" } else { "left out" }
    );
    {
        let (db, survey_id) = (db.clone(), survey_id.clone());
        web::block(move || -> Result<(), AppError> {
            let mut conn = db.get()?;
            crate::db::write_transaction(&mut conn, |conn| {
                audit::record(conn, &me.actor(), "exported responses", Some(("survey", &survey_id)), Some(&detail))
            })
            .map_err(|e| DbError::from(e).into())
        })
        .await??;
    }

    let columns = Columns::of(&survey, with_flagged);
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(PAGES_IN_FLIGHT);
    let mut head = String::from(BOM);
    push_record(&mut head, &columns.header);
    tokio::task::spawn_blocking(move || {
        if tx.blocking_send(Ok(Bytes::from(head))).is_err() {
            return;
        }
        // A connection per query, so a slow download does not hold one from the pool.
        let find = |after: &str| -> Result<Vec<ResponseRow>, ExportError> {
            let mut conn = db.get()?;
            Ok(page_rows(&mut conn, &survey_id, with_flagged, until, after).map_err(DbError::from)?)
        };
        let draw = |rows: &[ResponseRow]| -> Result<String, ExportError> {
            let mut conn = db.get()?;
            Ok(page_csv(&mut conn, rows, with_flagged, &columns).map_err(DbError::from)?)
        };
        // Ends the body with an error: a cut-short download is never taken for a whole file.
        let fail = |cause: &ExportError| {
            tracing::error!(survey = %survey_id, cause = %Chain(cause), "response export failed");
            let _ = tx.blocking_send(Err(std::io::Error::other("the export could not be read")));
        };
        let send = |csv: String| {
            let sent = tx.blocking_send(Ok(Bytes::from(csv))).is_ok();
            if !sent {
                tracing::info!(survey = %survey_id, "response export stopped: the download was closed");
            }
            sent
        };
        // Whether to go on after a drawn page.
        let deliver = |page: Result<String, ExportError>| match page {
            Ok(csv) => send(csv),
            Err(cause) => {
                fail(&cause);
                false
            }
        };
        // Drawing a page (reading its answers, writing CSV) is most of the
        // work, so a helper thread draws every other page while this one
        // finds and draws the next; pages are sent in order. (One helper for
        // the whole export, not one a page: each new thread would take a
        // malloc arena of its own and leave it holding memory.)
        std::thread::scope(|scope| {
            let (jobs, helper_jobs) = std::sync::mpsc::sync_channel::<Vec<ResponseRow>>(1);
            let (helper_done, done) = std::sync::mpsc::sync_channel::<Result<String, ExportError>>(1);
            scope.spawn(move || {
                for rows in helper_jobs {
                    if helper_done.send(draw(&rows)).is_err() {
                        return;
                    }
                }
            });
            let mut after = String::new();
            let mut next = || -> Result<Option<Vec<ResponseRow>>, ExportError> {
                let rows = find(&after)?;
                let Some(last) = rows.last() else { return Ok(None) };
                after = last.0.clone();
                Ok(Some(rows))
            };
            let helped = |done: &std::sync::mpsc::Receiver<_>| done.recv().unwrap_or(Err(ExportError::HelperStopped));
            // Returning drops `jobs`, which ends the helper.
            loop {
                match next() {
                    Ok(Some(rows)) => {
                        if jobs.send(rows).is_err() {
                            return fail(&ExportError::HelperStopped);
                        }
                    }
                    Ok(None) => return,
                    Err(cause) => return fail(&cause),
                }
                let mine = match next() {
                    Ok(Some(rows)) => Some(draw(&rows)),
                    Ok(None) => None,
                    Err(cause) => return fail(&cause),
                };
                if !deliver(helped(&done)) {
                    return;
                }
                let Some(page) = mine else { return };
                if !deliver(page) {
                    return;
                }
            }
        });
    });
    let body = futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|chunk| (chunk, rx)) });
    let filename = format!("responses-{}-{}.csv", survey.id, Utc::now().date_naive().format("%Y-%m-%d"));
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(attachment(&filename))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .streaming(body))
}

/// Why a response export stopped part way.
#[derive(Debug, thiserror::Error)]
enum ExportError {
    #[error(transparent)]
    Database(#[from] DbError),
    /// The helper thread drawing every other page has gone.
    #[error("a page could not be drawn")]
    HelperStopped,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_and_formulas_neutralised() {
        assert_eq!(csv_field("plain words"), "plain words");
        assert_eq!(csv_field("a, b"), "\"a, b\"");
        assert_eq!(csv_field("she said \"no\""), "\"she said \"\"no\"\"\"");
        assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
        assert_eq!(csv_field("=1+1"), "'=1+1");
        assert_eq!(csv_field("+44"), "'+44");
        assert_eq!(csv_field("-2"), "'-2");
        assert_eq!(csv_field("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_field("=HYPERLINK(\"x\",\"y\")"), "\"'=HYPERLINK(\"\"x\"\",\"\"y\"\")\"");
        assert_eq!(csv_field("1 = 1"), "1 = 1");
        let mut out = String::new();
        push_record(&mut out, &["a", "", "b,c"]);
        assert_eq!(out, "a,,\"b,c\"\r\n");
    }
}
