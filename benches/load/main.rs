//! `cargo bench`: the numbers behind "far ahead, and proven". Starts the
//! release binary on fresh databases, drives it over loopback with an
//! open-loop, fixed-rate load generator (latency counted from each request's
//! intended send time), and writes `target/bench/report.md`.
//!
//! `BENCH_QUICK=1` runs every figure once, briefly (a couple of minutes);
//! the full run repeats each figure three times and reports the median.
//! PostgreSQL figures use `BENCH_DATABASE_URL` or `TEST_DATABASE_URL` (a
//! server where databases can be created), else they are marked not measured.
//! `BENCH_SEED=N` sets how many responses the seeding figure makes.
//! `BENCH_RUNS=N` repeats each figure N times instead.
//! `BENCH_ONLY=a,b` measures only those parts: `respondents`, `submissions`,
//! `get`, `long`, `idle`, `seed`, `dashboard`, `attack` (for working on one figure);
//! `submissions-full`, `submissions-normal` or `submissions-postgres` picks
//! one database set-up of the submission figures.
//! `BENCH_HOLD=RATE` skips the step-up of submissions and of whole
//! respondents and holds RATE for the sustained duration
//! (`BENCH_SUSTAIN=SECONDS`, else 60, or 6 when quick).
//! `BENCH_BINARY=PATH` serves from another build of the server, to compare
//! two versions under the same load.
//! Benchmarks print numbers; they never fail on timing.

mod attack;
mod http;
mod open_loop;
mod seed;
#[path = "../../tests/support/served.rs"]
mod served;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hdrhistogram::Histogram;
use listening_loop::config::SecretKey;
use listening_loop::respond::state::DraftSeal;
use listening_loop::staff::roles::Role;
use open_loop::Outcome;
use served::{JourneyPage, Server, ServerConfig};
use tokio::time::Instant;

const SECRET: &str = "benchmark secret key, at least thirty-two characters long";
/// The bound a submission rate must meet to count as sustained.
const P99_BOUND_MS: f64 = 50.0;
const P999_BOUND_MS: f64 = 200.0;

struct Bench {
    quick: bool,
    runs: usize,
    binary: PathBuf,
    work: tempfile::TempDir,
    surveys: PathBuf,
    postgres: Option<String>,
    report: String,
    notes: Vec<String>,
    /// `BENCH_ONLY`: the parts to measure, or all of them.
    only: Option<Vec<String>>,
}

/// One row of the report: a figure measured in each run.
struct Figure {
    name: String,
    unit: &'static str,
    values: Vec<f64>,
    target: String,
}

