//! The real binary as a separate process, and a respondent walking a survey
//! the way a phone without JavaScript does. Shared by the crash test, the
//! two-instance test and the benchmark (`benches/load/main.rs`), which
//! include this file by path; it needs nothing but the standard library,
//! tokio, reqwest, url, diesel and the service's own crate.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How a served process is started: the binary and its environment.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    pub binary: PathBuf,
    pub database_url: String,
    pub data_dir: PathBuf,
    pub surveys_dir: PathBuf,
    pub secret: String,
    pub port: u16,
    /// Extra variables, e.g. `SQLITE_SYNCHRONOUS`, `WRITER_MAX_BATCH`.
    pub extra_env: Vec<(String, String)>,
    /// Where the server's log goes (appended, across restarts).
    pub log: PathBuf,
}

/// A running server process. Dropping it kills it.
pub struct Server {
    pub config: ServerConfig,
    child: Option<Child>,
}

impl Server {
    /// Starts the process and waits until `/healthz` answers.
    pub fn start(config: ServerConfig) -> Server {
        let mut server = Server { config, child: None };
        server.spawn();
        server
    }

    fn spawn(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.config.log)
            .unwrap_or_else(|e| panic!("open the server log {}: {e}", self.config.log.display()));
        let mut command = Command::new(&self.config.binary);
        command
            .arg("serve")
            .env("DATABASE_URL", &self.config.database_url)
            .env("DATA_DIR", &self.config.data_dir)
            .env("SURVEYS_DIR", &self.config.surveys_dir)
            .env("SECRET_KEY", &self.config.secret)
            .env("BIND", format!("127.0.0.1:{}", self.config.port))
            // All the load comes from one address here; the per-client limits
            // would measure themselves, not the service.
            .env("RESPONDENT_POSTS_PER_MINUTE", "0")
            .env("REQUESTS_PER_MINUTE", "0")
            .env_remove("BASE_URL")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::from(log));
        if std::env::var_os("RUST_LOG").is_none() {
            command.env("RUST_LOG", "warn");
        }
        for (name, value) in &self.config.extra_env {
            command.env(name, value);
        }
        let child = command.spawn().unwrap_or_else(|e| panic!("start {}: {e}", self.config.binary.display()));
        self.child = Some(child);
        self.wait_ready();
    }

    /// Polls `/healthz` until it answers; panics (with the log) after 30 s.
    fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                panic!("the server exited at start ({status}):\n{}", self.log_tail());
            }
            if healthz(self.config.port) {
                return;
            }
            if Instant::now() > deadline {
                panic!("the server did not answer /healthz within 30 s:\n{}", self.log_tail());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// `kill -9`: no chance to flush or finish anything.
    pub fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            // Child::kill sends SIGKILL on Unix.
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// `kill -TERM`, as systemd stops a service, and waits for the process
    /// to finish what it was doing and exit.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let sent = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
            assert!(sent.is_ok_and(|s| s.success()), "send SIGTERM to the server");
            let deadline = Instant::now() + Duration::from_secs(60);
            while child.try_wait().ok().flatten().is_none() {
                assert!(Instant::now() < deadline, "the server did not stop within 60 s of SIGTERM");
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }

    /// Kills with SIGKILL, then starts again on the same port and database.
    pub fn crash_and_restart(&mut self) {
        self.kill9();
        self.spawn();
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.config.port)
    }

    /// The last lines of the server's log, for a failure message.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.config.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// One blocking `GET /healthz`: true on a 200.
pub fn healthz(port: u16) -> bool {
    use std::io::{Read, Write};
    let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) else { return false };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    if stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").is_err() {
        return false;
    }
    let mut reply = Vec::new();
    let _ = stream.read_to_end(&mut reply);
    reply.starts_with(b"HTTP/1.1 200")
}

/// A port nobody is listening on right now.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("a local address").port()
}

/// The folder of surveys shipped in the repository.
pub fn shipped_surveys() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("surveys")
}

/// A new, empty PostgreSQL database on the server `admin_url` points at.
/// Returns its URL; [`drop_postgres_database`] removes it.
pub fn create_postgres_database(admin_url: &str, prefix: &str) -> (String, String) {
    use diesel::connection::SimpleConnection;
    use diesel::prelude::*;
    let name = format!("{prefix}_{}", &listening_loop::random::random_id()[..16]);
    let mut admin = PgConnection::establish(admin_url)
        .unwrap_or_else(|e| panic!("cannot reach PostgreSQL at TEST_DATABASE_URL: {e}"));
    admin.batch_execute(&format!("CREATE DATABASE \"{name}\"")).expect("create a database");
    (with_database(admin_url, &name), name)
}

/// Drops a database made by [`create_postgres_database`], even if in use.
pub fn drop_postgres_database(admin_url: &str, name: &str) {
    use diesel::connection::SimpleConnection;
    use diesel::prelude::*;
    if let Ok(mut admin) = PgConnection::establish(admin_url) {
        let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"));
    }
}

