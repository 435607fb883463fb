//! The whole loop over HTTP, on each database: young people answer (and
//! keep their receipt codes) → a reviewer confirms themes → the Youth
//! Council writes "You said" → a publisher publishes "We did" → the board,
//! the Atom feed, `/track` and subscribers' email all show it.

mod support;

use diesel::prelude::*;
use listening_loop::db::schema::{action_history, actions, audit_log, subscribers, you_said};
use listening_loop::staff::roles::Role;
use support::smtp::SmtpListener;
use support::staff::{Staff, answer_with, csrf, make_staff, review_next};
use support::{Page, TestApp, spawn_app_configured};

const HUNGRY: &str = "we need more food at lunch, I am always hungry";
const BORING: &str = "the lessons are boring and nobody explains the homework";
const FLAGGED: &str = "my stepdad hits me and I am scared to go home";
const LATER: &str = "the park near us has no swings";
const STATEMENT: &str = "You said you don't always get enough to eat at school.";
/// With characters that must be escaped on the board and in the feed.
const WE_DID: &str = "We will start breakfast clubs & give out fruit <every day>.";
const DETAILED: &str = "From March, every primary school in the partnership runs a free breakfast club.";
const BASE: &str = "http://127.0.0.1";

fn path_of(link: &str) -> String {
    link.strip_prefix(BASE).expect("a link to the service").to_owned()
}

/// A form for a "We did", with `changes` replacing fields.
fn we_did_form<'a>(token: &'a str, statement: &'a str, changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut form = vec![
        ("csrf", token),
        ("you_said", statement),
        ("status", "will"),
        ("reason", ""),
        ("child_text", WE_DID),
        ("detailed_text", DETAILED),
        ("agency", "Schools & catering"),
        ("due_on", "2027-03-31"),
        ("done_on", ""),
        ("intent", "publish"),
    ];
    for (name, value) in changes {
        form.retain(|(n, _)| n != name);
        form.push((name, value));
    }
    form
}

async fn track(app: &TestApp, code: &str) -> Page {
    app.post("/track", &[("code", code)]).await
}

/// How many rows of `table` mention `text` in `column`.
fn mentions(app: &TestApp, table: &str, column: &str, text: &str) -> i64 {
    app.count_where(table, &format!("{column} LIKE '%{text}%'"))
}

