//! The admin's CSV exports, over HTTP, on each database: the theme counts
//! hide what the dashboard hides, and the response file is anonymous, coarse
//! in time, safe to open in a spreadsheet, and leaves flagged responses out
//! unless a safeguarding lead asks.

mod support;

use diesel::prelude::*;
use listening_loop::db::schema::{audit_log, responses};
use listening_loop::staff::roles::Role;
use listening_loop::surveys::{QuestionKind, Registry};
use support::staff::{Staff, answer_as, answer_with, make_staff, review_next, table_rows, theme_rows};

const FLAGGED: &str = "my stepdad hits me and I am scared to go home";
const ORDINARY: &str = "we need more food at lunch, I am always hungry";
const WITH_PHONE: &str = "we need more food, text me on 07700 900123";
const FORMULA: &str = "=HYPERLINK(\"http://evil.example/x\",\"more food please\")";

/// A CSV download: checks the headers and the byte order mark, then parses it.
async fn csv(staff: &Staff, path: &str) -> (String, Vec<Vec<String>>) {
    // The bytes, not reqwest's text(), which drops a byte order mark.
    let response = staff.client.get(format!("{}{path}", staff.base)).send().await.unwrap();
    let headers = response.headers().clone();
    let status = response.status().as_u16();
    let raw = response.bytes().await.unwrap();
    let text = String::from_utf8(raw.to_vec()).expect("UTF-8");
    assert_eq!(status, 200, "{path}: {text}");
    assert_eq!(headers["content-type"], "text/csv; charset=utf-8");
    let disposition = headers["content-disposition"].to_str().unwrap();
    assert!(disposition.starts_with("attachment; filename=") && disposition.ends_with(".csv\""), "{disposition}");
    let body = text.strip_prefix('\u{feff}').expect("a byte order mark, for Excel").to_owned();
    let records = parse_csv(&body);
    (body, records)
}

/// RFC 4180, strictly: every record ends in CRLF, quotes double inside quotes.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let (mut record, mut field) = (Vec::new(), String::new());
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => {
                assert!(field.is_empty(), "a quote inside an unquoted field");
                quoted = true;
            }
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') => {
                assert_eq!(chars.next(), Some('\n'), "CR without LF");
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, '\n') => panic!("a bare LF ends a record"),
            (false, c) => field.push(c),
        }
    }
    assert!(!quoted && field.is_empty() && record.is_empty(), "the file ends mid-record");
    records
}

#[tokio::test]
async fn the_theme_csv_of_a_table_with_a_cell_of_3_shows_no_3_and_no_total_that_reveals_it() {
    support::on_each_database(|app| async move {
        make_staff(&app, "youth@example.org", &[Role::YouthReviewer]);
        make_staff(&app, "admin@example.org", &[Role::Admin]);
        for _ in 0..8 {
            answer_with(&app, ORDINARY).await;
        }
        let youth = Staff::sign_in(&app, "youth@example.org").await;
        let mut page = youth.get("/staff/review").await;
        for theme in ["food-and-drink"; 5].into_iter().chain(["school-and-learning"; 3]) {
            page = review_next(&youth, &page, theme).await;
        }
        assert!(page.body.contains("Nothing is waiting"));

        let admin = Staff::sign_in(&app, "admin@example.org").await;
        let (_, records) = csv(&admin, "/staff/exports/themes.csv").await;
        let header = &records[0];
        assert_eq!(header[0], "Theme");
        assert_eq!(header.last().unwrap(), "Total");
        let this_month = chrono::Utc::now().date_naive().format("%Y-%m").to_string();
        assert_eq!(header[header.len() - 2], this_month, "months as YYYY-MM, the last one this month");
        let table = &records[1..];
        assert_eq!(table.last().unwrap()[0], "Total");
        let school = table.iter().find(|r| r[0] == "School and learning").expect("a school row");
        assert_eq!(school[school.len() - 2], "hidden", "the 3 is hidden: {school:?}");
        for row in table {
            assert_eq!(row.len(), header.len());
            for cell in &row[1..] {
                assert!(cell == "hidden" || cell.parse::<u64>().is_ok_and(|n| n == 0 || n >= 5), "{cell} in {row:?}");
            }
        }
        // No row or column, totals included, has exactly one hidden number:
        // one hidden number beside its shown total and neighbours is a subtraction away.
        let cells: Vec<&[String]> = table.iter().map(|r| &r[1..]).collect();
        for row in &cells {
            assert_ne!(row.iter().filter(|c| *c == "hidden").count(), 1, "{row:?} gives its hidden number away");
        }
        for column in 0..cells[0].len() {
            let hidden = cells.iter().filter(|r| r[column] == "hidden").count();
            assert_ne!(hidden, 1, "column {} gives its hidden number away", header[column + 1]);
        }

        // The same numbers, hidden in the same places, as on the dashboard.
        let dashboard = theme_rows(&youth.get("/staff/dashboard").await);
        assert_eq!(dashboard, table.to_vec(), "the export publishes what the dashboard publishes");

        let mut conn = app.db.get().unwrap();
        let actions: Vec<String> = audit_log::table.select(audit_log::action).load(&mut conn).unwrap();
        assert!(actions.iter().any(|a| a == "exported theme counts"));
    })
    .await;
}

