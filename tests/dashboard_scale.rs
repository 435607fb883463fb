//! The dashboard over 100,000 responses renders, with the numbers in it
//! (timing belongs to the benchmark, not to a test).

// The benchmark's seeding, which the library does not carry.
#[path = "../benches/load/seed.rs"]
mod seed;
mod support;

use listening_loop::db::{Database, DbConnection, daily};
use listening_loop::staff::roles::Role;
use listening_loop::staff::{password, store};
use listening_loop::surveys::Registry;
use seed::{SeedPlan, seed_responses};
use support::{TestDb, spawn_app_configured};

const RESPONSES: u64 = 100_000;

fn seed(conn: &mut DbConnection) {
    let plan = SeedPlan {
        responses: RESPONSES,
        answers_each: 20,
        survey_id: "what-we-need".into(),
        survey_version: "seed".into(),
        themes: vec!["food-and-drink".into()],
    };
    seed_responses(conn, &plan).expect("seed the responses");
}

#[tokio::test]
async fn the_dashboard_renders_over_100000_responses() {
    for db in support::databases() {
        // Holds the seeded SQLite file's folder until the iteration ends.
        let mut folder = None;
        let app = match db {
            TestDb::Sqlite => {
                // The seed wants the file to itself, so it runs before the app opens it.
                let dir = tempfile::tempdir().unwrap();
                let url = dir.path().join("seeded.sqlite3").to_string_lossy().into_owned();
                let mut only = Database::open_alone(&url).unwrap();
                seed(&mut only);
                drop(only);
                folder = Some(dir);
                spawn_app_configured(TestDb::Sqlite, move |s| s.database_url = url).await
            }
            TestDb::Postgres(_) => {
                let app = spawn_app_configured(db, |_| {}).await;
                let mut conn = app.db.open_dedicated().unwrap();
                seed(&mut conn);
                // Already running, so it counts now rather than at start.
                let registry = Registry::load(&support::shipped_surveys()).unwrap();
                daily::recount(&mut conn, &registry.measured_questions()).unwrap();
                app
            }
        };
        {
            let mut conn = app.db.get().unwrap();
            let email = listening_loop::mail::EmailAddress::parse("youth@example.org").unwrap();
            let id = store::create(&mut conn, &email, "Youth", &[Role::YouthReviewer]).unwrap().unwrap();
            store::set_password(&mut conn, &id, &password::hash("a long enough staff password")).unwrap();
        }
        let client =
            reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let form = client.get(format!("{}/staff/sign-in", app.address)).send().await.unwrap().text().await.unwrap();
        let start = form.find("name=\"csrf\" value=\"").unwrap() + "name=\"csrf\" value=\"".len();
        let csrf: String = form[start..].chars().take_while(|c| *c != '"').collect();
        let signed = client
            .post(format!("{}/staff/sign-in", app.address))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("csrf={csrf}&email=youth%40example.org&password=a+long+enough+staff+password"))
            .send()
            .await
            .unwrap();
        assert_eq!(signed.status(), 303);
        assert_eq!(app.count("responses"), RESPONSES as i64);
        let dashboard = client.get(format!("{}/staff/dashboard", app.address)).send().await.unwrap();
        assert_eq!(dashboard.status(), 200);
        let body = dashboard.text().await.unwrap();
        // The seeded year spreads over the last 12 months: big numbers, shown.
        let numbers: Vec<u64> = body
            .split(['<', '>'])
            .filter_map(|t| t.replace(',', "").parse::<u64>().ok())
            .filter(|n| *n >= 1000)
            .collect();
        assert!(!numbers.is_empty(), "large counts are shown on the dashboard");
        assert!(body.contains("Food and drink"));
        drop(app);
        drop(folder);
    }
}
