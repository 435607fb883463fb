//! `/track`: a receipt code shows the themes its answers were grouped under
//! (only those a Youth Council reviewer confirmed) and what the partnership
//! published about them. Never the answers: a phone can be shared.
//!
//! A response that was routed to the safeguarding lead looks exactly like
//! one nobody has grouped yet ("still being read"); nothing on the page, in
//! its status or in how long it takes hints at the difference ([`find`]).
//!
//! # Guessing codes
//!
//! There are 512³ × 90 = 12,079,595,520 codes ([`ReceiptCode::SPACE`],
//! about 1.2 × 10¹⁰; three words from 512 and a number from 10 to 99). Each
//! client address may look up [`BURST`] codes at once, then one more every
//! [`REFILL_SECONDS`] seconds (120 an hour). Even with a million responses
//! stored, a random guess finds one about once in 12,000 tries: some
//! 100 hours of guessing from one address for one hit, and that hit shows
//! themes and published actions only, never answers. The code is posted,
//! never put in the URL, so it stays out of browser history and logs.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use diesel::prelude::*;
use maud::{Markup, html};

use super::store::{self, FullAction};
use super::{capitalise, error_message, error_summary, lang_field, picker, read_limited_form, theme_name, words_for};
use crate::db::DbConnection;
use crate::db::schema::{response_themes, responses};
use crate::respond::receipt::{ReceiptCode, ReceiptCodeError};
use crate::surveys::{Key, Registry, Words};
use crate::web::AppState;
use crate::web::throttle::Throttle;
use crate::web::{AppError, html as respond_html, in_read_transaction};

type State = web::Data<AppState>;

/// Lookups a client address may make at once.
pub const BURST: u32 = 10;
/// Then one more every this many seconds.
pub const REFILL_SECONDS: u64 = 30;

/// The throttle for `/track` (and, keyed apart, email sign-ups).
pub fn lookup_throttle() -> Throttle {
    Throttle::new(BURST, std::time::Duration::from_secs(REFILL_SECONDS))
}

/// What a code finds.
pub enum Found {
    /// No response has this code.
    Unknown,
    /// The confirmed themes (none yet: "still being read") and the
    /// published actions for them.
    Response { themes: Vec<String>, actions: Vec<FullAction> },
}

/// Looks a code up. Flagged responses answer like unreviewed ones.
///
/// Every code costs the same lookups, found or not, flagged or not, so that
/// how long the answer takes tells no more than the page: the response by
/// its code; its confirmed themes, which the same statement answers with
/// none for a flagged response (and an unknown code looks for those of the
/// id it would have: none either); and the published actions for those
/// themes. Only a response that shows its themes reads any rows for them.
pub fn find(conn: &mut DbConnection, code: &ReceiptCode, key: &[u8; 32]) -> QueryResult<Found> {
    let id = code.response_id(key);
    // By id; a response sent before migration 8 by its receipt hash.
    let found: Option<String> = crate::db::unique_row(
        responses::table
            .filter(responses::id.eq(&id))
            .or_filter(responses::legacy_receipt_hash.eq(code.lookup_hash(key)))
            .select(responses::id),
        conn,
    )?;
    let themes: Vec<String> = response_themes::table
        .inner_join(responses::table)
        .filter(response_themes::response_id.eq(found.as_ref().unwrap_or(&id)))
        .filter(response_themes::confirmed.eq(true))
        .filter(responses::concern.eq(false))
        .order(response_themes::theme_id)
        .select(response_themes::theme_id)
        .load(conn)?;
    let actions = store::published(conn, Some(&themes))?;
    Ok(match found {
        None => Found::Unknown,
        Some(_) => Found::Response { themes, actions },
    })
}

/// `GET /track` (`?lang=` picks the language).
pub async fn form(state: State, req: HttpRequest) -> Result<HttpResponse, AppError> {
    let w = words_for(&state.registry, &req, None);
    Ok(respond_html(StatusCode::OK, form_view(w, &state.registry, "", None)))
}

