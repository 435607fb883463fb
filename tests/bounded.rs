//! No single client can hold the service: posts are capped at the largest
//! a page can honestly send, slow clients are cut off, and the largest
//! honest journey still goes through whole.

mod support;

use std::time::{Duration, Instant};

use listening_loop::limits::{self, FormLimits, PUBLIC_FORM, STAFF_FORM};
use listening_loop::respond::page_limits::PageLimits;
use listening_loop::surveys::Registry;
use support::served::JourneyPage;
use support::{Page, TestApp, form_body, on_each_database, shipped_surveys};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn page_limits() -> PageLimits {
    PageLimits::for_registry(&Registry::load(&shipped_surveys()).expect("the shipped surveys load"))
}

fn assert_calm(page: &Page, status: u16) {
    assert_eq!(page.status, status, "{}", &page.body[..page.body.len().min(2000)]);
    assert!(page.headers["content-type"].to_str().unwrap().starts_with("text/html"));
    assert!(page.body.contains("data-leave"), "an error page is still a safe page, with its way out");
}

/// Free text as long as it may be, in a script of 3 bytes a character
/// (Devanagari), with a line break: 2,000 characters, 5,999 bytes.
fn longest_text() -> String {
    let mut text = "क".repeat(1000);
    text.push('\n');
    text.push_str(&"ख".repeat(999));
    assert_eq!(text.chars().count(), 2000);
    text
}

/// The form a person answering everything as fully as possible posts:
/// every box ticked, the longest choice of each radio group, every text
/// box full.
fn answer_everything_fully(page: &JourneyPage, nav: &str) -> Vec<(String, String)> {
    let mut form = vec![("state".to_owned(), page.state.clone().expect("a state field"))];
    for (name, values) in &page.radios {
        let longest = values.iter().max_by_key(|v| v.len()).unwrap();
        form.push((name.clone(), longest.clone()));
    }
    for (name, values) in &page.boxes {
        for value in values.iter().filter(|v| *v != "rather-not-say") {
            form.push((name.clone(), value.clone()));
        }
    }
    for name in &page.textareas {
        form.push((name.clone(), longest_text()));
    }
    form.push(("nav".to_owned(), nav.to_owned()));
    form
}

/// Posts a form, keeping note of the largest body.
async fn post_form(app: &TestApp, path: &str, form: &[(String, String)], largest: &mut usize) -> Page {
    let body = form_body(form);
    *largest = (*largest).max(body.len());
    app.post_raw(path, body.into_bytes()).await
}

/// Every link and age group answered as fully as the service allows,
/// free text at its longest in a 3-byte script: every page is taken, each
/// page with text is posted again from "Check your answers" (then the draft
/// holds every answer and the page its own at once, the largest post), and
/// the response is stored with every character.
#[tokio::test]
async fn the_largest_honest_journeys_go_through_whole() {
    let limits = page_limits();
    let journeys = [
        ("young-people", "5-7"),
        ("young-people", "8-11"),
        ("young-people", "12-15"),
        ("young-people", "16-17"),
        ("parents-carers", "adult"),
        ("practitioners", "adult"),
    ];
    on_each_database(|app| {
        let limits = limits.clone();
        async move {
            for (link, age) in journeys {
                let cap = limits.for_link(link).unwrap();
                let path = format!("/s/{link}");
                let mut largest = 0;
                let start = app.post(&format!("{path}/start"), &[("age", age)]).await;
                assert_eq!(start.status, 200, "{link} {age}");
                let mut page = JourneyPage::parse(&start.body);
                let mut texts = 0;
                for _ in 0..100 {
                    if page.is_check_page() {
                        break;
                    }
                    let nav = if page.buttons.iter().any(|b| b == "continue") { "continue" } else { "next" };
                    texts += page.textareas.len();
                    let next = post_form(&app, &path, &answer_everything_fully(&page, nav), &mut largest).await;
                    assert_eq!(next.status, 200, "{link} {age}: {}", next.h1());
                    page = JourneyPage::parse(&next.body);
                }
                assert!(page.is_check_page(), "{link} {age} reached the check page");
                assert!(texts > 0, "{link} {age} asks for some free text");
                // Each page with a text box again, from the check page.
                let changes: Vec<String> = page.buttons.iter().filter(|b| b.starts_with("change:")).cloned().collect();
                for change in changes {
                    let form = vec![("state".to_owned(), page.state.clone().unwrap()), ("nav".to_owned(), change)];
                    let opened = post_form(&app, &path, &form, &mut largest).await;
                    assert_eq!(opened.status, 200);
                    let opened = JourneyPage::parse(&opened.body);
                    if opened.textareas.is_empty() {
                        continue;
                    }
                    let back = post_form(&app, &path, &answer_everything_fully(&opened, "next"), &mut largest).await;
                    assert_eq!(back.status, 200, "{link} {age}: {}", back.h1());
                    page = JourneyPage::parse(&back.body);
                    assert!(page.is_check_page());
                }
                let before = app.count("responses");
                let form = vec![("state".to_owned(), page.state.clone().unwrap()), ("nav".to_owned(), "submit".into())];
                let sent = post_form(&app, &path, &form, &mut largest).await;
                assert_eq!(sent.status, 200, "{link} {age}: {}", sent.h1());
                assert!(JourneyPage::parse(&sent.body).receipt.is_some(), "a receipt code");
                assert_eq!(app.count("responses"), before + 1);
                let whole = app.count_where(
                    "answers",
                    &format!("free_text IS NOT NULL AND LENGTH(free_text) = {}", longest_text().chars().count()),
                );
                assert!(whole >= texts as i64, "{link} {age}: {whole} of {texts} answers whole");
                eprintln!(
                    "{link} {age}: largest post {largest} bytes of the {} allowed ({:.0}%)",
                    cap.bytes,
                    100.0 * largest as f64 / cap.bytes as f64
                );
                assert!(largest <= cap.bytes);
            }
        }
    })
    .await;
}

