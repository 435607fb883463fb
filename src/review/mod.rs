//! Review: what young people said, grouped into themes by the Youth Council;
//! the safeguarding queue; the theme dashboard.

pub mod breakdown;
pub mod charts;
pub mod counts;
pub mod dashboard;
pub mod export;
pub mod links;
pub mod pages;
pub mod safeguarding;
pub mod store;
pub mod views;
pub mod you_said;

use crate::staff::access::{ADMIN, ANY_ROLE, Declared, LEAD, READS_YOU_SAID, REVIEWER};

/// The review stage's staff routes. None is public.
pub const STAFF_ROUTES: &[Declared] = &[
    Declared::get("/staff/dashboard", ANY_ROLE, |r| r.to(dashboard::dashboard)),
    Declared::get("/staff/dashboard/themes/{id}", ANY_ROLE, |r| r.to(dashboard::dashboard_theme)),
    Declared::get("/staff/links", ADMIN, |r| r.to(links::list)),
    Declared::post("/staff/links", ADMIN, |r| r.to(links::create)),
    Declared::post("/staff/links/{code}/close", ADMIN, |r| r.to(links::close)),
    Declared::get("/staff/exports", ADMIN, |r| r.to(export::list)),
    Declared::get("/staff/exports/themes.csv", ADMIN, |r| r.to(export::themes_csv)),
    Declared::get("/staff/exports/themes-by-who.csv", ADMIN, |r| r.to(export::themes_by_who_csv)),
    Declared::get("/staff/exports/themes-by-who-and-month.csv", ADMIN, |r| r.to(export::themes_by_who_and_month_csv)),
    // The one streamed response.
    Declared::streamed_get("/staff/exports/responses/{survey}.csv", ADMIN, |r| r.to(export::responses_csv)),
    Declared::get("/staff/you-said", READS_YOU_SAID, |r| r.to(you_said::list)),
    Declared::post("/staff/you-said", REVIEWER, |r| r.to(you_said::save)),
    Declared::get("/staff/review", REVIEWER, |r| r.to(pages::review)),
    Declared::post("/staff/review/{id}", REVIEWER, |r| r.to(pages::save_review)),
    Declared::get("/staff/safeguarding", LEAD, |r| r.to(pages::safeguarding)),
    Declared::get("/staff/safeguarding/{id}", LEAD, |r| r.to(pages::safeguarding_item)),
    Declared::post("/staff/safeguarding/{id}/notes", LEAD, |r| r.to(pages::add_note)),
];
