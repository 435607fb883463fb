//! Where mail goes: an SMTP server, or `.eml` files in a folder.

use std::path::PathBuf;

use lettre::message::header::{Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// Why mail cannot be sent from here at all (checked at start).
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("SMTP_URL is not usable: {0}")]
    SmtpUrl(#[source] lettre::transport::smtp::Error),
    #[error("cannot create {}: {source}", .folder.display())]
    Folder { folder: PathBuf, source: std::io::Error },
}

/// Why one message was not sent.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error("bad recipient: {0}")]
    Recipient(#[source] lettre::address::AddressError),
    #[error("cannot build the message: {0}")]
    Build(#[source] lettre::error::Error),
    #[error(transparent)]
    Smtp(#[from] lettre::transport::smtp::Error),
    #[error(transparent)]
    File(#[from] lettre::transport::file::Error),
}

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
    pub fn new(smtp_url: Option<&str>, folder: PathBuf) -> Result<Transport, SetupError> {
        match smtp_url {
            Some(url) => AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                .map(|b| Transport::Smtp(b.build()))
                .map_err(SetupError::SmtpUrl),
            None => {
                if let Err(source) = std::fs::create_dir_all(&folder) {
                    return Err(SetupError::Folder { folder, source });
                }
                Ok(Transport::Files(folder))
            }
        }
    }

    /// Sends one message; with `list_unsubscribe`, a one-click unsubscribe
    /// URL (RFC 8058). The error is for the log and the admin's outbox page.
    pub async fn send(
        &self,
        from: &Mailbox,
        to: &str,
        subject: &str,
        text: &str,
        html: &str,
        list_unsubscribe: Option<&str>,
    ) -> Result<(), SendError> {
        let to: Mailbox = to.parse().map_err(SendError::Recipient)?;
        let mut builder = Message::builder().from(from.clone()).to(to).subject(subject);
        if let Some(url) = list_unsubscribe {
            builder = builder.header(ListUnsubscribe(format!("<{url}>"))).header(ListUnsubscribePost);
        }
        let message = builder
            .multipart(MultiPart::alternative_plain_html(text.to_owned(), html.to_owned()))
            .map_err(SendError::Build)?;
        match self {
            Transport::Smtp(smtp) => {
                smtp.send(message).await?;
            }
            Transport::Files(folder) => {
                AsyncFileTransport::<Tokio1Executor>::new(folder).send(message).await?;
            }
        }
        Ok(())
    }
}

/// `List-Unsubscribe: <https://…>`: where mail programs offer "unsubscribe".
#[derive(Clone)]
struct ListUnsubscribe(String);

impl Header for ListUnsubscribe {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribe(s.to_owned()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

/// `List-Unsubscribe-Post: List-Unsubscribe=One-Click`: the link may be
/// posted to without opening a page (RFC 8058).
#[derive(Clone)]
struct ListUnsubscribePost;

impl Header for ListUnsubscribePost {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe-Post")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribePost)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "List-Unsubscribe=One-Click".to_owned())
    }
}