/// A body of `len` bytes that reads as a page with a real draft and an
/// unknown field: refused as not fitting (400) unless it is too large.
fn padded_body(state: &str, len: usize) -> Vec<u8> {
    let mut body = format!("state={state}&nav=next&answer.padding=").into_bytes();
    assert!(body.len() < len);
    body.resize(len, b'a');
    body
}

#[tokio::test]
async fn a_survey_post_just_over_its_cap_is_refused_whole() {
    let limits = page_limits();
    on_each_database(|app| {
        let limits = limits.clone();
        async move {
            let cap = limits.for_link("young-people").unwrap();
            let start = app.post("/s/young-people/start", &[("age", "12-15")]).await;
            let state = start.state();
            let at_cap = app.post_raw("/s/young-people", padded_body(&state, cap.bytes)).await;
            assert_calm(&at_cap, 400);
            let over = app.post_raw("/s/young-people", padded_body(&state, cap.bytes + 1)).await;
            assert_calm(&over, 413);
            assert!(over.body.contains("too much to send"));

            // Fields: as many as the largest page has, and one more.
            let fields = |n: usize| {
                let mut body = format!("state={state}&nav=next");
                for i in 2..n {
                    body.push_str(&format!("&answer.x{i}=1"));
                }
                body.into_bytes()
            };
            assert_calm(&app.post_raw("/s/young-people", fields(cap.fields)).await, 400);
            assert_calm(&app.post_raw("/s/young-people", fields(cap.fields + 1)).await, 413);

            // The start page and the other public forms are small.
            let public_over = vec![b'a'; PUBLIC_FORM.bytes + 1];
            for path in ["/s/young-people/start", "/track", "/subscribe", "/s/no-such-survey"] {
                assert_calm(&app.post_raw(path, public_over.clone()).await, 413);
            }
            let many: String = (0..=PUBLIC_FORM.fields).map(|i| format!("f{i}=1&")).collect();
            assert_calm(&app.post_raw("/track", many.into_bytes()).await, 413);
            assert_eq!(app.count("responses"), 0);
        }
    })
    .await;
}

#[tokio::test]
async fn staff_forms_have_their_own_cap() {
    use listening_loop::staff::roles::Role;
    on_each_database(|app| async move {
        let email = "publisher@example.org";
        support::staff::make_staff(&app, email, &[Role::Publisher]);
        let staff = support::staff::Staff::sign_in(&app, email).await;
        let csrf = staff.csrf_on("/staff/actions/new").await;
        let over = "a".repeat(STAFF_FORM.bytes);
        for path in ["/staff/actions", "/staff/sign-in"] {
            let page = staff.post(path, &[("csrf", csrf.as_str()), ("detailed_text", over.as_str())]).await;
            assert_calm(&page, 413);
        }
        // Below the cap, the form is read and checked as before.
        let page = staff.post("/staff/actions", &[("csrf", csrf.as_str()), ("detailed_text", "a")]).await;
        assert_ne!(page.status, 413);
    })
    .await;
}

/// The service with timeouts short enough to wait for.
async fn spawn_with_short_timeouts() -> TestApp {
    let db = support::databases().remove(0);
    support::spawn_app_configured(db, |settings| {
        settings.timeouts = limits::Timeouts {
            header: Duration::from_secs(1),
            body: Duration::from_secs(2),
            keep_alive: Duration::from_secs(1),
            refusal: Duration::ZERO,
        };
    })
    .await
}

