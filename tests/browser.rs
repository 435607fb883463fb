//! The respondent journey in a real browser: Debian's `chromium`, driven
//! through `chromedriver` at phone size (360×640, touch), with JavaScript on
//! and with it off. Also axe-core's WCAG 2.2 A and AA scan of every
//! respondent page, tap targets, reflow at 320px and at 200% zoom, focus never
//! under the sticky "Leave this page" bar, the "Listen" button, and a
//! screenshot of each page under `<target dir>/screenshots/`.
//!
//! Without chromium or chromedriver the tests print a notice and pass, unless
//! `CI=true`. axe-core comes from `npm ci` in `tests/browser/`.

mod support;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use fantoccini::actions::{InputSource, KeyAction, KeyActions, PointerAction, TouchActions};
use fantoccini::key::Key;
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use listening_loop::surveys::{AgeGroup, QuestionKind, Registry};
use serde_json::{Value, json};
use support::publish::publish_about_food;
use support::{TestApp, TestDb};

/// One browser at a time: the machine running the tests may have two cores.
static ONE_BROWSER_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// How long the stand-in exit site takes to answer, so a test can see the
/// page blank before the browser moves on.
const EXIT_SITE_DELAY: Duration = Duration::from_millis(1200);

const WCAG_TAGS: [&str; 5] = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

// ---------------------------------------------------------------------------
// The tests

