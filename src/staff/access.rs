//! Who may use which staff route. Each stage declares its staff routes once
//! ([`Declared`]), with their handlers; [`StaffRoutes`] gathers them at
//! start, registers them, and checks access before any staff handler runs.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ResourceDef, ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::{Compress, Next, from_fn};
use actix_web::{HttpResponse, Route, web};

use super::StaffState;
use super::roles::Role;
use super::session::signed_in;
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

/// One staff route, declared once: its method and path, who may use it,
/// and the handler that answers it. The stage that owns the handler owns
/// the declaration; registration, the access check, the home page's links
/// and the route × role test all read it.
pub struct Declared {
    pub method: Method,
    /// The whole path, `/staff/…`, as actix-web writes a pattern.
    pub path: &'static str,
    pub access: Access,
    /// Puts the handler on a route of this method. It attaches the handler
    /// and nothing else: a guard added here would be unseen by the access check.
    handler: fn(Route) -> Route,
    /// Compressed chunk by chunk, off the workers, by actix-web's Compress:
    /// only for a streamed response. Every other response is a whole body,
    /// gzipped in place (`crate::web::compress`).
    streamed: bool,
}

impl Declared {
    pub const fn get(path: &'static str, access: Access, handler: fn(Route) -> Route) -> Declared {
        Declared { method: Method::GET, path, access, handler, streamed: false }
    }

    pub const fn post(path: &'static str, access: Access, handler: fn(Route) -> Route) -> Declared {
        Declared { method: Method::POST, path, access, handler, streamed: false }
    }

    /// A GET whose body is streamed, and compressed as it goes.
    pub const fn streamed_get(path: &'static str, access: Access, handler: fn(Route) -> Route) -> Declared {
        Declared { method: Method::GET, path, access, handler, streamed: true }
    }
}

impl std::fmt::Debug for Declared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} ({:?})", self.method, self.path, self.access)
    }
}

pub const ADMIN: Access = Access::Roles(&[Role::Admin]);
pub const REVIEWER: Access = Access::Roles(&[Role::YouthReviewer]);
pub const LEAD: Access = Access::Roles(&[Role::SafeguardingLead]);
pub const READS_YOU_SAID: Access = Access::Roles(&[Role::YouthReviewer, Role::Publisher, Role::Admin]);
pub const PUBLISHES: Access = Access::Roles(&[Role::Publisher, Role::Admin]);
pub const ANY_ROLE: Access =
    Access::Roles(&[Role::YouthReviewer, Role::SafeguardingLead, Role::Publisher, Role::Admin]);

/// Every staff route of every stage, in one list. A path under `/staff`
/// that is not in it is refused, so a page cannot be added without saying
/// who may use it.
pub struct StaffRoutes {
    matchers: Vec<(ResourceDef, &'static Declared)>,
}

impl StaffRoutes {
    /// Gathers the stages' declarations. Fails at start-up on a path outside
    /// `/staff` or a method and path declared twice: either would leave the
    /// access check and the registered handlers disagreeing.
    pub fn new(stages: &[&'static [Declared]]) -> Result<StaffRoutes, String> {
        let mut matchers: Vec<(ResourceDef, &'static Declared)> = Vec::new();
        for declared in stages.iter().flat_map(|s| s.iter()) {
            if declared.path != "/staff" && !declared.path.starts_with("/staff/") {
                return Err(format!("the staff route {declared:?} is not under /staff"));
            }
            let same_shape = |d: &Declared| unnamed(d.path) == unnamed(declared.path);
            if matchers.iter().any(|(_, d)| d.method == declared.method && same_shape(d)) {
                return Err(format!("the staff route {declared:?} is declared twice"));
            }
            matchers.push((ResourceDef::new(declared.path), declared));
        }
        Ok(StaffRoutes { matchers })
    }

    /// The declarations, in the order the stages gave them.
    pub fn iter(&self) -> impl Iterator<Item = &'static Declared> + '_ {
        self.matchers.iter().map(|(_, d)| *d)
    }

    /// The declaration for a request, if any.
    pub fn declared(&self, method: &Method, path: &str) -> Option<&'static Declared> {
        let path = if path.len() > 1 { path.trim_end_matches('/') } else { path };
        self.matchers.iter().find(|(def, d)| d.method == method && def.is_match(path)).map(|(_, d)| *d)
    }

    /// Registers every route under `/staff`, behind [`staff_access`].
    pub fn register(&self, cfg: &mut web::ServiceConfig) {
        let mut scope = web::scope("/staff").wrap(from_fn(staff_access));
        for declared in self.iter() {
            let path = &declared.path["/staff".len()..];
            let route = (declared.handler)(web::method(declared.method.clone()));
            scope = if declared.streamed {
                scope.service(web::resource(path).wrap(Compress::default()).route(route))
            } else {
                scope.route(path, route)
            };
        }
        cfg.service(scope);
    }
}

/// A pattern with its placeholders' names left out: `/staff/x/{id}` and
/// `/staff/x/{code}` match the same requests.
fn unnamed(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_name = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_name = true;
                out.push_str("{}");
            }
            '}' => in_name = false,
            c if !in_name => out.push(c),
            _ => {}
        }
    }
    out
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
    let Some(state) = req.app_data::<web::Data<StaffState>>().cloned() else {
        return refuse(req, AppError::internal("no app state"));
    };
    let Some(route) = state.routes.declared(req.method(), req.path()) else {
        return refuse(req, AppError::NotFound);
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

#[cfg(test)]
mod tests {
    use super::*;

    async fn nothing() -> HttpResponse {
        HttpResponse::Ok().finish()
    }

    const ONE: &[Declared] = &[
        Declared::get("/staff/things/{id}", ADMIN, |r| r.to(nothing)),
        Declared::post("/staff/things/{id}", LEAD, |r| r.to(nothing)),
    ];

    #[test]
    fn a_request_finds_its_declaration_by_method_and_path() {
        let routes = StaffRoutes::new(&[ONE]).expect("a good list");
        assert_eq!(routes.declared(&Method::GET, "/staff/things/7/").map(|d| d.access), Some(ADMIN));
        assert_eq!(routes.declared(&Method::POST, "/staff/things/7").map(|d| d.access), Some(LEAD));
        assert!(routes.declared(&Method::PUT, "/staff/things/7").is_none());
        assert!(routes.declared(&Method::GET, "/staff/things").is_none());
    }

    const AGAIN: &[Declared] = &[Declared::get("/staff/things/{code}", Access::Public, |r| r.to(nothing))];
    const OUTSIDE: &[Declared] = &[Declared::get("/staffroom", Access::Public, |r| r.to(nothing))];

    #[test]
    fn a_route_declared_twice_or_outside_staff_stops_the_start() {
        assert!(StaffRoutes::new(&[ONE, AGAIN]).is_err_and(|e| e.contains("declared twice")));
        assert!(StaffRoutes::new(&[OUTSIDE]).is_err_and(|e| e.contains("not under /staff")));
    }
}
