//! The Youth Council's queue, the safeguarding queue and its alert, over
//! HTTP, on each database. Flagged words never reach young reviewers.

mod support;

use diesel::prelude::*;
use listening_loop::db::daily;
use listening_loop::db::schema::{response_themes, responses, shared_quotes};
use listening_loop::review::counts;
use listening_loop::staff::roles::Role;
use listening_loop::surveys::Registry;
use support::smtp::SmtpListener;
use support::spawn_app_configured;
use support::staff::{Staff, answer_as, answer_with, csrf, make_staff, review_action, review_next, theme_rows};

const FLAGGED: &str = "my stepdad hits me and I am scared to go home";
const ORDINARY: &str = "we need more food at lunch, I am always hungry";

fn escaped(text: &str) -> String {
    text.replace('\'', "&#39;")
}

#[tokio::test]
async fn flagged_words_reach_the_lead_and_never_the_youth_council() {
    for db in support::databases() {
        let smtp = SmtpListener::start().await;
        let url = smtp.url();
        let app = spawn_app_configured(db, move |s| s.smtp_url = Some(url)).await;
        make_staff(&app, "youth@example.org", &[Role::YouthReviewer]);
        make_staff(&app, "lead@example.org", &[Role::SafeguardingLead]);
        answer_with(&app, FLAGGED).await;
        answer_with(&app, ORDINARY).await;

        // The lead is told that something arrived, never what it says.
        let alert = smtp.wait_for("lead@example.org", 10).await.expect("the lead is alerted");
        let words = alert.text();
        assert!(words.contains("/staff/safeguarding"));
        for part in ["stepdad", "hits me", "scared"] {
            assert!(!words.contains(part), "the alert must not carry the words");
        }
        assert!(smtp.received().iter().all(|m| !m.to.iter().any(|t| t == "youth@example.org")));

        // The Youth Council sees one response waiting, the ordinary one.
        let youth = Staff::sign_in(&app, "youth@example.org").await;
        let queue = youth.get("/staff/review").await;
        assert_eq!(queue.status, 200);
        assert!(queue.body.contains("1 waiting"), "the flagged response is not even counted");
        assert!(queue.body.contains(&escaped(ORDINARY)) || queue.body.contains(ORDINARY));
        assert!(!queue.body.contains("stepdad"));
        // Suggested from the words: food.
        assert!(queue.body.contains("value=\"food-and-drink\" checked"));
        let flagged_id: String = responses::table
            .filter(responses::concern.eq(true))
            .select(responses::id)
            .first(&mut app.db.get().unwrap())
            .unwrap();
        let token = csrf(&queue);
        let refused =
            youth.post(&format!("/staff/review/{flagged_id}"), &[("csrf", &token), ("theme", "kept-safe")]).await;
        assert_eq!(refused.status, 404, "a reviewer cannot act on a flagged response");
        assert!(youth.get(&format!("/staff/safeguarding/{flagged_id}")).await.status == 403);

        // The reviewer keeps food, adds school, and quotes the words.
        let form = queue.html();
        let response_action = review_action(&queue);
        let quote = form
            .select(&scraper::Selector::parse("input[name=quote]").unwrap())
            .next()
            .expect("quotes may be marked: they said yes")
            .value()
            .attr("value")
            .unwrap()
            .to_owned();
        let saved = youth
            .post(
                &response_action,
                &[("csrf", &token), ("theme", "food-and-drink"), ("theme", "school-and-learning"), ("quote", &quote)],
            )
            .await;
        assert_eq!(saved.status, 200);
        assert!(saved.body.contains("Nothing is waiting"));
        let mut conn = app.db.get().unwrap();
        let ordinary_id = response_action.trim_start_matches("/staff/review/");
        let mut confirmed: Vec<String> = response_themes::table
            .filter(response_themes::response_id.eq(ordinary_id))
            .filter(response_themes::confirmed.eq(true))
            .select(response_themes::theme_id)
            .load(&mut conn)
            .unwrap();
        confirmed.sort();
        assert_eq!(confirmed, vec!["food-and-drink", "school-and-learning"]);
        let quotes: i64 = shared_quotes::table.count().get_result(&mut conn).unwrap();
        assert_eq!(quotes, 1);

        // The lead: a list without words; a content warning; the words on request; a note.
        let lead = Staff::sign_in(&app, "lead@example.org").await;
        let list = lead.get("/staff/safeguarding").await;
        assert!(list.body.contains("Nothing yet") && !list.body.contains("stepdad"));
        let warning = lead.get(&format!("/staff/safeguarding/{flagged_id}")).await;
        assert!(warning.body.contains("Content warning") && !warning.body.contains("stepdad"));
        let shown = lead.get(&format!("/staff/safeguarding/{flagged_id}?show=1")).await;
        assert!(shown.body.contains("stepdad"));
        let token = csrf(&shown);
        let noted = lead
            .post(
                &format!("/staff/safeguarding/{flagged_id}/notes"),
                &[("csrf", &token), ("note", "Read. Shared with the MASH.")],
            )
            .await;
        assert_eq!(noted.status, 303);
        let after = lead.get(&format!("/staff/safeguarding/{flagged_id}")).await;
        assert!(after.body.contains("Shared with the MASH"));
        let list = lead.get("/staff/safeguarding").await;
        assert!(!list.body.contains("Nothing yet"));
        assert_eq!(list.select_text("tbody tr td:nth-child(3)"), ["1 note"], "the note is counted on the list");

        // Every view is in the audit log.
        use listening_loop::db::schema::audit_log;
        let actions: Vec<String> = audit_log::table.select(audit_log::action).load(&mut conn).unwrap();
        for action in [
            "opened a flagged response (words hidden)",
            "read a flagged response",
            "recorded a safeguarding note",
            "reviewed a response",
        ] {
            assert!(actions.iter().any(|a| a == action), "audited: {action}");
        }
    }
}