#[tokio::test]
async fn the_8_to_11_survey_in_a_phone_browser_with_javascript() {
    let Some(tools) = Tools::find() else { return };
    let _one = ONE_BROWSER_AT_A_TIME.lock().await;
    let site = Site::start().await;
    let driver = Chromedriver::start(&tools);
    let phone = Phone::open(&driver, &tools, JAVASCRIPT).await;

    let receipt = walk_the_8_to_11_survey(&site, &phone).await;
    eprintln!("receipt {receipt}");

    // Shift three times: the screen blanks at once, then the exit site
    // replaces this page in history. The exit site answers slowly; the page
    // notes in the console what it looked like the moment it blanked.
    phone.client.goto(&format!("{}/s/young-people", site.app.address)).await.unwrap();
    let history_before: u64 = phone.run("return history.length").await;
    let visits_before = site.exit_visits();
    phone.run::<Value>(WATCH_LEAVING).await;
    let mut keys = KeyActions::new("keyboard".to_owned());
    for _ in 0..3 {
        keys = keys.then(KeyAction::Down { value: Key::Shift.into() }).then(KeyAction::Up { value: Key::Shift.into() });
    }
    phone.client.perform_actions(keys).await.unwrap();
    let started = Instant::now();
    while phone.client.current_url().await.unwrap().as_str() != site.exit_url {
        assert!(started.elapsed() < Duration::from_secs(15), "the browser never reached the exit page");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    phone.wait_until("return document.readyState === 'complete'").await;
    assert!(site.exit_visits() > visits_before);
    let console = phone.console().await;
    let blanked = format!("blanked: hidden, on {}/s/young-people", site.app.address);
    assert!(console.iter().any(|m| m.contains(&blanked)), "the page blanked before it went: {console:?}");
    let history_after: u64 = phone.run("return history.length").await;
    assert_eq!(history_after, history_before, "the exit page replaced ours in history, not added to it");
    phone.close().await;
}

/// Gives the page's speech synthesis one English voice and no other.
const ENGLISH_VOICE_ONLY: &str = r#"
    if (window.speechSynthesis) {
        const voices = [{ lang: "en-GB", name: "English (test)", voiceURI: "test-en", localService: true, default: true }];
        window.speechSynthesis.getVoices = () => voices;
    }
"#;

/// Logs how the page looks the moment it gets the `leaving` class.
const WATCH_LEAVING: &str = r#"
new MutationObserver(() => {
  if (document.documentElement.classList.contains('leaving')) {
    console.log('blanked: ' + getComputedStyle(document.body).visibility + ', on ' + location.href);
  }
}).observe(document.documentElement, { attributes: true, attributeFilter: ['class'] });
return null;
"#;

#[tokio::test]
async fn the_8_to_11_survey_in_a_phone_browser_without_javascript() {
    let Some(tools) = Tools::find() else { return };
    let _one = ONE_BROWSER_AT_A_TIME.lock().await;
    let site = Site::start().await;
    let driver = Chromedriver::start(&tools);
    let phone = Phone::open(&driver, &tools, NO_JAVASCRIPT).await;

    walk_the_8_to_11_survey(&site, &phone).await;

    // Without JavaScript, "Leave this page" is a plain link to the exit site.
    phone.client.goto(&format!("{}/s/young-people?age=8-11", site.app.address)).await.unwrap();
    phone.click("a.leave-button").await;
    assert_eq!(phone.client.current_url().await.unwrap().as_str(), site.exit_url);
    phone.close().await;
}

#[tokio::test]
async fn every_respondent_page_passes_axe_and_fits_a_phone() {
    let Some(tools) = Tools::find() else { return };
    let Some(axe) = axe_source() else { return };
    let _one = ONE_BROWSER_AT_A_TIME.lock().await;
    let site = Site::start().await;
    let driver = Chromedriver::start(&tools);
    let phone = Phone::open(&driver, &tools, JAVASCRIPT).await;
    let mut scan = Scan { axe, shots: screenshots_dir(), failures: Vec::new(), pages: Vec::new() };
    let base = site.app.address.clone();

    for (name, path) in [("home", "/"), ("help", "/help"), ("landing", "/s/young-people")] {
        phone.client.goto(&format!("{base}{path}")).await.unwrap();
        scan.page(&phone, name).await;
    }
    // The scan can fail: a picture without words and a button without a name.
    phone.run::<Value>("document.querySelector('main').insertAdjacentHTML('beforeend', '<img src=\"data:,\"><button></button>'); return null").await;
    let ids: Vec<Value> = scan.axe(&phone).await.into_iter().map(|v| v["id"].clone()).collect();
    assert!(ids.contains(&json!("image-alt")) && ids.contains(&json!("button-name")), "axe-core sees faults: {ids:?}");
    // Start without choosing an age group: the landing page with an error.
    phone.click("form.start button[type=submit]").await;
    scan.page(&phone, "landing-error").await;

    // 5–7: faces, a content note, three houses, free text; then the gentle
    // thank-you page, because of what was written.
    let registry = Registry::load(&site.app.surveys_dir).unwrap();
    let mut seen = Vec::new();
    phone.client.goto(&format!("{base}/s/young-people?age=5-7")).await.unwrap();
    start_as(&phone, "5-7").await;
    walk_and_scan(&phone, &mut scan, &registry, (AgeGroup::FiveToSeven, "en"), &mut seen, "my stepdad hits me").await;
    phone.click("button[name=nav][value=submit]").await;
    assert!(phone.text("h1").await.contains("Thank you for telling us"));
    scan.page(&phone, "thanks-support").await;

    // 8–11: scale, single and multiple choice, and a too-long answer.
    phone.client.goto(&format!("{base}/s/young-people?age=8-11")).await.unwrap();
    start_as(&phone, "8-11").await;
    walk_and_scan(&phone, &mut scan, &registry, (AgeGroup::EightToEleven, "en"), &mut seen, "More parks").await;
    scan.page(&phone, "check-answers").await;
    phone.click("button[name=nav][value=submit]").await;
    assert_eq!(phone.text("h1").await, "Thank you");
    scan.page(&phone, "thanks").await;

    // 12–15: a page of several questions.
    phone.client.goto(&format!("{base}/s/young-people?age=12-15")).await.unwrap();
    start_as(&phone, "12-15").await;
    scan.page(&phone, "section-page").await;

    for (name, path) in [("stopped", "/s/young-people/stopped"), ("not-found", "/no-such-page")] {
        phone.client.goto(&format!("{base}{path}")).await.unwrap();
        scan.page(&phone, name).await;
    }

    // The same in Urdu, right to left, and the Polish landing page: every
    // kind of question, the content note, the error summary, the check page.
    for (name, path) in [("landing-pl", "/s/young-people?lang=pl"), ("landing-ur", "/s/young-people?lang=ur")] {
        phone.client.goto(&format!("{base}{path}")).await.unwrap();
        scan.page(&phone, name).await;
    }
    let mut seen_ur = Vec::new();
    for (age, words) in [(AgeGroup::FiveToSeven, "مزید پارک"), (AgeGroup::EightToEleven, "کھیلنے کی جگہیں")]
    {
        phone.client.goto(&format!("{base}/s/young-people?lang=ur&age={}", age.as_str())).await.unwrap();
        start_as(&phone, age.as_str()).await;
        assert_eq!(phone.run::<String>("return document.documentElement.dir").await, "rtl");
        if phone.javascript && phone.run::<bool>("return 'speechSynthesis' in window").await {
            assert_eq!(phone.count("button.listen").await, 0, "no Listen button without an Urdu voice");
        }
        walk_and_scan(&phone, &mut scan, &registry, (age, "ur"), &mut seen_ur, words).await;
    }
    scan.page(&phone, "ur-check-answers").await;
    phone.click("button[name=nav][value=submit]").await;
    assert_eq!(phone.text("h1").await, "شکریہ");
    scan.page(&phone, "ur-thanks").await;
    phone.close().await;

    for kind in ["faces", "scale", "single", "multiple", "text", "three_houses", "content-note", "error-summary"] {
        assert!(seen.iter().any(|s| s == kind), "the walk never reached a {kind} page: {seen:?}");
        assert!(seen_ur.iter().any(|s| s == kind), "the Urdu walk never reached a {kind} page: {seen_ur:?}");
    }
    eprintln!("scanned {} pages: {}", scan.pages.len(), scan.pages.join(", "));
    eprintln!("screenshots in {}", scan.shots.display());
    assert!(scan.failures.is_empty(), "{} problems:\n{}", scan.failures.len(), scan.failures.join("\n"));
}

/// The public loop pages ("You said, We did", `/track`, email sign-up and
/// the pages its emails open), in English and in Urdu (right to left):
/// axe-core WCAG 2.2 A and AA, one h1, labels, tap targets, no sideways
/// scrolling, and nothing hidden under the Leave bar.
#[tokio::test]
async fn every_public_loop_page_passes_axe_in_english_and_urdu() {
    let Some(tools) = Tools::find() else { return };
    let Some(axe) = axe_source() else { return };
    let _one = ONE_BROWSER_AT_A_TIME.lock().await;
    let site = Site::start().await;
    let code = publish_about_food(&site.app).await;
    let driver = Chromedriver::start(&tools);
    let phone = Phone::open(&driver, &tools, JAVASCRIPT).await;
    let mut scan = Scan { axe, shots: screenshots_dir(), failures: Vec::new(), pages: Vec::new() };
    let base = site.app.address.clone();

    for lang in ["en", "ur"] {
        let q = format!("lang={lang}");
        let name = |page: &str| format!("{page}-{lang}");
        for (page, path) in [
            ("board", format!("/you-said-we-did?{q}")),
            ("board-detailed", format!("/you-said-we-did?view=detailed&{q}")),
            ("board-empty", format!("/you-said-we-did?theme=school-and-learning&{q}")),
            ("track", format!("/track?{q}")),
            ("subscribe", format!("/subscribe?{q}")),
            ("dead-link", format!("/subscribe/confirm/0000?{q}")),
        ] {
            phone.client.goto(&format!("{base}{path}")).await.unwrap();
            assert_eq!(phone.run::<String>("return document.documentElement.lang").await, lang, "{path}");
            scan.page(&phone, &name(page)).await;
        }

        // Right to left really: the "You said" rule stands on the reading
        // side, and printed, the poster keeps the entries and says where
        // to read more, without the controls.
        phone.client.goto(&format!("{base}/you-said-we-did?{q}")).await.unwrap();
        let side = if lang == "ur" { "Right" } else { "Left" };
        let rule: String =
            phone.run(&format!("return getComputedStyle(document.querySelector('.you-said')).border{side}Width")).await;
        assert_eq!(rule, "4px", "the You said rule is on the {side} in {lang}");
        phone.cdp("Emulation.setEmulatedMedia", json!({ "media": "print" })).await;
        let printed: Value = phone
            .run(
                "const d = s => getComputedStyle(document.querySelector(s)).display; \
                 return [d('.board-poster'), d('.board-filter'), d('nav.languages'), d('article.entry')]",
            )
            .await;
        assert_eq!(printed, json!(["block", "none", "none", "block"]), "the printed poster in {lang}");
        phone.cdp("Emulation.setEmulatedMedia", json!({ "media": "" })).await;

        // /track: nothing typed, then an unknown code, then a real one.
        phone.client.goto(&format!("{base}/track?{q}")).await.unwrap();
        phone.click("form[method=post] button[type=submit]").await;
        scan.page(&phone, &name("track-error")).await;
        let field = phone.client.find(Locator::Css("#code")).await.unwrap();
        field.clear().await.unwrap();
        phone.type_into(field, "APPLE-ACORN-ATTIC-10").await;
        phone.click("form[method=post] button[type=submit]").await;
        scan.page(&phone, &name("track-unknown")).await;
        phone.client.goto(&format!("{base}/track?{q}")).await.unwrap();
        let field = phone.client.find(Locator::Css("#code")).await.unwrap();
        phone.type_into(field, &code).await;
        phone.click("form[method=post] button[type=submit]").await;
        assert_eq!(phone.count("article.entry").await, 1, "the result shows the published answer");
        scan.page(&phone, &name("track-result")).await;

        // Sign up: a mistake, then an address; then the emailed pages.
        phone.client.goto(&format!("{base}/subscribe?{q}")).await.unwrap();
        phone.click("form[method=post] button[type=submit]").await;
        scan.page(&phone, &name("subscribe-error")).await;
        let email = format!("reader-{lang}@example.org");
        let field = phone.client.find(Locator::Css("#email")).await.unwrap();
        phone.type_into(field, &email).await;
        phone.click("form[method=post] button[type=submit]").await;
        scan.page(&phone, &name("check-your-email")).await;
        let body = confirmation_text(&site.app, &email);
        for (page, prefix) in [("confirm", "/subscribe/confirm/"), ("unsubscribe", "/unsubscribe/")] {
            let start = body.find(prefix).unwrap_or_else(|| panic!("a {prefix} link in {body}"));
            let path: String = body[start..].chars().take_while(|c| !c.is_whitespace()).collect();
            phone.client.goto(&format!("{base}{path}")).await.unwrap();
            scan.page(&phone, &name(page)).await;
            phone.click("form[method=post] button[type=submit]").await;
            scan.page(&phone, &name(&format!("{page}-done"))).await;
        }
    }
    phone.close().await;
    eprintln!("scanned {} pages: {}", scan.pages.len(), scan.pages.join(", "));
    assert!(scan.failures.is_empty(), "{} problems:\n{}", scan.failures.len(), scan.failures.join("\n"));
}

/// The text of the confirmation email queued for `email`.
fn confirmation_text(app: &TestApp, email: &str) -> String {
    use diesel::prelude::*;
    use listening_loop::db::schema::outbox;
    outbox::table
        .filter(outbox::to_address.eq(email))
        .select(outbox::text_body)
        .first(&mut app.db.get().unwrap())
        .expect("a confirmation email in the outbox")
}

// ---------------------------------------------------------------------------
// Journeys

/// The 8–11 survey end to end: back keeps an answer, "I'd rather not say",
/// a section skipped after its content note, sent, and the receipt read.
/// Returns the receipt code.
async fn walk_the_8_to_11_survey(site: &Site, phone: &Phone) -> String {
    let app = &site.app;
    phone.client.goto(&format!("{}/s/young-people?age=8-11", app.address)).await.unwrap();
    assert!(
        !phone.is_checked("input[name=age][value='8-11']").await,
        "nothing is chosen for them, not even from the link"
    );
    start_as(phone, "8-11").await;

    // First question: answer it, go on, come back, and find the answer kept.
    let first = phone.text("h1").await;
    let radios = phone.inputs("input[type=radio]").await;
    let (id, value) = radios.iter().find(|(_, v)| v != "rather-not-say").cloned().expect("a choice");
    phone.click(&format!("label[for='{id}']")).await;
    phone.click("button[name=nav][value=next]").await;
    let second = phone.text("h1").await;
    assert_ne!(second, first);
    phone.click("button[name=nav][value=back]").await;
    assert_eq!(phone.text("h1").await, first, "Back shows the first question again");
    assert!(phone.is_checked(&format!("input[type=radio][value='{value}']")).await, "Back keeps the answer");
    phone.click("button[name=nav][value=next]").await;

    // The second question: "I'd rather not say".
    assert_eq!(phone.text("h1").await, second);
    phone.click("label.rather-not-say").await;
    assert!(phone.is_checked("input[value=rather-not-say]").await);
    // Read aloud is there only with JavaScript, and only where the browser can speak.
    let speech: bool = phone.run("return 'speechSynthesis' in window && 'SpeechSynthesisUtterance' in window").await;
    eprintln!("this chromium {} speech synthesis", if speech { "has" } else { "has no" });
    let listen = phone.count("button.listen").await;
    assert_eq!(listen, usize::from(phone.javascript && speech), "one Listen button exactly when the browser can speak");
    if phone.javascript && speech {
        // What it would say, caught on its way to the speaker.
        let catch = "speechSynthesis.speak = u => { window.spoken = { text: u.text, lang: u.lang }; }; return null";
        phone.run::<Value>(catch).await;
        phone.click("button.listen").await;
        let spoken: Value = phone.run("return window.spoken || null").await;
        assert_eq!(spoken["lang"], "en", "read in the page's language: {spoken}");
        let words = spoken["text"].as_str().unwrap_or_default();
        assert!(
            words.starts_with(&second) && words.ends_with("I'd rather not say"),
            "the question and its choices: {words:?}"
        );
    }
    phone.click("button[name=nav][value=next]").await;

    let mut skipped = false;
    for _ in 0..60 {
        if phone.count("button[name=nav][value=submit]").await > 0 {
            break;
        }
        if phone.count("button[name=nav][value=skip-section]").await > 0 {
            assert!(!phone.text(".content-note").await.is_empty(), "a content note comes first");
            phone.click("button[name=nav][value=skip-section]").await;
            skipped = true;
            continue;
        }
        answer_the_page(phone, "More places to play").await;
        phone.click("button[name=nav][value=next]").await;
    }
    assert!(skipped, "the walk met a content note");
    assert_eq!(phone.text("h1").await, "Check your answers");
    let check = phone.text("main").await;
    assert!(check.contains("You skipped this part"), "{check}");
    assert!(check.contains("I'd rather not say"), "{check}");
    assert!(check.contains("More places to play"), "{check}");
    phone.click("button[name=nav][value=submit]").await;

    assert_eq!(phone.text("h1").await, "Thank you");
    let code = phone.text(".receipt .code").await;
    let parts: Vec<&str> = code.split('-').collect();
    assert!(
        parts.len() == 4
            && parts[..3].iter().all(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_uppercase()))
            && parts[3].chars().all(|c| c.is_ascii_digit()),
        "a receipt code like MAPLE-OTTER-RIVER-73: {code:?}"
    );
    assert_eq!(app.count("responses"), 1, "the answers were stored once");
    code
}

