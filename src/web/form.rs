//! Reads a posted form strictly: a body over its limit, with too many
//! fields, too slow to arrive, or holding bytes that are not UTF-8 is
//! refused with a clear page, never guessed at.
//!
//! Every limit is checked before the work it bounds: the size while the body
//! arrives, the number of fields before any is decoded. Looking a field up
//! costs the same however many there are (they are indexed once, as they are
//! parsed), so reading a page of answers is linear in the body.

use std::borrow::Cow;
use std::collections::HashMap;
use std::time::Duration;

use actix_web::{HttpRequest, web};
use futures_util::{Stream, StreamExt};
use percent_encoding::percent_decode;

use crate::limits::FormLimits;
use crate::web::AppError;

/// A posted form: names and values in order, repeated names kept.
#[derive(Debug, Default)]
pub struct Form {
    pairs: Vec<(String, String)>,
    /// Each name, once, with the positions of its values in `pairs`.
    index: HashMap<String, Vec<usize>>,
    /// Each name once, in the order first seen.
    names: Vec<usize>,
}

impl Form {
    /// Reads the body within `limits`, and within the time the service
    /// allows a whole body ([`crate::limits::Timeouts::body`]): a
    /// client trickling one in is cut off rather than holding its
    /// connection for ever. Takes the handler's `web::Payload` or an
    /// extractor's `dev::Payload` alike.
    pub async fn read<B>(req: &HttpRequest, payload: B, limits: FormLimits) -> Result<Form, AppError>
    where
        B: Stream<Item = Result<web::Bytes, actix_web::error::PayloadError>> + Unpin,
    {
        Form::read_within(payload, limits, body_deadline(req)).await
    }

    /// [`Form::read`] with the time allowed given.
    pub async fn read_within<B>(mut payload: B, limits: FormLimits, within: Duration) -> Result<Form, AppError>
    where
        B: Stream<Item = Result<web::Bytes, actix_web::error::PayloadError>> + Unpin,
    {
        let unfinished = || AppError::Unusable(crate::surveys::Key::ErrorUnfinished);
        let body = tokio::time::timeout(within, async {
            let mut body = web::BytesMut::new();
            while let Some(chunk) = payload.next().await {
                let chunk = chunk.map_err(|_| unfinished())?;
                if body.len() + chunk.len() > limits.bytes {
                    return Err(AppError::TooLarge);
                }
                body.extend_from_slice(&chunk);
            }
            Ok(body)
        })
        .await
        .map_err(|_| unfinished())??;
        Form::parse_limited(&body, limits.fields)
    }

    /// Parses `application/x-www-form-urlencoded` with no limit on the
    /// number of fields: for a query string, whose length the server
    /// already bounds, or a form in a test.
    pub fn parse(body: &[u8]) -> Result<Form, AppError> {
        Form::parse_limited(body, usize::MAX)
    }

    /// Parses `application/x-www-form-urlencoded`, refusing more than
    /// `max_fields` fields before decoding any of them.
    pub fn parse_limited(body: &[u8], max_fields: usize) -> Result<Form, AppError> {
        let pieces = || body.split(|b| *b == b'&').filter(|p| !p.is_empty());
        if max_fields < usize::MAX && pieces().nth(max_fields).is_some() {
            return Err(AppError::TooLarge);
        }
        let mut form = Form::default();
        for piece in pieces() {
            let (name, value) = match piece.iter().position(|b| *b == b'=') {
                Some(i) => (&piece[..i], &piece[i + 1..]),
                None => (piece, &[][..]),
            };
            form.push(decode(name)?, decode(value)?);
        }
        Ok(form)
    }

    fn push(&mut self, name: String, value: String) {
        let at = self.pairs.len();
        match self.index.get_mut(&name) {
            Some(positions) => positions.push(at),
            None => {
                self.index.insert(name.clone(), vec![at]);
                self.names.push(at);
            }
        }
        self.pairs.push((name, value));
    }

    /// The first value of a field.
    pub fn get(&self, name: &str) -> Option<&str> {
        let first = *self.index.get(name)?.first()?;
        Some(self.pairs[first].1.as_str())
    }

    /// Every value of a field, in order.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.index.get(name).map_or_else(Vec::new, |at| at.iter().map(|i| self.pairs[*i].1.as_str()).collect())
    }

    /// Every field name, once each, in the order first posted.
    pub fn names(&self) -> Vec<&str> {
        self.names.iter().map(|i| self.pairs[*i].0.as_str()).collect()
    }

    /// How many fields were posted, repeated names counted each time.
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }
}

