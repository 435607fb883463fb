//! One error type for the app. What a person reads is kept apart from what
//! is logged; every error page is drawn by the same layout as the rest.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, ResponseError, web};
use maud::html;

use super::layout::{Page, page};
use crate::cause::Chain;
use crate::surveys::Key;

/// Something went wrong; `Display` is the log line, never shown.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    /// The request can't be used; the message is for the person (staff
    /// pages, in English).
    #[error("bad request: {0}")]
    BadRequest(String),
    /// The request can't be used; the message, from the catalogue, is for
    /// the person, in the page's language.
    #[error("bad request: {0:?}")]
    Unusable(Key),
    #[error("request body too large")]
    TooLarge,
    /// Signed in, but this needs a role the person does not have.
    #[error("forbidden")]
    Forbidden,
    /// A rate limit was reached.
    #[error("too many requests")]
    TooMany,
    /// A part we depend on is down (the database, the writer).
    #[error("unavailable: {0}")]
    Unavailable(#[source] Cause),
    /// Our own fault: the underlying error, or a message when there is none.
    #[error("internal: {0}")]
    Internal(#[source] Cause),
}

/// What an [`AppError`] was caused by, kept whole for the log: the error
/// itself, not its words, so every cause behind it is still there.
pub type Cause = Box<dyn std::error::Error + Send + Sync>;

/// What an error page says, carried from the handler to [`error_pages`]:
/// catalogue keys, drawn in the page's language.
#[derive(Clone)]
pub struct ErrorPage {
    pub heading: Key,
    pub message: ErrorMessage,
}

/// The body of an error page.
#[derive(Clone)]
pub enum ErrorMessage {
    Key(Key),
    /// Words written in code for staff, in English.
    English(String),
}

impl AppError {
    /// A part we depend on failed (503); `cause` is logged, never shown.
    pub fn unavailable(cause: impl Into<Cause>) -> AppError {
        AppError::Unavailable(cause.into())
    }

    /// Something failed on our side (500); `cause` is logged, never shown.
    /// A `&str` or `String` does for a message with no error behind it.
    pub fn internal(cause: impl Into<Cause>) -> AppError {
        AppError::Internal(cause.into())
    }

    fn words(&self) -> ErrorPage {
        use ErrorMessage::Key as K;
        let (heading, message) = match self {
            AppError::NotFound => (Key::ErrorNotFoundHeading, K(Key::ErrorNotFound)),
            AppError::BadRequest(message) => (Key::ErrorBadRequestHeading, ErrorMessage::English(message.clone())),
            AppError::Unusable(key) => (Key::ErrorBadRequestHeading, K(*key)),
            AppError::TooLarge => (Key::ErrorTooLargeHeading, K(Key::ErrorTooLarge)),
            AppError::Forbidden => (Key::ErrorForbiddenHeading, K(Key::ErrorForbidden)),
            AppError::TooMany => (Key::ErrorTooManyHeading, K(Key::ErrorTooMany)),
            AppError::Unavailable(_) | AppError::Internal(_) => (Key::ErrorOurSideHeading, K(Key::ErrorOurSide)),
        };
        ErrorPage { heading, message }
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) | AppError::Unusable(_) => StatusCode::BAD_REQUEST,
            AppError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Forbidden => StatusCode::FORBIDDEN,
            AppError::TooMany => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if matches!(self, AppError::Unavailable(_) | AppError::Internal(_)) {
            crate::hour_log::failure(Chain(self));
        }
        let mut res = HttpResponse::new(self.status_code());
        res.extensions_mut().insert(self.words());
        res
    }
}

impl From<crate::db::DbError> for AppError {
    fn from(e: crate::db::DbError) -> AppError {
        AppError::unavailable(e)
    }
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(e: actix_web::error::BlockingError) -> AppError {
        AppError::internal(e)
    }
}

