//! Who a request comes from, as the rate limits count clients. Held in
//! memory for the moment of the request only: never stored or logged.
//!
//! Behind a reverse proxy every connection comes from the proxy. When its
//! address is in `TRUSTED_PROXIES`, the client is read from the headers it
//! adds, `Forwarded` (RFC 7239) or `X-Forwarded-For`: each hop appends the
//! address it was reached from, so the client is the right-most address that
//! is not itself a trusted proxy. Everything to the left of it was written by
//! the client or by hops we do not know, and is never believed. Whenever the
//! headers cannot be relied on, the key is the connection's peer, as it is
//! without a proxy:
//! - the peer is not a trusted proxy (anyone else could send the headers);
//! - a header is malformed, or the hop where the client should be is
//!   `unknown` or an obfuscated name (`_hidden`);
//! - both headers came and name different clients. A proxy adds to one of
//!   them and passes the other on untouched, and we cannot tell which: the
//!   untouched one is the client's to write.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use actix_web::HttpRequest;
use actix_web::http::header::{self, HeaderMap, HeaderName};
use actix_web::web::Data;

use crate::config::TrustedProxies;
use crate::web::AppState;

/// A client as the rate limits count them: an IPv4 address, or an IPv6
/// /64. One home, phone or server is given a whole /64, so keying by the
/// full IPv6 address would give one person 2⁶⁴ keys. An IPv4 address seen
/// through an IPv6 socket (`::ffff:192.0.2.1`) is its IPv4 address.
///
/// No `Debug`, so that it cannot slip into a log line by `{:?}`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientKey(IpAddr);

impl ClientKey {
    pub fn of(addr: IpAddr) -> ClientKey {
        match addr.to_canonical() {
            IpAddr::V4(v4) => ClientKey(IpAddr::V4(v4)),
            IpAddr::V6(v6) => ClientKey(IpAddr::V6(Ipv6Addr::from(u128::from(v6) & !u128::from(u64::MAX)))),
        }
    }
}

impl fmt::Display for ClientKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            IpAddr::V4(v4) => write!(f, "{v4}"),
            IpAddr::V6(v6) => write!(f, "{v6}/64"),
        }
    }
}

/// The request's client, for the rate limits. With no trusted proxies
/// configured (or no app state, as in a bare test request) it is the peer.
pub fn client_key(req: &HttpRequest) -> ClientKey {
    let peer = req.peer_addr().map(|a| a.ip()).unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    let address = match req.app_data::<Data<AppState>>() {
        Some(state) if !state.settings.trusted_proxies.is_empty() => {
            client_address(peer, req.headers(), &state.settings.trusted_proxies)
        }
        _ => peer,
    };
    ClientKey::of(address)
}

/// The client's address: the peer's, or, when the peer is a trusted proxy,
/// the one its headers give (see the module's comment for when they are
/// not believed).
pub fn client_address(peer: IpAddr, headers: &HeaderMap, trusted: &TrustedProxies) -> IpAddr {
    let peer = peer.to_canonical();
    if !trusted.contains(peer) {
        return peer;
    }
    let from = |name: &HeaderName, parse: fn(&str) -> Option<Vec<Hop>>| {
        joined(headers, name).map(|value| value.and_then(|v| parse(&v)).and_then(|chain| client_in(&chain, trusted)))
    };
    let forwarded = from(&header::FORWARDED, forwarded_chain);
    let x_forwarded_for = from(&header::X_FORWARDED_FOR, x_forwarded_for_chain);
    match (forwarded, x_forwarded_for) {
        (Some(Some(a)), None) | (None, Some(Some(a))) => a,
        (Some(Some(a)), Some(Some(b))) if a == b => a,
        _ => peer,
    }
}

/// One hop of a forwarding chain: an address, or one we are not told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hop {
    Address(IpAddr),
    /// `unknown`, an obfuscated name (`_hidden`), or a `Forwarded` element
    /// without `for=`.
    Unknown,
}

