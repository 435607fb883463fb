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
use chrono::{TimeDelta, Utc};
use diesel::prelude::*;
use hmac::{Hmac, Mac};
use maud::{DOCTYPE, Markup, html};
use sha2::{Digest, Sha256};

use super::{error_message, error_summary, lang_field, read_limited_form, words_for};

use crate::db::schema::{outbox, subscribers};
use crate::db::{DbConnection, on_backend};
use crate::mail::address::BadEmail;
use crate::mail::{self, Email, EmailAddress};
use crate::surveys::{Key, Registry, Words};
use crate::web::AppState;
use crate::web::{AppError, html as respond_html, in_read_transaction, in_transaction, pad_to_same_time};

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

    /// The link that stops the emails, opening its page in `w`'s language.
    fn unsubscribe(&self, w: &Words<'_>, id: &str) -> String {
        format!("{}{}", self.base_url, w.href(&format!("/unsubscribe/{}", unsubscribe_token(&self.key, id))))
    }

    /// An address on this site, opening in `w`'s language.
    fn to(&self, w: &Words<'_>, path: &str) -> String {
        format!("{}{}", self.base_url, w.href(path))
    }
}

/// One paragraph of an email: as plain text, and as HTML where what staff
/// wrote (in English) is marked so.
type Paragraph = (String, Markup);

fn paragraph(w: &Words<'_>, key: Key) -> Paragraph {
    (w.s(key).into_owned(), w.t(key))
}

/// A paragraph with staff-written English filled in for `{name}`.
fn paragraph_with(w: &Words<'_>, key: Key, name: &str, english: &str) -> Paragraph {
    (w.s_with(key, &[(name, english)]).into_owned(), w.fill(key, &[(name, w.english(english))]))
}

/// An email in `w`'s language, with a main link and, always, the link that
/// stops them (also sent as `List-Unsubscribe`).
fn email(
    w: &Words<'_>,
    to: EmailAddress,
    subject: Key,
    paragraphs: &[Paragraph],
    main: (Key, &str),
    stop: &str,
) -> Email {
    let subject = w.s(subject).into_owned();
    let links = [(w.s(main.0), main.1), (w.s(Key::EmailStop), stop)];
    let mut text = paragraphs.iter().map(|(t, _)| t.as_str()).collect::<Vec<_>>().join("\n\n");
    for (label, url) in &links {
        text.push_str(&format!("\n\n{label}:\n{url}"));
    }
    text.push_str(&format!("\n\n-- \n{}\n", w.s(Key::LayoutBrand)));
    let html = html! {
        (DOCTYPE)
        html lang=(w.code()) dir=(w.dir()) {
            head { meta charset="utf-8"; title { (subject) } }
            body {
                @for (_, p) in paragraphs { p { (p) } }
                @for (label, url) in &links { p { a href=(url) { (label) } } }
                p { (w.t(Key::LayoutBrand)) }
            }
        }
    };
    Email { to, subject, text, html, list_unsubscribe: Some(stop.to_owned()) }
}

/// One subscriber, as notifications need them.
#[derive(Queryable)]
struct Confirmed {
    id: String,
    email: String,
    language: String,
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
        .select((subscribers::id, subscribers::email, subscribers::language))
        .load(conn)?;
    let names: Vec<&str> = themes.iter().filter_map(|t| registry.theme(t)).map(|t| t.name.as_str()).collect();
    let names = names.join(", ");
    let (subject, news) =
        if first { (Key::EmailNewSubject, Key::EmailNew) } else { (Key::EmailChangedSubject, Key::EmailChanged) };
    let mut queued = 0;
    for person in people {
        let Ok(to) = EmailAddress::parse(&person.email) else { continue };
        // The words of the language they signed up in (English if that
        // language has since been taken away).
        let w = registry.catalogue.words(&person.language);
        let mut paragraphs = vec![
            paragraph(&w, Key::EmailHello),
            paragraph_with(&w, news, "themes", &names),
            paragraph_with(&w, Key::EmailWeDid, "text", child_text),
        ];
        if !w.is_english() {
            paragraphs.push(paragraph(&w, Key::EmailInEnglish));
        }
        paragraphs.push(paragraph(&w, Key::EmailThanks));
        let (board, stop) = (links.to(&w, "/you-said-we-did"), links.unsubscribe(&w, &person.id));
        mail::enqueue(conn, &email(&w, to, subject, &paragraphs, (Key::EmailSee, &board), &stop))?;
        queued += 1;
    }
    Ok(queued)
}

