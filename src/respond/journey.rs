//! The steps of a survey for one age group, moving between them, and reading
//! a page's answers. Plain functions over the survey and the draft, so the
//! rules are tested without a server.

use std::collections::BTreeMap;

use super::state::{Answer, Draft};
use super::store::{NewAnswer, NewSubmission};
use crate::anonymise::flag::Lexicon;
use crate::anonymise::scrub::scrub;
use crate::surveys::suggest::ThemeSuggester;
use crate::surveys::{AgeGroup, HOUSES, Question, QuestionKind, RATHER_NOT_SAY, Section, Survey};
use crate::web::form::Form;

/// Longest free-text answer, in characters.
pub const MAX_TEXT: usize = 2000;

/// Longest free-text answer, in bytes: [`MAX_TEXT`] characters of the
/// largest UTF-8 takes, 4 bytes.
pub const MAX_TEXT_BYTES: usize = MAX_TEXT * 4;

/// A free-text answer as posted (trimmed), checked for length before
/// anything reads it: in bytes first, which costs nothing, then in
/// characters. Too long, it is never scrubbed or matched, so an over-long
/// answer costs only its length. `Err` holds how many characters it has.
pub fn within_length(text: &str) -> Result<&str, usize> {
    if text.len() > MAX_TEXT_BYTES || text.chars().count() > MAX_TEXT { Err(text.chars().count()) } else { Ok(text) }
}

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

    /// The stored form of a finished draft, and whether the person is shown
    /// the gentle help page first: their free text matched the safeguarding
    /// lexicon, or they chose an answer that offers help (`help_if`).
    /// Free text is scrubbed again on the way (scrubbing is idempotent), so
    /// only [`ScrubbedText`] reaches the writer.
    ///
    /// The response goes to the safeguarding lead instead of young reviewers
    /// (`concern`) when the lexicon matches, and also when it cannot read the
    /// text at all ([`Lexicon::cannot_read`]): words in a script or language
    /// no list covers could say anything, so an adult reads them first. That
    /// alone does not show the help page, which says "it sounds like things
    /// might be hard": we would not know that. A closed answer that offers
    /// help sends the response to the lead when its question says so
    /// (`help_reaches_lead`).
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
        let mut chose_help = false;
        let mut chose_alert = false;
        for (question, answer) in self.answers_to_send(draft) {
            for choice in chosen(answer) {
                chose_help |= question.offers_help(choice);
                chose_alert |= question.alerts_lead(choice);
            }
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
            concern: matched || unreadable || chose_alert,
            // Known only at the edge, from the client's address (`respond::pages`).
            over_flagged_limit: false,
            answers: rows,
            suggested_themes: suggested,
            via: draft.via.clone(),
        };
        (submission, matched || chose_help)
    }
}

/// The button a page was posted with (its `nav` field), read at the edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    /// "Continue" on a question page.
    Next,
    /// "Back", from any page.
    Back,
    /// "Answer these" after a content note: the section is not skipped.
    Continue,
    /// "Skip this part" after a content note.
    SkipSection,
    /// "Send" on the check page.
    Submit,
    /// "Change" or "Answer it" on the check page: the step to go to.
    Change(usize),
    /// A value no page offers: a stale or altered form.
    Unknown,
}

impl Nav {
    /// Reads the `nav` field; a form without one moves on, like "Continue".
    pub fn parse(nav: Option<&str>) -> Nav {
        match nav.unwrap_or("next") {
            "next" => Nav::Next,
            "back" => Nav::Back,
            "continue" => Nav::Continue,
            "skip-section" => Nav::SkipSection,
            "submit" => Nav::Submit,
            other => other.strip_prefix("change:").and_then(|t| t.parse().ok()).map_or(Nav::Unknown, Nav::Change),
        }
    }
}

/// What to show once a page has been posted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// The step the draft is now at. `help`: free text just taken in may
    /// mean the person is not safe, so help is offered on this very page,
    /// not only after "Send".
    Step { help: bool },
    /// The same step again with what was wrong on it; nothing was taken in.
    Problems(Vec<FieldError>),
    /// The survey file changed during the journey: "Check your answers",
    /// with a notice saying so.
    SurveyChanged,
    /// "Send" was pressed on the check page.
    Send,
    /// The form does not fit the step it came from (a stale or altered page):
    /// the step again, with a notice.
    Mismatch,
    /// The draft points at a step this journey does not have.
    NoSuchStep,
}

