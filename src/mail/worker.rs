//! The outbox worker: claims due messages, sends them, and records what
//! happened. Several instances may run it against one database: a message is
//! claimed by a conditional update before it is sent, so only one sends it.

use std::time::Duration;

use chrono::{NaiveDateTime, TimeDelta, Utc};
use diesel::prelude::*;
use lettre::message::Mailbox;

use super::transport::Transport;
use crate::cause::Chain;
use crate::db::schema::outbox;
use crate::db::{Database, DbConnection, DbError};

/// Messages tried per round.
const BATCH: usize = 20;
/// How long a claim lasts: a worker that dies mid-send frees its messages after this.
const CLAIM: TimeDelta = TimeDelta::seconds(120);
/// The longest wait between tries.
const MAX_BACKOFF: Duration = Duration::from_secs(3600);
/// Sent messages are deleted after this, so addresses are not kept longer
/// than needed; the file outbox's `.eml` copies too. No link in an email
/// that runs out lasts longer (invites and email confirmations: 7 days;
/// password resets: an hour), so no file keeps a working one past its
/// time: the tests beside those lifetimes hold them to it.
pub const KEEP_SENT: TimeDelta = TimeDelta::days(7);
/// How often the file outbox is swept for `.eml` files older than
/// [`KEEP_SENT`]: each is gone within this of its time.
const SWEEP_FILES_EVERY: Duration = Duration::from_secs(3600);

/// Sends what the outbox holds.
#[derive(Clone)]
pub struct MailWorker {
    pub db: Database,
    pub transport: Transport,
    pub from: Mailbox,
    /// How often to look for due mail.
    pub poll: Duration,
    /// The wait after a first failure; doubles each try, up to an hour.
    pub retry_base: Duration,
}

#[derive(Queryable)]
struct Due {
    id: String,
    to_address: String,
    subject: String,
    text_body: String,
    html_body: String,
    attempts: i32,
    list_unsubscribe: Option<String>,
}

impl MailWorker {
    /// Runs forever on the current runtime.
    pub fn spawn(self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let mut last_sweep: Option<std::time::Instant> = None;
            loop {
                if last_sweep.is_none_or(|at| at.elapsed() >= SWEEP_FILES_EVERY) {
                    last_sweep = Some(std::time::Instant::now());
                    self.delete_old_files().await;
                }
                match self.deliver_due().await {
                    Ok(n) if n > 0 => continue,
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %Chain(&e), "outbox round failed"),
                }
                tokio::time::sleep(self.poll).await;
            }
        })
    }

    /// Deletes the file outbox's emails older than [`KEEP_SENT`]: the
    /// worker does it at start and then every hour.
    pub async fn delete_old_files(&self) {
        let transport = self.transport.clone();
        let cutoff = std::time::SystemTime::now() - Duration::from_secs(KEEP_SENT.num_seconds().unsigned_abs());
        match tokio::task::spawn_blocking(move || transport.delete_files_older_than(cutoff)).await {
            Ok(Ok(0)) => {}
            Ok(Ok(deleted)) => tracing::info!(deleted, "deleted old email files from the outbox folder"),
            Ok(Err(e)) => tracing::warn!(error = %e, "could not delete old email files; will try again in an hour"),
            Err(e) => tracing::warn!(error = %e, "deleting old email files stopped"),
        }
    }

    /// One round: claims due messages one at a time (so a slow server
    /// cannot outlast a claim) and tries each once. Returns how many it tried.
    pub async fn deliver_due(&self) -> Result<usize, RoundError> {
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || -> Result<(), DbError> {
            let mut conn = db.get()?;
            let now = Utc::now().naive_utc();
            diesel::delete(outbox::table.filter(outbox::sent_at.lt(now - KEEP_SENT))).execute(&mut *conn)?;
            Ok(())
        })
        .await??;
        let mut tried = 0;
        while tried < BATCH {
            let db = self.db.clone();
            let claimed = tokio::task::spawn_blocking(move || -> Result<Option<(Due, NaiveDateTime)>, DbError> {
                let mut conn = db.get()?;
                Ok(claim_one(&mut conn, Utc::now().naive_utc())?)
            })
            .await??;
            let Some((message, claim)) = claimed else { break };
            tried += 1;
            let result = self
                .transport
                .send(
                    &self.from,
                    &message.to_address,
                    &message.subject,
                    &message.text_body,
                    &message.html_body,
                    message.list_unsubscribe.as_deref(),
                )
                .await
                .map_err(|e| redact_addresses(&Chain(&e).to_string()));
            let attempts = message.attempts + 1;
            // By the hour: an alert is mailed the moment a flagged response
            // arrives, and a line stamped when it went would date it.
            match &result {
                Ok(()) => crate::hour_log::event("mail sent"),
                Err(e) => crate::hour_log::warn(format_args!("mail not sent; will retry: {e}")),
            }
            let retry_at = to_the_step(Utc::now().naive_utc() + backoff(self.retry_base, attempts), self.retry_base);
            let db = self.db.clone();
            tokio::task::spawn_blocking(move || -> Result<(), DbError> {
                let mut conn = db.get()?;
                Ok(record(&mut conn, &message.id, claim, attempts, result, retry_at)?)
            })
            .await??;
        }
        Ok(tried)
    }
}

