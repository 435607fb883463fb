//! The real binary, as an admin would run it: `user add` prints a link that
//! sets a password; the log a whole session writes never holds a client
//! address, an email address, a receipt code or an answer, nor a line that
//! dates a respondent's request: those are summed up by the hour; and what
//! it writes to disk is its user's alone, with the key apart from the data.

mod support;

use std::net::IpAddr;
use std::process::Command;

use support::served::{self, Server, ServerConfig};
use support::staff::csrf;
use support::{Page, form_body};

const SECRET: &str = "a test secret that is long enough to use";
/// The client connects from this address, so it can be looked for in the log.
const CLIENT: [u8; 4] = [127, 0, 0, 2];

async fn fetch(request: reqwest::RequestBuilder) -> Page {
    let res = request.send().await.expect("the server answers");
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    Page { status, headers, body: res.text().await.unwrap() }
}

#[tokio::test]
async fn user_add_then_a_whole_session_leaves_nothing_identifying_in_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let database_url = dir.path().join("db.sqlite3").to_string_lossy().into_owned();
    let binary = std::path::PathBuf::from(env!("CARGO_BIN_EXE_listening-loop"));
    let port = served::free_port();
    let base = format!("http://127.0.0.1:{port}");

    // The admin's first step, from the README.
    let added = Command::new(&binary)
        .args(["user", "add", "--email", "Admin@Example.org", "--role", "admin", "--name", "Ada"])
        .env("DATABASE_URL", &database_url)
        .env("DATA_DIR", dir.path())
        .env("SECRET_KEY", SECRET)
        .env("BASE_URL", &base)
        .output()
        .unwrap();
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
    let stdout = String::from_utf8_lossy(&added.stdout);
    let link =
        stdout.lines().find_map(|l| l.trim().strip_prefix(&base)).expect("a link to set the password").to_owned();
    assert!(link.starts_with("/staff/accept/"));
    let twice = Command::new(&binary)
        .args(["user", "add", "--email", "admin@example.org", "--role", "admin"])
        .env("DATABASE_URL", &database_url)
        .env("DATA_DIR", dir.path())
        .env("SECRET_KEY", SECRET)
        .output()
        .unwrap();
    assert!(!twice.status.success(), "an address has one account");
    let bad_role = Command::new(&binary)
        .args(["user", "add", "--email", "x@example.org", "--role", "boss"])
        .env("DATABASE_URL", &database_url)
        .env("DATA_DIR", dir.path())
        .output()
        .unwrap();
    assert!(!bad_role.status.success());
    assert!(String::from_utf8_lossy(&bad_role.stderr).contains("unknown role"));

    let log = dir.path().join("server.log");
    let mut server = Server::start(ServerConfig {
        binary,
        database_url,
        data_dir: dir.path().to_path_buf(),
        surveys_dir: served::shipped_surveys(),
        secret: SECRET.into(),
        port,
        extra_env: vec![("RUST_LOG".into(), "info".into()), ("BASE_URL".into(), base.clone())],
        log: log.clone(),
    });
    let client = reqwest::Client::builder()
        .local_address(IpAddr::from(CLIENT))
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let post = |path: &str, body: String| {
        client.post(format!("{base}{path}")).header("content-type", "application/x-www-form-urlencoded").body(body)
    };

    // The admin sets a password from the link, signs in, and invites someone.
    let set = fetch(client.get(format!("{base}{link}"))).await;
    let token = csrf(&set);
    let done =
        fetch(post(&link, form_body(&[("csrf", token.as_str()), ("password", "ada's own long password")]))).await;
    assert_eq!(done.status, 303);
    let accounts = fetch(client.get(format!("{base}/staff/accounts"))).await;
    assert_eq!(accounts.status, 200, "the new admin reaches the accounts page");
    let token = csrf(&accounts);
    let invited = fetch(post(
        "/staff/accounts/invite",
        form_body(&[
            ("csrf", token.as_str()),
            ("email", "invitee@example.org"),
            ("name", "Ivy"),
            ("role", "publisher"),
        ]),
    ))
    .await;
    assert_eq!(invited.status, 200);

    // A young person answers, with contact details in their words.
    let mut page = fetch(post("/s/young-people/start", form_body(&[("age", "16-17")]))).await;
    let mut receipt = None;
    for _ in 0..40 {
        assert_eq!(page.status, 200);
        if let Some(code) = page.receipt() {
            receipt = Some(code);
            break;
        }
        let mut pairs = vec![("state".to_owned(), page.state())];
        let buttons = page.buttons();
        let nav = if buttons.iter().any(|b| b == "submit") {
            "submit"
        } else if buttons.iter().any(|b| b == "continue") {
            "continue"
        } else {
            "next"
        };
        pairs.push(("nav".into(), nav.into()));
        for (kind, name, ..) in page.inputs() {
            if kind == "textarea" {
                pairs.push((name, "mail me at child.secret@example.com or ring 07700 900461".into()));
            }
        }
        let borrowed: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        page = fetch(post("/s/young-people", form_body(&borrowed))).await;
    }
    let receipt = receipt.expect("the survey was sent");
    let before_stopping = std::fs::read_to_string(&log).unwrap();
    for line in before_stopping.lines() {
        assert!(!line.contains("/s/{link}"), "a respondent's request was logged as it happened:\n{line}");
        assert!(!line.contains("mail sent"), "a message was logged as it went:\n{line}");
    }
    server.stop();

    let written = std::fs::read_to_string(&log).unwrap();
    let summed_up = &written[before_stopping.len()..];
    // Stopping writes the hour so far: one line per public route, named by
    // the hour it sums up, and the mail sent in it.
    let journey: Vec<&str> = summed_up.lines().filter(|l| l.contains("route=\"/s/{link}\"")).collect();
    assert_eq!(journey.len(), 1, "one line for the journey's posts:\n{summed_up}");
    let line = journey[0];
    assert!(line.contains("public requests in the hour") && line.contains("method=POST"), "{line}");
    let hour = line.split("hour=").nth(1).and_then(|rest| rest.split(' ').next()).expect("the hour");
    assert!(hour.ends_with(":00Z") && hour.len() == "2026-12-08T10:00Z".len(), "{hour}");
    let posts: u64 = line.split("requests=").nth(1).and_then(|r| r.split(' ').next()).unwrap().parse().unwrap();
    assert!(posts >= 5, "every post of the journey is counted: {line}");
    assert!(line.contains("p50_ms=") && line.contains("p99_ms="), "{line}");
    assert!(summed_up.lines().any(|l| l.contains("route=\"/s/{link}/start\"")), "{summed_up}");
    for line in summed_up.lines().filter(|l| l.contains("mail sent")) {
        assert!(line.contains("hour=") && line.contains("count="), "{line}");
    }
    assert!(written.contains("access"), "the access log was written at info level:\n{written}");
    for secret in ["127.0.0.2", "child.secret", "07700", "invitee@example.org", "admin@example.org", receipt.as_str()] {
        assert!(!written.contains(secret), "the log holds {secret:?}:\n{written}");
    }
    // Nor a single-use link (the access log names the route, not the path)…
    let token = link.trim_start_matches("/staff/accept/");
    assert!(!written.contains(token), "the invite token is in the log");
    assert!(written.contains("/staff/accept/{token}"), "the route is logged:\n{written}");
    // …nor query strings.
    assert!(!written.contains('?'), "{written}");
}

