//! The group-commit writer: one submission that fails does not take the
//! others in its batch with it, and a token sent twice is stored once.

mod support;

use listening_loop::db::writer::{Outcome, Writer, write_batch};
use support::writer::{submission, writer_keys};

use support::on_each_database;

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
