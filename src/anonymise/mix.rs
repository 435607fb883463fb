//! The order responses arrived in, taken out of PostgreSQL's own bookkeeping.
//!
//! Ids are random and nothing stored says when in a day a response came.
//! SQLite keeps every response's rows in primary-key order (`WITHOUT ROWID`,
//! see migration 12), so that is all there is to see. PostgreSQL keeps two
//! orders of its own on every row, and both follow arrival: `ctid`, where
//! the row sits in the table's file (rows are appended as they come), and
//! `xmin`, the transaction that wrote it (one per batch the writer commits,
//! numbered in turn). Anyone who can read the database could list the
//! responses in the order they were sent.
//!
//! So the writer rewrites them. It notes the responses it stores, and at the
//! turn of each clock hour (and when the service stops, and for the last two
//! days when it starts, in case it stopped without) it updates each of that hour's
//! rows in a random order, a few hundred responses to a transaction. Every
//! row gets a new version, written by a transaction that holds a random
//! share of the hour, at a place in the file that follows the random order.
//! Within an hour, nothing is left of who came first; the hours themselves
//! stay in order, no finer than the access log's hourly summary.
//!
//! What this does not reach, and the README says so: a reader watching the
//! database during the hour sees rows arrive, as they would by counting; the
//! old row versions stay in the file until `VACUUM` (autovacuum does it
//! within minutes) and in the write-ahead log until it is recycled; and
//! `track_commit_timestamp` must stay off (PostgreSQL's default), or each
//! batch's commit time is kept beside it until the hour is mixed.

use chrono::NaiveDate;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::responses;

/// Responses rewritten in one transaction: small enough that the writer
/// never holds up a submission for long, large enough that each transaction
/// holds many responses of the hour.
pub const CHUNK: usize = 400;

/// Responses noted but not yet due. More, and they are due at once: memory
/// stays bounded in a busy hour, and this many is still a large crowd to hide in.
pub const MAX_WAITING: usize = 50_000;

/// The clock hour `now` falls in, as hours since 1970.
pub fn hour_of(now: chrono::DateTime<chrono::Utc>) -> i64 {
    now.timestamp().div_euclid(3600)
}

/// The responses stored since they were last mixed, and those due now.
#[derive(Debug, Default)]
pub struct Unmixed {
    /// Stored in `hour`, not due yet.
    waiting: Vec<String>,
    hour: Option<i64>,
    /// Due, in a random order; mixed from the end, [`CHUNK`] at a time.
    due: Vec<String>,
}

impl Unmixed {
    /// Notes responses the writer has just stored, in clock hour `hour`.
    pub fn stored(&mut self, ids: impl IntoIterator<Item = String>, hour: i64) {
        self.tick(hour);
        self.hour = Some(hour);
        self.waiting.extend(ids);
        if self.waiting.len() >= MAX_WAITING {
            self.make_due();
        }
    }

    /// At the turn of an hour, the last hour's responses are due.
    pub fn tick(&mut self, hour: i64) {
        if self.hour.is_some_and(|h| h != hour) {
            self.make_due();
        }
    }

    /// Everything noted is due now (when the writer stops, or a test asks).
    pub fn make_due(&mut self) {
        let mut waiting = std::mem::take(&mut self.waiting);
        crate::random::shuffle(&mut waiting);
        // Older ones first: the next chunk is taken from the end.
        waiting.append(&mut self.due);
        self.due = waiting;
        self.hour = None;
    }

    /// Responses found in the database to mix, whatever was noted (at start).
    pub fn add_due(&mut self, mut ids: Vec<String>) {
        crate::random::shuffle(&mut ids);
        ids.append(&mut self.due);
        self.due = ids;
    }

    /// The next responses to mix, if any are due.
    pub fn next_chunk(&mut self) -> Option<Vec<String>> {
        let from = self.due.len().checked_sub(1)?.saturating_sub(CHUNK - 1);
        Some(self.due.split_off(from))
    }

    /// A chunk that could not be mixed, to try again later.
    pub fn put_back(&mut self, chunk: Vec<String>) {
        self.due.extend(chunk);
    }

    pub fn has_due(&self) -> bool {
        !self.due.is_empty()
    }

    /// So many are due that they are mixed between batches even while
    /// submissions wait, rather than only when the writer is idle.
    pub fn overdue(&self) -> bool {
        self.due.len() >= MAX_WAITING
    }
}

/// Whether PostgreSQL keeps each transaction's commit time
/// (`track_commit_timestamp`), which would date every batch the writer
/// commits until its hour is mixed. Off by default; never on SQLite.
pub fn commit_times_kept(conn: &mut DbConnection) -> QueryResult<bool> {
    #[derive(QueryableByName)]
    struct Setting {
        #[diesel(sql_type = diesel::sql_types::Text)]
        setting: String,
    }
    let DbConnection::Postgresql(pg) = conn else { return Ok(false) };
    let rows: Vec<Setting> =
        diesel::sql_query("SELECT setting FROM pg_settings WHERE name = 'track_commit_timestamp'").load(pg)?;
    Ok(rows.first().is_some_and(|s| s.setting == "on"))
}

