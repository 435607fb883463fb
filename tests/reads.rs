//! Reading never holds up writing: pages that only show what is stored use
//! read-only transactions, which never take the write lock.

mod support;

use std::sync::mpsc;
use std::time::{Duration, Instant};

use diesel::prelude::*;
use listening_loop::db::schema::{distribution_links, responses};
use listening_loop::db::{Backend, DbConnection, read_transaction, write_transaction};
use listening_loop::staff::roles::Role;
use support::staff::{Staff, answer_with, make_staff};
use support::{TestApp, TestDb, on_each_database};

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
