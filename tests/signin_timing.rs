//! A sign-in that fails takes as long whatever the address: a wrong
//! password, an address with no account, a deactivated account, one whose
//! invite was never accepted, and one waiting after five tries (which must
//! not answer quickly, or the quick answer would tell a stranger the
//! address has an account). Each kind is tried in turn with the others and
//! compared with a second series of wrong passwords (see `support::timing`).
//! A file of its own, so no other test's load lands on one kind of try.

mod support;

use std::time::{Duration, Instant};

use listening_loop::staff::roles::Role;
use listening_loop::staff::store;
use support::staff::{PASSWORD, Staff, make_staff};
use support::timing::{Series, assert_alike, client_from, order};
use support::{TestApp, on_each_database};

/// Rounds: in each, every kind is tried once. Each try checks a password
/// (tens of milliseconds), so fewer than the other timing tests.
const ROUNDS: usize = 60;

/// Tries a sign-in from `browser`; how long the post took, once its form was fetched.
async fn timed_sign_in(browser: &Staff, csrf: &str, email: &str, password: &str) -> Duration {
    let started = Instant::now();
    let page = browser.post("/staff/sign-in", &[("csrf", csrf), ("email", email), ("password", password)]).await;
    let took = started.elapsed();
    assert_eq!(page.status, 401, "{email}");
    took
}

fn browser_from(app: &TestApp, n: usize) -> Staff {
    Staff { client: client_from(n), base: app.address.clone() }
}

#[tokio::test]
async fn a_sign_in_that_fails_takes_as_long_whatever_the_address() {
    on_each_database(|app| async move {
        let mut conn = app.db.get().unwrap();
        let counted = [
            make_staff(&app, "kim@example.org", &[Role::Publisher]),
            make_staff(&app, "lee@example.org", &[Role::Publisher]),
            make_staff(&app, "gone@example.org", &[Role::Publisher]),
            store::create(
                &mut conn,
                &listening_loop::mail::EmailAddress::parse("new@example.org").unwrap(),
                "Invited",
                &[Role::Publisher],
            )
            .unwrap()
            .expect("a new account"),
        ];
        store::set_active(&mut conn, &counted[2], false).unwrap();
        make_staff(&app, "waits@example.org", &[Role::SafeguardingLead]);
        let first = browser_from(&app, 10_000);
        let csrf = first.csrf_on("/staff/sign-in").await;
        for _ in 0..store::SIGNIN_TRIES {
            timed_sign_in(&first, &csrf, "waits@example.org", "not the password").await;
        }
        let kinds = [
            ("a wrong password", "kim@example.org", "not the password"),
            ("a wrong password again", "lee@example.org", "not the password"),
            ("no account", "nobody@example.org", "not the password"),
            ("a deactivated account", "gone@example.org", PASSWORD),
            ("no password set yet", "new@example.org", PASSWORD),
            ("an account waiting after five tries", "waits@example.org", PASSWORD),
        ];
        let mut series: Vec<Series> = kinds.iter().map(|(kind, _, _)| Series::new(kind)).collect();
        for round in 0..ROUNDS {
            // Six tries a round, within the per-client limit.
            let browser = browser_from(&app, round);
            let csrf = browser.csrf_on("/staff/sign-in").await;
            for k in order(kinds.len(), round) {
                let (_, email, password) = kinds[k];
                series[k].times.push(timed_sign_in(&browser, &csrf, email, password).await);
            }
            // Each try counts against its account: given back between rounds,
            // so none of these waits (the one that does is a kind of its own).
            for id in &counted {
                store::clear_failed_signins(&mut conn, id).unwrap();
            }
        }
        assert_alike(&series[0], &series[1], &series[2..]);
    })
    .await;
}