#[tokio::test]
async fn reviewed_themes_show_on_the_dashboard_with_small_numbers_hidden() {
    support::on_each_database(|app| async move {
        make_staff(&app, "youth@example.org", &[Role::YouthReviewer]);
        for _ in 0..6 {
            answer_with(&app, ORDINARY).await;
        }
        answer_with(&app, FLAGGED).await;
        let youth = Staff::sign_in(&app, "youth@example.org").await;
        let mut page = youth.get("/staff/review").await;
        assert!(page.body.contains("6 waiting"), "the flagged response is not counted");
        for _ in 0..5 {
            page = review_next(&youth, &page, "food-and-drink").await;
        }
        let dashboard = youth.get("/staff/dashboard").await;
        assert_eq!(dashboard.status, 200);
        let rows = theme_rows(&dashboard);
        let food = rows.iter().find(|r| r[0] == "Food and drink").expect("a food row");
        assert_eq!(food.last().unwrap(), "5", "five reviewed responses about food show: {food:?}");

        // One more, about school only: a 1 that must not show, nor be worked out.
        page = review_next(&youth, &page, "school-and-learning").await;
        assert!(page.body.contains("Nothing is waiting"));
        let dashboard = youth.get("/staff/dashboard").await;
        let rows = theme_rows(&dashboard);
        for row in &rows {
            for cell in &row[1..] {
                if let Ok(n) = cell.parse::<u64>() {
                    assert!(n == 0 || n >= 5, "{cell} shown in {row:?}");
                }
            }
        }
        assert!(rows.iter().flatten().any(|c| c == "hidden"));
        assert!(!dashboard.body.contains("stepdad"));
        // Six ordinary responses to the 8-17 survey; the flagged one is in no number.
        let html = dashboard.html();
        let surveys_row: Vec<String> = html
            .select(&scraper::Selector::parse("tr").unwrap())
            .map(|tr| tr.text().map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned).collect::<Vec<_>>())
            .find(|r| r.first().is_some_and(|c| c == "what-we-need"))
            .expect("a row for the 8-17 survey");
        assert_eq!(surveys_row.last().unwrap(), "6");
    })
    .await;
}

