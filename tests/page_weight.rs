//! Every respondent page, with its CSS and JavaScript, compressed as the
//! server sends it, fits in the first round trip of a mobile connection
//! (14,000 bytes); and nothing on a page asks another site for anything.

mod support;

use listening_loop::surveys::{AgeGroup, Audience, QuestionKind, Registry};
use support::publish::publish_about_food;
use support::{Page, TestApp, TestDb};

/// Bytes that arrive in the first round trip of a new connection
/// (ten TCP segments), less room for the response headers.
const BUDGET: usize = 14_000;

/// A request that draws one page.
struct Request {
    name: String,
    path: String,
    /// Form-encoded pairs to POST, or `None` for a GET.
    form: Option<Vec<(String, String)>>,
}

#[tokio::test]
async fn every_respondent_page_fits_in_the_first_round_trip_and_asks_no_other_site() {
    let app = support::spawn_app(TestDb::Sqlite).await;
    let registry = Registry::load(&app.surveys_dir).expect("the shipped surveys load");
    // The board and /track weighed with a published answer on them.
    let code = publish_about_food(&app).await;
    let pages = every_respondent_page(&app, &registry, &code).await;

    // The files every page loads, compressed.
    let home = app.get("/").await;
    let mut assets = 0;
    for asset in ["css", "js"] {
        let url = links(&home).into_iter().find(|u| u.starts_with("/static/") && u.contains(&format!(".{asset}?")));
        let url = url.unwrap_or_else(|| panic!("the page links its {asset}"));
        let (status, encoding, bytes) = compressed(&app, &url, None).await;
        assert_eq!(status, 200, "{url}");
        assert!(matches!(encoding.as_str(), "br" | "gzip"), "{url} is sent compressed, not {encoding:?}");
        let plain = app.get(&url).await.body;
        assert!(bytes.len() < plain.len(), "{url}: compression made it smaller");
        for word in ["url(", "@import", "http:", "https:", "//"] {
            if asset == "css" {
                assert!(!plain.contains(word), "{url} loads nothing else ({word})");
            }
        }
        if asset == "js" {
            assert!(!plain.contains("http:") && !plain.contains("https:"), "{url} asks no other site");
        }
        eprintln!("{url:<40} {:>6} bytes compressed ({encoding}), {:>6} plain", bytes.len(), plain.len());
        assets += bytes.len();
    }

    // The public loop pages load their own small stylesheet too.
    let board = app.get("/you-said-we-did").await;
    let url = links(&board).into_iter().find(|u| u.starts_with("/static/board.css?")).expect("the board's stylesheet");
    let (status, encoding, bytes) = compressed(&app, &url, None).await;
    assert!(status == 200 && matches!(encoding.as_str(), "br" | "gzip"), "{url}: {status} {encoding}");
    let board_css = bytes.len();
    eprintln!("{url:<40} {board_css:>6} bytes compressed ({encoding})");

    let mut over = Vec::new();
    eprintln!("{:<24} {:>6} {:>8} {:>8}", "page", "html", "+css+js", "of");
    for request in &pages {
        let (status, encoding, bytes) = compressed(&app, &request.path, request.form.as_deref()).await;
        assert!(status == 200 || status == 400 || status == 404, "{}: {status}", request.name);
        assert!(matches!(encoding.as_str(), "br" | "gzip"), "{} is sent compressed, not {encoding:?}", request.name);
        let is_loop = ["/you-said-we-did", "/track", "/subscribe"].iter().any(|p| request.path.starts_with(p));
        let total = bytes.len() + assets + if is_loop { board_css } else { 0 };
        eprintln!("{:<24} {:>6} {:>8} {:>8}", request.name, bytes.len(), total, BUDGET);
        if total > BUDGET {
            over.push(format!("{}: {total} bytes", request.name));
        }
    }
    assert!(over.is_empty(), "over the {BUDGET}-byte budget: {over:?}");
}

