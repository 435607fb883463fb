//! A script cannot bury the safeguarding leads, on each database, over
//! HTTP and real SMTP: a flood of flagged sends makes one alert at once and
//! one digest per lead per window, saying how many; every response is in
//! the queue, which says calmly that many arrived at once; the child is
//! thanked with the same help whatever the limit. The gathering holds with
//! two instances on one database, and when each runs the digest sender.

mod support;

use std::sync::{Arc, Barrier};
use std::time::Duration;

use chrono::{TimeDelta, Utc};
use diesel::prelude::*;
use listening_loop::db::schema::alert_digest;
use listening_loop::db::write_transaction;
use listening_loop::respond::store::Flagged;
use listening_loop::review::safeguarding::{Digest, LeadAlerts};
use listening_loop::staff::roles::Role;
use listening_loop::surveys::{Key, Registry};
use support::served::JourneyPage;
use support::smtp::{Received, SmtpListener};
use support::staff::{Staff, make_staff};
use support::{Page, TestApp, spawn_app_configured};

const LEADS: [&str; 2] = ["lead@example.org", "second-lead@example.org"];
const YOUTH: &str = "youth@example.org";
/// Bengali, which no safeguarding list reads: held for a lead, no help page.
const UNREADABLE: &str = "আমি বাড়ি যেতে চাই না";
/// English the list matches: held for a lead, and the help page.
const HURT: &str = "my dad hits me when he is angry";
const FLOOD: usize = 200;
/// Journeys walked at once during a flood.
const AT_ONCE: usize = 8;

/// Walks the 16–17 survey to "Check your answers", writing `text` in every
/// box; the check page's sealed draft, ready to send. Pages are read with the
/// benchmark's quick reader: a flood walks thousands of them.
async fn to_check(app: &TestApp, text: &str) -> String {
    let mut page = app.post("/s/young-people/start", &[("age", "16-17")]).await;
    for _ in 0..40 {
        assert_eq!(page.status, 200, "{}", page.body);
        let read = JourneyPage::parse(&page.body);
        let state = read.state.clone().expect("a journey page");
        if read.is_check_page() {
            return state;
        }
        let nav = if read.buttons.iter().any(|b| b == "continue") { "continue" } else { "next" };
        let mut form = vec![("state", state.as_str()), ("nav", nav)];
        form.extend(read.textareas.iter().map(|name| (name.as_str(), text)));
        page = app.post("/s/young-people", &form).await;
    }
    panic!("never reached the check page");
}

/// Presses "Send my answers": the thank-you page.
async fn send(app: &TestApp, check: &str) -> Page {
    let thanks = app.post("/s/young-people", &[("state", check), ("nav", "submit")]).await;
    assert_eq!(thanks.status, 200, "{}", thanks.body);
    assert!(JourneyPage::parse(&thanks.body).receipt.is_some(), "a receipt code: {}", thanks.body);
    thanks
}

/// `n` flagged sends from this test's one address, [`AT_ONCE`] at a time,
/// every tenth in words the English list matches: (text, thank-you page).
async fn flood(apps: &[&TestApp], n: usize) -> Vec<(&'static str, Page)> {
    let mut sent = Vec::new();
    for wave in (0..n).collect::<Vec<_>>().chunks(AT_ONCE) {
        let sends = wave.iter().map(|&i| {
            let app = apps[i % apps.len()];
            let text = if i % 10 == 0 { HURT } else { UNREADABLE };
            async move { (text, send(app, &to_check(app, text).await).await) }
        });
        sent.extend(futures_util::future::join_all(sends).await);
    }
    sent
}

fn mail_to(smtp: &SmtpListener, to: &str) -> Vec<Received> {
    smtp.received().into_iter().filter(|m| m.to.iter().any(|t| t == to)).collect()
}

