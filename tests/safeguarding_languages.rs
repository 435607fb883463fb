//! Children writing in Urdu or Polish are kept as safe as those writing in
//! English, over HTTP, on each database: the 12–15 survey walked in Urdu and
//! in Polish (typed without diacritics) with words about being hurt shows the
//! gentle help page, flags the response, alerts the safeguarding lead over
//! real SMTP (at once, or in the digest of the alert window), and keeps it
//! out of the Youth Council's queue. Words in a
//! script no safeguarding list can read are held for the lead too, without
//! the help page. An ordinary Urdu answer is not flagged and gets a theme.

mod support;

use diesel::prelude::*;
use listening_loop::db::schema::responses;
use listening_loop::staff::roles::Role;
use listening_loop::surveys::{Key, Registry};
use support::smtp::SmtpListener;
use support::staff::{Staff, make_staff};
use support::{Page, TestApp, spawn_app_configured};

const URDU_HURT: &str = "ابو مجھے مارتا ہے اور میں گھر جانے سے ڈرتی ہوں";
const POLISH_HURT: &str = "tata bije mnie i boje sie wracac do domu";
const BENGALI: &str = "আমি বাড়ি যেতে চাই না";
const URDU_ORDINARY: &str = "ہمیں اسکول میں دوپہر کو زیادہ کھانا چاہیے";

/// What one walk through the survey showed.
struct Walk {
    /// A page during the journey carried the "help now" notice.
    noticed: bool,
    thanks: Page,
}

/// A 12–15 year old who chooses `lang` and writes `text` in every box.
async fn answer_in(app: &TestApp, lang: &str, text: &str, help_now: &str) -> Walk {
    let action = format!("/s/young-people?lang={lang}");
    let mut page = app.post(&format!("/s/young-people/start?lang={lang}"), &[("lang", lang), ("age", "12-15")]).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let mut noticed = false;
    for _ in 0..60 {
        noticed |= page.body.contains(help_now);
        let buttons = page.buttons();
        let mut form = vec![("state".to_owned(), page.state())];
        if buttons.iter().any(|b| b == "submit") {
            form.push(("nav".into(), "submit".into()));
            let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let thanks = app.post(&action, &pairs).await;
            assert_eq!(thanks.status, 200, "{}", thanks.body);
            assert!(thanks.receipt().is_some(), "a receipt code");
            return Walk { noticed, thanks };
        }
        form.push(("nav".into(), if buttons.iter().any(|b| b == "continue") { "continue" } else { "next" }.into()));
        for (kind, name, ..) in page.inputs() {
            if kind == "textarea" {
                form.push((name, text.to_owned()));
            }
        }
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        page = app.post(&action, &pairs).await;
        assert_eq!(page.status, 200, "{}", page.body);
    }
    panic!("never reached the check page");
}

/// Whether each response answered in `lang` is flagged, in no particular order.
fn flagged(app: &TestApp, lang: &str) -> Vec<bool> {
    responses::table
        .filter(responses::language.eq(lang))
        .select(responses::concern)
        .load(&mut app.db.get().unwrap())
        .unwrap()
}

