//! Reading never holds up writing: pages that only show what is stored use
//! read-only transactions, which never take the write lock; the board and
//! its feed are kept in memory until something is published (on this
//! instance or another sharing the database); and signing up an address
//! again sends nothing new.

mod support;

use std::sync::mpsc;
use std::time::{Duration, Instant};

use diesel::prelude::*;
use listening_loop::db::schema::{actions, distribution_links, outbox, responses, subscribers, you_said};
use listening_loop::db::{Backend, DbConnection, read_transaction, write_transaction};
use listening_loop::staff::roles::Role;
use support::publish::{WE_DID, publish_about_food};
use support::smtp::SmtpListener;
use support::staff::{Staff, answer_with, csrf, make_staff};
use support::{TestApp, TestDb, on_each_database, spawn_app_configured};

#[tokio::test]
async fn a_read_transaction_cannot_write_and_leaves_its_connection_writable() {
    on_each_database(|app| async move {
        let mut conn = app.db.get().unwrap();
        let links = |conn: &mut DbConnection| distribution_links::table.count().get_result::<i64>(conn);
        let add = |conn: &mut DbConnection, code: &str| {
            diesel::insert_into(distribution_links::table)
                .values((
                    distribution_links::code.eq(code),
                    distribution_links::label.eq("Riverside Primary"),
                    distribution_links::survey_link.eq("young-people"),
                    distribution_links::created_at.eq(chrono::Utc::now().naive_utc()),
                    distribution_links::active.eq(true),
                ))
                .execute(conn)
        };
        let refused = read_transaction(&mut conn, |conn| {
            assert_eq!(links(conn)?, 0, "it reads");
            add(conn, "riverside")
        });
        let error = refused.expect_err("a write inside a read transaction fails").to_string();
        assert!(error.contains("read-only") || error.contains("readonly"), "{error}");
        assert_eq!(links(&mut conn).unwrap(), 0, "nothing was written");

        // A panic inside one ends it too; either way the connection goes
        // back to the pool able to write for the next request.
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            read_transaction(&mut conn, |_| -> QueryResult<()> { panic!("a bug in a page") })
        }));
        assert!(panicked.is_err());
        write_transaction(&mut conn, |conn| add(conn, "riverside")).expect("the same connection writes afterwards");
        assert_eq!(app.count("distribution_links"), 1, "committed, seen from another connection");
    })
    .await;
}

#[tokio::test]
async fn a_long_read_transaction_does_not_hold_up_the_writer() {
    on_each_database(|app| async move {
        let (opened, is_open) = mpsc::channel();
        let (release, released) = mpsc::channel::<()>();
        let db = app.db.clone();
        let reader = std::thread::spawn(move || {
            let mut conn = db.get().unwrap();
            let count = |conn: &mut DbConnection| responses::table.count().get_result::<i64>(conn);
            read_transaction(&mut conn, |conn| {
                let first = count(conn)?;
                opened.send(()).unwrap();
                released.recv_timeout(Duration::from_secs(60)).unwrap();
                Ok((first, count(conn)?))
            })
            .unwrap()
        });
        is_open.recv_timeout(Duration::from_secs(10)).unwrap();

        // A child sends their answers while the reader is still open. The
        // writer would wait its whole busy timeout (10 s) for a lock held.
        let started = Instant::now();
        let code = tokio::time::timeout(Duration::from_secs(8), answer_with(&app, "the park has no swings"))
            .await
            .expect("the answers are stored while a reader is open");
        assert!(code.contains('-'), "a receipt code: {code}");
        assert_eq!(app.count("responses"), 1, "stored and committed");
        eprintln!("stored with a reader open in {:?}", started.elapsed());

        release.send(()).unwrap();
        let (first, last) = reader.join().unwrap();
        assert_eq!(first, 0);
        if app.db.backend == Backend::Sqlite {
            assert_eq!(last, 0, "the reader was open all along, on its snapshot");
        }
    })
    .await;
}

