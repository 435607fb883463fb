//! Reads a posted form strictly: a body over the limit or bytes that are not
//! UTF-8 are refused with a clear page, never guessed at.

use actix_web::web;
use futures_util::{Stream, StreamExt};
use percent_encoding::percent_decode;

use crate::web::AppError;

/// The largest form a journey posts: the sealed draft plus one page of
/// answers. A 2,000-question survey, or twenty 2,000-character answers in
/// any script, fits with room to spare.
pub const MAX_BODY: usize = 1024 * 1024;

/// A posted form: names and values in order, repeated names kept.
#[derive(Debug, Default)]
pub struct Form {
    pairs: Vec<(String, String)>,
}

impl Form {
    /// Reads the body, refusing one larger than [`MAX_BODY`]. Takes the
    /// handler's `web::Payload` or an extractor's `dev::Payload` alike.
    pub async fn read<B>(mut payload: B) -> Result<Form, AppError>
    where
        B: Stream<Item = Result<web::Bytes, actix_web::error::PayloadError>> + Unpin,
    {
        let mut body = web::BytesMut::new();
        while let Some(chunk) = payload.next().await {
            let chunk = chunk.map_err(|_| AppError::Unusable(crate::surveys::Key::ErrorUnfinished))?;
            if body.len() + chunk.len() > MAX_BODY {
                return Err(AppError::TooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        Form::parse(&body)
    }

    /// Parses `application/x-www-form-urlencoded`.
    pub fn parse(body: &[u8]) -> Result<Form, AppError> {
        let invalid = || AppError::Unusable(crate::surveys::Key::ErrorBadCharacters);
        let mut pairs = Vec::new();
        for piece in body.split(|b| *b == b'&').filter(|p| !p.is_empty()) {
            let (name, value) = match piece.iter().position(|b| *b == b'=') {
                Some(i) => (&piece[..i], &piece[i + 1..]),
                None => (piece, &[][..]),
            };
            let decode = |raw: &[u8]| -> Result<String, AppError> {
                let spaced: Vec<u8> = raw.iter().map(|b| if *b == b'+' { b' ' } else { *b }).collect();
                let bytes: Vec<u8> = percent_decode(&spaced).collect();
                String::from_utf8(bytes).map_err(|_| invalid())
            };
            pairs.push((decode(name)?, decode(value)?));
        }
        Ok(Form { pairs })
    }

    /// The first value of a field.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// Every value of a field, in order.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.pairs.iter().filter(|(n, _)| n == name).map(|(_, v)| v.as_str()).collect()
    }

    /// Every field name, once each.
    pub fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = Vec::new();
        for (name, _) in &self.pairs {
            if !names.contains(&name.as_str()) {
                names.push(name);
            }
        }
        names
    }
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
        assert_eq!(form.names(), vec!["a", "b", "c", "d"]);
    }

    #[test]
    fn refuses_bytes_that_are_not_utf8() {
        assert!(Form::parse(b"a=%FF%FE").is_err());
        assert!(Form::parse(b"a=\xff").is_err());
        assert!(Form::parse(b"%C3=1").is_err());
    }
}
