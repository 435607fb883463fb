//! The pages a respondent sees. Plain functions returning markup, composed
//! under the one layout.

use maud::{Markup, html};

use super::journey::{FieldError, Journey, MAX_TEXT, Problem, Step, field_name, first_input};
use super::receipt::ReceiptCode;
use super::state::{Answer, Draft};
use crate::surveys::{
    AgeGroup, Audience, Catalogue, HOUSES, Key, Partnership, Question, QuestionKind, RATHER_NOT_SAY, Registry, Survey,
    Text, Words,
};
use crate::web::layout::{Page, language_picker, page, support_list_in};

/// The catalogue's name for an audience, for links on the home page.
fn audience_key(audience: Audience) -> Key {
    match audience {
        Audience::ChildYoungPerson => Key::AudienceChildren,
        Audience::ParentCarer => Key::AudienceParents,
        Audience::Practitioner => Key::AudiencePractitioners,
    }
}

/// The catalogue's name for an age group: "8 to 11".
fn age_key(age: AgeGroup) -> Key {
    match age {
        AgeGroup::FiveToSeven => Key::Age5To7,
        AgeGroup::EightToEleven => Key::Age8To11,
        AgeGroup::TwelveToFifteen => Key::Age12To15,
        AgeGroup::SixteenToSeventeen => Key::Age16To17,
        AgeGroup::Adult => Key::AgeAdult,
    }
}

/// `/`: who this is for, and a way in for each.
pub fn home(w: Words<'_>, catalogue: &Catalogue, partnership: &Partnership, links: &[(&str, Audience)]) -> Markup {
    let title = w.s(Key::HomeTitle);
    page(
        &Page::new(&title, partnership).in_words(w),
        html! {
            (language_picker(&w, &catalogue.languages().iter().collect::<Vec<_>>(), "/", &[]))
            h1 { (w.t(Key::HomeTitle)) }
            p.lead { (w.fill(Key::HomeLead, &[("place", w.english(&partnership.place))])) }
            ul.choices-list {
                @for (link, audience) in links {
                    li { a.big-link href=(w.href(&format!("/s/{link}"))) { (w.t(audience_key(*audience))) } }
                }
            }
        },
    )
}

/// A page with no form whose heading is its title: help, and "stopped".
/// `audience`: who the page is for, when it knows.
fn titled_page(
    w: Words<'_>,
    partnership: &Partnership,
    audience: Option<Audience>,
    title: Key,
    content: Markup,
) -> Markup {
    let heading = w.s(title);
    let mut layout = Page::new(&heading, partnership).in_words(w);
    layout.audience = audience;
    page(&layout, html! { h1 { (w.t(title)) } (content) })
}

/// `/help`: every contact, and what each is for: a child's first, then
/// those for parents and carers and for people who work with children.
pub fn help(w: Words<'_>, partnership: &Partnership) -> Markup {
    titled_page(
        w,
        partnership,
        None,
        Key::HelpTitle,
        html! {
            p.lead { (w.t(Key::HelpLead)) }
            p { strong { (w.t(Key::HelpDanger)) } }
            (support_list_in(&w, &partnership.support_for(None), &w.s(Key::HelpPeople)))
            @if !partnership.support_parents_carers.is_empty() {
                (support_list_in(&w, &partnership.support_for(Some(Audience::ParentCarer)), &w.s(Key::HelpParentsCarers)))
            }
            @if !partnership.support_practitioners.is_empty() {
                (support_list_in(&w, &partnership.support_for(Some(Audience::Practitioner)), &w.s(Key::HelpPractitioners)))
            }
            h2 { (w.t(Key::HelpStayingSafe)) }
            p { (w.fill(Key::HelpLeave, &[("leave", html! { strong { (w.t(Key::LayoutLeave)) } })])) }
            p { a href=(partnership.safety_advice_url) { (w.t(Key::HelpPrivateLink)) } }
        },
    )
}

/// What a link's landing page shows.
#[derive(Clone, Copy)]
pub struct Landing<'a> {
    /// The surveys behind the link (at least one).
    pub surveys: &'a [&'a Survey],
    /// From the link's `?age=`: the words to use, never an answer given.
    pub chosen_age: Option<AgeGroup>,
    pub link: &'a str,
    pub via: Option<&'a str>,
    /// "Start" was pressed without an age group.
    pub error: bool,
    /// How long written answers are kept (`RETENTION_DAYS`).
    pub retention_days: u32,
}

