//! The "under attack" figure: a child's whole journey and `/healthz`, timed
//! while nobody else is there, then again while, in turn, one kind of
//! attacker works on the same server:
//!
//! - 4 clients posting the worst free text they can (a link followed by
//!   320,000 `)`, and 1 MB of 150,000 distinct field names);
//! - 1,000 connections that send half a request and then stall;
//! - 100 sign-in guesses in parallel, without end;
//! - 50 clients reading the public board as fast as it answers.
//!
//! The children arrive open loop at a fixed rate, each from an address of
//! their own; each kind of attacker comes from one loopback address (all of
//! 127/8 is this machine), as a stranger on the internet would, so the
//! per-address limits, on as in service, fall on it and not on the children.

use std::net::Ipv4Addr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::http::{self, Conn, Pool};
use crate::open_loop::{self, Outcome};
use crate::served::JourneyPage;
use crate::{PageTimes, respondent};

/// Children arriving per second during every phase: well inside what the
/// server holds quietly, so any slowing is the attacker's.
pub const CHILDREN_PER_SECOND: f64 = 20.0;
/// `/healthz` probes per second, on keep-alive connections.
const PROBES_PER_SECOND: f64 = 50.0;

/// The account the guesses are aimed at (it exists: a real lead's address
/// is what an attacker would guess).
pub const GUESSED_ACCOUNT: &str = "lead@example.org";

/// One kind of attacker, each from its own address.
#[derive(Clone, Copy, Debug)]
pub enum Attack {
    WorstText,
    SlowConnections,
    SignInGuesses,
    BoardReaders,
}

impl Attack {
    pub const ALL: [Attack; 4] =
        [Attack::WorstText, Attack::SlowConnections, Attack::SignInGuesses, Attack::BoardReaders];

    pub fn label(self) -> &'static str {
        match self {
            Attack::WorstText => "4 clients posting worst-case free text and 150,000-field forms",
            Attack::SlowConnections => "1,000 connections sending half a request, then stalling",
            Attack::SignInGuesses => "100 parallel sign-in guesses at one account",
            Attack::BoardReaders => "50 clients reading the board as fast as it answers",
        }
    }

    fn source(self) -> Ipv4Addr {
        match self {
            Attack::WorstText => Ipv4Addr::new(127, 0, 0, 2),
            Attack::SlowConnections => Ipv4Addr::new(127, 0, 0, 3),
            Attack::SignInGuesses => Ipv4Addr::new(127, 0, 0, 4),
            Attack::BoardReaders => Ipv4Addr::new(127, 0, 0, 5),
        }
    }
}

/// What one phase measured.
pub struct Phase {
    pub journeys: Outcome,
    pub probes: Outcome,
    /// Requests (or, for stalled connections, connections) the attacker made,
    /// by the status or end they met.
    pub attacker: Vec<(String, u64)>,
}