fn main() {
    let quick = std::env::var("BENCH_QUICK").is_ok_and(|v| !v.is_empty() && v != "0");
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a runtime");
    let work = tempfile::tempdir().expect("a temporary folder");
    let surveys = work.path().join("surveys");
    write_surveys(&surveys);
    let postgres = ["BENCH_DATABASE_URL", "TEST_DATABASE_URL"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|u| !u.is_empty()));
    let mut bench = Bench {
        quick,
        runs: std::env::var("BENCH_RUNS").ok().and_then(|r| r.parse().ok()).unwrap_or(if quick { 1 } else { 3 }),
        binary: std::env::var_os("BENCH_BINARY")
            .map_or_else(|| env!("CARGO_BIN_EXE_listening-loop").into(), PathBuf::from),
        work,
        surveys,
        postgres,
        report: String::new(),
        notes: Vec::new(),
        only: std::env::var("BENCH_ONLY")
            .ok()
            .filter(|v| !v.trim().is_empty())
            .map(|v| v.split(',').map(|p| p.trim().to_owned()).collect()),
    };
    let started = std::time::Instant::now();
    let mut figures: Vec<Figure> = Vec::new();
    let mut pages: Vec<PageTimes> = Vec::new();

    eprintln!("== whole respondents (8-11 survey)");
    let mut respondents = Vec::new();
    let mut respondent_p99 = Vec::new();
    for run in 0..bench.runs_of("respondents") {
        let (rate, per_page, p99) = runtime.block_on(bench.respondents());
        eprintln!("   run {}: {rate:.0} respondents/s", run + 1);
        respondents.push(rate);
        respondent_p99.push(p99);
        pages.push(per_page);
    }
    figures.push(Figure {
        name: "whole respondents/s (8–11 survey, every page + CSS/JS + send; p99 of each page ≤ 50 ms)".into(),
        unit: "/s",
        values: respondents,
        target: "≥ 600".into(),
    });
    figures.push(Figure {
        name: "  slowest page's p99 at that rate".into(),
        unit: "ms",
        values: respondent_p99,
        target: "".into(),
    });

    let configs: Vec<(&str, &str, Env, bool)> = vec![
        ("full", "SQLite, synchronous=FULL, group commit", vec![], false),
        (
            "normal",
            "SQLite, synchronous=NORMAL, no group commit (WRITER_MAX_BATCH=1)",
            vec![("SQLITE_SYNCHRONOUS".into(), "NORMAL".into()), ("WRITER_MAX_BATCH".into(), "1".into())],
            false,
        ),
        ("postgres", "PostgreSQL, synchronous_commit=on, group commit", vec![], true),
    ];
    let mut best = Vec::new();
    for (key, label, env, on_postgres) in &configs {
        eprintln!("== submissions/s, {label}");
        if bench.runs_of("submissions") == 0 && bench.runs_of(&format!("submissions-{key}")) == 0 {
            best.push(None);
            continue;
        }
        if *on_postgres && bench.postgres.is_none() {
            bench.notes.push(format!(
                "{label}: not measured — set BENCH_DATABASE_URL or TEST_DATABASE_URL to a PostgreSQL server"
            ));
            best.push(None);
            continue;
        }
        let mut highest = Vec::new();
        let mut sustained_p99 = Vec::new();
        let mut sustained_p999 = Vec::new();
        for run in 0..bench.runs {
            let (rate, sustained) = runtime.block_on(bench.highest_submission_rate(env, *on_postgres));
            eprintln!(
                "   run {}: highest {rate:.0}/s; sustained {:.0}/s for {:.0} s: p99 {:.1} ms, p99.9 {:.1} ms",
                run + 1,
                sustained.achieved(),
                sustained.elapsed.as_secs_f64(),
                sustained.p(0.99),
                sustained.p(0.999)
            );
            highest.push(rate);
            sustained_p99.push(sustained.p(0.99));
            sustained_p999.push(sustained.p(0.999));
        }
        best.push(Some(median(&highest)));
        let secs = bench.sustain().as_secs();
        figures.push(Figure {
            name: format!("submissions/s, 20 answers, {label}: highest rate with p99 ≤ 50 ms, p99.9 ≤ 200 ms"),
            unit: "/s",
            values: highest,
            target: if label.contains("FULL") { "≥ 1,000".into() } else { "".into() },
        });
        figures.push(Figure {
            name: format!("  p99 over {secs} s at that rate"),
            unit: "ms",
            values: sustained_p99,
            target: "≤ 50".into(),
        });
        figures.push(Figure {
            name: format!("  p99.9 over {secs} s at that rate"),
            unit: "ms",
            values: sustained_p999,
            target: "≤ 200".into(),
        });
    }

    eprintln!("== survey page GET vs /healthz, keep-alive");
    let mut page_rates = Vec::new();
    let mut page_p99 = Vec::new();
    let mut bare_rates = Vec::new();
    let mut bare_p99 = Vec::new();
    for run in 0..bench.runs_of("get") {
        let ((page, page_lat), (bare, bare_lat)) = runtime.block_on(bench.get_throughput());
        eprintln!(
            "   run {}: page {page:.0}/s p99 {page_lat:.1} ms; /healthz {bare:.0}/s p99 {bare_lat:.1} ms",
            run + 1
        );
        page_rates.push(page);
        page_p99.push(page_lat);
        bare_rates.push(bare);
        bare_p99.push(bare_lat);
    }
    let get_ratio = median(&page_rates) / median(&bare_rates);
    figures.push(Figure {
        name: "survey page GET requests/s (keep-alive, 64 connections)".into(),
        unit: "/s",
        values: page_rates,
        target: "".into(),
    });
    figures.push(Figure {
        name: "  its p99 at 60% of that rate, open loop".into(),
        unit: "ms",
        values: page_p99,
        target: "".into(),
    });
    figures.push(Figure {
        name: "GET /healthz (the bare handler) requests/s".into(),
        unit: "/s",
        values: bare_rates,
        target: "".into(),
    });
    figures.push(Figure {
        name: "  its p99 at 60% of that rate, open loop".into(),
        unit: "ms",
        values: bare_p99,
        target: "".into(),
    });

    eprintln!("== 500-answer vs 10-answer submissions");
    let mut small = Vec::new();
    let mut large = Vec::new();
    for run in 0..bench.runs_of("long") {
        let (s, l) = runtime.block_on(bench.long_vs_short());
        eprintln!("   run {}: p99 10 answers {s:.1} ms, 500 answers {l:.1} ms", run + 1);
        small.push(s);
        large.push(l);
    }
    let long_ratio = median(&large) / median(&small);
    figures.push(Figure {
        name: "p99 of a 10-answer submission (SQLite FULL, 50/s)".into(),
        unit: "ms",
        values: small,
        target: "".into(),
    });
    figures.push(Figure {
        name: "p99 of a 500-answer submission (SQLite FULL, 50/s)".into(),
        unit: "ms",
        values: large,
        target: "".into(),
    });

    eprintln!("== memory with 1,000 idle keep-alive connections");
    let mut idle = Vec::new();
    let mut before = Vec::new();
    for run in 0..bench.runs_of("idle") {
        let (b, i) = runtime.block_on(bench.idle_connections_memory());
        eprintln!("   run {}: {b:.1} MB before, {i:.1} MB with 1,000 open", run + 1);
        before.push(b);
        idle.push(i);
    }
    figures.push(Figure {
        name: "resident memory, warmed up, no connections".into(),
        unit: "MB",
        values: before,
        target: "".into(),
    });
    figures.push(Figure {
        name: "resident memory with 1,000 open idle keep-alive connections".into(),
        unit: "MB",
        values: idle,
        target: "≤ 100".into(),
    });

    eprintln!("== seeding");
    // BENCH_SEED sets the size, e.g. a million in a quick run.
    let seed_n: u64 = std::env::var("BENCH_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(if bench.quick {
        100_000
    } else {
        1_000_000
    });
    let mut seed_secs = Vec::new();
    for run in 0..bench.runs_of("seed") {
        let (secs, _, _) = bench.seed_sqlite(seed_n);
        eprintln!("   run {}: {seed_n} responses × 20 answers in {secs:.1} s", run + 1);
        seed_secs.push(secs);
    }
    figures.push(Figure {
        name: format!("seeding {seed_n} responses × 20 answers on SQLite (benches/load/seed.rs)"),
        unit: "s",
        values: seed_secs,
        target: "well under 60 (at 1,000,000)".into(),
    });

    eprintln!("== theme dashboard and response export");
    // The dashboard at the seeding size and at 10,000; the export at the seeding size.
    let mut dashboard_small = Vec::new();
    let mut dashboard_large = Vec::new();
    let (mut export_rate, mut first_byte, mut export_growth) = (Vec::new(), Vec::new(), Vec::new());
    for run in 0..bench.runs_of("dashboard") {
        let (small, large, (rate, first, growth)) = runtime.block_on(async {
            let small = bench.seeded_server(10_000).await;
            let large = bench.seeded_server(seed_n).await;
            let p95 = dashboard_p95s(&[&small, &large]).await;
            drop(small);
            (p95[0], p95[1], export(&large, seed_n).await)
        });
        eprintln!(
            "   run {}: dashboard p95 {small:.1} ms at 10,000, {large:.1} ms at {seed_n}; export {rate:.0} rows/s, \
             first byte {first:.2} s, memory +{growth:.1} MB",
            run + 1
        );
        dashboard_small.push(small);
        dashboard_large.push(large);
        export_rate.push(rate);
        first_byte.push(first);
        export_growth.push(growth);
    }
    let dashboard_ratio = median(&dashboard_large) / median(&dashboard_small);
    figures.push(Figure {
        name: format!(
            "theme dashboard p95 over {seed_n} responses × 20 answers (SQLite, {DASHBOARD_REQUESTS} requests)"
        ),
        unit: "ms",
        values: dashboard_large,
        target: "≤ 100 (at 1,000,000)".into(),
    });
    figures.push(Figure {
        name: "  the same over 10,000 responses".into(),
        unit: "ms",
        values: dashboard_small,
        target: "".into(),
    });
    figures.push(Figure {
        name: format!("streamed response CSV export of {seed_n} responses (SQLite)"),
        unit: "rows/s",
        values: export_rate,
        target: "≥ 50,000".into(),
    });
    figures.push(Figure { name: "  first byte".into(), unit: "s", values: first_byte, target: "≤ 1".into() });
    figures.push(Figure {
        name: "  resident memory growth while it streams".into(),
        unit: "MB",
        values: export_growth,
        target: "≤ 50".into(),
    });

    eprintln!("== a child's journey and /healthz, quiet and under attack");
    let mut attack_runs: Vec<Vec<AttackRow>> = Vec::new();
    for run in 0..bench.runs_of("attack") {
        let rows = runtime.block_on(bench.under_attack());
        for row in &rows {
            eprintln!(
                "   run {}: {}: journey p99 {:.1} ms ({} failed), /healthz p99 {:.1} ms ({} failed); attacker: {}",
                run + 1,
                row.label,
                row.journey_p99,
                row.journeys_failed,
                row.probe_p99,
                row.probes_failed,
                row.attacker
            );
        }
        attack_runs.push(rows);
    }

    // The report.
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let mut out = String::new();
    let _ = writeln!(out, "# Listening Loop benchmark report\n");
    let _ = writeln!(
        out,
        "- machine: {cores} cores ({}), shared by the server and the load generator\n\
         - mode: {} ({} run{} per figure; each figure is the median)\n\
         - load: open loop at fixed rates from this process over loopback; latency counted from each \
         request's intended send time (coordinated omission corrected), percentiles by HdrHistogram\n\
         - server: the release binary, `RUST_LOG=info` (access log on, to a file), a fresh database per run\n\
         - client: a new TCP connection per respondent with keep-alive inside it, `Accept-Encoding: gzip, deflate` \
         as a browser over plain HTTP sends\n\
         - took {:.0} s\n",
        cpu_model(),
        if bench.quick { "quick (BENCH_QUICK=1)" } else { "full" },
        bench.runs,
        if bench.runs == 1 { "" } else { "s" },
        started.elapsed().as_secs_f64()
    );
    let _ = writeln!(out, "| figure | median | runs | target |\n|---|---:|---|---|");
    for f in figures.iter().filter(|f| !f.values.is_empty()) {
        let runs = f.values.iter().map(|v| format!("{v:.1}")).collect::<Vec<_>>().join(", ");
        let _ = writeln!(out, "| {} | {:.1} {} | {runs} | {} |", f.name, median(&f.values), f.unit, f.target);
    }
    let _ = writeln!(out, "\n## Ratios\n\n| ratio | value | target |\n|---|---:|---|");
    // A rate that held nothing (0/s) makes any ratio over it unbounded: shown as ∞.
    let ratio = |a: Option<f64>, b: Option<f64>| a.zip(b).map(|(a, b)| a / b).unwrap_or(f64::NAN);
    let ratios = [
        (
            "SQLite FULL + group commit ÷ NORMAL without group commit (highest sustained rates)".to_owned(),
            ratio(best[0], best[1]),
            "≥ 0.8",
        ),
        ("PostgreSQL ÷ SQLite (highest sustained submission rates)".to_owned(), ratio(best[2], best[0]), "≥ 0.5"),
        ("survey page GET ÷ GET /healthz (requests/s)".to_owned(), get_ratio, "≥ 0.25"),
        ("p99 500-answer ÷ p99 10-answer submission".to_owned(), long_ratio, "≤ 3"),
        (format!("dashboard p95 at {seed_n} ÷ at 10,000 responses"), dashboard_ratio, "≤ 1.5 (at 1,000,000)"),
    ];
    for (name, value, target) in ratios {
        if value.is_finite() {
            let _ = writeln!(out, "| {name} | {value:.2} | {target} |");
        } else if value == f64::INFINITY {
            let _ = writeln!(out, "| {name} | ∞ (the divisor held no rate tried) | {target} |");
        } else if bench.only.is_none() {
            bench.notes.push(format!("{name}: not measured"));
        }
    }

    if let Some(last) = pages.last().filter(|p| !p.is_empty()) {
        let _ = writeln!(
            out,
            "\n## Each page of a respondent's walk (last run, at its highest sustained rate)\n\n\
             | # | request | p50 ms | p99 ms | p99.9 ms |\n|---:|---|---:|---:|---:|"
        );
        for (n, (label, hist)) in last {
            let _ = writeln!(
                out,
                "| {n} | {label} | {:.1} | {:.1} | {:.1} |",
                hist.value_at_quantile(0.5) as f64 / 1000.0,
                hist.value_at_quantile(0.99) as f64 / 1000.0,
                hist.value_at_quantile(0.999) as f64 / 1000.0
            );
        }
    }
    if let Some(first) = attack_runs.first() {
        let _ = writeln!(
            out,
            "\n## Under attack\n\n{} children a second walk the whole 8–11 survey (landing page, CSS and JS, \
             every page, Send), each from an address of their own, while `/healthz` is asked 50 times a second; first with nobody \
             else there, then with each attacker in turn, from its own address. Medians over the runs; the target \
             is each p99 within 2 × the quiet one, and no child's request failing.\n\n\
             | while | child's whole journey p99 | ÷ quiet | `/healthz` p99 | ÷ quiet | children failed | the attacker's requests (last run) |\n\
             |---|---:|---:|---:|---:|---:|---|",
            attack::CHILDREN_PER_SECOND
        );
        let med =
            |i: usize, f: fn(&AttackRow) -> f64| median(&attack_runs.iter().map(|r| f(&r[i])).collect::<Vec<_>>());
        let (quiet_journey, quiet_probe) = (med(0, |r| r.journey_p99), med(0, |r| r.probe_p99));
        let last = attack_runs.last().expect("a run");
        for (i, row) in first.iter().enumerate() {
            let (journey, probe) = (med(i, |r| r.journey_p99), med(i, |r| r.probe_p99));
            let failed: u64 = attack_runs.iter().map(|r| r[i].journeys_failed).sum();
            let _ = writeln!(
                out,
                "| {} | {journey:.1} ms | {:.2} | {probe:.1} ms | {:.2} | {failed} | {} |",
                row.label,
                journey / quiet_journey,
                probe / quiet_probe,
                last[i].attacker
            );
        }
    }
    if !bench.notes.is_empty() {
        let _ = writeln!(out, "\n## Not measured\n");
        for note in &bench.notes {
            let _ = writeln!(out, "- {note}");
        }
    }
    let _ = writeln!(
        out,
        "\nThe seeded responses answer questions `q01`–`q20`, which the shipped survey does not have, so the \
         export's question columns are empty: it still reads every answer of every response."
    );
    bench.report = out;
    let dir = target_dir().join("bench");
    std::fs::create_dir_all(&dir).expect("create target/bench");
    let path = dir.join("report.md");
    std::fs::write(&path, &bench.report).expect("write the report");
    println!("{}", bench.report);
    eprintln!("report written to {}", path.display());
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"))
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines().find(|l| l.starts_with("model name")).map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}

