//! Where mail goes: an SMTP server, or `.eml` files in a folder.

use std::path::PathBuf;

use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// How the worker sends.
#[derive(Clone)]
pub enum Transport {
    /// `SMTP_URL`, e.g. `smtp://127.0.0.1:2525` or `smtps://user:pass@host`.
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// `./data/outbox/*.eml`, when no SMTP server is configured.
    Files(PathBuf),
}

impl Transport {
    /// From `SMTP_URL`, or the file folder when it is unset.
    pub fn new(smtp_url: Option<&str>, folder: PathBuf) -> Result<Transport, String> {
        match smtp_url {
            Some(url) => AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                .map(|b| Transport::Smtp(b.build()))
                .map_err(|e| format!("SMTP_URL is not usable: {e}")),
            None => {
                std::fs::create_dir_all(&folder).map_err(|e| format!("cannot create {}: {e}", folder.display()))?;
                Ok(Transport::Files(folder))
            }
        }
    }

    /// Sends one message. The error is for the log and the admin's outbox page.
    pub async fn send(&self, from: &Mailbox, to: &str, subject: &str, text: &str, html: &str) -> Result<(), String> {
        let to: Mailbox = to.parse().map_err(|e| format!("bad recipient: {e}"))?;
        let message = Message::builder()
            .from(from.clone())
            .to(to)
            .subject(subject)
            .multipart(MultiPart::alternative_plain_html(text.to_owned(), html.to_owned()))
            .map_err(|e| format!("cannot build the message: {e}"))?;
        match self {
            Transport::Smtp(smtp) => smtp.send(message).await.map(|_| ()).map_err(|e| e.to_string()),
            Transport::Files(folder) => AsyncFileTransport::<Tokio1Executor>::new(folder)
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string()),
        }
    }
}
