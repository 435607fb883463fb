//! A waiting account takes as long to refuse as a wrong password, and as an
//! address with no account (which never waits): otherwise the quick answer
//! after five tries would tell a stranger the address has an account. A file
//! of its own, so no other test's load lands on one kind of try.

mod support;

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use listening_loop::staff::roles::Role;
use support::staff::{PASSWORD, Staff, make_staff};
use support::{TestApp, on_each_database};

const SAMPLES: usize = 7;

/// A sign-in from its own loopback address (so the per-address limit never
/// answers instead); how long the post took, once its form was fetched.
async fn timed_sign_in(app: &TestApp, n: usize, email: &str, password: &str) -> Duration {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 3, 2 + n as u8)))
        .build()
        .unwrap();
    let browser = Staff { client, base: app.address.clone() };
    let csrf = browser.csrf_on("/staff/sign-in").await;
    let started = Instant::now();
    let page = browser.post("/staff/sign-in", &[("csrf", &csrf), ("email", email), ("password", password)]).await;
    let took = started.elapsed();
    assert_eq!(page.status, 401, "{email}");
    took
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

#[tokio::test]
async fn a_waiting_account_is_refused_as_slowly_as_a_wrong_password() {
    on_each_database(|app| async move {
        let waiting = "kim@example.org";
        make_staff(&app, waiting, &[Role::SafeguardingLead]);
        for n in 0..5 {
            timed_sign_in(&app, 100 + n, waiting, "not the password").await;
        }
        // Taken in turn, so a change in the machine's speed falls on all three.
        let (mut wrong, mut nobody, mut refused) = (Vec::new(), Vec::new(), Vec::new());
        for n in 0..SAMPLES {
            let fresh = format!("person{n}@example.org");
            make_staff(&app, &fresh, &[Role::Publisher]);
            wrong.push(timed_sign_in(&app, 3 * n, &fresh, "not the password").await);
            nobody.push(timed_sign_in(&app, 3 * n + 1, &format!("nobody{n}@example.org"), "not the password").await);
            refused.push(timed_sign_in(&app, 3 * n + 2, waiting, PASSWORD).await);
        }
        let (wrong, nobody, refused) = (median(wrong), median(nobody), median(refused));
        eprintln!("median sign-in refusal: wrong password {wrong:?}, no account {nobody:?}, waiting {refused:?}");
        // The password check is most of each; without it a refusal takes a
        // small fraction of a wrong password's time.
        for (what, took) in [("no account", nobody), ("a waiting account", refused)] {
            assert!(
                took * 2 > wrong && took < wrong * 2,
                "{what} took {took:?}, a wrong password {wrong:?}: the difference tells"
            );
        }
    })
    .await;
}
