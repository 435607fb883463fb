//! The respondent journey over HTTP, as a phone without JavaScript walks it,
//! on every shipped survey and age group, on each database.

mod support;

use diesel::prelude::*;
use listening_loop::db::schema::{answers, responses};
use listening_loop::surveys::Registry;
use support::journey::{Answering, Walk, answer_page, post_form, send, walk_to_check};
use support::on_each_database;

const MUST_NOT_BE_STORED: [&str; 6] = ["07700", "900123", "sam.j", "M5 4WT", "sunny_days", "example.co.uk"];

fn every_link_and_age() -> Vec<(String, String)> {
    let registry = Registry::load(&support::shipped_surveys()).expect("the shipped surveys load");
    let mut all = Vec::new();
    for survey in registry.surveys() {
        for age in &survey.age_groups {
            all.push((survey.link.clone(), age.as_str().to_owned()));
        }
    }
    assert!(all.len() >= 6, "four children's groups, parents and practitioners");
    all
}

#[tokio::test]
async fn every_shipped_survey_is_answered_and_stored_for_every_age_group() {
    on_each_database(|app| async move {
        for (link, age) in every_link_and_age() {
            let landing = app.get(&format!("/s/{link}?age={age}")).await;
            assert_eq!(landing.status, 200);
            assert!(landing.body.contains("anonymous") || landing.body.contains("won't know it was you"));

            let (check, walk) = walk_to_check(&app, &link, &age, Answering::Everything).await;
            assert_eq!(check.h1(), "Check your answers");
            assert!(check.body.contains("[removed]"), "the check page shows what will be stored");
            let thanks = send(&app, &link, &check).await;
            assert_eq!(thanks.status, 200, "{}", thanks.body);
            let code = thanks.receipt().expect("a receipt code on the thank-you page");
            assert!(code.split('-').count() == 4, "three words and a number: {code}");

            let mut conn = app.db.get().unwrap();
            let (id, stored_age): (String, String) = responses::table
                .filter(responses::age_group.eq(&age))
                .filter(
                    responses::survey_id.eq_any(
                        Registry::load(&app.surveys_dir)
                            .unwrap()
                            .by_link(&link)
                            .iter()
                            .map(|s| s.id.clone())
                            .collect::<Vec<_>>(),
                    ),
                )
                .select((responses::id, responses::age_group))
                .first(&mut conn)
                .expect("the response is stored");
            assert_eq!(stored_age, age);
            let rows: Vec<(Option<String>, Option<String>)> = answers::table
                .filter(answers::response_id.eq(&id))
                .select((answers::choice, answers::free_text))
                .load(&mut conn)
                .unwrap();
            assert_eq!(rows.len(), walk.rows_expected, "{link} {age}: one row per answer");
            let texts: Vec<String> = rows.into_iter().filter_map(|(_, t)| t).collect();
            assert!(!texts.is_empty(), "{link} {age}: free text was stored");
            for text in &texts {
                assert!(text.contains("[removed]"), "{text}");
                for secret in MUST_NOT_BE_STORED {
                    assert!(!text.contains(secret), "{link} {age}: {secret:?} reached the database in {text:?}");
                }
            }
        }
        assert_eq!(app.count("responses"), every_link_and_age().len() as i64);
    })
    .await;
}

#[tokio::test]
async fn rather_not_say_everywhere_is_stored_as_that() {
    on_each_database(|app| async move {
        let (check, walk) = walk_to_check(&app, "young-people", "12-15", Answering::RatherNotSay).await;
        assert!(check.body.contains("I&#39;d rather not say") || check.body.contains("I'd rather not say"));
        let thanks = send(&app, "young-people", &check).await;
        assert!(thanks.receipt().is_some());
        let mut conn = app.db.get().unwrap();
        let choices: Vec<Option<String>> = answers::table.select(answers::choice).load(&mut conn).unwrap();
        assert_eq!(choices.len(), walk.rows_expected);
        assert!(choices.iter().all(|c| c.as_deref() == Some("rather-not-say")));
    })
    .await;
}

