//! Languages over HTTP, on each database: an Urdu page is right to left and
//! in Urdu; the 8–11 survey walked in Urdu and in Polish to a receipt keeps
//! its language through Back, errors and the check page; a missing
//! translation shows English, visibly marked in tests and quietly (but
//! marked `lang="en"`) in production; the catalogue is checked at start.

mod support;

use std::path::PathBuf;

use diesel::prelude::*;
use listening_loop::db::schema::responses;
use listening_loop::surveys::Registry;
use support::{Page, TestApp, databases, is_urdu, lang_and_dir, spawn_app_configured};

fn form_action(page: &Page) -> String {
    let selector = scraper::Selector::parse("form.journey").unwrap();
    let html = page.html();
    html.select(&selector).next().and_then(|f| f.value().attr("action")).unwrap_or_default().to_owned()
}

fn hrefs(page: &Page) -> Vec<String> {
    let selector = scraper::Selector::parse("a[href]").unwrap();
    page.html().select(&selector).filter_map(|a| a.value().attr("href").map(str::to_owned)).collect()
}

#[tokio::test]
async fn an_urdu_page_is_right_to_left_and_in_urdu() {
    support::on_each_database(|app| async move {
        let page = app.get("/s/young-people?lang=ur").await;
        assert_eq!(page.status, 200);
        assert_eq!(lang_and_dir(&page), ("ur".into(), "rtl".into()));
        assert!(is_urdu(&page.h1()), "the heading is in Urdu: {}", page.h1());
        assert!(page.body.contains("شروع کریں"), "the Start button is in Urdu");
        assert!(!page.body.contains("data-missing-translation"), "nothing on it is missing in Urdu");
        assert!(page.headers.get("set-cookie").is_none(), "the choice is not kept in a cookie");

        // The picker: each language in itself, marked with its own language.
        let picker = scraper::Selector::parse("nav.languages a").unwrap();
        let html = page.html();
        let choices: Vec<(String, String, String)> = html
            .select(&picker)
            .map(|a| {
                let v = a.value();
                (
                    v.attr("lang").unwrap_or_default().into(),
                    a.text().collect(),
                    v.attr("href").unwrap_or_default().into(),
                )
            })
            .collect();
        assert!(choices.contains(&("pl".into(), "Polski".into(), "/s/young-people?lang=pl".into())), "{choices:?}");
        assert!(choices.contains(&("en".into(), "English".into(), "/s/young-people?lang=en".into())), "{choices:?}");
        assert!(choices.iter().any(|(l, name, _)| l == "ur" && name == "اردو"), "{choices:?}");
        // The age carried by a poster's link survives a change of language.
        let with_age = app.get("/s/young-people?age=8-11&lang=pl").await;
        assert!(hrefs(&with_age).contains(&"/s/young-people?age=8-11&lang=ur".to_owned()));
        assert_eq!(lang_and_dir(&with_age), ("pl".into(), "ltr".into()));
        assert!(with_age.body.contains("Zacznij"));

        // Every other public page speaks it too, and its links keep it.
        for path in ["/?lang=ur", "/help?lang=ur", "/s/young-people/stopped?lang=ur", "/no-such-page?lang=ur"] {
            let page = app.get(path).await;
            assert_eq!(lang_and_dir(&page), ("ur".into(), "rtl".into()), "{path}");
            assert!(is_urdu(&page.h1()), "{path}: {}", page.h1());
            assert!(hrefs(&page).contains(&"/help?lang=ur".to_owned()), "{path} links to help in Urdu");
        }
        // A browser that asks for Urdu gets it on arrival; the picker wins,
        // and once English is picked its links keep English.
        let asking = |path: &str| {
            let request = app.client.get(format!("{}{path}", app.address));
            request.header("accept-language", "ur-PK,ur;q=0.9,en-GB;q=0.8").send()
        };
        let arrival = asking("/s/young-people").await.unwrap().text().await.unwrap();
        assert!(arrival.contains("<html lang=\"ur\" dir=\"rtl\""), "Accept-Language on arrival");
        let picked = asking("/s/young-people?lang=en").await.unwrap().text().await.unwrap();
        assert!(picked.contains("<html lang=\"en\" dir=\"ltr\""), "the picker wins over the browser");
        assert!(picked.contains("href=\"/help?lang=en\""), "and its links keep English");
        assert!(picked.contains("action=\"/s/young-people/start?lang=en\""));

        // English stays plain, and an unknown language is English.
        for path in ["/s/young-people", "/s/young-people?lang=xx"] {
            let page = app.get(path).await;
            assert_eq!(lang_and_dir(&page), ("en".into(), "ltr".into()), "{path}");
            assert_eq!(page.h1(), "What do you need to be OK?");
        }
    })
    .await;
}

