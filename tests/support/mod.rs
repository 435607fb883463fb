//! One way to start the real service for a test: a random port, a fresh
//! database (a temporary SQLite file, or a new PostgreSQL database on the
//! server `TEST_DATABASE_URL` points at), the shipped surveys.
#![allow(dead_code)]

pub mod journey;
pub mod publish;
#[path = "served.rs"]
pub mod served;
pub mod smtp;
pub mod staff;
pub mod timing;
pub mod writer;

use std::future::Future;
use std::path::PathBuf;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use listening_loop::config::{SecretKey, Settings};
use listening_loop::db::{Backend, Database};
pub use served::form_body;

/// Every table that keeps a row per response, per answer, or per day's count of them.
pub const RESPONDENT_TABLES: [&str; 8] = [
    "responses",
    "answers",
    "response_themes",
    "shared_quotes",
    "daily_responses",
    "daily_themes",
    "daily_choices",
    "monthly_themes",
];

/// Which database a test runs on.
#[derive(Debug, Clone)]
pub enum TestDb {
    Sqlite,
    Postgres(String),
}

/// SQLite always; PostgreSQL too when `TEST_DATABASE_URL` is set. Under
/// `CI=true` a missing PostgreSQL fails the run instead of being skipped.
pub fn databases() -> Vec<TestDb> {
    let mut all = vec![TestDb::Sqlite];
    match std::env::var("TEST_DATABASE_URL").ok().filter(|u| !u.is_empty()) {
        Some(url) => all.push(TestDb::Postgres(url)),
        None if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("CI=true but TEST_DATABASE_URL is not set: the PostgreSQL half of the tests cannot be skipped in CI")
        }
        None => eprintln!("notice: TEST_DATABASE_URL is not set, so this test ran on SQLite only (PostgreSQL skipped)"),
    }
    all
}

/// Runs `test` once per database from [`databases`], each on a fresh app.
pub async fn on_each_database<F, Fut>(test: F)
where
    F: Fn(TestApp) -> Fut,
    Fut: Future<Output = ()>,
{
    for db in databases() {
        let app = spawn_app(db.clone()).await;
        eprintln!("-- on {}", app.backend_name());
        // A test that uses only some fields of the app moves only those into
        // its async block; the database must outlive the test all the same.
        let place = app.place.clone();
        test(app).await;
        drop(place);
    }
}

/// The service, running.
pub struct TestApp {
    pub address: String,
    pub db: Database,
    pub client: reqwest::Client,
    pub surveys_dir: PathBuf,
    /// What the service was started with.
    pub settings: Settings,
    /// The service's writer of responses.
    pub writer: listening_loop::respond::store::Writer,
    place: std::sync::Arc<DbPlace>,
}

