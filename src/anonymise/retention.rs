//! Free text is kept for `RETENTION_DAYS` and then deleted; the answers
//! people chose and the themes their words were grouped under stay.

use chrono::{NaiveDate, TimeDelta};
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::audit;
use crate::db::schema::{answers, responses, shared_quotes};

/// What a purge removed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Purged {
    pub written_answers: usize,
    pub quotes: usize,
}

/// Deletes free text of responses sent before `today - retention_days`, in one
/// transaction, and notes it in the audit log when anything went.
pub fn purge_free_text(conn: &mut DbConnection, today: NaiveDate, retention_days: u32) -> QueryResult<Purged> {
    let cutoff = today - TimeDelta::days(i64::from(retention_days));
    crate::db::write_transaction(conn, |conn| {
        let old = responses::table.filter(responses::submitted_on.lt(cutoff)).select(responses::id);
        let quotes =
            diesel::delete(shared_quotes::table.filter(shared_quotes::response_id.eq_any(old))).execute(conn)?;
        // Rows that hold only words go; a row with a choice keeps the choice.
        let old = responses::table.filter(responses::submitted_on.lt(cutoff)).select(responses::id);
        let written =
            diesel::delete(answers::table.filter(answers::response_id.eq_any(old)).filter(answers::choice.is_null()))
                .execute(conn)?;
        let old = responses::table.filter(responses::submitted_on.lt(cutoff)).select(responses::id);
        let mixed = diesel::update(
            answers::table.filter(answers::response_id.eq_any(old)).filter(answers::free_text.is_not_null()),
        )
        .set(answers::free_text.eq(None::<String>))
        .execute(conn)?;
        let purged = Purged { written_answers: written + mixed, quotes };
        if purged != Purged::default() {
            let detail = format!(
                "{} written answers and {} quotes from before {cutoff} ({retention_days} days)",
                purged.written_answers, purged.quotes
            );
            audit::record(conn, &audit::Actor::NOBODY, "deleted old free text", None, Some(&detail))?;
        }
        Ok(purged)
    })
}