/// On a landing page: chooses the age group (the link never chooses it for
/// them), then "Start".
async fn start_as(phone: &Phone, age: &str) {
    phone.click(&format!("input[name=age][value='{age}']")).await;
    phone.click("form.start button[type=submit]").await;
}

/// Chooses the last real option of every question on the page (the
/// happiest face or the top of a scale, which offers no help), and writes
/// `words` in every box.
async fn answer_the_page(phone: &Phone, words: &str) {
    let mut last: Vec<(String, String)> = Vec::new();
    for (id, value) in phone.inputs("input[type=radio], input[type=checkbox]").await {
        let name = id.rsplit_once('.').map(|(n, _)| n.to_owned()).unwrap_or_default();
        if value != "rather-not-say" {
            match last.iter_mut().find(|(n, _)| *n == name) {
                Some(entry) => entry.1 = id,
                None => last.push((name, id)),
            }
        }
    }
    for (_, id) in last {
        phone.click(&format!("label[for='{id}']")).await;
    }
    for area in phone.client.find_all(Locator::Css("textarea")).await.unwrap() {
        phone.type_into(area, words).await;
    }
}

/// Walks a survey to "Check your answers", scanning the first page of each
/// kind met on the way; on the first free-text page, also sends a too-long
/// answer and scans the page with the error summary.
async fn walk_and_scan(
    phone: &Phone,
    scan: &mut Scan,
    registry: &Registry,
    (age, lang): (AgeGroup, &str),
    seen: &mut Vec<String>,
    words: &str,
) {
    let prefix = if lang == "en" { String::new() } else { format!("{lang}-") };
    for _ in 0..60 {
        if phone.count("button[name=nav][value=submit]").await > 0 {
            return;
        }
        if phone.count("button[name=nav][value=skip-section]").await > 0 {
            if !seen.iter().any(|s| s == "content-note") {
                scan.page(phone, &format!("{prefix}content-note")).await;
                seen.push("content-note".to_owned());
            }
            phone.click("button[name=nav][value=continue]").await;
            continue;
        }
        let h1 = phone.text("h1").await;
        let kind = registry
            .surveys()
            .iter()
            .flat_map(|s| s.questions())
            .find(|q| q.asked_of(age) && q.text.in_lang(lang, age) == Some(h1.as_str()))
            .map(|q| kind_name(&q.kind))
            .unwrap_or_else(|| panic!("no question reads {h1:?}"));
        if !seen.iter().any(|s| s == kind) {
            scan.page(phone, &format!("{prefix}question-{kind}")).await;
            seen.push(kind.to_owned());
        }
        if kind == "text" && !seen.iter().any(|s| s == "error-summary") {
            // The browser stops typing at maxlength; a pasted or old answer
            // can still be longer, so set it directly.
            phone.run::<Value>("document.querySelector('textarea').value = 'a'.repeat(2001); return null").await;
            phone.click("button[name=nav][value=next]").await;
            assert_eq!(phone.count(".error-summary").await, 1, "a too-long answer shows the error summary");
            scan.page(phone, &format!("{prefix}error-summary")).await;
            seen.push("error-summary".to_owned());
            phone.run::<Value>("document.querySelector('textarea').value = ''; return null").await;
        }
        answer_the_page(phone, words).await;
        phone.click("button[name=nav][value=next]").await;
    }
    panic!("never reached Check your answers");
}

