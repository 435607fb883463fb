//! Counts by day for the dashboard, kept up to date as they change: the
//! writer adds each batch's responses (and their answers to the questions
//! that carry the "feel listened to" measure) in the batch's own
//! transaction, and a review adds and takes away themes in the review's. So
//! the dashboard reads a few thousand rows whatever the number of responses,
//! and a count exists exactly when what it counts does. Themes are counted
//! by month too (`monthly_themes`), which is what the dashboard reads: by
//! day, they are the one count that grows towards days × themes × groups.
//!
//! Responses flagged for safeguarding are never counted here: the dashboard
//! is for the Youth Council. [`recount`] rebuilds every count from the
//! stored rows; the service runs it at start when a migration or a seed
//! asks ([`RECOUNT`] in `pending_tasks`), and `listening-loop recount` runs
//! it by hand.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use diesel::dsl::count_star;
use diesel::prelude::*;
use diesel::upsert::excluded;

use super::DbConnection;
use super::schema::{
    answers, daily_choices, daily_responses, daily_themes, monthly_themes, pending_tasks, response_themes, responses,
};

/// The pending task that asks for [`recount`].
pub const RECOUNT: &str = "recount daily counts";

/// How many rows one day's count may be spread over (see the migration).
pub const SHARDS: i32 = 4;

type ResponseKey = (NaiveDate, String, String, String, String);
type ChoiceKey = (NaiveDate, String, String, String);

/// Counts to add, gathered over a batch so each is one statement.
#[derive(Debug, Default)]
pub struct Tally {
    responses: HashMap<ResponseKey, i64>,
    choices: HashMap<ChoiceKey, i64>,
}

impl Tally {
    /// One response (not flagged) stored on `day`.
    pub fn response(&mut self, day: NaiveDate, survey: &str, audience: &str, age_group: &str, via: Option<&str>) {
        let key = (day, survey.to_owned(), audience.to_owned(), age_group.to_owned(), via.unwrap_or("").to_owned());
        *self.responses.entry(key).or_default() += 1;
    }

    /// One answer to a measured question.
    pub fn choice(&mut self, day: NaiveDate, survey: &str, question: &str, choice: &str) {
        let key = (day, survey.to_owned(), question.to_owned(), choice.to_owned());
        *self.choices.entry(key).or_default() += 1;
    }

    /// Adds the tally to the stored counts, on `shard`.
    pub fn write(self, conn: &mut DbConnection, shard: i32) -> QueryResult<()> {
        use daily_choices::dsl as c;
        use daily_responses::dsl as r;
        for ((day, survey, audience, age_group, via), n) in self.responses {
            let query = diesel::insert_into(r::daily_responses)
                .values((
                    r::day.eq(day),
                    r::survey_id.eq(survey),
                    r::audience.eq(audience),
                    r::age_group.eq(age_group),
                    r::via.eq(via),
                    r::shard.eq(shard),
                    r::n.eq(n),
                ))
                .on_conflict((r::day, r::survey_id, r::audience, r::age_group, r::via, r::shard))
                .do_update()
                .set(r::n.eq(r::n + excluded(r::n)));
            on_backend!(conn, query)?;
        }
        for ((day, survey, question, choice), n) in self.choices {
            let query = diesel::insert_into(c::daily_choices)
                .values((
                    c::day.eq(day),
                    c::survey_id.eq(survey),
                    c::question_id.eq(question),
                    c::choice.eq(choice),
                    c::shard.eq(shard),
                    c::n.eq(n),
                ))
                .on_conflict((c::day, c::survey_id, c::question_id, c::choice, c::shard))
                .do_update()
                .set(c::n.eq(c::n + excluded(c::n)));
            on_backend!(conn, query)?;
        }
        Ok(())
    }
}