#[tokio::test]
async fn sending_twice_stores_one_response_and_shows_the_same_receipt() {
    on_each_database(|app| async move {
        let (check, _) = walk_to_check(&app, "parents-carers", "adult", Answering::Everything).await;
        let first = send(&app, "parents-carers", &check).await;
        let again = send(&app, "parents-carers", &check).await;
        // Two taps at once on a slow connection.
        let (a, b) = tokio::join!(send(&app, "parents-carers", &check), send(&app, "parents-carers", &check));
        let code = first.receipt().unwrap();
        for page in [&again, &a, &b] {
            assert_eq!(page.status, 200);
            assert_eq!(page.receipt().as_deref(), Some(code.as_str()));
        }
        assert!(again.body.contains("already sent"));
        assert_eq!(app.count("responses"), 1);
    })
    .await;
}

#[tokio::test]
async fn many_people_sending_at_once_each_get_their_own_receipt() {
    on_each_database(|app| async move {
        let mut checks = Vec::new();
        for _ in 0..40 {
            checks.push(walk_to_check(&app, "practitioners", "adult", Answering::RatherNotSay).await.0);
        }
        let sends = checks.iter().map(|c| send(&app, "practitioners", c));
        let pages = futures_util::future::join_all(sends).await;
        let mut codes: Vec<String> = pages.iter().map(|p| p.receipt().expect("a receipt")).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), 40);
        assert_eq!(app.count("responses"), 40);
    })
    .await;
}

#[tokio::test]
async fn back_keeps_every_answer_and_change_returns_to_check() {
    on_each_database(|app| async move {
        // 8–11: one question a page.
        let first = app.post("/s/young-people/start", &[("age", "8-11")]).await;
        let mut walk = Walk::default();
        let form = answer_page(&first, Answering::Everything, &mut walk);
        let chosen: Vec<(String, String)> = form.iter().filter(|(k, _)| k.starts_with("answer.")).cloned().collect();
        let second = post_form(&app, "young-people", &form).await;
        assert_ne!(second.h1(), first.h1());
        let back = app.post("/s/young-people", &[("state", &second.state()), ("nav", "back")]).await;
        assert_eq!(back.h1(), first.h1(), "back shows the first question again");
        for (name, value) in &chosen {
            assert!(
                back.inputs().iter().any(|(_, n, v, checked)| n == name && v == value && *checked),
                "{name}={value} is still chosen"
            );
        }
        // Forward to the end, then change the first answer from the check page.
        let (check, _) = walk_to_check(&app, "young-people", "8-11", Answering::Everything).await;
        let change = check.buttons().into_iter().find(|b| b.starts_with("change:")).unwrap();
        let editing = app.post("/s/young-people", &[("state", &check.state()), ("nav", &change)]).await;
        assert!(editing.body.contains("Save and check your answers"));
        let mut walk = Walk::default();
        let form = answer_page(&editing, Answering::RatherNotSay, &mut walk);
        let back_at_check = post_form(&app, "young-people", &form).await;
        assert_eq!(back_at_check.h1(), "Check your answers");
    })
    .await;
}

#[tokio::test]
async fn a_skipped_section_sends_nothing_from_it() {
    on_each_database(|app| async move {
        let registry = Registry::load(&app.surveys_dir).unwrap();
        let survey = registry.survey("what-we-need").unwrap();
        let noted = survey.sections.iter().find(|s| s.content_note.is_some()).expect("a section with a content note");
        let mut page = app.post("/s/young-people/start", &[("age", "12-15")]).await;
        let mut skipped = false;
        for _ in 0..50 {
            let buttons = page.buttons();
            if buttons.iter().any(|b| b == "submit") {
                break;
            }
            let form = if buttons.iter().any(|b| b == "skip-section") {
                assert!(page.body.contains(
                    noted.content_note.as_ref().unwrap().for_age(listening_loop::surveys::AgeGroup::TwelveToFifteen)
                ));
                skipped = true;
                vec![("state".to_owned(), page.state()), ("nav".to_owned(), "skip-section".to_owned())]
            } else {
                answer_page(&page, Answering::Everything, &mut Walk::default())
            };
            page = post_form(&app, "young-people", &form).await;
        }
        assert!(skipped);
        assert!(page.body.contains("You skipped this part"));
        send(&app, "young-people", &page).await;
        let mut conn = app.db.get().unwrap();
        let ids: Vec<String> = answers::table.select(answers::question_id).load(&mut conn).unwrap();
        assert!(!ids.is_empty());
        for question in &noted.questions {
            assert!(!ids.contains(&question.id), "{} was in a skipped section", question.id);
        }
    })
    .await;
}