/// All of a header's lines, joined as one list (RFC 9110 §5.3): `None` when
/// absent, `Some(None)` when a line is not visible ASCII.
fn joined(headers: &HeaderMap, name: &HeaderName) -> Option<Option<String>> {
    let mut lines = headers.get_all(name).peekable();
    lines.peek()?;
    let mut all = String::new();
    for line in lines {
        let Ok(text) = line.to_str() else { return Some(None) };
        if !all.is_empty() {
            all.push(',');
        }
        all.push_str(text);
    }
    Some(Some(all))
}

/// The right-most hop that is not a trusted proxy. `None` when that hop is
/// unknown (we cannot see past it) or the chain is empty; the left-most
/// address when every hop is trusted (the request started among them).
fn client_in(chain: &[Hop], trusted: &TrustedProxies) -> Option<IpAddr> {
    for hop in chain.iter().rev() {
        match *hop {
            Hop::Address(a) if trusted.contains(a) => continue,
            Hop::Address(a) => return Some(a.to_canonical()),
            Hop::Unknown => return None,
        }
    }
    match chain.first() {
        Some(Hop::Address(a)) => Some(a.to_canonical()),
        _ => None,
    }
}

/// `X-Forwarded-For: client, proxy1, proxy2`: addresses, each perhaps with
/// a port (`192.0.2.1:4711`, `[2001:db8::1]:4711`), or `unknown`. Empty
/// items are skipped; anything else makes the header malformed (`None`).
fn x_forwarded_for_chain(value: &str) -> Option<Vec<Hop>> {
    value
        .split(',')
        .map(|item| item.trim_matches([' ', '\t']))
        .filter(|item| !item.is_empty())
        .map(
            |item| {
                if item.eq_ignore_ascii_case("unknown") { Some(Hop::Unknown) } else { address(item).map(Hop::Address) }
            },
        )
        .collect()
}

/// An address, with or without a port, IPv6 with or without brackets.
fn address(text: &str) -> Option<IpAddr> {
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Ok(socket) = text.parse::<SocketAddr>() {
        return Some(socket.ip());
    }
    text.strip_prefix('[')?.strip_suffix(']')?.parse::<Ipv6Addr>().ok().map(IpAddr::V6)
}

/// `Forwarded: for=192.0.2.60;proto=http;by=203.0.113.43, for="[2001:db8::1]:4711"`
/// (RFC 7239): one element per hop, each one `for=` at most. A syntax error
/// anywhere makes the header malformed (`None`), since a stray quote changes
/// how everything after it reads.
fn forwarded_chain(value: &str) -> Option<Vec<Hop>> {
    let mut chain = Vec::new();
    let mut element = Element::default();
    let mut rest = value.as_bytes();
    loop {
        rest = skip_whitespace(rest);
        match rest.first() {
            None => break,
            Some(b',') => {
                chain.extend(element.finish());
                element = Element::default();
                rest = &rest[1..];
                continue;
            }
            Some(b';') => {
                rest = &rest[1..];
                continue;
            }
            Some(_) => {}
        }
        let (name, after) = token(rest)?;
        let after = after.strip_prefix(b"=")?;
        let (value, after) = match after.first() {
            Some(b'"') => quoted_string(&after[1..])?,
            _ => {
                let (value, after) = token(after)?;
                (String::from_utf8(value.to_vec()).ok()?, after)
            }
        };
        if name.eq_ignore_ascii_case(b"for") {
            if element.hop.is_some() {
                return None;
            }
            element.hop = Some(node(&value)?);
        }
        element.seen = true;
        rest = skip_whitespace(after);
        if !matches!(rest.first(), None | Some(b',' | b';')) {
            return None;
        }
    }
    chain.extend(element.finish());
    Some(chain)
}

/// The `Forwarded` element being read.
#[derive(Default)]
struct Element {
    hop: Option<Hop>,
    /// Whether it had any pair at all (an empty element is no hop).
    seen: bool,
}

