//! Bad input gets a clear, calm page, keeps what the person already
//! answered, stores nothing, and leaves the server up.

mod support;

use support::{Page, TestApp, on_each_database};

/// The start page, then the first page answered with its first option, so
/// there is an answer to lose.
async fn one_answer_in(app: &TestApp) -> (Page, String, String) {
    let first = app.post("/s/young-people/start", &[("age", "12-15")]).await;
    assert_eq!(first.status, 200);
    let mut form: Vec<(String, String)> = vec![("state".into(), first.state()), ("nav".into(), "next".into())];
    let mut chosen = None;
    for (kind, name, value, _) in first.inputs() {
        if kind == "radio" && chosen.is_none() {
            chosen = Some((name.clone(), value.clone()));
            form.push((name, value));
        }
    }
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let second = app.post("/s/young-people", &pairs).await;
    assert_eq!(second.status, 200);
    let (name, value) = chosen.unwrap();
    (second, name, value)
}

/// Goes back from `page` and checks the earlier answer is still chosen.
async fn earlier_answer_survives(app: &TestApp, page: &Page, name: &str, value: &str) {
    let back = app.post("/s/young-people", &[("state", &page.state()), ("nav", "back")]).await;
    assert_eq!(back.status, 200, "{}", back.body);
    assert!(
        back.inputs().iter().any(|(_, n, v, checked)| n == name && v == value && *checked),
        "the earlier answer {name}={value} survived"
    );
}

fn first_field(page: &Page, kind: &str) -> Option<String> {
    page.inputs().into_iter().find(|(k, ..)| k == kind).map(|(_, name, ..)| name)
}

fn assert_calm(page: &Page, status: u16) {
    assert_eq!(page.status, status, "{}", page.body);
    assert!(page.headers["content-type"].to_str().unwrap().starts_with("text/html"));
    assert!(page.body.contains("Leave this page"), "an error page is still a safe page");
    assert!(!page.body.to_lowercase().contains("panic") && !page.body.contains("diesel"));
}

#[tokio::test]
async fn an_unknown_option_or_value_out_of_range_is_refused_and_other_answers_stay() {
    on_each_database(|app| async move {
        let (page, name, value) = one_answer_in(&app).await;
        let radio = first_field(&page, "radio").expect("a choice question on page two");
        for bad in ["99", "0", "-1", "not-an-option", ""] {
            let bad_page =
                app.post("/s/young-people", &[("state", &page.state()), ("nav", "next"), (&radio, bad)]).await;
            if bad.is_empty() {
                continue;
            }
            assert_calm(&bad_page, 400);
            assert!(bad_page.body.contains("There is a problem"));
            assert!(
                bad_page.body.contains("We didn&#39;t recognise that answer")
                    || bad_page.body.contains("We didn't recognise that answer")
            );
            assert!(bad_page.body.contains(&format!("href=\"#{radio}.0\"")), "the summary links to the field");
            earlier_answer_survives(&app, &bad_page, &name, &value).await;
        }
        assert_eq!(app.count("responses"), 0);
    })
    .await;
}

#[tokio::test]
async fn an_unknown_question_is_refused_and_other_answers_stay() {
    on_each_database(|app| async move {
        let (page, name, value) = one_answer_in(&app).await;
        let bad = app
            .post("/s/young-people", &[("state", &page.state()), ("nav", "next"), ("answer.no-such-question", "1")])
            .await;
        assert_calm(&bad, 400);
        assert!(bad.body.contains("didn&#39;t match our questions") || bad.body.contains("didn't match our questions"));
        earlier_answer_survives(&app, &bad, &name, &value).await;
        let bad_nav = app.post("/s/young-people", &[("state", &page.state()), ("nav", "explode")]).await;
        assert_calm(&bad_nav, 400);
        assert_eq!(app.count("responses"), 0);
    })
    .await;
}

