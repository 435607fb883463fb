//! The steps of a survey for one age group, moving between them, and reading
//! a page's answers. Plain functions over the survey and the draft, so the
//! rules are tested without a server.

use std::collections::BTreeMap;

use super::state::{Answer, Draft};
use crate::anonymise::flag::Lexicon;
use crate::anonymise::scrub::scrub;
use crate::db::writer::{NewAnswer, NewSubmission};
use crate::surveys::suggest::ThemeSuggester;
use crate::surveys::{AgeGroup, HOUSES, Question, QuestionKind, RATHER_NOT_SAY, Section, Survey};
use crate::web::form::Form;

/// Longest free-text answer, in characters.
pub const MAX_TEXT: usize = 2000;

/// One page of the journey.
#[derive(Debug)]
pub enum Step<'a> {
    /// A content note before a sensitive section: carry on or skip it.
    Note(&'a Section),
    /// One question (under-12s) or a section's questions.
    Questions(&'a Section, Vec<&'a Question>),
    /// "Check your answers", always last.
    Check,
}

/// A survey laid out for one age group.
pub struct Journey<'a> {
    pub survey: &'a Survey,
    pub age: AgeGroup,
    pub steps: Vec<Step<'a>>,
}

impl<'a> Journey<'a> {
    pub fn new(survey: &'a Survey, age: AgeGroup) -> Journey<'a> {
        let mut steps = Vec::new();
        for section in &survey.sections {
            let questions: Vec<&Question> = section.questions_for(age).collect();
            if questions.is_empty() {
                continue;
            }
            if section.content_note.is_some() {
                steps.push(Step::Note(section));
            }
            if age.one_question_per_page() {
                steps.extend(questions.into_iter().map(|q| Step::Questions(section, vec![q])));
            } else {
                steps.push(Step::Questions(section, questions));
            }
        }
        steps.push(Step::Check);
        Journey { survey, age, steps }
    }

    pub fn check(&self) -> usize {
        self.steps.len() - 1
    }

    fn shown(&self, draft: &Draft, index: usize) -> bool {
        match &self.steps[index] {
            Step::Questions(section, _) => !draft.skipped.contains(&section.id),
            Step::Note(_) | Step::Check => true,
        }
    }

    /// The step after `from`, passing over skipped sections.
    pub fn next(&self, draft: &Draft, from: usize) -> usize {
        (from + 1..self.steps.len()).find(|i| self.shown(draft, *i)).unwrap_or(self.check())
    }

    /// The step before `from`, if any.
    pub fn previous(&self, draft: &Draft, from: usize) -> Option<usize> {
        (0..from.min(self.steps.len())).rev().find(|i| self.shown(draft, *i))
    }

    /// "Question 3 of 12" or "Page 2 of 5": where `at` stands among the
    /// question pages still to be shown.
    pub fn progress(&self, draft: &Draft, at: usize) -> Option<(usize, usize)> {
        let pages: Vec<usize> = (0..self.steps.len())
            .filter(|i| matches!(self.steps[*i], Step::Questions(..)) && self.shown(draft, *i))
            .collect();
        let done = pages.iter().filter(|i| **i < at).count();
        let here = if pages.contains(&at) { done + 1 } else { done };
        Some((here.max(1), pages.len())).filter(|(_, total)| *total > 0)
    }

    /// The step that shows a question.
    pub fn step_of(&self, question_id: &str) -> Option<usize> {
        self.steps.iter().position(|s| matches!(s, Step::Questions(_, qs) if qs.iter().any(|q| q.id == question_id)))
    }

    /// The step of a section's content note, or its first question.
    pub fn step_of_section(&self, section_id: &str) -> Option<usize> {
        self.steps.iter().position(|s| match s {
            Step::Note(section) | Step::Questions(section, _) => section.id == section_id,
            Step::Check => false,
        })
    }

    /// The answers that will be sent: questions asked of this age group, in
    /// sections not skipped.
    pub fn answers_to_send<'d>(&self, draft: &'d Draft) -> Vec<(&'a Question, &'d Answer)> {
        self.survey
            .sections
            .iter()
            .filter(|s| !draft.skipped.contains(&s.id))
            .flat_map(|s| s.questions_for(self.age))
            .filter_map(|q| draft.answers.get(&q.id).map(|a| (q, a)))
            .collect()
    }