fn median(values: &[f64]) -> f64 {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let mid = v.len() / 2;
    if v.len() % 2 == 1 { v[mid] } else { (v[mid - 1] + v[mid]) / 2.0 }
}

/// The shipped partnership, themes and lexicon and surveys, plus surveys of
/// 10, 20 and 500 scale questions (five a page) for the submission figures.
/// The shipped surveys' TOML files, with their folders (`lang/`).
fn copy_tomls(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create a surveys folder");
    for entry in std::fs::read_dir(from).expect("read a surveys folder") {
        let path = entry.expect("a directory entry").path();
        let target = to.join(path.file_name().expect("a file name"));
        if path.is_dir() {
            copy_tomls(&path, &target);
        } else if path.extension().is_some_and(|e| e == "toml") {
            std::fs::copy(&path, &target).expect("copy a survey file");
        }
    }
}

fn write_surveys(dir: &Path) {
    std::fs::create_dir_all(dir).expect("create the surveys folder");
    copy_tomls(&served::shipped_surveys(), dir);
    for n in [10usize, 20, 500] {
        let mut text = format!(
            "id = \"bench-{n}\"\nlink = \"bench-{n}\"\naudience = \"practitioner\"\nage_groups = [\"adult\"]\n\
             title = \"Benchmark survey with {n} questions\"\n"
        );
        for q in 0..n {
            if q % 5 == 0 {
                let _ = write!(text, "\n[[sections]]\nid = \"s{}\"\ntitle = \"Section {}\"\n", q / 5, q / 5 + 1);
            }
            let measure = if q == n - 1 { "measure = \"feel_listened_to\"\n" } else { "" };
            let _ = write!(
                text,
                "\n[[sections.questions]]\nid = \"q{q:03}\"\nkind = \"scale\"\nscale = \"agree\"\n{measure}\
                 text = \"Statement number {q} about the service.\"\nthemes = [\"being-listened-to\"]\n"
            );
        }
        std::fs::write(dir.join(format!("bench-{n}.toml")), text).expect("write a benchmark survey");
    }
}