#[tokio::test]
async fn the_whole_loop_from_answer_to_we_did() {
    for db in support::databases() {
        let smtp = SmtpListener::start().await;
        let url = smtp.url();
        let app = spawn_app_configured(db, move |s| s.smtp_url = Some(url)).await;
        eprintln!("-- on {}", app.backend_name());
        make_staff(&app, "youth@example.org", &[Role::YouthReviewer]);
        make_staff(&app, "publisher@example.org", &[Role::Publisher]);
        make_staff(&app, "admin@example.org", &[Role::Admin]);

        // Young people answer and keep their codes.
        let hungry = answer_with(&app, HUNGRY).await;
        let boring = answer_with(&app, BORING).await;
        let flagged = answer_with(&app, FLAGGED).await;

        // A reviewer confirms themes: food for one, school for the other.
        let youth = Staff::sign_in(&app, "youth@example.org").await;
        let mut queue = youth.get("/staff/review").await;
        for _ in 0..2 {
            let theme = if queue.body.contains("hungry") { "food-and-drink" } else { "school-and-learning" };
            queue = review_next(&youth, &queue, theme).await;
        }
        assert!(queue.body.contains("Nothing is waiting"), "both reviewed, the flagged one never shown");
        // Answered after the review: nobody has grouped it yet.
        let later = answer_with(&app, LATER).await;

        // The Youth Council writes "You said" for food.
        let token = csrf(&youth.get("/staff/you-said").await);
        let saved = youth
            .post("/staff/you-said", &[("csrf", &token), ("theme", "food-and-drink"), ("statement", STATEMENT)])
            .await;
        assert_eq!(saved.status, 303);
        let statement_id: String = you_said::table.select(you_said::id).first(&mut app.db.get().unwrap()).unwrap();
        // A youth reviewer cannot publish, nor open the publisher's pages.
        assert_eq!(youth.get("/staff/actions").await.status, 403);
        let refused = youth.post("/staff/actions", &we_did_form(&token, &statement_id, &[])).await;
        assert_eq!(refused.status, 403);

        // Three people ask for email: one confirms, one doesn't, one only wants school news.
        for (email, theme) in
            [("fan@example.org", ""), ("lazy@example.org", ""), ("school@example.org", "school-and-learning")]
        {
            let form = app.get("/subscribe").await;
            assert_eq!(form.status, 200);
            assert!(form.headers.get("set-cookie").is_none());
            let done = app.post("/subscribe", &[("email", email), ("theme", theme)]).await;
            assert_eq!(done.status, 200, "{}", done.body);
            assert!(done.body.contains("Check your email"));
        }
        let bad = app.post("/subscribe", &[("email", "not an address"), ("theme", "")]).await;
        assert_eq!(bad.status, 400);
        assert!(bad.body.contains("href=\"#email\""), "the error links to its field");
        for email in ["fan@example.org", "school@example.org"] {
            let confirmation = smtp.wait_for(email, 10).await.expect("a confirmation email");
            let link = confirmation.link(&format!("{BASE}/subscribe/confirm/")).expect("a confirmation link");
            assert!(confirmation.link(&format!("{BASE}/unsubscribe/")).is_some(), "every email can stop them");
            // Opening the link (as a mail scanner would) confirms nothing.
            let page = app.get(&path_of(&link)).await;
            assert_eq!(page.status, 200);
            assert!(page.body.contains("Yes, email me"));
            let confirmed = app.post(&path_of(&link), &[]).await;
            assert!(confirmed.body.contains("You're signed up"), "{}", confirmed.body);
            let again = app.post(&path_of(&link), &[]).await;
            assert_eq!(again.status, 404, "the link works once");
        }
        assert!(smtp.wait_for("lazy@example.org", 10).await.is_some(), "the unconfirmed one got only the check");

        // The publisher answers. "We can't" needs a reason.
        let publisher = Staff::sign_in(&app, "publisher@example.org").await;
        let list = publisher.get("/staff/actions").await;
        assert_eq!(list.status, 200);
        assert!(list.body.contains(&format!("/staff/actions/new?you_said={statement_id}")));
        let form = publisher.get(&format!("/staff/actions/new?you_said={statement_id}")).await;
        let token = csrf(&form);
        let cant = publisher.post("/staff/actions", &we_did_form(&token, &statement_id, &[("status", "cant")])).await;
        assert_eq!(cant.status, 400);
        assert!(cant.body.contains("href=\"#reason\""), "the problem links to the reason field");
        assert!(cant.body.contains("needs a reason"));
        assert!(cant.body.contains("breakfast clubs &amp; give out fruit"), "what was typed is kept");
        assert_eq!(app.count("actions"), 0, "nothing stored");
        assert_eq!(mentions(&app, "outbox", "subject", "Something"), 0, "nobody emailed");

        let published = publisher.post("/staff/actions", &we_did_form(&token, &statement_id, &[])).await;
        assert_eq!(published.status, 303, "{}", published.body);
        let action_id: String = actions::table.select(actions::id).first(&mut app.db.get().unwrap()).unwrap();

        // The public board shows it: no sign-in, no cookie, not kept.
        let board = app.get("/you-said-we-did").await;
        assert_eq!(board.status, 200);
        assert!(board.headers.get("set-cookie").is_none());
        assert_eq!(board.headers.get("cache-control").unwrap(), "no-store");
        assert_eq!(board.select_text("h1").len(), 1);
        for shown in [
            "You said you don&#39;t always get enough to eat at school.",
            "We will start breakfast clubs &amp; give out fruit &lt;every day&gt;.",
            "We will",
            "Schools &amp; catering",
            "31 March 2027",
            DETAILED,
        ] {
            assert!(board.body.contains(shown) || board.body.contains(&shown.replace("&#39;", "'")), "board: {shown}");
        }
        assert!(board.body.contains("board.css"), "its own stylesheet, with the print poster");
        let food = app.get("/you-said-we-did?theme=food-and-drink").await;
        assert!(food.body.contains("breakfast clubs"));
        let school = app.get("/you-said-we-did?theme=school-and-learning").await;
        assert!(!school.body.contains("breakfast clubs"), "filtered out");
        let detailed = app.get("/you-said-we-did?view=detailed").await;
        assert!(detailed.body.contains("<details class=\"entry-detail\" open"));
        let css = app.get("/static/board.css").await;
        assert!(css.status == 200 && css.body.contains("@media print") && css.body.contains("A4"));

        // The feed is XML with the entry.
        let feed = app.get("/you-said-we-did/feed.atom").await;
        assert_eq!(feed.status, 200);
        assert!(feed.headers.get("content-type").unwrap().to_str().unwrap().starts_with("application/atom+xml"));
        let doc = roxmltree::Document::parse(&feed.body).expect("the feed is well-formed XML");
        let entries: Vec<_> = doc.descendants().filter(|n| n.has_tag_name("entry")).collect();
        assert_eq!(entries.len(), 1);
        let summary = entries[0].descendants().find(|n| n.has_tag_name("summary")).unwrap().text().unwrap();
        assert!(summary.contains(WE_DID) && summary.contains(STATEMENT), "{summary}");

        // Each receipt code shows its confirmed themes and the action, never the answers.
        let page = track(&app, &hungry).await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains("Food and drink") && page.body.contains("breakfast clubs"));
        assert!(!page.body.contains("School and learning</strong>"));
        assert!(!page.body.contains("hungry"), "never the answers");
        let typed = hungry.to_lowercase().replace('-', "  ");
        assert_eq!(track(&app, &format!(" {typed} ")).await.body, page.body, "any case, spaces or dashes");
        let page = track(&app, &boring).await;
        assert!(page.body.contains("School and learning"));
        assert!(
            !page.body.contains("breakfast clubs") && page.body.contains("Nothing has been published about these yet")
        );
        assert!(!page.body.contains("boring"), "never the answers");
        // Flagged and not-yet-grouped look exactly alike.
        let still = track(&app, &later).await;
        assert!(still.body.contains("still being read"));
        let flagged_page = track(&app, &flagged).await;
        assert_eq!((flagged_page.status, &flagged_page.body), (still.status, &still.body));
        assert!(!flagged_page.body.contains("stepdad"));
        // Unknown and mistyped codes get calm pages.
        // One code in 1.2 × 10¹⁰: none of the four above.
        let unknown = track(&app, "APPLE-ACORN-ATTIC-10").await;
        assert_eq!(unknown.status, 404);
        assert!(unknown.body.contains("We can't find that code"));
        let mistyped = track(&app, "hello").await;
        assert_eq!(mistyped.status, 400);
        assert!(mistyped.body.contains("href=\"#code\""));
        // The code is posted, never in a link.
        assert!(app.get("/track").await.body.contains("method=\"post\" action=\"/track\""));

        // The confirmed subscriber is told, in plain words, with a working way out.
        let told =
            wait_for_subject(&smtp, "fan@example.org", "Something new", 10).await.expect("the subscriber is told");
        assert!(told.text().contains("We did: We will start breakfast clubs"), "{}", told.text());
        // The unconfirmed and the school-only subscriber get nothing.
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        for email in ["lazy@example.org", "school@example.org"] {
            assert!(wait_for_subject(&smtp, email, "Something", 0).await.is_none(), "{email} gets nothing");
        }

        // An update is kept as a dated history entry and told again.
        let token = csrf(&publisher.get(&format!("/staff/actions/{action_id}")).await);
        let update = [("status", "doing"), ("child_text", "Breakfast clubs have started in 12 schools.")];
        let updated =
            publisher.post(&format!("/staff/actions/{action_id}"), &we_did_form(&token, &statement_id, &update)).await;
        assert_eq!(updated.status, 303);
        let history: i64 = action_history::table.count().get_result(&mut app.db.get().unwrap()).unwrap();
        assert_eq!(history, 2);
        let board = app.get("/you-said-we-did").await;
        assert!(board.body.contains("We are doing it") && board.body.contains("What changed"));
        let feed = app.get("/you-said-we-did/feed.atom").await;
        let doc = roxmltree::Document::parse(&feed.body).unwrap();
        assert_eq!(doc.descendants().filter(|n| n.has_tag_name("entry")).count(), 2);
        wait_for_subject(&smtp, "fan@example.org", "Something changed", 10).await.expect("told about the update");

        // The dashboard shows the loop closing.
        let dashboard = publisher.get("/staff/dashboard").await;
        assert!(dashboard.body.contains("Closing the loop") && dashboard.body.contains("1 of 1"), "{}", dashboard.body);

        // Unsubscribing deletes the address everywhere, outbox included.
        let link = told.link(&format!("{BASE}/unsubscribe/")).expect("an unsubscribe link");
        let stop = app.get(&path_of(&link)).await;
        assert!(stop.body.contains("Stop these emails"));
        assert_eq!(mentions(&app, "subscribers", "email", "fan@"), 1, "a GET deletes nothing");
        let stopped = app.post(&path_of(&link), &[]).await;
        assert!(stopped.body.contains("Emails stopped"));
        for (table, column) in [
            ("subscribers", "email"),
            ("outbox", "to_address"),
            ("outbox", "text_body"),
            ("audit_log", "detail"),
            ("audit_log", "actor_email"),
        ] {
            assert_eq!(mentions(&app, table, column, "fan@"), 0, "{table}.{column}");
        }
        assert_eq!(mentions(&app, "subscribers", "email", "school@"), 1, "others stay");
        // Mail programs' one-click unsubscribe (RFC 8058) posts straight to the same link.
        let text = told.text();
        assert!(text.contains(&format!("List-Unsubscribe: <{link}>")), "{text}");
        assert!(text.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"));
        let school = smtp.wait_for("school@example.org", 1).await.expect("its confirmation email");
        let school_link = school.link(&format!("{BASE}/unsubscribe/")).unwrap();
        assert!(school.text().contains(&format!("List-Unsubscribe: <{school_link}>")));
        let one_click = app.post_raw(&path_of(&school_link), b"List-Unsubscribe=One-Click".to_vec()).await;
        assert_eq!(one_click.status, 200);
        assert_eq!(mentions(&app, "subscribers", "email", "school@"), 0);
        assert_eq!(mentions(&app, "outbox", "to_address", "school@"), 0);

        // Only an admin can unpublish, and it is audited.
        let token = csrf(&publisher.get(&format!("/staff/actions/{action_id}")).await);
        let refused = publisher.post(&format!("/staff/actions/{action_id}/unpublish"), &[("csrf", &token)]).await;
        assert_eq!(refused.status, 403);
        let admin = Staff::sign_in(&app, "admin@example.org").await;
        let page = admin.get(&format!("/staff/actions/{action_id}")).await;
        assert!(page.body.contains("Unpublish"));
        let done = admin.post(&format!("/staff/actions/{action_id}/unpublish"), &[("csrf", &csrf(&page))]).await;
        assert_eq!(done.status, 303);
        assert!(!app.get("/you-said-we-did").await.body.contains("Breakfast clubs"));
        assert!(!track(&app, &hungry).await.body.contains("Breakfast clubs"));
        let actions: Vec<String> = audit_log::table.select(audit_log::action).load(&mut app.db.get().unwrap()).unwrap();
        for action in [
            "published a \u{201c}We did\u{201d}",
            "updated a published \u{201c}We did\u{201d}",
            "unpublished a \u{201c}We did\u{201d}",
        ] {
            assert!(actions.iter().any(|a| a == action), "audited: {action}");
        }
    }
}