fn kind_name(kind: &QuestionKind) -> &'static str {
    match kind {
        QuestionKind::Faces { .. } => "faces",
        QuestionKind::Scale { .. } => "scale",
        QuestionKind::Single { .. } => "single",
        QuestionKind::Multiple { .. } => "multiple",
        QuestionKind::Text => "text",
        QuestionKind::ThreeHouses { .. } => "three_houses",
    }
}

// ---------------------------------------------------------------------------
// What is checked on every page

struct Scan {
    axe: String,
    shots: PathBuf,
    failures: Vec<String>,
    pages: Vec<String>,
}

impl Scan {
    /// axe-core's WCAG 2.2 A and AA violations on the page as it is now.
    async fn axe(&self, phone: &Phone) -> Vec<Value> {
        let loaded: bool = phone.run(&format!("{}\n;return !!window.axe;", self.axe)).await;
        assert!(loaded, "axe-core loaded");
        let result = phone.client.execute_async(AXE_RUN, vec![json!(WCAG_TAGS)]).await.expect("axe-core runs");
        assert_eq!(result["ok"], true, "axe-core ran: {result}");
        result["violations"].as_array().unwrap().clone()
    }

    async fn page(&mut self, phone: &Phone, name: &str) {
        let index = self.pages.len() + 1;
        self.pages.push(name.to_owned());
        // axe-core, WCAG 2.2 A and AA.
        let violations = self.axe(phone).await;
        let mut fail = |what: String| self.failures.push(format!("[{name}] {what}"));
        for v in violations {
            fail(format!(
                "axe {} ({}): {}\n      {}",
                v["id"].as_str().unwrap_or_default(),
                v["impact"].as_str().unwrap_or_default(),
                v["help"].as_str().unwrap_or_default(),
                v["nodes"].as_array().unwrap().iter().filter_map(Value::as_str).collect::<Vec<_>>().join("\n      ")
            ));
        }

        // One h1, labels, error summary links, tap targets.
        let problems: Vec<String> = phone.run(PAGE_PROBLEMS).await;
        for p in problems {
            fail(p);
        }

        // No sideways scrolling at 320px wide, nor at 200% zoom on a 360px
        // phone (a 180px-wide page drawn at twice the size).
        for (width, height, scale) in [(320, 640, 2.0), (180, 320, 4.0)] {
            phone.metrics(width, height, scale).await;
            let wide: Value = phone.run(TOO_WIDE).await;
            if wide["scroll"].as_f64() > wide["client"].as_f64() {
                fail(format!("scrolls sideways at {width}px wide (scale {scale}): {wide}"));
            }
        }
        phone.metrics(360, 640, 2.0).await;

        // Tab forwards and back: nothing focused is hidden under the
        // sticky "Leave this page" bar.
        for backwards in [false, true] {
            for hidden in phone.tab_through(backwards).await {
                fail(format!(
                    "focus hidden under the Leave bar{}: {hidden}",
                    if backwards { " (Shift+Tab)" } else { "" }
                ));
            }
        }

        phone
            .run::<Value>("window.scrollTo(0, 0); document.activeElement && document.activeElement.blur(); return null")
            .await;
        let png = phone.screenshot().await;
        std::fs::write(self.shots.join(format!("{index:02}-{name}.png")), png).expect("write a screenshot");
    }
}

