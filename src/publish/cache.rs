//! The board and its feed, drawn once for each version of what is published
//! and kept in memory, so a flood of readers does no database work.
//!
//! What the board shows changes only when staff publish, unpublish or edit.
//! The database keeps a version number (`board_version`, one row) that
//! triggers move on with every such change, in the change's own
//! transaction. Each kept page carries the version it was drawn from. The
//! version is read again at most once every [`CHECK_EVERY`], by one request
//! while the others go on being served what is kept; a change made on this
//! instance says so at once ([`BoardCache::changed`]), and one made on
//! another instance sharing the database shows here within [`CHECK_EVERY`].
//!
//! Memory is bounded: a page is kept per language and view (the address can
//! ask only for languages and themes the service has), and never more than
//! the capacity the cache was made with.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::web::Bytes;
use diesel::prelude::*;

use crate::db::schema::board_version;
use crate::db::{Database, DbConnection, unique_row};
use crate::web::{AppError, in_read_transaction};

/// How stale another instance's change may be here: the longest a kept page
/// is served without asking the database whether it is still current.
pub const CHECK_EVERY: Duration = Duration::from_secs(1);

/// One public page as one reader sees it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Shown {
    /// The board: in a language (`chosen` when the reader picked it, so its
    /// links carry it), for one theme or all, short or detailed.
    Board { language: String, chosen: bool, theme: Option<String>, detailed: bool },
    /// The Atom feed (in English, the same for everyone).
    Feed,
}

/// The kept pages and what is known of the database's version.
pub struct BoardCache {
    capacity: usize,
    check_every: Duration,
    kept: Mutex<Kept>,
}

struct Kept {
    /// The version the database last said, when it said it, and the ticket
    /// of the question it answered. `None` after a change here, until the
    /// database is asked again.
    known: Option<(i64, Instant, u64)>,
    /// One request is asking the database now: the others serve what is
    /// kept meanwhile rather than all ask at once.
    checking: bool,
    /// Numbers every question to the database, and every change made here,
    /// in the order they happen.
    tickets: u64,
    /// The ticket of the last change made here: an answer to a question
    /// asked before it may not include it.
    changed: u64,
    pages: HashMap<Shown, (i64, Bytes)>,
}

/// What a request must do to show a page.
enum Lookup {
    /// The page as drawn for the version the database said a moment ago.
    Fresh(Bytes),
    /// Ask the database for its version (and draw the page again if what is
    /// kept is of another), with this ticket. `checks`: this request is the
    /// one asking for everyone.
    Read { ticket: u64, kept: Option<(i64, Bytes)>, checks: bool },
}

impl BoardCache {
    /// A cache for at most `capacity` pages.
    pub fn new(capacity: usize, check_every: Duration) -> BoardCache {
        BoardCache {
            capacity,
            check_every,
            kept: Mutex::new(Kept { known: None, checking: false, tickets: 0, changed: 0, pages: HashMap::new() }),
        }
    }