/// `GET /subscribe` (`?lang=` picks the language, and the emails').
pub async fn form(state: State, req: HttpRequest) -> Result<HttpResponse, AppError> {
    let w = words_for(&state.registry, &req, None);
    Ok(respond_html(StatusCode::OK, form_view(w, &state.registry, "", "", &[])))
}

/// What happened to a sign-up. The page says the same in every case, so it
/// never tells anyone whether an address is already signed up.
enum SignUp {
    Stored,
    Invalid(Vec<(&'static str, Key)>),
}

/// `POST /subscribe`
///
/// Takes [`crate::limits::SAME_TIME`] whatever the address: see [`sign_up`].
pub async fn subscribe(state: State, req: HttpRequest, payload: web::Payload) -> Result<HttpResponse, AppError> {
    let started = std::time::Instant::now();
    // Sign-ups send mail: limit them per client, like receipt code lookups.
    let form = read_limited_form(&state, &req, payload, "subscribe").await?;
    let registry = &state.registry;
    let w = words_for(registry, &req, Some(&form));
    let typed = form.get("email").unwrap_or_default().trim().to_owned();
    let theme = form.get("theme").unwrap_or_default().trim().to_owned();
    let mut errors = Vec::new();
    let address = match EmailAddress::parse(&typed) {
        Ok(a) => Some(a),
        Err(BadEmail::Empty) => {
            errors.push(("email", Key::SubscribeEmailEmpty));
            None
        }
        Err(BadEmail::Shape) => {
            errors.push(("email", Key::SubscribeEmailShape));
            None
        }
    };
    if !theme.is_empty() && registry.theme(&theme).is_none() {
        errors.push(("theme", Key::SubscribeThemeUnknown));
    }
    let outcome = match address {
        Some(address) if errors.is_empty() => {
            let links = Links::of(&state);
            let theme = (!theme.is_empty()).then_some(theme.clone());
            let words_of = state.registry.clone();
            // The emails are in the language of the page they signed up on.
            let language = w.code().to_owned();
            in_transaction(&state.db, move |conn| {
                let w = words_of.catalogue.words(&language);
                sign_up(conn, &w, &links, &address, theme.as_deref())
            })
            .await?;
            pad_to_same_time(started).await;
            SignUp::Stored
        }
        _ => SignUp::Invalid(errors),
    };
    match outcome {
        SignUp::Stored => Ok(respond_html(StatusCode::OK, check_your_email_view(w, registry))),
        SignUp::Invalid(errors) => {
            Ok(respond_html(StatusCode::BAD_REQUEST, form_view(w, registry, &typed, &theme, &errors)))
        }
    }
}

/// Deletes addresses whose confirmation link ran out unused: nobody said
/// yes, so we keep nothing. Run daily (a sign-up forgets its own address's).
pub fn forget_unconfirmed(conn: &mut DbConnection) -> QueryResult<usize> {
    let cutoff = Utc::now().naive_utc() - CONFIRM_FOR;
    diesel::delete(
        subscribers::table.filter(subscribers::confirmed_at.is_null()).filter(subscribers::created_at.lt(cutoff)),
    )
    .execute(conn)
}

/// Stores a new, unconfirmed address and queues the one confirmation email.
/// An address already signed up gets nothing new, whether confirmed or still
/// waiting for its link to be used: the link keeps the expiry it was sent
/// with, nobody can change someone else's sign-up (its theme or language),
/// and nobody can mail a stranger over and over. Once the link has run out
/// the address is forgotten (below), and signing up again starts afresh.
///
/// Either way the same work is done, so its time does not tell whether the
/// address was known: the same statements, the email written, and one
/// commit to disk. What writing a new one's rows costs is hidden under
/// [`crate::limits::SAME_TIME`].
fn sign_up(
    conn: &mut DbConnection,
    w: &Words<'_>,
    links: &Links,
    address: &EmailAddress,
    theme: Option<&str>,
) -> QueryResult<()> {
    let now = Utc::now().naive_utc();
    // This address only, found by its unique index: the work does not grow
    // with the list (the daily round forgets the others).
    diesel::delete(
        subscribers::table
            .filter(subscribers::email.eq(address.as_str()))
            .filter(subscribers::confirmed_at.is_null())
            .filter(subscribers::created_at.lt(now - CONFIRM_FOR)),
    )
    .execute(conn)?;
    let mut bytes = [0u8; 32];
    crate::random::random_bytes(&mut bytes);
    let raw = hex::encode(bytes);
    let id = crate::random::random_id();
    let paragraphs =
        [paragraph(w, Key::EmailHello), paragraph(w, Key::EmailConfirmAsked), paragraph(w, Key::EmailConfirmNothing)];
    let confirm = links.to(w, &format!("/subscribe/confirm/{raw}"));
    let stop = links.unsubscribe(w, &id);
    let message =
        email(w, address.clone(), Key::EmailConfirmSubject, &paragraphs, (Key::SubscribeYes, &confirm), &stop);
    // One statement decides, so two sign-ups of one address at once (on
    // two instances, say) store it and mail it once.
    let query = diesel::insert_into(subscribers::table)
        .values((
            subscribers::id.eq(&id),
            subscribers::email.eq(address.as_str()),
            subscribers::theme_id.eq(theme),
            subscribers::confirm_hash.eq(token_hash(&raw)),
            subscribers::unsubscribe_hash.eq(token_hash(&unsubscribe_token(&links.key, &id))),
            subscribers::created_at.eq(now),
            subscribers::language.eq(w.code()),
        ))
        .on_conflict(subscribers::email)
        .do_nothing();
    if on_backend!(conn, query)? == 0 {
        // Already signed up. The row is written back as it is, so that this
        // answer costs a commit to disk like a new sign-up's, and the email
        // goes through the statement that would queue it, queuing nothing.
        diesel::update(subscribers::table.filter(subscribers::email.eq(address.as_str())))
            .set(subscribers::email.eq(subscribers::email))
            .execute(conn)?;
        return mail::enqueue_nothing(conn, &message);
    }
    mail::enqueue(conn, &message)
}

/// `GET /subscribe/confirm/{token}`: one button, so a mail scanner that
/// fetches the link confirms nothing.
pub async fn confirm_form(state: State, req: HttpRequest, token: web::Path<String>) -> Result<HttpResponse, AppError> {
    let w = words_for(&state.registry, &req, None);
    let hash = token_hash(&token);
    let live = in_read_transaction(&state.db, move |conn| confirmable(conn, &hash)).await?;
    let markup =
        if live.is_some() { confirm_view(w, &state.registry, &token) } else { dead_link_view(w, &state.registry) };
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
pub async fn confirm(state: State, req: HttpRequest, token: web::Path<String>) -> Result<HttpResponse, AppError> {
    let w = words_for(&state.registry, &req, None);
    let hash = token_hash(&token);
    let done = in_transaction(&state.db, move |conn| {
        let Some(id) = confirmable(conn, &hash)? else { return Ok(false) };
        diesel::update(subscribers::table.filter(subscribers::id.eq(&id)))
            .set((subscribers::confirmed_at.eq(Utc::now().naive_utc()), subscribers::confirm_hash.eq(None::<String>)))
            .execute(conn)?;
        Ok(true)
    })
    .await?;
    let markup = if done { confirmed_view(w, &state.registry) } else { dead_link_view(w, &state.registry) };
    Ok(respond_html(if done { StatusCode::OK } else { StatusCode::NOT_FOUND }, markup))
}

/// `GET /unsubscribe/{token}`: one "Stop these emails" button. The page is
/// the same whether or not the link is still live.
pub async fn unsubscribe_form(
    state: State,
    req: HttpRequest,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let w = words_for(&state.registry, &req, None);
    Ok(respond_html(StatusCode::OK, unsubscribe_view(w, &state.registry, &token)))
}

/// `POST /unsubscribe/{token}`: deletes the address, and every message to it
/// still in the outbox (sent ones too: they are kept only for the admins'
/// view, and the person asked us to forget them).
pub async fn unsubscribe(state: State, req: HttpRequest, token: web::Path<String>) -> Result<HttpResponse, AppError> {
    let w = words_for(&state.registry, &req, None);
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
    Ok(respond_html(StatusCode::OK, unsubscribed_view(w, &state.registry)))
}

// ---- What people read: the words are in the catalogue (`[subscribe]`). ----

fn form_view(w: Words<'_>, registry: &Registry, email: &str, theme: &str, errors: &[(&str, Key)]) -> Markup {
    let error_for = |field: &str| errors.iter().find(|(f, _)| *f == field).map(|(_, k)| *k);
    let email_error = error_for("email");
    let theme_error = error_for("theme");
    // Theme names are written by staff in English: marked so on other pages.
    let english = (!w.is_english()).then_some("en");
    super::public_page(
        w,
        registry,
        &w.s(Key::SubscribeTitle),
        !errors.is_empty(),
        html! {
            (error_summary(&w, errors))
            h1 { (w.t(Key::SubscribeTitle)) }
            p { (w.t(Key::SubscribeLead)) }
            p { (w.t(Key::SubscribeApart)) }
            form method="post" action=(w.href("/subscribe")) novalidate {
                (lang_field(&w))
                div.question.has-error[email_error.is_some()] {
                    label.question-label for="email" { strong { (w.t(Key::SubscribeEmail)) } }
                    (error_message(&w, "email", email_error))
                    // An address is written left to right in every language.
                    input.text #email name="email" type="email" value=(email) dir="ltr" autocomplete="email" spellcheck="false"
                        aria-describedby=[email_error.map(|_| "email-error")];
                }
                div.question.has-error[theme_error.is_some()] {
                    label.question-label for="theme" { strong { (w.t(Key::SubscribeTheme)) } }
                    (error_message(&w, "theme", theme_error))
                    select #theme name="theme" aria-describedby=[theme_error.map(|_| "theme-error")] {
                        option value="" selected[theme.is_empty()] { (w.s(Key::BoardEverything)) }
                        @for t in &registry.themes { option value=(t.id) lang=[english] selected[t.id == theme] { (t.name) } }
                    }
                }
                p.small { (w.t(Key::SubscribeFirstEmail)) }
                div.buttons { button.button type="submit" { (w.t(Key::SubscribeSignUp)) } }
            }
            p { a href=(w.href("/you-said-we-did")) { (w.t(Key::SubscribeSeeSoFar)) } }
        },
    )
}

/// A short page: a heading, a few sentences, and a link.
fn message_view(w: Words<'_>, registry: &Registry, title: Key, lines: &[Key], link: (&str, Key)) -> Markup {
    super::titled_page(
        w,
        registry,
        title,
        html! {
            @for line in lines { p { (w.t(*line)) } }
            p { a href=(w.href(link.0)) { (w.t(link.1)) } }
        },
    )
}

fn check_your_email_view(w: Words<'_>, registry: &Registry) -> Markup {
    let lines = [Key::SubscribeCheckSent, Key::SubscribeCheckSpam];
    message_view(w, registry, Key::SubscribeCheckTitle, &lines, ("/you-said-we-did", Key::SubscribeSeeSoFar))
}

/// A page whose only job is one button that posts to `action`: what an
/// emailed link opens, so that a mail scanner fetching it changes nothing.
fn one_button_view(w: Words<'_>, registry: &Registry, title: Key, words: Key, action: &str, button: Key) -> Markup {
    super::titled_page(
        w,
        registry,
        title,
        html! {
            p { (w.t(words)) }
            form method="post" action=(w.href(action)) {
                div.buttons { button.button type="submit" { (w.t(button)) } }
            }
        },
    )
}

fn confirm_view(w: Words<'_>, registry: &Registry, token: &str) -> Markup {
    let action = format!("/subscribe/confirm/{token}");
    one_button_view(w, registry, Key::SubscribeConfirmTitle, Key::SubscribeConfirm, &action, Key::SubscribeYes)
}

fn confirmed_view(w: Words<'_>, registry: &Registry) -> Markup {
    message_view(
        w,
        registry,
        Key::SubscribeDoneTitle,
        &[Key::SubscribeDone],
        ("/you-said-we-did", Key::SubscribeSeeSoFar),
    )
}

fn dead_link_view(w: Words<'_>, registry: &Registry) -> Markup {
    message_view(w, registry, Key::SubscribeDeadTitle, &[Key::SubscribeDead], ("/subscribe", Key::SubscribeAgain))
}

fn unsubscribe_view(w: Words<'_>, registry: &Registry, token: &str) -> Markup {
    let action = format!("/unsubscribe/{token}");
    one_button_view(w, registry, Key::SubscribeStopTitle, Key::SubscribeStop, &action, Key::SubscribeStopTitle)
}

fn unsubscribed_view(w: Words<'_>, registry: &Registry) -> Markup {
    let lines = [Key::SubscribeStopped];
    message_view(w, registry, Key::SubscribeStoppedTitle, &lines, ("/you-said-we-did", Key::SubscribeStillSee))
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

    /// The file outbox deletes an email once it is as old as this; a
    /// confirmation link that outlived it would sit there working.
    #[test]
    fn no_confirmation_link_outlives_its_emails_file() {
        assert!(CONFIRM_FOR <= crate::mail::worker::KEEP_SENT);
    }
}
