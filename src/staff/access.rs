//! Who may use which staff route, declared in one table. The access check
//! runs before any staff handler; a path under `/staff` that is not in the
//! table is refused, so a route cannot be added without saying who may use it.

use std::sync::LazyLock;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ResourceDef, ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, web};

use super::roles::Role;
use super::session::signed_in;
use crate::AppState;
use crate::web::AppError;

/// Who may use a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not (sign-in, set a password from a link).
    Public,
    /// Any signed-in staff member.
    SignedIn,
    /// Signed in with at least one of these roles.
    Roles(&'static [Role]),
}

impl Access {
    /// Whether someone with `roles` (signed in) may use it.
    pub fn allows(self, roles: &[Role]) -> bool {
        match self {
            Access::Public | Access::SignedIn => true,
            Access::Roles(needed) => roles.iter().any(|r| needed.contains(r)),
        }
    }
}

/// One staff route.
#[derive(Debug)]
pub struct Declared {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
}

const fn route(method: Method, path: &'static str, access: Access) -> Declared {
    Declared { method, path, access }
}

const ADMIN: Access = Access::Roles(&[Role::Admin]);
const REVIEWER: Access = Access::Roles(&[Role::YouthReviewer]);
const LEAD: Access = Access::Roles(&[Role::SafeguardingLead]);
const READS_YOU_SAID: Access = Access::Roles(&[Role::YouthReviewer, Role::Publisher, Role::Admin]);
const PUBLISHES: Access = Access::Roles(&[Role::Publisher, Role::Admin]);
const ANY_ROLE: Access = Access::Roles(&[Role::YouthReviewer, Role::SafeguardingLead, Role::Publisher, Role::Admin]);

/// Every staff route. Add a route here, with its access, or it answers 404.
pub const ROUTES: &[Declared] = &[
    route(Method::GET, "/staff", Access::SignedIn),
    route(Method::GET, "/staff/sign-in", Access::Public),
    route(Method::POST, "/staff/sign-in", Access::Public),
    route(Method::POST, "/staff/sign-out", Access::SignedIn),
    route(Method::GET, "/staff/accept/{token}", Access::Public),
    route(Method::POST, "/staff/accept/{token}", Access::Public),
    route(Method::GET, "/staff/reset", Access::Public),
    route(Method::POST, "/staff/reset", Access::Public),
    route(Method::GET, "/staff/reset/{token}", Access::Public),
    route(Method::POST, "/staff/reset/{token}", Access::Public),
    route(Method::GET, "/staff/password", Access::SignedIn),
    route(Method::POST, "/staff/password", Access::SignedIn),
    route(Method::GET, "/staff/accounts", ADMIN),
    route(Method::POST, "/staff/accounts/invite", ADMIN),
    route(Method::POST, "/staff/accounts/{id}/roles", ADMIN),
    route(Method::POST, "/staff/accounts/{id}/deactivate", ADMIN),
    route(Method::POST, "/staff/accounts/{id}/reactivate", ADMIN),
    route(Method::GET, "/staff/audit", ADMIN),
    route(Method::GET, "/staff/outbox", ADMIN),
    route(Method::GET, "/staff/dashboard", ANY_ROLE),
    route(Method::GET, "/staff/dashboard/themes/{id}", ANY_ROLE),
    route(Method::GET, "/staff/links", ADMIN),
    route(Method::POST, "/staff/links", ADMIN),
    route(Method::POST, "/staff/links/{code}/close", ADMIN),
    route(Method::GET, "/staff/exports", ADMIN),
    route(Method::GET, "/staff/exports/themes.csv", ADMIN),
    route(Method::GET, "/staff/exports/themes-by-who.csv", ADMIN),
    route(Method::GET, "/staff/exports/themes-by-who-and-month.csv", ADMIN),
    route(Method::GET, "/staff/exports/responses/{survey}.csv", ADMIN),
    route(Method::GET, "/staff/you-said", READS_YOU_SAID),
    route(Method::POST, "/staff/you-said", REVIEWER),
    route(Method::GET, "/staff/actions", PUBLISHES),
    route(Method::POST, "/staff/actions", PUBLISHES),
    route(Method::GET, "/staff/actions/new", PUBLISHES),
    route(Method::GET, "/staff/actions/{id}", PUBLISHES),
    route(Method::POST, "/staff/actions/{id}", PUBLISHES),
    route(Method::POST, "/staff/actions/{id}/unpublish", ADMIN),
    route(Method::GET, "/staff/review", REVIEWER),
    route(Method::POST, "/staff/review/{id}", REVIEWER),
    route(Method::GET, "/staff/safeguarding", LEAD),
    route(Method::GET, "/staff/safeguarding/{id}", LEAD),
    route(Method::POST, "/staff/safeguarding/{id}/notes", LEAD),
];

static MATCHERS: LazyLock<Vec<(ResourceDef, &'static Declared)>> =
    LazyLock::new(|| ROUTES.iter().map(|d| (ResourceDef::new(d.path), d)).collect());

/// The declaration for a request, if any.
pub fn declared(method: &Method, path: &str) -> Option<&'static Declared> {
    let path = if path.len() > 1 { path.trim_end_matches('/') } else { path };
    MATCHERS.iter().find(|(def, d)| d.method == method && def.is_match(path)).map(|(_, d)| *d)
}

/// Middleware on `/staff`: undeclared → 404; not signed in → the sign-in
/// page; signed in without the role → 403.
pub async fn staff_access(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    // Refusals are answered as responses, not errors, so the error-page
    // middleware outside sees and renders them.
    let refuse = |req: ServiceRequest, e: AppError| Ok(req.error_response(e).map_into_right_body());
    let Some(route) = declared(req.method(), req.path()) else {
        return refuse(req, AppError::NotFound);
    };
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return refuse(req, AppError::Internal("no app state".into()));
    };
    let who = match signed_in(&state, req.request()).await {
        Ok(who) => who,
        Err(e) => return refuse(req, e),
    };
    match (route.access, &who) {
        (Access::Public, _) => {}
        (_, None) => {
            let to_sign_in = HttpResponse::SeeOther().insert_header((header::LOCATION, "/staff/sign-in")).finish();
            return Ok(req.into_response(to_sign_in).map_into_right_body());
        }
        (access, Some(s)) if !access.allows(&s.roles) => return refuse(req, AppError::Forbidden),
        _ => {}
    }
    next.call(req).await.map(ServiceResponse::map_into_left_body)
}