#[tokio::test]
async fn words_that_may_mean_harm_show_help_and_flag_the_response() {
    on_each_database(|app| async move {
        let mut page = app.post("/s/young-people/start", &[("age", "16-17")]).await;
        let mut wrote = false;
        for _ in 0..50 {
            if page.buttons().iter().any(|b| b == "submit") {
                break;
            }
            let mut form = vec![("state".to_owned(), page.state()), ("nav".to_owned(), "next".to_owned())];
            if page.buttons().iter().any(|b| b == "continue") {
                form[1].1 = "continue".to_owned();
            } else if !wrote && let Some((_, name, _, _)) = page.inputs().into_iter().find(|(k, ..)| k == "textarea") {
                form.push((name, "my stepdad hits me and I'm scared to go home".to_owned()));
                wrote = true;
                page = post_form(&app, "young-people", &form).await;
                assert!(page.body.contains("wait until the end"), "help is offered on the very next page");
                continue;
            }
            page = post_form(&app, "young-people", &form).await;
        }
        assert!(wrote);
        let thanks = send(&app, "young-people", &page).await;
        assert!(thanks.body.contains("Thank you for telling us"));
        assert!(thanks.body.contains("0800 1111") && thanks.body.contains("999"));
        assert!(thanks.receipt().is_some());
        let mut conn = app.db.get().unwrap();
        let concern: bool = responses::table.select(responses::concern).first(&mut conn).unwrap();
        assert!(concern, "the response is kept from young reviewers");

        // Ordinary words do not.
        let (check, _) = walk_to_check(&app, "young-people", "16-17", Answering::RatherNotSay).await;
        let thanks = send(&app, "young-people", &check).await;
        assert!(!thanks.body.contains("Thank you for telling us"));
        let flagged: i64 = responses::table.filter(responses::concern.eq(true)).count().get_result(&mut conn).unwrap();
        assert_eq!(flagged, 1);
    })
    .await;
}

/// A five-year-old taps the saddest face for "Do you feel safe at home?"
/// (`help_if`, `help_reaches_lead` in the survey file): help on the very next
/// page and first on the thank-you page, and the response goes to the lead.
/// The saddest face for "Do you feel loved?" offers help without that.
#[tokio::test]
async fn the_saddest_face_for_feeling_safe_at_home_offers_help_and_reaches_the_lead() {
    on_each_database(|app| async move {
        let mut conn = app.db.get().unwrap();
        let mut to_the_lead = 0;
        for (question, flagged) in [("answer.safe-at-home", true), ("answer.loved", false)] {
            let mut page = app.post("/s/young-people/start", &[("age", "5-7")]).await;
            let mut helped = false;
            for _ in 0..50 {
                let buttons = page.buttons();
                if buttons.iter().any(|b| b == "submit") {
                    break;
                }
                let mut form = vec![("state".to_owned(), page.state())];
                if buttons.iter().any(|b| b == "continue") {
                    form.push(("nav".into(), "continue".into()));
                } else {
                    form.push(("nav".into(), "next".into()));
                    // The saddest face ("1") for the question; the last real
                    // choice (the happiest face) everywhere else.
                    let mut chosen: Vec<(String, String)> = Vec::new();
                    for (kind, name, value, _) in page.inputs() {
                        if kind == "radio" && value != "rather-not-say" {
                            let value = if name == question { "1".to_owned() } else { value };
                            match chosen.iter_mut().find(|(n, _)| *n == name) {
                                Some(entry) if name != question => entry.1 = value,
                                Some(_) => {}
                                None => chosen.push((name, value)),
                            }
                        }
                    }
                    form.extend(chosen);
                }
                let tapped = form.iter().any(|(n, v)| n == question && v == "1");
                page = post_form(&app, "young-people", &form).await;
                assert_eq!(page.status, 200, "{}", page.body);
                assert_eq!(page.body.contains("wait until the end"), tapped, "help only after the saddest face");
                helped |= tapped;
            }
            assert!(helped, "{question} was asked");
            let thanks = send(&app, "young-people", &page).await;
            assert!(thanks.body.contains("Thank you for telling us"), "help comes first after sending");
            assert!(thanks.body.contains("0800 1111"));
            to_the_lead += i64::from(flagged);
            let stored: i64 =
                responses::table.filter(responses::concern.eq(true)).count().get_result(&mut conn).unwrap();
            assert_eq!(stored, to_the_lead, "after {question}: only the safe-at-home answer reaches the lead");
        }
    })
    .await;
}

