//! What every page shares: the layout, security headers, error pages, static
//! files and the access log.

pub mod assets;
pub mod errors;
pub mod headers;
pub mod layout;
pub mod throttle;

pub use errors::AppError;
