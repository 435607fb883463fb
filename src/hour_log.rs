//! What the public does, logged by the hour.
//!
//! A log line stamped to the second beside a response on the dashboard can
//! say whose it was: the `POST /s/{link}` that sent it, the safeguarding
//! alert mailed a moment later, the error a child's page met. So nothing that
//! happens because of someone outside the staff is logged when it happens.
//! Requests to any address outside `/staff`, and the mail and alert events
//! they set off, are counted here instead, and written out at the turn of
//! each clock hour as one line per route (requests by status, and latency
//! percentiles) and one per kind of event or failure, with how many. Those
//! lines are all stamped with the moment the hour ended, and name the hour
//! they sum up. Staff requests are still logged one by one: staff are
//! accountable for what they do, and nothing they do dates a response.

use std::collections::BTreeMap;
use std::fmt::Display;
use std::sync::{Mutex, Once};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Timelike, Utc};

/// Upper bounds of the latency buckets, in milliseconds: percentiles are
/// told as "at most" one of these. Anything slower is in the last, open one.
const BUCKETS_MS: [u32; 20] =
    [1, 2, 3, 5, 7, 10, 15, 20, 30, 50, 70, 100, 150, 200, 300, 500, 1000, 2000, 5000, 10_000];

/// Distinct failure messages kept an hour; the rest are counted as "others".
const MAX_MESSAGES: usize = 32;
/// A failure message is cut to this many characters.
const MAX_MESSAGE_CHARS: usize = 300;

tokio::task_local! {
    /// Set while a request from the public is being answered.
    static PUBLIC: ();
}

/// Whether `path` is a staff page: those are logged one by one.
pub fn is_staff_path(path: &str) -> bool {
    path == "/staff" || path.starts_with("/staff/")
}

/// Runs `request` as a request from the public: a failure it logs through
/// [`failure`] goes into the hour's summary.
pub async fn as_public<F: Future>(request: F) -> F::Output {
    PUBLIC.scope((), request).await
}

fn in_public_request() -> bool {
    PUBLIC.try_with(|_| ()).is_ok()
}

/// A request from the public has been answered.
pub fn request(method: &str, route: &str, status: u16, took: Duration) {
    let mut hour = HOUR.lock().unwrap_or_else(|e| e.into_inner());
    let stats = hour.routes.entry((route.to_owned(), method.to_owned())).or_default();
    stats.by_status_class[usize::from(status / 100).min(5)] += 1;
    let ms = took.as_secs_f64() * 1000.0;
    let bucket = BUCKETS_MS.iter().position(|&b| ms <= f64::from(b)).unwrap_or(BUCKETS_MS.len());
    stats.latency[bucket] += 1;
}

/// Something the public set off happened (`"mail sent"`): counted.
pub fn event(what: &'static str) {
    let mut hour = HOUR.lock().unwrap_or_else(|e| e.into_inner());
    *hour.events.entry(what.to_owned()).or_default() += 1;
}

/// Something the public set off went wrong; counted with its message.
pub fn warn(what: impl Display) {
    let message: String = what.to_string().chars().take(MAX_MESSAGE_CHARS).collect();
    let mut hour = HOUR.lock().unwrap_or_else(|e| e.into_inner());
    if hour.failures.len() < MAX_MESSAGES || hour.failures.contains_key(&message) {
        *hour.failures.entry(message).or_default() += 1;
    } else {
        hour.other_failures += 1;
    }
}

/// A request failed on our side: while answering the public, it goes into
/// the hour's summary; on a staff page or in the background, it is logged now.
pub fn failure(what: impl Display) {
    if in_public_request() {
        warn(format!("request failed: {what}"));
    } else {
        tracing::error!(error = %what, "request failed");
    }
}

/// Writes the summary at the turn of every clock hour, from a thread of its
/// own, for as long as the process runs. Started once, however many
/// services the process builds.
pub fn start_hourly() {
    static STARTED: Once = Once::new();
    STARTED.call_once(|| {
        let started = std::thread::Builder::new().name("hour-log".into()).spawn(|| {
            loop {
                std::thread::sleep(until_next_hour(Utc::now()));
                write_summary(hour_began(Utc::now()) - TimeDelta::hours(1));
            }
        });
        if let Err(e) = started {
            tracing::warn!(error = %e, "no hourly summary of public requests; they are summed up at shutdown only");
        }
    });
}

/// How long from `now` to the next turn of the hour (a little after it, so
/// the line is stamped in the new hour).
fn until_next_hour(now: DateTime<Utc>) -> Duration {
    let into_hour = TimeDelta::seconds(i64::from(now.minute() * 60 + now.second()))
        + TimeDelta::nanoseconds(i64::from(now.nanosecond() % 1_000_000_000));
    (TimeDelta::hours(1) - into_hour).to_std().unwrap_or_default() + Duration::from_millis(50)
}

/// The start of the clock hour `now` is in.
pub fn hour_began(now: DateTime<Utc>) -> DateTime<Utc> {
    now.with_minute(0).and_then(|t| t.with_second(0)).and_then(|t| t.with_nanosecond(0)).unwrap_or(now)
}

