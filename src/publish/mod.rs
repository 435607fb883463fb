//! Publish: the sub-group's "We did" answers to the Youth Council's "You
//! said" ([`pages`], [`views`], [`store`]), the public board and its Atom feed ([`board`],
//! [`feed`], kept in memory between publications by [`cache`]), what a
//! receipt code shows ([`track`]), email when something changes
//! ([`subscriptions`]), and how well the loop is closing ([`measures`]).
//!
//! Every word a child or parent reads on these public pages (and in the
//! subscriber emails) is in the message catalogue (`surveys/lang/*.toml`),
//! in the reader's language. What staff write (the "You said" and "We did"
//! statements, the agency, theme names) is in English, and marked
//! `lang="en"` on a page in another language.

pub mod board;
pub mod cache;
pub mod feed;
pub mod measures;
pub mod pages;
pub mod store;
pub mod subscriptions;
pub mod track;
pub mod views;

use actix_web::{HttpRequest, web};
use maud::{Markup, html};

use self::store::Status;
use crate::limits::PUBLIC_FORM;
use crate::staff::access::{ADMIN, Declared, PUBLISHES};
use crate::surveys::{Key, Registry, Words};
use crate::web::form::Form;
use crate::web::layout::{Page, language_picker, page};
use crate::web::throttle::client_key;
use crate::web::{AppError, AppState};

/// The sub-group's staff pages, for writing and publishing "We did".
pub const STAFF_ROUTES: &[Declared] = &[
    Declared::get("/staff/actions", PUBLISHES, |r| r.to(pages::list)),
    Declared::post("/staff/actions", PUBLISHES, |r| r.to(pages::create)),
    Declared::get("/staff/actions/new", PUBLISHES, |r| r.to(pages::new_form)),
    Declared::get("/staff/actions/{id}", PUBLISHES, |r| r.to(pages::edit_form)),
    Declared::post("/staff/actions/{id}", PUBLISHES, |r| r.to(pages::save)),
    Declared::post("/staff/actions/{id}/unpublish", ADMIN, |r| r.to(pages::unpublish)),
];

/// The public routes: the board and its feed, `/track`, and email sign-up.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/you-said-we-did", web::get().to(board::board))
        .route("/you-said-we-did/feed.atom", web::get().to(feed::feed))
        .route("/track", web::get().to(track::form))
        .route("/track", web::post().to(track::lookup))
        .route("/subscribe", web::get().to(subscriptions::form))
        .route("/subscribe", web::post().to(subscriptions::subscribe))
        .route("/subscribe/confirm/{token}", web::get().to(subscriptions::confirm_form))
        .route("/subscribe/confirm/{token}", web::post().to(subscriptions::confirm))
        .route("/unsubscribe/{token}", web::get().to(subscriptions::unsubscribe_form))
        .route("/unsubscribe/{token}", web::post().to(subscriptions::unsubscribe));
}

/// The words of a public page: the language its address asks for (the
/// picker, and every link and form here, carry it), else a form's hidden
/// `lang` field, else the best the browser asks for, else English.
pub fn words_for<'a>(registry: &'a Registry, req: &HttpRequest, form: Option<&Form>) -> Words<'a> {
    crate::web::lang::words_for(&registry.catalogue, req, form)
}

/// Reads a public form whose posting is limited per client: looking up a
/// receipt code, or signing up (which sends mail). `what` names the limit's
/// count, so the two are counted apart.
pub async fn read_limited_form(
    state: &AppState,
    req: &HttpRequest,
    payload: web::Payload,
    what: &str,
) -> Result<Form, AppError> {
    let form = Form::read(req, payload, PUBLIC_FORM).await?;
    if !state.lookup_throttle.hit(&format!("{what} {}", client_key(req))) {
        return Err(AppError::TooMany);
    }
    Ok(form)
}

/// A public page of this stage in the shared layout and the reader's
/// language, with the board's own small stylesheet (and its print poster).
/// The layout's head is not ours to change; a stylesheet link in the body
/// is allowed, and applied.
pub fn public_page(w: Words<'_>, registry: &Registry, title: &str, has_error: bool, content: Markup) -> Markup {
    let css = crate::web::assets::url("board.css");
    page(
        &Page::new(title, &registry.partnership).with_error(has_error).in_words(w),
        html! { link rel="stylesheet" href=(css); (content) },
    )
}

/// A public page with nothing to correct whose heading is its title: the
/// short pages of tracking and subscribing.
pub fn titled_page(w: Words<'_>, registry: &Registry, title: Key, content: Markup) -> Markup {
    public_page(w, registry, &w.s(title), false, html! { h1 { (w.t(title)) } (content) })
}

/// The language picker for a public page at `path` (with the rest of its query).
pub fn picker(w: &Words<'_>, registry: &Registry, path: &str, query: &[(&str, &str)]) -> Markup {
    language_picker(w, &registry.catalogue.languages().iter().collect::<Vec<_>>(), path, query)
}

/// The hidden field that carries the page's language through a form.
pub fn lang_field(w: &Words<'_>) -> Markup {
    html! { input type="hidden" name="lang" value=(w.code()); }
}

/// A theme's name (written by staff, in English).
pub fn theme_name(w: &Words<'_>, registry: &Registry, id: &str) -> Markup {
    w.english(registry.theme(id).map(|t| t.name.as_str()).unwrap_or(id))
}

/// Where a "We did" stands, in the reader's words.
pub fn status_label(w: &Words<'_>, status: Status) -> Markup {
    w.t(match status {
        Status::Will => Key::StatusWill,
        Status::Doing => Key::StatusDoing,
        Status::Did => Key::StatusDid,
        Status::Cant => Key::StatusCant,
    })
}

/// The problems with a form, each linked to its field, in the page's words.
pub fn error_summary(w: &Words<'_>, errors: &[(&str, Key)]) -> Markup {
    html! {
        @if !errors.is_empty() {
            div.error-summary role="alert" aria-labelledby="error-summary-title" tabindex="-1" {
                h2 #error-summary-title { (w.t(Key::ProblemSummary)) }
                ul { @for (field, key) in errors { li { a href={ "#" (field) } { (w.t(*key)) } } } }
            }
        }
    }
}

/// The problem with one field, under its label (`id` is the field's).
pub fn error_message(w: &Words<'_>, id: &str, error: Option<Key>) -> Markup {
    html! {
        @if let Some(key) = error {
            p.error-message id={ (id) "-error" } { span.visually-hidden { (w.t(Key::ProblemPrefix)) " " } (w.t(key)) }
        }
    }
}

/// A date for staff pages, in English, e.g. "3 December 2026".
pub fn long_date(date: chrono::NaiveDate) -> String {
    date.format("%-d %B %Y").to_string()
}

/// `text` with its first letter a capital, for a name from configuration
/// that starts a sentence ("the Salford Youth Council").
fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}