/// Turns any error response that is not already a page (from [`AppError`],
/// or from actix itself: an unknown route, a wrong method) into a calm page
/// in the usual layout, in the language the page's address asks for
/// (`?lang=`: respondent forms post to an address that carries it).
pub async fn error_pages(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let state = req.app_data::<web::Data<super::AppState>>().cloned();
    let lang = super::lang::query_lang(req.query_string());
    // Middleware inside this one answers errors as responses (never `Err`),
    // so every error passes through here; handlers' errors already do.
    let res = next.call(req).await?;
    let status = res.status();
    // A refusal for asking too much or too often is answered after a pause
    // (see `REFUSAL_PAUSE`), so that a flood costs next to nothing.
    if matches!(status, StatusCode::TOO_MANY_REQUESTS | StatusCode::PAYLOAD_TOO_LARGE)
        && let Some(state) = &state
        && !state.settings.timeouts.refusal.is_zero()
    {
        tokio::time::sleep(state.settings.timeouts.refusal).await;
    }
    let is_page = res.headers().get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    if !(status.is_client_error() || status.is_server_error()) || is_page {
        return Ok(res.map_into_left_body());
    }
    let Some(state) = state else { return Ok(res.map_into_left_body()) };
    let words = res.response().extensions().get::<ErrorPage>().cloned().unwrap_or_else(|| {
        let error = match status {
            StatusCode::NOT_FOUND => AppError::NotFound,
            StatusCode::PAYLOAD_TOO_LARGE => AppError::TooLarge,
            StatusCode::FORBIDDEN => AppError::Forbidden,
            StatusCode::TOO_MANY_REQUESTS => AppError::TooMany,
            s if s.is_client_error() => AppError::Unusable(Key::ErrorUnreadableRequest),
            _ => AppError::internal(status.to_string()),
        };
        error.words()
    });
    let partnership = &state.registry.partnership;
    let catalogue = &state.registry.catalogue;
    let w = super::lang::chosen(catalogue, lang.as_deref())
        .unwrap_or_else(|| catalogue.words(crate::surveys::catalogue::ENGLISH));
    let heading = w.s(words.heading);
    let markup = page(
        &Page::new(&heading, partnership).in_words(w),
        html! {
            h1 { (w.t(words.heading)) }
            p {
                @match &words.message {
                    ErrorMessage::Key(key) => (w.t(*key)),
                    ErrorMessage::English(message) => (w.english(message)),
                }
            }
            p { a.start-link href=(w.href("/")) { (w.t(Key::ErrorGoToStart)) } }
        },
    );
    let (req, _) = res.into_parts();
    let mut page_res = HttpResponse::build(status);
    page_res.insert_header((header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8")));
    Ok(ServiceResponse::new(req, page_res.body(markup.into_string())).map_into_right_body())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::DbError;

    #[derive(Debug, thiserror::Error)]
    #[error("the disk is full")]
    struct DiskFull;

    #[derive(Debug, thiserror::Error)]
    #[error("could not write the journal")]
    struct JournalWrite(#[source] DiskFull);

    use crate::hour_log::logged;

    fn shows_our_side_page(error: &AppError) -> bool {
        let words = error.words();
        words.heading == Key::ErrorOurSideHeading && matches!(words.message, ErrorMessage::Key(Key::ErrorOurSide))
    }

    #[test]
    fn the_log_gets_every_cause_and_the_person_the_same_calm_page() {
        let internal = AppError::internal(JournalWrite(DiskFull));
        assert_eq!(Chain(&internal).to_string(), "internal: could not write the journal: the disk is full");
        assert_eq!(internal.status_code(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(shows_our_side_page(&internal));

        // DbError repeats its cause's words: the chain says them once.
        let unavailable = AppError::from(DbError::Migration(Box::new(JournalWrite(DiskFull))));
        assert_eq!(
            Chain(&unavailable).to_string(),
            "unavailable: database migration: could not write the journal: the disk is full"
        );
        assert_eq!(unavailable.status_code(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(shows_our_side_page(&unavailable));

        let log = logged(|| {
            let res = unavailable.error_response();
            assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
        });
        assert!(log.contains("request failed"), "{log}");
        assert!(log.contains("database migration: could not write the journal: the disk is full"), "{log}");
    }

    #[test]
    fn a_message_alone_is_logged_once() {
        let error = AppError::internal("no app state");
        assert_eq!(Chain(&error).to_string(), "internal: no app state");
        assert!(shows_our_side_page(&error));
    }
}