/// Every link, source and form address on every respondent page is this
/// site's own, the exit and safety advice pages, or a phone number.
#[tokio::test]
async fn no_respondent_page_points_at_another_site() {
    let app = support::spawn_app(TestDb::Sqlite).await;
    let registry = Registry::load(&app.surveys_dir).expect("the shipped surveys load");
    let partnership = &registry.partnership;
    let mut allowed: Vec<&str> = vec![&partnership.exit_url, &partnership.safety_advice_url];
    for audience in [None, Some(Audience::ParentCarer), Some(Audience::Practitioner)] {
        allowed.extend(partnership.support_for(audience).iter().map(|c| c.href.as_str()));
    }
    let code = publish_about_food(&app).await;
    for request in every_respondent_page(&app, &registry, &code).await {
        let page = fetch(&app, &request).await;
        for url in links(&page) {
            let own = (url.starts_with('/') && !url.starts_with("//")) || url.starts_with('#') || url.starts_with('?');
            let phone = (url.starts_with("tel:") || url.starts_with("sms:")) && allowed.contains(&url.as_str());
            assert!(own || phone || allowed.contains(&url.as_str()), "{} points at {url:?}", request.name);
        }
        assert!(!page.body.contains(" style="), "{}: no inline style", request.name);
    }
}

/// Every URL in an attribute that can make the browser go or fetch.
/// Each way a client may ask for a file or a page gives back exactly what
/// was asked for: the CSS and JavaScript are compressed once at start, and
/// pages on the worker that draws them, so both are checked byte for byte.
#[tokio::test]
async fn compressed_files_and_pages_decode_to_what_was_asked_for() {
    use std::io::Read;
    let app = support::spawn_app(TestDb::Sqlite).await;
    let home = app.get("/").await;
    let decode = |encoding: &str, bytes: &[u8]| -> String {
        let mut plain = String::new();
        match encoding {
            "br" => brotli::Decompressor::new(bytes, 4096).read_to_string(&mut plain),
            "gzip" => flate2::read::GzDecoder::new(bytes).read_to_string(&mut plain),
            _ => std::str::from_utf8(bytes)
                .map(|s| plain.push_str(s))
                .map(|()| plain.len())
                .map_err(std::io::Error::other),
        }
        .unwrap_or_else(|e| panic!("a whole {encoding} body: {e}"));
        plain
    };
    for url in links(&home).into_iter().filter(|u| u.starts_with("/static/")) {
        let plain = app.get(&url).await.body;
        for (asked, sent) in [("br, gzip", "br"), ("gzip, deflate", "gzip"), ("identity", "identity")] {
            let res = app.client.get(format!("{}{url}", app.address)).header("accept-encoding", asked).send().await;
            let res = res.expect("a response");
            let encoding = res.headers().get("content-encoding").map(|v| v.to_str().unwrap().to_owned());
            assert_eq!(encoding.as_deref().unwrap_or("identity"), sent, "{url} asked for {asked}");
            let vary = res.headers().get("vary").map(|v| v.to_str().unwrap().to_ascii_lowercase());
            assert_eq!(vary.as_deref(), Some("accept-encoding"), "{url}: caches keep each encoding apart");
            let bytes = res.bytes().await.expect("a body");
            assert_eq!(decode(sent, &bytes), plain, "{url} sent as {sent}");
        }
    }
    // A page is drawn afresh each time (its sealed draft differs), so each
    // encoding must decode to a whole page with the same words.
    for asked in ["gzip, deflate, br", "gzip", "identity"] {
        let res = app.client.get(format!("{}/s/young-people", app.address)).header("accept-encoding", asked);
        let res = res.send().await.expect("a response");
        let encoding = res.headers().get("content-encoding").map(|v| v.to_str().unwrap().to_owned());
        let encoding = encoding.unwrap_or_else(|| "identity".into());
        if asked != "identity" {
            assert_eq!(encoding, "gzip", "a page asked for with {asked}");
        }
        let page = decode(&encoding, &res.bytes().await.expect("a body"));
        assert!(page.starts_with("<!DOCTYPE html>") && page.trim_end().ends_with("</html>"), "{asked}: {page}");
    }
}

