//! Listening Loop: hear children, parents and practitioners, and show them
//! what changed because they spoke.
//!
//! # Layout
//!
//! The folders follow the loop the data goes round, and each imports only
//! what stands below it here (`lib.rs` builds the app from all of them):
//!
//! ```text
//! review/ publish/   the Youth Council's themes, the lead's queue, the dashboard;
//!                    "We did", the board, its feed, /track, subscriptions
//! staff/             accounts, sessions, the access check on every staff route
//! respond/           the respondent journey, and the writer that stores what is sent
//! web/               what every stage's pages share: state, form reader, language,
//!                    layout, error pages, headers, compression, static files
//! surveys/ config.rs survey files, themes, words in every language; settings
//! anonymise/ mail/   scrub, flag, suppress, retention; the outbox and its sender
//! db/                connection, schema, daily tallies, the audit log
//! cause.rs random.rs an error's causes on one line; random bytes and ids;
//! hour_log.rs        what the public does, logged by the hour
//! private_files.rs   folders and files only the service's user may open
//! limits.rs          what one client may cost: timeouts, sizes, requests
//! ```
//!
//! Inside a stage folder:
//! - `mod.rs` declares the stage's routes once: `routes()` for public pages,
//!   `STAFF_ROUTES` (each with who may use it) for staff pages; and the state
//!   its handlers reach, where they need more than [`web::AppState`].
//! - The stage's own pages are split in three: `pages.rs` (handlers: parse,
//!   call, render), `views.rs` (maud functions), `store.rs` (queries).
//! - A smaller family of pages is one file named for it, in the same order:
//!   handlers, then views, then queries (`review/links.rs`, `publish/track.rs`).
//! - Logic with no request in it is a file named for what it does, unit-tested
//!   beside it (`respond/journey.rs`, `respond/receipt.rs`, `review/charts.rs`).

pub mod anonymise;
pub mod cause;
pub mod cli;
pub mod config;
pub mod db;
pub mod hour_log;
pub mod limits;
pub mod mail;
pub mod private_files;
pub mod publish;
pub mod random;
pub mod respond;
pub mod review;
pub mod staff;
pub mod surveys;
pub mod web;

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::web::Data;
use actix_web::{App, HttpServer};

use cause::Chain;
use config::Settings;
use db::Database;
use respond::state::DraftSeal;
use respond::store::Writer;
use surveys::Registry;
use web::AppState;
use web::throttle::Throttle;

/// A built, bound, not yet running service.
pub struct Application {
    port: u16,
    server: Server,
    writer: Writer,
}