/// Every number in every table of a page is hidden, zero, or at least 5.
fn assert_no_small_number(page: &support::Page) {
    let html = page.html();
    for cell in html.select(&scraper::Selector::parse("td").unwrap()) {
        let text = cell.text().collect::<String>();
        if let Ok(n) = text.trim().parse::<u64>() {
            assert!(n == 0 || n >= 5, "{n} shown");
        }
    }
}

#[tokio::test]
async fn themes_by_who_answered_and_month_are_protected_together() {
    support::on_each_database(|app| async move {
        make_staff(&app, "youth@example.org", &[Role::YouthReviewer]);
        make_staff(&app, "admin@example.org", &[Role::Admin]);
        for (age, text, times) in [
            ("12-15", "we need more food at lunch", 6),
            ("16-17", "we need more food at lunch", 6),
            ("12-15", "I want someone to care about me", 5),
            ("16-17", "I want someone to care about me", 5),
            ("12-15", "help with homework please", 3),
        ] {
            for _ in 0..times {
                answer_as(&app, age, text).await;
            }
        }
        let youth = Staff::sign_in(&app, "youth@example.org").await;
        let mut page = youth.get("/staff/review").await;
        while !page.body.contains("Nothing is waiting") {
            let theme = if page.body.contains("food at lunch") {
                "food-and-drink"
            } else if page.body.contains("care about me") {
                "loved-and-cared-for"
            } else {
                "school-and-learning"
            };
            page = review_next(&youth, &page, theme).await;
        }

        let dashboard = youth.get("/staff/dashboard").await;
        assert_no_small_number(&dashboard);
        let by_who = table_rows(&dashboard, "by who answered, last 12 months").expect("the themes by who table");
        let food = by_who.iter().find(|r| r[0] == "Food and drink").expect("food, with 12 responses, is listed");
        assert_eq!(food[1..], ["0", "0", "6", "6", "0", "0", "12"], "{food:?}");
        assert!(!by_who.iter().any(|r| r[0] == "School and learning"), "three responses are not broken down");
        assert!(dashboard.body.contains("Left out of this table"), "the page says some themes are left out");
        // The theme's total is the same number in both tables (rule 5).
        let by_month = theme_rows(&dashboard);
        for row in by_who.iter().filter(|r| r[0] != "Total") {
            let same = by_month.iter().find(|m| m[0] == row[0]).expect("every listed theme is in the month table");
            assert_eq!(same.last(), row.last(), "{} has one total", row[0]);
        }

        let food_page = youth.get("/staff/dashboard/themes/food-and-drink").await;
        assert_eq!(food_page.status, 200);
        assert_no_small_number(&food_page);
        let detail = table_rows(&food_page, "by who answered and month").expect("food by who and month");
        for (who, total) in [("Aged 12 to 15", "6"), ("Aged 16 or 17", "6"), ("Aged 8 to 11", "0")] {
            let row = detail.iter().find(|r| r[0] == who).unwrap_or_else(|| panic!("{who} in {detail:?}"));
            assert_eq!(row.last().unwrap(), total, "{row:?}");
            assert_eq!(row[row.len() - 2], total, "all of it this month: {row:?}");
        }
        assert!(food_page.body.contains("<svg"), "a chart");
        let school_page = youth.get("/staff/dashboard/themes/school-and-learning").await;
        assert_eq!(school_page.status, 200);
        assert_no_small_number(&school_page);
        assert!(table_rows(&school_page, "by who answered and month").is_none());
        assert!(school_page.body.contains("Too few people wrote about this theme"));
        assert_eq!(youth.get("/staff/dashboard/themes/no-such-theme").await.status, 404);

        // The files hold exactly what the pages show.
        let admin = Staff::sign_in(&app, "admin@example.org").await;
        let (_, records) = csv(&admin, "/staff/exports/themes-by-who.csv").await;
        assert_eq!(records[0][1], "Aged 5 to 7");
        assert_eq!(records[1..].to_vec(), by_who, "the export publishes what the dashboard publishes");
        let (_, records) = csv(&admin, "/staff/exports/themes-by-who-and-month.csv").await;
        assert_eq!(records[0], ["Theme", "Who answered", "Month", "Responses"]);
        let this_month = chrono::Utc::now().date_naive().format("%Y-%m").to_string();
        assert!(records.contains(&vec![
            "Food and drink".to_owned(),
            "Aged 12 to 15".to_owned(),
            this_month.clone(),
            "6".to_owned()
        ]));
        assert!(!records.iter().any(|r| r[0] == "School and learning"));
        for record in &records[1..] {
            let cell = &record[3];
            assert!(cell == "hidden" || cell.parse::<u64>().is_ok_and(|n| n == 0 || n >= 5), "{record:?}");
        }
        let mut conn = app.db.get().unwrap();
        let actions: Vec<String> = audit_log::table.select(audit_log::action).load(&mut conn).unwrap();
        assert!(actions.iter().any(|a| a == "exported theme counts by who answered"));
        assert!(actions.iter().any(|a| a == "exported theme counts by who answered and month"));
    })
    .await;
}

