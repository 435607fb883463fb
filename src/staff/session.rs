//! Staff sessions: an encrypted, signed cookie, so app instances keep no
//! state. A per-account epoch in the database ends every older cookie at
//! once (sign-out, password or role change, deactivation).

use actix_web::cookie::{Cookie, CookieJar, Key, SameSite};
use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpMessage, HttpRequest, dev, web};
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

use super::StaffState;
use super::roles::Role;
use super::store;
use crate::limits::STAFF_FORM;
use crate::web::AppError;
use crate::web::form::Form;

const SESSION: &str = "ll_staff";
const FORM: &str = "ll_form";
/// A session lasts a working day at most.
const LIFETIME_SECONDS: i64 = 12 * 3600;

/// Seals and opens staff cookies.
pub struct Sessions {
    key: Key,
    secure: bool,
}

#[derive(Serialize, Deserialize)]
struct Payload {
    /// Staff id.
    sid: String,
    /// The account's session epoch when the cookie was issued.
    ep: i32,
    /// The form token for this session.
    csrf: String,
    /// Unix time after which the cookie is refused.
    exp: i64,
}

/// The signed-in staff member, checked against the database on every request.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub id: String,
    pub email: String,
    pub name: String,
    pub roles: Vec<Role>,
    /// Goes in every form; a post without it is refused.
    pub csrf: String,
}

impl SignedIn {
    /// The signed-in staff member the access check found for this request.
    pub fn of(req: &HttpRequest) -> Result<SignedIn, AppError> {
        req.extensions().get::<SignedIn>().cloned().ok_or(AppError::Forbidden)
    }

    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// Refuses a form whose token is not this session's.
    pub fn check_csrf(&self, token: &str) -> Result<(), AppError> {
        if tokens_match(self.csrf.as_bytes(), token.as_bytes()) { Ok(()) } else { Err(AppError::Forbidden) }
    }

    /// Who the audit log says did what this person does.
    pub fn actor(&self) -> crate::db::audit::Actor {
        crate::db::audit::Actor::staff(&self.id, &self.email)
    }
}

/// A staff POST as it arrives: the signed-in staff member and their posted
/// form, refused unless the form carries this session's token. Taking it as
/// a handler's argument is how every signed-in staff POST begins (signing in
/// itself checks its own double-submit token).
pub struct StaffPost {
    pub me: SignedIn,
    pub form: Form,
}

impl FromRequest for StaffPost {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<StaffPost, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut dev::Payload) -> Self::Future {
        let me = SignedIn::of(req);
        let body = payload.take();
        let req = req.clone();
        Box::pin(async move {
            let me = me?;
            let form = Form::read(&req, body, STAFF_FORM).await?;
            me.check_csrf(form.get("csrf").unwrap_or_default())?;
            Ok(StaffPost { me, form })
        })
    }
}

/// Every form token is a [`crate::random::random_id`]: 32 hex digits.
const TOKEN_LEN: usize = 32;

/// Whether a posted token is the expected one, compared in time that does
/// not depend on where they differ, so a guesser learns nothing from how
/// long a refusal takes. (A length mismatch returns at once; every token has
/// the same, public, length.) An expected token of any other length, such as
/// an empty cookie, matches nothing.
fn tokens_match(expected: &[u8], given: &[u8]) -> bool {
    expected.len() == TOKEN_LEN && bool::from(expected.ct_eq(given))
}

impl Sessions {
    pub fn new(master: [u8; 32], secure: bool) -> Sessions {
        Sessions { key: Key::derive_from(&master), secure }
    }

    fn build(&self, name: &'static str, value: String) -> Cookie<'static> {
        Cookie::build(name, value)
            .path("/staff")
            .http_only(true)
            .same_site(SameSite::Strict)
            .secure(self.secure)
            .finish()
    }

    /// The cookie that signs a staff member in.
    pub fn issue(&self, staff_id: &str, epoch: i32) -> Cookie<'static> {
        let payload = Payload {
            sid: staff_id.to_owned(),
            ep: epoch,
            csrf: crate::random::random_id(),
            exp: chrono::Utc::now().timestamp() + LIFETIME_SECONDS,
        };
        let mut jar = CookieJar::new();
        let json = serde_json::to_string(&payload).expect("a session serialises");
        jar.private_mut(&self.key).add(self.build(SESSION, json));
        jar.get(SESSION).cloned().expect("the cookie just added")
    }

    /// A cookie that removes the session cookie.
    pub fn removal(&self) -> Cookie<'static> {
        let mut cookie = self.build(SESSION, String::new());
        cookie.make_removal();
        cookie
    }

    fn open(&self, req: &HttpRequest) -> Option<Payload> {
        let cookie = req.cookie(SESSION)?;
        let mut jar = CookieJar::new();
        jar.add_original(cookie);
        let plain = jar.private(&self.key).get(SESSION)?;
        let payload: Payload = serde_json::from_str(plain.value()).ok()?;
        (payload.exp > chrono::Utc::now().timestamp()).then_some(payload)
    }

    /// A form token for pages used before signing in (double-submit: the
    /// same random value in a cookie and in the form). Returns the token and
    /// the cookie to set when there was none.
    pub fn form_token(&self, req: &HttpRequest) -> (String, Option<Cookie<'static>>) {
        match req.cookie(FORM).map(|c| c.value().to_owned()).filter(|v| v.len() == 32) {
            Some(token) => (token, None),
            None => {
                let token = crate::random::random_id();
                (token.clone(), Some(self.build(FORM, token)))
            }
        }
    }

    /// Refuses a form posted before signing in whose token does not match its cookie.
    pub fn check_form_token(&self, req: &HttpRequest, token: &str) -> Result<(), AppError> {
        match req.cookie(FORM) {
            Some(cookie) if tokens_match(cookie.value().as_bytes(), token.as_bytes()) => Ok(()),
            _ => Err(AppError::Forbidden),
        }
    }
}

/// The signed-in staff member for a request, if the cookie is good and the
/// account is active with the same epoch.
pub async fn signed_in(state: &StaffState, req: &HttpRequest) -> Result<Option<SignedIn>, AppError> {
    if let Some(found) = req.extensions().get::<SignedIn>() {
        return Ok(Some(found.clone()));
    }
    let Some(payload) = state.sessions.open(req) else { return Ok(None) };
    let db = state.db.clone();
    let found = web::block(move || -> Result<Option<SignedIn>, AppError> {
        let mut conn = db.get()?;
        let Some(row) = store::find_by_id(&mut conn, &payload.sid).map_err(crate::db::DbError::from)? else {
            return Ok(None);
        };
        if !row.active || row.session_epoch != payload.ep || row.password_hash.is_none() {
            return Ok(None);
        }
        let roles = store::roles_of(&mut conn, &row.id).map_err(crate::db::DbError::from)?;
        Ok(Some(SignedIn { id: row.id, email: row.email, name: row.display_name, roles, csrf: payload.csrf }))
    })
    .await??;
    if let Some(s) = &found {
        req.extensions_mut().insert(s.clone());
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::tokens_match;

    #[test]
    fn tokens_match_only_when_every_byte_and_the_length_do() {
        let token = b"0123456789abcdef0123456789abcdef";
        assert!(tokens_match(token, token));
        assert!(!tokens_match(token, b"0123456789abcdef0123456789abcdeF"));
        assert!(!tokens_match(token, b"0123456789abcdef0123456789abcde"));
        assert!(!tokens_match(token, b""));
        // An empty cookie and an empty field are no pair of tokens.
        assert!(!tokens_match(b"", b""));
        assert!(!tokens_match(b"short", b"short"));
    }
}
