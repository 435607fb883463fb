//! Mail: every email goes into the `outbox` table in the same transaction as
//! the change that causes it, and a background worker sends it (SMTP, or
//! `.eml` files when no SMTP server is configured), retrying with backoff.
//! Nothing is lost when the mail server is down or the service restarts.

pub mod address;
pub mod transport;
pub mod worker;

use chrono::Utc;
use diesel::prelude::*;
use maud::{DOCTYPE, Markup, html};

pub use address::EmailAddress;

use crate::db::DbConnection;
use crate::db::schema::outbox;

/// A message ready to queue: a plain-text body and an HTML alternative.
pub struct Email {
    pub to: EmailAddress,
    pub subject: String,
    pub text: String,
    pub html: Markup,
    /// Where a one-click unsubscribe posts (RFC 8058): sent as the
    /// `List-Unsubscribe` and `List-Unsubscribe-Post` headers.
    pub list_unsubscribe: Option<String>,
}

impl Email {
    /// A simple message: paragraphs of text, and at most one button-like link.
    pub fn new(to: EmailAddress, subject: &str, paragraphs: &[&str], link: Option<(&str, &str)>) -> Email {
        Email::with_links(to, subject, paragraphs, link.as_slice())
    }

    /// Paragraphs of text, then each (label, URL) link on its own line.
    pub fn with_links<P: AsRef<str>>(
        to: EmailAddress,
        subject: &str,
        paragraphs: &[P],
        links: &[(&str, &str)],
    ) -> Email {
        let mut text = paragraphs.iter().map(AsRef::as_ref).collect::<Vec<_>>().join("\n\n");
        for (label, url) in links {
            text.push_str(&format!("\n\n{label}:\n{url}"));
        }
        text.push_str("\n\n-- \nListening Loop\n");
        let html = html! {
            (DOCTYPE)
            html lang="en" {
                head { meta charset="utf-8"; title { (subject) } }
                body {
                    @for p in paragraphs { p { (p.as_ref()) } }
                    @for (label, url) in links { p { a href=(url) { (label) } } }
                    p { "Listening Loop" }
                }
            }
        };
        Email { to, subject: subject.to_owned(), text, html, list_unsubscribe: None }
    }
}

/// A time rounded down to the hour.
pub fn to_the_hour(time: chrono::NaiveDateTime) -> chrono::NaiveDateTime {
    use chrono::Timelike;
    time.with_minute(0).and_then(|t| t.with_second(0)).and_then(|t| t.with_nanosecond(0)).unwrap_or(time)
}

/// Puts a message in the outbox. Call it inside the transaction that makes
/// the change the message is about, so both happen or neither does.
pub fn enqueue(conn: &mut DbConnection, email: &Email) -> QueryResult<()> {
    insert(conn, email, true)
}

/// Runs the statement [`enqueue`] runs, with the same values, but queues
/// nothing: for a request that must take as long as one that sends mail,
/// without mailing anyone.
pub fn enqueue_nothing(conn: &mut DbConnection, email: &Email) -> QueryResult<()> {
    insert(conn, email, false)
}

/// One statement whether or not it stores anything: the message's values,
/// selected only when `really`.
fn insert(conn: &mut DbConnection, email: &Email, really: bool) -> QueryResult<()> {
    use diesel::sql_types::{Bool, Integer, Nullable, Text, Timestamp};
    // To the hour, like `sent_at`: an alert queued with a flagged response
    // must not record when that response arrived.
    let now = to_the_hour(Utc::now().naive_utc());
    let values = diesel::select((
        crate::random::random_id().into_sql::<Text>(),
        email.to.as_str().into_sql::<Text>(),
        email.subject.as_str().into_sql::<Text>(),
        email.text.as_str().into_sql::<Text>(),
        email.html.clone().into_string().into_sql::<Text>(),
        now.into_sql::<Timestamp>(),
        0.into_sql::<Integer>(),
        now.into_sql::<Timestamp>(),
        email.list_unsubscribe.as_deref().into_sql::<Nullable<Text>>(),
    ))
    .filter(really.into_sql::<Bool>());
    diesel::insert_into(outbox::table)
        .values(values)
        .into_columns((
            outbox::id,
            outbox::to_address,
            outbox::subject,
            outbox::text_body,
            outbox::html_body,
            outbox::created_at,
            outbox::attempts,
            outbox::next_attempt_at,
            outbox::list_unsubscribe,
        ))
        .execute(conn)?;
    Ok(())
}
