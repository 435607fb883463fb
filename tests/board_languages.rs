//! The public "You said, We did" pages in every language, over HTTP on each
//! database: the Urdu board is right to left and in Urdu, with what staff
//! wrote marked as English; `/track` in Polish walks a code to its result
//! (and to its errors) in Polish; the sign-up pages speak the reader's
//! language, and so do the emails of someone who signed up in Urdu (through
//! a real SMTP listener). No page here shows a missing translation.

mod support;

use mail_parser::{HeaderValue, MessageParser};
use support::publish::{AGENCY, WE_DID, publish_about_food};
use support::smtp::{Received, SmtpListener};
use support::{Page, TestApp, is_urdu, lang_and_dir, spawn_app_configured};

const BASE: &str = "http://127.0.0.1";

fn attrs(page: &Page, css: &str, attr: &str) -> Vec<String> {
    let selector = scraper::Selector::parse(css).unwrap();
    page.html().select(&selector).filter_map(|e| e.value().attr(attr).map(str::to_owned)).collect()
}

/// Nothing on the page is English standing in for a translation.
fn fully_translated(page: &Page, what: &str) {
    assert!(!page.body.contains("data-missing-translation"), "{what}: a translation is missing:\n{}", page.body);
    assert!(!page.body.contains("⟦en⟧"), "{what}: a translation is missing");
}

/// The text of the elements marked `lang="en"` on a page.
fn marked_english(page: &Page) -> String {
    page.select_text("main [lang=en]:not([hreflang])").join(" | ")
}

#[tokio::test]
async fn the_board_in_urdu_is_right_to_left_with_staff_words_marked_english() {
    support::on_each_database(|app| async move {
        publish_about_food(&app).await;
        let board = app.get("/you-said-we-did?lang=ur").await;
        assert_eq!(board.status, 200);
        assert_eq!(lang_and_dir(&board), ("ur".into(), "rtl".into()));
        assert!(is_urdu(&board.h1()), "{}", board.h1());
        fully_translated(&board, "the Urdu board");
        for urdu in ["آپ نے کہا", "ہم نے کیا", "ہم کریں گے", "یہ کون کر رہا ہے", "31 مارچ 2027", "تفصیلی بات پڑھیں"]
        {
            assert!(board.body.contains(urdu), "the board says {urdu}");
        }
        // What staff wrote stays as written, and is marked as English.
        let english = marked_english(&board);
        for written in [WE_DID, AGENCY, "Food and drink"] {
            assert!(english.contains(written), "{written} is marked lang=en: {english}");
        }
        assert!(board.body.contains("board.css"));
        // The picker, and every link and form on the board, keep the language.
        let links = attrs(&board, "a[href]", "href");
        assert!(links.contains(&"/you-said-we-did?lang=pl".to_owned()), "{links:?}");
        assert!(links.contains(&"/you-said-we-did?view=detailed&lang=ur".to_owned()), "{links:?}");
        assert!(links.contains(&"/track?lang=ur".to_owned()) && links.contains(&"/subscribe?lang=ur".to_owned()));
        assert_eq!(attrs(&board, "form.board-filter input[name=lang]", "value"), ["ur"]);
        assert!(board.headers.get("set-cookie").is_none(), "the choice is not kept in a cookie");

        // Filtered and detailed, in Polish: the picker keeps the filter.
        let food = app.get("/you-said-we-did?theme=food-and-drink&view=detailed&lang=pl").await;
        assert_eq!(lang_and_dir(&food), ("pl".into(), "ltr".into()));
        assert!(food.body.contains("Powiedzieliście") && food.body.contains("31 marca 2027"));
        assert!(food.body.contains("<details class=\"entry-detail\" open"));
        let links = attrs(&food, "nav.languages a", "href");
        assert!(links.contains(&"/you-said-we-did?theme=food-and-drink&view=detailed&lang=ur".to_owned()), "{links:?}");
        fully_translated(&food, "the Polish board");
        let empty = app.get("/you-said-we-did?theme=school-and-learning&lang=ur").await;
        assert!(empty.body.contains("ابھی تک") && !empty.body.contains("breakfast"), "nothing about school yet");
        fully_translated(&empty, "the empty Urdu board");

        // English stays English, with nothing marked.
        let english = app.get("/you-said-we-did").await;
        assert_eq!(lang_and_dir(&english), ("en".into(), "ltr".into()));
        assert!(english.body.contains("31 March 2027") && english.body.contains("You said"));
        assert_eq!(marked_english(&english), "", "an English page marks nothing");
    })
    .await;
}