impl Element {
    fn finish(self) -> Option<Hop> {
        self.seen.then_some(self.hop.unwrap_or(Hop::Unknown))
    }
}

fn skip_whitespace(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|b| !matches!(b, b' ' | b'\t')).unwrap_or(bytes.len());
    &bytes[start..]
}

/// A token (RFC 9110 §5.6.2): one or more `tchar`.
fn token(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let is_tchar = |b: &u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(b);
    let end = bytes.iter().position(|b| !is_tchar(b)).unwrap_or(bytes.len());
    (end > 0).then(|| bytes.split_at(end))
}

/// The rest of a quoted string after its opening quote: its unescaped text
/// and what follows the closing quote.
fn quoted_string(bytes: &[u8]) -> Option<(String, &[u8])> {
    let mut text = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => return Some((String::from_utf8(text).ok()?, &bytes[i + 1..])),
            b'\\' => {
                text.push(*bytes.get(i + 1)?);
                i += 2;
            }
            b => {
                text.push(b);
                i += 1;
            }
        }
    }
    None
}

/// A `for=` node (RFC 7239 §6): `192.0.2.43`, `"192.0.2.43:47011"`,
/// `"[2001:db8:cafe::17]:4711"`, `unknown`, or an obfuscated `_name`. A bare
/// IPv6 address is taken too, though the RFC asks for brackets.
fn node(text: &str) -> Option<Hop> {
    if text.eq_ignore_ascii_case("unknown") || text.starts_with('_') {
        return Some(Hop::Unknown);
    }
    if let Some(ip) = address(text) {
        return Some(Hop::Address(ip));
    }
    // A port may be obfuscated too (`"192.0.2.43:_port"`, `"[::1]:_p"`).
    let (host, port) = text.rsplit_once(':')?;
    let port_ok = port
        .strip_prefix('_')
        .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b)));
    if !port_ok {
        return None;
    }
    match host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        Some(v6) => v6.parse::<Ipv6Addr>().ok().map(|ip| Hop::Address(IpAddr::V6(ip))),
        None => host.parse::<Ipv4Addr>().ok().map(|ip| Hop::Address(IpAddr::V4(ip))),
    }
}

#[cfg(test)]
mod tests {
    use actix_web::http::header::HeaderValue;

    use super::*;

    const PROXY: &str = "10.0.0.1";