const AXE_RUN: &str = r#"
const done = arguments[arguments.length - 1];
axe.run(document, { runOnly: { type: 'tag', values: arguments[0] }, resultTypes: ['violations'] })
  .then(r => done({ ok: true, violations: r.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => n.target.join(' ') + ' — ' + (n.failureSummary || '').replace(/\s+/g, ' ')),
  })) }))
  .catch(e => done({ ok: false, error: String(e) }));
"#;

const PAGE_PROBLEMS: &str = r#"
const problems = [];
const describe = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
  (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : '') +
  ' "' + (el.innerText || el.value || '').trim().replace(/\s+/g, ' ').slice(0, 50) + '"';
const h1s = document.querySelectorAll('h1');
if (h1s.length !== 1) problems.push(h1s.length + ' h1 elements, not 1');
for (const el of document.querySelectorAll('input:not([type=hidden]), textarea, select')) {
  const named = (el.labels && el.labels.length > 0) || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
  if (!named) problems.push('no label for ' + describe(el));
}
for (const a of document.querySelectorAll('.error-summary a')) {
  const id = decodeURIComponent(a.getAttribute('href').slice(1));
  const field = document.getElementById(id);
  if (!field) problems.push('error summary link ' + a.getAttribute('href') + ' points at nothing');
  else if (!field.matches('input, textarea, select')) problems.push('error summary link ' + a.getAttribute('href') + ' points at ' + describe(field));
}
// Tap targets: links, buttons, and the labels of radios and checkboxes. A
// link inside a sentence is exempt, as WCAG 2.5.8 exempts inline targets.
const shown = el => {
  const r = el.getBoundingClientRect();
  return r.width > 1 && r.height > 1 && r.right > 0 && getComputedStyle(el).visibility !== 'hidden';
};
const inSentence = el => el.tagName === 'A' && getComputedStyle(el).display === 'inline' &&
  el.parentElement.innerText.trim() !== el.innerText.trim();
