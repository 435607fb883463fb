//! `/track`: a receipt code shows the themes its answers were grouped under
//! (only those a Youth Council reviewer confirmed) and what the partnership
//! published about them. Never the answers: a phone can be shared.
//!
//! A response that was routed to the safeguarding lead looks exactly like
//! one nobody has grouped yet ("still being read"); nothing on the page or
//! in its status hints at the difference.
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

use super::actions::{self, FullAction};
use crate::AppState;
use crate::db::DbConnection;
use crate::db::schema::{response_themes, responses};
use crate::respond::form::Form;
use crate::respond::receipt::ReceiptCode;
use crate::staff::views::error_summary;
use crate::surveys::Registry;
use crate::web::throttle::{Throttle, client_key};
use crate::web::{AppError, html as respond_html, in_transaction};

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
pub fn find(conn: &mut DbConnection, code: &ReceiptCode, key: &[u8; 32]) -> QueryResult<Found> {
    let row: Option<(String, bool)> = responses::table
        .filter(responses::receipt_hash.eq(code.lookup_hash(key)))
        .select((responses::id, responses::concern))
        .first(conn)
        .optional()?;
    let Some((id, flagged)) = row else { return Ok(Found::Unknown) };
    if flagged {
        return Ok(Found::Response { themes: Vec::new(), actions: Vec::new() });
    }
    let themes: Vec<String> = response_themes::table
        .filter(response_themes::response_id.eq(&id))
        .filter(response_themes::confirmed.eq(true))
        .order(response_themes::theme_id)
        .select(response_themes::theme_id)
        .load(conn)?;
    let actions = if themes.is_empty() { Vec::new() } else { actions::published(conn, Some(&themes))? };
    Ok(Found::Response { themes, actions })
}

/// `GET /track`
pub async fn form(state: State) -> Result<HttpResponse, AppError> {
    Ok(respond_html(StatusCode::OK, form_view(&state.registry, "", None)))
}

/// `POST /track`
pub async fn lookup(state: State, req: HttpRequest, payload: web::Payload) -> Result<HttpResponse, AppError> {
    let form = Form::read(payload).await?;
    if !state.lookup_throttle.hit(&format!("track {}", client_key(&req))) {
        return Err(AppError::TooMany);
    }
    let typed = form.get("code").unwrap_or_default().to_owned();
    let code = match ReceiptCode::parse(&typed) {
        Ok(code) => code,
        Err(e) => {
            return Ok(respond_html(StatusCode::BAD_REQUEST, form_view(&state.registry, &typed, Some(&e.to_string()))));
        }
    };
    let key = state.settings.secret.receipt_key();
    let found = in_transaction(&state.db, move |conn| find(conn, &code, &key)).await?;
    Ok(match found {
        Found::Unknown => respond_html(StatusCode::NOT_FOUND, unknown_view(&state.registry)),
        Found::Response { themes, actions } => {
            respond_html(StatusCode::OK, result_view(&state.registry, &themes, &actions))
        }
    })
}

// ---- What people read. All the English of these pages is below. ----

fn form_view(registry: &Registry, typed: &str, error: Option<&str>) -> Markup {
    let errors: Vec<(&str, String)> = error.map(|e| ("code", e.to_owned())).into_iter().collect();
    super::public_page(
        registry,
        "See what happened",
        error.is_some(),
        html! {
            (error_summary(&errors))
            form method="post" action="/track" novalidate {
                div.question.has-error[error.is_some()] {
                    h1 { label for="code" { "See what happened to your answers" } }
                    p.hint #code-hint { "Type the receipt code you got when you sent your answers. It has three words and a number, like MAPLE-OTTER-RIVER-73. Capitals and dashes don't matter." }
                    @if let Some(e) = error { p.error-message #code-error { span.visually-hidden { "Error: " } (e) } }
                    input.text #code name="code" type="text" value=(typed) autocomplete="off" autocapitalize="characters" spellcheck="false"
                        aria-describedby={ "code-hint" @if error.is_some() { " code-error" } };
                }
                div.buttons { button.button type="submit" { "Show me" } }
            }
            p { "We'll show which themes your answers were grouped under and what the partnership did. We never show your answers." }
            p { a href="/you-said-we-did" { "See everything we did" } }
        },
    )
}

fn unknown_view(registry: &Registry) -> Markup {
    super::public_page(
        registry,
        "We can't find that code",
        false,
        html! {
            h1 { "We can't find that code" }
            p { "Please check the code and try again. A letter or number may be different from your receipt." }
            p { "If you still can't find it, that's OK. You can see everything the partnership did on the board." }
            p { a href="/track" { "Try again" } }
            p { a href="/you-said-we-did" { "See everything we did" } }
        },
    )
}

fn result_view(registry: &Registry, themes: &[String], actions: &[FullAction]) -> Markup {
    let name = |id: &str| registry.theme(id).map(|t| t.name.clone()).unwrap_or_else(|| id.to_owned());
    super::public_page(
        registry,
        "What happened to your answers",
        false,
        html! {
            h1 { "What happened to your answers" }
            @if themes.is_empty() {
                p.lead { "Your answers are still being read." }
                p { "The Youth Council reads every answer and groups it with others about the same thing. Come back in a few weeks to see what your answers were grouped under and what the partnership did." }
            } @else {
                p { "Your answers were grouped with other people's answers about:" }
                ul.plain.tracked-themes { @for t in themes { li { strong { (name(t)) } } } }
                // No heading here: each answer below starts with its own h2.
                p.lead { "What the partnership did about them:" }
                @if actions.is_empty() {
                    p { "Nothing has been published about these yet. The partnership answers every theme young people raise, so please come back later." }
                } @else {
                    @for a in actions { (super::board::entry(registry, a, false)) }
                }
            }
            p { a href="/subscribe" { "Email me when something changes" } }
            p { a href="/you-said-we-did" { "See everything we did" } }
        },
    )
}
