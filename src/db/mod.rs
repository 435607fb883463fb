//! The database: one connection type over SQLite and PostgreSQL, chosen from
//! the URL, with migrations embedded in the binary and run on start.

/// Executes a query on whichever backend the connection is. Upserts and
/// multi-row inserts are not offered through the `MultiConnection`, so the
/// statements that need them name each backend here, in one place (the
/// macro is in scope for the modules declared below, and elsewhere as
/// `crate::db::on_backend`).
macro_rules! on_backend {
    ($conn:expr, $query:expr) => {
        match $conn {
            $crate::db::DbConnection::Sqlite(c) => $query.execute(c),
            $crate::db::DbConnection::Postgresql(c) => $query.execute(c),
        }
    };
}
pub(crate) use on_backend;

pub mod audit;
pub mod checkpoint;
pub mod daily;
pub mod schema;

use std::path::Path;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// A connection to either backend. Queries written once run on both;
/// anything backend-specific matches on this enum in one place.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgresql(PgConnection),
    Sqlite(SqliteConnection),
}

/// Which backend a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// `postgres://…` and `postgresql://…` are PostgreSQL; anything else is a
    /// SQLite file path, with or without `sqlite://`.
    pub fn of(url: &str) -> Backend {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }
}

pub type Pool = r2d2::Pool<Manager>;
pub type PooledConnection = r2d2::PooledConnection<Manager>;

/// Opens connections for the pool, for one backend only: a PostgreSQL URL
/// whose server is down must never fall back to creating a SQLite file.
#[derive(Debug, Clone)]
pub struct Manager {
    url: String,
    backend: Backend,
    sqlite_synchronous: SqliteSynchronous,
}

/// SQLite's `synchronous` setting. `Full` (the default) makes every commit
/// durable; `Normal` exists only so the benchmark can show what group commit
/// buys over it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SqliteSynchronous {
    #[default]
    Full,
    Normal,
}

impl Manager {
    fn new(url: &str, sqlite_synchronous: SqliteSynchronous) -> Manager {
        let backend = Backend::of(url);
        let url = match backend {
            Backend::Sqlite => url.strip_prefix("sqlite://").unwrap_or(url).to_owned(),
            Backend::Postgres => url.to_owned(),
        };
        Manager { url, backend, sqlite_synchronous }
    }

    /// A new connection with the durability settings the design asks for.
    pub fn open(&self) -> ConnectionResult<DbConnection> {
        match self.backend {
            Backend::Sqlite => {
                let mut conn = SqliteConnection::establish(&self.url)?;
                // WAL lets readers work while the writer commits; FULL makes a
                // commit durable before we thank anyone for their answers.
                let synchronous = match self.sqlite_synchronous {
                    SqliteSynchronous::Full => "FULL",
                    SqliteSynchronous::Normal => "NORMAL",
                };
                conn.batch_execute(&format!(
                    "PRAGMA busy_timeout = 10000;
                     PRAGMA journal_mode = WAL;
                     PRAGMA synchronous = {synchronous};
                     PRAGMA foreign_keys = ON;"
                ))
                .map_err(ConnectionError::CouldntSetupConfiguration)?;
                Ok(DbConnection::Sqlite(conn))
            }
            Backend::Postgres => {
                let mut conn = PgConnection::establish(&self.url)?;
                conn.batch_execute("SET synchronous_commit = on; SET TIME ZONE 'UTC';")
                    .map_err(ConnectionError::CouldntSetupConfiguration)?;
                Ok(DbConnection::Postgresql(conn))
            }
        }
    }
}

impl r2d2::ManageConnection for Manager {
    type Connection = DbConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConnection, r2d2::Error> {
        self.open().map_err(r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1").map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, _conn: &mut DbConnection) -> bool {
        false
    }
}

/// The pool and what it points at.
#[derive(Clone)]
pub struct Database {
    pub pool: Pool,
    pub backend: Backend,
    manager: Manager,
}

impl Database {
    /// Connects, creating the SQLite file (and its folder) when needed, and
    /// brings the schema up to date.
    pub fn connect(url: &str) -> Result<Database, DbError> {
        Database::connect_with(url, SqliteSynchronous::Full)
    }