/// Waits up to `seconds` for a message to `to` whose subject starts with `subject`.
async fn wait_for_subject(
    smtp: &SmtpListener,
    to: &str,
    subject: &str,
    seconds: u64,
) -> Option<support::smtp::Received> {
    for _ in 0..=seconds * 20 {
        let found = smtp
            .received()
            .into_iter()
            .find(|m| m.to.iter().any(|t| t == to) && m.text().contains(&format!("Subject: {subject}")));
        if found.is_some() {
            return found;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    None
}

#[tokio::test]
async fn receipt_code_lookups_are_rate_limited_per_client() {
    support::on_each_database(|app| async move {
        for n in 0..listening_loop::publish::track::BURST {
            let page = track(&app, &format!("APPLE-APPLE-APPLE-{}", 10 + n)).await;
            assert_ne!(page.status, 429, "try {n}");
        }
        let page = track(&app, "APPLE-APPLE-APPLE-99").await;
        assert_eq!(page.status, 429);
        assert!(page.body.contains("Please wait a few minutes"));
    })
    .await;
}

#[tokio::test]
async fn sign_ups_never_confirmed_are_forgotten_after_seven_days() {
    support::on_each_database(|app| async move {
        for email in ["old@example.org", "new@example.org"] {
            assert_eq!(app.post("/subscribe", &[("email", email), ("theme", "")]).await.status, 200);
        }
        // One sign-up's link ran out a day ago.
        let eight_days_ago = chrono::Utc::now().naive_utc() - chrono::TimeDelta::days(8);
        diesel::update(subscribers::table.filter(subscribers::email.eq("old@example.org")))
            .set(subscribers::created_at.eq(eight_days_ago))
            .execute(&mut app.db.get().unwrap())
            .unwrap();
        // The daily purge forgets it; the recent one stays. (A sign-up looks
        // only at its own address, so its work does not grow with the list.)
        listening_loop::publish::subscriptions::forget_unconfirmed(&mut app.db.get().unwrap()).unwrap();
        assert_eq!(mentions(&app, "subscribers", "email", "old@"), 0);
        assert_eq!(mentions(&app, "subscribers", "email", "new@"), 1);
    })
    .await;
}

/// Text pasted into a "You said" or a "We did" can hold characters that
/// XML 1.0 does not allow at all, and one of them makes a feed reader
/// refuse the whole feed. The feed leaves them out, and keeps everything
/// else as written.
#[tokio::test]
async fn the_feed_stays_xml_whatever_characters_staff_paste() {
    support::on_each_database(|app| async move {
        const NOT_XML: [char; 4] = ['\u{FFFE}', '\u{FFFF}', '\u{1}', '\u{B}'];
        let pasted = |text: &str| format!("{}{text}{}", NOT_XML[0], NOT_XML[1..].iter().collect::<String>());
        let statement = "You said lunch is too small 🍎 — دوپہر کا کھانا بہت کم ہے";
        let child = "We did: bigger lunches 🥪🥗, and ناشتہ for everyone";
        let detailed = "From March, Zażółć gęślą jaźń: every school serves more.";

        make_staff(&app, "youth@example.org", &[Role::YouthReviewer]);
        make_staff(&app, "publisher@example.org", &[Role::Publisher]);
        answer_with(&app, HUNGRY).await;
        let youth = Staff::sign_in(&app, "youth@example.org").await;
        review_next(&youth, &youth.get("/staff/review").await, "food-and-drink").await;
        let token = csrf(&youth.get("/staff/you-said").await);
        let form = [("csrf", token.as_str()), ("theme", "food-and-drink"), ("statement", &pasted(statement))];
        assert_eq!(youth.post("/staff/you-said", &form).await.status, 303);
        let statement_id: String = you_said::table.select(you_said::id).first(&mut app.db.get().unwrap()).unwrap();
        let publisher = Staff::sign_in(&app, "publisher@example.org").await;
        let token = csrf(&publisher.get(&format!("/staff/actions/new?you_said={statement_id}")).await);
        let (child_pasted, detailed_pasted) = (pasted(child), pasted(detailed));
        let changes = [("child_text", child_pasted.as_str()), ("detailed_text", detailed_pasted.as_str())];
        let published = publisher.post("/staff/actions", &we_did_form(&token, &statement_id, &changes)).await;
        assert_eq!(published.status, 303, "{}", published.body);

        let feed = app.get("/you-said-we-did/feed.atom").await;
        assert_eq!(feed.status, 200);
        for c in NOT_XML {
            assert!(!feed.body.contains(c), "U+{:04X} is left out", c as u32);
        }
        let doc = roxmltree::Document::parse(&feed.body).expect("the feed is well-formed XML");
        let text_of = |tag: &str| {
            doc.descendants().find(|n| n.has_tag_name(tag)).and_then(|n| n.text()).unwrap_or_default().to_owned()
        };
        let summary = text_of("summary");
        assert!(summary.contains(statement) && summary.contains(child), "{summary}");
        assert_eq!(text_of("content"), detailed);
    })
    .await;
}
