//! The respondent journey: landing page, questions, check your answers,
//! send, receipt. No account, no cookie, nothing stored until "Send".

pub mod journey;
pub mod pages;
pub mod receipt;
pub mod state;
pub mod store;
pub mod views;

use actix_web::web;

/// The respondent routes. None needs a role; none sets a cookie.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(pages::home))
        .route("/help", web::get().to(pages::help))
        .route("/s/{link}", web::get().to(pages::landing))
        .route("/s/{link}", web::post().to(pages::answer))
        .route("/s/{link}/start", web::post().to(pages::start))
        .route("/s/{link}/stopped", web::get().to(pages::stopped));
}
