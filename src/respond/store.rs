//! Storing sent responses, through the one writer of responses. Submissions
//! queue up while a transaction is committing and go into the next one
//! together (group commit), so a durable commit (`synchronous=FULL`,
//! `synchronous_commit=on`) is paid once per batch, not once per child. A
//! submission is acknowledged only after its batch committed, and one that
//! fails does not take the others in its batch down with it ([`write_batch`]).

use std::collections::HashMap;
use std::sync::Arc;
use std::thread;

use chrono::NaiveDate;
use diesel::prelude::*;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use tokio::sync::{mpsc, oneshot};

use super::receipt::ReceiptCode;
use crate::anonymise::mix::{self, Unmixed};
use crate::anonymise::scrub::ScrubbedText;
use crate::db::checkpoint::{Checkpointer, defer_to_checkpointer};
use crate::db::daily::Tally;
use crate::db::schema::{answers, response_themes, responses};
use crate::db::{Backend, Database, DbConnection, DbError, on_backend, unique_row, write_transaction};

/// How many submissions may wait for the writer before senders wait too.
const QUEUE: usize = 8192;
/// Receipt codes tried for one submission before giving up: a collision is
/// about one in a thousand at a million responses, two in a row one in a million.
const RECEIPT_ATTEMPTS: u32 = 8;

/// A complete, checked, scrubbed response, ready to store.
#[derive(Debug)]
pub struct NewSubmission {
    /// The journey's random token: the same token twice is the same submission.
    pub token: [u8; 16],
    pub survey_id: String,
    pub survey_version: String,
    pub audience: String,
    pub age_group: String,
    pub language: String,
    /// For the safeguarding lead only: free text matched the safeguarding
    /// lexicon, or was in a script or language the lexicon cannot read.
    pub concern: bool,
    /// A flagged send from a client address over its limit of flagged sends
    /// (`FLAGGED_SENDS_PER_HOUR`). It is stored and queued like any other;
    /// it only never sets off an alert by itself, and the leads' next digest
    /// counts it apart from the rest ([`Flagged::over_limit`]).
    pub over_flagged_limit: bool,
    pub answers: Vec<NewAnswer>,
    /// Themes suggested from the free text's keywords, for a reviewer to confirm.
    pub suggested_themes: Vec<String>,
    /// The distribution link it came through, if any.
    pub via: Option<String>,
}

/// One answer row. Free text can only be [`ScrubbedText`].
#[derive(Debug)]
pub struct NewAnswer {
    pub question_id: String,
    pub part: String,
    pub choice: Option<String>,
    pub free_text: Option<ScrubbedText>,
}

/// What happened to a submission.
#[derive(Debug)]
pub enum Outcome {
    /// Stored now, under this receipt code.
    Stored(ReceiptCode),
    /// The same submission was stored before (a second tap, a reload); its
    /// code, unless the secret key changed since.
    AlreadyStored(Option<ReceiptCode>),
}

/// Why a submission was not stored. Nothing of it is in the database.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("the response writer has stopped")]
    Stopped,
    /// The submission's own savepoint failed; the rest of its batch went in.
    #[error("could not store the response")]
    Failed(#[source] diesel::result::Error),
    /// Its batch's transaction did not commit (the cause is logged once, for
    /// the whole batch).
    #[error("could not store the response: the batch could not be committed")]
    NotCommitted,
}

type Reply = oneshot::Sender<Result<Outcome, WriteError>>;

/// What the writer thread is handed. Nearly every job is a submission, so
/// boxing it would cost an allocation each for nothing.
#[allow(clippy::large_enum_variant)]
enum Job {
    Submit(NewSubmission, Reply),
    /// A minute has passed: an hour that has ended is mixed (see [`mix`]).
    Tick,
    /// Mix everything stored so far now, and say when it is done.
    MixNow(oneshot::Sender<()>),
}

/// Called with how many responses that raised a concern a batch has just
/// stored (often none), inside the batch's transaction: whatever it writes
/// commits exactly when they do. It is told nothing of what they say. The
/// service gives the review stage's alert to the safeguarding leads
/// (`review::safeguarding::LeadAlerts::hook`): respond sits below review, so
/// the writer is handed the alert rather than importing it.
pub type ConcernAlert = Arc<dyn Fn(&mut DbConnection, Flagged) -> QueryResult<()> + Send + Sync>;