    /// [`Database::connect`] with a chosen SQLite `synchronous` setting.
    pub fn connect_with(url: &str, sqlite_synchronous: SqliteSynchronous) -> Result<Database, DbError> {
        let manager = Manager::new(url, sqlite_synchronous);
        let backend = manager.backend;
        drop(Database::open_migrated(&manager)?);
        let dedicated = manager.clone();
        let pool = r2d2::Pool::builder()
            .max_size(match backend {
                Backend::Sqlite => 8,
                Backend::Postgres => 16,
            })
            .connection_timeout(Duration::from_secs(10))
            // A PostgreSQL connection can be cut by a server restart, so it is
            // checked before use; a SQLite file cannot, and the check (a query
            // on each checkout) would be a tenth of a page's cost.
            .test_on_check_out(backend == Backend::Postgres)
            .build(manager)
            .map_err(DbError::Setup)?;
        Ok(Database { pool, backend, manager: dedicated })
    }

    /// A connection from the pool.
    pub fn get(&self) -> Result<PooledConnection, DbError> {
        self.pool.get().map_err(DbError::Pool)
    }

    /// One connection to a migrated database with no pool beside it: for a
    /// seed that must have a SQLite file to itself (a pool's connections
    /// close in the background, and an open one keeps the file locked).
    pub fn open_alone(url: &str) -> Result<DbConnection, DbError> {
        Database::open_migrated(&Manager::new(url, SqliteSynchronous::Full))
    }

    /// Creates a SQLite file's folder, opens one connection and runs the
    /// migrations on it.
    fn open_migrated(manager: &Manager) -> Result<DbConnection, DbError> {
        if manager.backend == Backend::Sqlite {
            keep_sqlite_private(Path::new(&manager.url))?;
        }
        let mut first = manager.open()?;
        run_migrations(&mut first)?;
        Ok(first)
    }

    /// A connection of its own, outside the pool (for the writer). On SQLite
    /// it keeps up to 64 MB of pages (the default is 2 MB): the indexes a
    /// submission writes to are keyed by random values, and each page it
    /// must fetch again from the file is time the whole batch waits.
    pub fn open_dedicated(&self) -> Result<DbConnection, DbError> {
        let mut conn = self.manager.open()?;
        if let DbConnection::Sqlite(sqlite) = &mut conn {
            sqlite.batch_execute("PRAGMA cache_size = -65536;")?;
        }
        Ok(conn)
    }
}

/// A SQLite database holds every answer, so its folder (when missing) is
/// made 0700 and the file itself, with its `-wal` and `-shm` files, is the
/// owner's alone: made 0600 before SQLite first opens it (the other two
/// copy its mode), and made so if an older install left it open to others.
/// An in-memory database or a `file:` URI is left to SQLite.
fn keep_sqlite_private(path: &Path) -> Result<(), DbError> {
    if path.as_os_str() == ":memory:" || path.to_string_lossy().starts_with("file:") {
        return Ok(());
    }
    let file_error = |source| DbError::Folder { path: path.to_owned(), source };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        crate::private_files::create_folder(dir).map_err(|source| DbError::Folder { path: dir.to_owned(), source })?;
    }
    crate::private_files::create_if_missing(path).map_err(file_error)?;
    for suffix in ["", "-wal", "-shm"] {
        let file = std::path::PathBuf::from(format!("{}{suffix}", path.display()));
        match crate::private_files::make_private(&file) {
            Ok(Some(was)) => {
                tracing::info!(file = %file.display(), was = format!("{was:o}"), "made the database file private (mode 0600)")
            }
            Ok(None) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => return Err(DbError::Folder { path: file, source }),
        }
    }
    Ok(())
}

