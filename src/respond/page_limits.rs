//! How large a survey page's post can honestly be, worked out from the
//! surveys when the service starts, so that anything larger is refused
//! before it is read in full, and nothing a person could really send is.
//!
//! A page posts the sealed draft (every earlier answer, sealed and
//! base64'd) and that page's own answers, percent-encoded. For each link,
//! every survey behind it, every age group and every step, the largest post
//! is worked out from a draft holding the largest answer the journey accepts
//! to every question:
//!
//! * free text of [`MAX_TEXT`] characters, each as large as a character can
//!   be: 6 bytes in the sealed draft (a control character, which JSON writes
//!   `\u0001`; scrubbing never makes text larger than this, since each
//!   `[removed]` replaces at least two characters) and 12 on the page (a
//!   4-byte character, each byte written `%XX`);
//! * every option of a "choose all that apply" question ticked;
//! * every section with a content note skipped, the longest language code,
//!   distribution link code and step number.
//!
//! The draft is really sealed to measure it, so the figure follows the
//! seal's format. Every page the service itself draws can therefore be
//! posted back whole (a test walks the largest journey to prove it).
//!
//! One case is not covered: a draft sealed before a restart with a changed
//! survey file is measured against the new file. If the change removed a
//! free-text question the draft had answered, its next post may be refused
//! as too large; the person starts again.

use std::collections::HashMap;

use super::journey::{Journey, MAX_TEXT, Step, field_name};
use super::state::{Answer, Draft, DraftSeal};
use crate::limits::FormLimits;
use crate::surveys::{HOUSES, Question, QuestionKind, RATHER_NOT_SAY, Registry, Survey};

/// The largest a character of free text can be on the page: 4 bytes of
/// UTF-8, each written `%XX`.
const POSTED_BYTES_PER_CHAR: usize = 12;
/// The longest distribution link code the start page takes.
const MAX_VIA: usize = 64;

/// The limits of each survey link's page posts.
#[derive(Debug, Clone, Default)]
pub struct PageLimits {
    by_link: HashMap<String, FormLimits>,
}

impl PageLimits {
    /// Works the limits out for every link in `registry`.
    pub fn for_registry(registry: &Registry) -> PageLimits {
        let longest_lang = registry.catalogue.languages().iter().map(|l| l.code.len()).max().unwrap_or(2);
        let mut by_link: HashMap<String, FormLimits> = HashMap::new();
        for survey in registry.surveys() {
            let limits = survey_limits(survey, longest_lang);
            by_link
                .entry(survey.link.clone())
                .and_modify(|l| {
                    l.bytes = l.bytes.max(limits.bytes);
                    l.fields = l.fields.max(limits.fields);
                })
                .or_insert(limits);
        }
        PageLimits { by_link }
    }

    /// The limits of a page post to `/s/{link}`; `None` for a link no survey has.
    pub fn for_link(&self, link: &str) -> Option<FormLimits> {
        self.by_link.get(link).copied()
    }
}

/// The largest post any page of `survey` can make, over its age groups.
fn survey_limits(survey: &Survey, longest_lang: usize) -> FormLimits {
    let mut limits = FormLimits { bytes: 0, fields: 0 };
    for age in &survey.age_groups {
        let journey = Journey::new(survey, *age);
        let sealed = sealed_len(&largest_draft(&journey, longest_lang));
        let nav = format!("change:{}", journey.steps.len()).len().max("skip-section".len());
        for step in &journey.steps {
            let mut page = Post::default();
            page.field("state", sealed);
            page.field("nav", nav);
            if let Step::Questions(_, questions) = step {
                for question in questions {
                    largest_answer_posted(question, &mut page);
                }
            }
            limits.bytes = limits.bytes.max(page.bytes);
            limits.fields = limits.fields.max(page.fields);
        }
    }
    limits
}

/// A form post being measured.
#[derive(Default)]
struct Post {
    bytes: usize,
    fields: usize,
}

impl Post {
    /// One `name=value` whose value takes `value_len` bytes once encoded.
    fn field(&mut self, name: &str, value_len: usize) {
        let separator = usize::from(self.fields > 0);
        self.bytes += separator + encoded_len(name) + 1 + value_len;
        self.fields += 1;
    }
}

/// Adds the largest honest answer to `question` as the page posts it.
fn largest_answer_posted(question: &Question, page: &mut Post) {
    let name = field_name(question);
    let text = MAX_TEXT * POSTED_BYTES_PER_CHAR;
    match &question.kind {
        QuestionKind::Text => page.field(&name, text),
        QuestionKind::ThreeHouses { .. } => {
            for house in HOUSES {
                page.field(&format!("{name}.{house}"), text);
            }
        }
        QuestionKind::Multiple { options } => {
            for id in options.iter().map(|o| o.id.as_str()).chain([RATHER_NOT_SAY]) {
                page.field(&name, encoded_len(id));
            }
        }
        kind @ (QuestionKind::Faces { .. } | QuestionKind::Scale { .. } | QuestionKind::Single { .. }) => {
            let longest = kind.choices().iter().map(|(id, _)| encoded_len(id)).chain([RATHER_NOT_SAY.len()]).max();
            page.field(&name, longest.unwrap_or_default());
        }
    }
}

