//! Headers on every response, and the access log.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;

use crate::hour_log;

/// No inline script or style anywhere, nothing from another site, no framing.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src 'self' data:; object-src 'none'; \
     frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

/// Adds the security headers, and `Cache-Control: no-store` to everything but
/// the static files: a page someone answered must not be kept on the phone.
pub async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let is_static = req.path().starts_with("/static/");
    let https = req.app_data::<actix_web::web::Data<super::AppState>>().is_some_and(|s| s.https);
    let mut res = next.call(req).await?;
    let headers = res.headers_mut();
    let set = |headers: &mut actix_web::http::header::HeaderMap, name: HeaderName, value: &'static str| {
        headers.insert(name, HeaderValue::from_static(value));
    };
    set(headers, header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY);
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(headers, header::REFERRER_POLICY, "no-referrer");
    set(headers, header::X_FRAME_OPTIONS, "DENY");
    set(
        headers,
        HeaderName::from_static("permissions-policy"),
        "geolocation=(), camera=(), microphone=(), interest-cohort=()",
    );
    set(headers, HeaderName::from_static("cross-origin-opener-policy"), "same-origin");
    if https {
        set(headers, header::STRICT_TRANSPORT_SECURITY, "max-age=31536000; includeSubDomains");
    }
    if !is_static {
        set(headers, header::CACHE_CONTROL, "no-store");
    }
    Ok(res)
}

/// The access log. A staff request is one line: method, route, status,
/// time. A request from the public is counted into the hour's summary
/// instead ([`crate::hour_log`]), and so is any failure while answering it.
/// The route is the pattern (`/staff/reset/{token}`), never the path itself,
/// which can hold a single-use link; and never the client's address, the
/// query string, a cookie or a body.
pub async fn access_log(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = req.method().clone();
    let staff = hour_log::is_staff_path(req.path());
    let res = if staff { next.call(req).await? } else { hour_log::as_public(next.call(req)).await? };
    let route = res.request().match_pattern().unwrap_or_else(|| "(no route)".to_owned());
    let status = res.status().as_u16();
    if staff {
        tracing::info!(target: "access", %method, route, status, ms = started.elapsed().as_secs_f64() * 1000.0);
    } else {
        hour_log::request(method.as_str(), &route, status, started.elapsed());
    }
    Ok(res)
}
