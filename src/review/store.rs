//! Queries for the review and safeguarding queues. Every query that can
//! reach young reviewers filters out flagged responses first.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::db::schema::{answers, response_themes, responses, safeguarding_notes, shared_quotes};
use crate::db::{DbConnection, daily};

/// A response as a reviewer or lead sees it: no receipt, no hashes.
#[derive(Debug, Clone, Queryable)]
pub struct ResponseSummary {
    pub id: String,
    pub survey_id: String,
    pub audience: String,
    pub age_group: String,
    pub submitted_on: NaiveDate,
}

/// One stored answer.
#[derive(Debug, Clone, Queryable)]
pub struct StoredAnswer {
    pub question_id: String,
    pub part: String,
    pub choice: Option<String>,
    pub free_text: Option<String>,
}

fn summary_columns()
-> (responses::id, responses::survey_id, responses::audience, responses::age_group, responses::submitted_on) {
    (responses::id, responses::survey_id, responses::audience, responses::age_group, responses::submitted_on)
}

/// The next response with free text for the Youth Council, sent before
/// `until` ([`super::counts::counted_until`]), oldest date first (never by
/// time), never a flagged one; and how many such are waiting.
pub fn next_for_review(conn: &mut DbConnection, until: NaiveDate) -> QueryResult<(Option<ResponseSummary>, i64)> {
    let with_text = answers::table.filter(answers::free_text.is_not_null()).select(answers::response_id);
    // The Youth Council reads what young people said; parents' and
    // practitioners' words are not theirs to read.
    let waiting = responses::table
        .filter(responses::audience.eq(crate::surveys::Audience::ChildYoungPerson.as_str()))
        .filter(responses::concern.eq(false))
        .filter(responses::reviewed_on.is_null())
        .filter(responses::submitted_on.lt(until))
        .filter(responses::id.eq_any(with_text));
    let count: i64 = waiting.count().get_result(conn)?;
    let next =
        waiting.order((responses::submitted_on, responses::id)).select(summary_columns()).first(conn).optional()?;
    Ok((next, count))
}

/// A response for a reviewer: `None` when it is flagged (reviewers never see
/// those) or not from a child or young person.
pub fn for_reviewer(conn: &mut DbConnection, id: &str) -> QueryResult<Option<ResponseSummary>> {
    responses::table
        .filter(responses::id.eq(id))
        .filter(responses::audience.eq(crate::surveys::Audience::ChildYoungPerson.as_str()))
        .filter(responses::concern.eq(false))
        .select(summary_columns())
        .first(conn)
        .optional()
}

/// A flagged response, for a safeguarding lead.
pub fn flagged(conn: &mut DbConnection, id: &str) -> QueryResult<Option<ResponseSummary>> {
    responses::table
        .filter(responses::id.eq(id))
        .filter(responses::concern.eq(true))
        .select(summary_columns())
        .first(conn)
        .optional()
}

pub fn answers_of(conn: &mut DbConnection, id: &str) -> QueryResult<Vec<StoredAnswer>> {
    answers::table
        .filter(answers::response_id.eq(id))
        .select((answers::question_id, answers::part, answers::choice, answers::free_text))
        .load(conn)
}

/// Theme ids on a response: (theme, confirmed).
pub fn themes_of(conn: &mut DbConnection, id: &str) -> QueryResult<Vec<(String, bool)>> {
    response_themes::table
        .filter(response_themes::response_id.eq(id))
        .select((response_themes::theme_id, response_themes::confirmed))
        .load(conn)
}