fn port(app: &TestApp) -> u16 {
    app.address.rsplit(':').next().unwrap().parse().unwrap()
}

/// Reads until the server closes the connection (or `within` passes):
/// what it sent, and how long it took to close, if it did.
async fn read_until_closed(stream: &mut (impl AsyncRead + Unpin), within: Duration) -> (String, Option<Duration>) {
    let started = Instant::now();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let left = within.saturating_sub(started.elapsed());
        match tokio::time::timeout(left, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return (String::from_utf8_lossy(&got).into_owned(), Some(started.elapsed())),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
            Err(_) => return (String::from_utf8_lossy(&got).into_owned(), None),
        }
    }
}

/// `/healthz` answers quickly, on a new connection, while slow clients
/// hold theirs. (A kept-alive one might be closed for idleness as it is
/// reused: the keep-alive time here is a second.)
async fn healthz_answers(app: &TestApp) {
    let (status, took) = status_from([127, 0, 0, 1], port(app), &get("/healthz")).await;
    assert_eq!(status, 200);
    assert!(took < Duration::from_secs(1), "/healthz took {took:?}");
}

const POST_START: &[u8] = b"POST /s/young-people/start HTTP/1.1\r\nHost: x\r\n\
    Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n";

/// With a header time of 1 s, a body time of 2 s and keep-alive of 1 s:
/// half a header, a whole header and a promised body that never comes, a
/// body trickled a byte at a time, and a kept-alive connection whose second
/// request stops half way are all cut off, while `/healthz` answers.
#[tokio::test]
async fn slow_clients_are_cut_off_while_healthz_keeps_answering() {
    let app = spawn_with_short_timeouts().await;
    let address = format!("127.0.0.1:{}", port(&app));
    let connect = || TcpStream::connect(address.clone());

    let mut half_headers = Vec::new();
    let mut no_bodies = Vec::new();
    let half_started = Instant::now();
    for _ in 0..100 {
        let mut s = connect().await.unwrap();
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ").await.unwrap();
        half_headers.push(s);
        let mut s = connect().await.unwrap();
        s.write_all(POST_START).await.unwrap();
        s.write_all(b"age=").await.unwrap();
        no_bodies.push(s);
    }
    let mut trickle = connect().await.unwrap();
    trickle.write_all(POST_START).await.unwrap();
    let (mut trickle_in, mut trickle_out) = trickle.into_split();
    let trickler = tokio::spawn(async move {
        // 1,000 bytes at 20 a second: 50 s if nothing stopped it.
        for _ in 0..1000 {
            if trickle_out.write_all(b"a").await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });
    let trickle_started = Instant::now();
    let mut second_request = connect().await.unwrap();
    second_request.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let mut buf = [0u8; 1024];
    let n = second_request.read(&mut buf).await.unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    second_request.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ").await.unwrap();
    let second_started = Instant::now();

    for _ in 0..5 {
        healthz_answers(&app).await;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Half a header: closed once the header time is up.
    for mut s in half_headers {
        let (answer, closed) = read_until_closed(&mut s, Duration::from_secs(5)).await;
        assert!(closed.is_some(), "a connection with half a header is closed");
        assert!(answer.is_empty() || answer.starts_with("HTTP/1.1 408"), "{answer}");
    }
    assert!(half_started.elapsed() < Duration::from_secs(4), "{:?}", half_started.elapsed());
    healthz_answers(&app).await;
    // A body that never comes: a calm page once the body time is up.
    for mut s in no_bodies {
        let (answer, closed) = read_until_closed(&mut s, Duration::from_secs(8)).await;
        assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
        assert!(answer.contains("didn&#39;t finish sending") || answer.contains("didn't finish sending"), "{answer}");
        assert!(closed.is_some(), "a connection whose body never comes is closed");
    }
    // A body trickled in: refused when the body time is up, not when its
    // last byte would have come.
    let (answer, closed) = read_until_closed(&mut trickle_in, Duration::from_secs(10)).await;
    trickler.abort();
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(closed.is_some(), "the trickled connection is closed");
    assert!(trickle_started.elapsed() < Duration::from_secs(12), "{:?}", trickle_started.elapsed());
    // The second request on a kept-alive connection that stops half way:
    // closed within the keep-alive time and the header time (2 s here).
    let (_, closed) = read_until_closed(&mut second_request, Duration::from_secs(8)).await;
    assert!(closed.is_some(), "a kept-alive connection with half a second header is closed");
    assert!(second_started.elapsed() < Duration::from_secs(8), "{:?}", second_started.elapsed());
    healthz_answers(&app).await;
    assert_eq!(app.count("responses"), 0);
}

/// The README's "Limits" list and the constants say the same.
#[test]
fn the_readme_lists_the_limits_the_code_sets() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let seconds = |d: Duration| format!("{} s", d.as_secs());
    let kib = |l: FormLimits| format!("{} KiB, {} fields", l.bytes / 1024, l.fields);
    let rows = [
        ("HEADER_TIMEOUT", seconds(limits::HEADER_TIMEOUT)),
        ("BODY_TIMEOUT", seconds(limits::BODY_TIMEOUT)),
        ("KEEP_ALIVE", seconds(limits::KEEP_ALIVE)),
        ("DISCONNECT_TIMEOUT", seconds(limits::DISCONNECT_TIMEOUT)),
        ("MAX_CONNECTIONS_PER_WORKER", format!("{}", limits::MAX_CONNECTIONS_PER_WORKER)),
        ("REFUSAL_PAUSE", seconds(limits::REFUSAL_PAUSE)),
        ("REQUESTS_PER_MINUTE", format!("{} a minute, with a burst as large", limits::REQUESTS_PER_MINUTE)),
        ("STAFF_FORM", kib(STAFF_FORM)),
        ("PUBLIC_FORM", kib(PUBLIC_FORM)),
        ("MAX_TEXT", format!("{} characters", listening_loop::respond::journey::MAX_TEXT)),
    ];
    let mut missing = Vec::new();
    for (name, value) in rows {
        let row = format!("| {value} | `{name}` |");
        if !readme.contains(&row) {
            missing.push(row);
        }
    }
    assert!(missing.is_empty(), "README's Limits table lacks:\n{}", missing.join("\n"));
}

/// A connection from `source`, one of this machine's loopback addresses.
async fn connect_from(source: [u8; 4], port: u16) -> TcpStream {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind((std::net::Ipv4Addr::from(source), 0).into()).unwrap();
    socket.connect(([127, 0, 0, 1], port).into()).await.unwrap()
}

/// Sends `request` on a new connection from `source` and reads the answer
/// to its end: the status and how long the answer took.
async fn status_from(source: [u8; 4], port: u16, request: &[u8]) -> (u16, Duration) {
    let started = Instant::now();
    let mut stream = connect_from(source, port).await;
    stream.write_all(request).await.unwrap();
    let (answer, _) = read_until_closed(&mut stream, Duration::from_secs(10)).await;
    let status = answer.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
    (status, started.elapsed())
}

fn get(path: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").into_bytes()
}

/// A client over its requests a minute is refused with a calm page, after
/// the refusal pause, whatever it asks for; another client is served at
/// once. A post too large is answered after the pause too.
#[tokio::test]
async fn a_client_over_its_requests_is_refused_after_a_pause_and_no_one_else_is() {
    let pause = Duration::from_millis(700);
    let db = support::databases().remove(0);
    let app = support::spawn_app_configured(db, |settings| {
        settings.requests_per_minute = 5;
        settings.timeouts.refusal = pause;
    })
    .await;
    let port = port(&app);
    for _ in 0..5 {
        let (status, took) = status_from([127, 0, 0, 6], port, &get("/you-said-we-did")).await;
        assert_eq!(status, 200);
        assert!(took < pause, "a page served is not paused: {took:?}");
    }
    let (status, took) = status_from([127, 0, 0, 6], port, &get("/you-said-we-did")).await;
    assert_eq!(status, 429);
    assert!(took >= pause, "refused after the pause: {took:?}");
    // 127.0.0.1 is another client, with five of its own.
    for _ in 0..5 {
        assert_eq!(app.get("/you-said-we-did").await.status, 200, "127.0.0.1 is another client");
    }
    let too_many = app.get("/you-said-we-did").await;
    assert_calm(&too_many, 429);
    assert!(too_many.body.contains("data-leave"));
    for path in ["/healthz", "/static/app.css", "/s/young-people"] {
        assert_eq!(status_from([127, 0, 0, 6], port, &get(path)).await.0, 429, "{path} counts too");
    }
    // Another client, and a post too large from it: refused after the pause.
    assert_eq!(status_from([127, 0, 0, 7], port, &get("/you-said-we-did")).await.0, 200);
    let mut post = format!(
        "POST /track HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n",
        PUBLIC_FORM.bytes + 1
    )
    .into_bytes();
    post.resize(post.len() + PUBLIC_FORM.bytes + 1, b'a');
    let (status, took) = status_from([127, 0, 0, 7], port, &post).await;
    assert_eq!(status, 413);
    assert!(took >= pause, "a post too large is refused after the pause: {took:?}");
}