/// Why a round of the outbox stopped before its end.
#[derive(Debug, thiserror::Error)]
pub enum RoundError {
    #[error(transparent)]
    Database(#[from] DbError),
    #[error("the outbox task stopped: {0}")]
    Task(#[from] tokio::task::JoinError),
}

/// Mail servers quote addresses in their errors; logs and the admin's
/// outbox page must not carry them.
fn redact_addresses(error: &str) -> String {
    static ADDRESS: std::sync::LazyLock<regex::Regex> =
        std::sync::LazyLock::new(|| regex::Regex::new(r"[^\s<>@'\x22]+@[^\s<>'\x22]+").expect("address pattern"));
    ADDRESS.replace_all(error, "[address]").into_owned()
}

/// A retry time, rounded up to the retry base or a minute, whichever is
/// shorter: the first try of an alert follows its flagged response by
/// seconds, and the retry time kept in the outbox must not date it finer
/// than the minute. (Tests set a base far below a minute.)
fn to_the_step(time: NaiveDateTime, base: Duration) -> NaiveDateTime {
    let step = base.min(Duration::from_secs(60)).as_millis().max(1) as i64;
    let ms = time.and_utc().timestamp_millis();
    let rounded = ms.div_euclid(step) * step + if ms.rem_euclid(step) == 0 { 0 } else { step };
    chrono::DateTime::from_timestamp_millis(rounded).map(|t| t.naive_utc()).unwrap_or(time)
}

fn backoff(base: Duration, attempts: i32) -> TimeDelta {
    let factor = 2u32.saturating_pow(attempts.saturating_sub(1).clamp(0, 20) as u32);
    let wait = base.saturating_mul(factor).min(MAX_BACKOFF);
    TimeDelta::from_std(wait).unwrap_or(TimeDelta::hours(1))
}

/// Claims the oldest due message, if any; the claim's expiry identifies it.
fn claim_one(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<Option<(Due, NaiveDateTime)>> {
    let claim = now + CLAIM;
    for _ in 0..5 {
        let unclaimed = outbox::claimed_until.is_null().or(outbox::claimed_until.lt(now));
        let Some(id) = outbox::table
            .filter(outbox::sent_at.is_null())
            .filter(outbox::next_attempt_at.le(now))
            .filter(unclaimed)
            .order(outbox::next_attempt_at)
            .select(outbox::id)
            .first::<String>(conn)
            .optional()?
        else {
            return Ok(None);
        };
        let unclaimed = outbox::claimed_until.is_null().or(outbox::claimed_until.lt(now));
        let won = diesel::update(
            outbox::table.filter(outbox::id.eq(&id)).filter(outbox::sent_at.is_null()).filter(unclaimed),
        )
        .set(outbox::claimed_until.eq(claim))
        .execute(conn)?;
        if won == 1 {
            let due = outbox::table
                .filter(outbox::id.eq(&id))
                .select((
                    outbox::id,
                    outbox::to_address,
                    outbox::subject,
                    outbox::text_body,
                    outbox::html_body,
                    outbox::attempts,
                    outbox::list_unsubscribe,
                ))
                .first(conn)?;
            return Ok(Some((due, claim)));
        }
        // Another worker took it between the two statements: look again.
    }
    Ok(None)
}

/// Records a try, only while the claim is still this worker's.
fn record(
    conn: &mut DbConnection,
    id: &str,
    claim: NaiveDateTime,
    attempts: i32,
    result: Result<(), String>,
    retry_at: NaiveDateTime,
) -> QueryResult<()> {
    let target = outbox::table.filter(outbox::id.eq(id)).filter(outbox::claimed_until.eq(claim));
    match result {
        Ok(()) => diesel::update(target)
            .set((
                // To the hour: a safeguarding alert is sent the moment a
                // flagged response arrives, and must not date it.
                outbox::sent_at.eq(crate::mail::to_the_hour(Utc::now().naive_utc())),
                outbox::attempts.eq(attempts),
                outbox::claimed_until.eq(None::<NaiveDateTime>),
                outbox::last_error.eq(None::<String>),
            ))
            .execute(conn)?,
        Err(error) => diesel::update(target)
            .set((
                outbox::attempts.eq(attempts),
                outbox::next_attempt_at.eq(retry_at),
                outbox::claimed_until.eq(None::<NaiveDateTime>),
                outbox::last_error.eq(error.chars().take(500).collect::<String>()),
            ))
            .execute(conn)?,
    };
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_times_are_kept_to_the_minute() {
        let at = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.3f").unwrap();
        let minute = Duration::from_secs(60);
        assert_eq!(to_the_step(at("2026-12-08 10:31:07.250"), minute), at("2026-12-08 10:32:00.000"));
        assert_eq!(to_the_step(at("2026-12-08 10:32:00.000"), minute), at("2026-12-08 10:32:00.000"));
        assert_eq!(
            to_the_step(at("2026-12-08 10:31:07.250"), Duration::from_secs(3600)),
            at("2026-12-08 10:32:00.000")
        );
        assert_eq!(
            to_the_step(at("2026-12-08 10:31:07.250"), Duration::from_millis(100)),
            at("2026-12-08 10:31:07.300")
        );
    }

    #[test]
    fn addresses_are_taken_out_of_errors() {
        let error = "550 5.1.1 <sam.j+x@example.org>: Recipient address rejected; try admin@mail.example.org";
        let redacted = redact_addresses(error);
        assert!(!redacted.contains('@'), "{redacted}");
        assert!(redacted.starts_with("550 5.1.1 <[address]>"));
    }

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        let base = Duration::from_secs(30);
        assert_eq!(backoff(base, 1), TimeDelta::seconds(30));
        assert_eq!(backoff(base, 2), TimeDelta::seconds(60));
        assert_eq!(backoff(base, 4), TimeDelta::seconds(240));
        assert_eq!(backoff(base, 30), TimeDelta::hours(1));
    }
}
