//! A phone without JavaScript walking a survey over HTTP: what it posts on
//! each page, from the start page to "Check your answers", and the send.

use std::collections::BTreeMap;

use super::{Page, TestApp};

/// Contact details a child might type, each of which must never be stored.
pub const IDENTIFYING: &str = "text me on 07700 900123 or email sam.j+school@example.com, \
     I live near M5 4WT, add me @sunny_days or see www.example.co.uk/me";

/// What the walker did on the way through.
#[derive(Default, Debug)]
pub struct Walk {
    pub rows_expected: usize,
    pub pages: usize,
}

/// How to answer each page.
#[derive(Clone, Copy, PartialEq)]
pub enum Answering {
    /// The first real option everywhere, two boxes ticked, text in every box.
    Everything,
    /// "I'd rather not say" wherever it is offered, nothing written.
    RatherNotSay,
    /// The first real option everywhere, nothing ticked, these words in every box.
    Writing(&'static str),
}

/// The form a browser would post for a page of questions.
pub fn answer_page(page: &Page, how: Answering, walk: &mut Walk) -> Vec<(String, String)> {
    let mut form = vec![("state".to_owned(), page.state())];
    let mut radios: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut boxes: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (kind, name, value, _) in page.inputs() {
        match kind.as_str() {
            "radio" => radios.entry(name).or_default().push(value),
            "checkbox" => boxes.entry(name).or_default().push(value),
            "textarea" if how == Answering::Everything => {
                form.push((name, format!("My answer: {IDENTIFYING}")));
                walk.rows_expected += 1;
            }
            "textarea" if let Answering::Writing(words) = how => {
                form.push((name, words.to_owned()));
                walk.rows_expected += 1;
            }
            _ => {}
        }
    }
    for (name, values) in radios {
        let value = match how {
            Answering::Everything | Answering::Writing(_) => {
                values.iter().find(|v| *v != "rather-not-say").unwrap().clone()
            }
            Answering::RatherNotSay => "rather-not-say".to_owned(),
        };
        form.push((name, value));
        walk.rows_expected += 1;
    }
    for (name, values) in boxes {
        match how {
            Answering::Everything => {
                for value in values.iter().filter(|v| *v != "rather-not-say").take(2) {
                    form.push((name.clone(), value.clone()));
                    walk.rows_expected += 1;
                }
            }
            Answering::RatherNotSay => {
                form.push((name, "rather-not-say".to_owned()));
                walk.rows_expected += 1;
            }
            Answering::Writing(_) => {}
        }
    }
    form.push(("nav".to_owned(), "next".to_owned()));
    form
}

pub async fn post_form(app: &TestApp, link: &str, form: &[(String, String)]) -> Page {
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    app.post(&format!("/s/{link}"), &pairs).await
}

/// Answers a survey from the start page to "Check your answers".
pub async fn walk_to_check(app: &TestApp, link: &str, age: &str, how: Answering) -> (Page, Walk) {
    let mut walk = Walk::default();
    let mut page = app.post(&format!("/s/{link}/start"), &[("age", age)]).await;
    for _ in 0..500 {
        assert_eq!(page.status, 200, "{link} {age}: {}", page.body);
        walk.pages += 1;
        let buttons = page.buttons();
        if buttons.iter().any(|b| b == "submit") {
            return (page, walk);
        }
        let form = if buttons.iter().any(|b| b == "continue") {
            vec![("state".to_owned(), page.state()), ("nav".to_owned(), "continue".to_owned())]
        } else {
            answer_page(&page, how, &mut walk)
        };
        page = post_form(app, link, &form).await;
    }
    panic!("{link} {age}: never reached the check page");
}

pub async fn send(app: &TestApp, link: &str, check: &Page) -> Page {
    app.post(&format!("/s/{link}"), &[("state", &check.state()), ("nav", "submit")]).await
}
