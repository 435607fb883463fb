//! What the handlers of every stage share. A stage that needs more keeps
//! its own parts beside this (`respond::Respondents`, `staff::StaffState`),
//! so web/ names no stage.

use std::sync::Arc;

use crate::config::Settings;
use crate::db::Database;
use crate::surveys::Registry;
use crate::web::throttle::Throttle;

/// The surveys, the database and the settings, for every page.
pub struct AppState {
    pub registry: Arc<Registry>,
    pub db: Database,
    /// `BASE_URL` is https: cookies are `Secure`, HSTS is sent.
    pub https: bool,
    pub settings: Settings,
    /// Receipt code lookups at `/track` and email sign-ups, per client address.
    pub lookup_throttle: Throttle,
    /// Requests of any kind, per client address; `None` when turned off.
    pub request_throttle: Option<Throttle>,
}