/// `url` with its database name replaced.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let root = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    match query {
        Some(q) => format!("{root}/{name}?{q}"),
        None => format!("{root}/{name}"),
    }
}

/// True when `dir` exists (used to find a local PostgreSQL cluster).
pub fn exists(dir: &str) -> bool {
    Path::new(dir).exists()
}

// ---------------------------------------------------------------------------
// Reading a journey page without a browser.

/// What a journey page offers: its sealed draft, its fields and buttons.
#[derive(Debug, Default)]
pub struct JourneyPage {
    pub state: Option<String>,
    /// Radio groups and checkbox groups: name → values, in page order.
    pub radios: BTreeMap<String, Vec<String>>,
    pub boxes: BTreeMap<String, Vec<String>>,
    pub textareas: Vec<String>,
    /// Values of the `nav` buttons.
    pub buttons: Vec<String>,
    /// The receipt code on a thank-you page.
    pub receipt: Option<String>,
}

impl JourneyPage {
    /// Reads the parts of a page a respondent acts on. Written for speed
    /// (the benchmark reads thousands of pages a second), not generality:
    /// maud writes every attribute in double quotes.
    pub fn parse(html: &str) -> JourneyPage {
        let mut page = JourneyPage::default();
        let mut rest = html;
        while let Some(open) = rest.find('<') {
            rest = &rest[open + 1..];
            let end = rest.find('>').unwrap_or(rest.len());
            let tag = &rest[..end];
            let (name, attrs) = tag.split_once(char::is_whitespace).unwrap_or((tag, ""));
            match name {
                "input" | "textarea" | "button" => {
                    let attrs = attributes(attrs);
                    let get = |key: &str| attrs.iter().find(|(k, _)| *k == key).map(|(_, v)| v.clone());
                    let field = get("name").unwrap_or_default();
                    let value = get("value").unwrap_or_default();
                    match (name, get("type").as_deref()) {
                        ("button", _) if field == "nav" => page.buttons.push(value),
                        ("textarea", _) if field.starts_with("answer.") => page.textareas.push(field),
                        ("input", Some("hidden")) if field == "state" => page.state = Some(value),
                        ("input", Some("radio")) if field.starts_with("answer.") => {
                            page.radios.entry(field).or_default().push(value)
                        }
                        ("input", Some("checkbox")) if field.starts_with("answer.") => {
                            page.boxes.entry(field).or_default().push(value)
                        }
                        _ => {}
                    }
                }
                "p" if tag.contains("class=\"code\"") => {
                    let text = &rest[end + 1..];
                    let text = &text[..text.find('<').unwrap_or(text.len())];
                    page.receipt = Some(unescape(text.trim()));
                }
                _ => {}
            }
            rest = &rest[end.min(rest.len())..];
        }
        page
    }

    /// The form a person answering everything would post for this page, and
    /// how many answer rows it makes: the first real choice of each radio
    /// group, two boxes of each checkbox group, a few words in every box.
    pub fn answer_everything(&self) -> (Vec<(String, String)>, usize) {
        let mut form = Vec::new();
        let mut rows = 0;
        if let Some(state) = &self.state {
            form.push(("state".to_owned(), state.clone()));
        }
        if self.buttons.iter().any(|b| b == "continue") {
            form.push(("nav".to_owned(), "continue".to_owned()));
            return (form, 0);
        }
        for (name, values) in &self.radios {
            if let Some(value) = values.iter().find(|v| *v != "rather-not-say") {
                form.push((name.clone(), value.clone()));
                rows += 1;
            }
        }
        for (name, values) in &self.boxes {
            for value in values.iter().filter(|v| *v != "rather-not-say").take(2) {
                form.push((name.clone(), value.clone()));
                rows += 1;
            }
        }
        for name in &self.textareas {
            form.push((name.clone(), "More time with the same worker would help, and clubs after school.".into()));
            rows += 1;
        }
        form.push(("nav".to_owned(), "next".to_owned()));
        (form, rows)
    }

    pub fn is_check_page(&self) -> bool {
        self.buttons.iter().any(|b| b == "submit")
    }
}

fn attributes(text: &str) -> Vec<(&str, String)> {
    let mut out = Vec::new();
    let mut rest = text.trim_start();
    while !rest.is_empty() {
        let name_end = rest.find(|c: char| c == '=' || c.is_whitespace() || c == '/').unwrap_or(rest.len());
        let name = &rest[..name_end];
        rest = &rest[name_end..];
        if let Some(after) = rest.strip_prefix("=\"") {
            let close = after.find('"').unwrap_or(after.len());
            out.push((name, unescape(&after[..close])));
            rest = &after[(close + 1).min(after.len())..];
        } else {
            out.push((name, String::new()));
            rest = rest.get(1..).unwrap_or("");
        }
        rest = rest.trim_start();
    }
    out
}

fn unescape(text: &str) -> String {
    if !text.contains('&') {
        return text.to_owned();
    }
    text.replace("&quot;", "\"").replace("&#39;", "'").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
}