/// Adds `delta` (1 or -1) to a theme's count for a response's day and
/// group, and to its count for that day's month.
pub fn add_theme(
    conn: &mut DbConnection,
    day: NaiveDate,
    theme: &str,
    audience: &str,
    age_group: &str,
    delta: i64,
) -> QueryResult<()> {
    use daily_themes::dsl as t;
    let query = diesel::insert_into(t::daily_themes)
        .values((
            t::day.eq(day),
            t::theme_id.eq(theme),
            t::audience.eq(audience),
            t::age_group.eq(age_group),
            t::shard.eq(0),
            t::n.eq(delta),
        ))
        .on_conflict((t::day, t::theme_id, t::audience, t::age_group, t::shard))
        .do_update()
        .set(t::n.eq(t::n + excluded(t::n)));
    on_backend!(conn, query)?;
    use monthly_themes::dsl as m;
    let query = diesel::insert_into(m::monthly_themes)
        .values((
            m::month.eq(first_of_month(day)),
            m::theme_id.eq(theme),
            m::audience.eq(audience),
            m::age_group.eq(age_group),
            m::n.eq(delta),
        ))
        .on_conflict((m::month, m::theme_id, m::audience, m::age_group))
        .do_update()
        .set(m::n.eq(m::n + excluded(m::n)));
    on_backend!(conn, query).map(drop)
}

/// The first day of `day`'s month, as `monthly_themes` keys it.
pub fn first_of_month(day: NaiveDate) -> NaiveDate {
    day.with_day(1).expect("every month has a first day")
}

/// Throws every count away and counts again from the stored rows, in one
/// transaction; clears the pending [`RECOUNT`]. `measured` maps a survey id
/// to the question whose answers are counted by day (the surveys' registry
/// knows which: `Registry::measured_questions`).
pub fn recount(conn: &mut DbConnection, measured: &HashMap<String, String>) -> QueryResult<()> {
    super::write_transaction(conn, |conn| {
        diesel::delete(daily_responses::table).execute(conn)?;
        diesel::delete(daily_themes::table).execute(conn)?;
        diesel::delete(monthly_themes::table).execute(conn)?;
        diesel::delete(daily_choices::table).execute(conn)?;

        let rows: Vec<(NaiveDate, String, String, String, Option<String>, i64)> = responses::table
            .filter(responses::concern.eq(false))
            .group_by((
                responses::submitted_on,
                responses::survey_id,
                responses::audience,
                responses::age_group,
                responses::via,
            ))
            .select((
                responses::submitted_on,
                responses::survey_id,
                responses::audience,
                responses::age_group,
                responses::via,
                count_star(),
            ))
            .load(conn)?;
        let mut tally = Tally::default();
        for (day, survey, audience, age_group, via, n) in rows {
            let key = (day, survey, audience, age_group, via.unwrap_or_default());
            *tally.responses.entry(key).or_default() += n;
        }

        for (survey, question) in measured {
            let rows: Vec<(NaiveDate, Option<String>, i64)> = answers::table
                .inner_join(responses::table)
                .filter(responses::survey_id.eq(survey))
                .filter(responses::concern.eq(false))
                .filter(answers::question_id.eq(question))
                .filter(answers::part.eq(""))
                .group_by((responses::submitted_on, answers::choice))
                .select((responses::submitted_on, answers::choice, count_star()))
                .load(conn)?;
            for (day, choice, n) in rows {
                let Some(choice) = choice else { continue };
                *tally.choices.entry((day, survey.clone(), question.clone(), choice)).or_default() += n;
            }
        }
        tally.write(conn, 0)?;

        let rows: Vec<(String, String, String, NaiveDate, i64)> = response_themes::table
            .inner_join(responses::table)
            .filter(response_themes::confirmed.eq(true))
            .filter(responses::concern.eq(false))
            .group_by((response_themes::theme_id, responses::audience, responses::age_group, responses::submitted_on))
            .select((
                response_themes::theme_id,
                responses::audience,
                responses::age_group,
                responses::submitted_on,
                count_star(),
            ))
            .load(conn)?;
        for (theme, audience, age_group, day, n) in rows {
            add_theme(conn, day, &theme, &audience, &age_group, n)?;
        }
        diesel::delete(pending_tasks::table.filter(pending_tasks::task.eq(RECOUNT))).execute(conn)?;
        Ok(())
    })
}

/// Runs [`recount`] if a migration or a seed asked for it; says whether it did.
pub fn recount_if_pending(conn: &mut DbConnection, measured: &HashMap<String, String>) -> QueryResult<bool> {
    let pending: i64 = pending_tasks::table.filter(pending_tasks::task.eq(RECOUNT)).count().get_result(conn)?;
    if pending == 0 {
        return Ok(false);
    }
    recount(conn, measured)?;
    Ok(true)
}
