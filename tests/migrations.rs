//! Migrations that change how responses are kept leave what was stored
//! before working: its answers, its themes, its receipt code, and the guard
//! against storing a journey twice; and the counts a migration adds start
//! from those already kept.

mod support;

use diesel::connection::SimpleConnection;
use diesel::migration::MigrationSource;
use diesel::prelude::*;
use diesel_migrations::MigrationHarness;
use listening_loop::db::schema::{answers, monthly_themes, response_themes, responses};
use listening_loop::db::{Database, DbConnection, POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS};
use listening_loop::publish::track::{Found, find};
use listening_loop::respond::store::{Outcome, already_sent, receipt_for, submission_hash, write_batch};
use support::writer::{submission, writer_keys};

const KEY: [u8; 32] = [7; 32];
const OLD_TOKEN: [u8; 16] = [1; 16];
const ANSWERS: &[(&str, &str, &str)] = &[("feel-safe", "", "yes")];

/// Runs every migration whose version is below `version`, as a database
/// made by an older release would have had.
fn migrate_before(conn: &mut DbConnection, version: &str) {
    // diesel's own bookkeeping table, which `run_pending_migrations` would make.
    conn.batch_execute(
        "CREATE TABLE __diesel_schema_migrations (
             version VARCHAR(50) PRIMARY KEY NOT NULL,
             run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
         );",
    )
    .unwrap();
    match conn {
        DbConnection::Sqlite(c) => {
            c.batch_execute("PRAGMA foreign_keys = ON;").unwrap();
            for m in MigrationSource::<diesel::sqlite::Sqlite>::migrations(&SQLITE_MIGRATIONS).unwrap() {
                if m.name().version().to_string().as_str() < version {
                    c.run_migration(&*m).unwrap();
                }
            }
        }
        DbConnection::Postgresql(c) => {
            for m in MigrationSource::<diesel::pg::Pg>::migrations(&POSTGRES_MIGRATIONS).unwrap() {
                if m.name().version().to_string().as_str() < version {
                    c.run_migration(&*m).unwrap();
                }
            }
        }
    }
}

/// A new database at the version before `version`, and a connection to it.
fn database_before(db: support::TestDb, version: &str) -> (support::EmptyDatabase, DbConnection) {
    let empty = support::empty_database(db);
    let mut conn = DbConnection::establish(&empty.url).expect("open the empty database");
    migrate_before(&mut conn, version);
    (empty, conn)
}

fn count(conn: &mut DbConnection, sql: &str) -> i64 {
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    diesel::sql_query(sql).get_result::<Count>(conn).unwrap().n
}