    /// The stored form of a finished draft, and whether its free text matched
    /// the safeguarding lexicon (the person then sees the gentle help page).
    /// Free text is scrubbed again on the way (scrubbing is idempotent), so
    /// only [`ScrubbedText`] reaches the writer.
    ///
    /// The response goes to the safeguarding lead instead of young reviewers
    /// (`concern`) when the lexicon matches, and also when it cannot read the
    /// text at all ([`Lexicon::cannot_read`]): words in a script or language
    /// no list covers could say anything, so an adult reads them first. That
    /// alone does not show the help page, which says "some of what you wrote
    /// sounds like things might be hard": we would not know that.
    ///
    /// [`ScrubbedText`]: crate::anonymise::scrub::ScrubbedText
    pub fn submission(
        &self,
        draft: &Draft,
        token: [u8; 16],
        lexicon: &Lexicon,
        themes: &ThemeSuggester,
    ) -> (NewSubmission, bool) {
        let mut rows = Vec::new();
        let mut matched = false;
        let mut unreadable = false;
        let mut suggested: Vec<String> = Vec::new();
        let mut text_row = |question: &Question, part: &str, text: &str, rows: &mut Vec<NewAnswer>| {
            let scrubbed = scrub(text);
            if scrubbed.is_empty() {
                return;
            }
            matched |= lexicon.matches(scrubbed.as_str());
            unreadable |= lexicon.cannot_read(scrubbed.as_str(), &draft.lang);
            for theme in themes.suggest(scrubbed.as_str()) {
                if !suggested.contains(&theme) {
                    suggested.push(theme);
                }
            }
            rows.push(NewAnswer {
                question_id: question.id.clone(),
                part: part.to_owned(),
                choice: None,
                free_text: Some(scrubbed),
            });
        };
        for (question, answer) in self.answers_to_send(draft) {
            let choice_row = |part: &str, choice: &str| NewAnswer {
                question_id: question.id.clone(),
                part: part.to_owned(),
                choice: Some(choice.to_owned()),
                free_text: None,
            };
            match answer {
                Answer::Choice(choice) => rows.push(choice_row("", choice)),
                Answer::Choices(choices) => rows.extend(choices.iter().map(|c| choice_row(c, c))),
                Answer::Text(text) => text_row(question, "", text, &mut rows),
                Answer::Houses(houses) => {
                    for (house, text) in HOUSES.iter().zip(houses) {
                        text_row(question, house, text, &mut rows);
                    }
                }
            }
        }
        let submission = NewSubmission {
            token,
            survey_id: self.survey.id.clone(),
            survey_version: self.survey.version.clone(),
            audience: self.survey.audience.as_str().to_owned(),
            age_group: self.age.as_str().to_owned(),
            // The language actually used, a coded fact like the age group.
            // Kept out of the per-response export (src/review/export.rs):
            // with age group, link and date it could narrow down who
            // answered in a small setting.
            language: draft.lang.clone(),
            concern: matched || unreadable,
            answers: rows,
            suggested_themes: suggested,
            via: draft.via.clone(),
        };
        (submission, matched)
    }
}

/// The form field that holds a question's answer (a house adds `.worries` etc.).
pub fn field_name(question: &Question) -> String {
    format!("answer.{}", question.id)
}

/// A problem with one answer, shown beside it and in the summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The id of the input the summary links to.
    pub field: String,
    pub question: String,
    pub problem: Problem,
}

/// What is wrong with an answer; the views say it in the page's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// No age group was chosen on the landing page.
    ChooseAge,
    /// A choice the question does not offer (a stale or altered page).
    Unrecognised,
    /// "I'd rather not say" ticked with other answers.
    RatherNotSayAlone,
    /// Free text over [`MAX_TEXT`] characters: how many there were.
    TooLong(usize),
}

/// What a page's form said.
#[derive(Debug, Default)]
pub struct PageAnswers {
    /// Question id → its new answer (`None`: left unanswered).
    pub answers: BTreeMap<String, Option<Answer>>,
    pub errors: Vec<FieldError>,
    /// The form carried a field this page does not ask (a tampered or stale form).
    pub unexpected_field: bool,
}