#[tokio::test]
async fn the_response_csv_is_anonymous_and_leaves_flagged_responses_to_the_lead() {
    support::on_each_database(|app| async move {
        make_staff(&app, "admin@example.org", &[Role::Admin]);
        make_staff(&app, "lead-admin@example.org", &[Role::Admin, Role::SafeguardingLead]);
        answer_with(&app, WITH_PHONE).await;
        answer_with(&app, ORDINARY).await;
        answer_with(&app, FLAGGED).await;
        let mut conn = app.db.get().unwrap();
        let flagged: i64 = responses::table.filter(responses::concern.eq(true)).count().get_result(&mut conn).unwrap();
        assert_eq!(flagged, 1);

        let registry = Registry::load(&support::shipped_surveys()).unwrap_or_else(|_| panic!("the shipped surveys"));
        let survey = registry.survey("what-we-need").unwrap();
        let questions: usize =
            survey.questions().map(|q| if matches!(q.kind, QuestionKind::ThreeHouses { .. }) { 3 } else { 1 }).sum();
        let today = chrono::Utc::now().date_naive();
        let month = today.format("%Y-%m").to_string();

        let admin = Staff::sign_in(&app, "admin@example.org").await;
        let listing = admin.get("/staff/exports").await;
        assert!(listing.body.contains("/staff/exports/responses/what-we-need.csv"));
        assert!(listing.body.contains("/staff/exports/themes.csv"));
        let (body, records) = csv(&admin, "/staff/exports/responses/what-we-need.csv").await;
        let header = &records[0];
        assert_eq!(&header[..7], ["response", "survey version", "audience", "age group", "month", "link", "themes"]);
        assert!(!header.iter().any(|h| h == "flagged"));
        assert_eq!(header.len(), 7 + questions, "one column per question, one per house: {header:?}");
        let rows = &records[1..];
        assert_eq!(rows.len(), 2, "one row per response, the flagged one left out");
        assert!(!body.contains("stepdad") && !body.contains("scared"));
        assert!(!body.contains("07700") && !body.contains("900123"), "the phone number was never stored");
        assert!(rows.iter().flatten().any(|c| c.contains("text me on [removed]")), "scrubbed text is there");
        assert!(rows.iter().flatten().any(|c| c == ORDINARY));
        for row in rows {
            assert_eq!(row.len(), header.len());
            assert_eq!(row[4], month, "the month, never the day");
            assert_eq!(row[3], "16-17");
        }
        assert!(!body.contains(&today.format("%Y-%m-%d").to_string()));

        let lead = Staff::sign_in(&app, "lead-admin@example.org").await;
        let (body, records) = csv(&lead, "/staff/exports/responses/what-we-need.csv").await;
        let flagged_column = records[0].iter().position(|h| h == "flagged").expect("a flagged column for the lead");
        let rows = &records[1..];
        assert_eq!(rows.len(), 3);
        let flagged: Vec<&Vec<String>> = rows.iter().filter(|r| r[flagged_column] == "yes").collect();
        assert_eq!(flagged.len(), 1);
        assert!(flagged[0].iter().any(|c| c == FLAGGED));
        assert!(body.contains("stepdad"));

        assert_eq!(admin.get("/staff/exports/responses/no-such-survey.csv").await.status, 404);

        let exports: Vec<(String, Option<String>, Option<String>)> = audit_log::table
            .filter(audit_log::action.eq("exported responses"))
            .select((audit_log::action, audit_log::object_id, audit_log::detail))
            .load(&mut conn)
            .unwrap();
        assert_eq!(exports.len(), 2, "{exports:?}");
        assert!(exports.iter().all(|(_, object, _)| object.as_deref() == Some("what-we-need")));
        let details: Vec<&str> = exports.iter().filter_map(|(_, _, d)| d.as_deref()).collect();
        assert!(details.iter().any(|d| d.contains("left out")), "{details:?}");
        assert!(details.iter().any(|d| d.contains("included")), "{details:?}");
    })
    .await;
}