const targets = [...document.querySelectorAll('a[href], button')]
  .concat([...document.querySelectorAll('input[type=radio], input[type=checkbox]')].map(i => i.closest('label') || (i.labels && i.labels[0]) || i));
for (const el of targets) {
  if (!shown(el) || inSentence(el)) continue;
  const r = el.getBoundingClientRect();
  if (r.width < 43.5 || r.height < 43.5) problems.push('tap target ' + Math.round(r.width) + '×' + Math.round(r.height) + ' px: ' + describe(el));
}
return problems;
"#;

const TOO_WIDE: &str = r#"
const root = document.documentElement;
const wide = [...document.body.querySelectorAll('*')]
  .filter(el => el.getBoundingClientRect().right > root.clientWidth + 0.5)
  .slice(0, 5)
  .map(el => el.outerHTML.slice(0, 80) + ' right=' + Math.round(el.getBoundingClientRect().right));
return { scroll: root.scrollWidth, client: root.clientWidth, wide };
"#;

const FOCUSED: &str = r#"
const el = document.activeElement;
if (!el || el === document.body || el === document.documentElement) return null;
const bar = document.querySelector('.leave');
const r = el.getBoundingClientRect();
const b = bar ? bar.getBoundingClientRect() : { bottom: 0 };
const exempt = (bar && bar.contains(el)) || el.classList.contains('skip-link');
if (window.tabbedTo.has(el)) return { again: true };
window.tabbedTo.add(el);
const what = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + ' "' + (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().replace(/\s+/g, ' ').slice(0, 40) + '"';
return { what, top: r.top, bar: b.bottom, hidden: !exempt && r.top < b.bottom - 0.5 };
"#;

// ---------------------------------------------------------------------------
// The browser

struct Tools {
    chromium: PathBuf,
    chromedriver: PathBuf,
}

impl Tools {
    /// Chromium and chromedriver, or `None` after a notice (a failure under `CI=true`).
    fn find() -> Option<Tools> {
        // Debian's /usr/bin/chromium is a wrapper script; the browser itself
        // is beside chromedriver's default.
        let chromium = ["/usr/lib/chromium/chromium"]
            .iter()
            .map(PathBuf::from)
            .find(|p| p.is_file())
            .or_else(|| on_path("chromium"))
            .or_else(|| on_path("chromium-browser"));
        let chromedriver = on_path("chromedriver");
        match (chromium, chromedriver) {
            (Some(chromium), Some(chromedriver)) => Some(Tools { chromium, chromedriver }),
            _ if in_ci() => {
                panic!("CI=true but chromium or chromedriver is missing: apt-get install chromium chromium-driver")
            }
            _ => {
                eprintln!(
                    "notice: chromium or chromedriver is not installed, so the browser tests were skipped \
                     (apt-get install chromium chromium-driver)"
                );
                None
            }
        }
    }
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path).chain([PathBuf::from("/usr/bin")]).map(|d| d.join(name)).find(|p| p.is_file())
}

/// axe-core's script, installed by `npm ci` in tests/browser.
fn axe_source() -> Option<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/node_modules/axe-core/axe.min.js");
    match std::fs::read_to_string(&path) {
        Ok(source) => Some(source),
        Err(_) if in_ci() => panic!("CI=true but {} is missing: run `npm ci` in tests/browser", path.display()),
        Err(_) => {
            eprintln!(
                "notice: axe-core is not installed, so the accessibility scan was skipped (run `npm ci` in tests/browser)"
            );
            None
        }
    }
}

/// `<target dir>/screenshots/`, emptied.
fn screenshots_dir() -> PathBuf {
    // CARGO_TARGET_TMPDIR is `<target dir>/tmp`, wherever the target dir is.
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).parent().expect("the target dir").join("screenshots");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a screenshots folder");
    dir
}

struct Chromedriver {
    child: Child,
    url: String,
}

impl Chromedriver {
    fn start(tools: &Tools) -> Chromedriver {
        let port = free_port();
        let mut command = Command::new(&tools.chromedriver);
        command.arg(format!("--port={port}"));
        // To see what the browser was told: CHROMEDRIVER_LOG=/tmp/chromedriver.log
        if let Some(log) = std::env::var_os("CHROMEDRIVER_LOG") {
            command.arg("--verbose").arg(format!("--log-path={}", PathBuf::from(log).display()));
        }
        let child = command.stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("chromedriver starts");
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(started.elapsed() < Duration::from_secs(20), "chromedriver never listened");
            std::thread::sleep(Duration::from_millis(50));
        }
        Chromedriver { child, url: format!("http://127.0.0.1:{port}") }
    }
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port()
}

/// How a phone's browser is set up.
#[derive(Clone, Copy)]
struct How {
    javascript: bool,
    /// WebDriver's page load strategy: "normal" waits for each page, "none" doesn't.
    page_load: &'static str,
}

const JAVASCRIPT: How = How { javascript: true, page_load: "normal" };
const NO_JAVASCRIPT: How = How { javascript: false, page_load: "normal" };

/// A phone-sized browser session, with its throwaway profile.
struct Phone {
    client: Client,
    javascript: bool,
    _profile: tempfile::TempDir,
}