#[test]
fn responses_sent_before_migration_8_keep_their_answers_receipts_and_replay_guard() {
    for db in support::databases() {
        let (empty, mut old) = database_before(db, "20261123000008");
        let migrated = count(&mut old, "SELECT COUNT(*) AS n FROM __diesel_schema_migrations");
        assert_eq!(migrated, 7, "the database is at migration 7");

        // A response as the release before stored it: a random id, beside it
        // the keyed hash of its receipt code and the hash of its journey's token.
        let code = receipt_for(&KEY, &OLD_TOKEN, 0);
        let id = listening_loop::random::random_id();
        old.batch_execute(&format!(
            "INSERT INTO responses (id, survey_id, survey_version, audience, age_group, language, submitted_on,
                                    concern, receipt_hash, submission_hash)
               VALUES ('{id}', 'young-people', '1', 'child_young_person', '12-15', 'en', '2026-11-01', FALSE,
                       '{}', '{}');
             INSERT INTO answers (response_id, question_id, part, choice, free_text)
               VALUES ('{id}', 'feel-safe', '', 'yes', NULL), ('{id}', 'make-better', '', NULL, 'more clubs');
             INSERT INTO response_themes (response_id, theme_id, origin, confirmed)
               VALUES ('{id}', 'things-to-do', 'reviewer', TRUE);",
            code.lookup_hash(&KEY),
            submission_hash(&OLD_TOKEN),
        ))
        .unwrap();
        drop(old);

        // The service starts on it and migrates it.
        let db = Database::connect(&empty.url).expect("the service migrates the older database");
        let mut conn = db.get().unwrap();
        let answers_kept: i64 =
            answers::table.filter(answers::response_id.eq(&id)).count().get_result(&mut conn).unwrap();
        assert_eq!(answers_kept, 2, "rebuilding the responses table kept the answers");
        let themes_kept: i64 =
            response_themes::table.filter(response_themes::response_id.eq(&id)).count().get_result(&mut conn).unwrap();
        assert_eq!(themes_kept, 1);
        match find(&mut conn, &code, &KEY).unwrap() {
            Found::Response { themes, .. } => assert_eq!(themes, ["things-to-do"]),
            Found::Unknown => panic!("the old receipt code no longer finds its response"),
        }
        assert!(already_sent(&mut conn, &KEY, &OLD_TOKEN).unwrap(), "a page of the old journey knows it was sent");

        let mut writer = db.open_dedicated().unwrap();
        let new_token = [2; 16];
        let results = write_batch(
            &mut writer,
            &writer_keys(KEY),
            &[submission(OLD_TOKEN, ANSWERS), submission(new_token, ANSWERS)],
        )
        .unwrap();
        match &results[0] {
            Ok(Outcome::AlreadyStored(Some(again))) => assert_eq!(again, &code, "the old journey gets its old code"),
            other => panic!("the old journey was not recognised: {other:?}"),
        }
        let Ok(Outcome::Stored(new_code)) = &results[1] else {
            panic!("a new journey was not stored: {:?}", results[1])
        };
        assert!(matches!(find(&mut conn, new_code, &KEY).unwrap(), Found::Response { .. }));
        assert!(matches!(find(&mut conn, &receipt_for(&KEY, &[3; 16], 0), &KEY).unwrap(), Found::Unknown));
        let stored: i64 = responses::table.count().get_result(&mut conn).unwrap();
        assert_eq!(stored, 2);
        let new_id: String =
            responses::table.filter(responses::id.ne(&id)).select(responses::id).first(&mut conn).unwrap();
        assert_eq!(new_id, new_code.response_id(&KEY), "a new response's id comes from its code");

        if matches!(*conn, DbConnection::Sqlite(_)) {
            let broken = count(&mut conn, "SELECT COUNT(*) AS n FROM pragma_foreign_key_check");
            assert_eq!(broken, 0, "no row points at a response that is not there");
        }
    }
}

#[test]
fn migration_9_counts_the_themes_by_month_from_the_daily_counts() {
    for db in support::databases() {
        let (empty, mut old) = database_before(db, "20261202000009");
        // Two days of one month, over two shards and two groups, and a day of the next.
        old.batch_execute(
            "INSERT INTO daily_themes (day, theme_id, audience, age_group, shard, n) VALUES
               ('2026-10-01', 'kept-safe', 'child_young_person', '8-11', 0, 2),
               ('2026-10-31', 'kept-safe', 'child_young_person', '8-11', 3, 5),
               ('2026-10-31', 'kept-safe', 'parent_carer', 'adult', 0, 1),
               ('2026-11-01', 'kept-safe', 'child_young_person', '8-11', 0, 4);",
        )
        .unwrap();
        drop(old);

        let db = Database::connect(&empty.url).expect("the service migrates the older database");
        let mut conn = db.get().unwrap();
        let months: Vec<(chrono::NaiveDate, String, i64)> = monthly_themes::table
            .filter(monthly_themes::theme_id.eq("kept-safe"))
            .order((monthly_themes::month, monthly_themes::audience))
            .select((monthly_themes::month, monthly_themes::audience, monthly_themes::n))
            .load(&mut conn)
            .unwrap();
        let day = |d| chrono::NaiveDate::from_ymd_opt(2026, d, 1).unwrap();
        assert_eq!(
            months,
            [
                (day(10), "child_young_person".into(), 7),
                (day(10), "parent_carer".into(), 1),
                (day(11), "child_young_person".into(), 4)
            ]
        );
        // A review after the migration adds to both.
        listening_loop::db::daily::add_theme(&mut conn, day(11), "kept-safe", "child_young_person", "8-11", 1).unwrap();
        let november: i64 = monthly_themes::table
            .filter(monthly_themes::month.eq(day(11)))
            .select(monthly_themes::n)
            .first(&mut conn)
            .unwrap();
        assert_eq!(november, 5);
    }
}
