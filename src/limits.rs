//! What one client may cost the service: how long it may take to send a
//! request, how much it may send, and how many connections are served at
//! once. Each value is chosen here, named, and listed in the README's
//! "Limits" (a test checks the two agree).
//!
//! The survey pages' own size limits are worked out from the surveys when
//! the service starts (`respond::page_limits`); the forms here are the
//! staff's and the public's, whose largest honest post is known in advance.

use std::time::Duration;

/// How long a client has to send a request's line and headers, from its
/// first byte (actix's `client_request_timeout`). A phone sends them in
/// one or two packets; ten seconds leaves room for a lost packet or two on
/// a poor connection and still cuts off a client that sends half a header
/// and waits.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a client has to send a whole form body, from when the handler
/// starts reading it ([`crate::web::form::Form::read`]). The largest honest
/// survey page is a few hundred kilobytes at most, and most are a few
/// kilobytes; 30 seconds lets the largest through at 10 KB/s, a slow 2G
/// link, and stops a client trickling a body from holding its connection.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(30);

/// How long an idle connection is kept open for the next request. Long
/// enough for a page's stylesheet and script to follow it on the same
/// connection; children take longer than this between pages, so a longer
/// wait would mostly keep idle connections.
pub const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// How long the server waits for a client to finish closing the connection
/// after the last response (actix's `client_disconnect_timeout`).
pub const DISCONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// Connections served at once by each worker thread (one a core). When all
/// are taken, new connections wait in the listen queue rather than being
/// refused. A thousand idle connections cost some 30 MB (the load
/// benchmark's "idle" figure), so two workers at this cap stay well under
/// 100 MB, and the timeouts above free a slot held by a slow client within
/// seconds.
pub const MAX_CONNECTIONS_PER_WORKER: usize = 1024;

/// How long a refused request (413, too large; 429, too many) waits before
/// its answer. No honest person is refused, so no one honest waits; a
/// client flooding the service from a hundred connections is answered a
/// hundred times a second instead of tens of thousands, and answering it
/// costs next to nothing. The wait holds only the connection, which the
/// connection cap bounds.
pub const REFUSAL_PAUSE: Duration = Duration::from_secs(1);

/// The least time a password reset request or an email sign-up takes to
/// answer, whatever it found. Each does the same statements either way, but
/// one for an address with an account (or a new sign-up) writes rows the
/// other does not: a fraction of a millisecond, which enough tries could
/// measure. Well above the work itself, so the answer waits for the clock
/// and not for the work. The wait holds only the connection.
pub const SAME_TIME: Duration = Duration::from_millis(25);

/// Requests one client (an IPv4 address or IPv6 /64) may make a minute,
/// with a burst as large, before each is refused (`REQUESTS_PER_MINUTE`;
/// `0` turns it off). As many as the survey posts' own limit: a whole
/// school behind one address answers at once, and a person reading the
/// board or answering a survey makes a few requests a minute, and a
/// monitor asking `/healthz` once a second sixty.
pub const REQUESTS_PER_MINUTE: u32 = 6000;

/// The size of a form post, in bytes, and how many fields it may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FormLimits {
    pub bytes: usize,
    pub fields: usize,
}

/// Staff forms. The largest honest one is a "We did" answer: 5,120
/// characters across its boxes (4,000 + 600 + 400 + 120), which even in a
/// script of 4 bytes a character, percent-encoded (12 bytes a character),
/// is 61,440 bytes. Fields: its theme boxes and the review page's quote
/// boxes, a few dozen with a partnership's themes.
pub const STAFF_FORM: FormLimits = FormLimits { bytes: 128 * 1024, fields: 256 };

/// Public forms: an age group and language to start a survey, a receipt
/// code at `/track`, an email address and a theme at `/subscribe`. An
/// email address is at most 254 characters (3,048 bytes percent-encoded in
/// any script).
pub const PUBLIC_FORM: FormLimits = FormLimits { bytes: 8 * 1024, fields: 16 };

/// The timeouts, as the running service uses them: [`Timeouts::default`] in
/// service; tests shorten them so as not to wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// [`HEADER_TIMEOUT`]
    pub header: Duration,
    /// [`BODY_TIMEOUT`]
    pub body: Duration,
    /// [`KEEP_ALIVE`]
    pub keep_alive: Duration,
    /// [`REFUSAL_PAUSE`]
    pub refusal: Duration,
}

impl Default for Timeouts {
    fn default() -> Timeouts {
        Timeouts { header: HEADER_TIMEOUT, body: BODY_TIMEOUT, keep_alive: KEEP_ALIVE, refusal: REFUSAL_PAUSE }
    }
}
