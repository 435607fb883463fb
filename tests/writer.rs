//! The group-commit writer: one submission that fails does not take the
//! others in its batch with it, a token sent twice is stored once, a
//! journey whose receipt code is already another's gets the next one, a
//! flagged response's alert to the safeguarding leads is stored with it, and
//! a receipt code handed out by an earlier build still finds its response.

mod support;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use listening_loop::config::SecretKey;
use listening_loop::db::schema::responses;
use listening_loop::mail::EmailAddress;
use listening_loop::respond::store::{NewSubmission, Outcome, Writer, receipt_for, write_batch};
use listening_loop::staff::roles::Role;
use listening_loop::staff::store;
use support::writer::{submission, writer_keys};

use support::{on_each_database, spawn_app_configured};

#[tokio::test]
async fn a_failing_submission_does_not_lose_the_rest_of_its_batch() {
    on_each_database(|app| async move {
        let mut conn = app.db.open_dedicated().unwrap();
        let batch = vec![
            submission([1; 16], &[("a", "", "1"), ("b", "", "2")]),
            // The same answer twice breaks the answers table's primary key.
            submission([2; 16], &[("a", "", "1"), ("a", "", "2")]),
            submission([3; 16], &[("a", "", "5")]),
            // The first submission again, in the same batch: stored once.
            submission([1; 16], &[("a", "", "1"), ("b", "", "2")]),
        ];
        let results = write_batch(&mut conn, &writer_keys([9; 32]), &batch).expect("the batch commits");
        assert!(matches!(results[0], Ok(Outcome::Stored(_))));
        assert!(results[1].is_err(), "the broken submission is refused");
        assert!(matches!(results[2], Ok(Outcome::Stored(_))));
        match (&results[0], &results[3]) {
            (Ok(Outcome::Stored(first)), Ok(Outcome::AlreadyStored(Some(again)))) => assert_eq!(first, again),
            other => panic!("expected the same receipt twice, got {other:?}"),
        }
        assert_eq!(app.count("responses"), 2, "nothing of the broken submission is stored, not even its response row");
        assert_eq!(app.count("answers"), 3);
    })
    .await;
}

#[tokio::test]
async fn the_writer_thread_acknowledges_only_what_it_stored() {
    on_each_database(|app| async move {
        let writer = Writer::start(app.db.clone(), writer_keys([4; 32]), 64);
        let sends = (0..200u8).map(|i| {
            let writer = writer.clone();
            async move { writer.submit(submission([i; 16], &[("a", "", "1"), ("b", "", "3")])).await }
        });
        let results = futures_util::future::join_all(sends).await;
        assert!(results.iter().all(|r| matches!(r, Ok(Outcome::Stored(_)))));
        assert_eq!(app.count("responses"), 200);
        assert_eq!(app.count("answers"), 400);
    })
    .await;
}

#[tokio::test]
async fn a_journey_whose_first_code_is_taken_goes_in_under_its_next() {
    on_each_database(|app| async move {
        let key = [5; 32];
        let token = [8; 16];
        // Another journey's response sits at the id of this journey's first code.
        let first = receipt_for(&key, &token, 0);
        let mut conn = app.db.open_dedicated().unwrap();
        conn.batch_execute(&format!(
            "INSERT INTO responses (id, survey_id, survey_version, audience, age_group, language, submitted_on,
                                    concern, submission_hash)
               VALUES ('{}', 'parents-carers', 'test', 'parent_carer', 'adult', 'en', '2026-11-01', FALSE, 'another');",
            first.response_id(&key)
        ))
        .unwrap();
        let keys = writer_keys(key);
        let batch = [
            submission([20; 16], &[("a", "", "1")]),
            submission(token, &[("a", "", "3")]),
            submission([21; 16], &[("a", "", "2")]),
        ];
        let results = write_batch(&mut conn, &keys, &batch).expect("the batch commits");
        let second = receipt_for(&key, &token, 1);
        match &results[1] {
            Ok(Outcome::Stored(code)) => assert_eq!(code, &second, "the journey's next code"),
            other => panic!("the journey was not stored: {other:?}"),
        }
        assert!(matches!(results[0], Ok(Outcome::Stored(_))) && matches!(results[2], Ok(Outcome::Stored(_))));
        // Sent again in a later batch, it is found under that code, not stored twice.
        let again = write_batch(&mut conn, &keys, &[submission(token, &[("a", "", "3")])]).unwrap();
        match &again[0] {
            Ok(Outcome::AlreadyStored(Some(code))) => assert_eq!(code, &second),
            other => panic!("the second send was not recognised: {other:?}"),
        }
        assert_eq!(app.count("responses"), 4);
        assert_eq!(app.count("answers"), 3);
    })
    .await;
}