#[tokio::test]
async fn a_distribution_link_is_recorded_on_responses_until_it_is_closed() {
    support::on_each_database(|app| async move {
        make_staff(&app, "admin@example.org", &[Role::Admin]);
        let admin = Staff::sign_in(&app, "admin@example.org").await;
        let page = admin.get("/staff/links").await;
        let made = admin
            .post(
                "/staff/links",
                &[("csrf", &csrf(&page)), ("label", "St Mary's Primary, Year 5"), ("survey", "young-people")],
            )
            .await;
        assert_eq!(made.status, 303);
        let list = admin.get("/staff/links").await;
        let start = list.body.find("/s/young-people?via=").expect("the link to hand out");
        let code: String =
            list.body[start + "/s/young-people?via=".len()..].chars().take_while(|c| *c != '<').collect();
        assert!(code.starts_with("st-marys-primary-year-5-"), "{code}");

        let landing = app.get(&format!("/s/young-people?via={code}")).await;
        assert!(landing.body.contains(&format!("name=\"via\" value=\"{code}\"")));
        let mut page = app.post("/s/young-people/start", &[("age", "12-15"), ("via", &code)]).await;
        while !page.buttons().iter().any(|b| b == "submit") {
            let nav = if page.buttons().iter().any(|b| b == "continue") { "continue" } else { "next" };
            page = app.post("/s/young-people", &[("state", &page.state()), ("nav", nav)]).await;
        }
        app.post("/s/young-people", &[("state", &page.state()), ("nav", "submit")]).await;
        let via: Option<String> = responses::table.select(responses::via).first(&mut app.db.get().unwrap()).unwrap();
        assert_eq!(via.as_deref(), Some(code.as_str()));
        let dashboard = admin.get("/staff/dashboard").await;
        assert!(dashboard.body.contains(&code), "the dashboard lists the link");

        // Closed, or made up: the journey goes on, unattributed.
        let closed = admin.post(&format!("/staff/links/{code}/close"), &[("csrf", &csrf(&list))]).await;
        assert_eq!(closed.status, 303);
        for code in [code.as_str(), "made-up"] {
            let page = app.post("/s/young-people/start", &[("age", "12-15"), ("via", code)]).await;
            assert_eq!(page.status, 200);
        }
    })
    .await;
}

#[tokio::test]
async fn old_free_text_is_purged_and_choices_and_themes_stay() {
    support::on_each_database(|app| async move {
        make_staff(&app, "youth@example.org", &[Role::YouthReviewer]);
        answer_with(&app, ORDINARY).await;
        let youth = Staff::sign_in(&app, "youth@example.org").await;
        let page = youth.get("/staff/review").await;
        let quote = page
            .html()
            .select(&scraper::Selector::parse("input[name=quote]").unwrap())
            .next()
            .unwrap()
            .value()
            .attr("value")
            .unwrap()
            .to_owned();
        let action = review_action(&page);
        youth.post(&action, &[("csrf", &csrf(&page)), ("theme", "food-and-drink"), ("quote", &quote)]).await;

        use listening_loop::anonymise::retention::purge_free_text;
        use listening_loop::db::schema::answers;
        let mut conn = app.db.get().unwrap();
        let today = chrono::Utc::now().date_naive();
        let texts = |conn: &mut listening_loop::db::DbConnection| -> i64 {
            answers::table.filter(answers::free_text.is_not_null()).count().get_result(conn).unwrap()
        };
        let before_choices: i64 =
            answers::table.filter(answers::choice.is_not_null()).count().get_result(&mut conn).unwrap();
        assert!(texts(&mut conn) > 0 && before_choices > 0);
        // Nothing is old enough yet.
        assert_eq!(purge_free_text(&mut conn, today, 365).unwrap().written_answers, 0);
        diesel::update(responses::table)
            .set(responses::submitted_on.eq(today - chrono::TimeDelta::days(400)))
            .execute(&mut conn)
            .unwrap();
        let purged = purge_free_text(&mut conn, today, 365).unwrap();
        assert!(purged.written_answers > 0 && purged.quotes == 1);
        assert_eq!(texts(&mut conn), 0);
        let after_choices: i64 =
            answers::table.filter(answers::choice.is_not_null()).count().get_result(&mut conn).unwrap();
        assert_eq!(after_choices, before_choices, "the answers people chose stay");
        let themes: i64 = response_themes::table.count().get_result(&mut conn).unwrap();
        assert_eq!(themes, 1, "the themes stay");
        let dashboard = youth.get("/staff/dashboard").await;
        assert!(dashboard.body.contains("deleted after 365 days"));
    })
    .await;
}