fn links(page: &Page) -> Vec<String> {
    let html = page.html();
    let selector = scraper::Selector::parse("*").unwrap();
    let mut all = Vec::new();
    for element in html.select(&selector) {
        for (name, value) in element.value().attrs() {
            if ["href", "src", "action", "formaction", "srcset", "poster", "data", "manifest", "ping"].contains(&name) {
                all.push(value.trim().to_owned());
            }
        }
    }
    all
}

async fn fetch(app: &TestApp, request: &Request) -> Page {
    match &request.form {
        None => app.get(&request.path).await,
        Some(form) => {
            let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            app.post(&request.path, &pairs).await
        }
    }
}

/// (status, content-encoding, body bytes as sent) for a browser that
/// accepts brotli and gzip.
async fn compressed(app: &TestApp, path: &str, form: Option<&[(String, String)]>) -> (u16, String, Vec<u8>) {
    let url = format!("{}{}", app.address, path);
    let request = match form {
        None => app.client.get(url),
        Some(form) => {
            let body = support::form_body(form);
            app.client.post(url).header("content-type", "application/x-www-form-urlencoded").body(body)
        }
    };
    // This client has no decompression built in, so it gets the bytes as sent.
    let res = request.header("accept-encoding", "br, gzip").send().await.expect("a response");
    let status = res.status().as_u16();
    let encoding = res.headers().get("content-encoding").and_then(|v| v.to_str().ok()).unwrap_or("identity").to_owned();
    (status, encoding, res.bytes().await.expect("a body").to_vec())
}

