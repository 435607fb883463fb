//! Behind Debian's real nginx. With nginx's address in `TRUSTED_PROXIES`,
//! the rate limits count each client nginx names in `X-Forwarded-For`, so
//! one client spending its `/track` lookups leaves the others theirs;
//! without it, everyone behind nginx shares one bucket, as before. Either
//! way a client that reaches the service directly cannot pick its own key
//! with a forged header.
//!
//! The clients come from different loopback addresses (on Linux all of
//! 127/8 is this machine): nginx sees 127.0.0.2 and 127.0.0.3, and itself
//! reaches the service from 127.0.0.1.
//!
//! Without nginx the test prints a notice and passes, unless `CI=true`
//! (`apt-get install nginx`).

mod support;

use std::net::{IpAddr, Ipv4Addr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use listening_loop::publish::track::BURST;
use support::TestDb;
use support::served::{self, Server, ServerConfig};

const CLIENT_A: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 2);
const CLIENT_B: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 3);
const DIRECT: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 4);
/// What a lookup that was allowed answers: the code is made up, so "no such code".
const LOOKED_UP: u16 = 404;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_nginx_each_client_has_its_own_limit_and_none_can_forge_one() {
    let Some(nginx) = find_nginx() else { return };
    for db in support::databases() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let (url, made) = match &db {
            TestDb::Sqlite => (dir.path().join("proxy.sqlite3").to_string_lossy().into_owned(), None),
            TestDb::Postgres(admin) => {
                let (url, name) = served::create_postgres_database(admin, "ll_proxy");
                (url, Some((admin.clone(), name)))
            }
        };
        eprintln!("-- on {db:?}");
        let outcome = tokio::spawn(run(nginx.clone(), url, dir.path().to_path_buf())).await;
        if let Some((admin, name)) = made {
            served::drop_postgres_database(&admin, &name);
        }
        if let Err(e) = outcome {
            std::panic::resume_unwind(e.into_panic());
        }
    }
}

async fn run(nginx: PathBuf, database_url: String, dir: PathBuf) {
    // (a) nginx is trusted: A and B are limited apart.
    let trusting = start_server(&database_url, &dir, "trusting", "127.0.0.1").await;
    let proxy = Nginx::start(&nginx, &dir.join("nginx-trusted"), trusting.config.port);
    let (a, b) = (client(CLIENT_A), client(CLIENT_B));
    spend_all_lookups(&a, &proxy.base_url(), &[]).await;
    assert_eq!(track(&a, &proxy.base_url(), &[]).await, 429, "A has spent its lookups");
    assert_eq!(track(&b, &proxy.base_url(), &[]).await, LOOKED_UP, "B has its own, though A has spent A's");
    // nginx adds A's real address to whatever A claims, and that is the
    // address believed.
    for n in 0..3 {
        let forged = format!("198.51.100.{n}");
        let status = track(&a, &proxy.base_url(), &[("x-forwarded-for", forged.as_str())]).await;
        assert_eq!(status, 429, "A claimed to be {forged} through nginx");
    }

    // (c) Straight to the service, the headers are not believed: a client
    // that is not a trusted proxy is its own address, whatever it claims.
    let direct = client(DIRECT);
    let service = trusting.base_url();
    for n in 0..BURST {
        let forged = format!("198.51.100.{n}");
        let lines = [("x-forwarded-for", forged.as_str()), ("forwarded", &format!("for={forged}"))];
        assert_eq!(track(&direct, &service, &lines).await, LOOKED_UP, "lookup {n} straight to the service");
    }
    for claimed in ["198.51.100.200", "127.0.0.1", "2001:db8::1"] {
        let status = track(&direct, &service, &[("x-forwarded-for", claimed)]).await;
        assert_eq!(status, 429, "a direct client claimed to be {claimed}");
        let status = track(&direct, &service, &[("forwarded", &format!("for=\"{claimed}\""))]).await;
        assert_eq!(status, 429, "a direct client claimed to be {claimed} in Forwarded");
    }
    drop(proxy);
    drop(trusting);

    // (b) Without TRUSTED_PROXIES everyone behind nginx is nginx.
    let plain = start_server(&database_url, &dir, "plain", "").await;
    let proxy = Nginx::start(&nginx, &dir.join("nginx-plain"), plain.config.port);
    spend_all_lookups(&a, &proxy.base_url(), &[]).await;
    assert_eq!(track(&b, &proxy.base_url(), &[]).await, 429, "without TRUSTED_PROXIES, B shares A's bucket");
    // And the header from nginx is not read either.
    assert_eq!(track(&b, &proxy.base_url(), &[("x-forwarded-for", "198.51.100.7")]).await, 429);
}

