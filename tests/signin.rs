//! Signing in under attack: five tries an account, then a 15-minute wait,
//! however many tries arrive at once and from however many addresses; the
//! per-address limit besides; and a waiting account that answers exactly
//! like a wrong password. On each database.

mod support;

use std::net::{IpAddr, Ipv4Addr};

use diesel::prelude::*;
use listening_loop::db::schema::staff;
use listening_loop::staff::roles::Role;
use listening_loop::staff::store::{self, TokenPurpose};
use support::staff::{PASSWORD, Staff, make_staff};
use support::{Page, TestApp, on_each_database};

const TRIES: usize = 120;
const WRONG: &str = "not the password at all";

/// A browser whose connections come from `address` (all of 127/8 is this
/// machine), so the service sees a client of its own.
fn browser_at(app: &TestApp, address: Ipv4Addr) -> Staff {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .local_address(IpAddr::V4(address))
        .build()
        .expect("an HTTP client");
    Staff { client, base: app.address.clone() }
}

/// The `n`th of many clients, each with its own loopback address.
fn nth_address(n: usize) -> Ipv4Addr {
    Ipv4Addr::new(127, 0, (1 + n / 250) as u8, (2 + n % 250) as u8)
}

/// Sends [`TRIES`] wrong passwords for `email` all at once, from the
/// addresses `from` gives; the status of each answer.
async fn burst(app: &TestApp, email: &str, from: impl Fn(usize) -> Ipv4Addr) -> Vec<u16> {
    // Each browser fetches its form token first, so the posts go together.
    let mut browsers = Vec::new();
    for n in 0..TRIES {
        let browser = browser_at(app, from(n));
        let csrf = browser.csrf_on("/staff/sign-in").await;
        browsers.push((browser, csrf));
    }
    let posts = browsers.iter().map(|(browser, csrf)| async move {
        browser.post("/staff/sign-in", &[("csrf", csrf), ("email", email), ("password", WRONG)]).await.status
    });
    futures_util::future::join_all(posts).await
}

fn count_action(app: &TestApp, action: &str, staff_id: &str) -> i64 {
    app.count_where("audit_log", &format!("action = '{action}' AND object_id = '{staff_id}'"))
}

/// Moves the account's last counted try `minutes` into the past: the wait's
/// clock, without waiting.
fn move_last_try_back(app: &TestApp, id: &str, minutes: i64) {
    let at = chrono::Utc::now().naive_utc() - chrono::TimeDelta::minutes(minutes);
    diesel::update(staff::table.filter(staff::id.eq(id)))
        .set(staff::last_failed_signin_at.eq(at))
        .execute(&mut app.db.get().unwrap())
        .unwrap();
}

