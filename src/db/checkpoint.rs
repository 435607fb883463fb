//! Copies SQLite's write-ahead log back into the database file, on a thread
//! of its own. Left to itself, SQLite does this inside whichever commit
//! pushes the log past 1,000 pages: that commit then writes and syncs the
//! database file too, and every submission in the batch behind it waits.
//! Here the writer only says "I committed"; the copy happens beside it.
//!
//! The copy runs as soon as it can, not every so often: each copy ends with
//! a sync of the database file, and the writer's own sync of the log waits
//! behind it on the disk. Many small copies keep that wait short; a copy
//! every 100 ms held commits up for 30–150 ms at a time, and a copy every
//! second for longer still.

use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread;
use std::time::Duration;

use diesel::connection::SimpleConnection;

use super::{Backend, Database, DbConnection};

/// How large the log may grow before the writer's own commit copies it back
/// anyway (in pages of 4 KB): the safety net if this thread cannot keep up.
pub const WRITER_AUTOCHECKPOINT_PAGES: u32 = 16_384;
/// Commits arriving within this time share one copy. At 1,000 submissions a
/// second, a 5 ms gather took the p99 of a submission from 97 ms (100 ms
/// gather) to 23 ms (`BENCH_HOLD`, see the README).
const GATHER: Duration = Duration::from_millis(5);

/// Tells the checkpoint thread that something was committed. Cheap to clone.
#[derive(Clone)]
pub struct Checkpointer {
    nudge: Option<SyncSender<()>>,
}

impl Checkpointer {
    /// Starts the thread for a SQLite database; on PostgreSQL the server
    /// keeps its own log, and this does nothing.
    pub fn start(db: &Database) -> Checkpointer {
        if db.backend != Backend::Sqlite {
            return Checkpointer { nudge: None };
        }
        let (nudge, nudged) = sync_channel(1);
        let db = db.clone();
        thread::Builder::new()
            .name("wal-checkpoint".into())
            .spawn(move || run(db, nudged))
            .expect("start the checkpoint thread");
        Checkpointer { nudge: Some(nudge) }
    }

    /// Something was committed: copy the log back soon.
    pub fn committed(&self) {
        if let Some(nudge) = &self.nudge {
            // Full means a copy is already due.
            let _ = nudge.try_send(());
        }
    }
}

/// Lets the writer's commits leave the copying to [`Checkpointer`].
pub fn defer_to_checkpointer(conn: &mut DbConnection) -> diesel::QueryResult<()> {
    if let DbConnection::Sqlite(sqlite) = conn {
        sqlite.batch_execute(&format!("PRAGMA wal_autocheckpoint = {WRITER_AUTOCHECKPOINT_PAGES};"))?;
    }
    Ok(())
}

fn run(db: Database, nudged: Receiver<()>) {
    let mut conn: Option<DbConnection> = None;
    // Ends when every writer has gone (the service is stopping).
    while nudged.recv().is_ok() {
        thread::sleep(GATHER);
        // A nudge that came while sleeping is covered by this copy.
        let _ = nudged.try_recv();
        if conn.is_none() {
            conn = db.open_dedicated().map_err(|e| tracing::warn!(error = %e, "no connection to checkpoint")).ok();
        }
        let Some(DbConnection::Sqlite(sqlite)) = conn.as_mut() else { continue };
        // PASSIVE copies what no reader still needs and never waits: a
        // reader or the writer are never held up by it.
        if let Err(e) = sqlite.batch_execute("PRAGMA wal_checkpoint(PASSIVE);") {
            tracing::warn!(error = %e, "write-ahead log not copied back");
            conn = None;
        }
    }
}