/// The row a lookup by a unique key finds, if any: for statements that run
/// on every request or submission, instead of diesel's `first()`. `first()`
/// binds its `LIMIT 1` as a parameter, and SQLite (3.50, which we bundle)
/// reads a bound LIMIT while planning, so binding it again makes the cached
/// statement stale: every run parsed and planned it anew. A unique key
/// needs no limit.
pub fn unique_row<'q, Q, T>(query: Q, conn: &mut DbConnection) -> QueryResult<Option<T>>
where
    Q: RunQueryDsl<DbConnection> + diesel::query_dsl::LoadQuery<'q, DbConnection, T>,
{
    Ok(query.load(conn)?.into_iter().next())
}

/// A transaction that will write. SQLite starts transactions deferred: one
/// that reads and then writes fails at once (`SQLITE_BUSY_SNAPSHOT`) if
/// another connection wrote in between, whatever the busy timeout. Taking
/// the write lock with the first statement (an update that matches no row)
/// makes it wait its turn instead, like `BEGIN IMMEDIATE`.
pub fn write_transaction<T>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> diesel::QueryResult<T>,
) -> diesel::QueryResult<T> {
    conn.transaction(|conn| {
        if let DbConnection::Sqlite(sqlite) = conn {
            sqlite.batch_execute("UPDATE outbox SET attempts = attempts WHERE 0")?;
        }
        f(conn)
    })
}

/// A transaction that only reads, for every page that shows what is stored:
/// it never takes the write lock, so no flood of readers can make the
/// writer that stores children's answers wait.
///
/// On SQLite it is a deferred `BEGIN`: a reader, which in WAL mode works
/// beside the writer on a snapshot of the last commit. `query_only` is on
/// for its length, so a write inside it fails instead of quietly taking the
/// write lock. On PostgreSQL it is `BEGIN READ ONLY`, which refuses writes
/// the same way.
pub fn read_transaction<T>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> diesel::QueryResult<T>,
) -> diesel::QueryResult<T> {
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    match conn {
        DbConnection::Sqlite(sqlite) => {
            sqlite.batch_execute("PRAGMA query_only = ON")?;
            if let Err(e) = DbConnection::begin_transaction(conn) {
                writable_again(conn)?;
                return Err(e);
            }
        }
        DbConnection::Postgresql(pg) => AnsiTransactionManager::begin_transaction_sql(pg, "BEGIN READ ONLY")?,
    }
    // Ended, and SQLite's connection writable again, whatever `f` does (even
    // panic): the connection goes back to the pool for the next request.
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(conn)));
    let ended = match &result {
        Ok(Ok(_)) => DbConnection::commit_transaction(conn),
        _ => DbConnection::rollback_transaction(conn),
    };
    let writable = writable_again(conn);
    let value = result.unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
    ended?;
    writable?;
    Ok(value)
}

/// Turns SQLite's `query_only` off after a [`read_transaction`].
fn writable_again(conn: &mut DbConnection) -> diesel::QueryResult<()> {
    match conn {
        DbConnection::Sqlite(sqlite) => sqlite.batch_execute("PRAGMA query_only = OFF"),
        DbConnection::Postgresql(_) => Ok(()),
    }
}

/// Applies any migrations not yet applied.
pub fn run_migrations(conn: &mut DbConnection) -> Result<(), DbError> {
    let result = match conn {
        DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|_| ()),
        DbConnection::Postgresql(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS).map(|_| ()),
    };
    result.map_err(DbError::Migration)
}

/// What can go wrong talking to the database. Each keeps its cause, for
/// the log's chain.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// A SQLite file, or its folder, could not be made or made private.
    #[error("database setup: cannot create {} or make it private: {source}", .path.display())]
    Folder { path: std::path::PathBuf, source: std::io::Error },
    #[error("database setup: {0}")]
    Connect(#[from] ConnectionError),
    /// The pool could not be built.
    #[error("database setup: {0}")]
    Setup(#[source] r2d2::PoolError),
    #[error("database migration: {0}")]
    Migration(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error("no database connection: {0}")]
    Pool(#[from] r2d2::PoolError),
    #[error("database: {0}")]
    Query(#[from] diesel::result::Error),
}