/// The service on `database_url`, as its own process, trusting `trusted`.
async fn start_server(database_url: &str, dir: &Path, name: &str, trusted: &str) -> Server {
    let config = ServerConfig {
        binary: env!("CARGO_BIN_EXE_listening-loop").into(),
        database_url: database_url.to_owned(),
        data_dir: dir.join(name),
        surveys_dir: served::shipped_surveys(),
        secret: "proxy test secret key, at least 32 characters".to_owned(),
        port: served::free_port(),
        extra_env: vec![("TRUSTED_PROXIES".into(), trusted.into())],
        log: dir.join(format!("{name}.log")),
    };
    tokio::task::spawn_blocking(move || Server::start(config)).await.expect("the server starts")
}

/// An HTTP client whose connections come from `from`.
fn client(from: Ipv4Addr) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(IpAddr::V4(from))
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(20))
        .build()
        .expect("an HTTP client")
}

/// One receipt code lookup at `/track`: its status.
async fn track(client: &reqwest::Client, base: &str, headers: &[(&str, &str)]) -> u16 {
    let mut request = client
        .post(format!("{base}/track"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("code=APPLE-APPLE-APPLE-42");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.expect("a lookup").status().as_u16()
}

/// Spends a whole burst of lookups, each of which must be allowed.
async fn spend_all_lookups(client: &reqwest::Client, base: &str, headers: &[(&str, &str)]) {
    for n in 0..BURST {
        assert_eq!(track(client, base, headers).await, LOOKED_UP, "lookup {n}");
    }
}

/// Debian's nginx, on PATH or in /usr/sbin (not on a normal user's PATH).
fn find_nginx() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let found =
        std::env::split_paths(&path).chain([PathBuf::from("/usr/sbin")]).map(|d| d.join("nginx")).find(|p| p.is_file());
    match found {
        Some(nginx) => Some(nginx),
        None if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("CI=true but nginx is missing: apt-get install nginx")
        }
        None => {
            eprintln!("notice: nginx is not installed, so the reverse proxy test was skipped (apt-get install nginx)");
            None
        }
    }
}

/// nginx in front of the service, with everything it writes in its own
/// folder. One process (`master_process off`), so killing it stops it all.
struct Nginx {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl Nginx {
    fn start(nginx: &Path, dir: &Path, upstream: u16) -> Nginx {
        std::fs::create_dir_all(dir).expect("a folder for nginx");
        let port = served::free_port();
        let d = dir.display();
        let config = format!(
            "daemon off;
master_process off;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {d}/client_body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://127.0.0.1:{upstream};
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        }}
    }}
}}
"
        );
        let conf = dir.join("nginx.conf");
        std::fs::write(&conf, config).expect("write nginx.conf");
        let child = Command::new(nginx)
            .arg("-p")
            .arg(dir)
            .arg("-e")
            .arg(dir.join("error.log"))
            .arg("-c")
            .arg(&conf)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", nginx.display()));
        let mut proxy = Nginx { child, port, dir: dir.to_path_buf() };
        proxy.wait_ready();
        proxy
    }

    fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("nginx exited at start ({status}):\n{}", self.log());
            }
            assert!(Instant::now() < deadline, "nginx did not listen within 10 s:\n{}", self.log());
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("error.log")).unwrap_or_default()
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