    fn trusted() -> TrustedProxies {
        TrustedProxies::parse("10.0.0.0/24, fd00::/64").unwrap()
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    /// The client seen from `peer` with these header lines.
    fn client(peer: &str, lines: &[(&'static str, &str)]) -> String {
        let mut headers = HeaderMap::new();
        for (name, value) in lines {
            headers.append(HeaderName::from_static(name), HeaderValue::from_str(value).unwrap());
        }
        client_address(ip(peer), &headers, &trusted()).to_string()
    }

    fn xff(value: &str) -> String {
        client(PROXY, &[("x-forwarded-for", value)])
    }

    fn forwarded(value: &str) -> String {
        client(PROXY, &[("forwarded", value)])
    }

    #[test]
    fn ipv4_is_keyed_by_address_and_ipv6_by_its_64() {
        let key = |text: &str| ClientKey::of(ip(text)).to_string();
        assert_eq!(key("192.0.2.7"), "192.0.2.7");
        assert_eq!(key("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), "2001:db8:1:2::/64");
        assert!(ClientKey::of(ip("2001:db8:1:2::1")) == ClientKey::of(ip("2001:db8:1:2:ffff::9")));
        assert!(ClientKey::of(ip("2001:db8:1:2::1")) != ClientKey::of(ip("2001:db8:1:3::1")));
        assert_eq!(key("::ffff:192.0.2.7"), "192.0.2.7");
        assert!(ClientKey::of(ip("::ffff:192.0.2.7")) == ClientKey::of(ip("192.0.2.7")));
    }

    #[test]
    fn headers_from_a_client_that_is_not_a_trusted_proxy_are_ignored() {
        for peer in ["192.0.2.7", "10.0.1.1", "2001:db8::1"] {
            assert_eq!(client(peer, &[("x-forwarded-for", "198.51.100.1")]), peer);
            assert_eq!(client(peer, &[("forwarded", "for=198.51.100.1")]), peer);
        }
        let none = TrustedProxies::default();
        let mut headers = HeaderMap::new();
        headers.insert(header::X_FORWARDED_FOR, HeaderValue::from_static("198.51.100.1"));
        assert_eq!(client_address(ip(PROXY), &headers, &none), ip(PROXY), "no proxies are trusted by default");
    }

    #[test]
    fn a_trusted_proxy_without_headers_is_the_client() {
        assert_eq!(client(PROXY, &[]), PROXY);
        assert_eq!(client("::ffff:10.0.0.1", &[]), PROXY, "an IPv4 peer on an IPv6 socket");
        assert_eq!(client("::ffff:10.0.0.1", &[("x-forwarded-for", "192.0.2.7")]), "192.0.2.7");
    }

    #[test]
    fn x_forwarded_for_gives_the_right_most_address_that_is_not_a_trusted_proxy() {
        assert_eq!(xff("192.0.2.7"), "192.0.2.7");
        // What the client wrote itself sits to the left, and is not believed.
        assert_eq!(xff("203.0.113.9, 192.0.2.7"), "192.0.2.7");
        // Many hops: trusted proxies on the right are stepped over.
        assert_eq!(xff("203.0.113.9, 192.0.2.7, 10.0.0.5, 10.0.0.6"), "192.0.2.7");
        assert_eq!(xff("192.0.2.7,10.0.0.5,fd00::3"), "192.0.2.7");
        // Every hop trusted: the request began among them.
        assert_eq!(xff("10.0.0.9, 10.0.0.5"), "10.0.0.9");
        // Ports and brackets, as some proxies write them.
        assert_eq!(xff("192.0.2.7:4711"), "192.0.2.7");
        assert_eq!(xff("[2001:db8::1]:4711"), "2001:db8::1");
        assert_eq!(xff("[2001:db8::1]"), "2001:db8::1");
        assert_eq!(xff("2001:db8::1"), "2001:db8::1");
        assert_eq!(xff("::ffff:192.0.2.7"), "192.0.2.7");
        // Empty items are skipped (nginx writes ", addr" after an empty header).
        assert_eq!(xff(", 192.0.2.7"), "192.0.2.7");
        // Several header lines are one list, in order.
        let lines = [("x-forwarded-for", "203.0.113.9"), ("x-forwarded-for", "192.0.2.7, 10.0.0.5")];
        assert_eq!(client(PROXY, &lines), "192.0.2.7");
    }

    #[test]
    fn forwarded_gives_the_right_most_for_that_is_not_a_trusted_proxy() {
        assert_eq!(forwarded("for=192.0.2.60;proto=http;by=203.0.113.43"), "192.0.2.60");
        assert_eq!(forwarded("for=203.0.113.9, for=192.0.2.60, for=10.0.0.5"), "192.0.2.60");
        assert_eq!(forwarded(r#"For="[2001:db8:cafe::17]:4711""#), "2001:db8:cafe::17");
        assert_eq!(forwarded(r#"for="[2001:db8:cafe::17]""#), "2001:db8:cafe::17");
        assert_eq!(forwarded(r#"for="192.0.2.43:47011""#), "192.0.2.43");
        assert_eq!(forwarded(r#"for="192.0.2.43:_port""#), "192.0.2.43");
        assert_eq!(forwarded(r#"for="\192.0.2.43""#), "192.0.2.43", "a quoted-pair is its character");
        assert_eq!(forwarded("for=192.0.2.60 ; proto=https , for=10.0.0.5"), "192.0.2.60");
        assert_eq!(forwarded(r#"for=192.0.2.60;host="a,b;c", for="[fd00::2]""#), "192.0.2.60");
        assert_eq!(forwarded(",, for=192.0.2.60,"), "192.0.2.60", "empty elements are no hops");
        let lines = [("forwarded", "for=203.0.113.9"), ("forwarded", "for=192.0.2.60")];
        assert_eq!(client(PROXY, &lines), "192.0.2.60");
    }

    #[test]
    fn an_unknown_or_obfuscated_client_falls_back_to_the_peer() {
        assert_eq!(forwarded("for=unknown"), PROXY);
        assert_eq!(forwarded("for=_hidden, for=10.0.0.5"), PROXY);
        assert_eq!(forwarded(r#"for="_gazonk""#), PROXY);
        assert_eq!(forwarded("proto=https"), PROXY, "an element without for= is an unknown hop");
        assert_eq!(xff("unknown"), PROXY);
        // An unknown hop left of the client does not matter.
        assert_eq!(forwarded("for=unknown, for=192.0.2.60"), "192.0.2.60");
        assert_eq!(xff("unknown, 192.0.2.7"), "192.0.2.7");
    }

    #[test]
    fn malformed_headers_fall_back_to_the_peer() {
        for garbage in [
            "192.0.2.999",
            "not an address, 192.0.2.7",
            "192.0.2.7 10.0.0.5",
            "192.0.2.7:99999",
            "[192.0.2.7]",
            "fe80::1%eth0",
            "<script>",
        ] {
            assert_eq!(xff(garbage), PROXY, "{garbage:?}");
        }
        for garbage in [
            "for=",
            "for",
            "=192.0.2.7",
            r#"for="192.0.2.7"#,
            r#"for="192.0.2.7"x"#,
            "for=192.0.2.7;for=192.0.2.8",
            "for=[2001:db8::1]",
            r#"for="[2001:db8::1"#,
            r#"for="192.0.2.7:port""#,
            r#"for="192.0.2.7:_""#,
            "for=192.0.2.7 proto=http",
            r#"for="a,b", for=192.0.2.7"#,
        ] {
            assert_eq!(forwarded(garbage), PROXY, "{garbage:?}");
        }
        // A line that is not visible ASCII.
        let mut headers = HeaderMap::new();
        headers.insert(header::X_FORWARDED_FOR, HeaderValue::from_bytes(b"192.0.2.7\xff").unwrap());
        assert_eq!(client_address(ip(PROXY), &headers, &trusted()), ip(PROXY));
    }

    #[test]
    fn the_two_headers_must_agree() {
        let both = |f: &str, x: &str| client(PROXY, &[("forwarded", f), ("x-forwarded-for", x)]);
        assert_eq!(both("for=192.0.2.7", "192.0.2.7"), "192.0.2.7");
        assert_eq!(both("for=203.0.113.9, for=192.0.2.7", "192.0.2.7, 10.0.0.5"), "192.0.2.7");
        // The proxy added to one; the client wrote the other.
        assert_eq!(both("for=203.0.113.9", "203.0.113.9, 192.0.2.7"), PROXY);
        assert_eq!(both("for=garbage", "192.0.2.7"), PROXY);
    }

    #[test]
    fn long_adversarial_headers_take_linear_time() {
        let hops = 20_000;
        let many = vec!["10.0.0.5"; hops].join(", ");
        let start = std::time::Instant::now();
        assert_eq!(xff(&format!("192.0.2.7, {many}")), "192.0.2.7");
        assert_eq!(forwarded(&format!("for=192.0.2.7, {}", vec!["for=10.0.0.5;by=x"; hops].join(", "))), "192.0.2.7");
        assert_eq!(forwarded(&format!("for=\"{}", "\\\"".repeat(100_000))), PROXY);
        assert_eq!(forwarded(&format!("for=192.0.2.7{}", ";".repeat(100_000))), "192.0.2.7");
        assert_eq!(xff(&",".repeat(100_000)), PROXY, "no address at all");
        assert!(start.elapsed() < std::time::Duration::from_secs(2), "{:?}", start.elapsed());
    }
}