/// No nudges: the link's `?age=` picks the page's words but chooses nothing
/// for them; "Answer these" and "Skip this part" look the same; and the
/// landing page says how long written words are kept (`RETENTION_DAYS`).
#[tokio::test]
async fn nothing_is_chosen_for_them_and_the_landing_says_how_long_words_are_kept() {
    on_each_database(|app| async move {
        let landing = app.get("/s/young-people?age=8-11").await;
        let radios = scraper::Selector::parse("form.start input[type=radio][name=age]").unwrap();
        let html = landing.html();
        let ages: Vec<_> = html.select(&radios).collect();
        assert!(ages.len() >= 4, "{}", landing.body);
        assert!(ages.iter().all(|a| a.value().attr("checked").is_none()), "an age group was chosen for them");
        assert!(landing.body.contains("What you write is deleted after 365 days."), "{}", landing.body);

        // The first content note of the 12-15 survey: two equal choices.
        let mut page = app.post("/s/young-people/start", &[("age", "12-15")]).await;
        for _ in 0..20 {
            if page.buttons().iter().any(|b| b == "skip-section") {
                break;
            }
            page = post_form(
                &app,
                "young-people",
                &support::journey::answer_page(&page, Answering::RatherNotSay, &mut Walk::default()),
            )
            .await;
        }
        let selector = scraper::Selector::parse("button[name=nav]").unwrap();
        let html = page.html();
        let classes: Vec<(&str, &str)> = html
            .select(&selector)
            .filter_map(|b| Some((b.value().attr("value")?, b.value().attr("class")?)))
            .filter(|(value, _)| *value == "continue" || *value == "skip-section")
            .collect();
        assert_eq!(classes.len(), 2, "{}", page.body);
        assert_eq!(classes[0].1, classes[1].1, "one looks weightier than the other: {classes:?}");
    })
    .await;
}

#[tokio::test]
async fn respondent_pages_are_not_kept_and_set_no_cookie() {
    on_each_database(|app| async move {
        let (check, _) = walk_to_check(&app, "young-people", "5-7", Answering::Everything).await;
        let thanks = send(&app, "young-people", &check).await;
        for page in [app.get("/").await, app.get("/help").await, app.get("/s/young-people").await, check, thanks] {
            assert_eq!(page.headers["cache-control"], "no-store");
            assert_eq!(page.headers["referrer-policy"], "no-referrer");
            assert!(page.headers.get("set-cookie").is_none());
            assert!(page.body.contains("Leave this page"));
            assert!(page.body.contains("href=\"/help\"") || page.body.contains("href=\"/help?lang=en\""));
            assert!(page.body.contains("https://www.bbc.co.uk/weather"));
        }
    })
    .await;
}

