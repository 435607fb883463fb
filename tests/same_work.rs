//! Same work whatever the answer: someone timing a receipt code lookup, a
//! password reset request or an email sign-up learns nothing from how long
//! it took. Each kind of request is asked a few hundred times, in turn with
//! the others, and compared with a second series of one kind (see
//! `support::timing`). A file of its own, its tests one at a time, so that
//! no other test's load lands on one kind.

mod support;

use std::time::{Duration, Instant};

use diesel::prelude::*;
use listening_loop::db::schema::subscribers;
use listening_loop::staff::roles::Role;
use listening_loop::staff::store;
use support::staff::{answer_with, csrf, make_staff};
use support::timing::{Series, assert_alike, client_from, order};
use support::{Page, TestApp, on_each_database};

/// Rounds of each test: in each, every kind is asked once.
const ROUNDS: usize = 250;
/// Fewer for the answers that wait out `limits::SAME_TIME`.
const PADDED_ROUNDS: usize = 80;

/// Only one of these tests runs at a time.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Posts `form` to `path`; how long until the whole page was read, and the page.
async fn timed_post(client: &reqwest::Client, app: &TestApp, path: &str, form: &[(&str, &str)]) -> (Duration, Page) {
    let started = Instant::now();
    let res = client
        .post(format!("{}{path}", app.address))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(support::form_body(form))
        .send()
        .await
        .expect("POST");
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let body = res.text().await.expect("a body");
    (started.elapsed(), Page { status, headers, body })
}

/// The page at `path` as `client` sees it (which also opens the connection
/// the timed posts then use).
async fn get(client: &reqwest::Client, app: &TestApp, path: &str) -> Page {
    let res = client.get(format!("{}{path}", app.address)).send().await.expect("GET");
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    Page { status, headers, body: res.text().await.expect("a body") }
}

#[tokio::test]
async fn a_receipt_code_takes_as_long_to_look_up_whatever_it_finds() {
    let _alone = ONE_AT_A_TIME.lock().await;
    on_each_database(|app| async move {
        let waiting = answer_with(&app, "the park near us has no swings").await;
        let flagged = answer_with(&app, "my stepdad hits me and I am scared to go home").await;
        // One code in 1.2 × 10¹⁰: neither of the two above.
        let unknown = "APPLE-ACORN-ATTIC-10".to_owned();
        // A code whose response was grouped shows its themes and what was
        // done: a page of its own, which takes longer to draw, and tells no
        // more than its length does. Not compared here.
        let kinds = [
            ("flagged", &flagged, 200),
            ("flagged again", &flagged, 200),
            ("not yet grouped", &waiting, 200),
            ("unknown", &unknown, 404),
        ];
        let mut series: Vec<Series> = kinds.iter().map(|(kind, _, _)| Series::new(kind)).collect();
        let mut pages: Vec<Page> = Vec::new();
        for round in 0..ROUNDS {
            // Four lookups a round, within the per-client limit.
            let client = client_from(round);
            assert_eq!(get(&client, &app, "/track").await.status, 200);
            pages.clear();
            for k in order(kinds.len(), round) {
                let (kind, code, status) = kinds[k];
                let (took, page) = timed_post(&client, &app, "/track", &[("code", code)]).await;
                assert_eq!(page.status, status, "{kind}: {}", page.body);
                series[k].times.push(took);
                if kind.starts_with("flagged") || kind == "not yet grouped" {
                    pages.push(page);
                }
            }
            assert!(pages.iter().all(|p| p.body == pages[0].body), "flagged looks exactly like not yet grouped");
        }
        assert!(pages[0].body.contains("still being read"));
        assert_alike(&series[0], &series[1], &series[2..]);
    })
    .await;
}

/// A page with its form token's value taken out: the token is masked
/// afresh each time a page is drawn, so no two pages carry the same value.
fn without_form_token(body: &str) -> String {
    const FIELD: &str = "name=\"csrf\" value=\"";
    match body.find(FIELD) {
        Some(start) => {
            let value = start + FIELD.len();
            let end = body[value..].find('"').map_or(body.len(), |e| value + e);
            format!("{}{}", &body[..value], &body[end..])
        }
        None => body.to_owned(),
    }
}