impl Application {
    /// Loads the surveys, connects to the database (migrating it), starts the
    /// writer and binds the listener. Fails early, with a reason, on any of it.
    pub fn build(settings: Settings) -> Result<Application, StartError> {
        let staff_routes = staff_routes().map_err(StartError::Routes)?;
        hour_log::start_hourly();
        keep_data_folder_private(&settings.data_dir)?;
        let mut registry = Registry::load(&settings.surveys_dir).map_err(StartError::Surveys)?;
        for line in registry.partnership.not_ready() {
            tracing::warn!("not ready to go live: {line}");
        }
        registry.catalogue.strict = settings.strict_translations;
        let registry = Arc::new(registry);
        let db = Database::connect_with(&settings.database_url, settings.sqlite_synchronous)?;
        let measured = registry.measured_questions();
        {
            let mut conn = db.get()?;
            if db::daily::recount_if_pending(&mut conn, &measured).map_err(db::DbError::from)? {
                tracing::info!("counted the stored responses for the dashboard");
            }
        }
        let alerts = review::safeguarding::LeadAlerts::new(
            &settings.base_url,
            settings.alert_digest,
            settings.flagged_sends_per_hour,
        );
        let keys = respond::store::WriterKeys {
            receipt_key: settings.secret.receipt_key(),
            on_concern: alerts.hook(),
            measured,
            shard: {
                let mut byte = [0u8];
                random::random_bytes(&mut byte);
                i32::from(byte[0]) % db::daily::SHARDS
            },
        };
        let writer = Writer::start(db.clone(), keys, settings.writer_max_batch);
        let transport =
            mail::transport::Transport::new(settings.smtp_url.as_deref(), settings.data_dir.join("outbox"))?;
        let from = settings.mail_from.parse().map_err(StartError::MailFrom)?;
        mail::worker::MailWorker {
            db: db.clone(),
            transport,
            from,
            poll: settings.mail_poll,
            retry_base: settings.mail_retry_base,
        }
        .spawn();
        spawn_daily_purge(db.clone(), settings.retention_days);
        alerts.spawn(db.clone(), settings.mail_poll);
        let listener = TcpListener::bind(&settings.bind).map_err(|e| StartError::Bind(settings.bind.clone(), e))?;
        let port = listener.local_addr().map_err(|e| StartError::Bind(settings.bind.clone(), e))?.port();
        let https = settings.base_url.starts_with("https://");
        let respondents = Data::new(respond::Respondents {
            page_limits: respond::page_limits::PageLimits::for_registry(&registry),
            registry: registry.clone(),
            db: db.clone(),
            writer: writer.clone(),
            seal: DraftSeal::new(settings.secret.derive("respondent drafts")),
            receipt_key: settings.secret.receipt_key(),
            retention_days: settings.retention_days,
            // A whole school behind one address answers at once: the default
            // 6,000 page posts a minute (with a burst as large) is room for
            // hundreds of children, and still stops one client flooding us.
            throttle: (settings.respondent_posts_per_minute > 0).then(|| {
                let per_minute = settings.respondent_posts_per_minute;
                Throttle::new(per_minute, std::time::Duration::from_secs(60) / per_minute)
            }),
            flagged_throttle: (settings.flagged_sends_per_hour > 0).then(|| {
                let per_hour = settings.flagged_sends_per_hour;
                Throttle::new(per_hour, std::time::Duration::from_secs(3600) / per_hour)
            }),
        });
        let staff = Data::new(staff::StaffState {
            registry: registry.clone(),
            db: db.clone(),
            settings: settings.clone(),
            sessions: staff::session::Sessions::new(settings.secret.derive("staff sessions"), https),
            // Ten failed tries, then one more every 90 seconds.
            signin_throttle: Throttle::new(10, std::time::Duration::from_secs(90)),
            routes: staff_routes,
        });
        let board = Data::new(publish::board::cache(&registry));
        let timeouts = settings.timeouts;
        let request_throttle = (settings.requests_per_minute > 0).then(|| {
            let per_minute = settings.requests_per_minute;
            Throttle::new(per_minute, std::time::Duration::from_secs(60) / per_minute)
        });
        let state = Data::new(AppState {
            registry,
            db,
            https,
            lookup_throttle: publish::track::lookup_throttle(),
            request_throttle,
            settings,
        });
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .app_data(respondents.clone())
                .app_data(staff.clone())
                .app_data(board.clone())
                .wrap(from_fn(web::throttle::limit_requests))
                .wrap(from_fn(web::errors::error_pages))
                .wrap(from_fn(web::headers::security_headers))
                .wrap(from_fn(web::compress::compress_pages))
                .wrap(from_fn(web::headers::access_log))
                .wrap(from_fn(web::connections::track_requests))
                .route("/static/{name}", actix_web::web::get().to(web::assets::serve))
                .route("/healthz", actix_web::web::get().to(healthz))
                .configure(respond::routes)
                .configure(publish::routes)
                .configure(|cfg| staff.routes.register(cfg))
        })
        .on_connect(move |conn, extensions| {
            if let Some(tcp) = conn.downcast_ref::<actix_web::rt::net::TcpStream>() {
                // Without it, every compressed response after the first on a
                // keep-alive connection waits ~40 ms for Nagle's algorithm.
                let _ = tcp.set_nodelay(true);
                web::connections::watch(tcp, extensions, timeouts.keep_alive + timeouts.header);
            }
        })
        // How long and how many, so no client can hold the service (see
        // `limits`; a body's own deadline is in `Form::read`).
        .client_request_timeout(timeouts.header)
        .keep_alive(timeouts.keep_alive)
        .client_disconnect_timeout(limits::DISCONNECT_TIMEOUT)
        .max_connections(limits::MAX_CONNECTIONS_PER_WORKER)
        .listen(listener)
        .map_err(|e| StartError::Bind("listener".into(), e))?
        .run();
        Ok(Application { port, server, writer })
    }

    /// The port bound (useful with `BIND=127.0.0.1:0`).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The writer of responses, for tests that ask it to mix what it stored
    /// ([`Writer::mix_now`]) rather than wait for the hour.
    pub fn writer(&self) -> Writer {
        self.writer.clone()
    }

    /// Serves until the process is stopped.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// Every stage's staff routes, gathered: what is registered under
