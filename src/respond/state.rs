//! The answers so far travel with the page, sealed, in one hidden field —
//! never in a cookie, never on our disk — until the person presses "Send".
//! A person who stops half way leaves nothing behind on the server, and the
//! service keeps no state between pages, so any instance can serve any page.

use std::collections::{BTreeMap, BTreeSet};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Serialize};

/// A journey in progress.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    /// Survey id and the version the journey started on.
    pub survey: String,
    pub version: String,
    pub age: String,
    pub lang: String,
    /// Random, hex: makes a resubmitted form the same submission.
    pub token: String,
    /// The step being shown.
    pub at: usize,
    /// Came here from "Check your answers": "Continue" goes back there.
    pub reviewing: bool,
    /// Section ids the person chose to skip after their content note.
    pub skipped: BTreeSet<String>,
    /// Question id → answer; free text is already scrubbed.
    pub answers: BTreeMap<String, Answer>,
    /// The distribution link (school, group, setting) the journey started from.
    #[serde(default)]
    pub via: Option<String>,
    /// When the journey started, in whole hours since 1970: only in the
    /// sealed page, never stored; old pages replayed from history expire.
    #[serde(default)]
    pub started_hour: i64,
}

/// One question's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    /// Faces, scale or single: the chosen id (or "I'd rather not say").
    Choice(String),
    /// Multiple: the chosen ids, in the survey's order.
    Choices(Vec<String>),
    /// Free text.
    Text(String),
    /// Three houses: worries, good things, wishes (empty when left blank).
    Houses([String; 3]),
}

/// Seals and opens drafts with a key of the service's own.
#[derive(Clone)]
pub struct DraftSeal {
    cipher: XChaCha20Poly1305,
}

const CONTEXT: &[u8] = b"listening-loop draft v1";

/// The hidden field could not be read: altered, truncated, or sealed with a
/// key this service no longer has.
#[derive(Debug, thiserror::Error)]
#[error("the draft could not be opened")]
pub struct Unreadable;

impl DraftSeal {
    pub fn new(key: [u8; 32]) -> DraftSeal {
        DraftSeal { cipher: XChaCha20Poly1305::new(&key.into()) }
    }

    pub fn seal(&self, draft: &Draft) -> String {
        let plain = serde_json::to_vec(draft).expect("a draft always serialises");
        let mut nonce = [0u8; 24];
        crate::random::random_bytes(&mut nonce);
        let sealed = self
            .cipher
            .encrypt(XNonce::from_slice(&nonce), Payload { msg: &plain, aad: CONTEXT })
            .expect("encryption of an in-memory buffer cannot fail");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        URL_SAFE_NO_PAD.encode(out)
    }

    pub fn open(&self, sealed: &str) -> Result<Draft, Unreadable> {
        let bytes = URL_SAFE_NO_PAD.decode(sealed.trim()).map_err(|_| Unreadable)?;
        if bytes.len() < 24 + 16 {
            return Err(Unreadable);
        }
        let (nonce, body) = bytes.split_at(24);
        let plain = self
            .cipher
            .decrypt(XNonce::from_slice(nonce), Payload { msg: body, aad: CONTEXT })
            .map_err(|_| Unreadable)?;
        serde_json::from_slice(&plain).map_err(|_| Unreadable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> Draft {
        Draft {
            survey: "what-we-need".into(),
            version: "abc".into(),
            age: "8-11".into(),
            lang: "en".into(),
            token: "00".repeat(16),
            at: 3,
            reviewing: false,
            skipped: BTreeSet::from(["home".to_owned()]),
            answers: BTreeMap::from([
                ("food".to_owned(), Answer::Choice("3".into())),
                ("wish".to_owned(), Answer::Text("more clubs ✨ اردو".into())),
            ]),
            via: Some("st-marys".into()),
            started_hour: 493_000,
        }
    }

    #[test]
    fn a_sealed_draft_opens_to_the_same_draft() {
        let seal = DraftSeal::new([7; 32]);
        assert_eq!(seal.open(&seal.seal(&draft())).unwrap(), draft());
    }

    #[test]
    fn an_altered_or_foreign_draft_does_not_open() {
        let seal = DraftSeal::new([7; 32]);
        let sealed = seal.seal(&draft());
        let mut altered = sealed.clone().into_bytes();
        let middle = altered.len() / 2;
        altered[middle] = if altered[middle] == b'A' { b'B' } else { b'A' };
        assert!(seal.open(std::str::from_utf8(&altered).unwrap()).is_err());
        assert!(DraftSeal::new([8; 32]).open(&sealed).is_err());
        assert!(seal.open("").is_err());
        assert!(seal.open("not base64 !!").is_err());
    }

    #[test]
    fn the_sealed_form_does_not_show_the_answers() {
        let seal = DraftSeal::new([7; 32]);
        assert!(!seal.seal(&draft()).contains("clubs"));
    }
}