async fn alerts_to(smtp: &SmtpListener, to: &str, n: usize) -> usize {
    for _ in 0..200 {
        let count = smtp.received().iter().filter(|m| m.to.iter().any(|t| t == to)).count();
        if count >= n {
            return count;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    smtp.received().iter().filter(|m| m.to.iter().any(|t| t == to)).count()
}

#[tokio::test]
async fn urdu_and_polish_words_about_being_hurt_reach_the_lead_and_never_young_reviewers() {
    let registry = Registry::load(&support::shipped_surveys()).expect("the shipped surveys load");
    let words = |lang: &str, key: Key| registry.catalogue.words(lang).s(key).into_owned();
    for db in support::databases() {
        let smtp = SmtpListener::start().await;
        let url = smtp.url();
        let app = spawn_app_configured(db, move |s| s.smtp_url = Some(url)).await;
        make_staff(&app, "youth@example.org", &[Role::YouthReviewer]);
        make_staff(&app, "lead@example.org", &[Role::SafeguardingLead]);

        // Urdu, in Urdu script: help shows during the journey and at the end.
        let urdu = answer_in(&app, "ur", URDU_HURT, &words("ur", Key::NoticeHelpNow)).await;
        assert!(urdu.noticed, "{}: the help notice shows in Urdu as soon as the words are sent", app.backend_name());
        assert_eq!(urdu.thanks.h1(), words("ur", Key::ThanksToldTitle), "the gentle help page, in Urdu");
        assert_eq!(flagged(&app, "ur"), vec![true]);
        assert_eq!(alerts_to(&smtp, "lead@example.org", 1).await, 1, "the lead is alerted");
        // The next ones go in the digest that closes the alert window.
        let digest_now = || app.close_alert_window();

        // Polish typed without diacritics.
        let polish = answer_in(&app, "pl", POLISH_HURT, &words("pl", Key::NoticeHelpNow)).await;
        assert!(polish.noticed, "the help notice shows in Polish");
        assert_eq!(polish.thanks.h1(), words("pl", Key::ThanksToldTitle), "the gentle help page, in Polish");
        assert_eq!(flagged(&app, "pl"), vec![true]);
        digest_now();
        assert_eq!(alerts_to(&smtp, "lead@example.org", 2).await, 2, "the lead is alerted again");

        // Bengali in the English survey: no list can read it, so an adult
        // does; the child is not told that things sound hard.
        let bengali = answer_in(&app, "en", BENGALI, &words("en", Key::NoticeHelpNow)).await;
        assert!(!bengali.noticed, "nothing matched, so no help notice");
        assert_eq!(bengali.thanks.h1(), words("en", Key::ThanksTitle), "the ordinary thank-you page");
        assert_eq!(flagged(&app, "en"), vec![true], "held for the safeguarding lead");
        digest_now();
        assert_eq!(alerts_to(&smtp, "lead@example.org", 3).await, 3);

        // An ordinary Urdu answer: not flagged, no help page, themed.
        let ordinary = answer_in(&app, "ur", URDU_ORDINARY, &words("ur", Key::NoticeHelpNow)).await;
        assert!(!ordinary.noticed);
        assert_eq!(ordinary.thanks.h1(), words("ur", Key::ThanksTitle));
        let mut urdu_flags = flagged(&app, "ur");
        urdu_flags.sort();
        assert_eq!(urdu_flags, vec![false, true]);

        // The alerts say where to look, never what was written.
        for alert in smtp.received() {
            let text = alert.text();
            assert!(text.contains("/staff/safeguarding"));
            for part in ["مارتا", "bije", "বাড়ি"] {
                assert!(!text.contains(part), "the alert must not carry the words");
            }
        }
        assert!(smtp.received().iter().all(|m| !m.to.iter().any(|t| t == "youth@example.org")));

        // The Youth Council sees only the ordinary answer, with a theme suggested.
        let youth = Staff::sign_in(&app, "youth@example.org").await;
        let queue = youth.get("/staff/review").await;
        assert_eq!(queue.status, 200);
        assert!(queue.body.contains("1 waiting"), "{}: only the ordinary answer is waiting", app.backend_name());
        assert!(queue.body.contains(URDU_ORDINARY));
        for words in [URDU_HURT, POLISH_HURT, BENGALI, "مارتا", "bije mnie", "আমি"] {
            assert!(!queue.body.contains(words), "young reviewers never see {words}");
        }
        assert!(queue.body.contains("value=\"food-and-drink\" checked"), "food is suggested from the Urdu words");

        // The lead sees all three held responses.
        let lead = Staff::sign_in(&app, "lead@example.org").await;
        let list = lead.get("/staff/safeguarding").await;
        assert_eq!(list.status, 200);
        let held: i64 = responses::table
            .filter(responses::concern.eq(true))
            .count()
            .get_result(&mut app.db.get().unwrap())
            .unwrap();
        assert_eq!(held, 3);
    }
}
