//! Large made-up datasets for the benchmark (and the dashboard's scale
//! test, which includes this file): a million responses with twenty
//! answers each in well under a minute, so the dashboard and the export can
//! be timed at the size a whole area's schools produce in a year. It lives
//! here, not in the library, so the service binary cannot seed a database.
//!
//! The rows are generated inside the database (a recursive CTE on SQLite,
//! `generate_series` on PostgreSQL), so nothing crosses the connection but
//! the statements. Ids are spread evenly over the same 128-bit space as real
//! ones but inserted in order, which keeps the B-trees append-only; no
//! receipt code leads to them, and their submission hashes are marked `seed-`.
//! For benchmark databases only: on SQLite it turns the journal off while it
//! runs, so it must be the only connection, and a crash mid-seed leaves a
//! file to throw away. The dashboard's daily counts are left for
//! `listening_loop::db::daily::recount`, which the service runs at its next start.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use listening_loop::db::DbConnection;
use listening_loop::db::daily::RECOUNT;
use listening_loop::db::schema::pending_tasks;

/// What to make.
#[derive(Debug, Clone)]
pub struct SeedPlan {
    pub responses: u64,
    /// Answers per response, to questions `q01`, `q02`, …
    pub answers_each: u32,
    pub survey_id: String,
    pub survey_version: String,
    /// Theme ids to spread over the responses (not flagged) as if a reviewer
    /// had confirmed them: one each, by the last hex digit of the id.
    pub themes: Vec<String>,
}

/// Inserts `plan.responses` responses (audience children and young people,
/// age groups and dates spread over a year, one in a hundred marked as a
/// concern) with `plan.answers_each` answers each, choices `1`–`5`.
pub fn seed_responses(conn: &mut DbConnection, plan: &SeedPlan) -> QueryResult<()> {
    let n = plan.responses;
    let q = plan.answers_each;
    let survey = plan.survey_id.replace('\'', "''");
    let version = plan.survey_version.replace('\'', "''");
    // Id x starts with x × (2^63 / n) in 16 hex digits: evenly spread, sorted
    // (2^63, not 2^64: both databases count in signed 64-bit integers).
    let step = i64::MAX as u64 / n.max(1);
    match conn {
        DbConnection::Sqlite(c) => {
            c.batch_execute(
                "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -262144;
                 PRAGMA temp_store = MEMORY;",
            )?;
            c.batch_execute("DROP INDEX IF EXISTS responses_by_survey_id;")?;
            c.batch_execute(&format!(
                "BEGIN;
                 CREATE TEMP TABLE seed_questions (q TEXT NOT NULL, k INTEGER NOT NULL);
                 WITH RECURSIVE k(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM k WHERE x < {q})
                   INSERT INTO seed_questions SELECT printf('q%02d', x), x FROM k;
                 WITH RECURSIVE i(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM i WHERE x < {n} - 1)
                   INSERT INTO responses (id, survey_id, survey_version, audience, age_group, language,
                                          submitted_on, concern, submission_hash)
                   SELECT printf('%016x%016x', x * {step}, x), '{survey}', '{version}', 'child_young_person',
                          CASE x % 3 WHEN 0 THEN '8-11' WHEN 1 THEN '12-15' ELSE '16-17' END, 'en',
                          date('2026-01-01', '+' || (x % 365) || ' days'), x % 100 = 0,
                          printf('seed-s-%016x', x)
                   FROM i;
                 INSERT INTO answers (response_id, question_id, part, choice, free_text)
                   SELECT r.id, s.q, '', CAST(1 + ((r.rowid_hint * 7 + s.k * 13) % 5) AS TEXT), NULL
                   FROM (WITH RECURSIVE i(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM i WHERE x < {n} - 1)
                         SELECT printf('%016x%016x', x * {step}, x) AS id, x AS rowid_hint FROM i) AS r
                   CROSS JOIN seed_questions AS s;
                 DROP TABLE seed_questions;
                 COMMIT;"
            ))?;
            c.batch_execute(
                "CREATE INDEX responses_by_survey_id ON responses (survey_id, id);
                 PRAGMA analysis_limit = 1000; ANALYZE;
                 PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;",
            )?;
        }
        DbConnection::Postgresql(c) => {
            c.batch_execute(&format!(
                "SET synchronous_commit = off;
                 BEGIN;
                 INSERT INTO responses (id, survey_id, survey_version, audience, age_group, language,
                                        submitted_on, concern, submission_hash)
                   SELECT lpad(to_hex(x * {step}), 16, '0') || lpad(to_hex(x), 16, '0'),
                          '{survey}', '{version}', 'child_young_person',
                          (ARRAY['8-11', '12-15', '16-17'])[1 + x % 3], 'en',
                          DATE '2026-01-01' + (x % 365)::int, x % 100 = 0,
                          'seed-s-' || lpad(to_hex(x), 16, '0')
                   FROM generate_series(0::bigint, {n} - 1) AS x;
                 INSERT INTO answers (response_id, question_id, part, choice, free_text)
                   SELECT lpad(to_hex(x * {step}), 16, '0') || lpad(to_hex(x), 16, '0'),
                          'q' || lpad(k::text, 2, '0'), '', (1 + (x * 7 + k * 13) % 5)::text, NULL
                   FROM generate_series(0::bigint, {n} - 1) AS x CROSS JOIN generate_series(1, {q}) AS k;
                 COMMIT;
                 SET synchronous_commit = on;
                 ANALYZE responses; ANALYZE answers;"
            ))?;
        }
    }
    if !plan.themes.is_empty() {
        // One pass in id order, so the index only ever grows at its end.
        let cases: String = (0..16usize)
            .map(|digit| {
                format!(" WHEN '{digit:x}' THEN '{}'", plan.themes[digit % plan.themes.len()].replace('\'', "''"))
            })
            .collect();
        diesel::sql_query(format!(
            "INSERT INTO response_themes (response_id, theme_id, origin, confirmed) \
             SELECT id, CASE substr(id, 32, 1){cases} END, 'reviewer', TRUE FROM responses \
             WHERE survey_version = '{version}' AND concern = FALSE ORDER BY id"
        ))
        .execute(conn)?;
    }
    // The dashboard's daily counts are made from these rows at the next start
    // (or by `daily::recount`).
    diesel::delete(pending_tasks::table.filter(pending_tasks::task.eq(RECOUNT))).execute(conn)?;
    diesel::insert_into(pending_tasks::table).values(pending_tasks::task.eq(RECOUNT)).execute(conn)?;
    Ok(())
}
