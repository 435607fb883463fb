//! Staff: accounts, roles, sessions, form tokens, the audit log, and the
//! pages to manage them. Respondents never have an account.

pub mod access;
pub mod audit;
pub mod pages;
pub mod password;
pub mod roles;
pub mod session;
pub mod store;
pub mod views;

use actix_web::middleware::from_fn;
use actix_web::web;

/// The staff routes, behind the access check (see [`access::ROUTES`]).
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/staff")
            .wrap(from_fn(access::staff_access))
            .route("", web::get().to(pages::home))
            .route("/sign-in", web::get().to(pages::sign_in_form))
            .route("/sign-in", web::post().to(pages::sign_in))
            .route("/sign-out", web::post().to(pages::sign_out))
            .route("/accept/{token}", web::get().to(pages::link_form))
            .route("/accept/{token}", web::post().to(pages::link_set_password))
            .route("/reset", web::get().to(pages::reset_request_form))
            .route("/reset", web::post().to(pages::reset_request))
            .route("/reset/{token}", web::get().to(pages::link_form))
            .route("/reset/{token}", web::post().to(pages::link_set_password))
            .route("/password", web::get().to(pages::password_form))
            .route("/password", web::post().to(pages::change_password))
            .route("/accounts", web::get().to(pages::accounts))
            .route("/accounts/invite", web::post().to(pages::invite))
            .route("/accounts/{id}/roles", web::post().to(pages::set_roles))
            .route("/accounts/{id}/deactivate", web::post().to(pages::set_active))
            .route("/accounts/{id}/reactivate", web::post().to(pages::set_active))
            .route("/audit", web::get().to(pages::audit_log))
            .route("/outbox", web::get().to(pages::outbox))
            .route("/dashboard", web::get().to(crate::review::pages::dashboard))
            .route("/dashboard/themes/{id}", web::get().to(crate::review::pages::dashboard_theme))
            .route("/links", web::get().to(crate::review::links::list))
            .route("/links", web::post().to(crate::review::links::create))
            .route("/links/{code}/close", web::post().to(crate::review::links::close))
            .route("/exports", web::get().to(crate::review::export::list))
            .route("/exports/themes.csv", web::get().to(crate::review::export::themes_csv))
            .route("/exports/themes-by-who.csv", web::get().to(crate::review::export::themes_by_who_csv))
            .route(
                "/exports/themes-by-who-and-month.csv",
                web::get().to(crate::review::export::themes_by_who_and_month_csv),
            )
            // The one streamed response: compressed chunk by chunk, off the
            // workers, by actix-web's Compress; every other response is a
            // whole body, gzipped in place (crate::web::compress).
            .service(
                web::resource("/exports/responses/{survey}.csv")
                    .wrap(actix_web::middleware::Compress::default())
                    .route(web::get().to(crate::review::export::responses_csv)),
            )
            .route("/you-said", web::get().to(crate::review::you_said::list))
            .route("/you-said", web::post().to(crate::review::you_said::save))
            .route("/actions", web::get().to(crate::publish::pages::list))
            .route("/actions", web::post().to(crate::publish::pages::create))
            .route("/actions/new", web::get().to(crate::publish::pages::new_form))
            .route("/actions/{id}", web::get().to(crate::publish::pages::edit_form))
            .route("/actions/{id}", web::post().to(crate::publish::pages::save))
            .route("/actions/{id}/unpublish", web::post().to(crate::publish::pages::unpublish))
            .route("/review", web::get().to(crate::review::pages::review))
            .route("/review/{id}", web::post().to(crate::review::pages::save_review))
            .route("/safeguarding", web::get().to(crate::review::pages::safeguarding))
            .route("/safeguarding/{id}", web::get().to(crate::review::pages::safeguarding_item))
            .route("/safeguarding/{id}/notes", web::post().to(crate::review::pages::add_note)),
    );
}