#[tokio::test]
async fn parents_and_practitioners_words_are_not_for_the_youth_council() {
    support::on_each_database(|app| async move {
        make_staff(&app, "youth@example.org", &[Role::YouthReviewer]);
        for link in ["parents-carers", "practitioners"] {
            let mut page = app.post(&format!("/s/{link}/start"), &[("age", "adult")]).await;
            loop {
                let buttons = page.buttons();
                let mut form = vec![("state".to_owned(), page.state())];
                if buttons.iter().any(|b| b == "submit") {
                    form.push(("nav".into(), "submit".into()));
                    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                    assert!(app.post(&format!("/s/{link}"), &pairs).await.receipt().is_some());
                    break;
                }
                form.push((
                    "nav".into(),
                    if buttons.iter().any(|b| b == "continue") { "continue" } else { "next" }.into(),
                ));
                for (kind, name, ..) in page.inputs() {
                    if kind == "textarea" {
                        form.push((name, "we waited months for help".into()));
                    }
                }
                let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                page = app.post(&format!("/s/{link}"), &pairs).await;
            }
        }
        let youth = Staff::sign_in(&app, "youth@example.org").await;
        let queue = youth.get("/staff/review").await;
        assert!(queue.body.contains("Nothing is waiting"), "adults' words are not in the Youth Council's queue");
        assert!(!queue.body.contains("waited months"));
    })
    .await;
}

#[tokio::test]
async fn the_youth_council_writes_you_said_with_counts_and_shared_quotes() {
    support::on_each_database(|app| async move {
        make_staff(&app, "youth@example.org", &[Role::YouthReviewer]);
        make_staff(&app, "publisher@example.org", &[Role::Publisher]);
        for _ in 0..5 {
            answer_with(&app, ORDINARY).await;
        }
        let youth = Staff::sign_in(&app, "youth@example.org").await;
        let mut page = youth.get("/staff/review").await;
        for n in 0..5 {
            let html = page.html();
            let action = review_action(&page);
            let quote = html
                .select(&scraper::Selector::parse("input[name=quote]").unwrap())
                .next()
                .unwrap()
                .value()
                .attr("value")
                .unwrap()
                .to_owned();
            let mut fields = vec![("csrf", csrf(&page)), ("theme", "food-and-drink".to_owned())];
            if n == 0 {
                fields.push(("quote", quote));
            }
            let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            page = youth.post(&action, &pairs).await;
        }
        let list = youth.get("/staff/you-said").await;
        assert_eq!(list.status, 200);
        assert!(list.body.contains("young person, 16 or 17"), "a shared quote, attributed broadly");
        let too_long = "x".repeat(301);
        let refused = youth
            .post("/staff/you-said", &[("csrf", &csrf(&list)), ("theme", "food-and-drink"), ("statement", &too_long)])
            .await;
        assert_eq!(refused.status, 400);
        let statement = "You said you don't always get enough to eat at school.";
        let saved = youth
            .post("/staff/you-said", &[("csrf", &csrf(&list)), ("theme", "food-and-drink"), ("statement", statement)])
            .await;
        assert_eq!(saved.status, 303);
        let publisher = Staff::sign_in(&app, "publisher@example.org").await;
        let read = publisher.get("/staff/you-said").await;
        assert_eq!(read.status, 200);
        assert!(read.body.contains("always get enough to eat at school"));
        assert!(!read.body.contains("name=\"statement\""), "publishers read; the Youth Council writes");
        let food = read.body.find("Food and drink").unwrap();
        assert!(read.body[food..].contains("<strong>5</strong>"), "the count behind it, as the dashboard shows it");
        let refused = publisher
            .post("/staff/you-said", &[("csrf", &csrf(&read)), ("theme", "food-and-drink"), ("statement", "no")])
            .await;
        assert_eq!(refused.status, 403);
    })
    .await;
}