/// A form body as a browser sends it (`application/x-www-form-urlencoded`),
/// names repeated as given. Every test and the benchmark post through this.
pub fn form_body<K: AsRef<str>, V: AsRef<str>>(pairs: &[(K, V)]) -> String {
    url::form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish()
}

// ---------------------------------------------------------------------------
// A respondent over HTTP (for the tests; the benchmark has a leaner client).

/// Walks `/s/{link}` as `age` up to "Check your answers", answering
/// everything. Request `n` goes to `bases[n % bases.len()]`, so with two
/// instances every page is posted to the other instance than the last.
/// Returns the check page and the number of answer rows the walk makes.
pub async fn walk_to_check(
    client: &reqwest::Client,
    bases: &[String],
    link: &str,
    age: &str,
) -> Result<(JourneyPage, usize), String> {
    let mut rows = 0;
    let mut body = post(client, &bases[0], &format!("/s/{link}/start"), format!("age={age}")).await?;
    for n in 1..200 {
        let page = JourneyPage::parse(&body);
        if page.is_check_page() {
            return Ok((page, rows));
        }
        let (form, more) = page.answer_everything();
        if page.state.is_none() {
            return Err("a journey page without a state field".into());
        }
        rows += more;
        body = post(client, &bases[n % bases.len()], &format!("/s/{link}"), form_body(&form)).await?;
    }
    Err("never reached the check page".into())
}

/// Presses "Send my answers". `Ok(Some(code))` is an acknowledgement: a 200
/// with a receipt code. `Ok(None)` is a refusal the person is asked to retry
/// (the page still holds the answers); `Err` is a broken connection.
pub async fn send(
    client: &reqwest::Client,
    base: &str,
    link: &str,
    check: &JourneyPage,
) -> Result<Option<String>, String> {
    let form =
        vec![("state".to_owned(), check.state.clone().unwrap_or_default()), ("nav".to_owned(), "submit".to_owned())];
    let res = client
        .post(format!("{base}/s/{link}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form_body(&form))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = res.status().as_u16();
    let body = res.text().await.map_err(|e| e.to_string())?;
    match status {
        200 => Ok(Some(JourneyPage::parse(&body).receipt.ok_or("a thank-you page without a receipt code")?)),
        503 => Ok(None),
        other => Err(format!("sending gave HTTP {other}")),
    }
}

async fn post(client: &reqwest::Client, base: &str, path: &str, body: String) -> Result<String, String> {
    let res = client
        .post(format!("{base}{path}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = res.status().as_u16();
    let body = res.text().await.map_err(|e| e.to_string())?;
    if status != 200 {
        return Err(format!("POST {path} gave HTTP {status}"));
    }
    Ok(body)
}

/// What the database holds after a run.
#[derive(Debug)]
pub struct Stored {
    pub responses: usize,
    pub answers: usize,
}

/// Looks in the database the way the app stores things, and panics unless
/// every acknowledged receipt code belongs to a stored response with all
/// `rows` answers, and no response at all (acknowledged or not) holds
/// fewer or more than `rows` answers.
pub fn check_stored(database_url: &str, secret: &str, acknowledged: &[String], rows: usize) -> Stored {
    use std::collections::HashMap;

    use diesel::prelude::*;
    use listening_loop::config::SecretKey;
    use listening_loop::db::Database;
    use listening_loop::db::schema::{answers, responses};
    use listening_loop::respond::receipt::ReceiptCode;

    let key = SecretKey::from_configured(secret).expect("a valid secret").derive("receipt codes");
    let db = Database::connect(database_url).expect("connect to the database after the run");
    let mut conn = db.get().expect("a connection");
    let stored: Vec<String> = responses::table.select(responses::id).load(&mut conn).expect("read responses");
    let ids: std::collections::HashSet<&str> = stored.iter().map(String::as_str).collect();
    let answer_owners: Vec<String> = answers::table.select(answers::response_id).load(&mut conn).expect("read answers");
    let mut per_response: HashMap<&str, usize> = HashMap::new();
    for owner in &answer_owners {
        *per_response.entry(owner.as_str()).or_default() += 1;
    }
    let mut lost = 0;
    for code in acknowledged {
        let id = ReceiptCode::parse(code).expect("a well-formed receipt code").response_id(&key);
        if !ids.contains(id.as_str()) {
            lost += 1;
            continue;
        }
        let have = per_response.get(id.as_str()).copied().unwrap_or(0);
        assert_eq!(have, rows, "an acknowledged response has {have} of its {rows} answers");
    }
    assert_eq!(lost, 0, "{lost} of {} acknowledged submissions are not in the database", acknowledged.len());
    let partial = stored.iter().filter(|id| per_response.get(id.as_str()).copied().unwrap_or(0) != rows).count();
    assert_eq!(partial, 0, "{partial} stored responses do not have exactly {rows} answers");
    let orphans = answer_owners.iter().filter(|o| !ids.contains(o.as_str())).count();
    assert_eq!(orphans, 0, "answers without a response");
    Stored { responses: stored.len(), answers: answer_owners.len() }
}
