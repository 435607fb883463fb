//! The alerts that tell safeguarding leads flagged responses arrived, beside
//! the queue they send them to. The respondent stage's writer is handed
//! [`LeadAlerts::hook`] at start (see `lib.rs`) and calls it in the
//! transaction that stores the responses, so an alert (or its place in a
//! digest) exists exactly when its response does; the writer itself knows
//! nothing of leads or email.
//!
//! One email per flagged response would let a script bury the leads'
//! inboxes, and the real disclosures in them. So:
//! - the first flagged response after a quiet spell is mailed at once, to
//!   every active lead;
//! - the ones after it are only counted (in `alert_digest`), and when the
//!   window closes each lead gets one digest saying how many arrived;
//! - while they keep arriving, a digest closes each window and opens the
//!   next; a window in which none arrived is a quiet spell again.
//!
//! A window is at least [`LeadAlerts::window`] long, and starts and ends on a
//! whole number of windows since 1970 (UTC): the table keeps counts and
//! those boundaries only, so it says no more of when anything arrived than
//! which window it fell in, and nothing of which response is which. Every
//! instance gathers into the same row, and every instance runs the digest
//! sender: it changes the row under a lock, so a digest goes out once.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use diesel::prelude::*;

use crate::cause::Chain;
use crate::db::schema::{alert_digest, staff, staff_roles};
use crate::db::{Database, DbConnection, DbError, write_transaction};
use crate::mail::{Email, EmailAddress};
use crate::respond::store::{ConcernAlert, Flagged};
use crate::staff::roles::Role;

/// A window with more flagged responses than this is unusually busy: the
/// queue says so ([`unusual_volume`]).
pub const UNUSUAL: i32 = 20;
/// How long the queue keeps saying so after the last busy window closed.
const BUSY_KEPT: TimeDelta = TimeDelta::hours(24);
/// The row every instance gathers into.
const ROW: i32 = 1;

/// How the leads are alerted: where the queue is, how long a window lasts,
/// and the per-address limit the digest's words speak of.
#[derive(Clone, Debug)]
pub struct LeadAlerts {
    queue_url: String,
    window: TimeDelta,
    per_address_hourly: u32,
}

impl LeadAlerts {
    /// Alerts for the service at `base_url`, gathering for `window` (at least
    /// a second), with flagged sends limited to `per_address_hourly` a client
    /// address (0: no limit).
    pub fn new(base_url: &str, window: Duration, per_address_hourly: u32) -> LeadAlerts {
        // Whole seconds, as the window boundaries are.
        let seconds = i64::try_from(window.as_secs()).unwrap_or(i64::MAX).clamp(1, 366 * 24 * 3600);
        let window = TimeDelta::seconds(seconds);
        LeadAlerts { queue_url: format!("{base_url}/staff/safeguarding"), window, per_address_hourly }
    }

    /// The shortest a window lasts.
    pub fn window(&self) -> TimeDelta {
        self.window
    }

    /// The writer's alert: [`LeadAlerts::gather`] what a batch stored, now.
    pub fn hook(&self) -> ConcernAlert {
        let alerts = self.clone();
        Arc::new(move |conn: &mut DbConnection, flagged: Flagged| alerts.gather(conn, flagged, Utc::now().naive_utc()))
    }

    /// Counts flagged responses just stored (call it in the transaction that
    /// stores them). After a quiet spell, the first within its address's
    /// limit is mailed to every lead at once and opens a window; the rest,
    /// and any that arrive while a window is open, wait for its digest.
    pub fn gather(&self, conn: &mut DbConnection, flagged: Flagged, now: NaiveDateTime) -> QueryResult<()> {
        if flagged.is_empty() {
            return Ok(());
        }
        let within = count(flagged.within_limit);
        let over = count(flagged.over_limit);
        let mut digest = locked(conn)?;
        if digest.gathering(now) {
            digest.window_count = digest.window_count.saturating_add(within.saturating_add(over));
            digest.gathered = digest.gathered.saturating_add(within);
            digest.over_limit = digest.over_limit.saturating_add(over);
        } else {
            // One over the limit alone does not mail anyone at once: it waits
            // for the window's digest like the rest of a flood would.
            let mailed = within > 0;
            if mailed {
                for lead in lead_addresses(conn)? {
                    crate::mail::enqueue(conn, &self.alert_email(lead))?;
                }
            }
            digest.window_from = Some(self.boundary_at_or_before(now));
            digest.window_ends = Some(self.boundary_at_or_after(now + self.window));
            digest.window_count = within.saturating_add(over);
            digest.gathered = within - i32::from(mailed);
            digest.over_limit = over;
        }
        save(conn, &digest)
    }