/// A configured `SECRET_KEY`, and what the build of December 2026 made of
/// it: the receipt code journey `[42; 16]` was given and the id its response
/// was stored under. Children keep these codes on paper, so every later
/// build must issue and find the same.
const SECRET: &str = "listening-loop pinned test secret, 32+ characters";
const ISSUED_CODE: &str = "SNAIL-TOUCAN-ONION-83";
const STORED_ID: &str = "db7d1b22e2b4e6b4c8e4e3cdbda34d9a";

#[tokio::test]
async fn a_receipt_code_issued_by_an_earlier_build_still_finds_its_response() {
    for db in support::databases() {
        let app = spawn_app_configured(db, |s| s.secret = SecretKey::from_configured(SECRET).unwrap()).await;
        let key = SecretKey::from_configured(SECRET).unwrap().receipt_key();
        let mut conn = app.db.open_dedicated().unwrap();
        let results = write_batch(&mut conn, &writer_keys(key), &[submission([42; 16], &[("a", "", "1")])]).unwrap();
        match &results[0] {
            Ok(Outcome::Stored(code)) => assert_eq!(code.as_str(), ISSUED_CODE, "the same token gets the same code"),
            other => panic!("the journey was not stored: {other:?}"),
        }
        let ids: Vec<String> = responses::table.select(responses::id).load(&mut app.db.get().unwrap()).unwrap();
        assert_eq!(ids, [STORED_ID], "stored under the same id");

        // Typed in at /track as a child would, it finds the response.
        let found = app.post("/track", &[("code", "snail toucan onion 83")]).await;
        assert_eq!(found.status, 200, "{}", found.body);
        assert_eq!(found.h1(), "What happened to your answers");
        let unknown = app.post("/track", &[("code", "SNAIL-TOUCAN-ONION-84")]).await;
        assert_eq!(unknown.status, 404, "and only that code");
    }
}

#[tokio::test]
async fn a_flagged_response_is_stored_with_its_alert_to_each_active_lead() {
    on_each_database(|app| async move {
        let mut conn = app.db.open_dedicated().unwrap();
        let staff = [
            ("lead@example.org", Role::SafeguardingLead, true),
            ("former-lead@example.org", Role::SafeguardingLead, false),
            ("youth@example.org", Role::YouthReviewer, true),
        ];
        for (email, role, active) in staff {
            let id = store::create(&mut conn, &EmailAddress::parse(email).unwrap(), "Staff", &[role]).unwrap().unwrap();
            store::set_active(&mut conn, &id, active).unwrap();
        }
        let flagged = |token, answers| NewSubmission { concern: true, ..submission(token, answers) };
        let keys = writer_keys([6; 32]);
        let batch = [
            flagged([1; 16], &[("a", "", "1")]),
            // The same answer twice: refused, and its alert with it.
            flagged([2; 16], &[("a", "", "1"), ("a", "", "2")]),
            submission([3; 16], &[("a", "", "2")]),
            flagged([4; 16], &[("a", "", "3")]),
        ];
        let results = write_batch(&mut conn, &keys, &batch).expect("the batch commits");
        assert!(results[1].is_err(), "the broken submission is refused");
        assert_eq!(app.count("responses"), 3);
        let alerts = "to_address = 'lead@example.org' AND subject = 'A response needs a safeguarding lead' \
                      AND text_body LIKE '%http://127.0.0.1/staff/safeguarding%'";
        assert_eq!(app.count_where("outbox", alerts), 1, "the first flagged response alerts the active lead only");
        assert_eq!(app.count("outbox"), 1, "and the second waits for the digest");
        let gathered = |n: usize| app.count_where("alert_digest", &format!("gathered = {n}")) == 1;
        assert!(gathered(1), "the refused one's place in the digest went with it");
        // A batch that goes in whole gathers in the same way.
        let results = write_batch(&mut conn, &keys, &[flagged([5; 16], &[("a", "", "4")])]).unwrap();
        assert!(matches!(results[0], Ok(Outcome::Stored(_))));
        assert_eq!(app.count("outbox"), 1);
        assert!(gathered(2));
    })
    .await;
}