impl Bench {
    /// How many runs a part gets: none when `BENCH_ONLY` leaves it out.
    fn runs_of(&self, part: &str) -> usize {
        match &self.only {
            Some(parts) if !parts.iter().any(|p| p == part) => 0,
            _ => self.runs,
        }
    }

    fn step(&self) -> Duration {
        Duration::from_secs(if self.quick { 2 } else { 8 })
    }

    fn sustain(&self) -> Duration {
        let default = if self.quick { 6 } else { 60 };
        Duration::from_secs(std::env::var("BENCH_SUSTAIN").ok().and_then(|s| s.parse().ok()).unwrap_or(default))
    }

    /// A server on a fresh database: SQLite in a new folder, or a new
    /// PostgreSQL database (dropped by the guard).
    fn start(&self, extra_env: &[(String, String)], on_postgres: bool) -> (Server, Option<PgGuard>, tempfile::TempDir) {
        let dir = tempfile::tempdir_in(self.work.path()).expect("a run folder");
        let (url, guard) = if on_postgres {
            let admin = self.postgres.clone().expect("a PostgreSQL URL");
            let (url, name) = served::create_postgres_database(&admin, "ll_bench");
            (url, Some(PgGuard { admin, name }))
        } else {
            (dir.path().join("bench.sqlite3").to_string_lossy().into_owned(), None)
        };
        let mut env = vec![("RUST_LOG".to_owned(), server_log_filter())];
        env.extend(extra_env.iter().cloned());
        let server = Server::start(ServerConfig {
            binary: self.binary.clone(),
            database_url: url,
            data_dir: dir.path().to_path_buf(),
            surveys_dir: self.surveys.clone(),
            secret: SECRET.to_owned(),
            port: served::free_port(),
            extra_env: env,
            log: dir.path().join("server.log"),
        });
        (server, guard, dir)
    }