/// How many responses that raised a concern were just stored, by whether
/// their client address was within its limit of flagged sends.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Flagged {
    pub within_limit: usize,
    pub over_limit: usize,
}

impl Flagged {
    /// The flagged ones among `submissions`.
    pub fn among<'a>(submissions: impl IntoIterator<Item = &'a NewSubmission>) -> Flagged {
        let mut flagged = Flagged::default();
        for s in submissions.into_iter().filter(|s| s.concern) {
            if s.over_flagged_limit {
                flagged.over_limit += 1;
            } else {
                flagged.within_limit += 1;
            }
        }
        flagged
    }

    pub fn is_empty(&self) -> bool {
        self.within_limit + self.over_limit == 0
    }
}

/// What the writer needs besides the submissions.
#[derive(Clone)]
pub struct WriterKeys {
    /// Derives receipt codes from submission tokens, and keys their stored hash.
    pub receipt_key: [u8; 32],
    /// Alerts the safeguarding leads to flagged responses just stored.
    pub on_concern: ConcernAlert,
    /// Survey id → the question whose answers the dashboard counts by day
    /// (`Registry::measured_questions`).
    pub measured: HashMap<String, String>,
    /// Which of the [`crate::db::daily::SHARDS`] rows this writer adds its counts to.
    pub shard: i32,
}

/// Hands submissions to the writer thread. Cheap to clone.
#[derive(Clone)]
pub struct Writer {
    queue: mpsc::Sender<Job>,
}

impl Writer {
    /// Starts the writer thread on a connection of its own. `max_batch` is
    /// the settings' `writer_max_batch` ([`crate::config::DEFAULT_WRITER_MAX_BATCH`]
    /// unless set); 1 turns group commit off (for the benchmark).
    pub fn start(db: Database, keys: WriterKeys, max_batch: usize) -> Writer {
        let (queue, jobs) = mpsc::channel(QUEUE);
        let mixing = db.backend == Backend::Postgres;
        if mixing {
            start_ticks(queue.downgrade());
        }
        thread::Builder::new()
            .name("response-writer".into())
            .spawn(move || {
                let checkpointer = Checkpointer::start(&db);
                let unmixed = mixing.then(Unmixed::default);
                run(db, keys, max_batch.max(1), jobs, checkpointer, unmixed)
            })
            .expect("start the response writer thread");
        Writer { queue }
    }

    /// Stores a submission; returns once it is durable (or known to be stored already).
    pub async fn submit(&self, submission: NewSubmission) -> Result<Outcome, WriteError> {
        let (reply, outcome) = oneshot::channel();
        self.queue.send(Job::Submit(submission, reply)).await.map_err(|_| WriteError::Stopped)?;
        outcome.await.map_err(|_| WriteError::Stopped)?
    }

    /// Mixes every response stored so far ([`mix`]) rather than at the turn
    /// of the hour, and returns when that is done: when the service stops,
    /// and for tests, which cannot wait an hour to look.
    pub async fn mix_now(&self) {
        let (done, finished) = oneshot::channel();
        if self.queue.send(Job::MixNow(done)).await.is_ok() {
            let _ = finished.await;
        }
    }
}

/// Wakes the writer once a minute, so an hour is mixed soon after it ends
/// even when nobody is sending. Stops when the writer has.
fn start_ticks(queue: mpsc::WeakSender<Job>) {
    let ticks = thread::Builder::new().name("response-mixer-ticks".into()).spawn(move || {
        loop {
            thread::sleep(std::time::Duration::from_secs(60));
            let Some(queue) = queue.upgrade() else { return };
            // A full queue means a busy writer, which looks at the hour anyway.
            let _ = queue.try_send(Job::Tick);
        }
    });
    if let Err(e) = ticks {
        tracing::warn!(error = %e, "no clock for mixing stored responses; they are mixed as more arrive");
    }
}

