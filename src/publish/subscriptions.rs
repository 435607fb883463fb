//! "Email me when something changes": an address, optionally one theme,
//! and nothing else — no link to any response, ever.
//!
//! Double opt-in: signing up stores the address unconfirmed and sends one
//! email with a single-use link; nothing else is sent until it is used.
//! Every email carries a link that deletes the address, and with it any mail
//! to it still in the outbox. Both links open a page with one button that
//! posts, because mail scanners fetch links in emails on their own.
//!
//! Only hashes of the links are stored. The confirmation token is random and
//! used once. The unsubscribe token is an HMAC of the subscriber's id under a
//! key derived from `SECRET_KEY`, so every email can carry it without it
//! being kept anywhere, and a copy of the database cannot make working links.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{NaiveDateTime, TimeDelta, Utc};
use diesel::prelude::*;
use hmac::{Hmac, Mac};
use maud::{Markup, html};
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::db::DbConnection;
use crate::db::schema::{outbox, subscribers};
use crate::mail::address::BadEmail;
use crate::mail::{self, Email, EmailAddress};
use crate::respond::form::Form;
use crate::staff::views::error_summary;
use crate::surveys::Registry;
use crate::web::throttle::client_key;
use crate::web::{AppError, html as respond_html, in_transaction};

type State = web::Data<AppState>;

/// How long a confirmation link works.
const CONFIRM_FOR: TimeDelta = TimeDelta::days(7);

fn token_hash(raw: &str) -> String {
    hex::encode(Sha256::digest([b"listening-loop subscriber link v1\0".as_slice(), raw.as_bytes()].concat()))
}