/// The words each language's journey must show.
struct Expect {
    lang: &'static str,
    dir: &'static str,
    check_title: &'static str,
    unrecognised: &'static str,
    back: &'static str,
    thanks: &'static str,
}

const URDU: Expect = Expect {
    lang: "ur",
    dir: "rtl",
    check_title: "اپنے جواب دیکھ لیں",
    unrecognised: "ہم یہ جواب نہیں پہچان سکے۔",
    back: "پیچھے",
    thanks: "شکریہ",
};

const POLISH: Expect = Expect {
    lang: "pl",
    dir: "ltr",
    check_title: "Sprawdź swoje odpowiedzi",
    unrecognised: "Nie rozpoznaliśmy tej odpowiedzi.",
    back: "Wstecz",
    thanks: "Dziękujemy",
};

/// Checks a page of the journey is wholly in the expected language.
fn in_language(page: &Page, expect: &Expect, what: &str) {
    assert_eq!(lang_and_dir(page), (expect.lang.into(), expect.dir.into()), "{what}: {}", page.h1());
    assert!(!page.body.contains("data-missing-translation"), "{what}: a translation is missing:\n{}", page.body);
    if expect.lang == "ur" {
        assert!(is_urdu(&page.h1()), "{what}: the heading is in Urdu: {}", page.h1());
    }
}

/// The last real choice of every radio group (the happiest face or the top
/// of a scale, which offers no help) and a word in every box.
fn answers(page: &Page) -> Vec<(String, String)> {
    let mut form = vec![("state".to_owned(), page.state())];
    let mut chosen = std::collections::BTreeMap::new();
    for (kind, name, value, _) in page.inputs() {
        match kind.as_str() {
            "radio" | "checkbox" if value != "rather-not-say" => {
                chosen.insert(name, value);
            }
            "textarea" => form.push((name, "More places to play".to_owned())),
            _ => {}
        }
    }
    form.extend(chosen);
    form
}

async fn post(app: &TestApp, path: &str, form: &[(String, String)]) -> Page {
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    app.post(path, &pairs).await
}

