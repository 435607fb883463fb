//! The pages a respondent sees. Plain functions returning markup, composed
//! under the one layout.

use maud::{Markup, html};

use super::journey::{FieldError, Journey, MAX_TEXT, Step, field_name, first_input};
use super::receipt::ReceiptCode;
use super::state::{Answer, Draft};
use crate::surveys::{AgeGroup, Audience, HOUSES, Partnership, Question, QuestionKind, RATHER_NOT_SAY, Survey};
use crate::web::layout::{Page, page, support_list};

const RATHER_NOT_SAY_LABEL: &str = "I'd rather not say";

/// `/`: who this is for, and a way in for each.
pub fn home(partnership: &Partnership, links: &[(&str, Audience)]) -> Markup {
    page(
        &Page::new("Have your say", partnership),
        html! {
            h1 { "Have your say" }
            p.lead { "Tell " (partnership.place) " what matters to you. You don't have to give your name, and you can skip any question." }
            ul.choices-list {
                @for (link, audience) in links {
                    li { a.big-link href={ "/s/" (link) } { (audience.label()) } }
                }
            }
        },
    )
}

/// `/help`: every contact, and what each is for.
pub fn help(partnership: &Partnership) -> Markup {
    page(
        &Page::new("Get help now", partnership),
        html! {
            h1 { "Get help now" }
            p.lead { "You can talk to someone about anything, any time. It's free, and you don't have to give your name." }
            p { strong { "If you are in danger now, call 999." } }
            (support_list(partnership, "People you can talk to"))
            h2 { "Staying safe on this phone or computer" }
            p { "The " strong { "Leave this page" } " button takes you to the weather straight away. It doesn't delete your browsing history." }
            p { a href=(partnership.safety_advice_url) { "How to keep what you look at private (Childline)" } }
        },
    )
}

/// The landing page of a link: what this is, what happens to the answers,
/// and the way in.
pub fn landing(
    partnership: &Partnership,
    surveys: &[&Survey],
    chosen_age: Option<AgeGroup>,
    link: &str,
    via: Option<&str>,
    error: Option<&str>,
) -> Markup {
    let first = surveys[0];
    let ages: Vec<AgeGroup> = surveys.iter().flat_map(|s| s.age_groups.iter().copied()).collect();
    // Without an age group yet, the words of the survey that serves most groups.
    let chosen_age = chosen_age.filter(|a| ages.contains(a));
    let survey = match chosen_age {
        Some(age) => surveys.iter().find(|s| s.age_groups.contains(&age)).copied().unwrap_or(first),
        None => surveys.iter().max_by_key(|s| s.age_groups.len()).copied().unwrap_or(first),
    };
    let age_for_words = chosen_age.unwrap_or(survey.age_groups[survey.age_groups.len() / 2]);
    let children = first.audience == Audience::ChildYoungPerson;
    page(
        &Page::new(survey.title.for_age(age_for_words), partnership).with_error(error.is_some()),
        html! {
            @if let Some(message) = error {
                (error_summary(&[FieldError { field: "age.0".into(), question: String::new(), message: message.to_owned() }]))
            }
            h1 { (survey.title.for_age(age_for_words)) }
            @if let Some(intro) = &survey.intro { p.lead { (intro.for_age(age_for_words)) } }
            h2 { "Before you start" }
            ul.plain {
                li { "You don't have to give your name. " strong { "We won't know it was you." } }
                li { "You can skip any question. You can stop at any time." }
                li { "It takes about " (minutes(survey, age_for_words)) " minutes." }
            }
            h2 { "Who will read your answers" }
            p {
                @if children { (capitalise(&partnership.youth_council)) " – young people like you – and " (partnership.services) " will read them." }
                @else { (partnership.services) ", and " (partnership.youth_council) ", will read them." }
                " They will use them to decide what to change, and tell everyone what they did on the "
                strong { "You said, We did" } " board."
            }
            p { "Because we won't know who you are, we can't contact you about your answers. "
                "If you need help now, " a href="/help" { "talk to someone today" } "." }
            h2 { "Keeping this private" }
            p { "If someone comes, press " strong { "Leave this page" } " at the top. On a keyboard, you can also press the Shift key 3 times. "
                "This does not delete your browsing history. "
                a href=(partnership.safety_advice_url) { "How to keep what you look at private" } "." }
            form.start method="post" action={ "/s/" (link) "/start" } novalidate {
                @if let Some(via) = via { input type="hidden" name="via" value=(via); }
                @if ages.len() > 1 {
                    div.question.has-error[error.is_some()] {
                        fieldset {
                            legend { h2 { @if children { "How old are you?" } @else { "Which group are you in?" } } }
                            p.hint { "So we can ask questions that fit. We only keep the group, never your age." }
                            @if let Some(message) = error { p.error-message id="age-error" { span.visually-hidden { "Error: " } (message) } }
                            div.options {
                                @for (i, age) in ages.iter().enumerate() {
                                    label.option for={ "age." (i) } {
                                        input type="radio" name="age" id={ "age." (i) } value=(age.as_str()) checked[chosen_age == Some(*age)];
                                        span { (age.label()) }
                                    }
                                }
                            }
                        }
                    }
                } @else {
                    input type="hidden" name="age" value=(ages[0].as_str());
                }
                button.button type="submit" { "Start" }
            }
        },
    )
}