enum DbPlace {
    Sqlite(tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl Drop for DbPlace {
    fn drop(&mut self) {
        if let DbPlace::Postgres { admin_url, name } = self
            && let Ok(mut conn) = PgConnection::establish(admin_url)
        {
            let _ = conn.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"));
        }
    }
}

/// A database nothing has been done to yet: a SQLite file's name in `data`,
/// or a new PostgreSQL database (dropped when its place is dropped).
fn new_database(db: TestDb, data: &tempfile::TempDir) -> (String, Option<DbPlace>) {
    match db {
        TestDb::Sqlite => (data.path().join("test.sqlite3").to_string_lossy().into_owned(), None),
        TestDb::Postgres(admin_url) => {
            let name = format!("ll_test_{}", &listening_loop::random::random_id()[..16]);
            let mut admin = PgConnection::establish(&admin_url)
                .unwrap_or_else(|e| panic!("cannot reach PostgreSQL at TEST_DATABASE_URL: {e}"));
            admin.batch_execute(&format!("CREATE DATABASE \"{name}\"")).expect("create a test database");
            (served::with_database(&admin_url, &name), Some(DbPlace::Postgres { admin_url, name }))
        }
    }
}

/// An empty database, no migrations run, with no app on it: for tests of
/// the migrations themselves. Gone when dropped.
pub struct EmptyDatabase {
    pub url: String,
    _place: DbPlace,
}

pub fn empty_database(db: TestDb) -> EmptyDatabase {
    let data = tempfile::tempdir().expect("a temporary folder");
    let (url, place) = new_database(db, &data);
    EmptyDatabase { url, _place: place.unwrap_or(DbPlace::Sqlite(data)) }
}

/// Copies the folder `from`, and every folder in it, to `to`.
pub fn copy_folder(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_folder(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// The folder of surveys shipped in the repository.
pub fn shipped_surveys() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("surveys")
}

pub async fn spawn_app(db: TestDb) -> TestApp {
    spawn_app_with(db, shipped_surveys()).await
}

pub async fn spawn_app_with(db: TestDb, surveys_dir: PathBuf) -> TestApp {
    spawn_app_configured(db, move |settings| settings.surveys_dir = surveys_dir).await
}

/// The app with settings of the test's choosing (e.g. `smtp_url`).
pub async fn spawn_app_configured(db: TestDb, configure: impl FnOnce(&mut Settings)) -> TestApp {
    let surveys_dir = shipped_surveys();
    let data = tempfile::tempdir().expect("a temporary folder");
    let (database_url, place) = new_database(db, &data);
    let mut settings = Settings {
        database_url: database_url.clone(),
        bind: "127.0.0.1:0".into(),
        base_url: "http://127.0.0.1".into(),
        surveys_dir: surveys_dir.clone(),
        data_dir: data.path().to_path_buf(),
        secret: SecretKey::generate(),
        suppress_below: 5,
        retention_days: 365,
        smtp_url: None,
        mail_from: "Listening Loop <test@listening-loop.invalid>".into(),
        mail_poll: std::time::Duration::from_millis(50),
        mail_retry_base: std::time::Duration::from_millis(100),
        respondent_posts_per_minute: 6000,
        // Off, and no pause before a refusal, so that tests which make many
        // requests, or are refused on purpose, do not wait; each has a test
        // of its own.
        requests_per_minute: 0,
        trusted_proxies: Default::default(),
        alert_digest: std::time::Duration::from_secs(
            60 * u64::from(listening_loop::config::DEFAULT_ALERT_DIGEST_MINUTES),
        ),
        flagged_sends_per_hour: listening_loop::config::DEFAULT_FLAGGED_SENDS_PER_HOUR,
        sqlite_synchronous: Default::default(),
        writer_max_batch: listening_loop::config::DEFAULT_WRITER_MAX_BATCH,
        strict_translations: true,
        timeouts: listening_loop::limits::Timeouts { refusal: std::time::Duration::ZERO, ..Default::default() },
        // Tests look at what they have just sent; `tests/counted_until.rs`
        // checks that in service a day's responses wait for midnight.
        count_today: true,
    };
    configure(&mut settings);
    let place = place.unwrap_or(DbPlace::Sqlite(data));
    start(settings, std::sync::Arc::new(place))
}

/// Starts the service with `settings` on a database in `place`.
fn start(settings: Settings, place: std::sync::Arc<DbPlace>) -> TestApp {
    let surveys_dir = settings.surveys_dir.clone();
    let database_url = settings.database_url.clone();
    let app = listening_loop::Application::build(settings.clone()).expect("the app starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    let writer = app.writer();
    tokio::spawn(app.run_until_stopped());
    let db = Database::connect(&database_url).expect("a second connection to the test database");
    let client =
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("an HTTP client");
    TestApp { address, db, client, surveys_dir, settings, writer, place }
}

/// A page as the browser got it.
pub struct Page {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Page {
    pub fn html(&self) -> scraper::Html {
        scraper::Html::parse_document(&self.body)
    }

    pub fn select_text(&self, css: &str) -> Vec<String> {
        let selector = scraper::Selector::parse(css).expect("a valid selector");
        self.html().select(&selector).map(|e| e.text().collect::<String>().trim().to_owned()).collect()
    }

    pub fn h1(&self) -> String {
        self.select_text("h1").join(" | ")
    }

    /// The sealed draft in the journey form.
    pub fn state(&self) -> String {
        let selector = scraper::Selector::parse("input[name=state]").unwrap();
        self.html()
            .select(&selector)
            .next()
            .and_then(|e| e.value().attr("value").map(str::to_owned))
            .unwrap_or_else(|| panic!("no state field on a page with h1 {:?}", self.h1()))
    }

    /// The `nav` values of the submit buttons on the page.
    pub fn buttons(&self) -> Vec<String> {
        let selector = scraper::Selector::parse("button[name=nav]").unwrap();
        self.html().select(&selector).filter_map(|e| e.value().attr("value").map(str::to_owned)).collect()
    }

    /// The receipt code on a thank-you page.
    pub fn receipt(&self) -> Option<String> {
        self.select_text(".receipt .code").into_iter().next()
    }

    /// Every form input: (type, name, value, checked), textareas as "textarea".
    pub fn inputs(&self) -> Vec<(String, String, String, bool)> {
        let selector = scraper::Selector::parse("form.journey input, form.journey textarea").unwrap();
        self.html()
            .select(&selector)
            .map(|e| {
                let v = e.value();
                let kind = if v.name() == "textarea" {
                    "textarea".to_owned()
                } else {
                    v.attr("type").unwrap_or("text").to_owned()
                };
                let value = if v.name() == "textarea" {
                    e.text().collect()
                } else {
                    v.attr("value").unwrap_or_default().to_owned()
                };
                (kind, v.attr("name").unwrap_or_default().to_owned(), value, v.attr("checked").is_some())
            })
            .collect()
    }
}

impl TestApp {
    /// A second instance of the service on the same database, with the same
    /// settings and secret key, as a second machine behind a load balancer
    /// would be: its own writer, mail worker, background tasks and limits.
    pub fn another_instance(&self) -> TestApp {
        let mut settings = self.settings.clone();
        settings.data_dir = settings.data_dir.join("another-instance");
        start(settings, self.place.clone())
    }

    pub fn backend_name(&self) -> &'static str {
        match self.db.backend {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }

    pub async fn get(&self, path: &str) -> Page {
        let res = self.client.get(format!("{}{}", self.address, path)).send().await.expect("GET");
        page(res).await
    }

    /// Posts `pairs` form-encoded (repeated names allowed).
    pub async fn post(&self, path: &str, pairs: &[(&str, &str)]) -> Page {
        self.post_raw(path, form_body(pairs).into_bytes()).await
    }

    pub async fn post_raw(&self, path: &str, body: Vec<u8>) -> Page {
        let res = self
            .client
            .post(format!("{}{}", self.address, path))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .expect("POST");
        page(res).await
    }

    /// Ends the safeguarding alerts' open window now, as if its time had
    /// run out, so the next look sends its digest without the test waiting.
    pub fn close_alert_window(&self) {
        use listening_loop::db::schema::alert_digest as digest;
        let now = chrono::Utc::now().naive_utc() - chrono::TimeDelta::seconds(1);
        diesel::update(digest::table.filter(digest::window_ends.is_not_null()))
            .set(digest::window_ends.eq(now))
            .execute(&mut self.db.get().expect("a connection"))
            .expect("close the alert window");
    }

    /// Number of rows in a table.
    pub fn count(&self, table: &str) -> i64 {
        self.count_where(table, "1 = 1")
    }

    /// Number of rows in a table that meet an SQL condition.
    pub fn count_where(&self, table: &str, condition: &str) -> i64 {
        #[derive(QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut conn = self.db.get().expect("a connection");
        diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table} WHERE {condition}"))
            .get_result::<Count>(&mut conn)
            .expect("count rows")
            .n
    }
}

async fn page(res: reqwest::Response) -> Page {
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let body = res.text().await.expect("a body");
    Page { status, headers, body }
}

/// `<html lang=".." dir="..">` of a page.
pub fn lang_and_dir(page: &Page) -> (String, String) {
    let html = page.html();
    let root = html.root_element();
    (root.value().attr("lang").unwrap_or_default().to_owned(), root.value().attr("dir").unwrap_or_default().to_owned())
}

/// Whether the text is mostly written in the Arabic script (Urdu).
pub fn is_urdu(text: &str) -> bool {
    let letters = text.chars().filter(|c| c.is_alphabetic()).count();
    let arabic = text.chars().filter(|c| ('\u{0600}'..='\u{06FF}').contains(c)).count();
    letters > 0 && arabic * 2 > letters
}