#[tokio::test]
async fn a_password_reset_takes_as_long_to_ask_for_whether_or_not_the_address_has_an_account() {
    let _alone = ONE_AT_A_TIME.lock().await;
    on_each_database(|app| async move {
        make_staff(&app, "kim@example.org", &[Role::Publisher]);
        let gone = make_staff(&app, "gone@example.org", &[Role::Publisher]);
        store::set_active(&mut app.db.get().unwrap(), &gone, false).unwrap();
        let kinds = [
            ("an account", "kim@example.org"),
            ("an account again", "kim@example.org"),
            ("no account", "nobody@example.org"),
            ("a deactivated account", "gone@example.org"),
        ];
        let mut series: Vec<Series> = kinds.iter().map(|(kind, _)| Series::new(kind)).collect();
        for round in 0..PADDED_ROUNDS {
            // Four requests a round, within the per-client limit.
            let client = client_from(round);
            let token = csrf(&get(&client, &app, "/staff/reset").await);
            let mut bodies = Vec::new();
            for k in order(kinds.len(), round) {
                let (kind, email) = kinds[k];
                let (took, page) =
                    timed_post(&client, &app, "/staff/reset", &[("csrf", &token), ("email", email)]).await;
                assert_eq!(page.status, 200, "{kind}: {}", page.body);
                series[k].times.push(took);
                bodies.push(without_form_token(&page.body));
            }
            assert!(bodies.iter().all(|b| *b == bodies[0]), "the same page whatever the address");
        }
        // Mail goes to the account only.
        let to = |email: &str| app.count_where("outbox", &format!("to_address = '{email}'"));
        assert_eq!(to("kim@example.org"), 2 * PADDED_ROUNDS as i64);
        assert_eq!(to("nobody@example.org") + to("gone@example.org"), 0);
        assert_alike(&series[0], &series[1], &series[2..]);
    })
    .await;
}

#[tokio::test]
async fn signing_up_for_email_takes_as_long_whether_or_not_the_address_is_signed_up() {
    let _alone = ONE_AT_A_TIME.lock().await;
    on_each_database(|app| async move {
        for email in ["waiting@example.org", "sure@example.org"] {
            assert_eq!(app.post("/subscribe", &[("email", email), ("theme", "")]).await.status, 200);
        }
        diesel::update(subscribers::table.filter(subscribers::email.eq("sure@example.org")))
            .set(subscribers::confirmed_at.eq(chrono::Utc::now().naive_utc()))
            .execute(&mut app.db.get().unwrap())
            .unwrap();
        let kinds = ["a new address", "a new address again", "waiting for its link", "confirmed"];
        let mut series: Vec<Series> = kinds.iter().map(|kind| Series::new(kind)).collect();
        for round in 0..PADDED_ROUNDS {
            // Four sign-ups a round, within the per-client limit.
            let client = client_from(round);
            assert_eq!(get(&client, &app, "/subscribe").await.status, 200);
            let mut bodies = Vec::new();
            for k in order(kinds.len(), round) {
                let email = match k {
                    0 | 1 => format!("new{round}-{k}@example.org"),
                    2 => "waiting@example.org".to_owned(),
                    _ => "sure@example.org".to_owned(),
                };
                let (took, page) =
                    timed_post(&client, &app, "/subscribe", &[("email", &email), ("theme", "food-and-drink")]).await;
                assert_eq!(page.status, 200, "{}: {}", kinds[k], page.body);
                series[k].times.push(took);
                bodies.push(without_form_token(&page.body));
            }
            assert!(bodies.iter().all(|b| *b == bodies[0]), "the same page whatever the address");
        }
        assert_eq!(app.count("subscribers"), 2 + 2 * PADDED_ROUNDS as i64);
        assert_alike(&series[0], &series[1], &series[2..]);
    })
    .await;
}