/// One name or value: `+` is a space, `%XX` a byte, and the bytes must be
/// UTF-8. Copies only what it must: a plain name is copied once.
fn decode(raw: &[u8]) -> Result<String, AppError> {
    let invalid = || AppError::Unusable(crate::surveys::Key::ErrorBadCharacters);
    let spaced: Cow<'_, [u8]> = if raw.contains(&b'+') {
        Cow::Owned(raw.iter().map(|b| if *b == b'+' { b' ' } else { *b }).collect())
    } else {
        Cow::Borrowed(raw)
    };
    match Cow::from(percent_decode(&spaced)) {
        Cow::Borrowed(bytes) => std::str::from_utf8(bytes).map(str::to_owned).map_err(|_| invalid()),
        Cow::Owned(bytes) => String::from_utf8(bytes).map_err(|_| invalid()),
    }
}

/// How long this service allows a whole body to take to arrive.
fn body_deadline(req: &HttpRequest) -> Duration {
    req.app_data::<web::Data<crate::web::AppState>>()
        .map_or(crate::limits::BODY_TIMEOUT, |state| state.settings.timeouts.body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_repeated_fields_and_encoded_text() {
        let form = Form::parse(b"a=1&b=hello+there&b=%C5%BC%C3%B3%C5%82w&c=&d").unwrap();
        assert_eq!(form.get("a"), Some("1"));
        assert_eq!(form.all("b"), vec!["hello there", "żółw"]);
        assert_eq!(form.get("c"), Some(""));
        assert_eq!(form.get("d"), Some(""));
        assert_eq!(form.get("e"), None);
        assert_eq!(form.all("e"), Vec::<&str>::new());
        assert_eq!(form.names(), vec!["a", "b", "c", "d"]);
        assert_eq!(form.len(), 5);
    }

    #[test]
    fn names_keep_the_order_first_posted() {
        let form = Form::parse(b"z=1&a=2&z=3&m=4&a=5").unwrap();
        assert_eq!(form.names(), vec!["z", "a", "m"]);
        assert_eq!(form.all("z"), vec!["1", "3"]);
    }

    #[test]
    fn refuses_bytes_that_are_not_utf8() {
        assert!(Form::parse(b"a=%FF%FE").is_err());
        assert!(Form::parse(b"a=\xff").is_err());
        assert!(Form::parse(b"%C3=1").is_err());
    }

    #[test]
    fn refuses_too_many_fields_before_decoding_them() {
        assert!(Form::parse_limited(b"a=1&b=2&c=3", 3).is_ok());
        assert!(matches!(Form::parse_limited(b"a=1&b=2&c=3&d=4", 3), Err(AppError::TooLarge)));
        // Refused for its count, though its last field is not even UTF-8.
        assert!(matches!(Form::parse_limited(b"a&b&c&d=%FF", 3), Err(AppError::TooLarge)));
        // Empty pieces are not fields.
        assert!(Form::parse_limited(b"&&a=1&&&b=2&&", 2).is_ok());
    }

    /// 150,000 distinct names in a megabyte took 31 s when every name was
    /// checked against every other. A capped form refuses so many before
    /// decoding one; uncapped (a query string), they are read in one pass.
    #[test]
    fn many_distinct_names_are_read_in_linear_time() {
        let body: String = (0..150_000).map(|i| format!("f{i}=1&")).collect();
        let started = crate::anonymise::WorkTimer::start();
        assert!(matches!(Form::parse_limited(body.as_bytes(), 256), Err(AppError::TooLarge)));
        let refused = started.elapsed();
        assert!(refused < Duration::from_millis(100), "refused in {refused:?}");

        let body: String = (0..50_000).map(|i| format!("f{i}=1&")).collect();
        let started = crate::anonymise::WorkTimer::start();
        let form = Form::parse(body.as_bytes()).unwrap();
        assert_eq!(form.names().len(), 50_000);
        for i in (0..50_000).step_by(100) {
            assert_eq!(form.get(&format!("f{i}")), Some("1"));
            assert_eq!(form.all(&format!("f{i}")), ["1"]);
        }
        let elapsed = started.elapsed();
        eprintln!("150,000 names refused in {refused:?}; 50,000 read in {elapsed:?}");
        // Each name checked against every other takes minutes here.
        assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
    }

    fn chunks(
        parts: Vec<&'static [u8]>,
    ) -> impl Stream<Item = Result<web::Bytes, actix_web::error::PayloadError>> + Unpin {
        futures_util::stream::iter(parts.into_iter().map(|p| Ok(web::Bytes::from_static(p))))
    }

    #[tokio::test]
    async fn a_body_over_its_limit_is_refused_as_it_arrives() {
        let limits = FormLimits { bytes: 10, fields: 10 };
        let within = Duration::from_secs(5);
        assert!(Form::read_within(chunks(vec![b"a=1&", b"b=2"]), limits, within).await.is_ok());
        let over = Form::read_within(chunks(vec![b"a=12345", b"&b=2345"]), limits, within).await;
        assert!(matches!(over, Err(AppError::TooLarge)));
    }

    #[tokio::test]
    async fn a_body_trickled_in_too_slowly_is_refused() {
        use std::time::Instant;
        let limits = FormLimits { bytes: 1000, fields: 10 };
        let slow = futures_util::stream::unfold(0, |sent| async move {
            tokio::time::sleep(Duration::from_millis(40)).await;
            (sent < 100).then(|| (Ok(web::Bytes::from_static(b"a")), sent + 1))
        });
        let started = Instant::now();
        let refused = Form::read_within(Box::pin(slow), limits, Duration::from_millis(200)).await;
        assert!(matches!(refused, Err(AppError::Unusable(crate::surveys::Key::ErrorUnfinished))));
        assert!(started.elapsed() < Duration::from_secs(1), "{:?}", started.elapsed());
    }
}

/// Properties of the reader over generated input: whatever the bytes, it
/// answers without panicking, its index agrees with its pairs, and a form
/// as a browser encodes it reads back exactly.
#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    /// Encodes as a browser does: `*-._` and ASCII letters and digits as
    /// they are, a space as `+`, every other byte as `%XX`.
    fn encode(text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        for b in text.bytes() {
            match b {
                b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => out.push(b as char),
                b' ' => out.push('+'),
                _ => out.push_str(&format!("%{b:02X}")),
            }
        }
        out
    }

    /// Bytes that exercise every branch of the reader.
    fn hostile_bytes() -> impl Strategy<Value = Vec<u8>> {
        let piece = prop_oneof![
            Just(b"&".to_vec()),
            Just(b"=".to_vec()),
            Just(b"+".to_vec()),
            Just(b"%".to_vec()),
            Just(b"%2".to_vec()),
            Just(b"%C3".to_vec()),
            Just(b"%C3%B3".to_vec()),
            Just(b"%FF".to_vec()),
            Just(b"%zz".to_vec()),
            Just(b"%00".to_vec()),
            Just("ż".as_bytes().to_vec()),
            Just(vec![0xC3]),
            Just(vec![0xFF]),
            "[a-c]{1,3}".prop_map(String::into_bytes),
            any::<u8>().prop_map(|b| vec![b]),
        ];
        proptest::collection::vec(piece, 0..200).prop_map(|pieces| pieces.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

        #[test]
        fn any_bytes_read_or_are_refused_and_the_index_agrees(body in hostile_bytes(), cap in 0usize..40) {
            let fields = body.split(|b| *b == b'&').filter(|p| !p.is_empty()).count();
            match Form::parse_limited(&body, cap) {
                Ok(form) => {
                    prop_assert!(fields <= cap);
                    prop_assert_eq!(form.len(), fields);
                    let names = form.names();
                    let mut seen = std::collections::HashSet::new();
                    let mut counted = 0;
                    for name in &names {
                        prop_assert!(seen.insert(*name), "{} listed twice", name);
                        let all = form.all(name);
                        prop_assert!(!all.is_empty());
                        prop_assert_eq!(form.get(name), Some(all[0]));
                        counted += all.len();
                    }
                    prop_assert_eq!(counted, form.len());
                }
                Err(AppError::TooLarge) => prop_assert!(fields > cap),
                Err(AppError::Unusable(crate::surveys::Key::ErrorBadCharacters)) => prop_assert!(fields <= cap),
                Err(other) => prop_assert!(false, "unexpected refusal {:?}", other),
            }
        }

        #[test]
        fn a_form_a_browser_encodes_reads_back_exactly(
            pairs in proptest::collection::vec(("\\PC{0,12}", "\\PC{0,40}"), 0..30)
        ) {
            let body = pairs.iter().map(|(n, v)| format!("{}={}", encode(n), encode(v))).collect::<Vec<_>>().join("&");
            let form = Form::parse(body.as_bytes()).unwrap();
            prop_assert_eq!(form.len(), pairs.len());
            let mut first_seen: Vec<&str> = Vec::new();
            for (name, _) in &pairs {
                if !first_seen.contains(&name.as_str()) {
                    first_seen.push(name);
                }
            }
            prop_assert_eq!(form.names(), first_seen.clone());
            for name in first_seen {
                let expected: Vec<&str> = pairs.iter().filter(|(n, _)| n == name).map(|(_, v)| v.as_str()).collect();
                prop_assert_eq!(form.all(name), expected);
            }
        }
    }
}
