//! Staff: accounts, roles, sessions, form tokens, the audit log, and the
//! pages to manage them. Respondents never have an account.

pub mod access;
pub mod pages;
pub mod password;
pub mod roles;
pub mod session;
pub mod store;
pub mod views;

use std::sync::Arc;

use access::Access::{Public, SignedIn};
use access::{ADMIN, Declared, StaffRoutes};

use crate::config::Settings;
use crate::db::Database;
use crate::surveys::Registry;
use crate::web::throttle::Throttle;

/// What the staff pages and the access check reach, besides the request.
pub struct StaffState {
    pub registry: Arc<Registry>,
    pub db: Database,
    pub settings: Settings,
    pub sessions: session::Sessions,
    /// Sign-in and reset tries per client address.
    pub signin_throttle: Throttle,
    /// Every stage's staff routes, with who may use each.
    pub routes: StaffRoutes,
}

/// The staff stage's own routes: signing in, passwords, accounts, the audit
/// log and the outbox. Each stage declares its staff routes beside its
/// handlers; `crate::staff_routes` gathers them all.
pub const STAFF_ROUTES: &[Declared] = &[
    Declared::get("/staff", SignedIn, |r| r.to(pages::home)),
    Declared::get("/staff/sign-in", Public, |r| r.to(pages::sign_in_form)),
    Declared::post("/staff/sign-in", Public, |r| r.to(pages::sign_in)),
    Declared::post("/staff/sign-out", SignedIn, |r| r.to(pages::sign_out)),
    Declared::get("/staff/accept/{token}", Public, |r| r.to(pages::link_form)),
    Declared::post("/staff/accept/{token}", Public, |r| r.to(pages::link_set_password)),
    Declared::get("/staff/reset", Public, |r| r.to(pages::reset_request_form)),
    Declared::post("/staff/reset", Public, |r| r.to(pages::reset_request)),
    Declared::get("/staff/reset/{token}", Public, |r| r.to(pages::link_form)),
    Declared::post("/staff/reset/{token}", Public, |r| r.to(pages::link_set_password)),
    Declared::get("/staff/password", SignedIn, |r| r.to(pages::password_form)),
    Declared::post("/staff/password", SignedIn, |r| r.to(pages::change_password)),
    Declared::get("/staff/accounts", ADMIN, |r| r.to(pages::accounts)),
    Declared::post("/staff/accounts/invite", ADMIN, |r| r.to(pages::invite)),
    Declared::post("/staff/accounts/{id}/roles", ADMIN, |r| r.to(pages::set_roles)),
    Declared::post("/staff/accounts/{id}/deactivate", ADMIN, |r| r.to(pages::set_active)),
    Declared::post("/staff/accounts/{id}/reactivate", ADMIN, |r| r.to(pages::set_active)),
    Declared::get("/staff/audit", ADMIN, |r| r.to(pages::audit_log)),
    Declared::get("/staff/outbox", ADMIN, |r| r.to(pages::outbox)),
];
