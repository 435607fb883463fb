//! Where mail goes: an SMTP server, or `.eml` files in a folder.
//!
//! The folder is the service's own (0700) and each file is 0600: the
//! emails carry addresses and working links (an invite sets a staff
//! password). A file is deleted once it is as old as a sent message the
//! outbox keeps ([`super::worker::KEEP_SENT`]), by when every link in it
//! that runs out has run out.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use lettre::message::header::{Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

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
    #[error("cannot write the email's file: {0}")]
    File(#[source] std::io::Error),
}

/// How the worker sends.
#[derive(Clone)]
pub enum Transport {
    /// `SMTP_URL`, e.g. `smtp://127.0.0.1:2525` or `smtps://user:pass@host`.
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// `./data/outbox/*.eml`, when no SMTP server is configured: a folder
    /// only the service's user may open, each file 0600.
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
                if let Err(source) = crate::private_files::own_folder(&folder) {
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
                let file = folder.join(format!("{}.eml", crate::random::random_id()));
                tokio::task::spawn_blocking(move || crate::private_files::write_new(&file, &message.formatted()))
                    .await
                    .map_err(std::io::Error::other)
                    .and_then(|written| written)
                    .map_err(SendError::File)?;
            }
        }
        Ok(())
    }

    /// Deletes the file outbox's emails last written before `cutoff`, and
    /// says how many. Nothing to do for SMTP.
    pub fn delete_files_older_than(&self, cutoff: SystemTime) -> std::io::Result<usize> {
        match self {
            Transport::Smtp(_) => Ok(0),
            Transport::Files(folder) => delete_emails_older_than(folder, cutoff),
        }
    }
}

/// Deletes the `.eml` files in `folder` last written before `cutoff`.
/// Another instance sweeping the same folder may have deleted one first.
fn delete_emails_older_than(folder: &Path, cutoff: SystemTime) -> std::io::Result<usize> {
    let mut deleted = 0;
    for entry in std::fs::read_dir(folder)? {
        let entry = entry?;
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "eml") {
            continue;
        }
        let metadata = match entry.metadata() {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        if !metadata.is_file() || metadata.modified()? >= cutoff {
            continue;
        }
        match std::fs::remove_file(&path) {
            Ok(()) => deleted += 1,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    Ok(deleted)
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn from() -> Mailbox {
        "Listening Loop <test@listening-loop.invalid>".parse().unwrap()
    }

    fn emails_in(folder: &Path) -> Vec<PathBuf> {
        let mut all: Vec<PathBuf> = std::fs::read_dir(folder).unwrap().map(|e| e.unwrap().path()).collect();
        all.retain(|p| p.extension().is_some_and(|e| e == "eml"));
        all
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn the_file_outbox_is_the_services_user_alone() {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o7777;
        let tmp = tempfile::tempdir().unwrap();
        let folder = tmp.path().join("data/outbox");
        let transport = Transport::new(None, folder.clone()).unwrap();
        transport.send(&from(), "sam@example.org", "Hello", "Set a password", "<p>Set</p>", None).await.unwrap();
        assert_eq!(mode(&folder), 0o700);
        assert_eq!(mode(&tmp.path().join("data")), 0o700, "a data folder it makes too");
        let [email] = emails_in(&folder).try_into().expect("one email");
        assert_eq!(mode(&email), 0o600);
        let text = std::fs::read_to_string(&email).unwrap();
        assert!(text.contains("Subject: Hello") && text.contains("sam@example.org"), "{text}");

        // A folder an older version left open to others is closed at start.
        std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o755)).unwrap();
        Transport::new(None, folder.clone()).unwrap();
        assert_eq!(mode(&folder), 0o700);
    }

    #[tokio::test]
    async fn old_emails_are_deleted_and_newer_ones_kept() {
        let tmp = tempfile::tempdir().unwrap();
        let folder = tmp.path().join("outbox");
        let transport = Transport::new(None, folder.clone()).unwrap();
        for subject in ["old", "new"] {
            transport.send(&from(), "sam@example.org", subject, "text", "<p>html</p>", None).await.unwrap();
        }
        let now = SystemTime::now();
        let week = Duration::from_secs(7 * 24 * 3600);
        let old = emails_in(&folder)
            .into_iter()
            .find(|p| std::fs::read_to_string(p).unwrap().contains("Subject: old"))
            .unwrap();
        let file = std::fs::File::options().write(true).open(&old).unwrap();
        file.set_modified(now - week - Duration::from_secs(60)).unwrap();
        // Not an email: left alone, however old.
        let other = folder.join("notes.txt");
        std::fs::write(&other, "x").unwrap();
        std::fs::File::options().write(true).open(&other).unwrap().set_modified(now - 2 * week).unwrap();

        assert_eq!(transport.delete_files_older_than(now - week).unwrap(), 1);
        let left = emails_in(&folder);
        assert_eq!(left.len(), 1);
        assert!(std::fs::read_to_string(&left[0]).unwrap().contains("Subject: new"));
        assert!(other.exists());
        assert_eq!(transport.delete_files_older_than(now - week).unwrap(), 0, "nothing more to do");
    }
}