/// Logs what was counted since the last summary as the hour that began at
/// `began`, and starts counting afresh. Called at the turn of the hour (for
/// the hour just ended), and when the service stops (for the hour it is in).
pub fn write_summary(began: DateTime<Utc>) {
    let hour = std::mem::take(&mut *HOUR.lock().unwrap_or_else(|e| e.into_inner()));
    let hour_of = began.format("%Y-%m-%dT%H:00Z").to_string();
    for ((route, method), stats) in &hour.routes {
        let [_, _, ok, redirect, client_error, server_error] = stats.by_status_class;
        tracing::info!(
            target: "access",
            hour = %hour_of,
            %method,
            route,
            requests = stats.requests(),
            ok,
            redirect,
            client_error,
            server_error,
            p50_ms = %stats.percentile(0.50),
            p90_ms = %stats.percentile(0.90),
            p99_ms = %stats.percentile(0.99),
            "public requests in the hour"
        );
    }
    for (what, count) in &hour.events {
        tracing::info!(hour = %hour_of, count, "{what}");
    }
    for (message, count) in &hour.failures {
        tracing::warn!(hour = %hour_of, count, "{message}");
    }
    if hour.other_failures > 0 {
        tracing::warn!(hour = %hour_of, count = hour.other_failures, "other failures");
    }
}

static HOUR: Mutex<Hour> =
    Mutex::new(Hour { routes: BTreeMap::new(), events: BTreeMap::new(), failures: BTreeMap::new(), other_failures: 0 });

/// What has been counted since the last summary.
#[derive(Default)]
struct Hour {
    /// (route, method) → what its requests came to
    routes: BTreeMap<(String, String), RouteStats>,
    events: BTreeMap<String, u64>,
    failures: BTreeMap<String, u64>,
    other_failures: u64,
}

#[derive(Default)]
struct RouteStats {
    /// Requests by the first digit of their status (0 for none).
    by_status_class: [u64; 6],
    /// Requests by latency bucket ([`BUCKETS_MS`], then one for slower).
    latency: [u64; BUCKETS_MS.len() + 1],
}

impl RouteStats {
    fn requests(&self) -> u64 {
        self.by_status_class.iter().sum()
    }

    /// "≤20" milliseconds, or ">10000".
    fn percentile(&self, p: f64) -> String {
        let total = self.requests();
        let rank = ((total as f64) * p).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (i, n) in self.latency.iter().enumerate() {
            seen += n;
            if seen >= rank {
                return match BUCKETS_MS.get(i) {
                    Some(bound) => format!("≤{bound}"),
                    None => format!(">{}", BUCKETS_MS[BUCKETS_MS.len() - 1]),
                };
            }
        }
        "-".to_owned()
    }
}

/// What the log subscriber wrote while `f` ran, for tests of what is logged.
#[cfg(test)]
pub(crate) fn logged(f: impl FnOnce()) -> String {
    #[derive(Clone, Default)]
    struct Captured(std::sync::Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt().with_ansi(false).with_writer(move || writer.clone()).finish();
    tracing::subscriber::with_default(subscriber, f);
    String::from_utf8(captured.0.lock().unwrap().clone()).unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_told_by_bucket() {
        let mut stats = RouteStats::default();
        for ms in [1, 2, 4, 4, 4, 4, 8, 9, 40, 20_000] {
            stats.by_status_class[2] += 1;
            let bucket = BUCKETS_MS.iter().position(|&b| ms <= b).unwrap_or(BUCKETS_MS.len());
            stats.latency[bucket] += 1;
        }
        assert_eq!(stats.percentile(0.5), "≤5");
        assert_eq!(stats.percentile(0.9), "≤50");
        assert_eq!(stats.percentile(0.99), ">10000");
    }

    #[test]
    fn the_summary_waits_for_the_next_hour() {
        let now = DateTime::parse_from_rfc3339("2026-12-08T10:59:30.5Z").unwrap().with_timezone(&Utc);
        let wait = until_next_hour(now);
        assert!(wait > Duration::from_millis(29_500) && wait < Duration::from_millis(29_600), "{wait:?}");
        let on_the_hour = DateTime::parse_from_rfc3339("2026-12-08T11:00:00Z").unwrap().with_timezone(&Utc);
        assert!(until_next_hour(on_the_hour) > Duration::from_secs(3599));
    }

    #[test]
    fn a_failure_answering_the_public_waits_for_the_hour() {
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let in_public = logged(|| runtime.block_on(as_public(async { failure("the disk is full") })));
        assert!(in_public.is_empty(), "logged at once: {in_public}");
        let at_once = logged(|| failure("the staff page's disk is full"));
        assert!(at_once.contains("the staff page's disk is full"), "{at_once}");
        let began = DateTime::parse_from_rfc3339("2026-12-08T10:00:00Z").unwrap().with_timezone(&Utc);
        let summary = logged(|| write_summary(began));
        let line = summary.lines().find(|l| l.contains("request failed: the disk is full")).expect(&summary);
        assert!(line.contains("hour=2026-12-08T10:00Z") && line.contains("count=1"), "{line}");
    }

    #[test]
    fn staff_paths_are_told_apart() {
        assert!(is_staff_path("/staff"));
        assert!(is_staff_path("/staff/review"));
        assert!(!is_staff_path("/staffroom"));
        assert!(!is_staff_path("/s/children-8-11"));
    }
}