/// Waits until every lead has `n` emails, then a second longer, in which
/// the digest sender looks some twenty times and the mail worker as often:
/// each lead's emails, once nothing more has come.
async fn settled_mail(smtp: &SmtpListener, n: usize) -> Vec<Vec<Received>> {
    for _ in 0..300 {
        if LEADS.iter().all(|lead| mail_to(smtp, lead).len() >= n) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    LEADS.iter().map(|lead| mail_to(smtp, lead)).collect()
}

fn subject(mail: &Received) -> String {
    mail_parser::MessageParser::default()
        .parse(mail.data.as_bytes())
        .and_then(|m| m.subject().map(str::to_owned))
        .unwrap_or_default()
}

/// What a lead's email says, as one line of text.
fn body(mail: &Received) -> String {
    let parsed = mail_parser::MessageParser::default().parse(mail.data.as_bytes()).expect("an email");
    parsed.body_text(0).map(|t| t.split_whitespace().collect::<Vec<_>>().join(" ")).unwrap_or_default()
}

fn digest_now(app: &TestApp) -> Digest {
    alert_digest::table.find(1).select(Digest::as_select()).first(&mut app.db.get().unwrap()).unwrap()
}

/// The notice on the lead's queue, as one line of text, if there is one.
fn notice(queue: &Page) -> Option<String> {
    queue.select_text("#unusual-volume").into_iter().next().map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// The words no email may carry.
fn assert_no_words(smtp: &SmtpListener) {
    for mail in smtp.received() {
        let text = body(&mail);
        for words in ["বাড়ি", "hits me", "angry"] {
            assert!(!text.contains(words) && !mail.text().contains(words), "an alert must not carry what was written");
        }
    }
}

fn staff_them(app: &TestApp) {
    for lead in LEADS {
        make_staff(app, lead, &[Role::SafeguardingLead]);
    }
    make_staff(app, YOUTH, &[Role::YouthReviewer]);
}

#[tokio::test]
async fn a_flood_of_flagged_sends_makes_one_alert_and_one_digest_for_each_lead() {
    let registry = Registry::load(&support::shipped_surveys()).expect("the shipped surveys load");
    let help_title = registry.catalogue.words("en").s(Key::ThanksToldTitle).into_owned();
    for db in support::databases() {
        let smtp = SmtpListener::start().await;
        let url = smtp.url();
        // A window far longer than the flood, so every send falls in the first.
        let app = spawn_app_configured(db, move |s| {
            s.smtp_url = Some(url);
            s.alert_digest = Duration::from_secs(3600);
        })
        .await;
        let backend = app.backend_name();
        staff_them(&app);

        let started = std::time::Instant::now();
        let sent = flood(&[&app], FLOOD).await;
        eprintln!("{backend}: {FLOOD} flagged journeys walked and sent in {:.1} s", started.elapsed().as_secs_f64());
        // Over the limit or not, every child is thanked with a receipt, and
        // words that sound like harm still show who to talk to now.
        for (text, thanks) in &sent {
            if *text == HURT {
                assert_eq!(thanks.h1(), help_title, "{backend}: the help page, over the limit too");
            }
        }
        assert_eq!(app.count_where("responses", "concern"), FLOOD as i64, "{backend}: every one stored, flagged");

        // The first is mailed at once, to each active lead; the rest wait.
        let mail = settled_mail(&smtp, 1).await;
        for (lead, mails) in LEADS.iter().zip(&mail) {
            assert_eq!(mails.len(), 1, "{backend}: {lead} has one alert, not {FLOOD}");
            assert_eq!(subject(&mails[0]), "A response needs a safeguarding lead");
        }
        let waiting = digest_now(&app);
        assert_eq!((waiting.window_count, waiting.gathered, waiting.over_limit), (200, 2, 197), "{backend}");

        // The queue has every one, and says calmly what happened.
        let lead = Staff::sign_in(&app, LEADS[0]).await;
        let queue = lead.get("/staff/safeguarding").await;
        assert_eq!(queue.status, 200);
        assert_eq!(queue.select_text("tbody tr").len(), FLOOD, "{backend}: all {FLOOD} in the queue");
        let said = notice(&queue).unwrap_or_else(|| panic!("{backend}: no notice on the queue"));
        assert!(said.contains("200 flagged responses have arrived since"), "{said}");
        assert!(said.contains("Some may be from one person, or from a script."), "{said}");
        assert!(said.contains("197 of them came from a network address that sent more than 3 in an hour"), "{said}");
        assert!(said.contains("Every one is still in the queue below to read."), "{said}");

        // The window ends (here sooner than its hour): one digest each, with the count.
        app.close_alert_window();
        let mail = settled_mail(&smtp, 2).await;
        for (lead, mails) in LEADS.iter().zip(&mail) {
            assert_eq!(mails.len(), 2, "{backend}: {lead} has one alert and one digest");
            assert_eq!(subject(&mails[1]), "More responses need a safeguarding lead");
            let digest = body(&mails[1]);
            assert!(digest.contains("199 more responses have arrived since the last email"), "{digest}");
            assert!(digest.contains("197 of them came from a network address that sent more than 3 in an hour"));
            assert!(digest.contains("http://127.0.0.1/staff/safeguarding"), "{digest}");
        }
        assert!(mail_to(&smtp, YOUTH).is_empty(), "young reviewers are never told");
        assert_no_words(&smtp);

        // The spell is over, and the queue still says so.
        let queue = lead.get("/staff/safeguarding").await;
        let said = notice(&queue).unwrap_or_else(|| panic!("{backend}: the notice stays after the spell"));
        assert!(said.contains("200 flagged responses arrived between"), "{said}");
        assert_eq!(queue.select_text("tbody tr").len(), FLOOD);
    }
}

#[tokio::test]
async fn the_first_after_a_quiet_spell_goes_at_once_and_the_digest_comes_by_itself() {
    for db in support::databases() {
        let smtp = SmtpListener::start().await;
        let url = smtp.url();
        let app = spawn_app_configured(db, move |s| {
            s.smtp_url = Some(url);
            s.alert_digest = Duration::from_secs(4);
        })
        .await;
        let backend = app.backend_name();
        staff_them(&app);
        let checks = [to_check(&app, UNREADABLE).await, to_check(&app, HURT).await, to_check(&app, UNREADABLE).await];
        let fourth = to_check(&app, UNREADABLE).await;

        // Three sent together: one alert at once, and a digest of two when
        // the window runs out, with no one closing it.
        for check in &checks {
            send(&app, check).await;
        }
        let mail = settled_mail(&smtp, 2).await;
        for mails in &mail {
            assert_eq!(mails.len(), 2, "{backend}: the first at once, the others held for the digest");
            assert_eq!(subject(&mails[0]), "A response needs a safeguarding lead");
            assert_eq!(subject(&mails[1]), "More responses need a safeguarding lead");
            let digest = body(&mails[1]);
            assert!(digest.contains("2 more responses have arrived since the last email"), "{digest}");
            assert!(!digest.contains("network address"), "all three were within the limit: {digest}");
        }

        // A window with nothing new ends the spell.
        for _ in 0..200 {
            if digest_now(&app).window_ends.is_none() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(digest_now(&app), Digest::default(), "{backend}: quiet again, and nothing kept");

        // A fourth from the same address is over its limit of three an hour:
        // stored and thanked all the same, but it does not mail anyone by
        // itself. The window's digest counts it, and says why it is apart.
        send(&app, &fourth).await;
        let mail = settled_mail(&smtp, 3).await;
        for mails in &mail {
            assert_eq!(mails.len(), 3, "{backend}");
            assert_eq!(subject(&mails[2]), "Another response needs a safeguarding lead");
            let digest = body(&mails[2]);
            assert!(digest.contains("1 more response has arrived since the last email"), "{digest}");
            assert!(digest.contains("It came from a network address that sent more than 3 in an hour"), "{digest}");
        }
        assert_eq!(app.count_where("responses", "concern"), 4);

        // Four is not a flood: the queue has no notice.
        let lead = Staff::sign_in(&app, LEADS[1]).await;
        let queue = lead.get("/staff/safeguarding").await;
        assert_eq!(queue.select_text("tbody tr").len(), 4);
        assert_eq!(notice(&queue), None, "{backend}");
    }
}

#[tokio::test]
async fn two_instances_on_one_database_alert_once_and_send_one_digest() {
    for db in support::databases() {
        let smtp = SmtpListener::start().await;
        let url = smtp.url();
        let first = spawn_app_configured(db, move |s| {
            s.smtp_url = Some(url);
            s.alert_digest = Duration::from_secs(3600);
        })
        .await;
        let second = first.another_instance();
        let backend = first.backend_name();
        staff_them(&first);

        // Sends alternate between the instances; each has its own
        // per-address limit, so each lets three through.
        flood(&[&first, &second], 40).await;
        assert_eq!(first.count_where("responses", "concern"), 40);
        let mail = settled_mail(&smtp, 1).await;
        assert!(mail.iter().all(|m| m.len() == 1), "{backend}: one alert each, from either instance");
        let waiting = digest_now(&first);
        assert_eq!((waiting.window_count, waiting.gathered, waiting.over_limit), (40, 5, 34), "{backend}");

        // Both instances look for closed windows; one digest goes.
        first.close_alert_window();
        let mail = settled_mail(&smtp, 2).await;
        for mails in &mail {
            assert_eq!(mails.len(), 2, "{backend}: one digest each, not one per instance");
            let digest = body(&mails[1]);
            assert!(digest.contains("39 more responses have arrived"), "{digest}");
            assert!(digest.contains("34 of them came from a network address"), "{digest}");
        }
    }
}

/// Instances at once, each on its own connection: as many threads, released together.
fn at_once<T: Send + 'static>(
    app: &TestApp,
    threads: usize,
    work: impl Fn(&mut listening_loop::db::DbConnection) -> T + Send + Sync + 'static,
) -> Vec<T> {
    let barrier = Arc::new(Barrier::new(threads));
    let work = Arc::new(work);
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let mut conn = app.db.open_dedicated().expect("a connection of its own");
            let (barrier, work) = (barrier.clone(), work.clone());
            std::thread::spawn(move || {
                barrier.wait();
                work(&mut conn)
            })
        })
        .collect();
    handles.into_iter().map(|h| h.join().expect("a thread finishes")).collect()
}