#[tokio::test]
async fn track_in_polish_walks_a_code_to_its_result_in_polish() {
    support::on_each_database(|app| async move {
        let code = publish_about_food(&app).await;
        let form = app.get("/track?lang=pl").await;
        assert_eq!(lang_and_dir(&form), ("pl".into(), "ltr".into()));
        assert_eq!(form.h1(), "Zobacz, co się stało z twoimi odpowiedziami");
        assert_eq!(attrs(&form, "form[method=post]", "action"), ["/track?lang=pl"]);
        assert_eq!(attrs(&form, "form[method=post] input[name=lang]", "value"), ["pl"]);
        assert!(attrs(&form, "nav.languages a", "href").contains(&"/track?lang=ur".to_owned()));
        fully_translated(&form, "the Polish track form");

        let result = app.post("/track?lang=pl", &[("code", &code), ("lang", "pl")]).await;
        assert_eq!(result.status, 200);
        assert_eq!(lang_and_dir(&result), ("pl".into(), "ltr".into()));
        assert_eq!(result.h1(), "Co się stało z twoimi odpowiedziami");
        for polish in ["Twoje odpowiedzi trafiły", "Zrobimy to", "31 marca 2027", "Kto się tym zajmuje"] {
            assert!(result.body.contains(polish), "the result says {polish}");
        }
        assert!(marked_english(&result).contains(WE_DID), "the We did is as written, marked English");
        assert!(!result.body.contains("hungry"), "never the answers");
        fully_translated(&result, "the Polish result");
        // The hidden field alone is enough.
        let by_field = app.post("/track", &[("code", &code), ("lang", "pl")]).await;
        assert_eq!(by_field.h1(), "Co się stało z twoimi odpowiedziami");

        let mistyped = app.post("/track?lang=pl", &[("code", "hello"), ("lang", "pl")]).await;
        assert_eq!(mistyped.status, 400);
        assert!(mistyped.body.contains("To nie wygląda na kod potwierdzenia"), "{}", mistyped.body);
        assert!(mistyped.body.contains("Jest problem") && mistyped.body.contains("href=\"#code\""));
        fully_translated(&mistyped, "the Polish error");
        let unknown = app.post("/track?lang=pl", &[("code", "APPLE-ACORN-ATTIC-10"), ("lang", "pl")]).await;
        assert_eq!(unknown.status, 404);
        assert_eq!(unknown.h1(), "Nie możemy znaleźć tego kodu");
        assert!(attrs(&unknown, "a[href]", "href").contains(&"/track?lang=pl".to_owned()));
        fully_translated(&unknown, "the Polish unknown code");
        let urdu = app.post("/track?lang=ur", &[("code", "APPLE-ACORN-ATTIC-10"), ("lang", "ur")]).await;
        assert_eq!(lang_and_dir(&urdu), ("ur".into(), "rtl".into()));
        assert!(is_urdu(&urdu.h1()));
        fully_translated(&urdu, "the Urdu unknown code");

        // Too many tries: the wait page speaks Polish too.
        let mut last = unknown;
        for _ in 0..20 {
            last = app.post("/track?lang=pl", &[("code", "APPLE-ACORN-ATTIC-10"), ("lang", "pl")]).await;
            if last.status == 429 {
                break;
            }
        }
        assert_eq!(last.status, 429);
        assert_eq!(last.h1(), "Poczekaj kilka minut");
        assert_eq!(lang_and_dir(&last), ("pl".into(), "ltr".into()));
    })
    .await;
}

/// The readable text of a message: every header of every part as
/// `Name: value` with encoded words decoded, and every part's body with its
/// base64 or quoted-printable undone.
fn decoded(message: &Received) -> String {
    let parsed = MessageParser::default().parse(message.data.as_bytes()).expect("a MIME message");
    let raw = parsed.raw_message();
    let mut out = String::new();
    for part in &parsed.parts {
        for header in &part.headers {
            let value = match header.value() {
                HeaderValue::Text(text) => text.to_string(),
                HeaderValue::TextList(texts) => texts.join(", "),
                // Addresses, dates and content types as written: no encoded words in ours.
                _ => String::from_utf8_lossy(&raw[header.offset_start as usize..header.offset_end as usize])
                    .trim()
                    .to_owned(),
            };
            out.push_str(&format!("{}: {value}\n", header.name()));
        }
        if let Some(text) = part.text_contents() {
            out.push_str(text);
            out.push('\n');
        }
    }
    out
}

/// The first link in a decoded message that starts with `prefix`.
fn link_in(text: &str, prefix: &str) -> Option<String> {
    let rest = &text[text.find(prefix)?..];
    let end = rest.find(|c: char| c.is_whitespace() || matches!(c, '"' | '<' | '>')).unwrap_or(rest.len());
    Some(rest[..end].to_owned())
}

fn path_of(link: &str) -> String {
    link.strip_prefix(BASE).expect("a link to the service").to_owned()
}

