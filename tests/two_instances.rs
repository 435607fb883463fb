//! Two instances, one PostgreSQL: how the service grows past one machine.
//! Both processes share the database and `SECRET_KEY`, keep no state of
//! their own, and so either can take any request: a journey started on one
//! carries on on the other, and every submission counts once.

mod support;

use std::time::Duration;

use support::TestDb;
use support::served::{self, Server, ServerConfig};

const SECRET: &str = "two-instance secret key, shared by both processes";
const LINK: &str = "practitioners";
const AGE: &str = "adult";
const PEOPLE: usize = 12;
const EACH: usize = 5;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_share_one_postgresql_database() {
    for db in support::databases() {
        let TestDb::Postgres(admin_url) = db else { continue };
        let (url, name) = served::create_postgres_database(&admin_url, "ll_two");
        let outcome = tokio::spawn(run(url)).await;
        served::drop_postgres_database(&admin_url, &name);
        if let Err(e) = outcome {
            std::panic::resume_unwind(e.into_panic());
        }
    }
}

async fn run(url: String) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let config = |n: usize| ServerConfig {
        binary: env!("CARGO_BIN_EXE_listening-loop").into(),
        database_url: url.clone(),
        data_dir: dir.path().join(format!("instance-{n}")),
        surveys_dir: served::shipped_surveys(),
        secret: SECRET.to_owned(),
        port: served::free_port(),
        extra_env: vec![],
        log: dir.path().join(format!("instance-{n}.log")),
    };
    // One after the other, so the first creates the schema.
    let first = tokio::task::spawn_blocking({
        let c = config(1);
        move || Server::start(c)
    })
    .await
    .unwrap();
    let second = tokio::task::spawn_blocking({
        let c = config(2);
        move || Server::start(c)
    })
    .await
    .unwrap();
    let bases = vec![first.base_url(), second.base_url()];
    let client = reqwest::Client::builder().timeout(Duration::from_secs(20)).build().expect("an HTTP client");

    // A draft sealed by one instance is opened by the other.
    let start = client
        .post(format!("{}/s/{LINK}/start", bases[0]))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("age={AGE}"))
        .send()
        .await
        .expect("start on the first instance");
    let page = served::JourneyPage::parse(&start.text().await.unwrap());
    let (form, _) = page.answer_everything();
    let carried_on = client
        .post(format!("{}/s/{LINK}", bases[1]))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(served::form_body(&form))
        .send()
        .await
        .expect("carry on on the second instance");
    assert_eq!(carried_on.status(), 200, "the second instance refused the first one's draft");
    let next = served::JourneyPage::parse(&carried_on.text().await.unwrap());
    assert!(next.state.is_some() && next.state != page.state, "the second instance moved the journey on");

    // Load spread across both: every page of every walk goes to the other
    // instance than the page before, and sends alternate too.
    let people = (0..PEOPLE).map(|person| {
        let client = client.clone();
        let bases = bases.clone();
        tokio::spawn(async move {
            let mut codes = Vec::new();
            let mut rows_seen = Vec::new();
            for n in 0..EACH {
                let mut order = bases.clone();
                order.rotate_left((person + n) % 2);
                let (check, rows) =
                    served::walk_to_check(&client, &order, LINK, AGE).await.expect("a walk across both");
                let code = served::send(&client, &order[1], LINK, &check)
                    .await
                    .expect("sending works")
                    .expect("sending is acknowledged");
                codes.push(code);
                rows_seen.push(rows);
            }
            (codes, rows_seen)
        })
    });
    let mut codes = Vec::new();
    let mut rows = Vec::new();
    for person in people {
        let (c, r) = person.await.expect("a person finishes");
        codes.extend(c);
        rows.extend(r);
    }
    rows.dedup();
    assert_eq!(rows.len(), 1, "every walk answers the same questions");
    let mut unique = codes.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), PEOPLE * EACH, "every submission got its own receipt code");

    let (stored_url, secret, rows) = (url.clone(), SECRET, rows[0]);
    let stored =
        tokio::task::spawn_blocking(move || served::check_stored(&stored_url, secret, &codes, rows)).await.unwrap();
    assert_eq!(stored.responses, PEOPLE * EACH, "the counts add up: each submission stored once, on either instance");
    assert_eq!(stored.answers, PEOPLE * EACH * rows);

    // A staff session started on one instance is good on the other, and a
    // sign-out on the other ends it on both (the epoch is in the database).
    let added = std::process::Command::new(env!("CARGO_BIN_EXE_listening-loop"))
        .args(["user", "add", "--email", "admin@example.org", "--role", "admin"])
        .env("DATABASE_URL", &url)
        .env("DATA_DIR", dir.path())
        .env("SECRET_KEY", SECRET)
        .output()
        .expect("user add");
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
    let stdout = String::from_utf8_lossy(&added.stdout);
    let link = stdout.split_whitespace().find_map(|w| w.find("/staff/accept/").map(|i| w[i..].to_owned())).unwrap();
    let staff = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a staff browser");
    let form_page = staff.get(format!("{}{link}", bases[0])).send().await.unwrap().text().await.unwrap();
    let token = csrf_in(&form_page);
    let set = staff
        .post(format!("{}{link}", bases[0]))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("csrf={token}&password=a+long+staff+password"))
        .send()
        .await
        .unwrap();
    assert_eq!(set.status(), 303, "signed in on the first instance");
    let elsewhere = staff.get(format!("{}/staff/accounts", bases[1])).send().await.unwrap();
    assert_eq!(elsewhere.status(), 200, "the second instance accepts the first one's session cookie");
    let session_token = csrf_in(&elsewhere.text().await.unwrap());
    let out = staff
        .post(format!("{}/staff/sign-out", bases[1]))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("csrf={session_token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 303);
    let after = staff.get(format!("{}/staff/accounts", bases[0])).send().await.unwrap();
    assert_eq!(after.status(), 303, "signed out on one instance is signed out on both");

    drop((first, second));
}