fn run(
    db: Database,
    keys: WriterKeys,
    max_batch: usize,
    mut jobs: mpsc::Receiver<Job>,
    checkpointer: Checkpointer,
    mut unmixed: Option<Unmixed>,
) {
    let mut conn: Option<DbConnection> = None;
    if let Some(unmixed) = unmixed.as_mut() {
        mix_since_yesterday(&db, unmixed);
    }
    let mut mix_waiting = false;
    loop {
        // Mixing waits for a quiet moment, unless so much is due that it cannot.
        if let Some(unmixed) = unmixed.as_mut().filter(|u| u.has_due() && !mix_waiting)
            && (jobs.is_empty() || unmixed.overdue())
        {
            mix_waiting = !mix_next(&db, unmixed);
            if jobs.is_empty() {
                continue;
            }
        }
        let Some(first) = jobs.blocking_recv() else { break };
        let mut batch = Vec::new();
        let mut asked_to_mix = Vec::new();
        for job in std::iter::once(first).chain(std::iter::from_fn(|| jobs.try_recv().ok())) {
            match job {
                Job::Submit(submission, reply) => batch.push((submission, reply)),
                Job::Tick => mix_waiting = false,
                Job::MixNow(done) => asked_to_mix.push(done),
            }
            if batch.len() >= max_batch {
                break;
            }
        }
        if !batch.is_empty() {
            let stored = store_batch(&db, &mut conn, &keys, &checkpointer, batch);
            if let Some(unmixed) = unmixed.as_mut() {
                unmixed.stored(stored, mix::hour_of(chrono::Utc::now()));
            }
        }
        if let Some(unmixed) = unmixed.as_mut() {
            unmixed.tick(mix::hour_of(chrono::Utc::now()));
            if !asked_to_mix.is_empty() {
                unmixed.make_due();
                while unmixed.has_due() && mix_next(&db, unmixed) {}
            }
        }
        for done in asked_to_mix {
            let _ = done.send(());
        }
    }
    // Nothing more once every sender has gone: the process may be exiting
    // under us. A service that stops asks for the last mix itself
    // ([`Writer::mix_now`], in `cli`), and one that could not is mixed when
    // it starts again.
}

/// Commits a batch, answers each sender, and says which responses it stored.
fn store_batch(
    db: &Database,
    conn: &mut Option<DbConnection>,
    keys: &WriterKeys,
    checkpointer: &Checkpointer,
    batch: Vec<(NewSubmission, Reply)>,
) -> Vec<String> {
    let (submissions, replies): (Vec<_>, Vec<_>) = batch.into_iter().unzip();
    // A failed commit (a dropped connection, a restarted server) is tried
    // once more on a fresh connection before anyone is told it failed.
    let mut results = None;
    for _ in 0..2 {
        match commit_batch(db, conn, keys, &submissions) {
            Ok(done) => {
                checkpointer.committed();
                results = Some(done);
                break;
            }
            Err(e) => {
                crate::hour_log::warn(format_args!("response batch not committed: {}", crate::cause::Chain(&e)));
                *conn = None;
            }
        }
    }
    let results = results.unwrap_or_else(|| submissions.iter().map(|_| Err(WriteError::NotCommitted)).collect());
    let stored = results
        .iter()
        .filter_map(|r| match r {
            Ok(Outcome::Stored(code)) => Some(code.response_id(&keys.receipt_key)),
            _ => None,
        })
        .collect();
    for (reply, result) in replies.into_iter().zip(results) {
        // The person may have closed the page; the response is stored either way.
        let _ = reply.send(result);
    }
    stored
}

/// Mixes the next due chunk. `false` if it could not (the chunk waits for
/// the next minute's tick).
///
/// Mixing borrows a connection from the pool rather than opening the
/// writer's own: a service that has stored nothing since it started (most
/// of the day, on most instances) then holds no connection for writing.
fn mix_next(db: &Database, unmixed: &mut Unmixed) -> bool {
    let Some(chunk) = unmixed.next_chunk() else { return true };
    let today = chrono::Utc::now().date_naive();
    let done = db.get().and_then(|mut c| mix::mix(&mut c, &chunk, today).map_err(DbError::from));
    match done {
        Ok(()) => true,
        Err(e) => {
            tracing::warn!(error = %crate::cause::Chain(&e), "stored responses not mixed yet; will try again");
            unmixed.put_back(chunk);
            false
        }
    }
}

