//! A real SMTP listener on a local port, for tests: it speaks just enough
//! SMTP for lettre, keeps every message it accepts, and can be stopped and
//! started again on the same port.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// One accepted message.
#[derive(Debug, Clone)]
pub struct Received {
    pub to: Vec<String>,
    pub data: String,
}

impl Received {
    /// The message with quoted-printable soft line breaks and `=3D` undone.
    pub fn text(&self) -> String {
        self.data.replace("=\r\n", "").replace("=3D", "=")
    }

    /// The first link in the message that starts with `prefix`.
    pub fn link(&self, prefix: &str) -> Option<String> {
        let text = self.text();
        let start = text.find(prefix)?;
        let rest = &text[start..];
        let end = rest.find(|c: char| c.is_whitespace() || matches!(c, '"' | '<' | '>')).unwrap_or(rest.len());
        Some(rest[..end].to_owned())
    }
}

pub struct SmtpListener {
    pub port: u16,
    pub messages: Arc<Mutex<Vec<Received>>>,
    task: Option<JoinHandle<()>>,
    sessions: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl SmtpListener {
    /// Listens on a free port.
    pub async fn start() -> SmtpListener {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind an SMTP port");
        let port = listener.local_addr().unwrap().port();
        let messages = Arc::new(Mutex::new(Vec::new()));
        let sessions = Arc::new(Mutex::new(Vec::new()));
        let task = Some(tokio::spawn(serve(listener, messages.clone(), sessions.clone())));
        SmtpListener { port, messages, task, sessions }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Stops accepting connections (the port refuses them) and drops the
    /// open ones, as a mail server going down would.
    pub fn stop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
        for session in self.sessions.lock().unwrap().drain(..) {
            session.abort();
        }
    }

    /// Listens again on the same port.
    pub async fn restart(&mut self) {
        self.stop();
        let listener = TcpListener::bind(("127.0.0.1", self.port)).await.expect("bind the same SMTP port again");
        self.task = Some(tokio::spawn(serve(listener, self.messages.clone(), self.sessions.clone())));
    }

    pub fn received(&self) -> Vec<Received> {
        self.messages.lock().unwrap().clone()
    }

    /// Waits up to `seconds` for a message to `to`.
    pub async fn wait_for(&self, to: &str, seconds: u64) -> Option<Received> {
        for _ in 0..seconds * 20 {
            if let Some(m) = self.received().into_iter().find(|m| m.to.iter().any(|t| t == to)) {
                return Some(m);
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        None
    }
}

impl Drop for SmtpListener {
    fn drop(&mut self) {
        self.stop();
    }
}

async fn serve(listener: TcpListener, messages: Arc<Mutex<Vec<Received>>>, sessions: Arc<Mutex<Vec<JoinHandle<()>>>>) {
    while let Ok((socket, _)) = listener.accept().await {
        let handle = tokio::spawn(session(socket, messages.clone()));
        sessions.lock().unwrap().push(handle);
    }
}

async fn session(socket: tokio::net::TcpStream, messages: Arc<Mutex<Vec<Received>>>) {
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read).lines();
    let _ = write.write_all(b"220 test.invalid ESMTP\r\n").await;
    let mut to = Vec::new();
    while let Ok(Some(line)) = lines.next_line().await {
        let upper = line.to_ascii_uppercase();
        let reply: &[u8] = if upper.starts_with("EHLO") {
            b"250-test.invalid\r\n250 8BITMIME\r\n"
        } else if upper.starts_with("HELO") || upper.starts_with("MAIL FROM") || upper.starts_with("NOOP") {
            b"250 OK\r\n"
        } else if upper.starts_with("RSET") {
            to.clear();
            b"250 OK\r\n"
        } else if upper.starts_with("RCPT TO") {
            let address = line.split_once('<').and_then(|(_, r)| r.split_once('>')).map(|(a, _)| a.to_owned());
            to.push(address.unwrap_or_default());
            b"250 OK\r\n"
        } else if upper.starts_with("DATA") {
            let _ = write.write_all(b"354 go ahead\r\n").await;
            let mut data = String::new();
            while let Ok(Some(l)) = lines.next_line().await {
                if l == "." {
                    break;
                }
                data.push_str(l.strip_prefix('.').filter(|_| l.starts_with("..")).unwrap_or(&l));
                data.push_str("\r\n");
            }
            messages.lock().unwrap().push(Received { to: std::mem::take(&mut to), data });
            b"250 queued\r\n"
        } else if upper.starts_with("QUIT") {
            let _ = write.write_all(b"221 bye\r\n").await;
            return;
        } else {
            b"502 not here\r\n"
        };
        if write.write_all(reply).await.is_err() {
            return;
        }
    }
}