/// The landing page of a link: what this is, what happens to the answers,
/// how long they are kept, and the way in.
pub fn landing(w: Words<'_>, registry: &Registry, landing: &Landing<'_>) -> Markup {
    let Landing { surveys, chosen_age, link, via, error, retention_days } = *landing;
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
    let (catalogue, partnership) = (&registry.catalogue, &registry.partnership);
    let title = w.text_plain(&survey.title, age_for_words);
    let council = html! { (w.english(&capitalise(&partnership.youth_council))) };
    let services = html! { (w.english(&partnership.services)) };
    let board = html! { strong { (w.t(Key::BoardName)) } };
    let leave = html! { strong { (w.t(Key::LayoutLeave)) } };
    // A language is offered once a translator has given the surveys behind
    // the link their title in it; what else is missing shows in English.
    let offered: Vec<_> = catalogue
        .languages()
        .iter()
        .filter(|l| surveys.iter().all(|s| s.age_groups.iter().any(|a| s.title.in_lang(&l.code, *a).is_some())))
        .collect();
    let mut query: Vec<(&str, &str)> = Vec::new();
    if let Some(age) = chosen_age {
        query.push(("age", age.as_str()));
    }
    if let Some(via) = via {
        query.push(("via", via));
    }
    page(
        &Page::new(&title, partnership).with_error(error).in_words(w).for_audience(first.audience),
        html! {
            (language_picker(&w, &offered, &format!("/s/{link}"), &query))
            @if error {
                (error_summary(&w, &[FieldError { field: "age.0".into(), question: String::new(), problem: Problem::ChooseAge }]))
            }
            h1 { (w.text(&survey.title, age_for_words)) }
            @if let Some(intro) = &survey.intro { p.lead { (w.text(intro, age_for_words)) } }
            h2 { (w.t(Key::LandingBefore)) }
            ul.plain {
                li { (w.t(Key::LandingNoName)) " " strong { (w.t(Key::LandingWontKnow)) } }
                li { (w.t(Key::LandingSkipAny)) }
                li { (w.fill_counted(Key::LandingMinutes, ("minutes", minutes(survey, age_for_words)), &[])) }
                li { (w.fill_counted(Key::LandingKept, ("days", retention_days as usize), &[])) }
            }
            h2 { (w.t(Key::LandingWhoReads)) }
            p {
                @if children {
                    (w.fill(Key::LandingReadersChildren, &[("council", council), ("services", services)]))
                } @else {
                    (w.fill(Key::LandingReadersAdults, &[("council", html! { (w.english(&partnership.youth_council)) }), ("services", html! { (w.english(&capitalise(&partnership.services))) })]))
                }
                " " (w.fill(Key::LandingUseThem, &[("board", board)]))
            }
            p { (w.t(Key::LandingCantContact)) " "
                (w.fill(Key::LandingHelpNow, &[("link", html! { a href=(w.href("/help")) { (w.t(Key::LandingHelpNowLink)) } })])) }
            h2 { (w.t(Key::LandingPrivateHeading)) }
            p { (w.fill(Key::LandingPrivate, &[("leave", leave)])) " "
                a href=(partnership.safety_advice_url) { (w.t(Key::LandingPrivateLink)) } }
            form.start method="post" action=(w.href(&format!("/s/{link}/start"))) novalidate {
                input type="hidden" name="lang" value=(w.code());
                @if let Some(via) = via { input type="hidden" name="via" value=(via); }
                @if ages.len() > 1 {
                    div.question.has-error[error] {
                        fieldset {
                            legend { h2 { @if children { (w.t(Key::LandingHowOld)) } @else { (w.t(Key::LandingWhichGroup)) } } }
                            p.hint { (w.t(Key::LandingAgeHint)) }
                            @if error { p.error-message id="age-error" { span.visually-hidden { (w.t(Key::ProblemPrefix)) " " } (problem(&w, Problem::ChooseAge)) } }
                            div.options {
                                @for (i, age) in ages.iter().enumerate() {
                                    label.option for={ "age." (i) } {
                                        // Never chosen for them, not even from the link's `?age=`:
                                        // the link only picks the words the page uses.
                                        input type="radio" name="age" id={ "age." (i) } value=(age.as_str());
                                        span { (w.t(age_key(*age))) }
                                    }
                                }
                            }
                        }
                    }
                } @else {
                    input type="hidden" name="age" value=(ages[0].as_str());
                }
                button.button type="submit" { (w.t(Key::LandingStart)) }
            }
        },
    )
}