/// After a burst used the account's five tries: the right password is
/// refused with the same page until the wait is over, then works.
async fn waits_fifteen_minutes(app: &TestApp, email: &str, id: &str) {
    let elsewhere = browser_at(app, Ipv4Addr::new(127, 0, 200, 1));
    let refused = elsewhere.sign_in_with(email, PASSWORD).await;
    assert_eq!(refused.status, 401, "the right password waits too, from a fresh address");
    assert!(refused.body.contains("The email address or password is not right"));
    move_last_try_back(app, id, 14);
    assert_eq!(elsewhere.sign_in_with(email, PASSWORD).await.status, 401, "14 minutes is not the wait");
    move_last_try_back(app, id, 16);
    assert_eq!(elsewhere.sign_in_with(email, PASSWORD).await.status, 303, "after 15 minutes it signs in");
    let tries: i32 =
        staff::table.filter(staff::id.eq(id)).select(staff::failed_signins).first(&mut app.db.get().unwrap()).unwrap();
    assert_eq!(tries, 0, "signing in gives the tries back");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_wrong_passwords_from_one_client_check_five() {
    on_each_database(|app| async move {
        let id = make_staff(&app, "jo@example.org", &[Role::SafeguardingLead]);
        let statuses = burst(&app, "jo@example.org", |_| Ipv4Addr::new(127, 0, 0, 1)).await;
        assert!(statuses.iter().all(|s| [401, 429].contains(s)), "only 401 and 429, never a 5xx: {statuses:?}");
        let refused = statuses.iter().filter(|s| **s == 401).count() as i64;
        assert_eq!(count_action(&app, "sign-in try", &id), 5, "exactly five passwords were checked");
        assert_eq!(
            count_action(&app, "refused sign-in", &id),
            refused - 5,
            "every other 401 is a refusal while waiting"
        );
        waits_fifteen_minutes(&app, "jo@example.org", &id).await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_wrong_passwords_from_many_clients_check_five() {
    on_each_database(|app| async move {
        let id = make_staff(&app, "jo@example.org", &[Role::SafeguardingLead]);
        let statuses = burst(&app, "jo@example.org", nth_address).await;
        // Each address is well inside its own limit, so every try reaches
        // the account: only its count stops them.
        assert!(statuses.iter().all(|s| *s == 401), "{statuses:?}");
        assert_eq!(count_action(&app, "sign-in try", &id), 5, "exactly five passwords were checked");
        assert_eq!(count_action(&app, "refused sign-in", &id), TRIES as i64 - 5);
        for n in 1..=5 {
            let counted = format!("action = 'sign-in try' AND detail = '{n} of 5'");
            assert_eq!(app.count_where("audit_log", &counted), 1, "each try counted once, in turn");
        }
        waits_fifteen_minutes(&app, "jo@example.org", &id).await;
    })
    .await;
}

/// What a sign-in page says, without what differs between any two of them
/// (the form token, and the address typed back into the form).
fn words(page: &Page, typed: &str) -> String {
    let selector = scraper::Selector::parse("input[name=csrf]").unwrap();
    let html = page.html();
    let token = html.select(&selector).next().and_then(|e| e.value().attr("value")).unwrap_or_default();
    page.body.replace(token, "TOKEN").replace(typed, "TYPED")
}

#[tokio::test]
async fn a_waiting_account_answers_like_a_wrong_password_and_like_no_account() {
    on_each_database(|app| async move {
        make_staff(&app, "sam@example.org", &[Role::Publisher]);
        let id = make_staff(&app, "kim@example.org", &[Role::Publisher]);
        for n in 0..5 {
            assert_eq!(browser_at(&app, nth_address(n)).sign_in_with("kim@example.org", WRONG).await.status, 401);
        }
        let wrong = browser_at(&app, nth_address(10)).sign_in_with("sam@example.org", WRONG).await;
        let nobody = browser_at(&app, nth_address(11)).sign_in_with("nobody@example.org", WRONG).await;
        let waiting = browser_at(&app, nth_address(12)).sign_in_with("kim@example.org", PASSWORD).await;
        assert_eq!((wrong.status, nobody.status, waiting.status), (401, 401, 401));
        let expected = words(&wrong, "sam@example.org");
        assert_eq!(words(&nobody, "nobody@example.org"), expected, "no account: the same page");
        assert_eq!(words(&waiting, "kim@example.org"), expected, "a waiting account: the same page");
        assert!(expected.contains("the account waits 15 minutes, or until you set a new password"));
        assert_eq!(count_action(&app, "refused sign-in", &id), 1);
    })
    .await;
}

#[tokio::test]
async fn a_new_password_ends_the_wait() {
    on_each_database(|app| async move {
        let id = make_staff(&app, "lee@example.org", &[Role::SafeguardingLead]);
        for n in 0..6 {
            assert_eq!(browser_at(&app, nth_address(n)).sign_in_with("lee@example.org", WRONG).await.status, 401);
        }
        let token = store::issue_token(&mut app.db.get().unwrap(), &id, TokenPurpose::Reset).unwrap();
        let browser = browser_at(&app, nth_address(20));
        let path = format!("/staff/reset/{token}");
        let csrf = browser.csrf_on(&path).await;
        let new_password = "a brand new long password";
        assert_eq!(browser.post(&path, &[("csrf", &csrf), ("password", new_password)]).await.status, 303);
        let fresh = browser_at(&app, nth_address(21));
        assert_eq!(fresh.sign_in_with("lee@example.org", new_password).await.status, 303, "no wait after a reset");
    })
    .await;
}

#[tokio::test]
async fn a_client_that_keeps_failing_is_stopped() {
    on_each_database(|app| async move {
        // Ten failed tries from one address, then one every 90 seconds,
        // across accounts that do and do not exist.
        let one = browser_at(&app, Ipv4Addr::new(127, 0, 9, 9));
        let mut statuses = Vec::new();
        for n in 0..12 {
            statuses.push(one.sign_in_with(&format!("someone{n}@example.org"), WRONG).await.status);
        }
        assert_eq!(statuses[..10], [401; 10], "{statuses:?}");
        assert!(statuses[10..].contains(&429), "the per-address limit holds: {statuses:?}");
        assert_eq!(
            browser_at(&app, Ipv4Addr::new(127, 0, 9, 10)).sign_in_with("x@example.org", WRONG).await.status,
            401
        );
    })
    .await;
}