#[tokio::test]
async fn someone_who_signs_up_in_urdu_gets_urdu_pages_and_urdu_emails() {
    for db in support::databases() {
        let smtp = SmtpListener::start().await;
        let url = smtp.url();
        let app: TestApp = spawn_app_configured(db, move |s| s.smtp_url = Some(url)).await;
        eprintln!("-- on {}", app.backend_name());

        let form = app.get("/subscribe?lang=ur").await;
        assert_eq!(lang_and_dir(&form), ("ur".into(), "rtl".into()));
        assert!(is_urdu(&form.h1()), "{}", form.h1());
        assert_eq!(attrs(&form, "form[method=post]", "action"), ["/subscribe?lang=ur"]);
        fully_translated(&form, "the Urdu sign-up form");
        let bad = app.post("/subscribe?lang=ur", &[("email", "not an address"), ("theme", ""), ("lang", "ur")]).await;
        assert_eq!(bad.status, 400);
        assert!(bad.body.contains("ایک مسئلہ ہے") && bad.body.contains("name@example.org"), "{}", bad.body);
        assert!(bad.body.contains("href=\"#email\""));
        fully_translated(&bad, "the Urdu sign-up error");
        let done =
            app.post("/subscribe?lang=ur", &[("email", "urdu@example.org"), ("theme", ""), ("lang", "ur")]).await;
        assert_eq!(done.status, 200, "{}", done.body);
        assert_eq!(done.h1(), "اپنی ای میل دیکھیں");
        fully_translated(&done, "the Urdu check-your-email page");
        app.post("/subscribe", &[("email", "english@example.org"), ("theme", "")]).await;
        assert_eq!(app.count_where("subscribers", "language = 'ur'"), 1, "the language is kept with the address");
        assert_eq!(app.count_where("subscribers", "language = 'en'"), 1);

        // The confirmation email is in Urdu, and its links open Urdu pages.
        let confirmation = smtp.wait_for("urdu@example.org", 10).await.expect("a confirmation email");
        let text = decoded(&confirmation);
        for urdu in ["ہیلو،", "جب تک آپ ہاں نہ کہیں", "ہاں، مجھے ای میل کریں", "یہ ای میلز بند کریں"]
        {
            assert!(text.contains(urdu), "the confirmation says {urdu}:\n{text}");
        }
        assert!(text.contains("Subject: براہ کرم ہاں کہیں"), "the subject is in Urdu:\n{text}");
        assert!(text.contains("lang=\"ur\"") && text.contains("dir=\"rtl\""), "the HTML part is Urdu, right to left");
        assert!(!text.contains("Someone, hopefully you") && !text.contains("⟦en⟧"));
        let link = link_in(&text, &format!("{BASE}/subscribe/confirm/")).expect("a confirmation link");
        assert!(link.ends_with("?lang=ur"), "{link}");
        let page = app.get(&path_of(&link)).await;
        assert_eq!((page.status, lang_and_dir(&page)), (200, ("ur".into(), "rtl".into())));
        assert_eq!(attrs(&page, "form[method=post]", "action"), [path_of(&link)]);
        fully_translated(&page, "the Urdu confirm page");
        let confirmed = app.post(&path_of(&link), &[]).await;
        assert_eq!(confirmed.h1(), "آپ نے سائن اپ کر لیا ہے");
        fully_translated(&confirmed, "the Urdu signed-up page");
        let english = smtp.wait_for("english@example.org", 10).await.expect("the English confirmation");
        assert!(decoded(&english).contains("Someone, hopefully you"), "English stays English");

        // A "We did" is published: the notice is in Urdu, the We did as written.
        publish_about_food(&app).await;
        let mut notice = None;
        for _ in 0..100 {
            notice = smtp.received().into_iter().filter(|m| m.to.iter().any(|t| t == "urdu@example.org")).nth(1);
            if notice.is_some() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let notice = notice.expect("the Urdu subscriber is told");
        let text = decoded(&notice);
        assert!(text.contains("Subject: کچھ نیا"), "{text}");
        for said in ["ہم نے کیا: ", WE_DID, "Food and drink", "دیکھیں کیا بدلا", "انگریزی"] {
            assert!(text.contains(said), "the notice says {said}:\n{text}");
        }
        let stop = link_in(&text, &format!("{BASE}/unsubscribe/")).expect("a way out");
        assert!(stop.ends_with("?lang=ur"), "{stop}");
        let page = app.get(&path_of(&stop)).await;
        assert_eq!(lang_and_dir(&page), ("ur".into(), "rtl".into()));
        fully_translated(&page, "the Urdu stop page");
        let stopped = app.post(&path_of(&stop), &[]).await;
        assert_eq!(stopped.h1(), "ای میلز بند ہو گئیں");
        assert_eq!(app.count_where("subscribers", "email = 'urdu@example.org'"), 0);

        // A link that no longer works says so in Polish, for a Polish reader.
        let dead = app.get("/subscribe/confirm/0000?lang=pl").await;
        assert_eq!((dead.status, dead.h1().as_str()), (404, "Ten link już nie działa"));
        fully_translated(&dead, "the Polish dead-link page");
    }
}