impl Phone {
    async fn open(driver: &Chromedriver, tools: &Tools, how: How) -> Phone {
        let profile = tempfile::tempdir().expect("a browser profile folder");
        let mut args: Vec<String> = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--mute-audio",
            "--hide-scrollbars",
            "--lang=en-GB",
        ]
        .map(str::to_owned)
        .into();
        args.push(format!("--user-data-dir={}", profile.path().display()));
        let mut chrome = json!({
            "binary": tools.chromium,
            "args": args,
            "mobileEmulation": {
                "deviceMetrics": { "width": 360, "height": 640, "pixelRatio": 2.0, "touch": true, "mobile": true },
            },
        });
        if !how.javascript {
            chrome["prefs"] = json!({ "profile.managed_default_content_settings.javascript": 2 });
        }
        let capabilities = json!({
            "browserName": "chrome",
            "pageLoadStrategy": how.page_load,
            "goog:loggingPrefs": { "browser": "ALL" },
            "goog:chromeOptions": chrome,
        });
        let capabilities = capabilities.as_object().unwrap().clone();
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&driver.url)
            .await
            .expect("a chromium session");
        let phone = Phone { client, javascript: how.javascript, _profile: profile };
        if how.javascript {
            // A phone with an English voice and no other, whatever this
            // machine has installed: Listen shows on English pages only.
            phone.cdp("Page.addScriptToEvaluateOnNewDocument", json!({ "source": ENGLISH_VOICE_ONLY })).await;
        }
        phone
    }

    async fn close(self) {
        let _ = self.client.close().await;
    }

    async fn run<T: serde::de::DeserializeOwned>(&self, script: &str) -> T {
        let value = self.client.execute(script, vec![]).await.unwrap_or_else(|e| panic!("script failed: {e}"));
        serde_json::from_value(value).expect("the script's answer")
    }

    async fn wait_until(&self, script: &str) {
        let started = Instant::now();
        while !self.client.execute(script, vec![]).await.ok().and_then(|v| v.as_bool()).unwrap_or(false) {
            assert!(started.elapsed() < Duration::from_secs(15), "waited too long for: {script}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Taps an element, and waits for the next page if it was a link or a
    /// submit button. With JavaScript off, chromedriver's own click waits for
    /// a page timer that never fires, so that phone taps with touch actions.
    async fn click(&self, css: &str) {
        let element = self.client.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("no {css} on the page: {e}"));
        // Neither kind of tap waits for the next page, so mark this one first.
        let arg = serde_json::to_value(&element).unwrap();
        let script = "arguments[0].scrollIntoView({block: 'center'}); window.oldPage = true; \
                      return arguments[0].matches('a[href], button[type=submit], button:not([type])');";
        let navigates = self.client.execute(script, vec![arg]).await.unwrap() == json!(true);
        if self.javascript {
            element.click().await.unwrap_or_else(|e| panic!("clicking {css}: {e}"));
        } else {
            let tap = TouchActions::new("finger".to_owned())
                .then(PointerAction::MoveToElement { element, duration: None, x: 0.0, y: 0.0 })
                .then(PointerAction::Down { button: 0 })
                .then(PointerAction::Up { button: 0 });
            self.client.perform_actions(tap).await.unwrap_or_else(|e| panic!("tapping {css}: {e}"));
        }
        if navigates {
            self.wait_until("return !window.oldPage && document.readyState === 'complete'").await;
        }
    }

    /// Types into a text box, as a keyboard would.
    async fn type_into(&self, element: fantoccini::elements::Element, words: &str) {
        if self.javascript {
            element.send_keys(words).await.unwrap();
            return;
        }
        let arg = serde_json::to_value(&element).unwrap();
        self.client.execute("arguments[0].focus()", vec![arg]).await.unwrap();
        let mut keys = KeyActions::new("keyboard".to_owned());
        for c in words.chars() {
            keys = keys.then(KeyAction::Down { value: c }).then(KeyAction::Up { value: c });
        }
        self.client.perform_actions(keys).await.unwrap();
    }

    async fn text(&self, css: &str) -> String {
        let element = self.client.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("no {css} on the page: {e}"));
        element.text().await.unwrap().trim().to_owned()
    }

    async fn count(&self, css: &str) -> usize {
        self.client.find_all(Locator::Css(css)).await.unwrap().len()
    }

    async fn is_checked(&self, css: &str) -> bool {
        let element = self.client.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("no {css} on the page: {e}"));
        element.prop("checked").await.unwrap().is_some_and(|v| v == "true")
    }

    /// (id, value) of each input matching `css`.
    async fn inputs(&self, css: &str) -> Vec<(String, String)> {
        let mut all = Vec::new();
        for input in self.client.find_all(Locator::Css(css)).await.unwrap() {
            all.push((
                input.attr("id").await.unwrap().unwrap_or_default(),
                input.attr("value").await.unwrap().unwrap_or_default(),
            ));
        }
        all
    }

    /// Sets the page's size in CSS pixels, and how many device pixels each is.
    async fn metrics(&self, width: u32, height: u32, scale: f64) {
        self.cdp(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": width, "height": height, "deviceScaleFactor": scale, "mobile": true }),
        )
        .await;
    }

    async fn cdp(&self, cmd: &'static str, params: Value) -> Value {
        let body = json!({ "cmd": cmd, "params": params });
        self.client
            .issue_cmd(ChromeCommand { path: "goog/cdp/execute", body })
            .await
            .unwrap_or_else(|e| panic!("{cmd}: {e}"))
    }

    /// What pages have written to the console since the last call.
    async fn console(&self) -> Vec<String> {
        let body = json!({ "type": "browser" });
        let log = self.client.issue_cmd(ChromeCommand { path: "se/log", body }).await.expect("the browser's console");
        log.as_array().into_iter().flatten().filter_map(|m| m["message"].as_str().map(str::to_owned)).collect()
    }

    /// The whole page as a PNG, at phone size.
    async fn screenshot(&self) -> Vec<u8> {
        use base64::Engine;
        let shot = self.cdp("Page.captureScreenshot", json!({ "format": "png", "captureBeyondViewport": true })).await;
        base64::engine::general_purpose::STANDARD.decode(shot["data"].as_str().expect("PNG data")).expect("base64 PNG")
    }

    /// Presses Tab (or Shift+Tab) until focus comes round again; returns
    /// each focused element that ended up under the Leave bar.
    async fn tab_through(&self, backwards: bool) -> Vec<String> {
        let start = if backwards { "document.body.scrollHeight" } else { "0" };
        let reset = format!(
            "window.scrollTo(0, {start}); document.activeElement && document.activeElement.blur(); \
             window.tabbedTo = new Set(); return null"
        );
        self.run::<Value>(&reset).await;
        let tab: char = Key::Tab.into();
        let shift: char = Key::Shift.into();
        let mut hidden = Vec::new();
        let mut stops = 0;
        for _ in 0..100 {
            let mut keys = KeyActions::new("keyboard".to_owned());
            if backwards {
                keys = keys.then(KeyAction::Down { value: shift });
            }
            keys = keys.then(KeyAction::Down { value: tab }).then(KeyAction::Up { value: tab });
            if backwards {
                keys = keys.then(KeyAction::Up { value: shift });
            }
            self.client.perform_actions(keys).await.unwrap();
            let focused: Value = self.run(FOCUSED).await;
            if focused.is_null() {
                continue;
            }
            if focused["again"] == true {
                break;
            }
            stops += 1;
            if focused["hidden"] == true {
                hidden.push(format!(
                    "{} top={:.0} bar bottom={:.0}",
                    focused["what"],
                    focused["top"].as_f64().unwrap_or_default(),
                    focused["bar"].as_f64().unwrap_or_default()
                ));
            }
        }
        assert!(stops >= 4, "tabbing reached only {stops} controls");
        hidden
    }
}

