//! Nothing acknowledged is ever lost. Many people send answers at once while
//! the server is killed with SIGKILL at random moments and started again
//! (and, on PostgreSQL, while the database server itself restarts). Every
//! receipt code anyone was shown must then belong to a stored response with
//! all its answers, and no stored response may be missing any of its answers.
//!
//! Restarting PostgreSQL breaks every connection to it, so everything that
//! does so lives in this one file, in one test function: cargo runs test
//! binaries one after another, but the tests inside a binary in parallel.

mod support;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use support::TestDb;
use support::served::{self, Server, ServerConfig};

const SECRET: &str = "crash-test secret key, at least thirty-two characters";
/// A short survey for adults: five pages, about twenty answers.
const LINK: &str = "practitioners";
const AGE: &str = "adult";
const CLIENTS: usize = 16;
const KILLS: usize = 4;

/// What the simulated people saw.
#[derive(Default)]
struct Seen {
    /// Receipt codes shown on a thank-you page (HTTP 200), and when.
    acknowledged: Mutex<Vec<(String, Instant)>>,
    /// Answer rows per walk (the same for every walk: everyone answers alike).
    rows: Mutex<Option<usize>>,
    /// Requests that failed (a killed server, a refused send).
    failures: AtomicUsize,
}

#[test]
fn acknowledged_answers_survive_kill_9_and_database_restarts() {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a runtime");
    for db in support::databases() {
        match db {
            TestDb::Sqlite => {
                let dir = tempfile::tempdir().expect("a temporary folder");
                let url = dir.path().join("crash.sqlite3").to_string_lossy().into_owned();
                eprintln!("-- on SQLite");
                crash_run(&runtime, &url, dir.path(), false);
            }
            TestDb::Postgres(admin_url) => {
                let dir = tempfile::tempdir().expect("a temporary folder");
                let (url, name) = served::create_postgres_database(&admin_url, "ll_crash");
                let restart_postgres = local_postgres_restart_available(&admin_url);
                eprintln!("-- on PostgreSQL");
                let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    crash_run(&runtime, &url, dir.path(), restart_postgres)
                }));
                served::drop_postgres_database(&admin_url, &name);
                if let Err(panic) = outcome {
                    std::panic::resume_unwind(panic);
                }
            }
        }
    }
}

/// Whether this machine runs the PostgreSQL server the tests use, so that
/// the test can restart it. Under CI it must.
fn local_postgres_restart_available(admin_url: &str) -> bool {
    let local = admin_url.contains("@127.0.0.1") || admin_url.contains("@localhost") || admin_url.contains("@[::1]");
    let available = local && served::exists("/etc/postgresql") && which("pg_ctlcluster");
    if !available {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("CI=true but the PostgreSQL server at TEST_DATABASE_URL cannot be restarted from here");
        }
        eprintln!("notice: PostgreSQL at TEST_DATABASE_URL is not a local cluster; its restart was skipped");
    }
    available
}