/// The unsubscribe token of a subscriber: HMAC-SHA256 of its id.
fn unsubscribe_token(key: &[u8; 32], id: &str) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(b"unsubscribe\0");
    mac.update(id.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// What the mail needs to build links.
pub struct Links {
    pub base_url: String,
    pub key: [u8; 32],
}

impl Links {
    pub fn of(state: &AppState) -> Links {
        Links { base_url: state.settings.base_url.clone(), key: state.settings.secret.derive("subscription links") }
    }

    fn unsubscribe(&self, id: &str) -> String {
        format!("{}/unsubscribe/{}", self.base_url, unsubscribe_token(&self.key, id))
    }
}

/// An email with a main link and, always, the link that stops them.
fn email(to: EmailAddress, subject: &str, paragraphs: &[String], main: (&str, &str), stop: &str) -> Email {
    let mut email = Email::with_links(
        to,
        subject,
        paragraphs,
        &[main, ("Stop these emails (this deletes your email address)", stop)],
    );
    email.list_unsubscribe = Some(stop.to_owned());
    email
}

/// One subscriber, as notifications need them.
#[derive(Queryable)]
struct Confirmed {
    id: String,
    email: String,
}

/// Queues one email per confirmed subscriber whose filter matches `themes`
/// (or who has none), about a "We did" just published or updated. Call it in
/// the publishing transaction. Returns how many were queued.
pub fn notify(
    conn: &mut DbConnection,
    links: &Links,
    registry: &Registry,
    themes: &[String],
    child_text: &str,
    first: bool,
) -> QueryResult<usize> {
    let people: Vec<Confirmed> = subscribers::table
        .filter(subscribers::confirmed_at.is_not_null())
        .filter(subscribers::theme_id.is_null().or(subscribers::theme_id.eq_any(themes)))
        .select((subscribers::id, subscribers::email))
        .load(conn)?;
    let names: Vec<&str> = themes.iter().filter_map(|t| registry.theme(t)).map(|t| t.name.as_str()).collect();
    let subject = if first { "Something new: You said, We did" } else { "Something changed: You said, We did" };
    let paragraphs = vec![
        "Hello,".to_owned(),
        if first {
            format!("There is a new answer to what young people told us about: {}.", names.join(", "))
        } else {
            format!("An answer about {} has changed.", names.join(", "))
        },
        format!("We did: {child_text}"),
        "Thank you for telling us what matters.".to_owned(),
    ];
    let board = format!("{}/you-said-we-did", links.base_url);
    let mut queued = 0;
    for person in people {
        let Ok(to) = EmailAddress::parse(&person.email) else { continue };
        let stop = links.unsubscribe(&person.id);
        mail::enqueue(conn, &email(to, subject, &paragraphs, ("See what changed", &board), &stop))?;
        queued += 1;
    }
    Ok(queued)
}

/// `GET /subscribe`
pub async fn form(state: State) -> Result<HttpResponse, AppError> {
    Ok(respond_html(StatusCode::OK, form_view(&state.registry, "", "", &[])))
}

/// What happened to a sign-up. The page says the same in every case, so it
/// never tells anyone whether an address is already signed up.
enum SignUp {
    Stored,
    Invalid(Vec<(&'static str, String)>),
}

/// `POST /subscribe`
pub async fn subscribe(state: State, req: HttpRequest, payload: web::Payload) -> Result<HttpResponse, AppError> {
    let form = Form::read(payload).await?;
    // Sign-ups send mail: limit them per client, like receipt code lookups.
    if !state.lookup_throttle.hit(&format!("subscribe {}", client_key(&req))) {
        return Err(AppError::TooMany);
    }
    let typed = form.get("email").unwrap_or_default().trim().to_owned();
    let theme = form.get("theme").unwrap_or_default().trim().to_owned();
    let mut errors = Vec::new();
    let address = match EmailAddress::parse(&typed) {
        Ok(a) => Some(a),
        Err(BadEmail::Empty) => {
            errors.push(("email", "Type your email address.".to_owned()));
            None
        }
        Err(e) => {
            errors.push(("email", e.to_string()));
            None
        }
    };
    if !theme.is_empty() && state.registry.theme(&theme).is_none() {
        errors.push(("theme", "Choose a theme from the list, or everything.".to_owned()));
    }
    let outcome = match address {
        Some(address) if errors.is_empty() => {
            let links = Links::of(&state);
            let theme = (!theme.is_empty()).then_some(theme.clone());
            in_transaction(&state.db, move |conn| sign_up(conn, &links, &address, theme.as_deref())).await?;
            SignUp::Stored
        }
        _ => SignUp::Invalid(errors),
    };
    match outcome {
        SignUp::Stored => Ok(respond_html(StatusCode::OK, check_your_email_view(&state.registry))),
        SignUp::Invalid(errors) => {
            Ok(respond_html(StatusCode::BAD_REQUEST, form_view(&state.registry, &typed, &theme, &errors)))
        }
    }
}

/// Deletes addresses whose confirmation link ran out unused: nobody said
/// yes, so we keep nothing. Run daily and on every sign-up.
pub fn forget_unconfirmed(conn: &mut DbConnection) -> QueryResult<usize> {
    let cutoff = Utc::now().naive_utc() - CONFIRM_FOR;
    diesel::delete(
        subscribers::table.filter(subscribers::confirmed_at.is_null()).filter(subscribers::created_at.lt(cutoff)),
    )
    .execute(conn)
}

/// Stores an unconfirmed address (or renews its link) and queues the one
/// confirmation email. An address already confirmed gets nothing: nobody can
/// change someone else's sign-up, nor mail them over and over.
fn sign_up(conn: &mut DbConnection, links: &Links, address: &EmailAddress, theme: Option<&str>) -> QueryResult<()> {
    let now = Utc::now().naive_utc();
    forget_unconfirmed(conn)?;
    let existing: Option<(String, Option<NaiveDateTime>)> = subscribers::table
        .filter(subscribers::email.eq(address.as_str()))
        .select((subscribers::id, subscribers::confirmed_at))
        .first(conn)
        .optional()?;
    let mut bytes = [0u8; 32];
    crate::random_bytes(&mut bytes);
    let raw = hex::encode(bytes);
    let id = match existing {
        Some((_, Some(_))) => return Ok(()),
        Some((id, None)) => {
            diesel::update(subscribers::table.filter(subscribers::id.eq(&id)))
                .set((
                    subscribers::confirm_hash.eq(token_hash(&raw)),
                    subscribers::theme_id.eq(theme),
                    subscribers::created_at.eq(now),
                ))
                .execute(conn)?;
            id
        }
        None => {
            let id = crate::random_id();
            diesel::insert_into(subscribers::table)
                .values((
                    subscribers::id.eq(&id),
                    subscribers::email.eq(address.as_str()),
                    subscribers::theme_id.eq(theme),
                    subscribers::confirm_hash.eq(token_hash(&raw)),
                    subscribers::unsubscribe_hash.eq(token_hash(&unsubscribe_token(&links.key, &id))),
                    subscribers::created_at.eq(now),
                ))
                .execute(conn)?;
            id
        }
    };
    let paragraphs = vec![
        "Hello,".to_owned(),
        "Someone, hopefully you, asked us to email this address when the partnership answers what young people told us."
            .to_owned(),
        "Nothing will be sent until you say yes. If it wasn't you, do nothing, or use the link at the bottom to delete this address now."
            .to_owned(),
    ];
    let confirm = format!("{}/subscribe/confirm/{raw}", links.base_url);
    let stop = links.unsubscribe(&id);
    mail::enqueue(
        conn,
        &email(
            address.clone(),
            "Please confirm: You said, We did emails",
            &paragraphs,
            ("Yes, email me", &confirm),
            &stop,
        ),
    )
}

/// `GET /subscribe/confirm/{token}`: one button, so a mail scanner that
/// fetches the link confirms nothing.
pub async fn confirm_form(state: State, token: web::Path<String>) -> Result<HttpResponse, AppError> {
    let hash = token_hash(&token);
    let live = in_transaction(&state.db, move |conn| confirmable(conn, &hash)).await?;
    let markup = if live.is_some() { confirm_view(&state.registry, &token) } else { dead_link_view(&state.registry) };
    Ok(respond_html(if live.is_some() { StatusCode::OK } else { StatusCode::NOT_FOUND }, markup))
}

fn confirmable(conn: &mut DbConnection, hash: &str) -> QueryResult<Option<String>> {
    let cutoff = Utc::now().naive_utc() - CONFIRM_FOR;
    subscribers::table
        .filter(subscribers::confirm_hash.eq(hash))
        .filter(subscribers::created_at.ge(cutoff))
        .select(subscribers::id)
        .first(conn)
        .optional()
}

/// `POST /subscribe/confirm/{token}`: the link works once.
pub async fn confirm(state: State, token: web::Path<String>) -> Result<HttpResponse, AppError> {
    let hash = token_hash(&token);
    let done = in_transaction(&state.db, move |conn| {
        let Some(id) = confirmable(conn, &hash)? else { return Ok(false) };
        diesel::update(subscribers::table.filter(subscribers::id.eq(&id)))
            .set((subscribers::confirmed_at.eq(Utc::now().naive_utc()), subscribers::confirm_hash.eq(None::<String>)))
            .execute(conn)?;
        Ok(true)
    })
    .await?;
    let markup = if done { confirmed_view(&state.registry) } else { dead_link_view(&state.registry) };
    Ok(respond_html(if done { StatusCode::OK } else { StatusCode::NOT_FOUND }, markup))
}

/// `GET /unsubscribe/{token}`: one "Stop these emails" button. The page is
/// the same whether or not the link is still live.
pub async fn unsubscribe_form(state: State, token: web::Path<String>) -> Result<HttpResponse, AppError> {
    Ok(respond_html(StatusCode::OK, unsubscribe_view(&state.registry, &token)))
}

/// `POST /unsubscribe/{token}`: deletes the address, and every message to it
/// still in the outbox (sent ones too: they are kept only for the admins'
/// view, and the person asked us to forget them).
pub async fn unsubscribe(state: State, token: web::Path<String>) -> Result<HttpResponse, AppError> {
    let hash = token_hash(&token);
    in_transaction(&state.db, move |conn| {
        let email: Option<String> = subscribers::table
            .filter(subscribers::unsubscribe_hash.eq(&hash))
            .select(subscribers::email)
            .first(conn)
            .optional()?;
        if let Some(email) = email {
            diesel::delete(subscribers::table.filter(subscribers::email.eq(&email))).execute(conn)?;
            diesel::delete(outbox::table.filter(outbox::to_address.eq(&email))).execute(conn)?;
        }
        Ok(())
    })
    .await?;
    Ok(respond_html(StatusCode::OK, unsubscribed_view(&state.registry)))
}

// ---- What people read. All the English of these pages is below. ----

fn form_view(registry: &Registry, email: &str, theme: &str, errors: &[(&str, String)]) -> Markup {
    let error_for = |field: &str| errors.iter().find(|(f, _)| *f == field).map(|(_, m)| m.clone());
    let email_error = error_for("email");
    let theme_error = error_for("theme");
    super::public_page(
        registry,
        "Email me when something changes",
        !errors.is_empty(),
        html! {
            (error_summary(errors))
            h1 { "Email me when something changes" }
            p { "We'll email you when the partnership answers what young people told us, or changes an answer." }
            p { "Your email address is kept on its own. It is never linked to any answers you gave, so we still won't know what you said." }
            form method="post" action="/subscribe" novalidate {
                div.question.has-error[email_error.is_some()] {
                    label.question-label for="email" { strong { "Your email address" } }
                    @if let Some(e) = &email_error { p.error-message #email-error { span.visually-hidden { "Error: " } (e) } }
                    input.text #email name="email" type="email" value=(email) autocomplete="email" spellcheck="false"
                        aria-describedby=[email_error.as_ref().map(|_| "email-error")];
                }
                div.question.has-error[theme_error.is_some()] {
                    label.question-label for="theme" { strong { "What about? (optional)" } }
                    @if let Some(e) = &theme_error { p.error-message #theme-error { span.visually-hidden { "Error: " } (e) } }
                    select #theme name="theme" aria-describedby=[theme_error.as_ref().map(|_| "theme-error")] {
                        option value="" selected[theme.is_empty()] { "Everything" }
                        @for t in &registry.themes { option value=(t.id) selected[t.id == theme] { (t.name) } }
                    }
                }
                p.small { "We'll send one email first to check it's you. Nothing else comes until you say yes. Every email has a link that deletes your address." }
                div.buttons { button.button type="submit" { "Sign up" } }
            }
            p { a href="/you-said-we-did" { "See what we did so far" } }
        },
    )
}

fn check_your_email_view(registry: &Registry) -> Markup {
    super::public_page(
        registry,
        "Check your email",
        false,
        html! {
            h1 { "Check your email" }
            p { "We've sent an email to check it's you. Open it and press the button to say yes." }
            p { "If nothing arrives in a few minutes, look in your spam or junk folder." }
            p { a href="/you-said-we-did" { "See what we did so far" } }
        },
    )
}

/// A page whose only job is one button that posts to `action`: what an
/// emailed link opens, so that a mail scanner fetching it changes nothing.
fn one_button_view(registry: &Registry, title: &str, words: &str, action: &str, button: &str) -> Markup {
    super::public_page(
        registry,
        title,
        false,
        html! {
            h1 { (title) }
            p { (words) }
            form method="post" action=(action) {
                div.buttons { button.button type="submit" { (button) } }
            }
        },
    )
}

fn confirm_view(registry: &Registry, token: &str) -> Markup {
    let words = "Press the button and we'll email you when the partnership answers what young people told us.";
    one_button_view(registry, "Say yes to emails", words, &format!("/subscribe/confirm/{token}"), "Yes, email me")
}

fn confirmed_view(registry: &Registry) -> Markup {
    super::public_page(
        registry,
        "You're signed up",
        false,
        html! {
            h1 { "You're signed up" }
            p { "Thank you. We'll email you when something changes. Every email has a link to stop them." }
            p { a href="/you-said-we-did" { "See what we did so far" } }
        },
    )
}

fn dead_link_view(registry: &Registry) -> Markup {
    super::public_page(
        registry,
        "This link doesn't work any more",
        false,
        html! {
            h1 { "This link doesn't work any more" }
            p { "It may have been used already, or it is more than 7 days old. You can sign up again if you like." }
            p { a href="/subscribe" { "Sign up again" } }
        },
    )
}

fn unsubscribe_view(registry: &Registry, token: &str) -> Markup {
    let words = "Press the button and we'll delete your email address. We won't email you again.";
    one_button_view(registry, "Stop these emails", words, &format!("/unsubscribe/{token}"), "Stop these emails")
}

fn unsubscribed_view(registry: &Registry) -> Markup {
    super::public_page(
        registry,
        "Emails stopped",
        false,
        html! {
            h1 { "Emails stopped" }
            p { "Your email address has been deleted. We won't email you again." }
            p { a href="/you-said-we-did" { "You can still see what we did here" } }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsubscribe_tokens_are_keyed_per_subscriber() {
        let (a, b) = ([1u8; 32], [2u8; 32]);
        assert_eq!(unsubscribe_token(&a, "x"), unsubscribe_token(&a, "x"));
        assert_ne!(unsubscribe_token(&a, "x"), unsubscribe_token(&a, "y"));
        assert_ne!(unsubscribe_token(&a, "x"), unsubscribe_token(&b, "x"));
        assert_ne!(token_hash(&unsubscribe_token(&a, "x")), unsubscribe_token(&a, "x"), "only the hash is stored");
    }
}