    /// The page `shown`: kept, or read with `read` in a read-only transaction
    /// and drawn with `draw`, then kept for the version it was read at.
    pub async fn page<T: Send + 'static>(
        &self,
        db: &Database,
        shown: Shown,
        read: impl FnOnce(&mut DbConnection) -> QueryResult<T> + Send + 'static,
        draw: impl FnOnce(T) -> String,
    ) -> Result<Bytes, AppError> {
        let (ticket, kept, checks) = match self.lookup(&shown) {
            Lookup::Fresh(body) => return Ok(body),
            Lookup::Read { ticket, kept, checks } => (ticket, kept, checks),
        };
        // Whatever happens to this request (an error, or the reader going
        // away), the next one may ask the database.
        let _checking = checks.then_some(Checking(self));
        let (version, found) = in_read_transaction(db, move |conn| {
            let version = current_version(conn)?;
            match kept {
                Some((kept_version, body)) if kept_version == version => Ok((version, Found::Kept(body))),
                _ => Ok((version, Found::Read(read(conn)?))),
            }
        })
        .await?;
        self.learned(version, ticket);
        Ok(match found {
            Found::Kept(body) => body,
            Found::Read(found) => {
                let body = Bytes::from(draw(found));
                self.keep(shown, version, body.clone());
                body
            }
        })
    }

    /// Something shown on the board changed here and is committed: ask the
    /// database before serving any kept page again.
    pub fn changed(&self) {
        let mut kept = self.lock();
        kept.known = None;
        kept.tickets += 1;
        kept.changed = kept.tickets;
    }

    fn lookup(&self, shown: &Shown) -> Lookup {
        let mut kept = self.lock();
        let page = kept.pages.get(shown).cloned();
        if let (Some((known, at, _)), Some((version, body))) = (kept.known, &page)
            && known == *version
            && (at.elapsed() < self.check_every || kept.checking)
        {
            return Lookup::Fresh(body.clone());
        }
        let checks = !kept.checking;
        kept.checking = true;
        kept.tickets += 1;
        Lookup::Read { ticket: kept.tickets, kept: page, checks }
    }

    /// The database said `version` to the question with `ticket`.
    fn learned(&self, version: i64, ticket: u64) {
        let mut kept = self.lock();
        // An answer to a question asked before a change made here may not
        // include it; and of two answers, the one to the later question is
        // the news, whichever comes back first. (The version only grows,
        // but a database restored from a backup goes back, and is believed.)
        if ticket > kept.changed && kept.known.is_none_or(|(_, _, asked)| asked < ticket) {
            kept.known = Some((version, Instant::now(), ticket));
        }
    }

    /// Keeps `body`, drawn at `version`, in place of what was kept for
    /// `shown` (a page of another version than the known one is never
    /// served, so one drawn from an older answer costs only a new drawing).
    fn keep(&self, shown: Shown, version: i64, body: Bytes) {
        let mut kept = self.lock();
        if kept.pages.len() < self.capacity || kept.pages.contains_key(&shown) {
            kept.pages.insert(shown, (version, body));
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Kept> {
        // A panic while holding the lock leaves nothing half-changed that
        // matters: at worst a page is drawn again.
        self.kept.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// What a read found: the kept page is still current, or what to draw anew.
enum Found<T> {
    Kept(Bytes),
    Read(T),
}

/// The one request asking the database; lets the next one ask when dropped.
struct Checking<'a>(&'a BoardCache);

impl Drop for Checking<'_> {
    fn drop(&mut self) {
        self.0.lock().checking = false;
    }
}

/// The version of what the board shows, as the database has it now.
pub fn current_version(conn: &mut DbConnection) -> QueryResult<i64> {
    let found = unique_row(board_version::table.filter(board_version::id.eq(1)).select(board_version::version), conn)?;
    found.ok_or(diesel::result::Error::NotFound)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn board(language: &str, theme: Option<&str>) -> Shown {
        Shown::Board { language: language.into(), chosen: false, theme: theme.map(str::to_owned), detailed: false }
    }

    /// The ticket of the question a lookup must ask.
    fn ask(cache: &BoardCache, page: &Shown) -> u64 {
        match cache.lookup(page) {
            Lookup::Read { ticket, .. } => ticket,
            Lookup::Fresh(_) => panic!("served without asking"),
        }
    }

    #[test]
    fn a_kept_page_is_fresh_only_for_the_version_last_read_and_only_for_a_while() {
        let cache = BoardCache::new(10, Duration::from_millis(200));
        let page = board("en", None);
        assert!(matches!(cache.lookup(&page), Lookup::Read { kept: None, checks: true, .. }));
        cache.learned(3, 1);
        cache.keep(page.clone(), 3, Bytes::from_static(b"three"));
        drop(Checking(&cache));
        assert!(matches!(cache.lookup(&page), Lookup::Fresh(b) if b == "three"));
        // Another instance published: this one learns of it on its next check.
        std::thread::sleep(Duration::from_millis(250));
        let Lookup::Read { ticket, kept: Some((3, _)), checks: true } = cache.lookup(&page) else {
            panic!("a page older than the check interval must be checked")
        };
        // While one request checks, the others are served what is kept.
        assert!(matches!(cache.lookup(&page), Lookup::Fresh(b) if b == "three"));
        cache.learned(4, ticket);
        drop(Checking(&cache));
        assert!(matches!(cache.lookup(&page), Lookup::Read { kept: Some((3, _)), .. }), "version 3 is stale");
    }

    #[test]
    fn a_change_here_is_never_hidden_by_an_answer_from_before_it() {
        let cache = BoardCache::new(10, Duration::from_secs(60));
        let page = board("en", None);
        let first = ask(&cache, &page);
        drop(Checking(&cache));
        cache.learned(1, first);
        cache.keep(page.clone(), 1, Bytes::from_static(b"one"));
        assert!(matches!(cache.lookup(&page), Lookup::Fresh(_)));
        // A request asks; a publish here commits and says so; the answer the
        // request then brings back (1) is from before the publish.
        let other = board("ur", None);
        let before = ask(&cache, &other);
        drop(Checking(&cache));
        cache.changed();
        cache.learned(1, before);
        assert!(matches!(cache.lookup(&page), Lookup::Read { .. }), "the kept page must not be trusted yet");
        drop(Checking(&cache));
        // Of two answers, the later question's wins, whichever comes back first.
        let (earlier, later) = (ask(&cache, &page), ask(&cache, &other));
        drop(Checking(&cache));
        cache.learned(5, later);
        cache.learned(4, earlier);
        assert_eq!(cache.lock().known.map(|(v, _, _)| v), Some(5));
        cache.keep(page.clone(), 5, Bytes::from_static(b"five"));
        assert!(matches!(cache.lookup(&page), Lookup::Fresh(b) if b == "five"));
        // A database restored from a backup goes back to an older version: believed.
        let restored = ask(&cache, &other);
        drop(Checking(&cache));
        cache.learned(2, restored);
        assert!(matches!(cache.lookup(&page), Lookup::Read { kept: Some((5, _)), .. }));
    }

    #[test]
    fn the_cache_never_holds_more_than_its_capacity_nor_more_than_one_page_per_view() {
        let cache = BoardCache::new(3, Duration::from_secs(60));
        for version in 0..50 {
            for page in [board("en", None), board("ur", None), board("en", Some("food-and-drink")), Shown::Feed] {
                cache.keep(page, version, Bytes::from(vec![b'x'; 1000]));
            }
        }
        assert_eq!(
            cache.lock().pages.len(),
            3,
            "one page per view, whatever the versions; the fourth view is not kept"
        );
        assert!(cache.lock().pages.values().all(|(v, _)| *v == 49));
    }
}