/// `/staff`, what the access check reads, and what the route × role test walks.
pub fn staff_routes() -> Result<staff::access::StaffRoutes, String> {
    staff::access::StaffRoutes::new(&[staff::STAFF_ROUTES, review::STAFF_ROUTES, publish::STAFF_ROUTES])
}

/// The data folder holds the database and the outbox's emails: it is the
/// service's user's alone. One an older install made as the umask had it
/// (often 0755) is closed to others; a new one is made 0700 by whatever
/// first needs it, the SQLite database or the file outbox.
fn keep_data_folder_private(folder: &std::path::Path) -> Result<(), StartError> {
    if folder.is_dir() {
        private_files::own_folder(folder).map_err(|e| StartError::DataFolder(folder.to_owned(), e))?;
    }
    Ok(())
}

/// Deletes old free text, email sign-ups never confirmed, and staff links
/// long expired, at start and then once a day. Several instances may each do it: both are idempotent.
fn spawn_daily_purge(db: Database, retention_days: u32) {
    tokio::spawn(async move {
        loop {
            let db = db.clone();
            let done = tokio::task::spawn_blocking(move || -> Result<_, db::DbError> {
                let mut conn = db.get()?;
                let today = chrono::Utc::now().date_naive();
                let purged = anonymise::retention::purge_free_text(&mut conn, today, retention_days);
                publish::subscriptions::forget_unconfirmed(&mut conn)?;
                staff::store::forget_spent_tokens(&mut conn)?;
                Ok(purged?)
            })
            .await;
            match done {
                Ok(Ok(purged)) => {
                    tracing::info!(written = purged.written_answers, quotes = purged.quotes, "retention purge")
                }
                Ok(Err(e)) => tracing::warn!(error = %Chain(&e), "retention purge failed; will try again tomorrow"),
                Err(e) => tracing::warn!(error = %e, "retention purge stopped"),
            }
            tokio::time::sleep(std::time::Duration::from_secs(24 * 3600)).await;
        }
    });
}

/// `GET /healthz`: the process is up, for load balancers. Deliberately
/// touches nothing else, so it doubles as the benchmark's bare handler.
async fn healthz() -> &'static str {
    "ok"
}

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("the surveys have mistakes:\n{}", .0.iter().map(|e| format!("  {e}")).collect::<Vec<_>>().join("\n"))]
    Surveys(Vec<surveys::SurveyError>),
    #[error(transparent)]
    Database(#[from] db::DbError),
    #[error("mail: {0}")]
    Mail(#[from] mail::transport::SetupError),
    #[error("mail: MAIL_FROM is not usable: {0}")]
    MailFrom(#[source] lettre::address::AddressError),
    #[error("the staff routes: {0}")]
    Routes(String),
    #[error("cannot listen on {0}: {1}")]
    Bind(String, #[source] std::io::Error),
    #[error("cannot make the data folder {0} private: {1}")]
    DataFolder(std::path::PathBuf, #[source] std::io::Error),
}