/// A signed-in browser with every role, and a receipt code to look up.
async fn everyone(app: &TestApp) -> (Staff, String) {
    make_staff(app, "all@example.org", &[Role::YouthReviewer, Role::SafeguardingLead, Role::Publisher, Role::Admin]);
    let code = answer_with(app, "we need more food at lunch").await;
    (Staff::sign_in(app, "all@example.org").await, code)
}

#[tokio::test]
async fn pages_that_only_read_answer_while_the_write_lock_is_held() {
    // Only SQLite has one lock for the whole database.
    let app = support::spawn_app(TestDb::Sqlite).await;
    let (staff, code) = everyone(&app).await;
    let (locked, is_locked) = mpsc::channel();
    let (release, released) = mpsc::channel::<()>();
    let db = app.db.clone();
    let holder = std::thread::spawn(move || {
        let mut conn = db.get().unwrap();
        write_transaction(&mut conn, |_| {
            locked.send(()).unwrap();
            released.recv_timeout(Duration::from_secs(120)).unwrap();
            Ok(())
        })
        .unwrap();
    });
    is_locked.recv_timeout(Duration::from_secs(10)).unwrap();

    let public = [
        "/you-said-we-did",
        "/you-said-we-did?lang=ur&theme=food-and-drink",
        "/you-said-we-did/feed.atom",
        "/subscribe/confirm/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "/unsubscribe/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    ];
    let staff_pages = [
        "/staff/review",
        "/staff/safeguarding",
        "/staff/dashboard",
        "/staff/dashboard/themes/food-and-drink",
        "/staff/actions",
        "/staff/actions/new",
    ];
    for path in public.iter().chain(&staff_pages) {
        let started = Instant::now();
        let page = if path.starts_with("/staff") { staff.get(path).await } else { app.get(path).await };
        let took = started.elapsed();
        assert!(page.status < 500, "{path}: {} {}", page.status, page.body);
        // A page that waited for the lock would take the busy timeout, 10 s.
        assert!(took < Duration::from_secs(3), "{path} waited {took:?} for the write lock");
    }
    let started = Instant::now();
    let tracked = app.post("/track", &[("code", &code)]).await;
    assert_eq!(tracked.status, 200, "{}", tracked.body);
    assert!(started.elapsed() < Duration::from_secs(3), "/track waited for the write lock");

    release.send(()).unwrap();
    holder.join().unwrap();
}

/// The action the publisher published, and an admin who may unpublish it.
fn the_action(app: &TestApp) -> String {
    actions::table.select(actions::id).first(&mut app.db.get().unwrap()).unwrap()
}

fn we_did<'a>(token: &'a str, statement: &'a str, child_text: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", token),
        ("you_said", statement),
        ("status", "doing"),
        ("reason", ""),
        ("child_text", child_text),
        ("detailed_text", "Every primary school runs a free breakfast club."),
        ("agency", "Schools and catering"),
        ("due_on", "2027-03-31"),
        ("done_on", ""),
        ("intent", "publish"),
    ]
}

/// Every version of the board a reader might be keeping, and the feed.
const KEPT: [&str; 4] = [
    "/you-said-we-did",
    "/you-said-we-did?lang=ur",
    "/you-said-we-did?theme=food-and-drink&view=detailed",
    "/you-said-we-did/feed.atom",
];

async fn all_show(app: &TestApp, text: &str) -> bool {
    for path in KEPT {
        if !app.get(path).await.body.contains(text) {
            return false;
        }
    }
    true
}

async fn none_show(app: &TestApp, text: &str) -> bool {
    for path in KEPT {
        if app.get(path).await.body.contains(text) {
            return false;
        }
    }
    true
}

/// Views of the board that show the food answer and that no other step
/// asks for: the first request for one draws it, and so reads the
/// database's version then, so the instance will not ask again for a second.
const UNASKED: [&str; 4] = [
    "/you-said-we-did?lang=pl",
    "/you-said-we-did?view=detailed&lang=en",
    "/you-said-we-did?theme=food-and-drink&lang=ur",
    "/you-said-we-did?theme=food-and-drink&view=detailed&lang=pl",
];