async fn walk_8_to_11(app: &TestApp, expect: &Expect) {
    let lang = expect.lang;
    let landing = app.get(&format!("/s/young-people?lang={lang}")).await;
    in_language(&landing, expect, "landing");
    let start = format!("/s/young-people/start?lang={lang}");
    let mut page = app.post(&start, &[("lang", lang), ("age", "8-11")]).await;
    assert_eq!(page.status, 200, "{}", page.body);
    in_language(&page, expect, "first question");
    let action = format!("/s/young-people?lang={lang}");
    assert_eq!(form_action(&page), action, "the language rides in the address too");

    // Forward and Back: the same question, in the same language.
    let first = page.h1();
    let mut form = answers(&page);
    form.push(("nav".into(), "next".into()));
    let second = post(app, &action, &form).await;
    in_language(&second, expect, "second question");
    assert_ne!(second.h1(), first);
    assert!(second.body.contains(expect.back), "Back is in the language");
    let back = post(app, &action, &[("state".into(), second.state()), ("nav".into(), "back".into())]).await;
    in_language(&back, expect, "back");
    assert_eq!(back.h1(), first, "Back shows the first question again");

    // An answer we can't read: the error is in the language too.
    let field = back.inputs().into_iter().find(|(k, ..)| k == "radio").expect("a choice").1;
    let wrong = [("state".into(), back.state()), (field, "not-a-choice".into()), ("nav".into(), "next".into())];
    let error = post(app, &action, &wrong).await;
    assert_eq!(error.status, 400);
    in_language(&error, expect, "error");
    assert!(error.select_text(".error-summary").join(" ").contains(expect.unrecognised), "{}", error.body);

    // On to the check page.
    page = error;
    for _ in 0..60 {
        let buttons = page.buttons();
        if buttons.iter().any(|b| b == "submit") {
            break;
        }
        let mut form =
            if buttons.iter().any(|b| b == "continue") { vec![("state".into(), page.state())] } else { answers(&page) };
        let nav = if buttons.iter().any(|b| b == "continue") { "continue" } else { "next" };
        form.push(("nav".into(), nav.into()));
        page = post(app, &action, &form).await;
        assert_eq!(page.status, 200, "{}", page.body);
        in_language(&page, expect, "a question page");
    }
    assert_eq!(page.h1(), expect.check_title);
    in_language(&page, expect, "check answers");

    let thanks = post(app, &action, &[("state".into(), page.state()), ("nav".into(), "submit".into())]).await;
    assert_eq!(thanks.status, 200, "{}", thanks.body);
    in_language(&thanks, expect, "thank you");
    assert_eq!(thanks.h1(), expect.thanks);
    let code = thanks.receipt().expect("a receipt code");
    let links = hrefs(&thanks);
    assert!(links.contains(&format!("/track?lang={lang}")), "{links:?}");
    assert!(links.contains(&format!("/subscribe?lang={lang}")), "{links:?}");

    // A page that can't be read at all (no draft to say the language):
    // the address still does.
    let broken = app.post(&action, &[("state", "not-a-sealed-draft"), ("nav", "next")]).await;
    assert_eq!(broken.status, 400);
    in_language(&broken, expect, "an unreadable page");

    // The language used is kept with the response, as the age group is.
    let mut conn = app.db.get().unwrap();
    let stored: Vec<(String, String)> = responses::table
        .filter(responses::language.eq(lang))
        .select((responses::age_group, responses::survey_id))
        .load(&mut conn)
        .unwrap();
    assert_eq!(stored, [("8-11".to_owned(), "what-we-need".to_owned())], "receipt {code}");
}

#[tokio::test]
async fn the_8_to_11_survey_walked_in_urdu_and_in_polish_keeps_its_language_to_the_receipt() {
    support::on_each_database(|app| async move {
        walk_8_to_11(&app, &URDU).await;
        walk_8_to_11(&app, &POLISH).await;
    })
    .await;
}

/// A surveys folder: the shipped settings and catalogue, and `surveys`.
fn surveys_folder(surveys: &[PathBuf]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let shipped = support::shipped_surveys();
    for name in ["partnership.toml", "themes.toml", "safeguarding.toml"] {
        std::fs::copy(shipped.join(name), dir.path().join(name)).unwrap();
    }
    support::copy_folder(&shipped.join("lang"), &dir.path().join("lang"));
    for survey in surveys {
        std::fs::copy(survey, dir.path().join(survey.file_name().unwrap())).unwrap();
    }
    dir
}

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/languages/one-missing.toml")
}