fn csrf_in(html: &str) -> String {
    let start = html.find("name=\"csrf\" value=\"").expect("a form token") + "name=\"csrf\" value=\"".len();
    html[start..].split('"').next().unwrap_or_default().to_owned()
}

/// Sign-in tries are counted in the database, so five is five across both
/// instances: 120 wrong passwords for one account, sent at once from 120
/// addresses to the two in turn, check five, and then the account waits on
/// both.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_count_sign_in_tries_together() {
    for db in support::databases() {
        let TestDb::Postgres(admin_url) = db else { continue };
        let (url, name) = served::create_postgres_database(&admin_url, "ll_two_signin");
        let outcome = tokio::spawn(sign_in_tries(url)).await;
        served::drop_postgres_database(&admin_url, &name);
        if let Err(e) = outcome {
            std::panic::resume_unwind(e.into_panic());
        }
    }
}

async fn sign_in_tries(url: String) {
    use diesel::prelude::*;
    use listening_loop::db::schema::staff;
    use listening_loop::staff::{password, roles::Role, store};

    const TRIES: usize = 120;
    const PASSWORD: &str = "the lead's long password";
    let dir = tempfile::tempdir().expect("a temporary folder");
    let mut servers = Vec::new();
    for n in 1..=2 {
        let config = ServerConfig {
            binary: env!("CARGO_BIN_EXE_listening-loop").into(),
            database_url: url.clone(),
            data_dir: dir.path().join(format!("instance-{n}")),
            surveys_dir: served::shipped_surveys(),
            secret: SECRET.to_owned(),
            port: served::free_port(),
            extra_env: vec![],
            log: dir.path().join(format!("instance-{n}.log")),
        };
        servers.push(tokio::task::spawn_blocking(move || Server::start(config)).await.unwrap());
    }
    let bases: Vec<String> = servers.iter().map(Server::base_url).collect();
    let db = listening_loop::db::Database::connect(&url).expect("the shared database");
    let id = {
        let mut conn = db.get().unwrap();
        let email = listening_loop::mail::EmailAddress::parse("lead@example.org").unwrap();
        let id = store::create(&mut conn, &email, "Lead", &[Role::SafeguardingLead]).unwrap().unwrap();
        store::set_password(&mut conn, &id, &password::hash(PASSWORD)).unwrap();
        id
    };
    // The `n`th try, from its own loopback address, to one instance or the other.
    let try_sign_in = |n: usize, password: &'static str| {
        let base = bases[n % 2].clone();
        async move {
            let address = std::net::Ipv4Addr::new(127, 0, 1 + (n / 250) as u8, (2 + n % 250) as u8);
            let browser = reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .local_address(std::net::IpAddr::V4(address))
                .timeout(Duration::from_secs(120))
                .build()
                .expect("a browser");
            let form = browser.get(format!("{base}/staff/sign-in")).send().await.unwrap().text().await.unwrap();
            let body = served::form_body(&[
                ("csrf", csrf_in(&form).as_str()),
                ("email", "lead@example.org"),
                ("password", password),
            ]);
            browser
                .post(format!("{base}/staff/sign-in"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    let statuses = futures_util::future::join_all((0..TRIES).map(|n| try_sign_in(n, "not the password"))).await;
    assert!(statuses.iter().all(|s| *s == 401), "{statuses:?}");
    let logged = |action: &str| -> i64 {
        use listening_loop::db::schema::audit_log;
        audit_log::table
            .filter(audit_log::action.eq(action))
            .filter(audit_log::object_id.eq(&id))
            .count()
            .get_result(&mut db.get().unwrap())
            .unwrap()
    };
    assert_eq!(logged("sign-in try"), 5, "five passwords checked across both instances");
    assert_eq!(logged("refused sign-in"), TRIES as i64 - 5);
    // The right password waits on both instances, then works on either.
    assert_eq!(try_sign_in(TRIES, PASSWORD).await, 401);
    assert_eq!(try_sign_in(TRIES + 1, PASSWORD).await, 401);
    let sixteen_minutes_ago = chrono::Utc::now().naive_utc() - chrono::TimeDelta::minutes(16);
    diesel::update(staff::table.filter(staff::id.eq(&id)))
        .set(staff::last_failed_signin_at.eq(sixteen_minutes_ago))
        .execute(&mut db.get().unwrap())
        .unwrap();
    assert_eq!(try_sign_in(TRIES + 2, PASSWORD).await, 303);
    drop(servers);
}