    /// Sends the digest of a window that has closed, if it gathered anything,
    /// and opens the next; a window that gathered nothing ends the spell.
    /// Forgets a busy spell a day old. Safe on every instance at once: the
    /// row is read again under a lock, so a window closes once. Says whether
    /// a digest was queued.
    pub fn send_due(&self, conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<bool> {
        // Most of the time nothing is due: find that out without a write
        // transaction, which on SQLite would queue behind the writer.
        match current(conn)? {
            Some(digest) if digest.due(now) || digest.busy_forgotten(now) => {}
            _ => return Ok(false),
        }
        write_transaction(conn, |conn| {
            let mut digest = locked(conn)?;
            let mut sent = false;
            if let Some(ends) = digest.window_ends.filter(|ends| *ends <= now) {
                if digest.window_count > UNUSUAL {
                    digest.record_busy(ends);
                }
                let waiting = Waiting { gathered: digest.gathered, over_limit: digest.over_limit };
                if waiting.total() > 0 {
                    for lead in lead_addresses(conn)? {
                        crate::mail::enqueue(conn, &self.digest_email(lead, waiting))?;
                    }
                    sent = true;
                    digest.window_from = Some(ends);
                    digest.window_ends = Some(ends + self.window);
                } else {
                    digest.window_from = None;
                    digest.window_ends = None;
                }
                digest.window_count = 0;
                digest.gathered = 0;
                digest.over_limit = 0;
            }
            if digest.busy_forgotten(now) {
                digest.busy_from = None;
                digest.busy_until = None;
                digest.busy_count = 0;
                digest.busy_over_limit = 0;
            }
            save(conn, &digest)?;
            Ok(sent)
        })
    }

    /// Runs [`LeadAlerts::send_due`] every `poll`, for ever, on this instance.
    pub fn spawn(self, db: Database, poll: Duration) {
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(poll).await;
                let (db, alerts) = (db.clone(), self.clone());
                let done = tokio::task::spawn_blocking(move || -> Result<bool, DbError> {
                    let mut conn = db.get()?;
                    Ok(alerts.send_due(&mut conn, Utc::now().naive_utc())?)
                })
                .await;
                // By the hour: a digest follows flagged responses by minutes.
                match done {
                    Ok(Ok(true)) => crate::hour_log::event("queued a safeguarding digest for the leads"),
                    Ok(Ok(false)) => {}
                    Ok(Err(e)) => crate::hour_log::warn(format_args!(
                        "safeguarding digest not sent; will try again: {}",
                        Chain(&e)
                    )),
                    Err(e) => crate::hour_log::warn(format_args!("safeguarding digest stopped; will try again: {e}")),
                }
            }
        });
    }

    /// The latest window boundary at or before `time`.
    fn boundary_at_or_before(&self, time: NaiveDateTime) -> NaiveDateTime {
        let step = self.window.num_seconds();
        at_second(time.and_utc().timestamp().div_euclid(step) * step)
    }

    /// The earliest window boundary at or after `time`.
    fn boundary_at_or_after(&self, time: NaiveDateTime) -> NaiveDateTime {
        let before = self.boundary_at_or_before(time);
        if before < time { before + self.window } else { before }
    }

    /// The window's length in words, e.g. "10 minutes".
    fn window_words(&self) -> String {
        duration_words(self.window.to_std().unwrap_or_default())
    }

    /// The first alert after a quiet spell.
    fn alert_email(&self, to: EmailAddress) -> Email {
        let later = format!(
            "If more arrive soon after, you will get one email about them at most every {}, saying how many, \
             not one for each.",
            self.window_words()
        );
        Email::new(
            to,
            "A response needs a safeguarding lead",
            &[
                "A response has arrived with words that may mean a child is being harmed, \
                 or written in a language or script the safeguarding word lists cannot read.",
                "It is kept from the Youth Council. Please read it in the safeguarding queue and record what you did.",
                &later,
            ],
            Some(("Open the safeguarding queue", &self.queue_url)),
        )
    }

    /// The digest of one window: how many arrived, never what they say.
    fn digest_email(&self, to: EmailAddress, waiting: Waiting) -> Email {
        let n = waiting.total();
        let (subject, arrived) = if n == 1 {
            ("Another response needs a safeguarding lead", "1 more response has arrived".to_owned())
        } else {
            ("More responses need a safeguarding lead", format!("{n} more responses have arrived"))
        };
        let mut paragraphs = vec![format!(
            "{arrived} since the last email with words that may mean a child is being harmed, \
             or written in a language or script the safeguarding word lists cannot read."
        )];
        if waiting.over_limit > 0 {
            let which = match (waiting.over_limit, n) {
                (1, 1) => "It".to_owned(),
                (over, n) if over == n => "All of them".to_owned(),
                (over, _) => format!("{over} of them"),
            };
            paragraphs.push(format!(
                "{which} came from a network address that sent more than {} in an hour: perhaps a class \
                 answering together on one school network, or one person or a script sending many. \
                 Each is in the queue all the same, and each still needs reading.",
                self.per_address_hourly,
            ));
        }
        paragraphs.push(
            "They are kept from the Youth Council. Please read them in the safeguarding queue and record what you did."
                .to_owned(),
        );
        paragraphs.push(format!(
            "While more keep arriving, you will get one email like this every {} at most.",
            self.window_words()
        ));
        Email::with_links(to, subject, &paragraphs, &[("Open the safeguarding queue", &self.queue_url)])
    }
}