/// A child's journey and `/healthz`, for `duration`, with `attack` running
/// (or nobody, for `None`).
pub async fn phase(port: u16, assets: Arc<Vec<String>>, attack: Option<Attack>, duration: Duration) -> Phase {
    let stop = Arc::new(AtomicBool::new(false));
    let tally: Arc<Mutex<std::collections::BTreeMap<String, u64>>> = Arc::default();
    // The attackers run on threads of their own, as they would on a machine
    // of their own: their tasks never queue ahead of a child's in the load
    // generator. They share the cores with the server and the children, so
    // what the server spends answering them still shows.
    let attack_runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("a runtime");
    let attackers = match attack {
        Some(kind) => start(kind, port, stop.clone(), tally.clone(), attack_runtime.handle()).await,
        None => Vec::new(),
    };
    // Let the attack reach its full strength before the children come.
    if attack.is_some() {
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let pages: Arc<Mutex<PageTimes>> = Arc::default();
    let children = open_loop::run(CHILDREN_PER_SECOND, duration, 4000, |i, intended| {
        let (pages, assets) = (pages.clone(), assets.clone());
        async move { respondent(port, child_address(i), intended, &assets, &pages).await }
    });
    let pool = Arc::new(Pool::new(port));
    let probes = open_loop::run(PROBES_PER_SECOND, duration, 4000, |_, _| {
        let pool = pool.clone();
        async move {
            let Ok(mut conn) = pool.take().await else { return false };
            let ok = matches!(conn.get("/healthz").await, Ok(r) if r.status == 200);
            if ok {
                pool.give_back(conn);
            }
            ok
        }
    });
    let (journeys, probes) = tokio::join!(children, probes);
    stop.store(true, Ordering::Relaxed);
    for a in attackers {
        a.abort();
        let _ = a.await;
    }
    attack_runtime.shutdown_background();
    let attacker = tally.lock().unwrap().iter().map(|(k, v)| (k.clone(), *v)).collect();
    Phase { journeys, probes, attacker }
}

/// Each child comes from a home of their own: 127.1.0.1, 127.1.0.2, …
fn child_address(i: u64) -> Ipv4Addr {
    Ipv4Addr::new(127, 1, (i / 250 % 250) as u8, (i % 250 + 1) as u8)
}

type Tally = Arc<Mutex<std::collections::BTreeMap<String, u64>>>;

fn count(tally: &Tally, what: impl Into<String>) {
    *tally.lock().unwrap().entry(what.into()).or_default() += 1;
}

/// Counts a reply by its status, or a failure by its kind; whether the
/// connection can carry another request.
fn outcome(tally: &Tally, result: std::io::Result<http::Response>) -> bool {
    match result {
        Ok(r) => {
            count(tally, format!("status {}", r.status));
            true
        }
        Err(e) => {
            count(tally, format!("{:?}", e.kind()));
            false
        }
    }
}

async fn start(
    kind: Attack,
    port: u16,
    stop: Arc<AtomicBool>,
    tally: Tally,
    runtime: &tokio::runtime::Handle,
) -> Vec<tokio::task::JoinHandle<()>> {
    let source = kind.source();
    match kind {
        Attack::WorstText => {
            let bodies = Arc::new(worst_bodies(port).await);
            (0..4)
                .map(|client| {
                    let (stop, tally, bodies) = (stop.clone(), tally.clone(), bodies.clone());
                    runtime.spawn(async move {
                        let mut n = client;
                        while !stop.load(Ordering::Relaxed) {
                            let Ok(mut conn) = Conn::connect_from(source, port).await else {
                                count(&tally, "connect failed");
                                tokio::time::sleep(Duration::from_millis(50)).await;
                                continue;
                            };
                            while !stop.load(Ordering::Relaxed) && !conn.closed {
                                let body = &bodies[n % bodies.len()];
                                n += 1;
                                let r = conn.request("POST", "/s/young-people", Some(body)).await;
                                if !outcome(&tally, r) {
                                    break;
                                }
                            }
                        }
                    })
                })
                .collect()
        }
        Attack::SlowConnections => {
            (0..1000)
                .map(|_| {
                    let (stop, tally) = (stop.clone(), tally.clone());
                    runtime.spawn(async move {
                        while !stop.load(Ordering::Relaxed) {
                            let Ok(mut stream) = http::open_from(source, port).await else {
                                count(&tally, "connect failed");
                                tokio::time::sleep(Duration::from_millis(200)).await;
                                continue;
                            };
                            count(&tally, "stalled connections opened");
                            let half = "POST /s/young-people HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 65536\r\n";
                            if stream.write_all(half.as_bytes()).await.is_err() {
                                count(&tally, "closed before the half request was sent");
                                continue;
                            }
                            // Hold it until the server gives up on it.
                            let mut buf = [0u8; 1024];
                            let closed = loop {
                                match stream.read(&mut buf).await {
                                    Ok(0) | Err(_) => break true,
                                    Ok(_) => {}
                                }
                                if stop.load(Ordering::Relaxed) {
                                    break false;
                                }
                            };
                            if closed {
                                count(&tally, "stalled connection closed by the server");
                            }
                        }
                    })
                })
                .collect()
        }
        Attack::SignInGuesses => (0..100)
            .map(|_| {
                let (stop, tally) = (stop.clone(), tally.clone());
                runtime.spawn(async move {
                    let client = reqwest::Client::builder()
                        .cookie_store(true)
                        .local_address(std::net::IpAddr::V4(source))
                        .redirect(reqwest::redirect::Policy::none())
                        .build()
                        .expect("a client");
                    let base = format!("http://127.0.0.1:{port}");
                    let mut guess = 0u64;
                    while !stop.load(Ordering::Relaxed) {
                        let Ok(form) = client.get(format!("{base}/staff/sign-in")).send().await else {
                            count(&tally, "sign-in page failed");
                            continue;
                        };
                        let form = form.text().await.unwrap_or_default();
                        let Some(at) = form.find("name=\"csrf\" value=\"") else {
                            count(&tally, "sign-in page without a form token");
                            continue;
                        };
                        let csrf: String = form[at + 19..].chars().take_while(|c| *c != '"').collect();
                        for _ in 0..20 {
                            if stop.load(Ordering::Relaxed) {
                                break;
                            }
                            guess += 1;
                            let password = format!("guess number {guess}");
                            match client
                                .post(format!("{base}/staff/sign-in"))
                                .form(&[("csrf", csrf.as_str()), ("email", GUESSED_ACCOUNT), ("password", &password)])
                                .send()
                                .await
                            {
                                Ok(r) => count(&tally, format!("status {}", r.status().as_u16())),
                                Err(_) => count(&tally, "request failed"),
                            }
                        }
                    }
                })
            })
            .collect(),
        Attack::BoardReaders => (0..50)
            .map(|_| {
                let (stop, tally) = (stop.clone(), tally.clone());
                runtime.spawn(async move {
                    while !stop.load(Ordering::Relaxed) {
                        let Ok(mut conn) = Conn::connect_from(source, port).await else {
                            count(&tally, "connect failed");
                            tokio::time::sleep(Duration::from_millis(50)).await;
                            continue;
                        };
                        while !stop.load(Ordering::Relaxed) && !conn.closed {
                            if !outcome(&tally, conn.get("/you-said-we-did").await) {
                                break;
                            }
                        }
                    }
                })
            })
            .collect(),
    }
}

/// The two worst bodies an attacker can post to the survey: a free-text
/// answer of a link followed by 320,000 closing brackets, and 1 MB of
/// 150,000 distinct field names. Each carries a real sealed draft, so it
/// reaches as far into the server as such a post can.
async fn worst_bodies(port: u16) -> Vec<Vec<u8>> {
    let (state, field) = first_free_text_page(port).await;
    let state: String = crate::served::form_body(&[("state", state.as_str())]);
    // `name=`, encoded as a browser would.
    let name = crate::served::form_body(&[(field.as_str(), "")]);
    let mut text = format!("{state}&nav=next&{name}https%3A%2F%2Fexample.org%2Fa");
    text.push_str(&"%29".repeat(320_000));
    let mut fields = format!("{state}&nav=next");
    let mut i = 0u32;
    while fields.len() < 1_000_000 {
        use std::fmt::Write as _;
        let _ = write!(fields, "&f{i}=");
        i += 1;
    }
    vec![text.into_bytes(), fields.into_bytes()]
}

/// Walks the 8–11 survey to its first page with a free-text box: that
/// page's sealed draft and the box's field name.
async fn first_free_text_page(port: u16) -> (String, String) {
    let mut conn = Conn::connect(port).await.expect("connect");
    let mut body = conn.post_form("/s/young-people/start", "age=8-11").await.expect("start");
    for _ in 0..100 {
        let page = JourneyPage::parse(body.text());
        if let (Some(state), Some(field)) = (&page.state, page.textareas.first()) {
            return (state.clone(), field.clone());
        }
        assert!(!page.is_check_page(), "the 8–11 survey has a free-text question");
        let (form, _) = page.answer_everything();
        body = conn.post_form("/s/young-people", &crate::served::form_body(&form)).await.expect("a page");
    }
    panic!("no free-text page in the 8–11 survey");
}