#[tokio::test]
async fn a_formula_typed_in_a_text_box_comes_out_as_text() {
    support::on_each_database(|app| async move {
        make_staff(&app, "admin@example.org", &[Role::Admin]);
        answer_with(&app, FORMULA).await;
        let admin = Staff::sign_in(&app, "admin@example.org").await;
        let (body, records) = csv(&admin, "/staff/exports/responses/what-we-need.csv").await;
        assert_eq!(records.len(), 2, "{body}");
        let cells: Vec<&String> = records.iter().flatten().collect();
        assert!(cells.iter().any(|c| c.starts_with("'=HYPERLINK(")), "{body}");
        for cell in cells {
            assert!(!cell.starts_with(['=', '+', '-', '@']), "{cell} would run as a formula");
        }
    })
    .await;
}

/// Pages of the response export are drawn two at a time and must still
/// arrive in order, each response exactly once, across page boundaries
/// (1,000 responses a page), on both databases. (Its speed over a million
/// responses is the benchmark's: `cargo bench`.)
#[tokio::test]
async fn the_response_export_sends_every_page_once_and_in_order() {
    use listening_loop::db::schema::answers;
    const N: usize = 2_500;
    for db in support::databases() {
        let app = support::spawn_app(db).await;
        make_staff(&app, "admin@example.org", &[Role::Admin]);
        let mut conn = app.db.get().unwrap();
        let today = chrono::Utc::now().date_naive();
        let mut ids: Vec<String> = (0..N).map(|_| listening_loop::random::random_id()).collect();
        conn.transaction(|conn| {
            for id in &ids {
                diesel::insert_into(responses::table)
                    .values((
                        responses::id.eq(id),
                        responses::survey_id.eq("what-we-need"),
                        responses::survey_version.eq("1"),
                        responses::audience.eq("child-young-person"),
                        responses::age_group.eq("12-15"),
                        responses::language.eq("en"),
                        responses::submitted_on.eq(today),
                        responses::concern.eq(false),
                        responses::submission_hash.eq(listening_loop::random::random_id()),
                    ))
                    .execute(conn)?;
                diesel::insert_into(answers::table)
                    .values((
                        answers::response_id.eq(id),
                        answers::question_id.eq("make-things-better"),
                        answers::part.eq(""),
                        answers::free_text.eq(format!("{ORDINARY} ({id})")),
                    ))
                    .execute(conn)?;
            }
            diesel::QueryResult::Ok(())
        })
        .unwrap();
        drop(conn);
        let admin = Staff::sign_in(&app, "admin@example.org").await;
        let res = admin.client.get(format!("{}/staff/exports/responses/what-we-need.csv", admin.base)).send().await;
        let csv = res.unwrap().text().await.unwrap();
        let rows: Vec<&str> = csv.lines().skip(1).collect();
        let exported: Vec<&str> = rows.iter().map(|r| r.split(',').next().unwrap()).collect();
        ids.sort();
        assert_eq!(exported, ids, "{:?}: every response once, in id order", app.db.backend);
        for (row, id) in rows.iter().zip(&ids) {
            assert!(row.contains(&format!("({id})")), "{:?}: a row holds its own answer: {row}", app.db.backend);
        }
    }
}
