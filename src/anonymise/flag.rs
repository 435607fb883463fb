//! Phrases in free text that may mean a child is being harmed. A match shows
//! the person a gentle page about help straight away, and sends the response
//! to the safeguarding lead instead of young reviewers.

use regex::{Regex, RegexBuilder};

/// The safeguarding lexicon, compiled into one pattern.
#[derive(Debug, Clone)]
pub struct Lexicon {
    pattern: Option<Regex>,
    size: usize,
}

impl Lexicon {
    /// Each phrase matches case-insensitively, as whole words, with any run
    /// of spaces or punctuation between its words, and with curly and
    /// straight apostrophes alike.
    pub fn new<S: AsRef<str>>(phrases: &[S]) -> Result<Lexicon, regex::Error> {
        let alternatives: Vec<String> = phrases
            .iter()
            .map(|p| normalise(p.as_ref()))
            .filter(|p| !p.trim().is_empty())
            .map(|p| p.split_whitespace().map(regex::escape).collect::<Vec<_>>().join(r"[\s\p{P}]+"))
            .collect();
        let size = alternatives.len();
        if alternatives.is_empty() {
            return Ok(Lexicon { pattern: None, size });
        }
        let pattern = RegexBuilder::new(&format!(r"\b(?:{})\b", alternatives.join("|")))
            .case_insensitive(true)
            .size_limit(64 << 20)
            .build()?;
        Ok(Lexicon { pattern: Some(pattern), size })
    }

    /// Whether any phrase occurs in `text`.
    pub fn matches(&self, text: &str) -> bool {
        self.pattern.as_ref().is_some_and(|p| p.is_match(&normalise(text)))
    }

    /// How many phrases it holds.
    pub fn len(&self) -> usize {
        self.size
    }

    pub fn is_empty(&self) -> bool {
        self.size == 0
    }
}

fn normalise(text: &str) -> String {
    text.replace(['\u{2019}', '\u{2018}', '`'], "'")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lexicon() -> Lexicon {
        Lexicon::new(&["hits me", "scared to go home", "no food", "don't feel safe"]).unwrap()
    }

    #[test]
    fn finds_phrases_in_any_case_and_spacing() {
        let l = lexicon();
        for text in [
            "my dad HITS  ME when he's angry",
            "I'm scared to go home after school",
            "there is no food in the house",
            "there's no-food most days",
            "I don\u{2019}t feel safe",
            "Hits me.",
        ] {
            assert!(l.matches(text), "{text}");
        }
    }

    #[test]
    fn leaves_ordinary_sentences_alone() {
        let l = lexicon();
        for text in [
            "he hits the ball really far",
            "no foodbank near us",
            "I'm not scared to go to school",
            "I love going home",
            "",
        ] {
            assert!(!l.matches(text), "{text}");
        }
    }

    #[test]
    fn an_empty_lexicon_matches_nothing() {
        let l = Lexicon::new::<&str>(&[]).unwrap();
        assert!(l.is_empty());
        assert!(!l.matches("hits me"));
    }
}