/// Reads the answers to `questions` from a posted page.
pub fn read_answers(questions: &[&Question], form: &Form) -> PageAnswers {
    let mut page = PageAnswers::default();
    let mut expected = vec!["state".to_owned(), "nav".to_owned()];
    for question in questions {
        let name = field_name(question);
        let error = |problem: Problem, field: String| FieldError { field, question: question.id.clone(), problem };
        let answer = match &question.kind {
            QuestionKind::Text => {
                let text = form.get(&name).unwrap_or_default().trim();
                if text.chars().count() > MAX_TEXT {
                    page.errors.push(error(Problem::TooLong(text.chars().count()), name.clone()));
                }
                (!text.is_empty()).then(|| Answer::Text(scrub(text).into_inner()))
            }
            QuestionKind::ThreeHouses { .. } => {
                let mut houses: [String; 3] = Default::default();
                for (i, house) in HOUSES.iter().enumerate() {
                    let field = format!("{name}.{house}");
                    let text = form.get(&field).unwrap_or_default().trim();
                    if text.chars().count() > MAX_TEXT {
                        page.errors.push(error(Problem::TooLong(text.chars().count()), field.clone()));
                    }
                    houses[i] = scrub(text).into_inner();
                    expected.push(field);
                }
                houses.iter().any(|h| !h.is_empty()).then_some(Answer::Houses(houses))
            }
            QuestionKind::Multiple { options } => {
                let chosen = form.all(&name);
                let known = |c: &&str| *c == RATHER_NOT_SAY || options.iter().any(|o| o.id == *c);
                if !chosen.iter().all(known) {
                    page.errors.push(error(Problem::Unrecognised, first_input(&name)));
                    None
                } else if chosen.contains(&RATHER_NOT_SAY) && chosen.len() > 1 {
                    page.errors.push(error(Problem::RatherNotSayAlone, first_input(&name)));
                    None
                } else if chosen.is_empty() {
                    None
                } else if chosen == [RATHER_NOT_SAY] {
                    Some(Answer::Choice(RATHER_NOT_SAY.to_owned()))
                } else {
                    // Kept in the survey's order, once each.
                    let ordered = options.iter().filter(|o| chosen.contains(&o.id.as_str())).map(|o| o.id.clone());
                    Some(Answer::Choices(ordered.collect()))
                }
            }
            QuestionKind::Faces { .. } | QuestionKind::Scale { .. } | QuestionKind::Single { .. } => {
                let chosen = form.all(&name);
                let choices = question.kind.choices();
                match chosen.as_slice() {
                    [] => None,
                    [one] if *one == RATHER_NOT_SAY || choices.iter().any(|(id, _)| id == one) => {
                        Some(Answer::Choice((*one).to_owned()))
                    }
                    _ => {
                        page.errors.push(error(Problem::Unrecognised, first_input(&name)));
                        None
                    }
                }
            }
        };
        expected.push(name);
        page.answers.insert(question.id.clone(), answer);
    }
    page.unexpected_field = form.names().iter().any(|n| !expected.iter().any(|e| e == n));
    page
}

/// The id of a question's first input, for links from the error summary.
pub fn first_input(name: &str) -> String {
    format!("{name}.0")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::surveys::{Choice, Text};

    fn question(id: &str, kind: QuestionKind) -> Question {
        Question {
            id: id.into(),
            kind,
            text: Text::plain("?"),
            hint: None,
            themes: vec![],
            age_groups: None,
            measure: None,
        }
    }

    fn options() -> QuestionKind {
        QuestionKind::Multiple {
            options: ["a", "b", "c"].map(|id| Choice { id: id.into(), label: Text::plain(id) }).into(),
        }
    }

    #[test]
    fn multiple_choice_keeps_survey_order_and_refuses_mixed_rather_not_say() {
        let q = question("m", options());
        let page = read_answers(&[&q], &Form::parse(b"answer.m=c&answer.m=a").unwrap());
        assert_eq!(page.answers["m"], Some(Answer::Choices(vec!["a".into(), "c".into()])));
        let page = read_answers(&[&q], &Form::parse(b"answer.m=a&answer.m=rather-not-say").unwrap());
        assert_eq!(page.errors.len(), 1);
        let page = read_answers(&[&q], &Form::parse(b"answer.m=zzz").unwrap());
        assert_eq!(page.errors.len(), 1);
    }

    #[test]
    fn free_text_is_scrubbed_and_limited() {
        let q = question("t", QuestionKind::Text);
        let page = read_answers(&[&q], &Form::parse(b"answer.t=text+me+on+07700+900123").unwrap());
        assert_eq!(page.answers["t"], Some(Answer::Text("text me on [removed]".into())));
        let long = format!("answer.t={}", "a".repeat(MAX_TEXT + 1));
        let page = read_answers(&[&q], &Form::parse(long.as_bytes()).unwrap());
        assert_eq!(page.errors[0].field, "answer.t");
    }

    #[test]
    fn a_field_the_page_does_not_ask_is_noticed() {
        let q = question("t", QuestionKind::Text);
        assert!(!read_answers(&[&q], &Form::parse(b"state=x&nav=next&answer.t=hi").unwrap()).unexpected_field);
        assert!(read_answers(&[&q], &Form::parse(b"answer.other=hi").unwrap()).unexpected_field);
    }

    #[test]
    fn a_scale_accepts_only_its_points() {
        let q = question("s", QuestionKind::Scale { labels: std::array::from_fn(|_| Text::plain("x")) });
        for (body, ok) in [
            ("answer.s=1", true),
            ("answer.s=5", true),
            ("answer.s=rather-not-say", true),
            ("answer.s=6", false),
            ("answer.s=0", false),
            ("answer.s=1&answer.s=2", false),
        ] {
            let page = read_answers(&[&q], &Form::parse(body.as_bytes()).unwrap());
            assert_eq!(page.errors.is_empty(), ok, "{body}");
        }
    }
}
