//! What every page shares: the layout, security headers, error pages, static
//! files and the access log.

pub mod assets;
pub mod client;
pub mod compress;
pub mod connections;
pub mod errors;
pub mod form;
pub mod headers;
pub mod lang;
pub mod layout;
pub mod state;
pub mod throttle;

pub use errors::AppError;
pub use state::AppState;

use actix_web::HttpResponse;
use actix_web::http::StatusCode;

/// A page as a response.
pub fn html(status: StatusCode, markup: maud::Markup) -> HttpResponse {
    HttpResponse::build(status).content_type("text/html; charset=utf-8").body(markup.into_string())
}

/// Waits until [`crate::limits::SAME_TIME`] has passed since `started`: for
/// answers whose time must not tell what they found.
pub async fn pad_to_same_time(started: std::time::Instant) {
    tokio::time::sleep_until((started + crate::limits::SAME_TIME).into()).await;
}

/// `303 See Other` to `to`: how a POST that changed something answers, so
/// reload and Back never repeat it.
pub fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((actix_web::http::header::LOCATION, to)).finish()
}

/// Post/redirect/get for a change to one stored thing that may not exist:
/// runs `change` as [`in_transaction`] does; when it answers `false` (no
/// such thing) the answer is 404, else `303 See Other` to `then`.
pub async fn change_then_see_other(
    db: &crate::db::Database,
    then: &str,
    change: impl FnOnce(&mut crate::db::DbConnection) -> diesel::QueryResult<bool> + Send + 'static,
) -> Result<HttpResponse, AppError> {
    if !in_transaction(db, change).await? {
        return Err(AppError::NotFound);
    }
    Ok(see_other(then))
}

/// Runs `f` in a write transaction on a pooled connection, off the async
/// threads: how a handler that changes something touches the database.
pub async fn in_transaction<T: Send + 'static>(
    db: &crate::db::Database,
    f: impl FnOnce(&mut crate::db::DbConnection) -> diesel::QueryResult<T> + Send + 'static,
) -> Result<T, AppError> {
    on_pooled_connection(db, move |conn| crate::db::write_transaction(conn, f)).await
}

/// Runs `f` in a read-only transaction ([`crate::db::read_transaction`]) on a
/// pooled connection, off the async threads: how a handler that only shows
/// what is stored touches the database, so it never takes the write lock.
pub async fn in_read_transaction<T: Send + 'static>(
    db: &crate::db::Database,
    f: impl FnOnce(&mut crate::db::DbConnection) -> diesel::QueryResult<T> + Send + 'static,
) -> Result<T, AppError> {
    on_pooled_connection(db, move |conn| crate::db::read_transaction(conn, f)).await
}

/// Runs `run` on a pooled connection on a blocking thread.
async fn on_pooled_connection<T: Send + 'static>(
    db: &crate::db::Database,
    run: impl FnOnce(&mut crate::db::DbConnection) -> diesel::QueryResult<T> + Send + 'static,
) -> Result<T, AppError> {
    let db = db.clone();
    actix_web::web::block(move || -> Result<T, AppError> {
        let mut conn = db.get()?;
        run(&mut conn).map_err(|e| AppError::from(crate::db::DbError::from(e)))
    })
    .await?
}