/// What a digest reports.
#[derive(Debug, Clone, Copy)]
struct Waiting {
    gathered: i32,
    over_limit: i32,
}

impl Waiting {
    fn total(&self) -> i32 {
        self.gathered.saturating_add(self.over_limit)
    }
}

/// The gathering, as the `alert_digest` row keeps it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Queryable, Selectable, AsChangeset)]
#[diesel(table_name = alert_digest, treat_none_as_null = true)]
pub struct Digest {
    pub window_from: Option<NaiveDateTime>,
    pub window_ends: Option<NaiveDateTime>,
    pub window_count: i32,
    pub gathered: i32,
    pub over_limit: i32,
    pub busy_from: Option<NaiveDateTime>,
    pub busy_until: Option<NaiveDateTime>,
    pub busy_count: i32,
    pub busy_over_limit: i32,
}

impl Digest {
    /// A window is open, or closed with a digest still to send.
    fn gathering(&self, now: NaiveDateTime) -> bool {
        self.window_ends.is_some_and(|ends| ends > now) || self.gathered > 0 || self.over_limit > 0
    }

    fn due(&self, now: NaiveDateTime) -> bool {
        self.window_ends.is_some_and(|ends| ends <= now)
    }

    fn busy_forgotten(&self, now: NaiveDateTime) -> bool {
        self.busy_until.is_some_and(|until| until + BUSY_KEPT <= now)
    }

    /// The window closing at `ends` was busy: it starts a spell, or carries
    /// on the one whose last window it follows.
    fn record_busy(&mut self, ends: NaiveDateTime) {
        if self.busy_until.is_some() && self.busy_until == self.window_from {
            self.busy_count = self.busy_count.saturating_add(self.window_count);
            self.busy_over_limit = self.busy_over_limit.saturating_add(self.over_limit);
        } else {
            self.busy_from = self.window_from;
            self.busy_count = self.window_count;
            self.busy_over_limit = self.over_limit;
        }
        self.busy_until = Some(ends);
    }
}

/// Many flagged responses in a short time, for the queue's notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spell {
    pub from: NaiveDateTime,
    /// When the last busy window closed; `None` while one is open.
    pub until: Option<NaiveDateTime>,
    pub count: i32,
    /// How many came from an address over its limit of flagged sends.
    pub over_limit: i32,
}