#[tokio::test]
async fn the_kept_board_changes_at_once_on_publish_edit_and_unpublish() {
    on_each_database(|app| async move {
        // Kept while empty…
        assert!(none_show(&app, WE_DID).await);
        assert!(none_show(&app, WE_DID).await, "and served again from what is kept");
        // …and drawn again once something is published.
        publish_about_food(&app).await;
        assert!(all_show(&app, WE_DID).await, "a publish shows");
        // (STATEMENT, but for its apostrophe, which pages escape.)
        assert!(all_show(&app, "enough to eat at school").await, "with the statement it answers");
        let mut unasked = UNASKED.iter();

        // What is kept is served without asking the database again for a
        // second: a change made behind the service's back shows only then.
        let view = unasked.next().unwrap();
        assert!(app.get(view).await.body.contains(WE_DID));
        let agency = "Behind its back";
        diesel::update(actions::table).set(actions::agency.eq(agency)).execute(&mut app.db.get().unwrap()).unwrap();
        assert!(!app.get(view).await.body.contains(agency), "served as kept");
        let started = Instant::now();
        while !app.get(view).await.body.contains(agency) {
            assert!(started.elapsed() < Duration::from_secs(5), "the change never showed");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }

        // A change made through the service shows at once, though the
        // instance has just asked the database (it would otherwise wait a
        // second before asking again).
        let id = the_action(&app);
        make_staff(&app, "admin@example.org", &[Role::Admin]);
        let admin = Staff::sign_in(&app, "admin@example.org").await;
        let edit = admin.get(&format!("/staff/actions/{id}")).await;
        let statement: String = you_said::table.select(you_said::id).first(&mut app.db.get().unwrap()).unwrap();
        let changed = "Breakfast clubs have started in 12 schools.";
        let view = unasked.next().unwrap();
        assert!(!app.get(view).await.body.contains(changed));
        let saved = admin.post(&format!("/staff/actions/{id}"), &we_did(&csrf(&edit), &statement, changed)).await;
        assert_eq!(saved.status, 303, "{}", saved.body);
        assert!(app.get(view).await.body.contains(changed), "an edit shows at once");
        assert!(all_show(&app, changed).await);

        // The Youth Council rewords "You said": the board shows the new words.
        make_staff(&app, "youth2@example.org", &[Role::YouthReviewer]);
        let youth = Staff::sign_in(&app, "youth2@example.org").await;
        let token = csrf(&youth.get("/staff/you-said").await);
        let reworded = "You said lunch is too small.";
        let form = [("csrf", token.as_str()), ("theme", "food-and-drink"), ("statement", reworded)];
        let view = unasked.next().unwrap();
        assert!(!app.get(view).await.body.contains(reworded));
        assert_eq!(youth.post("/staff/you-said", &form).await.status, 303);
        assert!(app.get(view).await.body.contains(reworded), "a new \u{201c}You said\u{201d} shows at once");
        assert!(all_show(&app, reworded).await);
        assert!(none_show(&app, "enough to eat at school").await);

        let page = admin.get(&format!("/staff/actions/{id}")).await;
        let view = unasked.next().unwrap();
        assert!(app.get(view).await.body.contains(changed));
        let done = admin.post(&format!("/staff/actions/{id}/unpublish"), &[("csrf", &csrf(&page))]).await;
        assert_eq!(done.status, 303);
        assert!(!app.get(view).await.body.contains(changed), "an unpublish shows at once");
        assert!(none_show(&app, changed).await);
    })
    .await;
}