/// One request for each kind of page a respondent can see.
async fn every_respondent_page(app: &TestApp, registry: &Registry, code: &str) -> Vec<Request> {
    let get = |name: &str, path: &str| Request { name: name.into(), path: path.into(), form: None };
    let mut pages = vec![
        get("home", "/"),
        get("help", "/help"),
        get("landing", "/s/young-people"),
        get("landing (ur)", "/s/young-people?lang=ur"),
        get("landing (pl)", "/s/young-people?lang=pl"),
        get("stopped", "/s/young-people/stopped"),
        get("not-found", "/no-such-page"),
        Request { name: "landing-error".into(), path: "/s/young-people/start".into(), form: Some(vec![]) },
        // "You said, We did": the public board, tracking and email sign-up.
        get("board", "/you-said-we-did"),
        get("track", "/track"),
        Request {
            name: "track-error".into(),
            path: "/track".into(),
            form: Some(vec![("code".into(), "hello".into())]),
        },
        get("subscribe", "/subscribe"),
        Request { name: "subscribe-error".into(), path: "/subscribe".into(), form: Some(vec![]) },
    ];
    // The same in Urdu and Polish, the board with its published answer and
    // /track walked to that answer's result.
    for lang in ["en", "ur", "pl"] {
        let post = |name: &str, path: &str, pairs: &[(&str, &str)]| Request {
            name: format!("{name} ({lang})"),
            path: format!("{path}?lang={lang}"),
            form: Some(pairs.iter().chain(&[("lang", lang)]).map(|(k, v)| ((*k).into(), (*v).into())).collect()),
        };
        pages.extend([
            get(&format!("board ({lang})"), &format!("/you-said-we-did?lang={lang}")),
            get(&format!("board-detailed ({lang})"), &format!("/you-said-we-did?view=detailed&lang={lang}")),
            get(&format!("track ({lang})"), &format!("/track?lang={lang}")),
            post("track-result", "/track", &[("code", code)]),
            post("track-unknown", "/track", &[("code", "APPLE-ACORN-ATTIC-10")]),
            get(&format!("subscribe ({lang})"), &format!("/subscribe?lang={lang}")),
            post("subscribe-error", "/subscribe", &[("email", "")]),
            post("check-your-email", "/subscribe", &[("email", &format!("weigh-{lang}@example.org"))]),
            get(&format!("dead-link ({lang})"), &format!("/subscribe/confirm/0000?lang={lang}")),
        ]);
        // (English is above; ten code lookups is all one address gets at once.)
        if lang != "en" {
            pages.push(post("track-error", "/track", &[("code", "hello")]));
        }
    }
    // English, and Urdu (two bytes a letter) and Polish, each walked whole.
    for lang in ["en", "ur", "pl"] {
        let mut seen: Vec<String> = Vec::new();
        for (age, words) in [
            (AgeGroup::FiveToSeven, "my stepdad hits me"),
            (AgeGroup::EightToEleven, "More parks, and a youth club that is open on Saturdays"),
            (AgeGroup::TwelveToFifteen, "More parks, and a youth club that is open on Saturdays"),
        ] {
            let start = vec![("age".to_owned(), age.as_str().to_owned()), ("lang".to_owned(), lang.to_owned())];
            let mut request = Request { name: String::new(), path: "/s/young-people/start".into(), form: Some(start) };
            for _ in 0..60 {
                let page = fetch(app, &request).await;
                assert_eq!(page.status, 200, "{}", page.body);
                let buttons = page.buttons();
                let state = page.state();
                let next = |nav: &str, mut answers: Vec<(String, String)>| {
                    answers.insert(0, ("state".to_owned(), state.clone()));
                    answers.push(("nav".to_owned(), nav.to_owned()));
                    Request { name: String::new(), path: "/s/young-people".into(), form: Some(answers) }
                };
                let kind = if buttons.iter().any(|b| b == "submit") {
                    "check-answers".to_owned()
                } else if buttons.iter().any(|b| b == "skip-section") {
                    "content-note".to_owned()
                } else {
                    let h1 = page.h1();
                    registry
                        .surveys()
                        .iter()
                        .flat_map(|s| s.questions())
                        .find(|q| q.asked_of(age) && q.text.in_lang(lang, age) == Some(h1.as_str()))
                        .map(|q| kind_name(&q.kind).to_owned())
                        .unwrap_or_else(|| "section".to_owned())
                };
                let first_of_its_kind =
                    !seen.contains(&kind) || (kind == "check-answers" && age != AgeGroup::FiveToSeven);
                if first_of_its_kind {
                    seen.push(kind.clone());
                    pages.push(Request { name: format!("{kind} ({}, {lang})", age.as_str()), ..request });
                }
                if kind == "check-answers" {
                    let thanks = if age == AgeGroup::FiveToSeven { "thanks-support" } else { "thanks" };
                    if !seen.iter().any(|s| s == thanks) {
                        seen.push(thanks.to_owned());
                        let name = format!("{thanks} ({}, {lang})", age.as_str());
                        pages.push(Request { name, ..next("submit", vec![]) });
                    }
                    break;
                }
                if kind == "content-note" {
                    request = next("continue", vec![]);
                    continue;
                }
                let answers = answer(&page, words);
                if kind == "text" && !seen.iter().any(|s| s == "error") {
                    seen.push("error".to_owned());
                    let long: Vec<(String, String)> =
                        answers.iter().map(|(k, _)| (k.clone(), "a".repeat(2001))).collect();
                    pages.push(Request { name: format!("error-summary ({lang})"), ..next("next", long) });
                }
                request = next("next", answers);
            }
        }
        for kind in ["faces", "scale", "single", "multiple", "text", "three_houses", "content-note", "section", "error"]
        {
            assert!(seen.iter().any(|s| s == kind), "no {kind} page was weighed in {lang}: {seen:?}");
        }
    }
    pages
}

/// The first real option of every question, two boxes ticked, and `words`
/// in every text box.
fn answer(page: &Page, words: &str) -> Vec<(String, String)> {
    let mut form: Vec<(String, String)> = Vec::new();
    let mut ticked: Vec<String> = Vec::new();
    for (kind, name, value, _) in page.inputs() {
        match kind.as_str() {
            "radio" if value != "rather-not-say" && !form.iter().any(|(n, _)| *n == name) => form.push((name, value)),
            "checkbox" if value != "rather-not-say" && ticked.iter().filter(|n| **n == name).count() < 2 => {
                ticked.push(name.clone());
                form.push((name, value));
            }
            "textarea" => form.push((name, words.to_owned())),
            _ => {}
        }
    }
    form
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