/// The dashboard reads counts kept by day as responses arrive and reviews
/// change; after submissions, a flagged response, reviews and a change of
/// mind, they are exactly what counting the stored rows again gives.
#[tokio::test]
async fn the_daily_counts_agree_with_a_recount_of_the_stored_rows() {
    support::on_each_database(|app| async move {
        make_staff(&app, "youth@example.org", &[Role::YouthReviewer]);
        for (age, text) in [("12-15", ORDINARY), ("16-17", ORDINARY), ("16-17", "homework help please")] {
            for _ in 0..3 {
                answer_as(&app, age, text).await;
            }
        }
        answer_with(&app, FLAGGED).await;
        let youth = Staff::sign_in(&app, "youth@example.org").await;
        let mut page = youth.get("/staff/review").await;
        let mut first = None;
        while !page.body.contains("Nothing is waiting") {
            let action = review_action(&page);
            let theme =
                if page.body.contains("homework help please") { "school-and-learning" } else { "food-and-drink" };
            first.get_or_insert((action, theme));
            page = review_next(&youth, &page, theme).await;
        }
        // A reviewer changes their mind about the first one: two themes, then one other.
        let (first, first_theme) = first.expect("something was reviewed");
        let token = support::staff::csrf(&youth.get("/staff/review").await);
        for themes in [&["food-and-drink", "kept-safe", "kept-safe"][..], &["loved-and-cared-for"][..]] {
            let mut fields = vec![("csrf", token.as_str())];
            fields.extend(themes.iter().map(|t| ("theme", *t)));
            let saved = youth.post(&first, &fields).await;
            assert!(saved.status == 200 && !saved.body.contains("doesn&#39;t exist"), "{}", saved.status);
        }

        let registry = Registry::load(&support::shipped_surveys()).unwrap();
        let until = counts::counted_until(&app.settings);
        let mut conn = app.db.get().unwrap();
        let kept = counts::counts(&mut conn, &registry, until).unwrap();
        daily::recount(&mut conn, &registry.measured_questions()).unwrap();
        let recounted = counts::counts(&mut conn, &registry, until).unwrap();
        assert_eq!(kept, recounted);
        let month = kept.months.len() - 1;
        assert_eq!(kept.surveys["what-we-need"][month], 9, "nine responses, the flagged one in no number");
        let themes = |id: &str| kept.themes_by_who[id].iter().map(|w| w[month]).sum::<u64>();
        let (food, school) = if first_theme == "food-and-drink" { (5, 3) } else { (6, 2) };
        assert_eq!((themes("food-and-drink"), themes("school-and-learning")), (food, school));
        assert_eq!((themes("kept-safe"), themes("loved-and-cared-for")), (0, 1));
        assert_eq!(
            kept.listened[0][month] + kept.listened[1][month],
            9,
            "each answered \u{201c}feel listened to\u{201d}"
        );
    })
    .await;
}
