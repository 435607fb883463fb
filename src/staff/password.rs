//! Passwords: argon2id, a minimum length and nothing else (no composition
//! rules; paste and password managers welcome — WCAG 3.3.8).

use std::sync::Arc;

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use tokio::sync::Semaphore;

use crate::web::AppError;

pub const MIN_LENGTH: usize = 12;
pub const MAX_LENGTH: usize = 1000;

/// A password good enough to set, or why not.
pub fn check_new(password: &str) -> Result<(), String> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Err(format!(
            "Your password must be at least {MIN_LENGTH} characters. Three random words together work well."
        ));
    }
    if length > MAX_LENGTH {
        return Err(format!("Your password must be {MAX_LENGTH} characters or fewer."));
    }
    Ok(())
}

/// The argon2id PHC string to store.
pub fn hash(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default().hash_password(password.as_bytes(), &salt).expect("argon2 hashes any password").to_string()
}

/// Whether `password` matches `stored`. With no stored hash (unknown account,
/// invite not accepted) a dummy hash is checked, so timing does not reveal
/// which accounts exist.
pub fn verify(stored: Option<&str>, password: &str) -> bool {
    static DUMMY: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| hash("not a real password, only for timing"));
    let (phc, real) = match stored {
        Some(s) => (s, true),
        None => (DUMMY.as_str(), false),
    };
    let ok = PasswordHash::new(phc).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok());
    ok && real
}

/// Hashes that may be worked out at once. Each takes argon2's 19 MiB and a
/// core for tens of milliseconds, on purpose: a burst of sign-ins waits its
/// turn here (holding nothing else, no database connection) instead of
/// taking every core and gigabytes from children answering surveys. Half
/// the cores, and at least one. The turn goes with the work, so a client
/// that hangs up does not free it before the hash is done.
static IN_TURN: std::sync::LazyLock<Arc<Semaphore>> = std::sync::LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    Arc::new(Semaphore::new((cores / 2).max(1)))
});

/// [`verify`] off the async threads, in turn with other hashing.
pub async fn verify_in_turn(stored: Option<String>, password: String) -> Result<bool, AppError> {
    let turn = IN_TURN.clone().acquire_owned().await.map_err(AppError::internal)?;
    Ok(actix_web::web::block(move || {
        let ok = verify(stored.as_deref(), &password);
        drop(turn);
        ok
    })
    .await?)
}

/// [`hash`] off the async threads, in turn with other hashing.
pub async fn hash_in_turn(password: String) -> Result<String, AppError> {
    let turn = IN_TURN.clone().acquire_owned().await.map_err(AppError::internal)?;
    Ok(actix_web::web::block(move || {
        let hashed = hash(&password);
        drop(turn);
        hashed
    })
    .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let stored = hash("correct horse battery staple");
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify(Some(&stored), "correct horse battery staple"));
        assert!(!verify(Some(&stored), "correct horse battery stapler"));
        assert!(!verify(None, "correct horse battery staple"));
    }

    #[test]
    fn only_length_is_checked() {
        assert!(check_new("short").is_err());
        assert!(check_new("alllowercaseletters").is_ok());
        assert!(check_new(&"x".repeat(MAX_LENGTH + 1)).is_err());
    }
}