/// A command chromedriver has beyond the WebDriver standard.
#[derive(Debug)]
struct ChromeCommand {
    /// After `session/{id}/`.
    path: &'static str,
    body: Value,
}

impl WebDriverCompatibleCommand for ChromeCommand {
    fn endpoint(&self, base_url: &url::Url, session_id: Option<&str>) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!("session/{}/{}", session_id.unwrap_or_default(), self.path))
    }

    fn method_and_body(&self, _url: &url::Url) -> (reqwest::Method, Option<String>) {
        (reqwest::Method::POST, Some(self.body.to_string()))
    }
}

// ---------------------------------------------------------------------------
// The site under test, and the page "Leave this page" goes to

struct Site {
    app: TestApp,
    exit_url: String,
    exit_visits: Arc<AtomicUsize>,
    _surveys: tempfile::TempDir,
}

impl Site {
    /// The app on SQLite, with the shipped surveys but "Leave this page"
    /// pointing at a slow local page.
    async fn start() -> Site {
        let exit = TcpListener::bind("127.0.0.1:0").expect("a port for the exit page");
        let exit_url = format!("http://127.0.0.1:{}/weather", exit.local_addr().unwrap().port());
        let exit_visits = Arc::new(AtomicUsize::new(0));
        let visits = exit_visits.clone();
        std::thread::spawn(move || {
            for stream in exit.incoming().flatten() {
                let visits = visits.clone();
                std::thread::spawn(move || serve_exit_page(stream, &visits));
            }
        });

        let surveys = tempfile::tempdir().expect("a surveys folder");
        for entry in std::fs::read_dir(support::shipped_surveys()).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                // lang/: the catalogue, as shipped.
                let to = surveys.path().join(path.file_name().unwrap());
                std::fs::create_dir_all(&to).unwrap();
                for file in std::fs::read_dir(&path).unwrap() {
                    let file = file.unwrap().path();
                    std::fs::copy(&file, to.join(file.file_name().unwrap())).unwrap();
                }
                continue;
            }
            let mut text = std::fs::read_to_string(&path).unwrap();
            if path.file_name().is_some_and(|n| n == "partnership.toml") {
                let line = text.lines().find(|l| l.starts_with("exit_url")).expect("an exit_url line").to_owned();
                text = text.replace(&line, &format!("exit_url = \"{exit_url}\""));
            }
            std::fs::write(surveys.path().join(path.file_name().unwrap()), text).unwrap();
        }
        let app = support::spawn_app_with(TestDb::Sqlite, surveys.path().to_path_buf()).await;
        Site { app, exit_url, exit_visits, _surveys: surveys }
    }

    fn exit_visits(&self) -> usize {
        self.exit_visits.load(Ordering::SeqCst)
    }
}

fn serve_exit_page(mut stream: TcpStream, visits: &AtomicUsize) {
    let mut request = Vec::new();
    let mut buf = [0u8; 1024];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => request.extend_from_slice(&buf[..n]),
        }
    }
    let response = if request.starts_with(b"GET /weather ") {
        visits.fetch_add(1, Ordering::SeqCst);
        std::thread::sleep(EXIT_SITE_DELAY);
        let body = "<!doctype html><html lang=\"en\"><title>Weather</title><h1>Weather</h1></html>";
        format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
    } else {
        "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_owned()
    };
    let _ = stream.write_all(response.as_bytes());
}