fn minutes(survey: &Survey, age: AgeGroup) -> usize {
    let questions = survey.sections.iter().flat_map(|s| s.questions_for(age)).count();
    (questions * 20).div_ceil(60).max(2)
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// Everything a step page needs.
pub struct StepPage<'a> {
    pub partnership: &'a Partnership,
    pub journey: &'a Journey<'a>,
    pub draft: &'a Draft,
    pub sealed: String,
    pub errors: Vec<FieldError>,
    /// What the person typed on a page that had errors, shown back as typed.
    pub typed: Option<&'a super::form::Form>,
    /// A problem with the page as a whole (not one answer).
    pub notice: Option<String>,
}

/// The page for the draft's current step.
pub fn step(p: &StepPage<'_>) -> Markup {
    let journey = p.journey;
    let age = journey.age;
    let at = p.draft.at;
    let has_error = !p.errors.is_empty() || p.notice.is_some();
    let (title, body) = match &journey.steps[at] {
        Step::Note(section) => (
            section.title.for_age(age).to_owned(),
            html! {
                (progress(p))
                h1 { (section.title.for_age(age)) }
                @if let Some(note) = &section.content_note { p.content-note { (note.for_age(age)) } }
                p { "You can answer, or skip this part. Either is fine." }
                div.buttons {
                    button.button type="submit" name="nav" value="continue" { "Answer these questions" }
                    button.button.secondary type="submit" name="nav" value="skip-section" { "Skip this part" }
                }
            },
        ),
        Step::Questions(section, questions) => {
            let alone = questions.len() == 1;
            let title =
                if alone { questions[0].text.for_age(age).to_owned() } else { section.title.for_age(age).to_owned() };
            (
                title,
                html! {
                    (progress(p))
                    @if !alone { h1 { (section.title.for_age(age)) } p.hint { "Every question is optional." } }
                    @for question in questions {
                        (question_block(p, question, alone))
                    }
                    div.buttons {
                        button.button type="submit" name="nav" value="next" {
                            @if p.draft.reviewing { "Save and check your answers" } @else { "Continue" }
                        }
                    }
                },
            )
        }
        Step::Check => ("Check your answers".to_owned(), check_answers(p)),
    };
    page(
        &Page::new(&title, p.partnership).with_error(has_error),
        html! {
            @if let Some(notice) = &p.notice { div.notice role="alert" { p { (notice) } } }
            @if !p.errors.is_empty() { (error_summary(&p.errors)) }
            form.journey method="post" action={ "/s/" (journey.survey.link) } novalidate {
                input type="hidden" name="state" value=(p.sealed);
                (body)
                @if journey.previous(p.draft, at).is_some() {
                    button.link-button type="submit" name="nav" value="back" { "Back" }
                }
            }
            p.stop { a href={ "/s/" (journey.survey.link) "/stopped" } { "Stop and don't send my answers" } }
        },
    )
}

fn progress(p: &StepPage<'_>) -> Markup {
    let Some((here, total)) = p.journey.progress(p.draft, p.draft.at) else { return html! {} };
    let word = if p.journey.age.one_question_per_page() { "Question" } else { "Page" };
    html! {
        p.progress {
            span { (word) " " (here) " of " (total) }
            progress max=(total) value=(here) aria-hidden="true" { }
        }
    }
}

fn error_summary(errors: &[FieldError]) -> Markup {
    html! {
        div.error-summary role="alert" aria-labelledby="error-summary-title" tabindex="-1" {
            h2 #error-summary-title { "There is a problem" }
            ul {
                @for e in errors { li { a href={ "#" (e.field) } { (e.message) } } }
            }
        }
    }
}