#[tokio::test]
async fn an_answer_over_2000_characters_is_refused_and_kept_on_the_page() {
    on_each_database(|app| async move {
        let mut page = app.post("/s/practitioners/start", &[("age", "adult")]).await;
        // Find a page with a box to write in.
        let field = loop {
            if let Some(field) = first_field(&page, "textarea") {
                break field;
            }
            page = app.post("/s/practitioners", &[("state", &page.state()), ("nav", "next")]).await;
            assert_eq!(page.status, 200);
        };
        let long = "I wish ".repeat(300); // 2,100 characters
        let bad = app.post("/s/practitioners", &[("state", &page.state()), ("nav", "next"), (&field, &long)]).await;
        assert_calm(&bad, 400);
        assert!(bad.body.contains("2000 characters or fewer"));
        let kept = bad.inputs().into_iter().find(|(_, n, ..)| *n == field).unwrap().2;
        assert_eq!(kept.trim(), long.trim(), "what they wrote is still there to shorten");
        let exactly = "a".repeat(2000);
        let ok = app.post("/s/practitioners", &[("state", &page.state()), ("nav", "next"), (&field, &exactly)]).await;
        assert_eq!(ok.status, 200);
        assert_eq!(app.count("responses"), 0);
    })
    .await;
}

#[tokio::test]
async fn a_tampered_or_missing_draft_is_refused_calmly() {
    on_each_database(|app| async move {
        let (page, _, _) = one_answer_in(&app).await;
        let mut state = page.state().into_bytes();
        let middle = state.len() / 2;
        state[middle] = if state[middle] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(state).unwrap();
        for bad_state in [tampered.as_str(), "", "nonsense"] {
            let bad = app.post("/s/young-people", &[("state", bad_state), ("nav", "submit")]).await;
            assert_calm(&bad, 400);
            assert!(bad.body.contains("nothing was sent"));
        }
        // A draft from one link posted to another.
        let elsewhere = app.post("/s/practitioners", &[("state", &page.state()), ("nav", "next")]).await;
        assert_calm(&elsewhere, 400);
        assert_eq!(app.count("responses"), 0);
    })
    .await;
}

#[tokio::test]
async fn bytes_that_are_not_text_and_bodies_too_large_are_refused() {
    on_each_database(|app| async move {
        let (page, _, _) = one_answer_in(&app).await;
        let field = first_field(&page, "radio").unwrap();
        let field: String = url::form_urlencoded::byte_serialize(field.as_bytes()).collect();
        let body = format!("state={}&nav=next&{}=%FF%FE", page.state(), field).into_bytes();
        assert_calm(&app.post_raw("/s/young-people", body).await, 400);
        let mut raw = format!("state={}&nav=next&{}=", page.state(), field).into_bytes();
        raw.extend_from_slice(b"\xff\xfe");
        assert_calm(&app.post_raw("/s/young-people", raw).await, 400);
        let huge = format!("state={}&nav=next&answer.x={}", page.state(), "a".repeat(2 * 1024 * 1024));
        let too_large = app.post_raw("/s/young-people", huge.into_bytes()).await;
        assert_calm(&too_large, 413);
        assert!(too_large.body.contains("too much to send"));
        // The server is still up and still answering.
        assert_eq!(app.get("/s/young-people").await.status, 200);
        assert_eq!(app.count("responses"), 0);
    })
    .await;
}

#[tokio::test]
async fn unknown_surveys_and_pages_get_a_calm_not_found() {
    on_each_database(|app| async move {
        for path in ["/s/no-such-survey", "/nowhere", "/s/no-such-survey/stopped"] {
            assert_calm(&app.get(path).await, 404);
        }
        assert_calm(&app.post("/s/no-such-survey/start", &[("age", "8-11")]).await, 404);
        let no_age = app.post("/s/young-people/start", &[]).await;
        assert_calm(&no_age, 400);
        assert!(no_age.body.contains("Choose your age group"));
        let wrong_age = app.post("/s/young-people/start", &[("age", "adult")]).await;
        assert_calm(&wrong_age, 400);
        assert_eq!(app.count("responses"), 0);
    })
    .await;
}

#[tokio::test]
async fn a_client_posting_too_fast_is_asked_to_wait() {
    for db in support::databases() {
        let app = support::spawn_app_configured(db, |s| s.respondent_posts_per_minute = 3).await;
        for _ in 0..3 {
            assert_eq!(app.post("/s/young-people/start", &[("age", "12-15")]).await.status, 200);
        }
        let limited = app.post("/s/young-people/start", &[("age", "12-15")]).await;
        assert_calm(&limited, 429);
        assert!(limited.body.contains("Please wait a few minutes"));
        // Reading is never limited.
        assert_eq!(app.get("/s/young-people").await.status, 200);
    }
}
