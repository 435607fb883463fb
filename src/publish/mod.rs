//! Publish: the sub-group's "We did" answers to the Youth Council's "You
//! said" ([`actions`]), the public board and its Atom feed ([`board`],
//! [`feed`]), what a receipt code shows ([`track`]), email when something
//! changes ([`subscriptions`]), and how well the loop is closing ([`measures`]).
//!
//! The English a child or parent reads on these public pages is kept in each
//! module's view functions, so it can move into a message catalogue later.

pub mod actions;
pub mod board;
pub mod feed;
pub mod measures;
pub mod pages;
pub mod subscriptions;
pub mod track;
pub mod views;

use actix_web::web;
use maud::{Markup, html};

use crate::surveys::Registry;
use crate::web::layout::{Page, page};

/// The public routes. The staff pages (`/staff/actions…`) sit in the staff
/// scope, behind its access check (see `staff::routes`).
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

/// A public page of this stage in the shared layout, with the board's own
/// small stylesheet (and its print poster). The layout's head is not ours to
/// change; a stylesheet link in the body is allowed, and applied.
pub fn public_page(registry: &Registry, title: &str, has_error: bool, content: Markup) -> Markup {
    let css = crate::web::assets::url("board.css");
    page(
        &Page::new(title, &registry.partnership).with_error(has_error),
        html! { link rel="stylesheet" href=(css); (content) },
    )
}

/// A public date, e.g. "3 December 2026".
pub fn long_date(date: chrono::NaiveDate) -> String {
    date.format("%-d %B %Y").to_string()
}
