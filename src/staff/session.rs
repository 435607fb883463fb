//! Staff sessions: an encrypted, signed cookie, so app instances keep no
//! state. A per-account epoch in the database ends every older cookie at
//! once (sign-out, password or role change, deactivation).
//!
//! Every staff form carries a form token, and a page shows it only masked
//! ([`FormToken`]), differently each time it is drawn.

use actix_web::cookie::{Cookie, CookieJar, Key, SameSite};
use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpMessage, HttpRequest, dev, web};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use maud::{Markup, Render, html};
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
    pub csrf: FormToken,
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
    pub fn check_csrf(&self, posted: &str) -> Result<(), AppError> {
        if self.csrf.accepts(posted) { Ok(()) } else { Err(AppError::Forbidden) }
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

/// A form token, as a page may show it. Staff pages are compressed and
/// put the token beside text that others wrote (a child's answer, a
/// name typed into an invite); if the token were the same in every page,
/// someone who can add text to a page and watch its compressed size could
/// read the token off a letter at a time (BREACH). So it is never written
/// as it is: each time it is drawn, it is masked with fresh random bytes,
/// `mask ‖ (mask XOR token)` in URL-safe base64, as Rails and Django do.
/// Drawing the hidden field is the only thing a view can do with it.
#[derive(Clone)]
pub struct FormToken(String);

impl FormToken {
    /// Whether a posted field carries this token, masked as drawn.
    pub fn accepts(&self, posted: &str) -> bool {
        unmask(posted).is_some_and(|token| tokens_match(self.0.as_bytes(), &token))
    }
}

/// `<input type="hidden" name="csrf" value="…">`, the token freshly masked.
impl Render for FormToken {
    fn render(&self) -> Markup {
        html! { input type="hidden" name="csrf" value=(mask(self.0.as_bytes())); }
    }
}

impl std::fmt::Debug for FormToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FormToken(..)")
    }
}

/// `token` masked with random bytes of its own length.
fn mask(token: &[u8]) -> String {
    let mut masked = vec![0u8; token.len()];
    crate::random::random_bytes(&mut masked);
    let hidden: Vec<u8> = masked.iter().zip(token).map(|(m, t)| m ^ t).collect();
    masked.extend(hidden);
    URL_SAFE_NO_PAD.encode(masked)
}

/// The token inside a masked field, if it is one.
fn unmask(posted: &str) -> Option<Vec<u8>> {
    // A real field is 86 characters: nothing far longer is worth decoding.
    if posted.len() > 2 * 4 * TOKEN_LEN {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(posted).ok()?;
    if bytes.len() != 2 * TOKEN_LEN {
        return None;
    }
    let (masked, hidden) = bytes.split_at(TOKEN_LEN);
    Some(masked.iter().zip(hidden).map(|(m, h)| m ^ h).collect())
}

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
    /// same random value in a cookie and, masked, in the form). Returns the
    /// token and the cookie to set when there was none.
    pub fn form_token(&self, req: &HttpRequest) -> (FormToken, Option<Cookie<'static>>) {
        match req.cookie(FORM).map(|c| c.value().to_owned()).filter(|v| v.len() == TOKEN_LEN) {
            Some(token) => (FormToken(token), None),
            None => {
                let token = crate::random::random_id();
                (FormToken(token.clone()), Some(self.build(FORM, token)))
            }
        }
    }

    /// Refuses a form posted before signing in whose token does not match
    /// its cookie; returns the token, to draw the form again with.
    pub fn check_form_token(&self, req: &HttpRequest, posted: &str) -> Result<FormToken, AppError> {
        match req.cookie(FORM).map(|cookie| FormToken(cookie.value().to_owned())) {
            Some(token) if token.accepts(posted) => Ok(token),
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
        let csrf = FormToken(payload.csrf);
        Ok(Some(SignedIn { id: row.id, email: row.email, name: row.display_name, roles, csrf }))
    })
    .await??;
    if let Some(s) = &found {
        req.extensions_mut().insert(s.clone());
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The value of the hidden field a token draws.
    fn drawn(token: &FormToken) -> String {
        let field = token.render().into_string();
        let start = field.find("value=\"").expect("a value") + "value=\"".len();
        field[start..].split('"').next().unwrap().to_owned()
    }

    #[test]
    fn a_form_token_is_masked_afresh_each_time_and_still_accepted() {
        let raw = crate::random::random_id();
        let token = FormToken(raw.clone());
        let (first, second) = (drawn(&token), drawn(&token));
        assert_ne!(first, second, "a fresh mask each time");
        for field in [&first, &second] {
            assert!(!field.contains(&raw), "{field}");
            assert!(token.accepts(field));
            assert_eq!(unmask(field).unwrap(), raw.as_bytes());
        }
        assert!(token.render().into_string().starts_with("<input type=\"hidden\" name=\"csrf\" value=\""));
        assert!(!format!("{token:?}").contains(&raw), "never in a log either");
    }

    #[test]
    fn a_changed_or_unmasked_token_is_refused() {
        let raw = crate::random::random_id();
        let token = FormToken(raw.clone());
        let field = drawn(&token);
        for at in [0, field.len() / 2, field.len() - 2] {
            let mut changed = field.clone().into_bytes();
            changed[at] = if changed[at] == b'A' { b'B' } else { b'A' };
            assert!(!token.accepts(std::str::from_utf8(&changed).unwrap()), "changed at {at}");
        }
        let other = FormToken(crate::random::random_id());
        assert!(!token.accepts(&drawn(&other)), "another session's token");
        for bad in [raw.as_str(), "", "forged", &field[..field.len() - 1], &format!("{field}AA"), &"A".repeat(100_000)]
        {
            assert!(!token.accepts(bad), "{:.40}", bad);
        }
        // A cookie of the wrong length accepts nothing, not even itself masked.
        let short = FormToken("short".to_owned());
        assert!(!short.accepts(&drawn(&short)));
    }

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