    /// Steps the respondent arrival rate up until a page's p99 passes
    /// 50 ms or anything fails; returns the highest rate that held, the
    /// per-page histograms at that rate and its slowest page's p99.
    async fn respondents(&self) -> (f64, PageTimes, f64) {
        let (server, _pg, _dir) = self.start(&[], false);
        let port = server.config.port;
        let landing = http::Conn::connect(port).await.unwrap().get("/s/young-people?age=8-11").await.unwrap();
        let assets = static_assets(landing.text());
        let assets = Arc::new(assets);
        let mut best = (0.0, BTreeMap::new(), f64::NAN);
        let pid = server.pid().expect("a running server");
        let hold: Option<f64> = std::env::var("BENCH_HOLD").ok().and_then(|r| r.parse().ok());
        let (rates, step) = match hold {
            Some(rate) => (vec![rate], self.sustain()),
            None => (vec![50.0, 100.0, 200.0, 300.0, 400.0, 500.0, 600.0, 700.0, 800.0, 1000.0, 1200.0], self.step()),
        };
        for rate in rates {
            let pages: Arc<Mutex<PageTimes>> = Arc::default();
            let (server_cpu, own_cpu) = (cpu_seconds(pid), cpu_seconds(std::process::id()));
            let outcome = open_loop::run(rate, step, 4000, |_, intended| {
                let (pages, assets) = (pages.clone(), assets.clone());
                async move { respondent(port, std::net::Ipv4Addr::LOCALHOST, intended, &assets, &pages).await }
            })
            .await;
            let pages = pages.lock().unwrap().clone();
            let (slowest_page, slowest) = pages
                .values()
                .map(|(label, h)| (label.as_str(), h.value_at_quantile(0.99) as f64 / 1000.0))
                .max_by(|a, b| a.1.total_cmp(&b.1))
                .unwrap_or(("none", 0.0));
            let per = |spent: f64| spent * 1000.0 / outcome.ok.max(1) as f64;
            eprintln!(
                "   {rate:.0}/s offered: {} done, {} failed, slowest page p99 {slowest:.1} ms ({slowest_page}); \
                 CPU per respondent: server {:.2} ms, load generator {:.2} ms",
                outcome.ok,
                outcome.errors,
                per(cpu_seconds(pid) - server_cpu),
                per(cpu_seconds(std::process::id()) - own_cpu),
            );
            if outcome.errors > 0 || slowest > P99_BOUND_MS {
                break;
            }
            best = (rate, pages, slowest);
        }
        best
    }

    /// Steps the submission rate up until the latency bound breaks, then
    /// holds the highest rate that met it for the sustained duration; when
    /// the hold breaks the bound, steps back down until a hold meets it. The
    /// rate reported is the one that held, never a short step's.
    async fn highest_submission_rate(&self, env: &[(String, String)], on_postgres: bool) -> (f64, Outcome) {
        const RATES: [f64; 12] =
            [100.0, 250.0, 500.0, 750.0, 1000.0, 1250.0, 1500.0, 2000.0, 2500.0, 3000.0, 4000.0, 5000.0];
        let (server, _pg, _dir) = self.start(env, on_postgres);
        let port = server.config.port;
        let template = check_draft(port, "bench-20").await;
        let hold: Option<f64> = std::env::var("BENCH_HOLD").ok().and_then(|r| r.parse().ok());
        let mut best = hold.unwrap_or(0.0);
        for rate in RATES.iter().copied().filter(|_| hold.is_none()) {
            let outcome = submissions(port, "bench-20", &template, rate, self.step()).await;
            eprintln!(
                "   {rate:.0}/s: p99 {:.1} ms, p99.9 {:.1} ms, {} errors",
                outcome.p(0.99),
                outcome.p(0.999),
                outcome.errors
            );
            if !meets_bound(&outcome) {
                break;
            }
            best = rate;
        }
        let mut held = None;
        let mut last = None;
        let holds: Vec<f64> = match hold {
            Some(rate) => vec![rate],
            None => RATES.iter().rev().copied().filter(|r| *r <= best).collect(),
        };
        for rate in holds {
            let sustained = submissions(port, "bench-20", &template, rate, self.sustain()).await;
            eprintln!(
                "   hold {rate:.0}/s: p99 {:.1} ms, p99.9 {:.1} ms, {} errors",
                sustained.p(0.99),
                sustained.p(0.999),
                sustained.errors
            );
            if meets_bound(&sustained) {
                held = Some((rate, sustained));
                break;
            }
            last = Some(sustained);
        }
        let result = match (held, last) {
            (Some(held), _) => held,
            (None, Some(last)) => (0.0, last),
            // Not even the lowest step met the bound: hold it to show how far off it was.
            (None, None) => (0.0, submissions(port, "bench-20", &template, RATES[0], self.sustain()).await),
        };
        drop(server);
        result
    }

    /// Saturated keep-alive throughput of the survey page and of /healthz,
    /// and each one's open-loop p99 at 60% of it.
    async fn get_throughput(&self) -> ((f64, f64), (f64, f64)) {
        let (server, _pg, _dir) = self.start(&[], false);
        let port = server.config.port;
        let mut out = Vec::new();
        for path in ["/s/young-people?age=8-11", "/healthz"] {
            let saturated = closed_loop_gets(port, path, 64, self.step()).await;
            let pool = Arc::new(http::Pool::new(port));
            let outcome = open_loop::run(saturated * 0.6, self.step(), 4000, |_, _| {
                let pool = pool.clone();
                async move {
                    let Ok(mut conn) = pool.take().await else { return false };
                    let ok = matches!(conn.get(path).await, Ok(r) if r.status == 200);
                    if ok {
                        pool.give_back(conn);
                    }
                    ok
                }
            })
            .await;
            out.push((saturated, outcome.p(0.99)));
        }
        drop(server);
        (out[0], out[1])
    }

    /// p99 of 10-answer and of 500-answer submissions at the same modest rate.
    async fn long_vs_short(&self) -> (f64, f64) {
        let (server, _pg, _dir) = self.start(&[], false);
        let port = server.config.port;
        let duration = Duration::from_secs(if self.quick { 5 } else { 20 });
        let short = check_draft(port, "bench-10").await;
        let long = check_draft(port, "bench-500").await;
        let s = submissions(port, "bench-10", &short, 50.0, duration).await;
        let l = submissions(port, "bench-500", &long, 50.0, duration).await;
        drop(server);
        (s.p(0.99), l.p(0.99))
    }