/// Two instances on one database (a SQLite file both open, or one
/// PostgreSQL database), as README "Running more than one instance" has it.
async fn two_instances(db: TestDb) -> (TestApp, TestApp, Option<(String, String)>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let (url, place) = match db {
        TestDb::Sqlite => (dir.path().join("shared.sqlite3").to_string_lossy().into_owned(), None),
        TestDb::Postgres(admin) => {
            let (url, name) = support::served::create_postgres_database(&admin, "ll_reads_two");
            (url, Some((admin, name)))
        }
    };
    let secret = listening_loop::config::SecretKey::generate();
    let mut apps = Vec::new();
    for _ in 0..2 {
        let (url, secret) = (url.clone(), secret.clone());
        apps.push(
            spawn_app_configured(TestDb::Sqlite, move |s| {
                s.database_url = url;
                s.secret = secret;
            })
            .await,
        );
    }
    let second = apps.pop().unwrap();
    (apps.pop().unwrap(), second, place, dir)
}

/// How long until every kept page on `app` shows (or stops showing) `text`.
async fn until(app: &TestApp, text: &str, shown: bool) -> Duration {
    let started = Instant::now();
    loop {
        let now = if shown { all_show(app, text).await } else { none_show(app, text).await };
        if now {
            return started.elapsed();
        }
        assert!(started.elapsed() < Duration::from_secs(10), "the other instance never showed the change");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_publish_on_one_instance_reaches_the_other_instances_board() {
    for db in support::databases() {
        let (one, other, place, _dir) = two_instances(db).await;
        eprintln!("-- on {}", one.backend_name());
        // The other instance keeps its empty board.
        assert!(none_show(&other, WE_DID).await);
        publish_about_food(&one).await;
        let took = until(&other, WE_DID, true).await;
        eprintln!("the other instance showed the publish after {took:?}");
        assert!(took < listening_loop::publish::cache::CHECK_EVERY * 3, "took {took:?}");

        make_staff(&one, "admin@example.org", &[Role::Admin]);
        let admin = Staff::sign_in(&other, "admin@example.org").await;
        let id = the_action(&one);
        let page = admin.get(&format!("/staff/actions/{id}")).await;
        let done = admin.post(&format!("/staff/actions/{id}/unpublish"), &[("csrf", &csrf(&page))]).await;
        assert_eq!(done.status, 303);
        assert!(none_show(&other, WE_DID).await, "at once where it was done");
        let took = until(&one, WE_DID, false).await;
        assert!(took < listening_loop::publish::cache::CHECK_EVERY * 3, "took {took:?}");
        drop((one, other));
        if let Some((admin, name)) = place {
            support::served::drop_postgres_database(&admin, &name);
        }
    }
}

#[tokio::test]
async fn a_kept_board_is_served_without_reading_what_is_published() {
    // PostgreSQL can lock one table against readers: the board's tables,
    // while the version stays readable.
    for db in support::databases() {
        let TestDb::Postgres(_) = db else { continue };
        let app = support::spawn_app(db).await;
        publish_about_food(&app).await;
        assert!(all_show(&app, WE_DID).await, "drawn once, and kept");
        let (locked, is_locked) = mpsc::channel();
        let (release, released) = mpsc::channel::<()>();
        let pool = app.db.clone();
        let holder = std::thread::spawn(move || {
            let mut conn = pool.get().unwrap();
            conn.transaction(|conn| {
                diesel::sql_query("LOCK TABLE actions, action_history IN ACCESS EXCLUSIVE MODE").execute(conn)?;
                locked.send(()).unwrap();
                released.recv_timeout(Duration::from_secs(120)).unwrap();
                QueryResult::Ok(())
            })
            .unwrap();
        });
        is_locked.recv_timeout(Duration::from_secs(10)).unwrap();
        let started = Instant::now();
        let reads = (0..200).map(|_| {
            let client = app.client.clone();
            let url = format!("{}/you-said-we-did", app.address);
            async move { client.get(url).timeout(Duration::from_secs(5)).send().await?.text().await }
        });
        let pages = futures_util::future::join_all(reads).await;
        let took = started.elapsed();
        release.send(()).unwrap();
        holder.join().unwrap();
        for page in pages {
            assert!(page.expect("served while the tables are locked").contains(WE_DID));
        }
        eprintln!("200 kept boards served in {took:?} while the published tables were locked");
    }
}

#[tokio::test]
async fn signing_up_again_sends_nothing_new_and_says_the_same() {
    for db in support::databases() {
        let smtp = SmtpListener::start().await;
        let url = smtp.url();
        let app = spawn_app_configured(db, move |s| s.smtp_url = Some(url)).await;
        eprintln!("-- on {}", app.backend_name());
        let sign_up = |email: &'static str, theme: &'static str, lang: &'static str| {
            let app = &app;
            async move { app.post(&format!("/subscribe?lang={lang}"), &[("email", email), ("theme", theme)]).await }
        };
        let stored = |email: &str| {
            subscribers::table
                .filter(subscribers::email.eq(email))
                .select((
                    subscribers::created_at,
                    subscribers::confirm_hash,
                    subscribers::theme_id,
                    subscribers::language,
                ))
                .first::<(chrono::NaiveDateTime, Option<String>, Option<String>, String)>(&mut app.db.get().unwrap())
                .unwrap()
        };
        let mails_to = |email: &str| smtp.received().iter().filter(|m| m.to.iter().any(|t| t == email)).count();
        let queued_to = |email: &str| {
            outbox::table.filter(outbox::to_address.eq(email)).count().get_result::<i64>(&mut app.db.get().unwrap())
        };

        let first = sign_up("kid@example.org", "", "en").await;
        assert_eq!(first.status, 200, "{}", first.body);
        let mail = smtp.wait_for("kid@example.org", 10).await.expect("one confirmation email");
        let original = stored("kid@example.org");

        // Someone signs the same address up again, asking for another theme
        // and language: nothing is sent, nothing changes, and the page is
        // the one a new address gets. (Sign-ups are limited to 10 a client,
        // so this test makes 9.)
        for (theme, lang, new) in [("food-and-drink", "ur", "y@example.org"), ("", "en", "x@example.org")] {
            let again = sign_up("kid@example.org", theme, lang).await;
            let fresh = sign_up(new, theme, lang).await;
            assert_eq!(again.status, fresh.status);
            assert_eq!(again.body, fresh.body, "the page never tells whether an address was signed up");
        }
        // The outbox sends in order: once the last new address's email is
        // out, any email queued for the first before it would be out too.
        smtp.wait_for("x@example.org", 10).await.expect("the last sign-up's email");
        assert_eq!(mails_to("kid@example.org"), 1, "one email, however many sign-ups");
        assert_eq!(queued_to("kid@example.org").unwrap(), 1);
        assert_eq!(stored("kid@example.org"), original, "the same link, expiry, theme and language");

        // The first link still works; a confirmed address gets nothing either.
        let link = mail.link("http://127.0.0.1/subscribe/confirm/").expect("a confirmation link");
        let path = link.strip_prefix("http://127.0.0.1").unwrap();
        assert!(app.post(path, &[]).await.body.contains("You're signed up"));
        assert_eq!(sign_up("kid@example.org", "", "en").await.body, first.body);
        assert_eq!(sign_up("z@example.org", "", "en").await.status, 200);
        smtp.wait_for("z@example.org", 10).await.expect("the last sign-up's email");
        assert_eq!(mails_to("kid@example.org"), 1);

        // Once a link has run out unused, signing up starts afresh.
        let late = "late@example.org";
        assert_eq!(sign_up(late, "", "en").await.status, 200);
        smtp.wait_for(late, 10).await.expect("its first email");
        let eight_days_ago = chrono::Utc::now().naive_utc() - chrono::TimeDelta::days(8);
        diesel::update(subscribers::table.filter(subscribers::email.eq(late)))
            .set(subscribers::created_at.eq(eight_days_ago))
            .execute(&mut app.db.get().unwrap())
            .unwrap();
        assert_eq!(sign_up(late, "", "en").await.body, first.body);
        for _ in 0..200 {
            if mails_to(late) == 2 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(mails_to(late), 2, "a new link, as the old one ran out");
    }
}