/// Responses stored on or after `from`, to mix at start: what a writer that
/// stopped without mixing may have left in arrival order.
pub fn stored_since(conn: &mut DbConnection, from: NaiveDate) -> QueryResult<Vec<String>> {
    responses::table.filter(responses::submitted_on.ge(from)).select(responses::id).load(conn)
}

/// Gives every row of these responses a new version, in the order given, in
/// one transaction: their themes, then their answers, then the responses
/// themselves (the order a review takes its locks in, so the two never wait
/// on each other in a circle), and the last two days' counts, which the
/// writer moves with every batch. Each statement sets a column that is not
/// part of a key to itself, so nothing changes but where and by whom the
/// row was written, and a concurrent update follows the row to its new
/// version. PostgreSQL only: SQLite keeps no order to hide.
pub fn mix(conn: &mut DbConnection, ids: &[String], today: NaiveDate) -> QueryResult<()> {
    let DbConnection::Postgresql(pg) = conn else { return Ok(()) };
    // The ids are ours (hex digits), written into one batch of statements so
    // the chunk costs one round trip; anything else is left alone.
    let ids: Vec<&str> =
        ids.iter().map(String::as_str).filter(|id| id.bytes().all(|b| b.is_ascii_hexdigit())).collect();
    let yesterday = today.pred_opt().unwrap_or(today);
    let mut sql = String::with_capacity(ids.len() * 200 + 200);
    sql.push_str(&format!(
        "UPDATE daily_responses SET n = n WHERE day >= '{yesterday}';\n\
         UPDATE daily_choices SET n = n WHERE day >= '{yesterday}';\n"
    ));
    for id in &ids {
        sql.push_str(&format!("UPDATE response_themes SET origin = origin WHERE response_id = '{id}';\n"));
    }
    for id in &ids {
        sql.push_str(&format!("UPDATE answers SET choice = choice WHERE response_id = '{id}';\n"));
    }
    for id in &ids {
        sql.push_str(&format!("UPDATE responses SET survey_version = survey_version WHERE id = '{id}';\n"));
    }
    pg.transaction(|pg| pg.batch_execute(&sql))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(range: std::ops::Range<u32>) -> Vec<String> {
        range.map(|n| format!("{n:032x}")).collect()
    }

    #[test]
    fn an_hour_is_due_when_the_next_begins() {
        let mut unmixed = Unmixed::default();
        unmixed.stored(ids(0..3), 10);
        unmixed.tick(10);
        assert!(!unmixed.has_due(), "not while the hour lasts");
        unmixed.stored(ids(3..5), 10);
        unmixed.tick(11);
        assert!(unmixed.has_due());
        let mut chunk = unmixed.next_chunk().unwrap();
        chunk.sort();
        assert_eq!(chunk, ids(0..5), "the whole hour");
        assert!(unmixed.next_chunk().is_none());
    }

    #[test]
    fn a_response_stored_in_a_new_hour_makes_the_last_one_due() {
        let mut unmixed = Unmixed::default();
        unmixed.stored(ids(0..2), 10);
        unmixed.stored(ids(2..3), 11);
        let mut chunk = unmixed.next_chunk().unwrap();
        chunk.sort();
        assert_eq!(chunk, ids(0..2), "hour 10 only");
        unmixed.make_due();
        assert_eq!(unmixed.next_chunk().unwrap(), ids(2..3));
    }

    #[test]
    fn chunks_are_bounded_and_the_oldest_go_first() {
        let mut unmixed = Unmixed::default();
        unmixed.stored(ids(0..(CHUNK as u32 + 10)), 1);
        unmixed.stored(ids(1000..1005), 2);
        unmixed.make_due();
        let first = unmixed.next_chunk().unwrap();
        assert_eq!(first.len(), CHUNK);
        assert!(first.iter().all(|id| ids(0..(CHUNK as u32 + 10)).contains(id)), "hour 1 before hour 2");
        let second = unmixed.next_chunk().unwrap();
        assert_eq!(second.len(), 15, "the rest of hour 1, then hour 2");
        assert!(second[5..].iter().all(|id| ids(0..(CHUNK as u32 + 10)).contains(id)), "hour 1 at the end");
        unmixed.put_back(second.clone());
        assert_eq!(unmixed.next_chunk().unwrap(), second, "a chunk put back comes round again");
        assert!(!unmixed.has_due());
    }

    #[test]
    fn a_crowd_too_large_to_wait_is_due_at_once() {
        let mut unmixed = Unmixed::default();
        unmixed.stored(ids(0..(MAX_WAITING as u32)), 1);
        assert!(unmixed.has_due());
        assert!(unmixed.overdue());
    }
}