#[tokio::test]
async fn nothing_that_could_identify_anyone_has_a_column() {
    on_each_database(|app| async move {
        #[derive(QueryableByName)]
        struct Column {
            #[diesel(sql_type = diesel::sql_types::Text)]
            table: String,
            #[diesel(sql_type = diesel::sql_types::Text)]
            name: String,
            #[diesel(sql_type = diesel::sql_types::Text)]
            kind: String,
        }
        let mut conn = app.db.get().unwrap();
        let sql = match app.db.backend {
            listening_loop::db::Backend::Sqlite => support::RESPONDENT_TABLES
                .map(|t| format!("SELECT '{t}' AS \"table\", name, type AS kind FROM pragma_table_info('{t}')"))
                .join(" UNION ALL "),
            listening_loop::db::Backend::Postgres => format!(
                "SELECT table_name::text AS \"table\", column_name::text AS name, data_type::text AS kind \
                 FROM information_schema.columns WHERE table_name IN ('{}')",
                support::RESPONDENT_TABLES.join("', '")
            ),
        };
        let columns = diesel::sql_query(sql).load::<Column>(&mut conn).unwrap();
        for table in support::RESPONDENT_TABLES {
            assert!(columns.iter().any(|c| c.table == table), "{table} is there to look at");
        }
        assert!(columns.iter().any(|c| c.name == "submitted_on"));
        for Column { table, name, kind } in &columns {
            for word in ["ip", "agent", "address", "email", "name", "time", "session", "cookie", "birth", "dob", "born"]
            {
                assert!(!name.split('_').any(|part| part == word) && !name.ends_with("_at"), "{table}.{name}");
            }
            // A day is as fine as a respondent's row is dated.
            let kind = kind.to_lowercase();
            assert!(!kind.contains("time"), "{table}.{name} is a {kind}: a time of day");
        }
    })
    .await;
}

#[tokio::test]
async fn pages_replayed_after_sending_never_show_the_answers_again() {
    on_each_database(|app| async move {
        let first = app.post("/s/practitioners/start", &[("age", "adult")]).await;
        let (check, _) = walk_to_check(&app, "practitioners", "adult", Answering::Everything).await;
        let thanks = send(&app, "practitioners", &check).await;
        assert!(thanks.receipt().is_some());
        // The phone's history: "Back" to the check page, "resubmit" its form.
        for nav in ["back", "change:0", "next"] {
            let replay = app.post("/s/practitioners", &[("state", &check.state()), ("nav", nav)]).await;
            assert_eq!(replay.status, 400, "{nav}");
            assert!(replay.body.contains("already sent"));
            assert!(!replay.body.contains("My answer"), "no answer is shown again");
        }
        // A journey not yet sent is untouched by someone else's sending.
        let other = app.post("/s/practitioners", &[("state", &first.state()), ("nav", "next")]).await;
        assert_eq!(other.status, 200);
        assert_eq!(app.count("responses"), 1);
    })
    .await;
}

#[tokio::test]
async fn answering_a_skipped_part_from_the_check_page_walks_the_whole_part() {
    on_each_database(|app| async move {
        let registry = Registry::load(&app.surveys_dir).unwrap();
        let survey = registry.survey("what-we-need").unwrap();
        let age = listening_loop::surveys::AgeGroup::EightToEleven;
        let noted = survey.sections.iter().find(|s| s.content_note.is_some()).unwrap();
        let asked: Vec<String> = noted.questions_for(age).map(|q| q.text.for_age(age).to_owned()).collect();
        assert!(asked.len() >= 2, "the test needs a part with several questions");
        let mut page = app.post("/s/young-people/start", &[("age", "8-11")]).await;
        while !page.buttons().iter().any(|b| b == "submit") {
            let nav = if page.buttons().iter().any(|b| b == "skip-section") { "skip-section" } else { "next" };
            page = app.post("/s/young-people", &[("state", &page.state()), ("nav", nav)]).await;
        }
        let answer_it = page
            .html()
            .select(&scraper::Selector::parse("button[name=nav]").unwrap())
            .find(|b| b.text().collect::<String>().contains("Answer it"))
            .and_then(|b| b.value().attr("value").map(str::to_owned))
            .expect("an 'Answer it' button for the skipped part");
        let note = app.post("/s/young-people", &[("state", &page.state()), ("nav", &answer_it)]).await;
        let mut page = app.post("/s/young-people", &[("state", &note.state()), ("nav", "continue")]).await;
        for question in &asked {
            assert_eq!(&page.h1(), question);
            page = app.post("/s/young-people", &[("state", &page.state()), ("nav", "next")]).await;
        }
    })
    .await;
}