#[tokio::test]
async fn eight_instances_at_once_alert_once_and_send_one_digest() {
    support::on_each_database(|app| async move {
        staff_them(&app);
        let backend = app.backend_name();
        let app = Arc::new(app);
        let alerts = LeadAlerts::new("http://127.0.0.1", Duration::from_secs(600), 3);
        let now = Utc::now().naive_utc();
        let one = Flagged { within_limit: 1, over_limit: 0 };

        // Eight writers store a flagged response each, from a quiet spell, at once.
        let (writers, on) = (alerts.clone(), app.clone());
        let gathered = tokio::task::spawn_blocking(move || {
            at_once(&on, 8, move |conn| write_transaction(conn, |conn| writers.gather(conn, one, now)))
        })
        .await
        .unwrap();
        assert!(gathered.iter().all(Result::is_ok), "{backend}: {gathered:?}");
        let alerts_sent = "subject = 'A response needs a safeguarding lead'";
        assert_eq!(app.count_where("outbox", alerts_sent), 2, "{backend}: one alert to each of the two leads");
        let digest = digest_now(&app);
        assert_eq!((digest.window_count, digest.gathered, digest.over_limit), (8, 7, 0));

        // Eight senders find the window closed at once: one digest each.
        let later = digest.window_ends.expect("a window open");
        assert!(later - now >= TimeDelta::minutes(10) && later - now < TimeDelta::minutes(20), "{backend}");
        let (senders, on) = (alerts.clone(), app.clone());
        let sent = tokio::task::spawn_blocking(move || at_once(&on, 8, move |conn| senders.send_due(conn, later)))
            .await
            .unwrap();
        let sent: Vec<bool> = sent.into_iter().map(|r| r.expect("the sender's transaction")).collect();
        assert_eq!(sent.iter().filter(|s| **s).count(), 1, "{backend}: one sender sent it: {sent:?}");
        let digests = "subject = 'More responses need a safeguarding lead' AND text_body LIKE '%7 more responses%'";
        assert_eq!(app.count_where("outbox", digests), 2, "{backend}: one digest to each lead");
        assert_eq!(app.count("outbox"), 4);

        // The next window opened with the digest; with nothing in it, the spell ends.
        let next = digest_now(&app);
        assert_eq!((next.window_count, next.gathered), (0, 0));
        let ends = next.window_ends.expect("the next window");
        assert_eq!(ends - next.window_from.unwrap(), TimeDelta::minutes(10));
        let (senders, on) = (alerts.clone(), app.clone());
        tokio::task::spawn_blocking(move || senders.send_due(&mut on.db.get().unwrap(), ends)).await.unwrap().unwrap();
        assert_eq!(digest_now(&app), Digest::default(), "{backend}: quiet, and nothing kept");
        assert_eq!(app.count("outbox"), 4, "an empty window sends nothing");
    })
    .await;
}