/// One question: a fieldset whose legend is the question (the page's `h1`
/// when it stands alone).
fn question_block(p: &StepPage<'_>, question: &Question, alone: bool) -> Markup {
    let age = p.journey.age;
    let name = field_name(question);
    let errors: Vec<&FieldError> = p.errors.iter().filter(|e| e.question == question.id).collect();
    let saved = p.draft.answers.get(&question.id);
    let typed_one = |field: &str| -> Option<String> { p.typed.map(|f| f.get(field).unwrap_or_default().to_owned()) };
    let is_chosen = |value: &str| -> bool {
        match p.typed {
            Some(form) => form.all(&name).contains(&value),
            None => match saved {
                Some(Answer::Choice(c)) => c == value,
                Some(Answer::Choices(cs)) => cs.iter().any(|c| c == value),
                _ => false,
            },
        }
    };
    let hint_id = format!("{name}-hint");
    let error_id = format!("{name}-error");
    let described = [question.hint.as_ref().map(|_| hint_id.clone()), (!errors.is_empty()).then(|| error_id.clone())]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let described = (!described.is_empty()).then_some(described);
    let legend = html! {
        @if alone { h1 { (question.text.for_age(age)) } } @else { h2 { (question.text.for_age(age)) } }
    };
    let messages = html! {
        @if let Some(hint) = &question.hint { p.hint id=(hint_id) { (hint.for_age(age)) } }
        @if !errors.is_empty() {
            p.error-message id=(error_id) {
                @for e in &errors { span.visually-hidden { "Error: " } (e.message) " " }
            }
        }
    };
    match &question.kind {
        QuestionKind::Text => {
            let value = typed_one(&name).unwrap_or_else(|| match saved {
                Some(Answer::Text(t)) => t.clone(),
                _ => String::new(),
            });
            html! {
                div.question.has-error[!errors.is_empty()] {
                    label.question-label for=(name) { (legend) }
                    (messages)
                    textarea id=(name) name=(name) rows="5" maxlength=(MAX_TEXT) aria-describedby=[described.as_deref()] { (value) }
                    p.hint { "Please don't write your name, or anyone else's." }
                }
            }
        }
        QuestionKind::ThreeHouses { houses } => {
            html! {
                div.question.has-error[!errors.is_empty()] {
                    fieldset aria-describedby=[described.as_deref()] {
                        legend { (legend) }
                        (messages)
                        @for (i, house) in HOUSES.iter().enumerate() {
                            @let field = format!("{name}.{house}");
                            @let value = typed_one(&field).unwrap_or_else(|| match saved { Some(Answer::Houses(h)) => h[i].clone(), _ => String::new() });
                            div.house class={ "house-" (house) } {
                                label for=(field) { (houses[i].for_age(age)) }
                                textarea id=(field) name=(field) rows="3" maxlength=(MAX_TEXT) { (value) }
                            }
                        }
                    }
                }
            }
        }
        kind => {
            let multiple = matches!(kind, QuestionKind::Multiple { .. });
            let faces = matches!(kind, QuestionKind::Faces { .. });
            let input_type = if multiple { "checkbox" } else { "radio" };
            let mut choices: Vec<(String, String)> =
                kind.choices().into_iter().map(|(id, label)| (id, label.for_age(age).to_owned())).collect();
            if kind.offers_rather_not_say() {
                choices.push((RATHER_NOT_SAY.to_owned(), RATHER_NOT_SAY_LABEL.to_owned()));
            }
            html! {
                div.question.has-error[!errors.is_empty()] {
                    fieldset aria-describedby=[described.as_deref()] {
                        legend { (legend) }
                        (messages)
                        @if multiple { p.hint { "Choose all that fit." } }
                        div.options.faces[faces] {
                            @for (i, (value, label)) in choices.iter().enumerate() {
                                @let id = if i == 0 { first_input(&name) } else { format!("{name}.{i}") };
                                @if value == RATHER_NOT_SAY && !faces { p.or { "or" } }
                                label.option.rather-not-say[value == RATHER_NOT_SAY] for=(id) {
                                    input type=(input_type) name=(name) id=(id) value=(value) checked[is_chosen(value)];
                                    @if faces && value != RATHER_NOT_SAY { (face(i)) }
                                    span { (label) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A simple drawn face: sad, in between, happy.
fn face(index: usize) -> Markup {
    let mouth = ["M13 29q7-6 14 0", "M13 27h14", "M13 25q7 6 14 0"][index.min(2)];
    html! {
        svg.face viewBox="0 0 40 40" aria-hidden="true" focusable="false" {
            circle cx="20" cy="20" r="18" {}
            circle.eye cx="14" cy="16" r="2.2" {}
            circle.eye cx="26" cy="16" r="2.2" {}
            path d=(mouth) {}
        }
    }
}

fn check_answers(p: &StepPage<'_>) -> Markup {
    let journey = p.journey;
    let age = journey.age;
    html! {
        h1 { "Check your answers" }
        p { "You can change anything before you send it. Once it's sent, we can't find it again to change it – because we don't know which answers are yours." }
        @for section in &journey.survey.sections {
            @let questions: Vec<&Question> = section.questions_for(age).collect();
            @if !questions.is_empty() {
                h2 { (section.title.for_age(age)) }
                @if p.draft.skipped.contains(&section.id) {
                    dl.summary {
                        div {
                            dt { "You skipped this part" }
                            dd {}
                            dd.change {
                                @if let Some(step) = journey.step_of_section(&section.id) {
                                    button.link-button type="submit" name="nav" value={ "change:" (step) } { "Answer it" }
                                }
                            }
                        }
                    }
                } @else {
                    dl.summary {
                        @for question in questions {
                            div {
                                dt { (question.text.for_age(age)) }
                                dd { (answer_words(question, p.draft.answers.get(&question.id), age)) }
                                dd.change {
                                    @if let Some(step) = journey.step_of(&question.id) {
                                        button.link-button type="submit" name="nav" value={ "change:" (step) } {
                                            "Change" span.visually-hidden { " your answer to: " (question.text.for_age(age)) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        p { "Anything that could tell someone who you are, like a phone number or an email address, has been taken out and shows as [removed]." }
        div.buttons {
            button.button type="submit" name="nav" value="submit" { "Send my answers" }
        }
    }
}

fn answer_words(question: &Question, answer: Option<&Answer>, age: AgeGroup) -> Markup {
    let label = |id: &str| -> String {
        if id == RATHER_NOT_SAY {
            return RATHER_NOT_SAY_LABEL.to_owned();
        }
        question
            .kind
            .choices()
            .into_iter()
            .find(|(c, _)| c == id)
            .map(|(_, l)| l.for_age(age).to_owned())
            .unwrap_or_default()
    };
    match answer {
        None => html! { span.muted { "Not answered" } },
        Some(Answer::Choice(id)) => html! { (label(id)) },
        Some(Answer::Choices(ids)) => html! { ul.plain { @for id in ids { li { (label(id)) } } } },
        Some(Answer::Text(text)) => html! { p.written { (text) } },
        Some(Answer::Houses(houses)) => {
            let QuestionKind::ThreeHouses { houses: names } = &question.kind else { return html! {} };
            html! {
                @for (i, text) in houses.iter().enumerate() {
                    @if !text.is_empty() { p.written { strong { (names[i].for_age(age)) ": " } (text) } }
                }
            }
        }
    }
}

/// After sending: the receipt code, what happens next, and help. When the
/// answers suggest the person may not be safe, help comes first.
pub fn thanks(
    partnership: &Partnership,
    receipt: Option<&ReceiptCode>,
    concern: bool,
    repeated: bool,
    audience: Audience,
) -> Markup {
    let children = audience == Audience::ChildYoungPerson;
    page(
        &Page::new("Thank you", partnership),
        html! {
            @if concern {
                h1 { "Thank you for telling us" }
                div.panel.gentle {
                    p.lead { "Some of what you wrote sounds like things might be hard, or not safe, for you right now. You don't have to cope with that on your own." }
                    p { "We won't know it was you, so we can't contact you. But you can talk to someone today. It's free, and you don't have to give your name." }
                    p { strong { "If you are in danger now, call 999." } }
                }
                (support_list(partnership, "People you can talk to now"))
            } @else {
                h1 { "Thank you" }
                p.lead { @if repeated { "Your answers were already sent. " } "We've got your answers." }
            }
            @if let Some(code) = receipt {
                div.panel.receipt {
                    p { "Your receipt code is" }
                    p.code { (code) }
                    p { "Write it down or take a photo. Later, you can type it in to see what changed because of what you said. It won't show your answers." }
                }
            }
            h2 { "What happens next" }
            ol.plain {
                @if children {
                    li { (capitalise(&partnership.youth_council)) " will read what young people said and pick out what matters most." }
                } @else {
                    li { (capitalise(&partnership.youth_council)) " and the partnership will read what people said and pick out what matters most." }
                }
                li { (capitalise(&partnership.services)) " will decide what to do about it." }
                li { "They will tell everyone what they did, or why they couldn't, on the " strong { "You said, We did" } " board." }
            }
            @if !concern { (support_list(partnership, "If you need to talk to someone")) }
        },
    )
}

/// After "Stop": nothing was sent.
pub fn stopped(partnership: &Partnership, link: &str) -> Markup {
    page(
        &Page::new("You stopped", partnership),
        html! {
            h1 { "You stopped" }
            p.lead { "That's fine. Nothing you wrote was sent or kept." }
            p { a href={ "/s/" (link) } { "Start again" } " if you want to, at any time." }
            (support_list(partnership, "If you need to talk to someone"))
        },
    )
}