/// At start: the last two days' responses, in case the writer that stored
/// them stopped before it mixed them.
fn mix_since_yesterday(db: &Database, unmixed: &mut Unmixed) {
    let today = chrono::Utc::now().date_naive();
    let from = today.pred_opt().unwrap_or(today);
    let found = db.get().and_then(|mut c| {
        let c = &mut *c;
        if mix::commit_times_kept(c)? {
            tracing::warn!(
                "PostgreSQL keeps commit times (track_commit_timestamp = on): they date each batch of \
                 responses until its hour is mixed. Turn it off unless something needs it"
            );
        }
        Ok(mix::stored_since(c, from)?)
    });
    match found {
        Ok(ids) => unmixed.add_due(ids),
        Err(e) => tracing::warn!(error = %crate::cause::Chain(&e), "could not look for responses to mix"),
    }
}

/// The writer's own connection, opened when first needed and after a failure.
fn open<'c>(db: &Database, conn: &'c mut Option<DbConnection>) -> Result<&'c mut DbConnection, DbError> {
    if conn.is_none() {
        let mut opened = db.open_dedicated()?;
        defer_to_checkpointer(&mut opened)?;
        *conn = Some(opened);
    }
    Ok(conn.as_mut().expect("opened above"))
}

fn commit_batch(
    db: &Database,
    conn: &mut Option<DbConnection>,
    keys: &WriterKeys,
    submissions: &[NewSubmission],
) -> Result<Vec<Result<Outcome, WriteError>>, DbError> {
    Ok(write_batch(open(db, conn)?, keys, submissions)?)
}

/// Writes submissions in one transaction and says what happened to each.
/// `Err` means the transaction did not commit and nothing of the batch is stored.
///
/// The batch goes in whole first: one look for where its responses go, and a
/// multi-row insert for each table, so the cost in statements (each a round
/// trip on PostgreSQL) is per batch, not per child. A submission that cannot
/// go in that way fails the whole transaction: it fails by itself, it is
/// another's receipt code, or the same journey is in the batch twice. The
/// batch is then written again with a savepoint for each submission, so that
/// only that submission fails, and the second copy of a journey finds the first.
pub fn write_batch(
    conn: &mut DbConnection,
    keys: &WriterKeys,
    submissions: &[NewSubmission],
) -> QueryResult<Vec<Result<Outcome, WriteError>>> {
    let today = chrono::Utc::now().date_naive();
    let started = std::time::Instant::now();
    let whole =
        |conn: &mut DbConnection| Ok(write_together(conn, keys, submissions, today)?.into_iter().map(Ok).collect());
    let each = |conn: &mut DbConnection| {
        Ok(submissions
            .iter()
            .map(|submission| {
                // Nested transaction = savepoint: a failure here undoes this submission only.
                conn.transaction(|conn| write_one(conn, keys, submission, today)).map_err(WriteError::Failed)
            })
            .collect())
    };
    let (done, written) = match tallied_transaction(conn, keys, submissions, today, whole) {
        Ok(done) => done,
        Err(e) => {
            tracing::debug!(error = %e, batch = submissions.len(), "writing the batch again, one savepoint each");
            tallied_transaction(conn, keys, submissions, today, each)?
        }
    };
    // For finding where a slow submission's time went (`RUST_LOG=listening_loop::respond::store=debug`).
    tracing::debug!(
        batch = submissions.len(),
        write_ms = (written - started).as_secs_f64() * 1e3,
        commit_ms = written.elapsed().as_secs_f64() * 1e3,
        "response batch committed"
    );
    Ok(done)
}