/// A reviewer's decision: these themes, these quotes; the response is reviewed.
pub fn record_review(
    conn: &mut DbConnection,
    id: &str,
    themes: &[String],
    quotes: &[(String, String)],
) -> QueryResult<()> {
    let now = Utc::now().naive_utc();
    let before: Vec<(String, bool)> = themes_of(conn, id)?;
    let suggested: Vec<String> = before.iter().map(|(theme, _)| theme.clone()).collect();
    // The dashboard's daily counts follow the confirmed themes.
    let (day, audience, age_group, concern): (chrono::NaiveDate, String, String, bool) = responses::table
        .filter(responses::id.eq(id))
        .select((responses::submitted_on, responses::audience, responses::age_group, responses::concern))
        .first(conn)?;
    if !concern {
        let was_confirmed = |theme: &String| before.iter().any(|(t, confirmed)| t == theme && *confirmed);
        for theme in themes.iter().filter(|t| !was_confirmed(t)) {
            daily::add_theme(conn, day, theme, &audience, &age_group, 1)?;
        }
        for (theme, _) in before.iter().filter(|(t, confirmed)| *confirmed && !themes.contains(t)) {
            daily::add_theme(conn, day, theme, &audience, &age_group, -1)?;
        }
    }
    diesel::delete(response_themes::table.filter(response_themes::response_id.eq(id))).execute(conn)?;
    for theme in themes {
        let origin = if suggested.contains(theme) { "keyword" } else { "reviewer" };
        diesel::insert_into(response_themes::table)
            .values((
                response_themes::response_id.eq(id),
                response_themes::theme_id.eq(theme),
                response_themes::origin.eq(origin),
                response_themes::confirmed.eq(true),
            ))
            .execute(conn)?;
    }
    diesel::delete(shared_quotes::table.filter(shared_quotes::response_id.eq(id))).execute(conn)?;
    for (question, part) in quotes {
        diesel::insert_into(shared_quotes::table)
            .values((
                shared_quotes::response_id.eq(id),
                shared_quotes::question_id.eq(question),
                shared_quotes::part.eq(part),
            ))
            .execute(conn)?;
    }
    diesel::update(responses::table.filter(responses::id.eq(id)))
        .set(responses::reviewed_on.eq(now.date()))
        .execute(conn)?;
    Ok(())
}

/// A flagged response in the lead's list: whether anyone recorded anything yet.
#[derive(Debug, Clone)]
pub struct FlaggedItem {
    pub summary: ResponseSummary,
    pub notes: i64,
}

/// Every flagged response, those with nothing recorded first, then newest.
/// Two statements however many there are (a flood of them must not cost
/// the lead's page one more each).
pub fn flagged_list(conn: &mut DbConnection) -> QueryResult<Vec<FlaggedItem>> {
    let rows: Vec<ResponseSummary> = responses::table
        .filter(responses::concern.eq(true))
        .order((responses::submitted_on.desc(), responses::id))
        .select(summary_columns())
        .load(conn)?;
    let noted: HashMap<String, i64> = safeguarding_notes::table
        .inner_join(responses::table)
        .filter(responses::concern.eq(true))
        .group_by(safeguarding_notes::response_id)
        .select((safeguarding_notes::response_id, diesel::dsl::count_star()))
        .load::<(String, i64)>(conn)?
        .into_iter()
        .collect();
    let mut items: Vec<FlaggedItem> = rows
        .into_iter()
        .map(|summary| FlaggedItem { notes: noted.get(&summary.id).copied().unwrap_or(0), summary })
        .collect();
    items.sort_by_key(|i| i.notes > 0);
    Ok(items)
}

/// A note on a flagged response.
#[derive(Debug, Clone, Queryable)]
pub struct Note {
    pub at: NaiveDateTime,
    pub staff_email: String,
    pub note: String,
}

pub fn notes_of(conn: &mut DbConnection, id: &str) -> QueryResult<Vec<Note>> {
    use crate::db::schema::staff;
    safeguarding_notes::table
        .inner_join(staff::table.on(staff::id.eq(safeguarding_notes::staff_id)))
        .filter(safeguarding_notes::response_id.eq(id))
        .order(safeguarding_notes::at)
        .select((safeguarding_notes::at, staff::email, safeguarding_notes::note))
        .load(conn)
}

pub fn add_note(conn: &mut DbConnection, id: &str, staff_id: &str, note: &str) -> QueryResult<()> {
    diesel::insert_into(safeguarding_notes::table)
        .values((
            safeguarding_notes::id.eq(crate::random::random_id()),
            safeguarding_notes::response_id.eq(id),
            safeguarding_notes::at.eq(Utc::now().naive_utc()),
            safeguarding_notes::staff_id.eq(staff_id),
            safeguarding_notes::note.eq(note),
        ))
        .execute(conn)?;
    Ok(())
}