/// What is wrong with an answer, in the page's language.
fn problem(w: &Words<'_>, problem: Problem) -> Markup {
    match problem {
        Problem::ChooseAge => w.t(Key::ProblemChooseAge),
        Problem::Unrecognised => w.t(Key::ProblemUnrecognised),
        Problem::RatherNotSayAlone => w.t(Key::ProblemRatherNotSayAlone),
        Problem::TooLong(count) => {
            w.fill_counted(Key::ProblemTooLong, ("count", count), &[("max", html! { (MAX_TEXT) })])
        }
    }
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
    pub words: Words<'a>,
    pub partnership: &'a Partnership,
    pub journey: &'a Journey<'a>,
    pub draft: &'a Draft,
    pub sealed: String,
    pub errors: Vec<FieldError>,
    /// What the person typed on a page that had errors, shown back as typed.
    pub typed: Option<&'a crate::web::form::Form>,
    /// A problem with the page as a whole (not one answer).
    pub notice: Option<Key>,
}

/// The page for the draft's current step.
pub fn step(p: &StepPage<'_>) -> Markup {
    let w = &p.words;
    let journey = p.journey;
    let age = journey.age;
    let at = p.draft.at;
    let has_error = !p.errors.is_empty() || p.notice.is_some();
    let (title, body) = match &journey.steps[at] {
        Step::Note(section) => (
            w.text_plain(&section.title, age),
            html! {
                (progress(p))
                h1 { (w.text(&section.title, age)) }
                @if let Some(note) = &section.content_note { p.content-note { (w.text(note, age)) } }
                p { (w.t(Key::StepNoteChoice)) }
                div.buttons {
                    // Two equal choices: neither is the one we would rather they took.
                    button.button.secondary type="submit" name="nav" value="continue" { (w.t(Key::StepAnswerThese)) }
                    button.button.secondary type="submit" name="nav" value="skip-section" { (w.t(Key::StepSkipPart)) }
                }
            },
        ),
        Step::Questions(section, questions) => {
            let alone = questions.len() == 1;
            let title = if alone { w.text_plain(&questions[0].text, age) } else { w.text_plain(&section.title, age) };
            (
                title,
                html! {
                    (progress(p))
                    @if !alone { h1 { (w.text(&section.title, age)) } p.hint { (w.t(Key::StepAllOptional)) } }
                    @for question in questions {
                        (question_block(p, question, alone))
                    }
                    div.buttons {
                        button.button type="submit" name="nav" value="next" {
                            @if p.draft.reviewing { (w.t(Key::StepSaveAndCheck)) } @else { (w.t(Key::StepContinue)) }
                        }
                    }
                },
            )
        }
        Step::Check => (w.s(Key::CheckTitle), check_answers(p)),
    };
    let link = &journey.survey.link;
    page(
        &Page::new(&title, p.partnership).with_error(has_error).in_words(*w).for_audience(journey.survey.audience),
        html! {
            @if let Some(notice) = p.notice { div.notice role="alert" { p { (w.t(notice)) } } }
            @if !p.errors.is_empty() { (error_summary(w, &p.errors)) }
            // The language rides in the address as well as in the sealed
            // draft, so an error page drawn before the draft is opened
            // speaks it too.
            form.journey method="post" action=(w.href(&format!("/s/{link}"))) novalidate {
                input type="hidden" name="state" value=(p.sealed);
                (body)
                @if journey.previous(p.draft, at).is_some() {
                    button.link-button.back type="submit" name="nav" value="back" { (w.t(Key::StepBack)) }
                }
            }
            p.stop { a href=(w.href(&format!("/s/{link}/stopped"))) { (w.t(Key::StepStop)) } }
        },
    )
}