/// Runs `write` in a write transaction and adds the dashboard's counts of
/// what it stored, in the same transaction as what they count. Says when the
/// writing was done, before the commit.
fn tallied_transaction(
    conn: &mut DbConnection,
    keys: &WriterKeys,
    submissions: &[NewSubmission],
    today: NaiveDate,
    write: impl FnOnce(&mut DbConnection) -> QueryResult<Vec<Result<Outcome, WriteError>>>,
) -> QueryResult<(Vec<Result<Outcome, WriteError>>, std::time::Instant)> {
    write_transaction(conn, |conn| {
        let outcomes = write(conn)?;
        tally(conn, keys, submissions, &outcomes, today)?;
        Ok((outcomes, std::time::Instant::now()))
    })
}

/// The dashboard's counts of the submissions just stored.
fn tally(
    conn: &mut DbConnection,
    keys: &WriterKeys,
    submissions: &[NewSubmission],
    outcomes: &[Result<Outcome, WriteError>],
    today: NaiveDate,
) -> QueryResult<()> {
    let mut tally = Tally::default();
    for (s, outcome) in submissions.iter().zip(outcomes) {
        if s.concern || !matches!(outcome, Ok(Outcome::Stored(_))) {
            continue;
        }
        tally.response(today, &s.survey_id, &s.audience, &s.age_group, s.via.as_deref());
        let Some(question) = keys.measured.get(&s.survey_id) else { continue };
        let answer = s.answers.iter().find(|a| &a.question_id == question && a.part.is_empty());
        if let Some(choice) = answer.and_then(|a| a.choice.as_deref()) {
            tally.choice(today, &s.survey_id, question, choice);
        }
    }
    tally.write(conn, keys.shard)
}

/// Stores every submission of a batch that is not stored yet, or fails as a whole.
fn write_together(
    conn: &mut DbConnection,
    keys: &WriterKeys,
    submissions: &[NewSubmission],
    today: NaiveDate,
) -> QueryResult<Vec<Outcome>> {
    let tokens: Vec<&[u8; 16]> = submissions.iter().map(|s| &s.token).collect();
    let places = find_places(conn, &keys.receipt_key, &tokens)?;
    let mut outcomes = Vec::with_capacity(submissions.len());
    let mut new = Vec::new();
    for (s, place) in submissions.iter().zip(places) {
        outcomes.push(match place {
            Place::Sent(code) => Outcome::AlreadyStored(code),
            Place::Free { code, id, hash } => {
                new.push((s, id, hash));
                Outcome::Stored(code)
            }
            Place::NoneFree => return Err(no_free_code()),
        });
    }
    // Rows go in in no order that follows the queue's (see `anonymise::mix`).
    crate::random::shuffle(&mut new);
    insert(conn, keys, &new, today)?;
    Ok(outcomes)
}

/// Stores one submission, unless it was stored before.
fn write_one(conn: &mut DbConnection, keys: &WriterKeys, s: &NewSubmission, today: NaiveDate) -> QueryResult<Outcome> {
    match find_places(conn, &keys.receipt_key, &[&s.token])?.pop() {
        Some(Place::Sent(code)) => Ok(Outcome::AlreadyStored(code)),
        Some(Place::Free { code, id, hash }) => {
            insert(conn, keys, &[(s, id, hash)], today)?;
            Ok(Outcome::Stored(code))
        }
        Some(Place::NoneFree) | None => Err(no_free_code()),
    }
}

fn no_free_code() -> diesel::result::Error {
    diesel::result::Error::QueryBuilderError("no free receipt code after several tries".into())
}

/// Rows per multi-row insert: well within both databases' limits on bound
/// values (32,766 for SQLite, 65,535 for PostgreSQL) at ten columns a row.
const ROWS_PER_INSERT: usize = 1000;