impl Journey<'_> {
    /// Takes in a posted page and moves: the draft afterwards and what to
    /// show. Every rule of where a person goes next is here; the handler
    /// only reads the request, checks "already sent?", renders and sends.
    pub fn after_page(&self, mut draft: Draft, page: &Form, nav: Nav, lexicon: &Lexicon) -> (Draft, Next) {
        if draft.version != self.survey.version {
            // The page just posted may not match the new steps, so keep the
            // answers to questions that still exist and show them to check.
            let (survey, age) = (self.survey, self.age);
            draft.answers.retain(|id, _| survey.question(id).is_some_and(|q| q.asked_of(age)));
            draft.skipped.retain(|id| survey.section(id).is_some());
            draft.version = survey.version.clone();
            draft.at = self.check();
            draft.reviewing = true;
            return (draft, Next::SurveyChanged);
        }
        let at = draft.at;
        let Some(step) = self.steps.get(at) else { return (draft, Next::NoSuchStep) };
        let help = match take_in(&mut draft, step, page, nav, lexicon) {
            Ok(help) => help,
            Err(next) => return (draft, next),
        };
        let next_or_check = |draft: &Draft| if draft.reviewing { self.check() } else { self.next(draft, at) };
        match (step, nav) {
            (_, Nav::Back) => draft.at = self.previous(&draft, at).unwrap_or(at),
            (Step::Note(section), Nav::Continue) => {
                draft.skipped.remove(&section.id);
                draft.at = self.next(&draft, at);
            }
            (Step::Note(section), Nav::SkipSection) => {
                // Nothing from a skipped section is kept, not even in the page.
                draft.skipped.insert(section.id.clone());
                for question in &section.questions {
                    draft.answers.remove(&question.id);
                }
                draft.at = next_or_check(&draft);
            }
            (Step::Questions(..), Nav::Next) => draft.at = next_or_check(&draft),
            (Step::Check, Nav::Submit) => return (draft, Next::Send),
            (Step::Check, Nav::Change(target)) if target < self.check() => {
                // "Answer it" on a skipped part walks through the whole part;
                // "Change" on one answer comes straight back to the check page.
                match &self.steps[target] {
                    Step::Note(section) => {
                        draft.skipped.remove(&section.id);
                        draft.reviewing = false;
                    }
                    Step::Questions(section, _) => {
                        draft.skipped.remove(&section.id);
                        draft.reviewing = true;
                    }
                    Step::Check => {}
                }
                draft.at = target;
            }
            _ => return (draft, Next::Mismatch),
        }
        (draft, Next::Step { help })
    }
}

/// Puts a page's answers into the draft: whether the free text among them
/// may mean the person is not safe, or, when the page cannot be taken in,
/// what to show instead.
fn take_in(draft: &mut Draft, step: &Step<'_>, page: &Form, nav: Nav, lexicon: &Lexicon) -> Result<bool, Next> {
    let Step::Questions(_, questions) = step else {
        // A content note and the check page carry nothing but their buttons.
        let extra = page.names().iter().any(|n| *n != "state" && *n != "nav");
        return if extra { Err(Next::Mismatch) } else { Ok(false) };
    };
    let read = read_answers(questions, page);
    if read.unexpected_field {
        return Err(Next::Mismatch);
    }
    if !read.errors.is_empty() {
        // "Back" still leaves a page with problems, keeping none of it.
        return if nav == Nav::Back { Ok(false) } else { Err(Next::Problems(read.errors)) };
    }
    let mut help = false;
    for (id, answer) in read.answers {
        help |= match &answer {
            Some(Answer::Text(text)) => lexicon.matches(text),
            Some(Answer::Houses(houses)) => houses.iter().any(|h| lexicon.matches(h)),
            Some(answer @ (Answer::Choice(_) | Answer::Choices(_))) => {
                questions.iter().find(|q| q.id == id).is_some_and(|q| chosen(answer).any(|c| q.offers_help(c)))
            }
            None => false,
        };
        match answer {
            Some(answer) => draft.answers.insert(id, answer),
            None => draft.answers.remove(&id),
        };
    }
    Ok(help)
}