fn progress(p: &StepPage<'_>) -> Markup {
    let w = &p.words;
    let Some((here, total)) = p.journey.progress(p.draft, p.draft.at) else { return html! {} };
    let key = if p.journey.age.one_question_per_page() { Key::StepQuestionOf } else { Key::StepPageOf };
    html! {
        p.progress {
            span { (w.fill(key, &[("here", html! { (here) }), ("total", html! { (total) })])) }
            progress max=(total) value=(here) aria-hidden="true" { }
        }
    }
}

fn error_summary(w: &Words<'_>, errors: &[FieldError]) -> Markup {
    html! {
        div.error-summary role="alert" aria-labelledby="error-summary-title" tabindex="-1" {
            h2 #error-summary-title { (w.t(Key::ProblemSummary)) }
            ul {
                @for e in errors { li { a href={ "#" (e.field) } { (problem(w, e.problem)) } } }
            }
        }
    }
}

/// One question: a fieldset whose legend is the question (the page's `h1`
/// when it stands alone).
fn question_block(p: &StepPage<'_>, question: &Question, alone: bool) -> Markup {
    let w = &p.words;
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
        @if alone { h1 { (w.text(&question.text, age)) } } @else { h2 { (w.text(&question.text, age)) } }
    };
    let messages = html! {
        @if let Some(hint) = &question.hint { p.hint id=(hint_id) { (w.text(hint, age)) } }
        @if !errors.is_empty() {
            p.error-message id=(error_id) {
                @for e in &errors { span.visually-hidden { (w.t(Key::ProblemPrefix)) " " } (problem(w, e.problem)) " " }
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
                    p.hint { (w.t(Key::StepNoNames)) }
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
                                label for=(field) { (w.text(&houses[i], age)) }
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
            let mut choices: Vec<(String, Markup)> =
                kind.choices().into_iter().map(|(id, label)| (id, w.text(label, age))).collect();
            if kind.offers_rather_not_say() {
                choices.push((RATHER_NOT_SAY.to_owned(), w.t(Key::StepRatherNotSay)));
            }
            html! {
                div.question.has-error[!errors.is_empty()] {
                    fieldset aria-describedby=[described.as_deref()] {
                        legend { (legend) }
                        (messages)
                        @if multiple { p.hint { (w.t(Key::StepChooseAll)) } }
                        div.options.faces[faces] {
                            @for (i, (value, label)) in choices.iter().enumerate() {
                                @let id = if i == 0 { first_input(&name) } else { format!("{name}.{i}") };
                                @if value == RATHER_NOT_SAY && !faces { p.or { (w.t(Key::StepOr)) } }
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
    let w = &p.words;
    let journey = p.journey;
    let age = journey.age;
    html! {
        h1 { (w.t(Key::CheckTitle)) }
        p { (w.t(Key::CheckLead)) }
        @for section in &journey.survey.sections {
            @let questions: Vec<&Question> = section.questions_for(age).collect();
            @if !questions.is_empty() {
                h2 { (w.text(&section.title, age)) }
                @if p.draft.skipped.contains(&section.id) {
                    dl.summary {
                        div {
                            dt { (w.t(Key::CheckSkipped)) }
                            dd {}
                            dd.change {
                                @if let Some(step) = journey.step_of_section(&section.id) {
                                    button.link-button type="submit" name="nav" value={ "change:" (step) } { (w.t(Key::CheckAnswerIt)) }
                                }
                            }
                        }
                    }
                } @else {
                    dl.summary {
                        @for question in questions {
                            div {
                                dt { (w.text(&question.text, age)) }
                                dd { (answer_words(w, question, p.draft.answers.get(&question.id), age)) }
                                dd.change {
                                    @if let Some(step) = journey.step_of(&question.id) {
                                        button.link-button type="submit" name="nav" value={ "change:" (step) } {
                                            (w.t(Key::CheckChange)) span.visually-hidden { " " (w.t(Key::CheckChangeHidden)) " " (w.text(&question.text, age)) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        p { (w.t(Key::CheckRemoved)) }
        div.buttons {
            button.button type="submit" name="nav" value="submit" { (w.t(Key::CheckSend)) }
        }
    }
}

fn answer_words(w: &Words<'_>, question: &Question, answer: Option<&Answer>, age: AgeGroup) -> Markup {
    let label = |id: &str| -> Markup {
        if id == RATHER_NOT_SAY {
            return w.t(Key::StepRatherNotSay);
        }
        let choices = question.kind.choices();
        let found: Option<&Text> = choices.iter().find(|(c, _)| c == id).map(|(_, l)| *l);
        found.map(|l| w.text(l, age)).unwrap_or_default()
    };
    match answer {
        None => html! { span.muted { (w.t(Key::CheckNotAnswered)) } },
        Some(Answer::Choice(id)) => html! { (label(id)) },
        Some(Answer::Choices(ids)) => html! { ul.plain { @for id in ids { li { (label(id)) } } } },
        Some(Answer::Text(text)) => html! { p.written { (text) } },
        Some(Answer::Houses(houses)) => {
            let QuestionKind::ThreeHouses { houses: names } = &question.kind else { return html! {} };
            html! {
                @for (i, text) in houses.iter().enumerate() {
                    @if !text.is_empty() { p.written { strong { (w.text(&names[i], age)) ": " } (text) } }
                }
            }
        }
    }
}

/// After sending: the receipt code, what happens next, and help. When the
/// answers suggest the person may not be safe, help comes first.
pub fn thanks(
    w: Words<'_>,
    partnership: &Partnership,
    receipt: Option<&ReceiptCode>,
    concern: bool,
    repeated: bool,
    audience: Audience,
) -> Markup {
    let children = audience == Audience::ChildYoungPerson;
    let title = w.s(Key::ThanksTitle);
    let council = html! { (w.english(&capitalise(&partnership.youth_council))) };
    let help = partnership.support_for(Some(audience));
    page(
        &Page::new(&title, partnership).in_words(w).for_audience(audience),
        html! {
            @if concern {
                h1 { (w.t(Key::ThanksToldTitle)) }
                div.panel.gentle {
                    p.lead { (w.t(Key::ThanksHard)) }
                    p { (w.t(Key::ThanksCantContact)) }
                    p { strong { (w.t(Key::HelpDanger)) } }
                }
                (support_list_in(&w, &help, &w.s(Key::ThanksPeopleNow)))
            } @else {
                h1 { (w.t(Key::ThanksTitle)) }
                p.lead { @if repeated { (w.t(Key::ThanksAlready)) " " } (w.t(Key::ThanksGot)) }
                // Every ending says it: nobody will get in touch, so help is
                // theirs to ask for.
                p { (w.t(Key::ThanksCantContact)) }
            }
            @if let Some(code) = receipt {
                div.panel.receipt {
                    p { (w.t(Key::ThanksReceiptIs)) }
                    p.code { (code) }
                    p { (w.t(Key::ThanksReceiptKeep)) }
                    p { a href=(w.href("/track")) { (w.t(Key::ThanksTrack)) } }
                }
            }
            h2 { (w.t(Key::ThanksNext)) }
            ol.plain {
                @if children {
                    li { (w.fill(Key::ThanksNextChildren, &[("council", council)])) }
                } @else {
                    li { (w.fill(Key::ThanksNextAdults, &[("council", council)])) }
                }
                li { (w.fill(Key::ThanksDecide, &[("services", html! { (w.english(&capitalise(&partnership.services))) })])) }
                li { (w.fill(Key::ThanksTell, &[("board", html! { strong { (w.t(Key::BoardName)) } })])) }
            }
            // Signing up is its own form on its own page, never tied to
            // these answers: nothing from this page goes with the link.
            section.hear {
                h2 { (w.t(Key::ThanksHearHeading)) }
                p { (w.t(Key::ThanksHearText)) }
                p { a href=(w.href("/subscribe")) { (w.t(Key::ThanksHearLink)) } }
            }
            @if !concern { (support_list_in(&w, &help, &w.s(Key::ThanksTalk))) }
        },
    )
}

/// After "Stop": nothing was sent.
pub fn stopped(w: Words<'_>, partnership: &Partnership, link: &str, audience: Audience) -> Markup {
    titled_page(
        w,
        partnership,
        Some(audience),
        Key::StoppedTitle,
        html! {
            p.lead { (w.t(Key::StoppedLead)) }
            p { (w.fill(Key::StoppedAgain, &[("link", html! { a href=(w.href(&format!("/s/{link}"))) { (w.t(Key::StoppedAgainLink)) } })])) }
            (support_list_in(&w, &partnership.support_for(Some(audience)), &w.s(Key::ThanksTalk)))
        },
    )
}
