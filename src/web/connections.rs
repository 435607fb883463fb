//! Closes a kept-alive connection that starts another request and never
//! finishes its headers.
//!
//! actix times the headers of a connection's *first* request only
//! (`client_request_timeout`). After a response, its keep-alive timer stops
//! at the first byte of the next request, and nothing times the rest: a
//! client could hold a connection for ever by sending one request, then
//! half a header. So each connection is watched from when it is accepted:
//! whenever no request is being served on it (from the end of the last
//! response's body), the next request's headers must be in within the
//! keep-alive time plus the header time, or the connection is shut.
//!
//! A request being served is never cut off here: reading a form has its own
//! deadline (`Form::read`), and a long download (an export) may take as long
//! as it needs.

use std::cell::Cell;
use std::os::fd::AsFd;
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use actix_web::body::{BodySize, BoxBody, MessageBody};
use actix_web::dev::{Extensions, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use tokio::sync::oneshot;

/// One connection's watch, kept in its extensions (`HttpRequest::conn_data`).
#[derive(Clone)]
pub struct Watched(Rc<State>);

struct State {
    /// Requests on the connection not yet answered to their last byte.
    busy: Cell<usize>,
    /// When the connection last had no request in hand.
    idle_since: Cell<Instant>,
    /// Dropped with the connection's last reference: the watch ends at once
    /// and lets go of its copy of the socket.
    _gone: oneshot::Sender<()>,
}

/// Starts watching a connection just accepted (from `HttpServer::on_connect`):
/// whenever it has no request in hand for longer than `allowance`, it is shut.
pub fn watch(tcp: &actix_web::rt::net::TcpStream, extensions: &mut Extensions, allowance: Duration) {
    // A second handle on the socket, to shut it from outside actix.
    let Ok(handle) = tcp.as_fd().try_clone_to_owned() else {
        tracing::warn!("could not watch a connection for slow headers");
        return;
    };
    let socket = std::net::TcpStream::from(handle);
    let (gone, mut ended) = oneshot::channel();
    let state = Rc::new(State { busy: Cell::new(0), idle_since: Cell::new(Instant::now()), _gone: gone });
    let weak: Weak<State> = Rc::downgrade(&state);
    extensions.insert(Watched(state));
    actix_web::rt::spawn(async move {
        loop {
            let wait = match weak.upgrade() {
                None => return,
                // Look again later: the request may end well before then.
                Some(state) if state.busy.get() > 0 => allowance,
                Some(state) => {
                    let due = state.idle_since.get() + allowance;
                    match due.checked_duration_since(Instant::now()) {
                        Some(left) if !left.is_zero() => left,
                        _ => {
                            let _ = socket.shutdown(std::net::Shutdown::Both);
                            return;
                        }
                    }
                }
            };
            tokio::select! {
                _ = &mut ended => return,
                _ = tokio::time::sleep(wait) => {}
            }
        }
    });
}

/// Marks the connection busy from a request's arrival until the last byte
/// of its response has gone (or the response is dropped).
pub async fn track_requests(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let busy = req.conn_data::<Watched>().map(Busy::new);
    let res = next.call(req).await?;
    Ok(res.map_body(|_, body| UntilSent { body: BoxBody::new(body), _busy: busy }))
}

/// A request in hand on a watched connection.
struct Busy(Rc<State>);

impl Busy {
    fn new(watched: &Watched) -> Busy {
        watched.0.busy.set(watched.0.busy.get() + 1);
        Busy(watched.0.clone())
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        let busy = self.0.busy.get().saturating_sub(1);
        self.0.busy.set(busy);
        if busy == 0 {
            self.0.idle_since.set(Instant::now());
        }
    }
}

/// A response body that holds its request's [`Busy`] until it is sent.
struct UntilSent {
    body: BoxBody,
    _busy: Option<Busy>,
}

impl MessageBody for UntilSent {
    type Error = <BoxBody as MessageBody>::Error;

    fn size(&self) -> BodySize {
        self.body.size()
    }

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, Self::Error>>> {
        Pin::new(&mut self.body).poll_next(cx)
    }
}