/// `POST /track` (the form posts to an address that carries `?lang=`, so
/// even the "please wait" page speaks the reader's language).
pub async fn lookup(state: State, req: HttpRequest, payload: web::Payload) -> Result<HttpResponse, AppError> {
    let form = read_limited_form(&state, &req, payload, "track").await?;
    let registry = &state.registry;
    let w = words_for(registry, &req, Some(&form));
    let typed = form.get("code").unwrap_or_default().to_owned();
    let code = match ReceiptCode::parse(&typed) {
        Ok(code) => code,
        Err(e) => return Ok(respond_html(StatusCode::BAD_REQUEST, form_view(w, registry, &typed, Some(problem(&e))))),
    };
    let key = state.settings.secret.receipt_key();
    let found = in_read_transaction(&state.db, move |conn| find(conn, &code, &key)).await?;
    Ok(match found {
        Found::Unknown => respond_html(StatusCode::NOT_FOUND, unknown_view(w, registry)),
        Found::Response { themes, actions } => {
            respond_html(StatusCode::OK, result_view(w, registry, &themes, &actions))
        }
    })
}

// ---- What people read: the words are in the catalogue (`[track]`). ----

fn problem(e: &ReceiptCodeError) -> Key {
    match e {
        ReceiptCodeError::Empty => Key::TrackCodeEmpty,
        ReceiptCodeError::WrongShape => Key::TrackCodeShape,
        ReceiptCodeError::UnknownWord => Key::TrackCodeWord,
        ReceiptCodeError::BadNumber => Key::TrackCodeNumber,
    }
}

fn form_view(w: Words<'_>, registry: &Registry, typed: &str, error: Option<Key>) -> Markup {
    let errors: Vec<(&str, Key)> = error.map(|e| ("code", e)).into_iter().collect();
    super::public_page(
        w,
        registry,
        &w.s(Key::TrackTitle),
        error.is_some(),
        html! {
            (picker(&w, registry, "/track", &[]))
            (error_summary(&w, &errors))
            form method="post" action=(w.href("/track")) novalidate {
                (lang_field(&w))
                div.question.has-error[error.is_some()] {
                    h1 { label for="code" { (w.t(Key::TrackHeading)) } }
                    p.hint #code-hint { (w.t(Key::TrackHint)) }
                    (error_message(&w, "code", error))
                    // Codes are English words and a number, typed left to right.
                    input.text #code name="code" type="text" value=(typed) dir="ltr" autocomplete="off" autocapitalize="characters" spellcheck="false"
                        aria-describedby={ "code-hint" @if error.is_some() { " code-error" } };
                }
                div.buttons { button.button type="submit" { (w.t(Key::TrackShowMe)) } }
            }
            p { (w.t(Key::TrackNeverAnswers)) }
            p { a href=(w.href("/you-said-we-did")) { (w.t(Key::TrackSeeAll)) } }
        },
    )
}

fn unknown_view(w: Words<'_>, registry: &Registry) -> Markup {
    super::titled_page(
        w,
        registry,
        Key::TrackUnknownTitle,
        html! {
            p { (w.t(Key::TrackUnknownCheck)) }
            p { (w.t(Key::TrackUnknownOk)) }
            p { a href=(w.href("/track")) { (w.t(Key::TrackTryAgain)) } }
            p { a href=(w.href("/you-said-we-did")) { (w.t(Key::TrackSeeAll)) } }
        },
    )
}

fn result_view(w: Words<'_>, registry: &Registry, themes: &[String], actions: &[FullAction]) -> Markup {
    let council = html! { (w.english(&capitalise(&registry.partnership.youth_council))) };
    super::titled_page(
        w,
        registry,
        Key::TrackResultTitle,
        html! {
            @if themes.is_empty() {
                p.lead { (w.t(Key::TrackStillReading)) }
                p { (w.fill(Key::TrackStillReadingMore, &[("council", council)])) }
            } @else {
                p { (w.t(Key::TrackGrouped)) }
                ul.plain.tracked-themes { @for t in themes { li { strong { (theme_name(&w, registry, t)) } } } }
                // No heading here: each answer below starts with its own h2.
                p.lead { (w.t(Key::TrackDid)) }
                @if actions.is_empty() {
                    p { (w.t(Key::TrackNothingYet)) }
                } @else {
                    @if !w.is_english() { p { (w.t(Key::BoardInEnglish)) } }
                    @for a in actions { (super::board::entry(&w, registry, a, false)) }
                }
            }
            p { a href=(w.href("/subscribe")) { (w.t(Key::BoardSubscribe)) } }
            p { a href=(w.href("/you-said-we-did")) { (w.t(Key::TrackSeeAll)) } }
        },
    )
}
