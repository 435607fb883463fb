//! A lean HTTP/1.1 client: one keep-alive connection, one request at a time.
//! The load generator shares two cores with the server, so it should spend
//! as little CPU per request as it can; gzip is asked for, as a browser over
//! plain HTTP does, and undone here.

use std::io::{self, Read};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

pub struct Conn {
    stream: BufReader<TcpStream>,
    pub closed: bool,
}

pub struct Response {
    pub status: u16,
    pub body: Vec<u8>,
}

impl Response {
    pub fn text(&self) -> &str {
        std::str::from_utf8(&self.body).unwrap_or("")
    }
}

impl Conn {
    pub async fn connect(port: u16) -> io::Result<Conn> {
        let stream = TcpStream::connect(("127.0.0.1", port)).await?;
        Conn::over(stream)
    }

    /// A connection from another loopback address (all of 127/8 is this
    /// machine), so the server sees a different client: how the benchmark
    /// keeps an attacker's limits apart from a child's.
    pub async fn connect_from(source: std::net::Ipv4Addr, port: u16) -> io::Result<Conn> {
        Conn::over(open_from(source, port).await?)
    }

    fn over(stream: TcpStream) -> io::Result<Conn> {
        stream.set_nodelay(true)?;
        Ok(Conn { stream: BufReader::with_capacity(16 * 1024, stream), closed: false })
    }

    pub async fn get(&mut self, path: &str) -> io::Result<Response> {
        self.request("GET", path, None).await
    }

    pub async fn post_form(&mut self, path: &str, body: &str) -> io::Result<Response> {
        self.request("POST", path, Some(body.as_bytes())).await
    }

    pub async fn request(&mut self, method: &str, path: &str, body: Option<&[u8]>) -> io::Result<Response> {
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: listening-loop-bench\r\n\
             Accept: text/html,*/*\r\nAccept-Encoding: gzip, deflate\r\n"
        );
        if let Some(body) = body {
            head.push_str(&format!(
                "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n",
                body.len()
            ));
        }
        head.push_str("\r\n");
        let mut out = head.into_bytes();
        if let Some(body) = body {
            out.extend_from_slice(body);
        }
        let stream = self.stream.get_mut();
        stream.write_all(&out).await?;
        self.read_response().await
    }

    async fn read_response(&mut self) -> io::Result<Response> {
        let mut line = String::new();
        if self.stream.read_line(&mut line).await? == 0 {
            self.closed = true;
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "connection closed"));
        }
        let status: u16 = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| io::Error::other(format!("bad status line {line:?}")))?;
        let mut length = None;
        let mut chunked = false;
        let mut gzip = false;
        loop {
            line.clear();
            if self.stream.read_line(&mut line).await? == 0 {
                return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "closed in headers"));
            }
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            let Some((name, value)) = header.split_once(':') else { continue };
            let value = value.trim();
            match name.to_ascii_lowercase().as_str() {
                "content-length" => length = value.parse::<usize>().ok(),
                "transfer-encoding" => chunked = value.eq_ignore_ascii_case("chunked"),
                "content-encoding" => gzip = value.eq_ignore_ascii_case("gzip"),
                "connection" => self.closed = value.eq_ignore_ascii_case("close"),
                _ => {}
            }
        }
        let mut body = Vec::new();
        if chunked {
            loop {
                line.clear();
                self.stream.read_line(&mut line).await?;
                let size = usize::from_str_radix(line.trim().split(';').next().unwrap_or("0"), 16)
                    .map_err(|_| io::Error::other("bad chunk size"))?;
                if size == 0 {
                    line.clear();
                    self.stream.read_line(&mut line).await?;
                    break;
                }
                let start = body.len();
                body.resize(start + size, 0);
                self.stream.read_exact(&mut body[start..]).await?;
                let mut crlf = [0u8; 2];
                self.stream.read_exact(&mut crlf).await?;
            }
        } else if let Some(length) = length {
            body.resize(length, 0);
            self.stream.read_exact(&mut body).await?;
        }
        if gzip {
            let mut plain = Vec::with_capacity(body.len() * 4);
            flate2::read::GzDecoder::new(&body[..]).read_to_end(&mut plain)?;
            body = plain;
        }
        Ok(Response { status, body })
    }
}

/// A bare TCP connection to the server on loopback from `source`.
pub async fn open_from(source: std::net::Ipv4Addr, port: u16) -> io::Result<TcpStream> {
    let socket = tokio::net::TcpSocket::new_v4()?;
    socket.bind((source, 0).into())?;
    socket.connect((std::net::Ipv4Addr::LOCALHOST, port).into()).await
}

/// Keep-alive connections shared by requests that each need one at a time.
pub struct Pool {
    port: u16,
    /// Each idle connection with when it was given back.
    idle: std::sync::Mutex<Vec<(Conn, std::time::Instant)>>,
}

/// The server closes a keep-alive connection after 5 s idle (actix-web's
/// default). A pool keeps connections for less, as a browser's does, so a
/// request never goes out on one the server is closing.
const IDLE_FOR_AT_MOST: std::time::Duration = std::time::Duration::from_secs(2);

impl Pool {
    pub fn new(port: u16) -> Pool {
        Pool { port, idle: std::sync::Mutex::new(Vec::new()) }
    }

    pub async fn take(&self) -> io::Result<Conn> {
        let idle = {
            let mut idle = self.idle.lock().unwrap();
            // Most recently used last; the oldest are at the front.
            idle.retain(|(_, since)| since.elapsed() < IDLE_FOR_AT_MOST);
            idle.pop()
        };
        match idle {
            Some((conn, _)) => Ok(conn),
            None => Conn::connect(self.port).await,
        }
    }

    pub fn give_back(&self, conn: Conn) {
        if !conn.closed {
            self.idle.lock().unwrap().push((conn, std::time::Instant::now()));
        }
    }
}