fn which(program: &str) -> bool {
    std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {program}"))
        .stdout(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn restart_postgres() {
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg("pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql | head -n1) main restart")
        .status()
        .expect("run pg_ctlcluster");
    assert!(status.success(), "pg_ctlcluster restart failed: {status}");
}

/// Between 300 ms and 1.3 s, at random.
fn random_pause() -> Duration {
    let mut byte = [0u8; 2];
    listening_loop::random::random_bytes(&mut byte);
    Duration::from_millis(300 + u64::from(u16::from_le_bytes(byte)) % 1000)
}

/// Waits until `count` receipts have been shown, or `limit` has passed.
fn wait_for_acknowledged(seen: &Seen, count: usize, limit: Duration) {
    let started = Instant::now();
    while seen.acknowledged.lock().unwrap().len() < count && started.elapsed() < limit {
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn crash_run(runtime: &tokio::runtime::Runtime, database_url: &str, dir: &std::path::Path, restart_db: bool) {
    let mut server = Server::start(ServerConfig {
        binary: env!("CARGO_BIN_EXE_listening-loop").into(),
        database_url: database_url.to_owned(),
        data_dir: dir.to_path_buf(),
        surveys_dir: served::shipped_surveys(),
        secret: SECRET.to_owned(),
        port: served::free_port(),
        extra_env: vec![],
        log: dir.join("server.log"),
    });
    let base = server.base_url();
    let seen = Arc::new(Seen::default());
    let stop = Arc::new(AtomicBool::new(false));
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("an HTTP client");
    let people: Vec<_> =
        (0..CLIENTS).map(|_| runtime.spawn(person(client.clone(), base.clone(), seen.clone(), stop.clone()))).collect();

    // Kills land mid-load: wait until people are getting through (a busy
    // machine starts slowly), then kill at random moments.
    wait_for_acknowledged(&seen, 10, Duration::from_secs(60));
    for _ in 0..KILLS {
        std::thread::sleep(random_pause());
        server.crash_and_restart();
    }
    let mut db_restarted_at = None;
    if restart_db {
        std::thread::sleep(random_pause());
        restart_postgres();
        db_restarted_at = Some(Instant::now());
        // The app is not restarted: it has to find the database again itself.
        std::thread::sleep(Duration::from_secs(2));
    }
    std::thread::sleep(random_pause());
    // Enough to prove something, however slow the machine is today.
    wait_for_acknowledged(&seen, 60, Duration::from_secs(120));
    stop.store(true, Ordering::SeqCst);
    runtime.block_on(async {
        for person in people {
            person.await.expect("a simulated person finishes");
        }
    });

    let acknowledged = seen.acknowledged.lock().unwrap().clone();
    let rows = seen.rows.lock().unwrap().expect("at least one walk finished");
    let failures = seen.failures.load(Ordering::SeqCst);
    eprintln!(
        "   {} acknowledged, {failures} failed requests, {KILLS} kills{}",
        acknowledged.len(),
        if restart_db { ", one database restart" } else { "" }
    );
    assert!(acknowledged.len() >= 50, "too few submissions to prove anything:\n{}", server.log_tail());
    assert!(failures > 0, "no request was ever cut off, so the kills did not land mid-load");
    if let Some(at) = db_restarted_at {
        assert!(
            acknowledged.iter().any(|(_, when)| *when > at),
            "nothing was acknowledged after the database restarted:\n{}",
            server.log_tail()
        );
    }
    drop(server);
    let codes: Vec<String> = acknowledged.into_iter().map(|(code, _)| code).collect();
    let stored = served::check_stored(database_url, SECRET, &codes, rows);
    assert!(stored.responses >= codes.len());
    eprintln!("   {} responses stored, each with all {rows} answers", stored.responses);
}

/// One person after another on one phone: walk the survey, press Send, and
/// when the page does not come back, press Send again until it does.
async fn person(client: reqwest::Client, base: String, seen: Arc<Seen>, stop: Arc<AtomicBool>) {
    let bases = [base.clone()];
    while !stop.load(Ordering::SeqCst) {
        let (check, rows) = match served::walk_to_check(&client, &bases, LINK, AGE).await {
            Ok(walked) => walked,
            Err(_) => {
                seen.failures.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
        };
        {
            let mut known = seen.rows.lock().unwrap();
            assert_eq!(*known.get_or_insert(rows), rows, "every walk answers the same questions");
        }
        // Keep pressing Send: the person was not thanked yet. Give up only
        // long after the test stopped (the server is up by then).
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            match served::send(&client, &base, LINK, &check).await {
                Ok(Some(code)) => {
                    seen.acknowledged.lock().unwrap().push((code, Instant::now()));
                    break;
                }
                Ok(None) | Err(_) => {
                    seen.failures.fetch_add(1, Ordering::SeqCst);
                    if Instant::now() > deadline {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }
    }
}