/// The options an answer chose (none for written answers).
fn chosen(answer: &Answer) -> impl Iterator<Item = &str> {
    let (one, many): (Option<&String>, &[String]) = match answer {
        Answer::Choice(choice) => (Some(choice), &[]),
        Answer::Choices(choices) => (None, choices.as_slice()),
        Answer::Text(_) | Answer::Houses(_) => (None, &[]),
    };
    one.into_iter().chain(many).map(String::as_str)
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
            QuestionKind::Text => match within_length(form.get(&name).unwrap_or_default().trim()) {
                Ok(text) => (!text.is_empty()).then(|| Answer::Text(scrub(text).into_inner())),
                Err(count) => {
                    page.errors.push(error(Problem::TooLong(count), name.clone()));
                    None
                }
            },
            QuestionKind::ThreeHouses { .. } => {
                let mut houses: [String; 3] = Default::default();
                for (i, house) in HOUSES.iter().enumerate() {
                    let field = format!("{name}.{house}");
                    match within_length(form.get(&field).unwrap_or_default().trim()) {
                        Ok(text) => houses[i] = scrub(text).into_inner(),
                        Err(count) => page.errors.push(error(Problem::TooLong(count), field.clone())),
                    }
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
    use crate::surveys::{Audience, Choice, HelpIf, Text};

    fn question(id: &str, kind: QuestionKind) -> Question {
        Question {
            id: id.into(),
            kind,
            text: Text::plain("?"),
            hint: None,
            themes: vec![],
            age_groups: None,
            measure: None,
            help: None,
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
    fn length_is_counted_in_characters_of_any_size() {
        for c in ['a', 'ż', 'ب', 'ক', '😀'] {
            let most = c.to_string().repeat(MAX_TEXT);
            assert_eq!(within_length(&most), Ok(most.as_str()), "{c}");
            let over = c.to_string().repeat(MAX_TEXT + 1);
            assert_eq!(within_length(&over), Err(MAX_TEXT + 1), "{c}");
        }
        assert_eq!(within_length(""), Ok(""));
    }

    /// An over-long answer is refused for its length alone: a link followed
    /// by 320,000 closing brackets once kept the scrubber busy for minutes.
    #[test]
    fn an_over_long_answer_is_refused_before_it_is_scrubbed() {
        let q = question("t", QuestionKind::Text);
        let houses = question("h", QuestionKind::ThreeHouses { houses: HOUSES.map(Text::plain) });
        let hostile = format!("http://example.com/{}", ")".repeat(320_000));
        let body = format!("answer.t={hostile}&answer.h.worries={hostile}&answer.h.good=ok");
        let form = Form::parse(body.as_bytes()).unwrap();
        let started = crate::anonymise::WorkTimer::start();
        let page = read_answers(&[&q, &houses], &form);
        let elapsed = started.elapsed();
        assert!(elapsed < std::time::Duration::from_millis(200), "{elapsed:?}");
        let fields: Vec<&str> = page.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["answer.t", "answer.h.worries"]);
        assert_eq!(page.errors[0].problem, Problem::TooLong(hostile.chars().count()));
        assert_eq!(page.answers["t"], None);
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

    /// Three sections: "school" (the last question only for 12-15s), "home"
    /// behind a content note, and "later" with the three houses. For 8-11s,
    /// one question a page, the steps are:
    /// 0 food, 1 wish, 2 home's note, 3 safe, 4 worry, 5 houses, 6 check.
    fn survey() -> Survey {
        let section = |id: &str, note: bool, questions| Section {
            id: id.into(),
            title: Text::plain(id),
            content_note: note.then(|| Text::plain("This part asks about home.")),
            questions,
        };
        let mut older = question("older", QuestionKind::Text);
        older.age_groups = Some(vec![AgeGroup::TwelveToFifteen]);
        let houses = QuestionKind::ThreeHouses { houses: HOUSES.map(Text::plain) };
        Survey {
            id: "s".into(),
            link: "s".into(),
            audience: Audience::ChildYoungPerson,
            age_groups: vec![AgeGroup::EightToEleven, AgeGroup::TwelveToFifteen],
            title: Text::plain("S"),
            intro: None,
            sections: vec![
                section(
                    "school",
                    false,
                    vec![question("food", options()), question("wish", QuestionKind::Text), older],
                ),
                section("home", true, vec![question("safe", options()), question("worry", QuestionKind::Text)]),
                section("later", false, vec![question("houses", houses)]),
            ],
            version: "v1".into(),
            path: Default::default(),
        }
    }

    const CHECK: usize = 6;

    fn draft(at: usize) -> Draft {
        Draft {
            survey: "s".into(),
            version: "v1".into(),
            age: "8-11".into(),
            lang: "en".into(),
            token: "00".repeat(16),
            at,
            reviewing: false,
            skipped: Default::default(),
            answers: Default::default(),
            via: None,
            started_hour: 0,
        }
    }

    fn with(mut draft: Draft, answers: &[(&str, &str)], skipped: &[&str]) -> Draft {
        draft.answers.extend(answers.iter().map(|(id, text)| (id.to_string(), Answer::Text(text.to_string()))));
        draft.skipped.extend(skipped.iter().map(|id| id.to_string()));
        draft
    }

    fn chose(choice: &str) -> Answer {
        Answer::Choices(vec![choice.into()])
    }

    /// Posts `body` (with the sealed state, as a real page has) on `draft`'s step.
    fn post(journey: &Journey<'_>, draft: &Draft, body: &str) -> (Draft, Next) {
        let page = Form::parse(format!("state=sealed&{body}").as_bytes()).unwrap();
        let lexicon = Lexicon::new(&["hurt me"]).unwrap();
        journey.after_page(draft.clone(), &page, Nav::parse(page.get("nav")), &lexicon)
    }

    fn moved(before: &Draft, at: usize) -> Draft {
        Draft { at, ..before.clone() }
    }

    #[test]
    fn nav_reads_every_button_and_nothing_else() {
        for (nav, read) in [
            (Some("next"), Nav::Next),
            (None, Nav::Next),
            (Some("back"), Nav::Back),
            (Some("continue"), Nav::Continue),
            (Some("skip-section"), Nav::SkipSection),
            (Some("submit"), Nav::Submit),
            (Some("change:3"), Nav::Change(3)),
            (Some("change:"), Nav::Unknown),
            (Some("change:-1"), Nav::Unknown),
            (Some("change:x"), Nav::Unknown),
            (Some("Next"), Nav::Unknown),
            (Some(""), Nav::Unknown),
            (Some("explode"), Nav::Unknown),
        ] {
            assert_eq!(Nav::parse(nav), read, "{nav:?}");
        }
    }

    #[test]
    fn the_steps_are_laid_out_for_the_age_group() {
        let survey = survey();
        let kinds = |age| {
            Journey::new(&survey, age)
                .steps
                .iter()
                .map(|s| match s {
                    Step::Note(section) => format!("note {}", section.id),
                    Step::Questions(_, qs) => qs.iter().map(|q| q.id.as_str()).collect::<Vec<_>>().join("+"),
                    Step::Check => "check".into(),
                })
                .collect::<Vec<_>>()
        };
        let young = ["food", "wish", "note home", "safe", "worry", "houses", "check"];
        assert_eq!(kinds(AgeGroup::EightToEleven), young);
        assert_eq!(kinds(AgeGroup::TwelveToFifteen), ["food+wish+older", "note home", "safe+worry", "houses", "check"]);
    }

    #[test]
    fn next_takes_the_page_in_and_moves_on() {
        let survey = survey();
        let journey = Journey::new(&survey, AgeGroup::EightToEleven);
        let (after, next) = post(&journey, &draft(0), "nav=next&answer.food=b");
        assert_eq!(next, Next::Step { help: false });
        let mut expected = moved(&draft(0), 1);
        expected.answers.insert("food".into(), chose("b"));
        assert_eq!(after, expected);

        // An answer cleared on the page is cleared in the draft.
        let before = with(draft(1), &[("wish", "clubs"), ("worry", "none")], &[]);
        let (after, next) = post(&journey, &before, "nav=next&answer.wish=");
        assert_eq!(next, Next::Step { help: false });
        assert_eq!(after, with(draft(2), &[("worry", "none")], &[]));

        // A skipped section's note still shows, so the person can change their mind.
        let before = with(draft(1), &[], &["home"]);
        let (after, _) = post(&journey, &before, "nav=next");
        assert_eq!(after.at, 2);
        // The last question leads to the check page.
        let (after, _) = post(&journey, &draft(5), "nav=next");
        assert_eq!(after.at, CHECK);
        // A form without a button moves on too.
        assert_eq!(post(&journey, &draft(1), "answer.wish=hi").0, with(draft(2), &[("wish", "hi")], &[]));
    }

    #[test]
    fn next_while_changing_an_answer_goes_back_to_the_check_page() {
        let survey = survey();
        let journey = Journey::new(&survey, AgeGroup::EightToEleven);
        let before = Draft { reviewing: true, ..draft(0) };
        let (after, next) = post(&journey, &before, "nav=next&answer.food=a");
        assert_eq!(next, Next::Step { help: false });
        assert_eq!(after.at, CHECK);
        assert_eq!(after.answers["food"], chose("a"));
        assert!(after.reviewing);
    }

    #[test]
    fn back_from_each_kind_of_step() {
        let survey = survey();
        let journey = Journey::new(&survey, AgeGroup::EightToEleven);
        // From a question: what was typed is kept.
        let (after, next) = post(&journey, &draft(1), "nav=back&answer.wish=more+clubs");
        assert_eq!(next, Next::Step { help: false });
        assert_eq!(after, with(draft(0), &[("wish", "more clubs")], &[]));
        // From a question with a problem: nothing of it is kept, and no problem is shown.
        let before = with(draft(3), &[("safe", "kept")], &[]);
        let (after, next) = post(&journey, &before, "nav=back&answer.safe=zzz");
        assert_eq!(next, Next::Step { help: false });
        assert_eq!(after, moved(&before, 2));
        // From a content note, and from the first step, which stays put.
        assert_eq!(post(&journey, &draft(2), "nav=back"), (draft(1), Next::Step { help: false }));
        assert_eq!(post(&journey, &draft(0), "nav=back"), (draft(0), Next::Step { help: false }));
        // From the check page: a skipped section's questions are passed over.
        let before = with(draft(CHECK), &[], &["later"]);
        assert_eq!(post(&journey, &before, "nav=back").0, moved(&before, 4));
        let before = with(draft(3), &[], &["home"]);
        assert_eq!(post(&journey, &before, "nav=back&answer.safe=a").0.at, 2);
    }

    #[test]
    fn a_page_with_problems_is_shown_again_and_none_of_it_is_kept() {
        let survey = survey();
        let journey = Journey::new(&survey, AgeGroup::TwelveToFifteen);
        let before = Draft { age: "12-15".into(), ..draft(0) };
        let long = "a".repeat(MAX_TEXT + 1);
        let (after, next) = post(&journey, &before, &format!("nav=next&answer.food=a&answer.wish={long}"));
        let problem = FieldError {
            field: "answer.wish".into(),
            question: "wish".into(),
            problem: Problem::TooLong(MAX_TEXT + 1),
        };
        assert_eq!(next, Next::Problems(vec![problem]));
        assert_eq!(after, before);
    }

    #[test]
    fn continue_after_a_note_answers_the_section_even_if_it_was_skipped() {
        let survey = survey();
        let journey = Journey::new(&survey, AgeGroup::EightToEleven);
        assert_eq!(post(&journey, &draft(2), "nav=continue"), (draft(3), Next::Step { help: false }));
        let before = with(draft(2), &[], &["home"]);
        assert_eq!(post(&journey, &before, "nav=continue"), (draft(3), Next::Step { help: false }));
    }

    #[test]
    fn skipping_a_section_forgets_its_answers() {
        let survey = survey();
        let journey = Journey::new(&survey, AgeGroup::EightToEleven);
        let before = with(draft(2), &[("wish", "clubs"), ("safe", "yes"), ("worry", "none")], &[]);
        let (after, next) = post(&journey, &before, "nav=skip-section");
        assert_eq!(next, Next::Step { help: false });
        assert_eq!(after, with(draft(5), &[("wish", "clubs")], &["home"]));
        // Skipped from the check page's "Answer it": back to the check page.
        let before = Draft { reviewing: true, ..draft(2) };
        let (after, _) = post(&journey, &before, "nav=skip-section");
        assert_eq!(after, Draft { reviewing: true, ..with(draft(CHECK), &[], &["home"]) });
    }

    #[test]
    fn change_from_the_check_page() {
        let survey = survey();
        let journey = Journey::new(&survey, AgeGroup::EightToEleven);
        let before = with(draft(CHECK), &[("wish", "clubs")], &["home"]);
        // "Change" one answer: straight back to the check page afterwards.
        let (after, next) = post(&journey, &before, "nav=change:1");
        assert_eq!(next, Next::Step { help: false });
        assert_eq!(after, Draft { reviewing: true, ..moved(&before, 1) });
        let (back, _) = post(&journey, &after, "nav=next&answer.wish=games");
        assert_eq!(back, Draft { reviewing: true, ..with(draft(CHECK), &[("wish", "games")], &["home"]) });
        // "Answer it" on a skipped part: its note, then the whole part.
        let (after, _) = post(&journey, &before, "nav=change:2");
        assert_eq!(after, with(draft(2), &[("wish", "clubs")], &[]));
        // A question of a skipped part un-skips the part too.
        let (after, _) = post(&journey, &before, "nav=change:3");
        assert_eq!(after, Draft { reviewing: true, ..with(draft(3), &[("wish", "clubs")], &[]) });
        // Not a step before the check page.
        for nav in ["nav=change:6", "nav=change:99", "nav=change:x"] {
            assert_eq!(post(&journey, &before, nav), (before.clone(), Next::Mismatch), "{nav}");
        }
        // Only the check page offers it.
        assert_eq!(post(&journey, &draft(2), "nav=change:0"), (draft(2), Next::Mismatch));
    }

    #[test]
    fn send_only_from_the_check_page() {
        let survey = survey();
        let journey = Journey::new(&survey, AgeGroup::EightToEleven);
        let before = with(draft(CHECK), &[("wish", "clubs")], &[]);
        assert_eq!(post(&journey, &before, "nav=submit"), (before.clone(), Next::Send));
        assert_eq!(post(&journey, &draft(2), "nav=submit"), (draft(2), Next::Mismatch));
        // A question page takes its answers in before the button is found wrong.
        let (after, next) = post(&journey, &draft(1), "nav=submit&answer.wish=hi");
        assert_eq!((after, next), (with(draft(1), &[("wish", "hi")], &[]), Next::Mismatch));
    }

    #[test]
    fn a_form_that_does_not_fit_its_step_is_one_mismatch() {
        let survey = survey();
        let journey = Journey::new(&survey, AgeGroup::EightToEleven);
        for (at, body) in [
            // A field the page does not ask: nothing is taken in.
            (1, "nav=next&answer.wish=hi&answer.food=a"),
            (1, "nav=back&answer.no-such-question=1"),
            // A note or the check page with an answer on it.
            (2, "nav=continue&answer.safe=a"),
            (CHECK, "nav=submit&answer.wish=hi"),
            // A button the step does not have.
            (2, "nav=next"),
            (CHECK, "nav=next"),
            (CHECK, "nav=continue"),
            (CHECK, "nav=skip-section"),
            (0, "nav=continue"),
            (0, "nav=skip-section"),
            (0, "nav=explode"),
            (2, "nav=explode"),
            (CHECK, "nav=explode"),
        ] {
            assert_eq!(post(&journey, &draft(at), body), (draft(at), Next::Mismatch), "{at} {body}");
        }
    }

    #[test]
    fn words_that_may_mean_harm_offer_help_on_the_next_page() {
        let survey = survey();
        let journey = Journey::new(&survey, AgeGroup::EightToEleven);
        let (after, next) = post(&journey, &draft(1), "nav=next&answer.wish=he+would+hurt+me");
        assert_eq!((after.at, next), (2, Next::Step { help: true }));
        let body = "nav=next&answer.houses.worries=&answer.houses.good=school&answer.houses.wishes=no+one+will+hurt+me";
        let (after, next) = post(&journey, &draft(5), body);
        assert_eq!((after.at, next), (CHECK, Next::Step { help: true }));
        let houses = Answer::Houses(["".into(), "school".into(), "no one will hurt me".into()]);
        assert_eq!(after.answers["houses"], houses);
        assert_eq!(post(&journey, &draft(1), "nav=next&answer.wish=clubs").1, Next::Step { help: false });
    }

    /// "safe" offers help on its option "c"; `reaches_lead` says whether the
    /// response also goes to the lead.
    fn survey_with_help(reaches_lead: bool) -> Survey {
        let mut survey = survey();
        survey.sections[1].questions[0].help = Some(HelpIf { answers: vec!["c".into()], reaches_lead });
        survey
    }

    #[test]
    fn a_closed_answer_that_means_danger_offers_help_on_the_next_page() {
        let survey = survey_with_help(true);
        let journey = Journey::new(&survey, AgeGroup::EightToEleven);
        let (after, next) = post(&journey, &draft(3), "nav=next&answer.safe=c");
        assert_eq!((after.at, next), (4, Next::Step { help: true }));
        let (_, next) = post(&journey, &draft(3), "nav=next&answer.safe=a&answer.safe=c");
        assert_eq!(next, Next::Step { help: true }, "among others");
        let (_, next) = post(&journey, &draft(3), "nav=next&answer.safe=a");
        assert_eq!(next, Next::Step { help: false });
        let (_, next) = post(&journey, &draft(0), "nav=next&answer.food=c");
        assert_eq!(next, Next::Step { help: false }, "the same option on a question without help_if");
    }

    #[test]
    fn a_closed_answer_that_means_danger_shows_help_after_sending_and_may_reach_the_lead() {
        let lexicon = Lexicon::new(&["hurt me"]).unwrap();
        let suggester = crate::surveys::suggest::ThemeSuggester::new(&[]).unwrap();
        let mut sent = draft(CHECK);
        sent.answers.insert("safe".into(), Answer::Choices(vec!["c".into()]));
        for (reaches_lead, concern) in [(true, true), (false, false)] {
            let survey = survey_with_help(reaches_lead);
            let journey = Journey::new(&survey, AgeGroup::EightToEleven);
            let (submission, show_help) = journey.submission(&sent, [1; 16], &lexicon, &suggester);
            assert!(show_help, "the thank-you page offers help first");
            assert_eq!(submission.concern, concern, "reaches_lead = {reaches_lead}");
        }
        let survey = survey_with_help(true);
        let journey = Journey::new(&survey, AgeGroup::EightToEleven);
        let mut calm = draft(CHECK);
        calm.answers.insert("safe".into(), Answer::Choices(vec!["a".into()]));
        let (submission, show_help) = journey.submission(&calm, [1; 16], &lexicon, &suggester);
        assert!(!show_help && !submission.concern);
    }

    #[test]
    fn a_survey_changed_mid_journey_keeps_what_still_fits_and_shows_the_check_page() {
        let mut survey = survey();
        survey.version = "v2".into();
        let journey = Journey::new(&survey, AgeGroup::EightToEleven);
        // "older" is not asked of 8-11s; "gone" and "was-here" are no more.
        let before = with(draft(1), &[("wish", "clubs"), ("older", "x"), ("gone", "x")], &["home", "was-here"]);
        // Whatever the page said: it may not match the new steps.
        let (after, next) = post(&journey, &before, "nav=explode&answer.gone=x");
        assert_eq!(next, Next::SurveyChanged);
        let expected = with(draft(CHECK), &[("wish", "clubs")], &["home"]);
        assert_eq!(after, Draft { version: "v2".into(), reviewing: true, ..expected });
    }

    #[test]
    fn a_draft_past_the_last_step_is_not_used() {
        let survey = survey();
        let journey = Journey::new(&survey, AgeGroup::EightToEleven);
        assert_eq!(post(&journey, &draft(CHECK + 1), "nav=next"), (draft(CHECK + 1), Next::NoSuchStep));
    }
}