    /// VmRSS of a warmed-up server, then with 1,000 keep-alive connections
    /// open and idle (each has made one request). Read at once: the server
    /// closes idle connections after its keep-alive timeout.
    async fn idle_connections_memory(&self) -> (f64, f64) {
        let (server, _pg, _dir) = self.start(&[], false);
        let port = server.config.port;
        let pid = server.pid().expect("a running server");
        let _ = closed_loop_gets(port, "/s/young-people?age=8-11", 16, Duration::from_secs(1)).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let before = rss_mb(pid);
        let mut open = Vec::new();
        for _ in 0..1000 {
            let mut conn = http::Conn::connect(port).await.expect("open a connection");
            conn.get("/healthz").await.expect("a first request");
            open.push(conn);
        }
        let with = rss_mb(pid);
        drop(open);
        drop(server);
        (before, with)
    }

    /// A child's journey and `/healthz` on one server: quiet, then under
    /// each attack in turn (see `attack.rs`). The server has a safeguarding
    /// lead's account, which the sign-in guesses aim at.
    async fn under_attack(&self) -> Vec<AttackRow> {
        let dir = tempfile::tempdir_in(self.work.path()).expect("a run folder");
        let url = dir.path().join("bench.sqlite3").to_string_lossy().into_owned();
        {
            let mut conn = listening_loop::db::Database::open_alone(&url).expect("create the database");
            add_staff(&mut conn, attack::GUESSED_ACCOUNT, "Lead", &[Role::SafeguardingLead]);
        }
        let server = Server::start(ServerConfig {
            binary: self.binary.clone(),
            database_url: url,
            data_dir: dir.path().to_path_buf(),
            surveys_dir: self.surveys.clone(),
            secret: SECRET.to_owned(),
            port: served::free_port(),
            extra_env: vec![
                ("RUST_LOG".to_owned(), server_log_filter()),
                // The limits as in service: the children come from many
                // addresses here, each attacker from one.
                ("RESPONDENT_POSTS_PER_MINUTE".to_owned(), "6000".to_owned()),
                ("REQUESTS_PER_MINUTE".to_owned(), listening_loop::limits::REQUESTS_PER_MINUTE.to_string()),
            ],
            log: dir.path().join("server.log"),
        });
        let port = server.config.port;
        let landing = http::Conn::connect(port).await.unwrap().get("/s/young-people?age=8-11").await.unwrap();
        let assets = Arc::new(static_assets(landing.text()));
        let duration = Duration::from_secs(if self.quick { 6 } else { 20 });
        let mut rows = Vec::new();
        let phases = std::iter::once(None).chain(attack::Attack::ALL.into_iter().map(Some));
        for attack in phases {
            let phase = attack::phase(port, assets.clone(), attack, duration).await;
            let attacker =
                phase.attacker.iter().map(|(what, n)| format!("{what} × {n}")).collect::<Vec<_>>().join("; ");
            rows.push(AttackRow {
                label: attack.map_or("nobody else (quiet)", |a| a.label()).to_owned(),
                journey_p99: phase.journeys.p(0.99),
                journeys_failed: phase.journeys.errors,
                probe_p99: phase.probes.p(0.99),
                probes_failed: phase.probes.errors,
                attacker: if attacker.is_empty() { "—".into() } else { attacker },
            });
            // Let the server close what the attacker left open.
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
        drop(server);
        rows
    }

    /// Seconds to seed `n` responses × 20 answers into a fresh SQLite file
    /// (themes spread over them as if reviewed), with the file and its URL.
    fn seed_sqlite(&self, n: u64) -> (f64, tempfile::TempDir, String) {
        use seed::{SeedPlan, seed_responses};
        let dir = tempfile::tempdir_in(self.work.path()).expect("a seed folder");
        let path = dir.path().join("seed.sqlite3");
        let url = path.to_string_lossy().into_owned();
        let mut conn = listening_loop::db::Database::open_alone(&url).expect("create and migrate the seed database");
        let registry = listening_loop::surveys::Registry::load(&self.surveys).expect("the bench surveys");
        let plan = SeedPlan {
            responses: n,
            answers_each: 20,
            survey_id: "what-we-need".into(),
            survey_version: "seed".into(),
            themes: registry.themes.iter().map(|t| t.id.clone()).collect(),
        };
        let started = std::time::Instant::now();
        seed_responses(&mut conn, &plan).expect("seed");
        let secs = started.elapsed().as_secs_f64();
        let counted: i64 = {
            use diesel::prelude::*;
            use listening_loop::db::schema::answers;
            answers::table.count().get_result(&mut conn).expect("count answers")
        };
        assert_eq!(counted as u64, n * 20, "the seed made every answer");
        (secs, dir, url)
    }

    /// A server over `n` seeded responses, with a client signed in to it as
    /// an admin who also reviews (as a person reading the dashboard would be).
    async fn seeded_server(&self, n: u64) -> Seeded {
        let (_, dir, url) = self.seed_sqlite(n);
        {
            let mut conn = listening_loop::db::Database::open_alone(&url).expect("open the seeded database");
            let registry = listening_loop::surveys::Registry::load(&self.surveys).expect("the bench surveys");
            listening_loop::db::daily::recount(&mut conn, &registry.measured_questions())
                .expect("count the seeded responses");
            add_staff(&mut conn, "bench@example.org", "Bench", &[Role::Admin, Role::YouthReviewer]);
        }
        let server = Server::start(ServerConfig {
            binary: self.binary.clone(),
            database_url: url,
            data_dir: dir.path().to_path_buf(),
            surveys_dir: self.surveys.clone(),
            secret: SECRET.to_owned(),
            port: served::free_port(),
            extra_env: vec![("RUST_LOG".to_owned(), server_log_filter())],
            log: dir.path().join("server.log"),
        });
        let base = server.base_url();
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("a client");
        let form = client.get(format!("{base}/staff/sign-in")).send().await.unwrap().text().await.unwrap();
        let start = form.find("name=\"csrf\" value=\"").expect("a form token") + "name=\"csrf\" value=\"".len();
        let csrf: String = form[start..].chars().take_while(|c| *c != '"').collect();
        let signed = client
            .post(format!("{base}/staff/sign-in"))
            .form(&[("csrf", csrf.as_str()), ("email", "bench@example.org"), ("password", SECRET)])
            .send()
            .await
            .unwrap();
        assert_eq!(signed.status(), 303, "signed in");
        Seeded { server, _dir: dir, client, base }
    }
}

/// One phase of the under-attack figure.
struct AttackRow {
    label: String,
    journey_p99: f64,
    journeys_failed: u64,
    probe_p99: f64,
    probes_failed: u64,
    /// What the attacker's requests met, e.g. "status 413 × 1,204".
    attacker: String,
}

/// A running server over a seeded database, and a signed-in client.
struct Seeded {
    server: Server,
    _dir: tempfile::TempDir,
    client: reqwest::Client,
    base: String,
}

/// Dashboard requests on each server, after a few to warm up.
const DASHBOARD_REQUESTS: usize = 200;

/// The dashboard's p95 in ms on each server. The requests go one at a time,
/// as a person clicking, and alternate between the servers, so that a change
/// in the machine's speed (CPU steal on a virtual machine comes and goes
/// within seconds) falls on every server alike and their ratio stays fair.
async fn dashboard_p95s(servers: &[&Seeded]) -> Vec<f64> {
    let mut times: Vec<Vec<f64>> = vec![Vec::with_capacity(DASHBOARD_REQUESTS); servers.len()];
    for i in 0..DASHBOARD_REQUESTS + 5 {
        for (s, seeded) in servers.iter().enumerate() {
            let started = std::time::Instant::now();
            let page = seeded.client.get(format!("{}/staff/dashboard", seeded.base)).send().await.unwrap();
            assert_eq!(page.status(), 200);
            page.bytes().await.unwrap();
            if i >= 5 {
                times[s].push(started.elapsed().as_secs_f64() * 1000.0);
            }
        }
    }
    times
        .into_iter()
        .map(|mut t| {
            t.sort_by(f64::total_cmp);
            t[(t.len() * 95).div_ceil(100) - 1]
        })
        .collect()
}

/// The streamed response export's rows/s, seconds to the first byte, and
/// resident memory growth in MB while it streams.
async fn export(seeded: &Seeded, n: u64) -> (f64, f64, f64) {
    let pid = seeded.server.pid().expect("the server's pid");
    let before = rss_mb(pid);
    let peak = Arc::new(Mutex::new(before));
    let sampling = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let sampler = {
        let (peak, sampling) = (peak.clone(), sampling.clone());
        tokio::spawn(async move {
            while sampling.load(std::sync::atomic::Ordering::Relaxed) {
                let now = rss_mb(pid);
                {
                    let mut peak = peak.lock().unwrap();
                    *peak = peak.max(now);
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };
    let started = std::time::Instant::now();
    let url = format!("{}/staff/exports/responses/what-we-need.csv", seeded.base);
    let mut export = seeded.client.get(url).send().await.unwrap();
    assert_eq!(export.status(), 200);
    let mut first_byte = None;
    let mut lines = 0u64;
    while let Some(chunk) = export.chunk().await.unwrap() {
        first_byte.get_or_insert_with(|| started.elapsed().as_secs_f64());
        lines += chunk.iter().filter(|b| **b == b'\n').count() as u64;
    }
    let secs = started.elapsed().as_secs_f64();
    sampling.store(false, std::sync::atomic::Ordering::Relaxed);
    sampler.await.unwrap();
    let rows = lines.saturating_sub(1);
    // Flagged responses (one in a hundred) are left out for an admin.
    assert!(rows >= n * 98 / 100, "the export streamed every unflagged response: {rows} of {n}");
    let growth = (*peak.lock().unwrap() - before).max(0.0);
    (rows as f64 / secs, first_byte.unwrap_or(f64::NAN), growth)
}

/// Extra environment for the server.
type Env = Vec<(String, String)>;

/// Request latencies by place in a respondent's walk, with a label.
type PageTimes = BTreeMap<usize, (String, Histogram<u64>)>;

struct PgGuard {
    admin: String,
    name: String,
}

impl Drop for PgGuard {
    fn drop(&mut self) {
        served::drop_postgres_database(&self.admin, &self.name);
    }
}

fn meets_bound(outcome: &Outcome) -> bool {
    outcome.errors == 0 && outcome.p(0.99) <= P99_BOUND_MS && outcome.p(0.999) <= P999_BOUND_MS
}

/// User and system CPU time a process has used, in seconds (all its threads).
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The fields after the command name, which is in parentheses.
    let fields: Vec<&str> = stat.rsplit_once(')').map(|(_, r)| r.split_whitespace().collect()).unwrap_or_default();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(f64::NAN);
    // utime and stime are fields 14 and 15 of the whole line: 11 and 12 here.
    // Counted in USER_HZ, which Linux fixes at 100 per second for /proc.
    (ticks(11) + ticks(12)) / 100.0
}

fn rss_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

/// The stylesheet and script a landing page links to.
fn static_assets(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    for marker in ["href=\"/static/", "src=\"/static/"] {
        let mut rest = html;
        while let Some(at) = rest.find(marker) {
            let start = at + marker.len() - "/static/".len();
            let end = rest[start..].find('"').map(|e| start + e).unwrap_or(rest.len());
            found.push(rest[start..end].replace("&amp;", "&"));
            rest = &rest[end..];
        }
    }
    found
}

/// The server's `RUST_LOG`: `info` (the access log on, as in service), or
/// `BENCH_LOG` when set, e.g. to the writer's per-batch timings.
fn server_log_filter() -> String {
    std::env::var("BENCH_LOG").unwrap_or_else(|_| "info".to_owned())
}

/// A staff account with `roles` and the bench's password.
fn add_staff(conn: &mut listening_loop::db::DbConnection, email: &str, name: &str, roles: &[Role]) {
    use listening_loop::staff::{password, store};
    let email = listening_loop::mail::EmailAddress::parse(email).expect("an address");
    let id = store::create(conn, &email, name, roles).expect("create a staff account").expect("a new account");
    store::set_password(conn, &id, &password::hash(SECRET)).expect("set its password");
}

/// A new person on a new connection from `source`: the landing page, its CSS and JS, then
/// every page of the 8–11 survey answered, then Send. Each request's time is
/// recorded under its place in the walk; the first counts from the moment
/// the person was due to arrive.
async fn respondent(
    port: u16,
    source: std::net::Ipv4Addr,
    intended: Instant,
    assets: &[String],
    pages: &Mutex<PageTimes>,
) -> bool {
    let mut times: Vec<(String, u64)> = Vec::with_capacity(24);
    let result: Result<bool, std::io::Error> = async {
        let mut conn = http::Conn::connect_from(source, port).await?;
        let mut since = intended;
        let mut note = |label: String, since: &mut Instant| {
            times.push((label, since.elapsed().as_micros() as u64));
            *since = Instant::now();
        };
        let landing = conn.get("/s/young-people?age=8-11").await?;
        if landing.status != 200 {
            return Ok(false);
        }
        note("GET /s/young-people?age=8-11".into(), &mut since);
        for asset in assets {
            let r = conn.get(asset).await?;
            if r.status != 200 {
                return Ok(false);
            }
            note(format!("GET {}", asset.split('?').next().unwrap_or(asset)), &mut since);
        }
        let mut body = conn.post_form("/s/young-people/start", "age=8-11").await?;
        note("POST start (first question)".into(), &mut since);
        for step in 1..100 {
            if body.status != 200 {
                return Ok(false);
            }
            let page = JourneyPage::parse(body.text());
            if page.receipt.is_some() {
                return Ok(true);
            }
            let (form, label) = if page.is_check_page() {
                let state = page.state.clone().unwrap_or_default();
                (vec![("state".to_owned(), state), ("nav".to_owned(), "submit".to_owned())], "POST send".to_owned())
            } else {
                let (form, _) = page.answer_everything();
                let what = if page.buttons.iter().any(|b| b == "continue") { "content note" } else { "answer" };
                (form, format!("POST page {step} ({what})"))
            };
            body = conn.post_form("/s/young-people", &served::form_body(&form)).await?;
            note(label, &mut since);
        }
        Ok(false)
    }
    .await;
    let ok = matches!(result, Ok(true));
    if ok {
        let mut pages = pages.lock().unwrap();
        for (n, (label, micros)) in times.into_iter().enumerate() {
            let entry = pages.entry(n + 1).or_insert_with(|| (label, open_loop::histogram()));
            entry.1.saturating_record(micros.max(1));
        }
    }
    ok
}

/// Walks a benchmark survey once to its check page and opens the sealed
/// draft there, so that any number of distinct submissions can be made
/// from it without spending the server's time on walking.
async fn check_draft(port: u16, link: &str) -> listening_loop::respond::state::Draft {
    let mut conn = http::Conn::connect(port).await.expect("connect");
    let mut body = conn.post_form(&format!("/s/{link}/start"), "age=adult").await.expect("start");
    for _ in 0..500 {
        let page = JourneyPage::parse(body.text());
        if page.is_check_page() {
            let seal = DraftSeal::new(SecretKey::from_configured(SECRET).unwrap().derive("respondent drafts"));
            return seal.open(page.state.as_deref().unwrap_or_default()).expect("the bench can open its own draft");
        }
        let (form, _) = page.answer_everything();
        body = conn.post_form(&format!("/s/{link}"), &served::form_body(&form)).await.expect("a page");
    }
    panic!("{link}: never reached the check page");
}

/// Open-loop submissions of distinct copies of `template` (new tokens).
async fn submissions(
    port: u16,
    link: &str,
    template: &listening_loop::respond::state::Draft,
    rate: f64,
    duration: Duration,
) -> Outcome {
    let seal = DraftSeal::new(SecretKey::from_configured(SECRET).unwrap().derive("respondent drafts"));
    let count = (rate * duration.as_secs_f64()).round() as usize + 1;
    let bodies: Arc<Vec<String>> = Arc::new(
        (0..count)
            .map(|_| {
                let mut draft = template.clone();
                let mut token = [0u8; 16];
                listening_loop::random::random_bytes(&mut token);
                draft.token = hex::encode(token);
                served::form_body(&[("state", seal.seal(&draft).as_str()), ("nav", "submit")])
            })
            .collect(),
    );
    let pool = Arc::new(http::Pool::new(port));
    let path = Arc::new(format!("/s/{link}"));
    // What went wrong, by kind, to print when anything did.
    let failures: Arc<Mutex<BTreeMap<String, u64>>> = Arc::default();
    let outcome = open_loop::run(rate, duration, 4000, |i, _| {
        let (pool, bodies, path, failures) = (pool.clone(), bodies.clone(), path.clone(), failures.clone());
        async move {
            let failed = |kind: String| {
                *failures.lock().unwrap().entry(kind).or_default() += 1;
                false
            };
            let mut conn = match pool.take().await {
                Ok(conn) => conn,
                Err(e) => return failed(format!("connect: {}", e.kind())),
            };
            match conn.post_form(&path, &bodies[i as usize % bodies.len()]).await {
                Ok(r) if r.status == 200 && r.text().contains("class=\"code\"") => {
                    pool.give_back(conn);
                    true
                }
                Ok(r) => failed(format!("status {}", r.status)),
                Err(e) => failed(format!("request: {}", e.kind())),
            }
        }
    })
    .await;
    let failures = failures.lock().unwrap();
    if !failures.is_empty() {
        eprintln!("   failures: {failures:?}");
    }
    outcome
}

/// Requests/s with `connections` keep-alive connections each sending the
/// next request as soon as the last one is answered.
async fn closed_loop_gets(port: u16, path: &'static str, connections: usize, duration: Duration) -> f64 {
    let start = Instant::now();
    let workers: Vec<_> = (0..connections)
        .map(|_| {
            tokio::spawn(async move {
                let mut done = 0u64;
                let Ok(mut conn) = http::Conn::connect(port).await else { return 0 };
                while start.elapsed() < duration {
                    match conn.get(path).await {
                        Ok(r) if r.status == 200 => done += 1,
                        _ => break,
                    }
                    if conn.closed {
                        break;
                    }
                }
                done
            })
        })
        .collect();
    let mut total = 0;
    for w in workers {
        total += w.await.unwrap_or(0);
    }
    total as f64 / start.elapsed().as_secs_f64()
}