/// The spell the queue should tell the lead about: a window open now with
/// more than [`UNUSUAL`] flagged responses, or busy windows that closed
/// less than a day ago (one after another, they are one spell).
pub fn unusual_volume(digest: &Digest, now: NaiveDateTime) -> Option<Spell> {
    let recent = match (digest.busy_from, digest.busy_until) {
        (Some(from), Some(until)) if until + BUSY_KEPT > now => {
            Some(Spell { from, until: Some(until), count: digest.busy_count, over_limit: digest.busy_over_limit })
        }
        _ => None,
    };
    let open = match digest.window_from {
        Some(from) if digest.window_count > UNUSUAL => {
            Some(Spell { from, until: None, count: digest.window_count, over_limit: digest.over_limit })
        }
        _ => None,
    };
    match (recent, open) {
        (Some(recent), Some(open)) if recent.until == Some(open.from) => Some(Spell {
            from: recent.from,
            until: None,
            count: recent.count.saturating_add(open.count),
            over_limit: recent.over_limit.saturating_add(open.over_limit),
        }),
        (_, Some(open)) => Some(open),
        (recent, None) => recent,
    }
}

/// The gathering as it stands, without locking it (`None` if its row is
/// missing, which the first [`LeadAlerts::gather`] mends).
pub fn current(conn: &mut DbConnection) -> QueryResult<Option<Digest>> {
    alert_digest::table.find(ROW).select(Digest::as_select()).get_result(conn).optional()
}

/// The gathering, locked until the transaction ends: on PostgreSQL a row
/// lock, so two instances' writers and senders take turns; SQLite's write
/// transaction holds the whole database already.
fn locked(conn: &mut DbConnection) -> QueryResult<Digest> {
    for _ in 0..2 {
        let query = alert_digest::table.find(ROW);
        let found = match conn {
            DbConnection::Postgresql(pg) => query.select(Digest::as_select()).for_update().get_result(pg).optional()?,
            DbConnection::Sqlite(sqlite) => query.select(Digest::as_select()).get_result(sqlite).optional()?,
        };
        if let Some(digest) = found {
            return Ok(digest);
        }
        let row = diesel::insert_into(alert_digest::table).values(alert_digest::id.eq(ROW)).on_conflict_do_nothing();
        crate::db::on_backend!(conn, row)?;
    }
    Err(diesel::result::Error::NotFound)
}

fn save(conn: &mut DbConnection, digest: &Digest) -> QueryResult<()> {
    diesel::update(alert_digest::table.find(ROW)).set(digest).execute(conn)?;
    Ok(())
}

/// The addresses of every active safeguarding lead.
fn lead_addresses(conn: &mut DbConnection) -> QueryResult<Vec<EmailAddress>> {
    let emails: Vec<String> = staff::table
        .inner_join(staff_roles::table)
        .filter(staff_roles::role.eq(Role::SafeguardingLead.as_str()))
        .filter(staff::active.eq(true))
        .select(staff::email)
        .load(conn)?;
    Ok(emails.iter().filter_map(|e| EmailAddress::parse(e).ok()).collect())
}