/// A draft of `journey` as large as one can be: see the module's doc.
fn largest_draft(journey: &Journey<'_>, longest_lang: usize) -> Draft {
    let survey = journey.survey;
    let text = largest_sealed_text;
    let answers = survey
        .questions()
        .filter(|q| q.asked_of(journey.age))
        .map(|q| {
            let answer = match &q.kind {
                QuestionKind::Text => Answer::Text(text()),
                QuestionKind::ThreeHouses { .. } => Answer::Houses([text(), text(), text()]),
                QuestionKind::Multiple { options } => {
                    let all = Answer::Choices(options.iter().map(|o| o.id.clone()).collect());
                    let alone = Answer::Choice(RATHER_NOT_SAY.to_owned());
                    if json_len(&all) >= json_len(&alone) { all } else { alone }
                }
                kind => {
                    let ids = kind.choices().into_iter().map(|(id, _)| id).chain([RATHER_NOT_SAY.to_owned()]);
                    Answer::Choice(ids.max_by_key(json_len).unwrap_or_default())
                }
            };
            (q.id.clone(), answer)
        })
        .collect();
    Draft {
        survey: survey.id.clone(),
        version: survey.version.clone(),
        age: journey.age.as_str().to_owned(),
        lang: "x".repeat(longest_lang),
        token: "0".repeat(32),
        at: journey.steps.len(),
        reviewing: false,
        skipped: survey.sections.iter().filter(|s| s.content_note.is_some()).map(|s| s.id.clone()).collect(),
        answers,
        via: Some("x".repeat(MAX_VIA)),
        started_hour: i64::MIN,
    }
}

/// Free text as large as it can be in the sealed draft: every character
/// one that JSON writes in 6 bytes (`\u0001`), as no other is larger.
fn largest_sealed_text() -> String {
    "\u{1}".repeat(MAX_TEXT)
}

/// The length of `draft` sealed. The key does not change it.
fn sealed_len(draft: &Draft) -> usize {
    DraftSeal::new([0; 32]).seal(draft).len()
}

fn json_len<T: serde::Serialize>(value: &T) -> usize {
    serde_json::to_vec(value).map_or(0, |v| v.len())
}

/// The length of `text` as a browser posts it in a form: letters, digits
/// and `*-._` as they are, a space as `+`, every other byte as `%XX`.
fn encoded_len(text: &str) -> usize {
    text.bytes().map(|b| if b.is_ascii_alphanumeric() || b"*-._ ".contains(&b) { 1 } else { 3 }).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The largest a character of free text can be in the sealed draft's JSON.
    const SEALED_BYTES_PER_CHAR: usize = 6;

    fn shipped() -> Registry {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("surveys");
        Registry::load(&dir).expect("the shipped surveys load")
    }

    #[test]
    fn every_link_has_limits_and_unknown_links_none() {
        let registry = shipped();
        let limits = PageLimits::for_registry(&registry);
        for (link, _) in registry.links() {
            let l = limits.for_link(link).expect("limits for every link");
            eprintln!("/s/{link}: {} bytes, {} fields", l.bytes, l.fields);
            assert!(l.bytes < 512 * 1024, "{link}: well below the megabyte once allowed: {l:?}");
            assert!(l.fields >= 3, "{link}: {l:?}");
        }
        assert_eq!(limits.for_link("no-such-link"), None);
    }

    #[test]
    fn a_link_shared_by_two_surveys_takes_the_larger() {
        let registry = shipped();
        let limits = PageLimits::for_registry(&registry);
        let longest_lang = registry.catalogue.languages().iter().map(|l| l.code.len()).max().unwrap();
        let behind: Vec<_> = registry.by_link("young-people");
        assert!(behind.len() >= 2, "the shipped young people's link has two surveys");
        let each: Vec<FormLimits> = behind.iter().map(|s| survey_limits(s, longest_lang)).collect();
        let link = limits.for_link("young-people").unwrap();
        assert_eq!(link.bytes, each.iter().map(|l| l.bytes).max().unwrap());
        assert_eq!(link.fields, each.iter().map(|l| l.fields).max().unwrap());
    }

    #[test]
    fn a_draft_with_more_free_text_needs_a_larger_limit() {
        let registry = shipped();
        let survey = registry.by_link("young-people")[0];
        let journey = Journey::new(survey, survey.age_groups[0]);
        let full = largest_draft(&journey, 2);
        let mut fewer = full.clone();
        let text_answers: Vec<String> = fewer
            .answers
            .iter()
            .filter(|(_, a)| matches!(a, Answer::Text(_) | Answer::Houses(_)))
            .map(|(id, _)| id.clone())
            .collect();
        assert!(!text_answers.is_empty());
        fewer.answers.retain(|id, _| !text_answers.contains(id));
        assert!(sealed_len(&full) > sealed_len(&fewer) + MAX_TEXT * SEALED_BYTES_PER_CHAR);
    }

    #[test]
    fn no_character_is_larger_in_the_draft_than_the_one_measured() {
        let largest = json_len(&largest_sealed_text());
        assert_eq!(largest, MAX_TEXT * SEALED_BYTES_PER_CHAR + 2);
        for c in ['a', '"', '\\', '\n', '\u{1f}', '\u{7f}', 'ż', '\u{2028}', 'क', '😀'] {
            assert!(json_len(&c.to_string().repeat(MAX_TEXT)) <= largest, "{c:?}");
        }
        // Scrubbing may lengthen text, but never past this: each
        // "[removed]" stands for two characters or more.
        let scrubbed = crate::anonymise::scrub::scrub(&"@a ".repeat(MAX_TEXT / 3));
        assert!(json_len(&scrubbed.as_str()) <= largest);
    }

    #[test]
    fn measures_what_a_browser_sends() {
        assert_eq!(encoded_len("answer.food"), 11);
        assert_eq!(encoded_len("a b"), 3);
        assert_eq!(encoded_len("ż"), 6);
        assert_eq!(encoded_len("a&b=c"), 9);
    }
}