/// The binary run in `folder` as `cargo run` runs it on a fresh machine:
/// no settings at all, but for the shipped surveys (found from here) and
/// the port.
fn with_defaults(folder: &std::path::Path, port: u16) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_listening-loop"));
    command
        .env_clear()
        .current_dir(folder)
        .env("SURVEYS_DIR", served::shipped_surveys())
        .env("BIND", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "info");
    command
}

/// Starts `command` and waits until it answers `/healthz`.
fn serve_until_healthy(command: &mut Command, port: u16) -> std::process::Child {
    let mut child = command.arg("serve").stderr(std::process::Stdio::piped()).spawn().unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !served::healthz(port) {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("the server stopped at start ({status}): {}", stderr_of(child));
        }
        assert!(std::time::Instant::now() < deadline, "no answer within 30 s");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    child
}

/// What a stopped server wrote to its log.
fn stderr_of(mut child: std::process::Child) -> String {
    use std::io::Read;
    let _ = child.kill();
    let _ = child.wait();
    let mut text = String::new();
    child.stderr.take().unwrap().read_to_string(&mut text).unwrap();
    text
}

#[cfg(unix)]
fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    let metadata = std::fs::metadata(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    metadata.permissions().mode() & 0o7777
}

#[cfg(unix)]
#[tokio::test]
async fn on_a_fresh_machine_the_key_is_apart_and_every_file_is_private() {
    let folder = tempfile::tempdir().unwrap();
    let port = served::free_port();
    let server = serve_until_healthy(&mut with_defaults(folder.path(), port), port);
    // An email sign-up writes its confirmation into the file outbox.
    let client = reqwest::Client::new();
    let signed_up = client
        .post(format!("http://127.0.0.1:{port}/subscribe"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form_body(&[("email", "fan@example.org")]))
        .send()
        .await
        .unwrap();
    assert_eq!(signed_up.status(), 200);
    let outbox = folder.path().join("data/outbox");
    let mut emails = Vec::new();
    for _ in 0..200 {
        emails = std::fs::read_dir(&outbox).unwrap().map(|e| e.unwrap().path()).collect();
        if !emails.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(emails.len(), 1, "the confirmation email was written");

    let data = folder.path().join("data");
    let secrets = folder.path().join("secrets");
    let database = data.join("listening-loop.sqlite3");
    let wal = data.join("listening-loop.sqlite3-wal");
    let shm = data.join("listening-loop.sqlite3-shm");
    for (path, wanted) in [
        (&data, 0o700),
        (&database, 0o600),
        (&wal, 0o600),
        (&shm, 0o600),
        (&outbox, 0o700),
        (&emails[0], 0o600),
        (&secrets, 0o700),
        (&secrets.join("secret.key"), 0o600),
    ] {
        assert_eq!(mode(path), wanted, "{}", path.display());
    }
    assert!(!data.join("secret.key").exists(), "no key in the data folder");
    let log = stderr_of(server);
    assert!(log.contains("generated a secret key"), "{log}");
}

#[cfg(unix)]
#[test]
fn an_older_installs_key_moves_out_of_the_data_folder_and_the_data_is_closed() {
    use std::os::unix::fs::PermissionsExt;
    let folder = tempfile::tempdir().unwrap();
    let data = folder.path().join("data");
    // As an install from before: the key in the data folder, the folder and
    // the database as a umask of 022 left them.
    std::fs::create_dir(&data).unwrap();
    let key = listening_loop::random::random_id() + &listening_loop::random::random_id();
    std::fs::write(data.join("secret.key"), &key).unwrap();
    std::fs::set_permissions(data.join("secret.key"), std::fs::Permissions::from_mode(0o600)).unwrap();
    std::fs::write(data.join("listening-loop.sqlite3"), "").unwrap();
    for (path, old) in [(&data, 0o755), (&data.join("listening-loop.sqlite3"), 0o644)] {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(old)).unwrap();
    }

    let port = served::free_port();
    let log = stderr_of(serve_until_healthy(&mut with_defaults(folder.path(), port), port));
    let moved = folder.path().join("secrets/secret.key");
    assert_eq!(std::fs::read_to_string(&moved).unwrap(), key, "the same key, so nobody's code or session breaks");
    assert!(!data.join("secret.key").exists(), "and none left in the data folder");
    assert_eq!((mode(&moved), mode(moved.parent().unwrap())), (0o600, 0o700));
    assert_eq!(log.matches("moved the secret key out of the data folder").count(), 1, "{log}");
    assert_eq!((mode(&data), mode(&data.join("listening-loop.sqlite3"))), (0o700, 0o600), "{log}");

    // The next start finds it in its place and says nothing about it.
    let log = stderr_of(serve_until_healthy(&mut with_defaults(folder.path(), port), port));
    assert!(!log.contains("moved the secret key") && !log.contains("generated a secret key"), "{log}");
    assert_eq!(std::fs::read_to_string(&moved).unwrap(), key);
}

#[cfg(unix)]
#[test]
fn a_key_file_others_can_read_stops_the_service_saying_how_to_fix_it() {
    use std::os::unix::fs::PermissionsExt;
    let folder = tempfile::tempdir().unwrap();
    let file = folder.path().join("keys/secret.key");
    std::fs::create_dir(file.parent().unwrap()).unwrap();
    std::fs::write(&file, listening_loop::random::random_id() + &listening_loop::random::random_id()).unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).unwrap();

    let out =
        with_defaults(folder.path(), served::free_port()).env("SECRET_KEY_FILE", &file).arg("serve").output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains(&format!("chmod 600 {}", file.display())), "{stderr}");
    assert!(!folder.path().join("data").exists(), "nothing was started");

    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let port = served::free_port();
    let server = serve_until_healthy(with_defaults(folder.path(), port).env("SECRET_KEY_FILE", &file), port);
    drop(stderr_of(server));
}