fn count(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

fn at_second(seconds: i64) -> NaiveDateTime {
    DateTime::from_timestamp(seconds, 0).map(|t| t.naive_utc()).unwrap_or_default()
}

/// "10 minutes", "1 hour", "90 seconds".
pub fn duration_words(length: Duration) -> String {
    let plural = |n: u64, unit: &str| if n == 1 { format!("1 {unit}") } else { format!("{n} {unit}s") };
    let seconds = length.as_secs();
    if seconds.is_multiple_of(3600) {
        plural(seconds / 3600, "hour")
    } else if seconds.is_multiple_of(60) {
        plural(seconds / 60, "minute")
    } else {
        plural(seconds, "second")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").unwrap()
    }

    fn alerts() -> LeadAlerts {
        LeadAlerts::new("http://x", Duration::from_secs(600), 3)
    }

    #[test]
    fn windows_start_and_end_on_whole_windows_since_1970() {
        let a = alerts();
        assert_eq!(a.boundary_at_or_before(at("2026-12-07 14:03:27")), at("2026-12-07 14:00:00"));
        assert_eq!(a.boundary_at_or_after(at("2026-12-07 14:13:27")), at("2026-12-07 14:20:00"));
        assert_eq!(a.boundary_at_or_after(at("2026-12-07 14:10:00")), at("2026-12-07 14:10:00"));
        assert_eq!(a.boundary_at_or_before(at("2026-12-07 14:10:00")), at("2026-12-07 14:10:00"));
    }

    #[test]
    fn a_window_is_quiet_only_with_nothing_waiting() {
        let now = at("2026-12-07 14:30:00");
        let open = Digest { window_ends: Some(at("2026-12-07 14:40:00")), ..Digest::default() };
        assert!(open.gathering(now) && !open.due(now));
        let closed_empty = Digest { window_ends: Some(at("2026-12-07 14:30:00")), ..Digest::default() };
        assert!(!closed_empty.gathering(now) && closed_empty.due(now));
        let closed_waiting = Digest { gathered: 1, ..closed_empty.clone() };
        assert!(closed_waiting.gathering(now), "a digest still to send keeps gathering");
        assert!(!Digest::default().gathering(now) && !Digest::default().due(now));
    }

    #[test]
    fn busy_windows_in_a_row_make_one_spell_and_are_shown_for_a_day() {
        let mut d = Digest {
            window_from: Some(at("2026-12-07 14:00:00")),
            window_ends: Some(at("2026-12-07 14:20:00")),
            window_count: 150,
            over_limit: 140,
            ..Digest::default()
        };
        let spell = unusual_volume(&d, at("2026-12-07 14:05:00")).expect("an open busy window shows");
        assert_eq!((spell.count, spell.over_limit, spell.until), (150, 140, None));

        d.record_busy(at("2026-12-07 14:20:00"));
        d.window_from = Some(at("2026-12-07 14:20:00"));
        d.window_ends = Some(at("2026-12-07 14:30:00"));
        d.window_count = 30;
        d.over_limit = 25;
        let both = unusual_volume(&d, at("2026-12-07 14:25:00")).unwrap();
        assert_eq!((both.from, both.count, both.over_limit, both.until), (at("2026-12-07 14:00:00"), 180, 165, None));

        d.record_busy(at("2026-12-07 14:30:00"));
        d.window_from = None;
        d.window_ends = None;
        d.window_count = 0;
        d.over_limit = 0;
        let closed = unusual_volume(&d, at("2026-12-08 14:29:00")).unwrap();
        assert_eq!(closed.until, Some(at("2026-12-07 14:30:00")));
        assert_eq!((closed.count, closed.over_limit), (180, 165));
        assert_eq!(unusual_volume(&d, at("2026-12-08 14:30:00")), None, "a day after, the notice goes");
        assert!(d.busy_forgotten(at("2026-12-08 14:30:00")));

        // A later busy window after a quiet one starts a spell of its own.
        d.window_from = Some(at("2026-12-07 16:00:00"));
        d.window_count = 21;
        d.record_busy(at("2026-12-07 16:10:00"));
        assert_eq!((d.busy_from, d.busy_count), (Some(at("2026-12-07 16:00:00")), 21));
    }

    #[test]
    fn a_window_of_twenty_is_not_unusual() {
        let d = Digest {
            window_from: Some(at("2026-12-07 14:00:00")),
            window_ends: Some(at("2026-12-07 14:20:00")),
            window_count: UNUSUAL,
            ..Digest::default()
        };
        assert_eq!(unusual_volume(&d, at("2026-12-07 14:05:00")), None);
    }

    #[test]
    fn durations_in_words() {
        assert_eq!(duration_words(Duration::from_secs(600)), "10 minutes");
        assert_eq!(duration_words(Duration::from_secs(60)), "1 minute");
        assert_eq!(duration_words(Duration::from_secs(7200)), "2 hours");
        assert_eq!(duration_words(Duration::from_secs(90)), "90 seconds");
    }

    #[test]
    fn the_digest_says_how_many_and_never_more() {
        let to = EmailAddress::parse("lead@example.org").unwrap();
        let email = alerts().digest_email(to.clone(), Waiting { gathered: 4, over_limit: 195 });
        assert_eq!(email.subject, "More responses need a safeguarding lead");
        assert!(email.text.contains("199 more responses have arrived since the last email"), "{}", email.text);
        assert!(email.text.contains("195 of them came from a network address that sent more than 3 in an hour"));
        assert!(email.text.contains("every 10 minutes at most"));
        assert!(email.text.contains("http://x/staff/safeguarding"));
        let one = alerts().digest_email(to, Waiting { gathered: 1, over_limit: 0 });
        assert_eq!(one.subject, "Another response needs a safeguarding lead");
        assert!(one.text.contains("1 more response has arrived") && !one.text.contains("network address"));
    }
}
