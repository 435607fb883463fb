//! The respondent journey: landing page, questions, check your answers,
//! send, receipt. No account, no cookie, nothing stored until "Send".

pub mod journey;
pub mod page_limits;
pub mod pages;
pub mod receipt;
pub mod state;
pub mod store;
pub mod views;

use std::sync::Arc;

use actix_web::web;

use crate::db::Database;
use crate::surveys::Registry;
use crate::web::throttle::Throttle;

/// What the respondent pages reach: the surveys, the database for "already
/// sent?", the writer that stores what is sent, and the seal on the draft
/// each page carries.
pub struct Respondents {
    pub registry: Arc<Registry>,
    pub db: Database,
    pub writer: store::Writer,
    pub seal: state::DraftSeal,
    /// The key receipt codes are derived with (`SecretKey::receipt_key`).
    pub receipt_key: [u8; 32],
    /// Days written answers are kept (`RETENTION_DAYS`): the landing page says so.
    pub retention_days: u32,
    /// Form posts per client address; `None` when turned off.
    pub throttle: Option<Throttle>,
    /// Flagged sends per client address that may each alert the
    /// safeguarding leads; `None` when turned off. Never refuses a send.
    pub flagged_throttle: Option<Throttle>,
    /// How large each link's page posts can honestly be.
    pub page_limits: page_limits::PageLimits,
}

/// The respondent routes. None needs a role; none sets a cookie.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(pages::home))
        .route("/help", web::get().to(pages::help))
        .route("/s/{link}", web::get().to(pages::landing))
        .route("/s/{link}", web::post().to(pages::answer))
        .route("/s/{link}/start", web::post().to(pages::start))
        .route("/s/{link}/stopped", web::get().to(pages::stopped));
}