/// Inserts new responses `(submission, id, submission hash)` with their
/// answers and suggested themes, and alerts the safeguarding leads to any
/// that raised a concern ([`WriterKeys::on_concern`]).
fn insert(
    conn: &mut DbConnection,
    keys: &WriterKeys,
    new: &[(&NewSubmission, String, String)],
    today: NaiveDate,
) -> QueryResult<()> {
    let rows: Vec<_> = new
        .iter()
        .map(|(s, id, hash)| {
            (
                responses::id.eq(id),
                responses::survey_id.eq(&s.survey_id),
                responses::survey_version.eq(&s.survey_version),
                responses::audience.eq(&s.audience),
                responses::age_group.eq(&s.age_group),
                responses::language.eq(&s.language),
                responses::submitted_on.eq(today),
                responses::concern.eq(s.concern),
                responses::submission_hash.eq(hash),
                responses::via.eq(s.via.as_deref()),
            )
        })
        .collect();
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        on_backend!(conn, diesel::insert_into(responses::table).values(chunk))?;
    }
    let themes: Vec<_> = new
        .iter()
        .flat_map(|(s, id, _)| {
            s.suggested_themes.iter().map(move |theme| {
                (
                    response_themes::response_id.eq(id),
                    response_themes::theme_id.eq(theme),
                    response_themes::origin.eq("keyword"),
                    response_themes::confirmed.eq(false),
                )
            })
        })
        .collect();
    for chunk in themes.chunks(ROWS_PER_INSERT) {
        on_backend!(conn, diesel::insert_into(response_themes::table).values(chunk))?;
    }
    (keys.on_concern)(conn, Flagged::among(new.iter().map(|(s, ..)| *s)))?;
    let answers: Vec<_> = new
        .iter()
        .flat_map(|(s, id, _)| {
            s.answers.iter().map(move |a| {
                (
                    answers::response_id.eq(id),
                    answers::question_id.eq(&a.question_id),
                    answers::part.eq(&a.part),
                    answers::choice.eq(a.choice.as_deref()),
                    answers::free_text.eq(a.free_text.as_ref().map(ScrubbedText::as_str)),
                )
            })
        })
        .collect();
    for chunk in answers.chunks(ROWS_PER_INSERT) {
        on_backend!(conn, diesel::insert_into(answers::table).values(chunk))?;
    }
    Ok(())
}

/// Where a journey's response is, or would go.
enum Place {
    /// Stored already, under this code (unknown for a response stored before
    /// migration 8 if the key changed since).
    Sent(Option<ReceiptCode>),
    /// Not stored: this is its code, the id it goes in under, and its
    /// [`submission_hash`].
    Free { code: ReceiptCode, id: String, hash: String },
    /// Not stored, and every code it could have is another response's.
    NoneFree,
}

/// Journeys looked up per statement in [`find_places`]: two bound values each on SQLite.
const TOKENS_PER_LOOKUP: usize = 1000;

/// Where each journey's response is, or would go. A response's id is its
/// code's [`ReceiptCode::response_id`], so a journey's response goes in at
/// its first code's id, and finding the journey's own submission hash there
/// means it was sent. One statement looks at every first id, and for
/// responses stored before migration 8, which have random ids and their
/// receipt hash beside them. Another journey's response at a first id (two
/// journeys whose codes came out the same) sends that journey on to [`walk`].
fn find_places(conn: &mut DbConnection, key: &[u8; 32], tokens: &[&[u8; 16]]) -> QueryResult<Vec<Place>> {
    let mut places = Vec::with_capacity(tokens.len());
    for chunk in tokens.chunks(TOKENS_PER_LOOKUP) {
        let firsts: Vec<(ReceiptCode, String, String)> = chunk
            .iter()
            .map(|token| {
                let code = receipt_for(key, token, 0);
                let id = code.response_id(key);
                (code, id, submission_hash(token))
            })
            .collect();
        let ids: Vec<&str> = firsts.iter().map(|(_, id, _)| id.as_str()).collect();
        let hashes: Vec<&str> = firsts.iter().map(|(.., hash)| hash.as_str()).collect();
        let found = stored_at(conn, &ids, &hashes)?;
        for (token, (code, id, hash)) in chunk.iter().zip(firsts) {
            let legacy = found.iter().find(|(_, theirs, legacy)| legacy.is_some() && *theirs == hash);
            let place = if let Some((.., stored)) = legacy {
                let code = (0..RECEIPT_ATTEMPTS)
                    .map(|n| receipt_for(key, token, n))
                    .find(|c| stored.as_deref() == Some(c.lookup_hash(key).as_str()));
                Place::Sent(code)
            } else {
                match found.iter().find(|(there, ..)| *there == id) {
                    None => Place::Free { code, id, hash },
                    Some((_, theirs, _)) if *theirs == hash => Place::Sent(Some(code)),
                    Some(_) => walk(conn, key, token, hash)?,
                }
            };
            places.push(place);
        }
    }
    Ok(places)
}