#[tokio::test]
async fn a_missing_translation_shows_english_visibly_in_tests_and_quietly_in_production() {
    let folder = surveys_folder(&[fixture()]);
    for db in databases() {
        for strict in [true, false] {
            let dir = folder.path().to_path_buf();
            let app = spawn_app_configured(db.clone(), move |s| {
                s.surveys_dir = dir;
                s.strict_translations = strict;
            })
            .await;
            let page = app.post("/s/one-missing/start?lang=ur", &[("lang", "ur"), ("age", "8-11")]).await;
            assert_eq!(page.status, 200, "{}", page.body);
            assert_eq!(lang_and_dir(&page), ("ur".into(), "rtl".into()));
            let selector = scraper::Selector::parse("h1 span[lang=en]").unwrap();
            let html = page.html();
            let english =
                html.select(&selector).next().unwrap_or_else(|| panic!("English marked in h1: {}", page.body));
            let words: String = english.text().collect();
            assert!(words.contains("This question has no Urdu yet."), "{words}");
            let marked = english.value().attr("data-missing-translation").is_some();
            assert_eq!(marked, strict, "marked as missing only when strict");
            assert_eq!(words.contains("⟦en⟧"), strict, "the visible mark only when strict: {words}");
            // What is translated around it is not marked.
            assert!(page.body.contains("کبھی نہیں"), "the scale's labels are in Urdu");
            assert_eq!(page.body.matches("data-missing-translation").count(), usize::from(strict));

            // Polish has it: nothing marked.
            let polish = app.post("/s/one-missing/start?lang=pl", &[("lang", "pl"), ("age", "8-11")]).await;
            assert_eq!(polish.h1(), "To pytanie ma już polski.");
            assert!(!polish.body.contains("data-missing-translation"));
        }
    }

    // `surveys check` names what is missing.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_listening-loop"))
        .args(["surveys", "check", "--dir"])
        .arg(folder.path())
        .output()
        .unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    // No mistakes: it only waits for the local help numbers (see surveys_check.rs).
    let mistakes = stderr.lines().filter(|l| !l.starts_with("not ready to go live") && !l.contains("no mistakes"));
    assert_eq!(mistakes.count(), 0, "{stdout}{stderr}");
    assert!(stdout.contains("ur: partly translated: 1 of"), "{stdout}");
    assert!(stdout.contains("question \"untranslated\": text"), "{stdout}");
    assert!(!stdout.contains("pl: partly"), "Polish is complete: {stdout}");
}

#[tokio::test]
async fn the_catalogue_is_checked_at_start_with_file_and_line() {
    let folder = surveys_folder(&[support::shipped_surveys().join("what-we-need.toml")]);
    let lang = folder.path().join("lang");
    let english = std::fs::read_to_string(lang.join("en.toml")).unwrap();
    assert!(english.contains("back = \"Back\"\n"));
    std::fs::write(lang.join("en.toml"), english.replace("back = \"Back\"\n", "bakc = \"Back\"\n")).unwrap();
    let polish = std::fs::read_to_string(lang.join("pl.toml")).unwrap();
    let polish = polish.replace("Pytanie {here} z {total}", "Pytanie {here}");
    std::fs::write(lang.join("pl.toml"), polish).unwrap();
    std::fs::write(lang.join("Klingon.toml"), "[language]\nname = \"x\"\ndir = \"ltr\"\n").unwrap();

    let errors = Registry::load(folder.path()).expect_err("a broken catalogue stops the service");
    let all: Vec<String> = errors.iter().map(ToString::to_string).collect();
    let line = english.lines().position(|l| l == "back = \"Back\"").unwrap() + 1;
    let expected = [
        format!("lang/en.toml:{line}: \"step.bakc\" is not a message the service uses (a typo?)"),
        "\"step.back\" is missing: English must have every message".to_owned(),
        "\"step.question-of\" must use the same {placeholders} as English: here, total".to_owned(),
        "\"Klingon\" is not a language code".to_owned(),
    ];
    for wanted in expected {
        assert!(all.iter().any(|e| e.contains(&wanted)), "{wanted:?} in {all:#?}");
    }
    let pl_line = std::fs::read_to_string(lang.join("pl.toml"))
        .unwrap()
        .lines()
        .position(|l| l.starts_with("question-of"))
        .unwrap()
        + 1;
    assert!(all.iter().any(|e| e.contains(&format!("lang/pl.toml:{pl_line}:"))), "{all:#?}");

    // The service refuses to start on it, saying why.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_listening-loop"))
        .env("SURVEYS_DIR", folder.path())
        .env("DATA_DIR", folder.path().join("data"))
        .env("SECRET_KEY_FILE", folder.path().join("secrets/secret.key"))
        .env("BIND", "127.0.0.1:0")
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("\"step.bakc\" is not a message the service uses"), "{stderr}");

    // A survey naming a language with no catalogue file is a mistake too.
    let survey = folder.path().join("what-we-need.toml");
    let text = std::fs::read_to_string(&survey).unwrap().replacen("[lang.ur]", "[lang.xh]", 1);
    std::fs::write(&survey, text).unwrap();
    std::fs::write(lang.join("en.toml"), &english).unwrap();
    let errors = Registry::load(folder.path()).expect_err("an unknown language");
    assert!(errors.iter().any(|e| e.to_string().contains("language \"xh\" has no file lang/xh.toml")), "{errors:?}");
}