/// The responses stored under any of `ids`, or stored before migration 8
/// with any of the submission `hashes`: (id, submission hash, legacy receipt hash).
fn stored_at(
    conn: &mut DbConnection,
    ids: &[&str],
    hashes: &[&str],
) -> QueryResult<Vec<(String, String, Option<String>)>> {
    let columns = (responses::id, responses::submission_hash, responses::legacy_receipt_hash);
    let legacy = responses::legacy_receipt_hash.is_not_null();
    match (ids, hashes) {
        // Every page of a journey asks this for its one token, and so does
        // most of the writer's batches on SQLite. A list of any length is
        // prepared again each time it is run (diesel cannot cache it), and
        // that parse and plan was most of what the check cost.
        ([id], [hash]) => responses::table
            .filter(responses::id.eq(*id).or(legacy.and(responses::submission_hash.eq(*hash))))
            .select(columns)
            .load(conn),
        _ => responses::table
            .filter(responses::id.eq_any(ids).or(legacy.and(responses::submission_hash.eq_any(hashes))))
            .select(columns)
            .load(conn),
    }
}

/// Walks a journey's later receipt codes in order, when its first code's id
/// is another response's. The walk is deterministic, so a second "Send" takes
/// the same steps and finds the same place.
fn walk(conn: &mut DbConnection, key: &[u8; 32], token: &[u8; 16], hash: String) -> QueryResult<Place> {
    for attempt in 1..RECEIPT_ATTEMPTS {
        let code = receipt_for(key, token, attempt);
        let id = code.response_id(key);
        let there: Option<String> = unique_row(responses::table.find(&id).select(responses::submission_hash), conn)?;
        match there {
            None => return Ok(Place::Free { code, id, hash }),
            Some(theirs) if theirs == hash => return Ok(Place::Sent(Some(code))),
            Some(_) => continue,
        }
    }
    Ok(Place::NoneFree)
}

/// What the database keeps of a journey's token: enough to know a second
/// "Send" is the same submission, nothing to find the journey by.
pub fn submission_hash(token: &[u8; 16]) -> String {
    hex::encode(Sha256::digest([b"listening-loop submission v1\0".as_slice(), token].concat()))
}

/// Whether a journey with this token was already sent.
pub fn already_sent(conn: &mut DbConnection, key: &[u8; 32], token: &[u8; 16]) -> QueryResult<bool> {
    Ok(matches!(find_places(conn, key, &[token])?.pop(), Some(Place::Sent(_))))
}

/// The receipt code for a submission token: keyed, so codes cannot be
/// predicted from anything a person sees, and the same token always gives
/// the same code (a reloaded thank-you page shows the same receipt).
pub fn receipt_for(key: &[u8; 32], token: &[u8; 16], attempt: u32) -> ReceiptCode {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(token);
    mac.update(&attempt.to_be_bytes());
    ReceiptCode::from_seed(&mac.finalize().into_bytes().into())
}

#[cfg(test)]
mod tests {
    use super::receipt_for;

    /// Receipt codes already handed out must keep finding their responses:
    /// the code a token gets, and the id its response is stored under, are
    /// pinned as this code computed them when the test was written.
    #[test]
    fn receipt_codes_and_their_response_ids_are_pinned() {
        let key = [5; 32];
        let pinned = [
            ("RIPPLE-HAZEL-BISON-89", "f5a5d834db341c54c2469a344f75c1b7"),
            ("OTTER-CIRCLE-BEAM-51", "cd138f6e69c37b1ab48eccd18bf7ae58"),
        ];
        for (attempt, (code, id)) in (0..).zip(pinned) {
            let issued = receipt_for(&key, &[8; 16], attempt);
            assert_eq!(issued.as_str(), code, "attempt {attempt}");
            assert_eq!(issued.response_id(&key), id, "attempt {attempt}");
        }
    }
}
